//! Customers, products, invoices and payments over the one write path (DESIGN.md): each change
//! reads the document and what it needs, checks the rules of remit-core, and commits the new
//! document, its projection, its facts and its audit entry together (`store::records`). Reads
//! come from the projections. The sync engine will reuse exactly these functions.

pub mod bank_feed;
pub mod cursor;
pub mod customers;
pub mod delivery;
pub mod invoices;
pub mod payments;
pub mod products;
pub mod receipts;
pub mod reconciliation;
pub mod reports;
pub mod schedule;
pub mod views;

use std::future::Future;

use axum::http::StatusCode;
use chrono::{NaiveDate, Utc};
use remit_core::UserId;
use remit_core::rbac::{Action, Target};
use uuid::Uuid;

use crate::error::Error;
use crate::problem::Problem;
use crate::store::Principal;

/// Today in UTC. (A tenant time zone comes with tenant settings.)
pub fn today() -> NaiveDate {
    Utc::now().date_naive()
}

pub fn not_found(what: &str) -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "not_found", format!("no such {what}"))
}

pub fn rule(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Problem {
    Problem::new(status, code, detail.into())
}

/// A path id: anything but a UUID is simply not found.
pub fn parse_id(id: &str, what: &str) -> Result<Uuid, Problem> {
    Uuid::try_parse(id).map_err(|_| not_found(what))
}

/// Whether the caller's grant for `action` covers everyone's records, not only their own.
pub fn sees_all(principal: &Principal, action: Action) -> bool {
    let someone_else = Target::record(UserId::from_uuid(Uuid::nil()));
    principal.policy().allows(principal.user_id, action, Some(&someone_else))
}

/// Runs a read-check-commit change again when another writer committed in between, so two
/// payments on one invoice both land, each computed from the other's result.
pub async fn with_retry<T, F, Fut>(mut attempt: F) -> Result<T, Problem>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Problem>>,
{
    const ATTEMPTS: usize = 5;
    let mut last = None;
    for _ in 0..ATTEMPTS {
        match attempt().await {
            Err(p) if p.code == "edit_conflict" => last = Some(p),
            other => return other,
        }
    }
    Err(last.unwrap_or_else(|| Problem::from(Error::Stale)))
}

/// A stored view back as JSON.
pub fn parse_view(view: &str) -> Result<serde_json::Value, Problem> {
    serde_json::from_str(view).map_err(|e| Problem::from(Error::Internal(format!("stored view is not JSON: {e}"))))
}

/// Text as it is searched: lowercased, one line.
pub fn search_text(parts: &[Option<&str>]) -> String {
    parts.iter().flatten().map(|p| p.to_lowercase()).collect::<Vec<_>>().join(" ")
}
