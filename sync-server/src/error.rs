//! Errors of remit-server. Each maps to an HTTP status and a stable code at the edge
//! (`problem.rs`); database causes are logged there, never sent to the client.

use std::net::SocketAddr;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error(transparent)]
    Io(std::io::Error),
    #[error("configuration: {0}")]
    Config(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PlanLimit(String),
    /// A number the tenant's series already handed out (claimed by a standalone device).
    #[error("{0}")]
    NumberTaken(String),
    /// A document changed between reading it and committing a change to it.
    #[error("the record was changed by someone else at the same time: read it again and retry")]
    Stale,
    #[error(transparent)]
    Domain(#[from] remit_core::Error),
    #[error("database: {0}")]
    Database(sqlx::Error),
    #[error("internal: {0}")]
    Internal(String),
    /// The mail relay refused or could not be reached.
    #[error("mail: {0}")]
    Mail(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

pub(crate) fn db_error(e: sqlx::Error) -> Error {
    Error::Database(e)
}

/// A document inserted by a concurrent writer first: the change is stale and retried (it
/// then finds the document and merges into it).
pub(crate) fn stale_if_unique(e: sqlx::Error) -> Error {
    if e.as_database_error().is_some_and(|d| d.is_unique_violation()) { Error::Stale } else { Error::Database(e) }
}

/// A unique-constraint violation becomes a conflict with a message the user understands.
pub(crate) fn unique_or(e: sqlx::Error, conflict: &str) -> Error {
    if e.as_database_error().is_some_and(|d| d.is_unique_violation()) {
        Error::Conflict(conflict.to_owned())
    } else {
        Error::Database(e)
    }
}
