//! The tamper-evident audit log (spec 6.4): entries hash-chained per tenant.
//!
//! Each entry's hash is SHA-256 over its canonical JSON (every field but the hash, in a fixed
//! order, including the previous entry's hash). Editing, deleting or reordering any entry, or
//! cutting the tail, breaks the chain at a point `verify` names.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who did it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditActor {
    /// `user`, `api_key` or `system`.
    pub actor_type: String,
    pub actor_id: Option<String>,
    pub actor_name: Option<String>,
}

impl AuditActor {
    pub fn system(name: &str) -> Self {
        Self { actor_type: "system".into(), actor_id: None, actor_name: Some(name.into()) }
    }
}

/// Where a request came from, carried into its audit entries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestContext {
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
}

/// What a caller records; the store adds tenant, sequence, time and hashes.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    pub event_type: String,
    pub actor: AuditActor,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub action: String,
    pub status: String,
    pub metadata: Value,
    pub changes: Value,
    pub context: RequestContext,
}

impl AuditEvent {
    pub fn new(event_type: &str, actor: AuditActor, action: &str) -> Self {
        Self {
            event_type: event_type.into(),
            actor,
            resource_type: None,
            resource_id: None,
            action: action.into(),
            status: "success".into(),
            metadata: Value::Object(Default::default()),
            changes: Value::Object(Default::default()),
            context: RequestContext::default(),
        }
    }

    pub fn resource(mut self, kind: &str, id: impl ToString) -> Self {
        self.resource_type = Some(kind.into());
        self.resource_id = Some(id.to_string());
        self
    }

    pub fn metadata(mut self, metadata: Value) -> Self {
        self.metadata = metadata;
        self
    }

    pub fn context(mut self, context: RequestContext) -> Self {
        self.context = context;
        self
    }
}

/// One stored entry, exactly as hashed. Field order is the canonical order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AuditEntry {
    pub tenant_id: String,
    pub seq: i64,
    pub event_type: String,
    pub actor_type: String,
    pub actor_id: Option<String>,
    pub actor_name: Option<String>,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub action: String,
    pub status: String,
    /// JSON text, stored and hashed as text so the hash never depends on a database's JSON
    /// normalization.
    pub metadata: String,
    pub changes: String,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
    pub created_at: String,
    pub prev_hash: String,
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub hash: String,
}

impl AuditEntry {
    /// Builds the next entry of a chain whose head is (`prev_seq`, `prev_hash`).
    pub fn next(tenant_id: String, prev_seq: i64, prev_hash: &str, event: AuditEvent, created_at: String) -> Self {
        let mut entry = AuditEntry {
            tenant_id,
            seq: prev_seq + 1,
            event_type: event.event_type,
            actor_type: event.actor.actor_type,
            actor_id: event.actor.actor_id,
            actor_name: event.actor.actor_name,
            resource_type: event.resource_type,
            resource_id: event.resource_id,
            action: event.action,
            status: event.status,
            metadata: event.metadata.to_string(),
            changes: event.changes.to_string(),
            ip_address: event.context.ip_address,
            user_agent: event.context.user_agent,
            request_id: event.context.request_id,
            created_at,
            prev_hash: prev_hash.to_owned(),
            hash: String::new(),
        };
        entry.hash = entry.compute_hash();
        entry
    }

    /// SHA-256 over the canonical JSON of every field but `hash`.
    pub fn compute_hash(&self) -> String {
        let unhashed = AuditEntry { hash: String::new(), ..self.clone() };
        // Serializing a struct of strings and integers cannot fail.
        let bytes = serde_json::to_vec(&unhashed).unwrap_or_default();
        hex::encode(Sha256::digest(bytes))
    }
}

/// The result of checking a tenant's chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Verification {
    pub valid: bool,
    pub entries: usize,
    /// The first entry that does not fit the chain, when `valid` is false.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_broken: Option<Broken>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Broken {
    pub seq: i64,
    pub reason: String,
}

/// Checks entries (in stored order by sequence) against each other and against the head.
pub fn verify(entries: &[AuditEntry], head: Option<(i64, String)>) -> Verification {
    let broken = |seq: i64, reason: &str| Verification {
        valid: false,
        entries: entries.len(),
        first_broken: Some(Broken { seq, reason: reason.into() }),
    };
    let mut prev_hash = GENESIS.to_owned();
    for (i, entry) in entries.iter().enumerate() {
        let expected_seq = i64::try_from(i).unwrap_or(i64::MAX).saturating_add(1);
        if entry.seq != expected_seq {
            return broken(expected_seq, "an entry is missing or out of order");
        }
        if entry.prev_hash != prev_hash {
            return broken(entry.seq, "does not follow the previous entry");
        }
        if entry.compute_hash() != entry.hash {
            return broken(entry.seq, "its content was changed after it was written");
        }
        prev_hash.clone_from(&entry.hash);
    }
    let last = entries.last().map(|e| (e.seq, e.hash.clone()));
    match (head, last) {
        (None, None) => {}
        (Some(head), Some(last)) if head == last => {}
        (Some((seq, _)), _) => return broken(seq, "the newest entries are missing"),
        (None, Some((seq, _))) => return broken(seq, "entries exist without a chain head"),
    }
    Verification { valid: true, entries: entries.len(), first_broken: None }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut out: Vec<AuditEntry> = Vec::new();
        for i in 0..n {
            let (seq, prev) = out.last().map_or((0, GENESIS.to_owned()), |e| (e.seq, e.hash.clone()));
            let event = AuditEvent::new("invoice.updated", AuditActor::system("test"), "update")
                .resource("invoice", i)
                .metadata(serde_json::json!({ "n": i }));
            out.push(AuditEntry::next("t1".into(), seq, &prev, event, format!("2025-01-15T10:00:{i:02}Z")));
        }
        out
    }

    fn head(entries: &[AuditEntry]) -> Option<(i64, String)> {
        entries.last().map(|e| (e.seq, e.hash.clone()))
    }

    #[test]
    fn an_intact_chain_verifies() {
        let c = chain(5);
        assert!(verify(&c, head(&c)).valid);
        assert!(verify(&[], None).valid);
    }

    #[test]
    fn any_edit_delete_reorder_or_truncation_is_found() {
        let c = chain(5);
        let h = head(&c);
        let mut edited = c.clone();
        edited[2].metadata = r#"{"n":99}"#.into();
        assert_eq!(verify(&edited, h.clone()).first_broken.unwrap().seq, 3);

        let mut rehashed = edited.clone();
        rehashed[2].hash = rehashed[2].compute_hash();
        assert_eq!(verify(&rehashed, h.clone()).first_broken.unwrap().seq, 4, "the next entry no longer follows");

        let mut deleted = c.clone();
        deleted.remove(1);
        assert_eq!(verify(&deleted, h.clone()).first_broken.unwrap().seq, 2);

        let mut reordered = c.clone();
        reordered.swap(1, 2);
        assert!(!verify(&reordered, h.clone()).valid);

        let truncated = &c[..4];
        let v = verify(truncated, h.clone());
        assert_eq!(v.first_broken.unwrap().reason, "the newest entries are missing");
        assert!(!verify(&c, None).valid);
    }
}
