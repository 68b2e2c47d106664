//! Errors of remit-client, each with the stable code of its cause.

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Domain(#[from] remit_core::Error),
    #[error("invalid {what}: {source}")]
    Request { what: &'static str, source: serde_json::Error },
    #[error("{}: {source}", path.display())]
    Io { path: std::path::PathBuf, source: std::io::Error },
}

impl Error {
    /// Stable machine-readable code (the front ends show the message, switch on the code).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Domain(e) => e.code(),
            Error::Request { .. } => "invalid_request",
            Error::Io { .. } => "io",
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
