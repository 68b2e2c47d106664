//! The hosted store: PostgreSQL with row-level security as a second wall between tenants.
//!
//! Migrations run over the URL given (the database owner). The server then connects as
//! `remit_app`, which owns no table and cannot bypass RLS, and every transaction first sets
//! its tenant with `set_config('app.tenant_id', ..., true)`: transaction-local, so a pooled
//! connection never carries one tenant's context into another's request.

use std::str::FromStr;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use remit_core::{Role, TenantId, UserId};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{PgConnection, Postgres, Row, Transaction};
use uuid::Uuid;

use super::principal_cache::PrincipalCache;
use super::{AuditChain, CreatedUser, NewTenant, NewUser, Plan, Principal, Store, Tenant};
use crate::audit::{AuditActor, AuditEntry, AuditEvent, GENESIS, RequestContext};
use crate::credentials::{Kind, Token};
use crate::error::{Error, Result, db_error, unique_or};

/// The role the server works as (created by the first migration).
pub const APP_ROLE: &str = "remit_app";

#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    principals: Arc<PrincipalCache>,
    feed: super::feed::FeedSignal,
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/server-postgres");

impl PgStore {
    /// Migrates as the URL's user, then connects as `remit_app` to the same database.
    pub async fn open(url: &str) -> Result<Self> {
        Self::open_with(url, 16).await
    }

    pub async fn open_with(url: &str, max_connections: u32) -> Result<Self> {
        let owner = PgConnectOptions::from_str(url)
            .map_err(|e| Error::Config(format!("bad PostgreSQL URL {}: {e}", super::redact(url))))?;
        let migrate_pool =
            PgPoolOptions::new().max_connections(1).connect_with(owner.clone()).await.map_err(db_error)?;
        // The role is cluster-wide: when several databases of one cluster migrate for the first
        // time at once (tests, several tenants' servers), the existence check in migration 0001
        // races. Made here first, a concurrent creator is tolerated.
        sqlx::query(
            "DO $$ BEGIN
                 IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'remit_app') THEN
                     CREATE ROLE remit_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
                 END IF;
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$",
        )
        .execute(&migrate_pool)
        .await
        .map_err(db_error)?;
        MIGRATOR.run(&migrate_pool).await.map_err(|e| Error::Config(format!("PostgreSQL migrations failed: {e}")))?;
        migrate_pool.close().await;
        let app = owner.username(APP_ROLE);
        let pool = PgPoolOptions::new().max_connections(max_connections).connect_with(app).await.map_err(db_error)?;
        let principals = Arc::new(PrincipalCache::default());
        let feed = super::feed::FeedSignal::default();
        super::principal_cache::spawn_listener(pool.clone(), &principals, feed.clone());
        Ok(Self { pool, principals, feed })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Whether authenticated principals are being remembered: only while this node listens
    /// for credential changes.
    pub fn remembers_principals(&self) -> bool {
        self.principals.is_live()
    }

    /// A transaction scoped to one tenant.
    async fn begin(&self, tenant: TenantId) -> Result<Transaction<'static, Postgres>> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
            .bind(tenant.to_string())
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        Ok(tx)
    }
}

async fn append(conn: &mut PgConnection, tenant: TenantId, event: AuditEvent, now: DateTime<Utc>) -> Result<()> {
    // The head row lock serializes writers of one tenant; other tenants are not blocked.
    let row = sqlx::query("SELECT seq, hash FROM audit_heads WHERE tenant_id = $1 FOR UPDATE")
        .bind(tenant.as_uuid())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_error)?
        .ok_or(Error::NotFound("tenant"))?;
    let (seq, hash): (i64, String) = (row.get(0), row.get(1));
    let entry = AuditEntry::next(tenant.to_string(), seq, &hash, event, super::audit_time(now));
    sqlx::query(
        "INSERT INTO audit_log (tenant_id, seq, event_type, actor_type, actor_id, actor_name, resource_type,
         resource_id, action, status, metadata, changes, ip_address, user_agent, request_id, created_at,
         prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
    )
    .bind(tenant.as_uuid())
    .bind(entry.seq)
    .bind(&entry.event_type)
    .bind(&entry.actor_type)
    .bind(&entry.actor_id)
    .bind(&entry.actor_name)
    .bind(&entry.resource_type)
    .bind(&entry.resource_id)
    .bind(&entry.action)
    .bind(&entry.status)
    .bind(&entry.metadata)
    .bind(&entry.changes)
    .bind(&entry.ip_address)
    .bind(&entry.user_agent)
    .bind(&entry.request_id)
    .bind(&entry.created_at)
    .bind(&entry.prev_hash)
    .bind(&entry.hash)
    .execute(&mut *conn)
    .await
    .map_err(db_error)?;
    sqlx::query("UPDATE audit_heads SET seq = $1, hash = $2 WHERE tenant_id = $3")
        .bind(entry.seq)
        .bind(&entry.hash)
        .bind(tenant.as_uuid())
        .execute(&mut *conn)
        .await
        .map_err(db_error)?;
    Ok(())
}

