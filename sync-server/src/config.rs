//! Server configuration: built-in defaults, then `REMIT_*` environment variables, then
//! command-line flags (clap reads both), validated before anything starts.

use std::net::SocketAddr;

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
}

/// Loopback by default: exposing the server is a deliberate choice.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
