//! PostgreSQL's second wall: row-level security and the app role.

use remit_server::store::{PgStore, Plan, Store};
use sqlx::{Connection, PgConnection, Row};

use crate::harness::Harness;

const TENANT_TABLES: [&str; 23] = [
    "tenants",
    "users",
    "memberships",
    "api_keys",
    "audit_heads",
    "audit_log",
    "idempotency_keys",
    "sessions",
    "api_clients",
    "documents",
    "customers",
    "products",
    "invoices",
    "invoice_facts",
    "number_counters",
    "payments",
    "payment_allocations",
    "feed_heads",
    "devices",
    "number_leases",
    "number_lease_uses",
    "number_gaps",
    "bank_transactions",
];

#[tokio::test]
async fn the_catalog_shows_rls_forced_everywhere_and_an_app_role_without_power() {
    let h = Harness::postgres().await;
    let crate::harness::Db::Postgres { url, .. } = &h.db else { unreachable!() };
    let mut c = PgConnection::connect(url).await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname NOT LIKE '\\_sqlx%' ORDER BY 1",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    // Every table is a tenant table but the server's own secrets and the schedule of jobs (which
    // the job runner reads across tenants, and which holds only due times and results); a new
    // table must be added to one of these lists, and a tenant table must get RLS.
    let mut expected: Vec<String> =
        TENANT_TABLES.iter().chain(&["server_secrets", "scheduled_jobs"]).map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(tables, expected);
    for table in TENANT_TABLES {
        let row = sqlx::query(
            "SELECT c.relrowsecurity, c.relforcerowsecurity, pg_get_userbyid(c.relowner)::text,
                    (SELECT count(*) FROM pg_policies p WHERE p.schemaname = 'public' AND p.tablename = c.relname)
             FROM pg_class c WHERE c.relname = $1 AND c.relnamespace = 'public'::regnamespace",
        )
        .bind(table)
        .fetch_one(&mut c)
        .await
        .unwrap();
        let (enabled, forced, owner, policies): (bool, bool, String, i64) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        assert!(enabled && forced, "{table}: RLS enabled {enabled}, forced {forced}");
        assert_eq!(policies, 1, "{table} has one policy");
        // ... and that policy compares the row's tenant with the transaction's.
        let (using, check): (String, String) =
            sqlx::query_as("SELECT qual, with_check FROM pg_policies WHERE schemaname = 'public' AND tablename = $1")
                .bind(table)
                .fetch_one(&mut c)
                .await
                .unwrap();
        for expr in [&using, &check] {
            assert!(expr.contains("remit_current_tenant()") && expr.contains(" = "), "{table}: policy {expr}");
        }
        assert_ne!(owner, "remit_app", "{table} is owned by the app role");
    }
    let role = sqlx::query(
        "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = 'remit_app'",
    )
    .fetch_one(&mut c)
    .await
    .unwrap();
    assert_eq!(
        (role.get::<bool, _>(0), role.get::<bool, _>(1), role.get::<bool, _>(2), role.get::<bool, _>(3)),
        (false, false, false, false)
    );
    // The audit log and an invoice's facts are append-only for the server.
    for table in ["audit_log", "invoice_facts", "payment_allocations"] {
        for privilege in ["UPDATE", "DELETE", "TRUNCATE"] {
            let has: bool = sqlx::query_scalar("SELECT has_table_privilege('remit_app', $1, $2)")
                .bind(table)
                .bind(privilege)
                .fetch_one(&mut c)
                .await
                .unwrap();
            assert!(!has, "remit_app may {privilege} {table}");
        }
    }
}

#[tokio::test]
async fn one_pooled_connection_serving_alternating_tenants_leaks_nothing() {
    let h = Harness::postgres().await;
    let (a, _) = h.tenant("alpha", Plan::Enterprise).await;
    let (b, _) = h.tenant("beta", Plan::Enterprise).await;
    let crate::harness::Db::Postgres { url, .. } = &h.db else { unreachable!() };
    let one = PgStore::open_with(url, 1).await.unwrap();
    let pool = one.pool();
    for round in 0..3 {
        for (tenant, email) in [(a.id, "owner@alpha.example"), (b.id, "owner@beta.example")] {
            let mut tx = pool.begin().await.unwrap();
            sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
                .bind(tenant.to_string())
                .execute(&mut *tx)
                .await
                .unwrap();
            let emails: Vec<String> = sqlx::query_scalar("SELECT email FROM users").fetch_all(&mut *tx).await.unwrap();
            assert_eq!(emails, [email], "round {round}");
            let tenants: i64 = sqlx::query_scalar("SELECT count(*) FROM tenants").fetch_one(&mut *tx).await.unwrap();
            assert_eq!(tenants, 1);
            tx.commit().await.unwrap();
            // The same connection, after the transaction: the tenant setting is gone.
            let after: i64 = sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(pool).await.unwrap();
            assert_eq!(after, 0, "round {round}: context outlived its transaction");
        }
    }
}

#[tokio::test]
async fn without_a_tenant_the_app_role_sees_and_writes_nothing() {
    let h = Harness::postgres().await;
    let (a, _) = h.tenant("gamma", Plan::Enterprise).await;
    let crate::harness::Db::Postgres { url, .. } = &h.db else { unreachable!() };
    let store = PgStore::open_with(url, 1).await.unwrap();
    for table in TENANT_TABLES {
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(n, 0, "{table} visible without a tenant");
    }
    let write = sqlx::query(
        "INSERT INTO users (tenant_id, id, email, created_at) VALUES ($1, gen_random_uuid(), 'x@y.z', now())",
    )
    .bind(a.id.as_uuid())
    .execute(store.pool())
    .await;
    let code = write.unwrap_err().as_database_error().and_then(|d| d.code()).map(|c| c.into_owned());
    assert_eq!(code.as_deref(), Some("42501"), "refused by row-level security, not by something else");
    assert_eq!(h.count("users").await, 1);
}

/// Two server nodes on one database: a key revoked behind node B's back (here: by SQL, as an
/// operator or another node would) stops working on B once the change notification arrives,
/// long before B's cache would expire on its own.
#[tokio::test]
async fn a_credential_change_reaches_every_node_cache() {
    let h = Harness::postgres().await;
    let crate::harness::Db::Postgres { url, .. } = &h.db else { unreachable!() };
    let (_, owner) = h.tenant("nodes", Plan::Enterprise).await;
    let node_b = PgStore::open(url).await.unwrap();
    let live = async {
        while !node_b.remembers_principals() {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(10), live).await.expect("node B listens for changes");
    assert!(node_b.authenticate(&owner.api_key).await.unwrap().is_some());
    // With triggers off, the revocation sends no notification: node B still trusts what it
    // remembered, which shows the cache is really in use ...
    h.raw("SET session_replication_role = replica; UPDATE api_keys SET revoked_at = now()").await.unwrap();
    assert!(node_b.authenticate(&owner.api_key).await.unwrap().is_some(), "served from node B's cache");
    // ... and any change with triggers on (the normal case) makes it forget.
    h.raw("UPDATE api_keys SET revoked_at = revoked_at").await.unwrap();
    let refused = async {
        while node_b.authenticate(&owner.api_key).await.unwrap().is_some() {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(5), refused).await.expect("node B forgot the revoked key");
}
