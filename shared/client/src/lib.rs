//! remit-client: what every Remit front end (desktop, mobile, the `remit` CLI) runs on the
//! device. Use-case functions live here and are tested with no UI around them; the Tauri
//! shell and the CLI only adapt them.
//!
//! Depends on remit-core for every rule; must not depend on Tauri or on the server crate.
//! The offline replica (SQLite store, Automerge documents, outbox, sync) arrives with the
//! offline-engine work; today this crate offers the calculations that need no storage.

pub mod error;
pub mod pdf;
pub mod quote;

pub use error::{Error, Result};
