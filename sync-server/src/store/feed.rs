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

/// The highest id of the documents a commit writes or touches: `None` when it does not move the
/// feed. (The feed's order is by sequence, then id: a UUID's byte order is its text's.)
pub fn last_moved(writes: &[Write]) -> Option<Uuid> {
    writes
        .iter()
        .filter_map(|w| match w {
            Write::Document { id, .. } | Write::Touch { id, .. } => Some(*id),
            _ => None,
        })
        .max()
}

/// The page size of the live channel (sync-server/src/sync/live.rs), and of the page a commit
/// hands to it.
pub const LIVE_PAGE: i64 = 500;

/// A commit's page is handed over only up to this many bytes of documents (a live edit is a
/// few KB); a bigger one (a device's first push of hundreds) is read by each socket as before,
/// so that the pages kept for sharing stay small (sync-server/src/sync/mod.rs, `PageMemo`).
pub const HANDED_PAGE_BYTES: usize = 64 * 1024;

/// A move of one tenant's feed, as the channel carries it (`None` there: every tenant's).
#[derive(Debug, Clone)]
pub struct Moved {
    pub tenant: TenantId,
    pub page: Option<Arc<CommittedPage>>,
}

/// What a commit of this node added to the feed, read once right after it for every device
/// that was up to date: `Store::feed(tenant, after, LIVE_PAGE)` and `Store::facts_of` its
/// invoices, as a device's own read would have returned them at that moment (rows of later
/// commits included, if they came first: it is a read like any other).
#[derive(Debug)]
pub struct CommittedPage {
    /// Where the feed ended before the commit: the cursor of every device that had it all.
    pub after: (i64, Uuid),
    /// The commit's feed sequence, which names the page.
    pub seq: i64,
    pub rows: Vec<FeedRow>,
    pub facts: Vec<(Uuid, String)>,
}

/// After a commit that moved `tenant`'s feed to `seq` (`last`: its highest document): records
/// where the feed now ends and wakes the devices. When the feed's end before the commit is
/// known (`before`, from `FeedSignal::end_before`) and devices are listening, what the commit
/// added is read first, once, and handed to them: every device that was up to date sends it
/// at once, instead of all waking to wait while one of them reads it. A failed read only
/// means each reads for itself, as before. A socket uses the page only when its own cursor is
/// the page's `after`: what it sends is then what its own read would have returned, a moment
/// earlier. So the end being known decides only how many sockets can use the page, never what
/// a device receives.
pub async fn announce(store: &dyn super::Store, tenant: TenantId, seq: i64, last: Uuid, before: Option<(i64, Uuid)>) {
    let signal = store.feed_signal();
    signal.ended(tenant, (seq, last));
    let page = match before {
        Some(after) if signal.watched() => match committed_page(store, tenant, after, seq).await {
            Ok(page) => page.map(Arc::new),
            Err(e) => {
                tracing::debug!(error = %e, "reading a commit's page failed; devices read it themselves");
                None
            }
        },
        _ => None,
    };
    signal.moved_with(tenant, page);
}

async fn committed_page(
    store: &dyn super::Store,
    tenant: TenantId,
    after: (i64, Uuid),
    seq: i64,
) -> crate::error::Result<Option<CommittedPage>> {
    let (rows, facts) = read(store, tenant, after, LIVE_PAGE).await?;
    let small = rows.iter().map(|r| r.bytes.len()).sum::<usize>() <= HANDED_PAGE_BYTES;
    Ok(small.then_some(CommittedPage { after, seq, rows, facts }))
}

/// A page of the feed as a device reads it: the rows after `after`, and the facts of its
/// invoices (by invoice, oldest first).
pub async fn read(
    store: &dyn super::Store,
    tenant: TenantId,
    after: (i64, Uuid),
    limit: i64,
) -> crate::error::Result<(Vec<FeedRow>, Vec<(Uuid, String)>)> {
    let rows = store.feed(tenant, after, limit).await?;
    let invoices: Vec<Uuid> = rows.iter().filter(|r| r.kind == "invoice").map(|r| r.id).collect();
    let facts = store.facts_of(tenant, &invoices).await?;
    Ok((rows, facts))
}

/// Tells who waits that a tenant's feed moved, and counts the moves per tenant so a reader can
/// tell whether what it read before is still the latest (`version`). Moves made on this node
/// count as they commit; on PostgreSQL, other nodes' moves count when their `remit_feed`
/// notification arrives. When notifications may have been lost (the listener reconnected),
/// `everything_moved` wakes every waiter and changes every version. It also remembers where
/// each tenant's feed ended after this node's last commit (`end_before`, for `announce`).
#[derive(Debug, Clone)]
pub struct FeedSignal {
    /// `None`: every tenant.
    tx: tokio::sync::broadcast::Sender<Option<Moved>>,
    state: Arc<Mutex<SignalState>>,
}

