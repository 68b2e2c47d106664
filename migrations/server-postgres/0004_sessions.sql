-- Sessions after a password login: an access token (8 hours) and a refresh token (30 days),
-- both stored only as SHA-256 hashes. Refreshing revokes the session and opens a new one.
CREATE TABLE sessions (
    tenant_id          uuid NOT NULL,
    id                 uuid NOT NULL,
    user_id            uuid NOT NULL,
    token_hash         text NOT NULL UNIQUE,
    refresh_hash       text NOT NULL UNIQUE,
    expires_at         timestamptz NOT NULL,
    refresh_expires_at timestamptz NOT NULL,
    created_at         timestamptz NOT NULL,
    revoked_at         timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON sessions
    USING (tenant_id = remit_current_tenant()) WITH CHECK (tenant_id = remit_current_tenant());
GRANT SELECT, INSERT, UPDATE ON sessions TO remit_app;
