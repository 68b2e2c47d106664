//! remit-client: what every Remit front end (desktop, mobile, the `remit` CLI) runs on the
//! device. Use-case functions live here and are tested with no UI around them; the Tauri
//! shell and the CLI only adapt them.
//!
//! Depends on remit-core for every rule; must not depend on Tauri or on the server crate.
//! `replica` is the device's store (SQLite, Automerge documents, projections, outbox); the
//! sync client that exchanges it with the server is still to come.

pub mod error;
pub mod pdf;
pub mod quote;
pub mod replica;

pub use error::{Error, Result};