#[derive(Debug, Default)]
struct SignalState {
    /// Node-wide resets, and each tenant's moves.
    everything: u64,
    versions: HashMap<TenantId, u64>,
    /// Where each tenant's feed ended after the last commit this node made: its sequence and
    /// highest document.
    ends: HashMap<TenantId, (i64, Uuid)>,
}

impl Default for FeedSignal {
    fn default() -> Self {
        FeedSignal { tx: tokio::sync::broadcast::channel(1024).0, state: Arc::default() }
    }
}

impl FeedSignal {
    fn lock(&self) -> std::sync::MutexGuard<'_, SignalState> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn moved(&self, tenant: TenantId) {
        self.moved_with(tenant, None);
    }

    /// A move, with what it added when the committer read it (`announce`).
    pub fn moved_with(&self, tenant: TenantId, page: Option<Arc<CommittedPage>>) {
        *self.lock().versions.entry(tenant).or_default() += 1;
        // Nobody waiting is fine: a wake-up, not a message.
        let _ = self.tx.send(Some(Moved { tenant, page }));
    }

    pub fn everything_moved(&self) {
        let mut state = self.lock();
        state.everything += 1;
        // What this node knew of where feeds end may be stale: other nodes' commits went unheard.
        state.ends.clear();
        drop(state);
        let _ = self.tx.send(None);
    }

    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<Option<Moved>> {
        self.tx.subscribe()
    }

    /// Whether anyone waits for moves (a page read for nobody is not read).
    pub fn watched(&self) -> bool {
        self.tx.receiver_count() > 0
    }

    /// The tenant's version: its own moves and the node-wide resets.
    pub fn version(&self, tenant: TenantId) -> (u64, u64) {
        let v = self.lock();
        (v.everything, v.versions.get(&tenant).copied().unwrap_or(0))
    }

    /// Where the tenant's feed ended before the commit that took sequence `seq`, when this node
    /// made the commit that took `seq - 1`: a commit stamps every document it writes with its
    /// own sequence, and no other commit has that sequence, so the feed's last row before `seq`
    /// was that commit's highest document. Called inside the commit's transaction, before its
    /// writes. `None` when not known (another node's commit, or none since this node started).
    pub fn end_before(&self, tenant: TenantId, seq: i64) -> Option<(i64, Uuid)> {
        self.lock().ends.get(&tenant).copied().filter(|(s, _)| *s == seq - 1)
    }

    /// Records where the feed ends after a commit of this node (kept only if it is the latest
    /// known: commits can finish in another order than they took their sequences).
    fn ended(&self, tenant: TenantId, end: (i64, Uuid)) {
        let mut state = self.lock();
        let known = state.ends.entry(tenant).or_insert(end);
        if *known < end {
            *known = end;
        }
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
        assert!(matches!(rx.try_recv().unwrap(), Some(Moved { tenant, page: None }) if tenant == a));
        let b1 = signal.version(b);
        signal.everything_moved();
        assert_ne!(signal.version(b), b1, "after a reset nothing read before is reused");
        assert!(rx.try_recv().unwrap().is_none(), "and every waiter wakes");
    }

    #[test]
    fn the_end_before_a_commit_is_known_only_after_this_nodes_commit_just_before_it() {
        let signal = FeedSignal::default();
        let (a, b) = (TenantId::from_uuid(Uuid::now_v7()), TenantId::from_uuid(Uuid::now_v7()));
        let (low, high) = (Uuid::from_u128(1), Uuid::from_u128(2));
        assert_eq!(signal.end_before(a, 1), None, "nothing committed here yet");
        signal.ended(a, (7, high));
        assert_eq!(signal.end_before(a, 8), Some((7, high)));
        assert_eq!(signal.end_before(a, 9), None, "sequence 8 was another node's: its rows are unknown");
        assert_eq!(signal.end_before(b, 8), None, "another tenant's feed");
        // Commits that finish out of order keep the later end.
        signal.ended(a, (9, low));
        signal.ended(a, (8, high));
        assert_eq!(signal.end_before(a, 10), Some((9, low)));
        signal.everything_moved();
        assert_eq!(signal.end_before(a, 10), None, "after a reset nothing known before is trusted");
    }

    #[test]
    fn a_commit_moves_the_feed_to_its_highest_document() {
        let (low, high) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let guard = Write::Guard { table: super::super::records::Table::Invoices, id: Uuid::from_u128(3), expected: 1 };
        assert_eq!(
            last_moved(&[Write::Touch { id: high, expected: 1 }, Write::Touch { id: low, expected: 1 }, guard]),
            Some(high)
        );
        let guard = Write::Guard { table: super::super::records::Table::Invoices, id: high, expected: 1 };
        assert_eq!(last_moved(&[guard]), None, "a guard alone moves nothing");
    }
}
