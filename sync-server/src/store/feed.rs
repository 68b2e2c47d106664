//! The change feed and the devices of sync (docs/sync-protocol.md), shared by both stores.
//!
//! Every commit that writes or touches a document takes the tenant's next feed sequence and
//! stamps the documents it changed with it. PostgreSQL holds the `feed_heads` row lock until
//! the commit, SQLite writes one transaction at a time: either way a tenant's sequences commit
//! in order, so a reader that has seen sequence N has seen everything before it.

use remit_core::UserId;
use uuid::Uuid;

use super::records::Write;

/// One changed document in the feed.
#[derive(Debug, Clone)]
pub struct FeedRow {
    pub seq: i64,
    pub id: Uuid,
    pub kind: String,
    pub bytes: Vec<u8>,
    pub created_by: UserId,
}

/// A registered device: whose it is, and whether it was revoked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRecord {
    pub user_id: UserId,
    pub revoked: bool,
}

/// Whether a commit moves the feed: it writes or touches a document.
pub fn moves_feed(writes: &[Write]) -> bool {
    writes.iter().any(|w| matches!(w, Write::Document { .. } | Write::Touch { .. }))
}
