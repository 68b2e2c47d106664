//! Scheduled jobs (migration 0012): the due time of each tenant's recurring work, claimed by
//! one node at a time.

use chrono::{DateTime, Utc};
use remit_core::TenantId;

/// How long a claim lasts: a node that dies mid-run lets another take the job after this.
pub const CLAIM_SECONDS: i64 = 600;

/// A job as the settings API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRecord {
    pub due_at: DateTime<Utc>,
    pub last_run_at: Option<DateTime<Utc>>,
    pub last_result: Option<String>,
}

/// A claimed job: whose and which.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    pub tenant: TenantId,
    pub kind: String,
}

/// SQLite keeps times as RFC 3339 UTC text with microseconds, so text order is time order.
pub(crate) fn sqlite_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}
