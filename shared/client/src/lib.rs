//! remit-client: what every Remit front end (desktop, mobile, the `remit` CLI) runs on the
//! device. Use-case functions live here and are tested with no UI around them; the Tauri
//! shell and the CLI only adapt them.
//!
//! Depends on remit-core for every rule; must not depend on Tauri or on the server crate.
//! `replica` is the device's store (SQLite, Automerge documents, projections, outbox) and its
//! half of sync; `remote` is the server's sync endpoints over HTTP.

pub mod credentials;
pub mod error;
pub mod pdf;
pub mod quote;
pub mod remote;
pub mod replica;
pub mod session;

pub use error::{Error, Result};
