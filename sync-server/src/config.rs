//! Server configuration: built-in defaults, then `REMIT_*` environment variables, then
//! command-line flags (clap reads both), validated before anything starts.

use std::net::SocketAddr;

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// `sqlite:PATH` (the default, an embedded file) or `postgres://...`.
    pub database_url: String,
}

/// Loopback by default: exposing the server is a deliberate choice.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// An embedded SQLite file under `./remit-data/`, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite:./remit-data/remit.db";
