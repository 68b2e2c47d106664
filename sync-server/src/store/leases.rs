//! Number leases as stored (see `migrations/*/0010_number_leases.sql`); what they mean and the
//! rules for using them are in `crate::sync::leases`.

use chrono::{DateTime, Utc};
use remit_core::UserId;
use uuid::Uuid;

/// Which leases to read.
#[derive(Debug, Clone, Copy)]
pub enum LeaseSelect {
    One(Uuid),
    /// The device's leases not closed yet.
    OpenOf(Uuid),
    /// Leases not closed yet whose expiry is before this time.
    ExpiredBefore(DateTime<Utc>),
    /// The newest, most recent first, at most this many.
    Recent(i64),
}

/// A lease with the numbers it has used and the gaps recorded for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseRecord {
    pub id: Uuid,
    pub device_id: Uuid,
    pub user_id: UserId,
    pub series: String,
    pub pattern: String,
    pub period: String,
    pub first: u64,
    pub last: u64,
    pub leased_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub close_reason: Option<String>,
    pub version: i64,
    /// Sequence numbers used by accepted offline issues, ascending.
    pub used: Vec<u64>,
    /// Sequence ranges recorded as gaps, ascending.
    pub gaps: Vec<(u64, u64)>,
}

/// One explained gap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GapRecord {
    pub id: Uuid,
    pub lease_id: Uuid,
    pub series: String,
    pub period: String,
    pub first_number: String,
    pub last_number: String,
    pub count: u64,
    pub reason: String,
    pub recorded_at: DateTime<Utc>,
}

pub(super) const LEASE_COLUMNS: &str = "id, device_id, user_id, series, pattern, period, first_seq, last_seq, \
     leased_at, expires_at, closed_at, close_reason, version";

pub(super) fn seq(v: i64) -> crate::error::Result<u64> {
    u64::try_from(v).map_err(|_| crate::error::Error::Internal(format!("bad stored sequence {v}")))
}