async fn insert_user(
    conn: &mut PgConnection,
    tenant: TenantId,
    user: &NewUser,
    now: DateTime<Utc>,
) -> Result<CreatedUser> {
    let user_id = UserId::from_uuid(Uuid::now_v7());
    let key = Token::generate(tenant)?;
    sqlx::query("INSERT INTO users (tenant_id, id, email, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(tenant.as_uuid())
        .bind(user_id.as_uuid())
        .bind(user.email.as_str())
        .bind(&user.password_hash)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map_err(|e| unique_or(e, "a user with this email already exists in the tenant"))?;
    sqlx::query("INSERT INTO memberships (tenant_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)")
        .bind(tenant.as_uuid())
        .bind(user_id.as_uuid())
        .bind(user.role.as_str())
        .bind(now)
        .execute(&mut *conn)
        .await
        .map_err(db_error)?;
    insert_api_key(conn, tenant, user_id, &key, now).await?;
    Ok(CreatedUser { user_id, email: user.email.to_string(), api_key: key })
}

async fn insert_session(
    conn: &mut PgConnection,
    tenant: TenantId,
    user: UserId,
    now: DateTime<Utc>,
    family: Option<super::Family>,
) -> Result<super::Session> {
    let new = super::new_session(tenant, now, family)?;
    sqlx::query(
        "INSERT INTO sessions (tenant_id, id, user_id, token_hash, refresh_hash, expires_at, refresh_expires_at,
         created_at, family_id, family_expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(tenant.as_uuid())
    .bind(new.id)
    .bind(user.as_uuid())
    .bind(new.session.access.hash())
    .bind(new.session.refresh.hash())
    .bind(new.session.expires_at)
    .bind(new.refresh_until)
    .bind(now)
    .bind(new.family.id)
    .bind(new.family.expires_at)
    .execute(&mut *conn)
    .await
    .map_err(db_error)?;
    Ok(new.session)
}

/// A rotated refresh token came back: revoke every live session of its family and say so.
async fn revoke_reused_family(
    conn: &mut PgConnection,
    tenant: TenantId,
    refresh: &Token,
    now: DateTime<Utc>,
    ctx: &RequestContext,
) -> Result<()> {
    let hit = sqlx::query(
        "SELECT user_id, family_id FROM sessions WHERE tenant_id = $1 AND refresh_hash = $2 AND revoked_at IS NOT NULL",
    )
    .bind(tenant.as_uuid())
    .bind(refresh.hash())
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_error)?;
    let Some(hit) = hit else { return Ok(()) };
    let user = UserId::from_uuid(hit.get(0));
    let family: Uuid = hit.get(1);
    let revoked = sqlx::query(
        "UPDATE sessions SET revoked_at = $1 WHERE tenant_id = $2 AND family_id = $3 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(tenant.as_uuid())
    .bind(family)
    .execute(&mut *conn)
    .await
    .map_err(db_error)?
    .rows_affected();
    append(conn, tenant, super::refresh_reused_event(user, family, revoked, ctx), now).await
}

async fn insert_api_key(
    conn: &mut PgConnection,
    tenant: TenantId,
    user: UserId,
    key: &Token,
    now: DateTime<Utc>,
) -> Result<String> {
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO api_keys (tenant_id, id, user_id, prefix, key_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tenant.as_uuid())
    .bind(id)
    .bind(user.as_uuid())
    .bind(key.prefix())
    .bind(key.hash())
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(db_error)?;
    Ok(id.to_string())
}

/// The role of an active member; `None` for a removed or unknown user. Callers hold the
/// tenant row lock, so removals and ownership transfers never interleave.
async fn active_role(conn: &mut PgConnection, tenant: TenantId, user: UserId) -> Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT m.role FROM memberships m JOIN users u ON u.tenant_id = m.tenant_id AND u.id = m.user_id
         WHERE m.tenant_id = $1 AND m.user_id = $2 AND u.status = 'active'",
    )
    .bind(tenant.as_uuid())
    .bind(user.as_uuid())
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_error)
}

fn tenant_from_row(row: &PgRow) -> Result<Tenant> {
    Ok(Tenant {
        id: TenantId::from_uuid(row.get("id")),
        name: row.get("name"),
        subdomain: row.get("subdomain"),
        plan: Plan::parse(row.get::<&str, _>("plan"))?,
        status: row.get("status"),
        max_users: row.get::<Option<i32>, _>("max_users").map(i64::from),
        max_invoices: row.get::<Option<i32>, _>("max_invoices").map(i64::from),
        trial_ends_at: row.get("trial_ends_at"),
        created_at: row.get("created_at"),
    })
}

fn limit(v: Option<i64>) -> Option<i32> {
    v.and_then(|v| i32::try_from(v).ok())
}

#[async_trait]
impl Store for PgStore {
    async fn commit(
        &self,
        tenant: TenantId,
        number: Option<super::records::NumberRequest>,
        build: super::records::Build,
    ) -> Result<Option<remit_core::InvoiceNumber>> {
        let now = Utc::now();
        let mut tx = self.begin(tenant).await?;
        let number = match number {
            Some(req) => Some(super::postgres_records::next_number(&mut tx, tenant, &req).await?),
            None => None,
        };
        let commit = build(number.clone())?;
        let last = super::feed::last_moved(&commit.writes);
        let feed = if last.is_some() { super::feed_postgres::bump(&mut tx, tenant).await? } else { 0 };
        let before = last.and_then(|_| self.feed.end_before(tenant, feed));
        for write in commit.writes {
            super::postgres_records::apply(&mut tx, tenant, write, now, feed).await?;
        }
        for event in commit.audit {
            append(&mut tx, tenant, event, now).await?;
        }
        tx.commit().await.map_err(db_error)?;
        if let Some(last) = last {
            super::feed::announce(self, tenant, feed, last, before).await;
        }
        Ok(number)
    }

