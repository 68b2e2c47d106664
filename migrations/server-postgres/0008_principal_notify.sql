-- The server remembers authenticated API keys and OAuth2 clients between requests
-- (sync-server/src/store/principal_cache.rs). Any change to a row a principal is read from
-- notifies `remit_auth` with the tenant id, on commit, so every node forgets that tenant's
-- principals: a revoked key, a removed user, a changed role or plan, a suspended tenant.
-- PostgreSQL only: the embedded SQLite server is one process and keeps no such cache.
CREATE FUNCTION remit_auth_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed jsonb := to_jsonb(CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END);
BEGIN
    -- `tenants` is keyed by `id`; every other table here carries `tenant_id`.
    PERFORM pg_notify('remit_auth', coalesce(changed->>'tenant_id', changed->>'id'));
    RETURN NULL;
END
$$;

CREATE TRIGGER tenants_auth_changed AFTER UPDATE OR DELETE ON tenants
    FOR EACH ROW EXECUTE FUNCTION remit_auth_changed();
CREATE TRIGGER users_auth_changed AFTER UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION remit_auth_changed();
CREATE TRIGGER memberships_auth_changed AFTER UPDATE OR DELETE ON memberships
    FOR EACH ROW EXECUTE FUNCTION remit_auth_changed();
CREATE TRIGGER api_keys_auth_changed AFTER UPDATE OR DELETE ON api_keys
    FOR EACH ROW EXECUTE FUNCTION remit_auth_changed();
CREATE TRIGGER api_clients_auth_changed AFTER UPDATE OR DELETE ON api_clients
    FOR EACH ROW EXECUTE FUNCTION remit_auth_changed();
