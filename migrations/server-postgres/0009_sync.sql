-- Sync (docs/sync-protocol.md): a per-tenant change feed over documents, and the devices
-- registered to sync.

-- Every commit that writes or touches a document takes the tenant's next feed sequence
-- (holding the row's lock until it commits, so sequences commit in order) and stamps the
-- documents it changed. Existing documents start at 1, so a device that pulls from 0 gets them.
CREATE TABLE feed_heads (
    tenant_id uuid PRIMARY KEY REFERENCES tenants (id),
    seq       bigint NOT NULL
);
ALTER TABLE documents ADD COLUMN feed_seq bigint NOT NULL DEFAULT 1;
CREATE INDEX documents_feed ON documents (tenant_id, feed_seq, id);
INSERT INTO feed_heads (tenant_id, seq) SELECT DISTINCT tenant_id, 1 FROM documents;

CREATE TABLE devices (
    tenant_id    uuid NOT NULL,
    id           uuid NOT NULL,
    user_id      uuid NOT NULL,
    name         text NOT NULL,
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    revoked_at   timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

ALTER TABLE feed_heads ENABLE ROW LEVEL SECURITY;
ALTER TABLE feed_heads FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON feed_heads
    USING (tenant_id = remit_current_tenant()) WITH CHECK (tenant_id = remit_current_tenant());
ALTER TABLE devices ENABLE ROW LEVEL SECURITY;
ALTER TABLE devices FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON devices
    USING (tenant_id = remit_current_tenant()) WITH CHECK (tenant_id = remit_current_tenant());
GRANT SELECT, INSERT, UPDATE ON feed_heads, devices TO remit_app;