    async fn feed(&self, tenant: TenantId, after: (i64, Uuid), limit: i64) -> Result<Vec<super::feed::FeedRow>> {
        let mut tx = self.begin(tenant).await?;
        let out = super::feed_postgres::feed(&mut tx, tenant, after, limit).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(out)
    }

    async fn feed_head(&self, tenant: TenantId) -> Result<i64> {
        let mut tx = self.begin(tenant).await?;
        let out = super::feed_postgres::head(&mut tx, tenant).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(out)
    }

    async fn facts_of(&self, tenant: TenantId, invoices: &[Uuid]) -> Result<Vec<(Uuid, String)>> {
        let mut tx = self.begin(tenant).await?;
        let out = super::feed_postgres::facts_of(&mut tx, tenant, invoices).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(out)
    }

    async fn register_device(
        &self,
        tenant: TenantId,
        device: Uuid,
        user: UserId,
        name: &str,
    ) -> Result<super::feed::DeviceRecord> {
        let mut tx = self.begin(tenant).await?;
        let out = super::feed_postgres::register(&mut tx, tenant, device, user, name, Utc::now()).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(out)
    }

    async fn device(&self, tenant: TenantId, device: Uuid) -> Result<Option<super::feed::DeviceRecord>> {
        let mut tx = self.begin(tenant).await?;
        let out = super::feed_postgres::get(&mut tx, tenant, device).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(out)
    }

    fn feed_signal(&self) -> super::feed::FeedSignal {
        self.feed.clone()
    }

    async fn document(
        &self,
        tenant: TenantId,
        kind: &'static str,
        id: Uuid,
    ) -> Result<Option<super::records::StoredDoc>> {
        let mut tx = self.begin(tenant).await?;
        let doc = super::postgres_records::document(&mut tx, tenant, kind, id).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(doc)
    }

    async fn facts(&self, tenant: TenantId, invoice: Uuid) -> Result<Vec<String>> {
        let mut tx = self.begin(tenant).await?;
        let facts = super::postgres_records::facts(&mut tx, tenant, invoice).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(facts)
    }

    async fn view(&self, tenant: TenantId, table: super::records::Table, id: Uuid) -> Result<Option<String>> {
        let mut tx = self.begin(tenant).await?;
        let view = super::postgres_records::view(&mut tx, tenant, table, id).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(view)
    }

    async fn views(&self, tenant: TenantId, query: &super::records::ViewQuery) -> Result<Vec<super::records::ViewRow>> {
        let mut tx = self.begin(tenant).await?;
        let rows = super::postgres_records::views(&mut tx, tenant, query).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(rows)
    }

