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
    /// Deleted (a draft, a customer, a product): devices remove it.
    pub deleted: bool,
    /// An invoice's projection as stored (the API's shape before `overdue`), so a device new to
    /// it need not rebuild it from the document.
    pub view: Option<String>,
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
/// notification arrives. When notifications may have been lost (the listener reconnected),
/// `everything_moved` wakes every waiter and changes every version.
#[derive(Debug, Clone)]
pub struct FeedSignal {
    /// `None`: every tenant.
    tx: tokio::sync::broadcast::Sender<Option<TenantId>>,
    versions: Arc<Mutex<(u64, HashMap<TenantId, u64>)>>,
}

impl Default for FeedSignal {
    fn default() -> Self {
        FeedSignal { tx: tokio::sync::broadcast::channel(1024).0, versions: Arc::default() }
    }
}

impl FeedSignal {
    fn lock(&self) -> std::sync::MutexGuard<'_, (u64, HashMap<TenantId, u64>)> {
        self.versions.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn moved(&self, tenant: TenantId) {
        *self.lock().1.entry(tenant).or_default() += 1;
        // Nobody waiting is fine: a wake-up, not a message.
        let _ = self.tx.send(Some(tenant));
    }

    pub fn everything_moved(&self) {
        self.lock().0 += 1;
        let _ = self.tx.send(None);
    }

    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<Option<TenantId>> {
        self.tx.subscribe()
    }

    /// The tenant's version: its own moves and the node-wide resets.
    pub fn version(&self, tenant: TenantId) -> (u64, u64) {
        let v = self.lock();
        (v.0, v.1.get(&tenant).copied().unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_change_one_tenant_and_resets_change_all() {
        let signal = FeedSignal::default();
        let (a, b) = (TenantId::from_uuid(Uuid::now_v7()), TenantId::from_uuid(Uuid::now_v7()));
        let mut rx = signal.subscribe();
        let (a0, b0) = (signal.version(a), signal.version(b));
        signal.moved(a);
        assert_ne!(signal.version(a), a0);
        assert_eq!(signal.version(b), b0, "another tenant's pages stay valid");
        assert_eq!(rx.try_recv().unwrap(), Some(a));
        let b1 = signal.version(b);
        signal.everything_moved();
        assert_ne!(signal.version(b), b1, "after a reset nothing read before is reused");
        assert_eq!(rx.try_recv().unwrap(), None, "and every waiter wakes");
    }
}
