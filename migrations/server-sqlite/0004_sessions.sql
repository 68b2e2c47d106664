-- Sessions after a password login: an access token (8 hours) and a refresh token (30 days),
-- both stored only as SHA-256 hashes. Refreshing revokes the session and opens a new one.
CREATE TABLE sessions (
    tenant_id          TEXT NOT NULL,
    id                 TEXT NOT NULL,
    user_id            TEXT NOT NULL,
    token_hash         TEXT NOT NULL UNIQUE,
    refresh_hash       TEXT NOT NULL UNIQUE,
    expires_at         TEXT NOT NULL,
    refresh_expires_at TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    revoked_at         TEXT,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
