-- Idempotency-Key (IETF draft-ietf-httpapi-idempotency-key-header): one row per key, scoped
-- to the tenant and the credential that sent it, kept 24 hours.
CREATE TABLE idempotency_keys (
    tenant_id      TEXT NOT NULL REFERENCES tenants (id),
    scope          TEXT NOT NULL,      -- SHA-256 of the credential
    key            TEXT NOT NULL,
    fingerprint    TEXT NOT NULL,      -- SHA-256 of method, path and body
    state          TEXT NOT NULL CHECK (state IN ('in_flight', 'done')),
    status         INTEGER,
    content_type   TEXT,
    body           BLOB,
    created_at     TEXT NOT NULL,
    PRIMARY KEY (tenant_id, scope, key)
);
