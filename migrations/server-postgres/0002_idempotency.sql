-- Idempotency-Key (IETF draft-ietf-httpapi-idempotency-key-header): one row per key, scoped
-- to the tenant and the credential that sent it, kept 24 hours.
CREATE TABLE idempotency_keys (
    tenant_id      uuid NOT NULL REFERENCES tenants (id),
    scope          text NOT NULL,
    key            text NOT NULL,
    fingerprint    text NOT NULL,
    state          text NOT NULL CHECK (state IN ('in_flight', 'done')),
    status         integer,
    content_type   text,
    body           bytea,
    created_at     timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, scope, key)
);

ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE idempotency_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON idempotency_keys
    USING (tenant_id = remit_current_tenant()) WITH CHECK (tenant_id = remit_current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys TO remit_app;
