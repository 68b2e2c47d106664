-- OAuth2 clients (client credentials grant). A client acts on behalf of the user who created
-- it: its access is that user's role, narrowed to its scopes (space-separated permission
-- strings). Its secret is stored only as a SHA-256.
CREATE TABLE api_clients (
    tenant_id   TEXT NOT NULL,
    id          TEXT NOT NULL,
    name        TEXT NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 255),
    secret_hash TEXT NOT NULL UNIQUE,
    scopes      TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id)
);

-- Server-wide secrets (the key that signs access tokens): not tenant data.
CREATE TABLE server_secrets (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at TEXT NOT NULL
);
