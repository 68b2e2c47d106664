//! The change feed and the devices of sync (docs/sync-protocol.md), shared by both stores.
//!
//! Every commit that writes or touches a document takes the tenant's next feed sequence and
//! stamps the documents it changed with it. PostgreSQL holds the `feed_heads` row lock until
//! the commit, SQLite writes one transaction at a time: either way a tenant's sequences commit
//! in order, so a reader that has seen sequence N has seen everything before it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use remit_core::{TenantId, UserId};
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

/// Tells who waits that a tenant's feed moved, and counts the moves per tenant so a reader can
/// tell whether what it read before is still the latest (`version`). Moves made on this node
/// count as they commit; on PostgreSQL, other nodes' moves count when their `remit_feed`
/// notification arrives.
#[derive(Debug, Clone)]
pub struct FeedSignal {
    tx: tokio::sync::broadcast::Sender<TenantId>,
    versions: Arc<Mutex<HashMap<TenantId, u64>>>,
}

impl Default for FeedSignal {
    fn default() -> Self {
        FeedSignal { tx: tokio::sync::broadcast::channel(1024).0, versions: Arc::default() }
    }
}

impl FeedSignal {
    pub fn moved(&self, tenant: TenantId) {
        *self.versions.lock().unwrap_or_else(std::sync::PoisonError::into_inner).entry(tenant).or_default() += 1;
        // Nobody waiting is fine: a wake-up, not a message.
        let _ = self.tx.send(tenant);
    }

    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<TenantId> {
        self.tx.subscribe()
    }

    pub fn version(&self, tenant: TenantId) -> u64 {
        self.versions.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(&tenant).copied().unwrap_or(0)
    }
}
