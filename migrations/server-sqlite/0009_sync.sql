-- Sync (docs/sync-protocol.md): a per-tenant change feed over documents, and the devices
-- registered to sync. (0008 is PostgreSQL's credential notifications; SQLite has no twin.)

-- Every commit that writes or touches a document takes the tenant's next feed sequence and
-- stamps the documents it changed. Existing documents start at 1, so a device that pulls
-- from 0 gets them.
CREATE TABLE feed_heads (
    tenant_id TEXT PRIMARY KEY REFERENCES tenants (id),
    seq       INTEGER NOT NULL
);
ALTER TABLE documents ADD COLUMN feed_seq INTEGER NOT NULL DEFAULT 1;
CREATE INDEX documents_feed ON documents (tenant_id, feed_seq, id);
INSERT INTO feed_heads (tenant_id, seq) SELECT DISTINCT tenant_id, 1 FROM documents;

CREATE TABLE devices (
    tenant_id    TEXT NOT NULL,
    id           TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    name         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    revoked_at   TEXT,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
