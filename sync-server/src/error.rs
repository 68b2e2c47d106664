//! Errors of remit-server.

use std::net::SocketAddr;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error(transparent)]
    Io(std::io::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
