//! Server configuration: built-in defaults, then `REMIT_*` environment variables, then
//! command-line flags (clap reads both), validated before anything starts.

use std::net::SocketAddr;

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// `sqlite:PATH` (the default, an embedded file) or `postgres://...`.
    pub database_url: String,
    /// SHA-256 (64 hex digits) of the platform operator's token, for `POST /v1/tenants`.
    pub operator_token_sha256: Option<String>,
    /// An SMTP relay (`smtp://` or `smtps://`); without one, mail is filed in `outbox`.
    pub smtp_url: Option<String>,
    /// Where `.eml` files go when there is no relay.
    pub outbox: std::path::PathBuf,
    /// The sender of invoice emails.
    pub mail_from: String,
}

pub const DEFAULT_MAIL_FROM: &str = "Remit <invoices@localhost>";

/// Checks an operator token hash: 64 lower-case hex digits.
pub fn valid_token_hash(hash: &str) -> bool {
    hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Loopback by default: exposing the server is a deliberate choice.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// An embedded SQLite file under `./remit-data/`, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite:./remit-data/remit.db";
