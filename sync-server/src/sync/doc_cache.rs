//! Documents recently merged by pushes, kept loaded. Loading an Automerge document replays
//! its history, and a document someone is editing live grows with every keystroke's save; a
//! push that finds the version it read from the database here skips that load. Only an entry
//! whose version equals the stored row's is used, so a write by the REST API, a fact or another
//! server node (each bumps the version) makes it a miss, never a stale read.

use std::collections::HashMap;
use std::sync::Mutex;

use automerge::AutoCommit;
use remit_core::TenantId;
use uuid::Uuid;

/// Enough for the documents being edited right now across tenants; each holds a few KB to a
/// few hundred KB of history in memory.
const CAPACITY: usize = 256;

struct Entry {
    version: i64,
    used: u64,
    doc: AutoCommit,
}

#[derive(Default)]
struct Inner {
    tick: u64,
    entries: HashMap<(TenantId, Uuid), Entry>,
}

#[derive(Default)]
pub struct DocCache {
    inner: Mutex<Inner>,
}

impl std::fmt::Debug for DocCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocCache").field("documents", &self.len()).finish()
    }
}

impl DocCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves nothing half-changed that matters: a cache.
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The document at `version`, taken out: the caller changes it and puts it back only if
    /// its commit succeeds.
    pub fn take(&self, tenant: TenantId, id: Uuid, version: i64) -> Option<AutoCommit> {
        let mut inner = self.lock();
        let entry = inner.entries.remove(&(tenant, id))?;
        (entry.version == version).then_some(entry.doc)
    }

    /// Keeps `doc` as the document stored at `version`, evicting the least recently used.
    pub fn put(&self, tenant: TenantId, id: Uuid, version: i64, doc: AutoCommit) {
        let mut inner = self.lock();
        inner.tick += 1;
        let used = inner.tick;
        if inner.entries.len() >= CAPACITY && !inner.entries.contains_key(&(tenant, id)) {
            let oldest = inner.entries.iter().min_by_key(|(_, e)| e.used).map(|(k, _)| *k);
            if let Some(key) = oldest {
                inner.entries.remove(&key);
            }
        }
        inner.entries.insert((tenant, id), Entry { version, used, doc });
    }

    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(notes: &str) -> AutoCommit {
        remit_core::crdt::create(&serde_json::json!({ "notes": notes })).unwrap()
    }

    fn notes(doc: &AutoCommit) -> String {
        remit_core::crdt::read::<serde_json::Value>(doc).unwrap()["notes"].as_str().unwrap().to_owned()
    }

    #[test]
    fn only_the_version_put_is_taken_and_taking_removes_it() {
        let cache = DocCache::default();
        let (tenant, id) = (TenantId::from_uuid(Uuid::now_v7()), Uuid::now_v7());
        cache.put(tenant, id, 3, doc("three"));
        // Another writer moved the row to version 4: the entry is useless and dropped.
        assert!(cache.take(tenant, id, 4).is_none());
        assert!(cache.is_empty());
        cache.put(tenant, id, 4, doc("four"));
        assert!(cache.take(TenantId::from_uuid(Uuid::now_v7()), id, 4).is_none(), "another tenant never sees it");
        assert_eq!(notes(&cache.take(tenant, id, 4).unwrap()), "four");
        assert!(cache.take(tenant, id, 4).is_none(), "taken out until put back");
    }

    #[test]
    fn the_least_recently_used_goes_first_when_full() {
        let cache = DocCache::default();
        let tenant = TenantId::from_uuid(Uuid::now_v7());
        let ids: Vec<Uuid> = (0..=CAPACITY).map(|_| Uuid::now_v7()).collect();
        for id in &ids[..CAPACITY] {
            cache.put(tenant, *id, 1, doc("x"));
        }
        cache.put(tenant, ids[CAPACITY], 1, doc("new"));
        assert_eq!(cache.len(), CAPACITY);
        assert!(cache.take(tenant, ids[0], 1).is_none(), "the oldest was evicted");
        assert!(cache.take(tenant, ids[1], 1).is_some());
        assert!(cache.take(tenant, ids[CAPACITY], 1).is_some());
    }
}