    async fn create_tenant(
        &self,
        new: NewTenant,
        owner: NewUser,
        ctx: &RequestContext,
    ) -> Result<(Tenant, CreatedUser)> {
        super::validate_new_tenant(&new)?;
        let now = Utc::now();
        let id = TenantId::from_uuid(Uuid::now_v7());
        let tenant = Tenant {
            id,
            name: new.name.trim().to_owned(),
            subdomain: new.subdomain.clone(),
            plan: new.plan,
            status: "active".into(),
            max_users: new.plan.max_users(),
            max_invoices: new.plan.max_invoices(),
            trial_ends_at: Some(super::trial_end(now)),
            created_at: now,
        };
        // The new tenant's own context: RLS lets the row in because it is that tenant's.
        let mut tx = self.begin(id).await?;
        sqlx::query(
            "INSERT INTO tenants (id, name, subdomain, plan, max_users, max_invoices, trial_ends_at, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
        )
        .bind(id.as_uuid())
        .bind(&tenant.name)
        .bind(&tenant.subdomain)
        .bind(tenant.plan.as_str())
        .bind(limit(tenant.max_users))
        .bind(limit(tenant.max_invoices))
        .bind(tenant.trial_ends_at)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| unique_or(e, "that subdomain is taken"))?;
        sqlx::query("INSERT INTO audit_heads (tenant_id, seq, hash) VALUES ($1, 0, $2)")
            .bind(id.as_uuid())
            .bind(GENESIS)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        let created = insert_user(&mut tx, id, &owner, now).await?;
        for event in super::provisioning_events(&tenant, &created, owner.role, ctx) {
            append(&mut tx, id, event, now).await?;
        }
        tx.commit().await.map_err(db_error)?;
        Ok((tenant, created))
    }

    async fn create_user(
        &self,
        tenant: TenantId,
        user: NewUser,
        by: &AuditActor,
        ctx: &RequestContext,
    ) -> Result<CreatedUser> {
        let now = Utc::now();
        let mut tx = self.begin(tenant).await?;
        // Lock the tenant row first, then count in a statement of its own: under READ
        // COMMITTED that count sees every user committed before the lock was granted.
        let max: Option<i32> = sqlx::query_scalar("SELECT max_users FROM tenants WHERE id = $1 FOR UPDATE")
            .bind(tenant.as_uuid())
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_error)?
            .ok_or(Error::NotFound("tenant"))?;
        let active: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE tenant_id = $1 AND status = 'active'")
            .bind(tenant.as_uuid())
            .fetch_one(&mut *tx)
            .await
            .map_err(db_error)?;
        super::check_user_limit(max.map(i64::from), active)?;
        let created = insert_user(&mut tx, tenant, &user, now).await?;
        append(&mut tx, tenant, super::user_created_event(&created, user.role, by, ctx), now).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(created)
    }

    async fn tenant(&self, tenant: TenantId) -> Result<Option<Tenant>> {
        let mut tx = self.begin(tenant).await?;
        let row = sqlx::query("SELECT * FROM tenants WHERE id = $1")
            .bind(tenant.as_uuid())
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        row.as_ref().map(tenant_from_row).transpose()
    }

    async fn setting(&self, tenant: TenantId, key: super::Setting) -> Result<Option<String>> {
        let mut tx = self.begin(tenant).await?;
        let found: Option<Option<String>> =
            sqlx::query_scalar("SELECT (settings->$2)::text FROM tenants WHERE id = $1")
                .bind(tenant.as_uuid())
                .bind(key.key())
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        Ok(found.flatten())
    }

    async fn set_setting(&self, tenant: TenantId, key: super::Setting, json: &str, event: AuditEvent) -> Result<()> {
        let now = Utc::now();
        let mut tx = self.begin(tenant).await?;
        let done = sqlx::query(
            "UPDATE tenants SET settings = jsonb_set(settings, ARRAY[$4], $1::jsonb), updated_at = $2 WHERE id = $3",
        )
        .bind(json)
        .bind(now)
        .bind(tenant.as_uuid())
        .bind(key.key())
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        if done.rows_affected() != 1 {
            return Err(Error::NotFound("tenant"));
        }
        append(&mut tx, tenant, event, now).await?;
        tx.commit().await.map_err(db_error)
    }

    async fn number_leases(
        &self,
        tenant: TenantId,
        select: super::leases::LeaseSelect,
    ) -> Result<Vec<super::leases::LeaseRecord>> {
        let mut tx = self.begin(tenant).await?;
        let out = super::leases_postgres::leases(&mut tx, tenant, select).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(out)
    }

    async fn number_gaps(&self, tenant: TenantId, limit: i64) -> Result<Vec<super::leases::GapRecord>> {
        let mut tx = self.begin(tenant).await?;
        let out = super::leases_postgres::gaps(&mut tx, tenant, limit).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(out)
    }

    async fn authenticate(&self, key: &Token) -> Result<Option<Principal>> {
        let sql = match key.kind() {
            Kind::ApiKey => {
                "SELECT u.id, u.email, m.role, t.plan, t.rate_limit_per_hour FROM api_keys k
                 JOIN users u ON u.tenant_id = k.tenant_id AND u.id = k.user_id
                 JOIN memberships m ON m.tenant_id = u.tenant_id AND m.user_id = u.id
                 JOIN tenants t ON t.id = k.tenant_id
                 WHERE t.status = 'active' AND k.tenant_id = $1 AND k.key_hash = $2 AND k.revoked_at IS NULL
                   AND u.status = 'active'"
            }
            Kind::Session => {
                "SELECT u.id, u.email, m.role, t.plan, t.rate_limit_per_hour FROM sessions k
                 JOIN users u ON u.tenant_id = k.tenant_id AND u.id = k.user_id
                 JOIN memberships m ON m.tenant_id = u.tenant_id AND m.user_id = u.id
                 JOIN tenants t ON t.id = k.tenant_id
                 WHERE t.status = 'active' AND k.tenant_id = $1 AND k.token_hash = $2 AND k.revoked_at IS NULL
                   AND u.status = 'active' AND k.expires_at > now()"
            }
            // A refresh token only buys a new session; it never calls the API.
            Kind::Refresh => return Ok(None),
        };
        let remembered = key.kind() == Kind::ApiKey;
        let hash = key.hash();
        if remembered && let Some(found) = self.principals.get(&hash) {
            return Ok(Some(found));
        }
        let generation = self.principals.generation();
        let mut tx = self.begin(key.tenant()).await?;
        let row = sqlx::query(sql)
            .bind(key.tenant().as_uuid())
            .bind(&hash)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        let found = row
            .map(|r| -> Result<Principal> {
                let (plan, requests_per_hour) =
                    super::plan_and_limit(r.get(3), r.get::<Option<i32>, _>(4).map(i64::from))?;
                Ok(Principal {
                    tenant_id: key.tenant(),
                    user_id: UserId::from_uuid(r.get(0)),
                    email: r.get(1),
                    role: r.get::<&str, _>(2).parse::<Role>()?,
                    requests_per_hour,
                    plan,
                    scopes: None,
                    client: None,
                })
            })
            .transpose()?;
        if remembered && let Some(p) = &found {
            self.principals.put(generation, hash, p.clone());
        }
        Ok(found)
    }

    async fn remove_user(&self, tenant: TenantId, user: UserId, by: &AuditActor, ctx: &RequestContext) -> Result<()> {
        let now = Utc::now();
        let mut tx = self.begin(tenant).await?;
        // The same lock as an ownership transfer takes: the two never interleave.
        sqlx::query("SELECT 1 FROM tenants WHERE id = $1 FOR UPDATE")
            .bind(tenant.as_uuid())
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        super::check_removable(active_role(&mut tx, tenant, user).await?)?;
        sqlx::query("UPDATE users SET status = 'disabled' WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.as_uuid())
            .bind(user.as_uuid())
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        for table in ["api_keys", "sessions"] {
            // The table name comes from this fixed list, never from input.
            let sql = format!(
                "UPDATE {table} SET revoked_at = $1 WHERE tenant_id = $2 AND user_id = $3 AND revoked_at IS NULL"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(now)
                .bind(tenant.as_uuid())
                .bind(user.as_uuid())
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
        }
        append(&mut tx, tenant, super::user_removed_event(user, by, ctx), now).await?;
        tx.commit().await.map_err(db_error)?;
        // At once on this node; other nodes hear of it through the trigger of migration 0008.
        self.principals.forget(Some(tenant));
        Ok(())
    }

    async fn transfer_ownership(
        &self,
        tenant: TenantId,
        from: UserId,
        to: UserId,
        by: &AuditActor,
        ctx: &RequestContext,
    ) -> Result<()> {
        let now = Utc::now();
        let mut tx = self.begin(tenant).await?;
        // Lock the tenant row: two transfers at once must not leave two owners.
        sqlx::query("SELECT 1 FROM tenants WHERE id = $1 FOR UPDATE")
            .bind(tenant.as_uuid())
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        let from_role = active_role(&mut tx, tenant, from).await?;
        if from_role.as_deref() != Some("owner") {
            return Err(Error::Conflict("only the owner can transfer ownership".into()));
        }
        let to_role = active_role(&mut tx, tenant, to).await?;
        super::check_removable(to_role)?;
        for (user, role) in [(from, "admin"), (to, "owner")] {
            sqlx::query("UPDATE memberships SET role = $1 WHERE tenant_id = $2 AND user_id = $3")
                .bind(role)
                .bind(tenant.as_uuid())
                .bind(user.as_uuid())
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
        }
        append(&mut tx, tenant, super::ownership_event(from, to, by, ctx), now).await?;
        tx.commit().await.map_err(db_error)?;
        // At once on this node; other nodes hear of it through the trigger of migration 0008.
        self.principals.forget(Some(tenant));
        Ok(())
    }

    async fn api_keys(&self, tenant: TenantId, user: UserId) -> Result<Vec<super::ApiKeyRecord>> {
        let mut tx = self.begin(tenant).await?;
        let rows = sqlx::query(
            "SELECT id, prefix, created_at, revoked_at FROM api_keys WHERE tenant_id = $1 AND user_id = $2
             ORDER BY created_at DESC, id DESC",
        )
        .bind(tenant.as_uuid())
        .bind(user.as_uuid())
        .fetch_all(&mut *tx)
        .await
        .map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        Ok(rows
            .iter()
            .map(|r| super::ApiKeyRecord {
                id: r.get::<Uuid, _>(0).to_string(),
                user_id: user,
                prefix: r.get(1),
                created_at: r.get(2),
                revoked_at: r.get(3),
            })
            .collect())
    }

    async fn create_api_key(
        &self,
        tenant: TenantId,
        user: UserId,
        by: &AuditActor,
        ctx: &RequestContext,
    ) -> Result<(String, Token)> {
        let now = Utc::now();
        let key = Token::generate(tenant)?;
        let mut tx = self.begin(tenant).await?;
        let id = insert_api_key(&mut tx, tenant, user, &key, now).await?;
        append(&mut tx, tenant, super::api_key_event("api_key.created", "create", &id, &key.prefix(), by, ctx), now)
            .await?;
        tx.commit().await.map_err(db_error)?;
        Ok((id, key))
    }

    async fn revoke_api_key(
        &self,
        tenant: TenantId,
        key_id: Uuid,
        owner: Option<UserId>,
        by: &AuditActor,
        ctx: &RequestContext,
    ) -> Result<()> {
        let now = Utc::now();
        let mut tx = self.begin(tenant).await?;
        let prefix: Option<String> = sqlx::query_scalar(
            "UPDATE api_keys SET revoked_at = $1 WHERE tenant_id = $2 AND id = $3 AND revoked_at IS NULL
             AND ($4::uuid IS NULL OR user_id = $4) RETURNING prefix",
        )
        .bind(now)
        .bind(tenant.as_uuid())
        .bind(key_id)
        .bind(owner.map(|u| *u.as_uuid()))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error)?;
        let prefix = prefix.ok_or(Error::NotFound("API key"))?;
        let event = super::api_key_event("api_key.revoked", "revoke", &key_id.to_string(), &prefix, by, ctx);
        append(&mut tx, tenant, event, now).await?;
        tx.commit().await.map_err(db_error)?;
        // At once on this node; other nodes hear of it through the trigger of migration 0008.
        self.principals.forget(Some(tenant));
        Ok(())
    }

    async fn create_api_client(
        &self,
        tenant: TenantId,
        creator: UserId,
        name: &str,
        scopes: &[String],
        by: &AuditActor,
        ctx: &RequestContext,
    ) -> Result<(Uuid, String)> {
        let now = Utc::now();
        let id = Uuid::now_v7();
        let secret = crate::credentials::random_secret()?;
        let mut tx = self.begin(tenant).await?;
        sqlx::query(
            "INSERT INTO api_clients (tenant_id, id, name, secret_hash, scopes, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(tenant.as_uuid())
        .bind(id)
        .bind(name.trim())
        .bind(crate::credentials::sha256_hex(&secret))
        .bind(scopes.join(" "))
        .bind(creator.as_uuid())
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        append(&mut tx, tenant, super::client_created_event(id, name, scopes, by, ctx), now).await?;
        tx.commit().await.map_err(db_error)?;
        Ok((id, secret))
    }

    async fn api_clients(&self, tenant: TenantId) -> Result<Vec<super::ApiClientRecord>> {
        let mut tx = self.begin(tenant).await?;
        let rows = sqlx::query(
            "SELECT id, name, scopes, created_by, created_at, revoked_at FROM api_clients WHERE tenant_id = $1
             ORDER BY created_at, id",
        )
        .bind(tenant.as_uuid())
        .fetch_all(&mut *tx)
        .await
        .map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        Ok(rows
            .iter()
            .map(|r| super::ApiClientRecord {
                id: crate::credentials::client_id(tenant, r.get(0)),
                name: r.get(1),
                scopes: r.get::<&str, _>(2).split_whitespace().map(str::to_owned).collect(),
                created_by: UserId::from_uuid(r.get(3)),
                created_at: r.get(4),
                revoked_at: r.get(5),
            })
            .collect())
    }

    async fn revoke_api_client(
        &self,
        tenant: TenantId,
        client: Uuid,
        by: &AuditActor,
        ctx: &RequestContext,
    ) -> Result<()> {
        let now = Utc::now();
        let mut tx = self.begin(tenant).await?;
        let name: Option<String> = sqlx::query_scalar(
            "UPDATE api_clients SET revoked_at = $1 WHERE tenant_id = $2 AND id = $3 AND revoked_at IS NULL
             RETURNING name",
        )
        .bind(now)
        .bind(tenant.as_uuid())
        .bind(client)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error)?;
        let name = name.ok_or(Error::NotFound("API client"))?;
        append(&mut tx, tenant, super::client_revoked_event(client, &name, by, ctx), now).await?;
        tx.commit().await.map_err(db_error)?;
        // At once on this node; other nodes hear of it through the trigger of migration 0008.
        self.principals.forget(Some(tenant));
        Ok(())
    }

    async fn client_principal(
        &self,
        tenant: TenantId,
        client: Uuid,
        secret_sha256: Option<&str>,
    ) -> Result<Option<Principal>> {
        // Only the token path (no secret) is remembered; exchanging a secret is rare.
        let key = format!("client:{tenant}:{client}");
        if secret_sha256.is_none()
            && let Some(found) = self.principals.get(&key)
        {
            return Ok(Some(found));
        }
        let generation = self.principals.generation();
        let mut tx = self.begin(tenant).await?;
        let row = sqlx::query(
            "SELECT c.scopes, c.name, u.id, u.email, m.role, t.plan, t.rate_limit_per_hour, c.secret_hash FROM api_clients c
             JOIN users u ON u.tenant_id = c.tenant_id AND u.id = c.created_by
             JOIN memberships m ON m.tenant_id = u.tenant_id AND m.user_id = u.id
             JOIN tenants t ON t.id = c.tenant_id
             WHERE c.tenant_id = $1 AND c.id = $2 AND c.revoked_at IS NULL AND u.status = 'active' AND t.status = 'active'",
        )
        .bind(tenant.as_uuid())
        .bind(client)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        let Some(r) = row else { return Ok(None) };
        if secret_sha256.is_some_and(|given| given != r.get::<&str, _>(7)) {
            return Ok(None);
        }
        let rate_limit = r.get::<Option<i32>, _>(6).map(i64::from);
        let user = UserId::from_uuid(r.get(2));
        let found = super::client_principal_from(
            tenant,
            client,
            r.get(0),
            r.get(1),
            user,
            r.get(3),
            r.get(4),
            r.get(5),
            rate_limit,
        )?;
        if secret_sha256.is_none() {
            self.principals.put(generation, key, found.clone());
        }
        Ok(Some(found))
    }

    async fn server_secret(&self, name: &str) -> Result<Vec<u8>> {
        sqlx::query(
            "INSERT INTO server_secrets (name, value, created_at) VALUES ($1, $2, now()) ON CONFLICT DO NOTHING",
        )
        .bind(name)
        .bind(crate::credentials::random_secret()?)
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        let hex: String = sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = $1")
            .bind(name)
            .fetch_one(&self.pool)
            .await
            .map_err(db_error)?;
        hex::decode(hex).map_err(|e| Error::Internal(format!("bad server secret {name}: {e}")))
    }

    async fn login_record(&self, tenant: TenantId, email: &str) -> Result<Option<super::LoginRecord>> {
        let mut tx = self.begin(tenant).await?;
        let row = sqlx::query(
            "SELECT u.id, u.password_hash, u.status = 'active' AND t.status = 'active' FROM users u
             JOIN tenants t ON t.id = u.tenant_id WHERE u.tenant_id = $1 AND u.email = $2",
        )
        .bind(tenant.as_uuid())
        .bind(email)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        Ok(row.map(|r| super::LoginRecord {
            user_id: UserId::from_uuid(r.get(0)),
            password_hash: r.get(1),
            active: r.get::<bool, _>(2),
        }))
    }

    async fn open_session(&self, tenant: TenantId, user: UserId, ctx: &RequestContext) -> Result<super::Session> {
        let now = Utc::now();
        let mut tx = self.begin(tenant).await?;
        let session = insert_session(&mut tx, tenant, user, now, None).await?;
        append(&mut tx, tenant, super::session_event("user.login", user, ctx), now).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(session)
    }

    async fn refresh_session(&self, refresh: &Token, ctx: &RequestContext) -> Result<Option<super::Session>> {
        if refresh.kind() != Kind::Refresh {
            return Ok(None);
        }
        let now = Utc::now();
        let tenant = refresh.tenant();
        let mut tx = self.begin(tenant).await?;
        let row = sqlx::query(
            "UPDATE sessions SET revoked_at = $1 WHERE tenant_id = $2 AND refresh_hash = $3
             AND revoked_at IS NULL AND refresh_expires_at > $1 RETURNING user_id, family_id, family_expires_at",
        )
        .bind(now)
        .bind(tenant.as_uuid())
        .bind(refresh.hash())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error)?;
        let Some(row) = row else {
            revoke_reused_family(&mut tx, tenant, refresh, now, ctx).await?;
            tx.commit().await.map_err(db_error)?;
            return Ok(None);
        };
        let user = UserId::from_uuid(row.get(0));
        let family = super::Family { id: row.get(1), expires_at: row.get(2) };
        // A removed user or a suspended tenant gets no new session (the transaction is dropped,
        // so nothing changes).
        let active: bool = sqlx::query_scalar(
            "SELECT u.status = 'active' AND t.status = 'active' FROM users u JOIN tenants t ON t.id = u.tenant_id
             WHERE u.tenant_id = $1 AND u.id = $2",
        )
        .bind(tenant.as_uuid())
        .bind(user.as_uuid())
        .fetch_one(&mut *tx)
        .await
        .map_err(db_error)?;
        if !active {
            return Ok(None);
        }
        let session = insert_session(&mut tx, tenant, user, now, Some(family)).await?;
        append(&mut tx, tenant, super::session_event("session.refreshed", user, ctx), now).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(Some(session))
    }

    async fn set_rate_limit(&self, tenant: TenantId, requests_per_hour: Option<i64>) -> Result<()> {
        let limit = requests_per_hour
            .map(|n| i32::try_from(n).map_err(|_| Error::BadRequest("limit too large".into())))
            .transpose()?;
        let now = Utc::now();
        let mut tx = self.begin(tenant).await?;
        let old: Option<i32> = sqlx::query_scalar("SELECT rate_limit_per_hour FROM tenants WHERE id = $1 FOR UPDATE")
            .bind(tenant.as_uuid())
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_error)?
            .ok_or(Error::NotFound("tenant"))?;
        sqlx::query("UPDATE tenants SET rate_limit_per_hour = $1 WHERE id = $2")
            .bind(limit)
            .bind(tenant.as_uuid())
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        append(&mut tx, tenant, super::rate_limit_event(tenant, old.map(i64::from), requests_per_hour), now).await?;
        tx.commit().await.map_err(db_error)?;
        // At once on this node; other nodes hear of it through the trigger of migration 0008.
        self.principals.forget(Some(tenant));
        Ok(())
    }

    async fn record(&self, tenant: TenantId, event: AuditEvent) -> Result<()> {
        let mut tx = self.begin(tenant).await?;
        append(&mut tx, tenant, event, Utc::now()).await?;
        tx.commit().await.map_err(db_error)
    }

    async fn audit_chain(&self, tenant: TenantId) -> Result<AuditChain> {
        let mut tx = self.begin(tenant).await?;
        // The head first, then the entries up to it: an append committing in between is simply
        // not part of this reading, instead of looking like missing entries.
        let head = sqlx::query("SELECT seq, hash FROM audit_heads WHERE tenant_id = $1")
            .bind(tenant.as_uuid())
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_error)?
            .map(|r| (r.get::<i64, _>(0), r.get::<String, _>(1)));
        let upto = head.as_ref().map_or(0, |(seq, _)| *seq);
        let entries = sqlx::query_as::<_, AuditEntry>(
            "SELECT tenant_id::text AS tenant_id, seq, event_type, actor_type, actor_id, actor_name, resource_type,
             resource_id, action, status, metadata, changes, ip_address, user_agent, request_id, created_at,
             prev_hash, hash FROM audit_log WHERE tenant_id = $1 AND seq <= $2 ORDER BY seq",
        )
        .bind(tenant.as_uuid())
        .bind(upto)
        .fetch_all(&mut *tx)
        .await
        .map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        Ok(AuditChain { entries, head: head.filter(|(seq, _)| *seq > 0) })
    }

    async fn audit_entries(
        &self,
        tenant: TenantId,
        query: &super::AuditQuery,
        page: super::SeqPage,
    ) -> Result<Vec<AuditEntry>> {
        let mut tx = self.begin(tenant).await?;
        let mut qb = sqlx::QueryBuilder::<Postgres>::new(
            "SELECT tenant_id::text AS tenant_id, seq, event_type, actor_type, actor_id, actor_name, resource_type,
             resource_id, action, status, metadata, changes, ip_address, user_agent, request_id, created_at,
             prev_hash, hash FROM audit_log WHERE tenant_id = ",
        );
        qb.push_bind(*tenant.as_uuid());
        page.push(&mut qb);
        super::push_audit_filters(&mut qb, query, "ILIKE");
        page.finish(&mut qb);
        let entries = qb.build_query_as::<AuditEntry>().fetch_all(&mut *tx).await.map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        Ok(entries)
    }

    async fn users(&self, tenant: TenantId) -> Result<Vec<super::UserRecord>> {
        let mut tx = self.begin(tenant).await?;
        let rows = sqlx::query(
            "SELECT u.id, u.email, m.role, u.status, u.created_at FROM users u
             JOIN memberships m ON m.tenant_id = u.tenant_id AND m.user_id = u.id
             WHERE u.tenant_id = $1 ORDER BY u.created_at, u.id",
        )
        .bind(tenant.as_uuid())
        .fetch_all(&mut *tx)
        .await
        .map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        rows.iter()
            .map(|r| {
                Ok(super::UserRecord {
                    id: UserId::from_uuid(r.get(0)),
                    email: r.get(1),
                    role: r.get::<&str, _>(2).parse::<Role>()?,
                    status: r.get(3),
                    created_at: r.get(4),
                })
            })
            .collect()
    }

    async fn idempotency_claim(
        &self,
        tenant: TenantId,
        scope: &str,
        key: &str,
        fingerprint: &str,
    ) -> Result<super::IdempotencyClaim> {
        let now = Utc::now();
        let mut tx = self.begin(tenant).await?;
        sqlx::query(
            "DELETE FROM idempotency_keys WHERE tenant_id = $1 AND scope = $2 AND key = $3
             AND (created_at < $4 OR (state = 'in_flight' AND created_at < $5))",
        )
        .bind(tenant.as_uuid())
        .bind(scope)
        .bind(key)
        .bind(now - chrono::Duration::hours(super::IDEMPOTENCY_TTL_HOURS))
        .bind(now - chrono::Duration::seconds(super::IDEMPOTENCY_LEASE_SECONDS))
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        let inserted = sqlx::query(
            "INSERT INTO idempotency_keys (tenant_id, scope, key, fingerprint, state, created_at)
             VALUES ($1, $2, $3, $4, 'in_flight', $5) ON CONFLICT DO NOTHING",
        )
        .bind(tenant.as_uuid())
        .bind(scope)
        .bind(key)
        .bind(fingerprint)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?
        .rows_affected();
        let claim = if inserted == 1 {
            super::IdempotencyClaim::Claimed
        } else {
            let row = sqlx::query(
                "SELECT fingerprint, state, status, content_type, body FROM idempotency_keys
                 WHERE tenant_id = $1 AND scope = $2 AND key = $3",
            )
            .bind(tenant.as_uuid())
            .bind(scope)
            .bind(key)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_error)?;
            let status: Option<i32> = row.get(2);
            super::claim_from(row.get(0), row.get(1), status.map(i64::from), row.get(3), row.get(4), fingerprint)
        };
        tx.commit().await.map_err(db_error)?;
        Ok(claim)
    }

    async fn idempotency_finish(
        &self,
        tenant: TenantId,
        scope: &str,
        key: &str,
        response: Option<&super::StoredResponse>,
    ) -> Result<()> {
        let mut tx = self.begin(tenant).await?;
        match response {
            Some(r) => sqlx::query(
                "UPDATE idempotency_keys SET state = 'done', status = $4, content_type = $5, body = $6
                 WHERE tenant_id = $1 AND scope = $2 AND key = $3",
            )
            .bind(tenant.as_uuid())
            .bind(scope)
            .bind(key)
            .bind(i32::from(r.status))
            .bind(r.content_type.clone())
            .bind(r.body.clone()),
            None => sqlx::query("DELETE FROM idempotency_keys WHERE tenant_id = $1 AND scope = $2 AND key = $3")
                .bind(tenant.as_uuid())
                .bind(scope)
                .bind(key),
        }
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        tx.commit().await.map_err(db_error)
    }

    async fn schedule_job(&self, tenant: TenantId, kind: &str, due_at: Option<DateTime<Utc>>) -> Result<()> {
        super::jobs_postgres::schedule(&self.pool, tenant, kind, due_at).await
    }

    async fn claim_due_jobs(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<super::jobs::Claimed>> {
        super::jobs_postgres::claim(&self.pool, now, limit).await
    }

    async fn finish_job(
        &self,
        tenant: TenantId,
        kind: &str,
        ran_at: DateTime<Utc>,
        next_due: DateTime<Utc>,
        result: &str,
    ) -> Result<()> {
        super::jobs_postgres::finish(&self.pool, tenant, kind, ran_at, next_due, result).await
    }

    async fn job(&self, tenant: TenantId, kind: &str) -> Result<Option<super::jobs::JobRecord>> {
        super::jobs_postgres::job(&self.pool, tenant, kind).await
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(db_error).map(|_| ())
    }
}
