//! The changes each pushed document gained in its last commit, kept in memory for the live
//! channel (docs/sync-protocol.md, "Live"). A socket that delivered a document's previous
//! bytes sends the next version as these few hundred bytes of changes instead of the whole
//! document: a document edited live grows with every edit, and every connected device is sent
//! each one. Bytes are identified by a hash of them, so a version written any other way (the
//! REST API, a fact) has no delta and goes whole.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;

use remit_core::TenantId;
use uuid::Uuid;

/// One entry per document; enough for every document being edited at once on one node.
const CAPACITY: usize = 4096;

/// A stable identity of a document's stored bytes (not a secret: collisions only matter
/// between a document's own versions).
pub fn fingerprint(bytes: &[u8]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

#[derive(Debug, Clone)]
pub struct Delta {
    /// Fingerprint of the bytes the changes apply to, and of the bytes they make.
    pub from: u64,
    pub to: u64,
    /// Automerge change chunks, base64.
    pub changes: String,
}

#[derive(Debug, Default)]
pub struct Deltas {
    entries: Mutex<HashMap<(TenantId, Uuid), Delta>>,
}

impl Deltas {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(TenantId, Uuid), Delta>> {
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn put(&self, tenant: TenantId, id: Uuid, delta: Delta) {
        let mut entries = self.lock();
        if entries.len() >= CAPACITY && !entries.contains_key(&(tenant, id)) {
            entries.clear();
        }
        entries.insert((tenant, id), delta);
    }

    /// The delta that makes exactly the bytes fingerprinted `to`, if it is known.
    pub fn to(&self, tenant: TenantId, id: Uuid, to: u64) -> Option<Delta> {
        self.lock().get(&(tenant, id)).filter(|d| d.to == to).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delta_is_found_only_for_the_bytes_it_makes() {
        let deltas = Deltas::default();
        let (tenant, id) = (TenantId::from_uuid(Uuid::now_v7()), Uuid::now_v7());
        let (v1, v2) = (fingerprint(b"version one"), fingerprint(b"version two"));
        assert_ne!(v1, v2);
        deltas.put(tenant, id, Delta { from: v1, to: v2, changes: "AAAA".into() });
        assert_eq!(deltas.to(tenant, id, v2).map(|d| d.from), Some(v1));
        assert!(deltas.to(tenant, id, v1).is_none(), "a later write made other bytes");
        assert!(deltas.to(TenantId::from_uuid(Uuid::now_v7()), id, v2).is_none());
    }
}
