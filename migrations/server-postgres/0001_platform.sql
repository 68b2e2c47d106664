-- Tenants, their users with roles, API keys, and the hash-chained audit log.
-- Runs as the database owner. The server itself connects as remit_app, which owns no table,
-- cannot bypass row-level security, and sees only the tenant set in its transaction
-- (app.tenant_id, set with set_config(..., true) so it never outlives the transaction).

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'remit_app') THEN
        CREATE ROLE remit_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
    END IF;
END
$$;

-- The tenant of the current transaction, or NULL when none is set (then every policy is false).
CREATE FUNCTION remit_current_tenant() RETURNS uuid
LANGUAGE sql STABLE AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$;

CREATE TABLE tenants (
    id            uuid PRIMARY KEY,
    name          text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 255),
    subdomain     text UNIQUE CHECK (subdomain IS NULL OR length(subdomain) BETWEEN 1 AND 63),
    custom_domain text,
    plan          text NOT NULL CHECK (plan IN ('starter', 'professional', 'enterprise')),
    status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'cancelled')),
    max_users     integer,
    max_invoices  integer,
    features      jsonb NOT NULL DEFAULT '{}',
    settings      jsonb NOT NULL DEFAULT '{}',
    trial_ends_at timestamptz,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);

CREATE TABLE users (
    tenant_id     uuid NOT NULL REFERENCES tenants (id),
    id            uuid NOT NULL,
    email         text NOT NULL,
    password_hash text,
    status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    created_at    timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, email)
);

CREATE TABLE memberships (
    tenant_id  uuid NOT NULL,
    user_id    uuid NOT NULL,
    role       text NOT NULL CHECK (role IN ('owner', 'admin', 'accountant', 'manager', 'team_member', 'viewer')),
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, user_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

CREATE TABLE api_keys (
    tenant_id  uuid NOT NULL,
    id         uuid NOT NULL,
    user_id    uuid NOT NULL,
    prefix     text NOT NULL,
    key_hash   text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL,
    revoked_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

CREATE TABLE audit_heads (
    tenant_id uuid PRIMARY KEY REFERENCES tenants (id),
    seq       bigint NOT NULL,
    hash      text NOT NULL
);

CREATE TABLE audit_log (
    tenant_id     uuid NOT NULL REFERENCES tenants (id),
    seq           bigint NOT NULL,
    event_type    text NOT NULL,
    actor_type    text NOT NULL,
    actor_id      text,
    actor_name    text,
    resource_type text,
    resource_id   text,
    action        text NOT NULL,
    status        text NOT NULL,
    metadata      text NOT NULL,
    changes       text NOT NULL,
    ip_address    text,
    user_agent    text,
    request_id    text,
    created_at    text NOT NULL,
    prev_hash     text NOT NULL,
    hash          text NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);

CREATE FUNCTION remit_refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION remit_refuse_audit_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION remit_refuse_audit_change();

-- Row-level security on every tenant table: ENABLE + FORCE, one policy each.
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenants
    USING (id = remit_current_tenant()) WITH CHECK (id = remit_current_tenant());

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON users
    USING (tenant_id = remit_current_tenant()) WITH CHECK (tenant_id = remit_current_tenant());

ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE memberships FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON memberships
    USING (tenant_id = remit_current_tenant()) WITH CHECK (tenant_id = remit_current_tenant());

ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON api_keys
    USING (tenant_id = remit_current_tenant()) WITH CHECK (tenant_id = remit_current_tenant());

ALTER TABLE audit_heads ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_heads FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_heads
    USING (tenant_id = remit_current_tenant()) WITH CHECK (tenant_id = remit_current_tenant());

ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_log
    USING (tenant_id = remit_current_tenant()) WITH CHECK (tenant_id = remit_current_tenant());

-- What the app role may do: read and write tenant rows, never change or remove audit entries.
GRANT USAGE ON SCHEMA public TO remit_app;
GRANT SELECT, INSERT, UPDATE ON tenants, users, memberships, api_keys, audit_heads TO remit_app;
GRANT SELECT, INSERT ON audit_log TO remit_app;
GRANT EXECUTE ON FUNCTION remit_current_tenant() TO remit_app;
