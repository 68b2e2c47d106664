//! remit-core's integration tests: the rules as a user of the crate sees them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test code: a panic is a failed test")]

mod fixtures;
mod matrix;
mod status;
mod totals;
