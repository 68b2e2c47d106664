//! Errors of remit-client, each with the stable code of its cause.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Domain(#[from] remit_core::Error),
    #[error("invalid {what}: {source}")]
    Request { what: &'static str, source: serde_json::Error },
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{} holds no Remit replica: run `remit --data-dir {} init` first", .0.display(), .0.display())]
    NotInitialized(PathBuf),
    #[error("the local store failed: {0}")]
    Store(String),
    #[error("no {what} {id:?} on this device")]
    Unknown { what: &'static str, id: String },
    #[error("{0}")]
    BadArgument(String),
    #[error("invoice {0} is issued or voided and cannot be edited: void it, or issue a credit note")]
    NotEditable(String),
    #[error("invoice {0} is a draft: payments are recorded against issued invoices")]
    NotIssued(String),
    #[error(
        "invoice {0} was not issued: issuing takes the next number of the series, and {1}; issue it when the server is reachable"
    )]
    IssueNeedsServer(String, String),
    /// The live channel sent only the changes of a document, and this device cannot add them
    /// to its copy as it is: a pull brings the whole document (`Replica::apply_live` does it).
    #[error("document {0}: the live channel's changes need the whole document; pull again")]
    NeedWholeDocument(String),
    #[error("cannot reach the server: {0}")]
    Network(String),
    #[error("the server answered {status}: {detail}")]
    Server { status: u16, code: String, detail: String },
    /// What only the sync server does (voiding, e-mailing, the portal) asked of a device that
    /// has never connected.
    #[error("{0} needs the sync server: connect this device to one in Settings (or `remit login`)")]
    NeedsServer(String),
    #[error("this replica is not logged in: run `remit login --server URL ...` first")]
    NotLoggedIn,
    #[error("{0}")]
    Credentials(String),
}

impl Error {
    /// Stable machine-readable code (the front ends show the message, switch on the code).
    pub fn code(&self) -> &str {
        match self {
            Error::Domain(e) => e.code(),
            Error::Request { .. } | Error::BadArgument(_) => "invalid_request",
            Error::Io { .. } => "io",
            Error::NotInitialized(_) => "not_initialized",
            Error::Store(_) => "store",
            Error::Unknown { .. } => "not_found",
            Error::NotEditable(_) => "invoice_not_editable",
            Error::NotIssued(_) => "invoice_not_issued",
            Error::IssueNeedsServer(..) => "issue_needs_server",
            Error::NeedWholeDocument(_) => "need_full_document",
            Error::Network(_) => "offline",
            // The server's problem code, as the REST API gives it.
            Error::Server { code, .. } => code,
            Error::NotLoggedIn => "not_logged_in",
            Error::NeedsServer(_) => "needs_server",
            Error::Credentials(_) => "credentials",
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
