-- OAuth2 clients (client credentials grant). A client acts on behalf of the user who created
-- it: its access is that user's role, narrowed to its scopes (space-separated permission
-- strings). Its secret is stored only as a SHA-256.
CREATE TABLE api_clients (
    tenant_id   uuid NOT NULL,
    id          uuid NOT NULL,
    name        text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 255),
    secret_hash text NOT NULL UNIQUE,
    scopes      text NOT NULL,
    created_by  uuid NOT NULL,
    created_at  timestamptz NOT NULL,
    revoked_at  timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id)
);

ALTER TABLE api_clients ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_clients FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON api_clients
    USING (tenant_id = remit_current_tenant()) WITH CHECK (tenant_id = remit_current_tenant());
GRANT SELECT, INSERT, UPDATE ON api_clients TO remit_app;

-- Server-wide secrets (the key that signs access tokens): not tenant data, so no RLS; the app
-- role may read them and add one, never change or remove one.
CREATE TABLE server_secrets (
    name       text PRIMARY KEY,
    value      text NOT NULL,
    created_at timestamptz NOT NULL
);
GRANT SELECT, INSERT ON server_secrets TO remit_app;
