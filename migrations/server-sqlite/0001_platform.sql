-- Tenants, their users with roles, API keys, and the hash-chained audit log.
-- Ids are UUID text; times are RFC 3339 UTC text. Every tenant table leads its keys with
-- tenant_id, and foreign keys are composite, so no row can point into another tenant.

CREATE TABLE tenants (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 255),
    subdomain     TEXT UNIQUE CHECK (subdomain IS NULL OR length(subdomain) BETWEEN 1 AND 63),
    custom_domain TEXT,
    plan          TEXT NOT NULL CHECK (plan IN ('starter', 'professional', 'enterprise')),
    status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'cancelled')),
    max_users     INTEGER,
    max_invoices  INTEGER,
    features      TEXT NOT NULL DEFAULT '{}',
    settings      TEXT NOT NULL DEFAULT '{}',
    trial_ends_at TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE TABLE users (
    tenant_id     TEXT NOT NULL REFERENCES tenants (id),
    id            TEXT NOT NULL,
    email         TEXT NOT NULL,
    password_hash TEXT,
    status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    created_at    TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, email)
);

CREATE TABLE memberships (
    tenant_id  TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'accountant', 'manager', 'team_member', 'viewer')),
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, user_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

CREATE TABLE api_keys (
    tenant_id  TEXT NOT NULL,
    id         TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    prefix     TEXT NOT NULL,
    key_hash   TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

-- One row per tenant: the chain's head. Appends update it in the same transaction, so two
-- writers can never both extend the same head (the chain cannot fork).
CREATE TABLE audit_heads (
    tenant_id TEXT PRIMARY KEY REFERENCES tenants (id),
    seq       INTEGER NOT NULL,
    hash      TEXT NOT NULL
);

CREATE TABLE audit_log (
    tenant_id     TEXT NOT NULL REFERENCES tenants (id),
    seq           INTEGER NOT NULL,
    event_type    TEXT NOT NULL,
    actor_type    TEXT NOT NULL,
    actor_id      TEXT,
    actor_name    TEXT,
    resource_type TEXT,
    resource_id   TEXT,
    action        TEXT NOT NULL,
    status        TEXT NOT NULL,
    metadata      TEXT NOT NULL,
    changes       TEXT NOT NULL,
    ip_address    TEXT,
    user_agent    TEXT,
    request_id    TEXT,
    created_at    TEXT NOT NULL,
    prev_hash     TEXT NOT NULL,
    hash          TEXT NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);

-- Append-only: the store never updates or deletes an audit entry, and SQLite refuses to.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
