//! The embedded store: one SQLite file (WAL), the default for a single business.
//! Writes that extend the audit chain take SQLite's write lock up front (`BEGIN IMMEDIATE`),
//! so concurrent writers queue instead of forking the chain.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use remit_core::{Role, TenantId, UserId};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::{Row, SqliteConnection};
use uuid::Uuid;

use super::{AuditChain, CreatedUser, NewTenant, NewUser, Plan, Principal, Store, Tenant};
use crate::audit::{AuditActor, AuditEntry, AuditEvent, GENESIS, RequestContext};
use crate::credentials::{Kind, Token};
use crate::error::{Error, Result, db_error};

#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    feed: super::feed::FeedSignal,
    /// Stops the checkpoints when the last clone of the store is dropped.
    _checkpointer: std::sync::Arc<Checkpointer>,
}

/// SQLite's automatic checkpoint runs inside the commit that crosses its threshold (1,000
/// pages of WAL): about one sync push in a hundred waited while the whole WAL was copied into
/// the database file and both were synced, and with it the devices the push's edit goes to
/// (tests/benches/sync.rs: the server's commit p99 4.1 ms against p50 1.3 ms). Here a task
/// checkpoints every second on one of the pool's connections, in PASSIVE mode: it never waits
/// for, or blocks, a reader or a writer. A checkpoint that writes keep from finishing leaves
/// the WAL growing; past `WAL_SAFETY_NET_PAGES` a commit checkpoints as SQLite always did.
/// Commits stay synchronous (FULL): this moves work, it does not weaken durability.
#[derive(Debug)]
struct Checkpointer(tokio::task::JoinHandle<()>);

/// SQLite's own threshold is 1,000 pages; ten times it is the safety net (40 MB of WAL).
pub const WAL_SAFETY_NET_PAGES: &str = "10000";

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn checkpoints(pool: SqlitePool) {
    let mut every = tokio::time::interval(Duration::from_secs(1));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&pool).await {
            tracing::debug!(error = %e, "WAL checkpoint failed; the next one tries again");
        }
    }
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/server-sqlite");

impl SqliteStore {
    pub async fn open(url: &str) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| Error::Config(format!("bad SQLite URL {url:?}: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30))
            // Reads through a memory map of the file instead of a read() per page: lists read
            // many rows (profiled: page reads were most of a list's time). Commits stay fully
            // synchronous: a recorded payment survives a power cut.
            .pragma("mmap_size", "1073741824")
            .pragma("cache_size", "-16384")
            // Checkpoints are the checkpointer's (below), not a request's commit; a commit
            // checkpoints only past this, should the WAL outgrow it under unbroken writes.
            .pragma("wal_autocheckpoint", WAL_SAFETY_NET_PAGES)
            .pragma("journal_size_limit", "67108864");
        if let Some(dir) = options.get_filename().parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::Config(format!("cannot create {}: {e}", dir.display())))?;
        }
        // No ping before each use of a pooled connection (sqlx's default, for servers across a
        // network): here it is a round trip to the connection's thread for nothing, and every
        // query paid it, a dozen times on the path of each synced edit.
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .test_before_acquire(false)
            .connect_with(options)
            .await
            .map_err(db_error)?;
        MIGRATOR.run(&pool).await.map_err(|e| Error::Config(format!("SQLite migrations failed: {e}")))?;
        let checkpointer = std::sync::Arc::new(Checkpointer(tokio::spawn(checkpoints(pool.clone()))));
        Ok(Self { pool, feed: super::feed::FeedSignal::default(), _checkpointer: checkpointer })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(db_error)
    }
}

async fn append(conn: &mut SqliteConnection, tenant: TenantId, event: AuditEvent, now: DateTime<Utc>) -> Result<()> {
    let row = sqlx::query("SELECT seq, hash FROM audit_heads WHERE tenant_id = ?")
        .bind(tenant.to_string())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_error)?
        .ok_or(Error::NotFound("tenant"))?;
    let (seq, hash): (i64, String) = (row.get(0), row.get(1));
    let entry = AuditEntry::next(tenant.to_string(), seq, &hash, event, super::audit_time(now));
    sqlx::query(
        "INSERT INTO audit_log (tenant_id, seq, event_type, actor_type, actor_id, actor_name, resource_type,
         resource_id, action, status, metadata, changes, ip_address, user_agent, request_id, created_at,
         prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&entry.tenant_id)
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
    sqlx::query("UPDATE audit_heads SET seq = ?, hash = ? WHERE tenant_id = ? AND seq = ?")
        .bind(entry.seq)
        .bind(&entry.hash)
        .bind(&entry.tenant_id)
        .bind(seq)
        .execute(&mut *conn)
        .await
        .map_err(db_error)?;
    Ok(())
}

async fn insert_user(
    conn: &mut SqliteConnection,
    tenant: TenantId,
    user: &NewUser,
    now: DateTime<Utc>,
) -> Result<CreatedUser> {
    let user_id = UserId::from_uuid(Uuid::now_v7());
    let key = Token::generate(tenant)?;
    let now_s = now.to_rfc3339();
    sqlx::query("INSERT INTO users (tenant_id, id, email, password_hash, created_at) VALUES (?, ?, ?, ?, ?)")
        .bind(tenant.to_string())
        .bind(user_id.to_string())
        .bind(user.email.as_str())
        .bind(&user.password_hash)
        .bind(&now_s)
        .execute(&mut *conn)
        .await
        .map_err(|e| crate::error::unique_or(e, "a user with this email already exists in the tenant"))?;
    sqlx::query("INSERT INTO memberships (tenant_id, user_id, role, created_at) VALUES (?, ?, ?, ?)")
        .bind(tenant.to_string())
        .bind(user_id.to_string())
        .bind(user.role.as_str())
        .bind(&now_s)
        .execute(&mut *conn)
        .await
        .map_err(db_error)?;
    insert_api_key(conn, tenant, user_id, &key, now).await?;
    Ok(CreatedUser { user_id, email: user.email.to_string(), api_key: key })
}

async fn insert_session(
    conn: &mut SqliteConnection,
    tenant: TenantId,
    user: UserId,
    now: DateTime<Utc>,
    family: Option<super::Family>,
) -> Result<super::Session> {
    let new = super::new_session(tenant, now, family)?;
    sqlx::query(
        "INSERT INTO sessions (tenant_id, id, user_id, token_hash, refresh_hash, expires_at, refresh_expires_at,
         created_at, family_id, family_expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(tenant.to_string())
    .bind(new.id.to_string())
    .bind(user.to_string())
    .bind(new.session.access.hash())
    .bind(new.session.refresh.hash())
    .bind(super::audit_time(new.session.expires_at))
    .bind(super::audit_time(new.refresh_until))
    .bind(super::audit_time(now))
    .bind(new.family.id.to_string())
    .bind(super::audit_time(new.family.expires_at))
    .execute(&mut *conn)
    .await
    .map_err(db_error)?;
    Ok(new.session)
}

/// A rotated refresh token came back: revoke every live session of its family and say so.
async fn revoke_reused_family(
    conn: &mut SqliteConnection,
    tenant: TenantId,
    refresh: &Token,
    now: DateTime<Utc>,
    ctx: &RequestContext,
) -> Result<()> {
    let hit = sqlx::query(
        "SELECT user_id, family_id FROM sessions WHERE tenant_id = ? AND refresh_hash = ? AND revoked_at IS NOT NULL",
    )
    .bind(tenant.to_string())
    .bind(refresh.hash())
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_error)?;
    let Some(hit) = hit else { return Ok(()) };
    let user = UserId::parse(hit.get::<&str, _>(0))?;
    let family: &str = hit.get(1);
    let revoked =
        sqlx::query("UPDATE sessions SET revoked_at = ? WHERE tenant_id = ? AND family_id = ? AND revoked_at IS NULL")
            .bind(super::audit_time(now))
            .bind(tenant.to_string())
            .bind(family)
            .execute(&mut *conn)
            .await
            .map_err(db_error)?
            .rows_affected();
    let family = Uuid::try_parse(family).map_err(|e| Error::Internal(format!("bad stored family: {e}")))?;
    append(conn, tenant, super::refresh_reused_event(user, family, revoked, ctx), now).await
}

async fn insert_api_key(
    conn: &mut SqliteConnection,
    tenant: TenantId,
    user: UserId,
    key: &Token,
    now: DateTime<Utc>,
) -> Result<String> {
    let id = Uuid::now_v7().to_string();
    sqlx::query(
        "INSERT INTO api_keys (tenant_id, id, user_id, prefix, key_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(tenant.to_string())
    .bind(&id)
    .bind(user.to_string())
    .bind(key.prefix())
    .bind(key.hash())
    .bind(now.to_rfc3339())
    .execute(&mut *conn)
    .await
    .map_err(db_error)?;
    Ok(id)
}

/// The role of an active member; `None` for a removed or unknown user.
async fn active_role(conn: &mut SqliteConnection, tenant: TenantId, user: UserId) -> Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT m.role FROM memberships m JOIN users u ON u.tenant_id = m.tenant_id AND u.id = m.user_id
         WHERE m.tenant_id = ? AND m.user_id = ? AND u.status = 'active'",
    )
    .bind(tenant.to_string())
    .bind(user.to_string())
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_error)
}

fn parse_time(s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| Error::Internal(format!("bad stored time {s:?}: {e}")))
}

fn tenant_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<Tenant> {
    let parse_time = |s: Option<String>| -> Result<Option<DateTime<Utc>>> {
        s.map(|s| {
            DateTime::parse_from_rfc3339(&s)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| Error::Internal(format!("bad stored time {s:?}: {e}")))
        })
        .transpose()
    };
    let id: String = row.get("id");
    Ok(Tenant {
        id: TenantId::parse(&id)?,
        name: row.get("name"),
        subdomain: row.get("subdomain"),
        plan: Plan::parse(row.get::<&str, _>("plan"))?,
        status: row.get("status"),
        max_users: row.get("max_users"),
        max_invoices: row.get("max_invoices"),
        trial_ends_at: parse_time(row.get("trial_ends_at"))?,
        created_at: parse_time(Some(row.get("created_at")))?.unwrap_or_default(),
    })
}

#[async_trait]
impl Store for SqliteStore {
    async fn commit(
        &self,
        tenant: TenantId,
        number: Option<super::records::NumberRequest>,
        build: super::records::Build,
    ) -> Result<Option<remit_core::InvoiceNumber>> {
        let now = Utc::now();
        let mut tx = self.begin_write().await?;
        let number = match number {
            Some(req) => Some(super::sqlite_records::next_number(&mut tx, tenant, &req).await?),
            None => None,
        };
        let commit = build(number.clone())?;
        let last = super::feed::last_moved(&commit.writes);
        let feed = if last.is_some() { super::feed_sqlite::bump(&mut tx, tenant).await? } else { 0 };
        let before = last.and_then(|_| self.feed.end_before(tenant, feed));
        for write in commit.writes {
            super::sqlite_records::apply(&mut tx, tenant, write, now, feed).await?;
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
        super::feed_sqlite::feed(&self.pool, tenant, after, limit).await
    }

    async fn feed_head(&self, tenant: TenantId) -> Result<i64> {
        super::feed_sqlite::head(&self.pool, tenant).await
    }

    async fn facts_of(&self, tenant: TenantId, invoices: &[Uuid]) -> Result<Vec<(Uuid, String)>> {
        super::feed_sqlite::facts_of(&self.pool, tenant, invoices).await
    }

    async fn register_device(
        &self,
        tenant: TenantId,
        device: Uuid,
        user: UserId,
        name: &str,
    ) -> Result<super::feed::DeviceRecord> {
        let mut tx = self.begin_write().await?;
        let record = super::feed_sqlite::register(&mut tx, tenant, device, user, name, Utc::now()).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(record)
    }

    async fn device(&self, tenant: TenantId, device: Uuid) -> Result<Option<super::feed::DeviceRecord>> {
        let mut conn = self.pool.acquire().await.map_err(db_error)?;
        super::feed_sqlite::get(&mut conn, tenant, device).await
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
        super::sqlite_records::document(&self.pool, tenant, kind, id).await
    }

    async fn facts(&self, tenant: TenantId, invoice: Uuid) -> Result<Vec<String>> {
        super::sqlite_records::facts(&self.pool, tenant, invoice).await
    }

    async fn view(&self, tenant: TenantId, table: super::records::Table, id: Uuid) -> Result<Option<String>> {
        super::sqlite_records::view(&self.pool, tenant, table, id).await
    }

    async fn views(&self, tenant: TenantId, query: &super::records::ViewQuery) -> Result<Vec<super::records::ViewRow>> {
        super::sqlite_records::views(&self.pool, tenant, query).await
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
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO tenants (id, name, subdomain, plan, max_users, max_invoices, trial_ends_at, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id.to_string())
        .bind(&tenant.name)
        .bind(&tenant.subdomain)
        .bind(tenant.plan.as_str())
        .bind(tenant.max_users)
        .bind(tenant.max_invoices)
        .bind(tenant.trial_ends_at.map(|t| t.to_rfc3339()))
        .bind(now.to_rfc3339())
        .bind(now.to_rfc3339())
        .execute(&mut *tx)
        .await
        .map_err(|e| crate::error::unique_or(e, "that subdomain is taken"))?;
        sqlx::query("INSERT INTO audit_heads (tenant_id, seq, hash) VALUES (?, 0, ?)")
            .bind(id.to_string())
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
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT max_users, (SELECT count(*) FROM users WHERE tenant_id = ? AND status = 'active') FROM tenants WHERE id = ?",
        )
        .bind(tenant.to_string())
        .bind(tenant.to_string())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error)?
        .ok_or(Error::NotFound("tenant"))?;
        super::check_user_limit(row.get(0), row.get(1))?;
        let created = insert_user(&mut tx, tenant, &user, now).await?;
        append(&mut tx, tenant, super::user_created_event(&created, user.role, by, ctx), now).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(created)
    }

    async fn tenant(&self, tenant: TenantId) -> Result<Option<Tenant>> {
        let row = sqlx::query("SELECT * FROM tenants WHERE id = ?")
            .bind(tenant.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        row.as_ref().map(tenant_from_row).transpose()
    }

    async fn setting(&self, tenant: TenantId, key: super::Setting) -> Result<Option<String>> {
        let found: Option<Option<String>> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT json_extract(settings, '$.{}') FROM tenants WHERE id = ?",
            key.key()
        )))
        .bind(tenant.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(found.flatten())
    }

    async fn set_setting(&self, tenant: TenantId, key: super::Setting, json: &str, event: AuditEvent) -> Result<()> {
        let now = Utc::now();
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE tenants SET settings = json_set(settings, '$.{}', json(?)), updated_at = ? WHERE id = ?",
            key.key()
        )))
        .bind(json)
        .bind(now.to_rfc3339())
        .bind(tenant.to_string())
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
        super::leases_sqlite::leases(&self.pool, tenant, select).await
    }

    async fn number_gaps(&self, tenant: TenantId, limit: i64) -> Result<Vec<super::leases::GapRecord>> {
        super::leases_sqlite::gaps(&self.pool, tenant, limit).await
    }

    async fn authenticate(&self, key: &Token) -> Result<Option<Principal>> {
        let sql = match key.kind() {
            Kind::ApiKey => {
                "SELECT u.id, u.email, m.role, t.plan, t.rate_limit_per_hour FROM api_keys k
                 JOIN users u ON u.tenant_id = k.tenant_id AND u.id = k.user_id
                 JOIN memberships m ON m.tenant_id = u.tenant_id AND m.user_id = u.id
                 JOIN tenants t ON t.id = k.tenant_id
                 WHERE t.status = 'active' AND k.tenant_id = ? AND k.key_hash = ? AND k.revoked_at IS NULL
                   AND u.status = 'active'"
            }
            Kind::Session => {
                "SELECT u.id, u.email, m.role, t.plan, t.rate_limit_per_hour FROM sessions k
                 JOIN users u ON u.tenant_id = k.tenant_id AND u.id = k.user_id
                 JOIN memberships m ON m.tenant_id = u.tenant_id AND m.user_id = u.id
                 JOIN tenants t ON t.id = k.tenant_id
                 WHERE t.status = 'active' AND k.tenant_id = ? AND k.token_hash = ? AND k.revoked_at IS NULL
                   AND u.status = 'active' AND k.expires_at > ?"
            }
            // A refresh token only buys a new session; it never calls the API.
            Kind::Refresh => return Ok(None),
        };
        let mut query = sqlx::query(sql).bind(key.tenant().to_string()).bind(key.hash());
        if key.kind() == Kind::Session {
            query = query.bind(super::audit_time(Utc::now()));
        }
        let row = query.fetch_optional(&self.pool).await.map_err(db_error)?;
        row.map(|r| {
            let (plan, requests_per_hour) = super::plan_and_limit(r.get(3), r.get(4))?;
            Ok(Principal {
                tenant_id: key.tenant(),
                user_id: UserId::parse(r.get::<&str, _>(0))?,
                email: r.get(1),
                role: r.get::<&str, _>(2).parse::<Role>()?,
                requests_per_hour,
                plan,
                scopes: None,
                client: None,
            })
        })
        .transpose()
    }

    async fn remove_user(&self, tenant: TenantId, user: UserId, by: &AuditActor, ctx: &RequestContext) -> Result<()> {
        let now = Utc::now();
        let mut tx = self.begin_write().await?;
        super::check_removable(active_role(&mut tx, tenant, user).await?)?;
        sqlx::query("UPDATE users SET status = 'disabled' WHERE tenant_id = ? AND id = ?")
            .bind(tenant.to_string())
            .bind(user.to_string())
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        for table in ["api_keys", "sessions"] {
            // The table name comes from this fixed list, never from input.
            let sql =
                format!("UPDATE {table} SET revoked_at = ? WHERE tenant_id = ? AND user_id = ? AND revoked_at IS NULL");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(super::audit_time(now))
                .bind(tenant.to_string())
                .bind(user.to_string())
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
        }
        append(&mut tx, tenant, super::user_removed_event(user, by, ctx), now).await?;
        tx.commit().await.map_err(db_error)
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
        let mut tx = self.begin_write().await?;
        let from_role = active_role(&mut tx, tenant, from).await?;
        if from_role.as_deref() != Some("owner") {
            return Err(Error::Conflict("only the owner can transfer ownership".into()));
        }
        let to_role = active_role(&mut tx, tenant, to).await?;
        super::check_removable(to_role)?;
        for (user, role) in [(from, "admin"), (to, "owner")] {
            sqlx::query("UPDATE memberships SET role = ? WHERE tenant_id = ? AND user_id = ?")
                .bind(role)
                .bind(tenant.to_string())
                .bind(user.to_string())
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
        }
        append(&mut tx, tenant, super::ownership_event(from, to, by, ctx), now).await?;
        tx.commit().await.map_err(db_error)
    }

    async fn api_keys(&self, tenant: TenantId, user: UserId) -> Result<Vec<super::ApiKeyRecord>> {
        let rows = sqlx::query(
            "SELECT id, prefix, created_at, revoked_at FROM api_keys WHERE tenant_id = ? AND user_id = ?
             ORDER BY created_at DESC, id DESC",
        )
        .bind(tenant.to_string())
        .bind(user.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter()
            .map(|r| {
                Ok(super::ApiKeyRecord {
                    id: r.get(0),
                    user_id: user,
                    prefix: r.get(1),
                    created_at: parse_time(r.get(2))?,
                    revoked_at: r.get::<Option<&str>, _>(3).map(parse_time).transpose()?,
                })
            })
            .collect()
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
        let mut tx = self.begin_write().await?;
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
        let mut tx = self.begin_write().await?;
        let prefix: Option<String> = sqlx::query_scalar(
            "UPDATE api_keys SET revoked_at = ? WHERE tenant_id = ? AND id = ? AND revoked_at IS NULL
             AND (? IS NULL OR user_id = ?) RETURNING prefix",
        )
        .bind(now.to_rfc3339())
        .bind(tenant.to_string())
        .bind(key_id.to_string())
        .bind(owner.map(|u| u.to_string()))
        .bind(owner.map(|u| u.to_string()))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error)?;
        let prefix = prefix.ok_or(Error::NotFound("API key"))?;
        let event = super::api_key_event("api_key.revoked", "revoke", &key_id.to_string(), &prefix, by, ctx);
        append(&mut tx, tenant, event, now).await?;
        tx.commit().await.map_err(db_error)
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
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO api_clients (tenant_id, id, name, secret_hash, scopes, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(tenant.to_string())
        .bind(id.to_string())
        .bind(name.trim())
        .bind(crate::credentials::sha256_hex(&secret))
        .bind(scopes.join(" "))
        .bind(creator.to_string())
        .bind(now.to_rfc3339())
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        append(&mut tx, tenant, super::client_created_event(id, name, scopes, by, ctx), now).await?;
        tx.commit().await.map_err(db_error)?;
        Ok((id, secret))
    }

    async fn api_clients(&self, tenant: TenantId) -> Result<Vec<super::ApiClientRecord>> {
        let rows = sqlx::query(
            "SELECT id, name, scopes, created_by, created_at, revoked_at FROM api_clients WHERE tenant_id = ?
             ORDER BY created_at, id",
        )
        .bind(tenant.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter()
            .map(|r| {
                Ok(super::ApiClientRecord {
                    id: crate::credentials::client_id(
                        tenant,
                        Uuid::try_parse(r.get::<&str, _>(0))
                            .map_err(|e| Error::Internal(format!("bad stored client id: {e}")))?,
                    ),
                    name: r.get(1),
                    scopes: r.get::<&str, _>(2).split_whitespace().map(str::to_owned).collect(),
                    created_by: UserId::parse(r.get::<&str, _>(3))?,
                    created_at: parse_time(r.get(4))?,
                    revoked_at: r.get::<Option<&str>, _>(5).map(parse_time).transpose()?,
                })
            })
            .collect()
    }

    async fn revoke_api_client(
        &self,
        tenant: TenantId,
        client: Uuid,
        by: &AuditActor,
        ctx: &RequestContext,
    ) -> Result<()> {
        let now = Utc::now();
        let mut tx = self.begin_write().await?;
        let name: Option<String> = sqlx::query_scalar(
            "UPDATE api_clients SET revoked_at = ? WHERE tenant_id = ? AND id = ? AND revoked_at IS NULL RETURNING name",
        )
        .bind(now.to_rfc3339())
        .bind(tenant.to_string())
        .bind(client.to_string())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error)?;
        let name = name.ok_or(Error::NotFound("API client"))?;
        append(&mut tx, tenant, super::client_revoked_event(client, &name, by, ctx), now).await?;
        tx.commit().await.map_err(db_error)
    }

    async fn client_principal(
        &self,
        tenant: TenantId,
        client: Uuid,
        secret_sha256: Option<&str>,
    ) -> Result<Option<Principal>> {
        let row = sqlx::query(
            "SELECT c.scopes, c.name, u.id, u.email, m.role, t.plan, t.rate_limit_per_hour, c.secret_hash FROM api_clients c
             JOIN users u ON u.tenant_id = c.tenant_id AND u.id = c.created_by
             JOIN memberships m ON m.tenant_id = u.tenant_id AND m.user_id = u.id
             JOIN tenants t ON t.id = c.tenant_id
             WHERE c.tenant_id = ? AND c.id = ? AND c.revoked_at IS NULL AND u.status = 'active' AND t.status = 'active'",
        )
        .bind(tenant.to_string())
        .bind(client.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?;
        let Some(r) = row else { return Ok(None) };
        if secret_sha256.is_some_and(|given| given != r.get::<&str, _>(7)) {
            return Ok(None);
        }
        let user = UserId::parse(r.get::<&str, _>(2))?;
        super::client_principal_from(tenant, client, r.get(0), r.get(1), user, r.get(3), r.get(4), r.get(5), r.get(6))
            .map(Some)
    }

    async fn server_secret(&self, name: &str) -> Result<Vec<u8>> {
        sqlx::query("INSERT INTO server_secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
            .bind(name)
            .bind(crate::credentials::random_secret()?)
            .bind(Utc::now().to_rfc3339())
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        let hex: String = sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = ?")
            .bind(name)
            .fetch_one(&self.pool)
            .await
            .map_err(db_error)?;
        hex::decode(hex).map_err(|e| Error::Internal(format!("bad server secret {name}: {e}")))
    }

    async fn login_record(&self, tenant: TenantId, email: &str) -> Result<Option<super::LoginRecord>> {
        let row = sqlx::query(
            "SELECT u.id, u.password_hash, u.status = 'active' AND t.status = 'active' FROM users u
             JOIN tenants t ON t.id = u.tenant_id WHERE u.tenant_id = ? AND u.email = ?",
        )
        .bind(tenant.to_string())
        .bind(email)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?;
        row.map(|r| {
            Ok(super::LoginRecord {
                user_id: UserId::parse(r.get::<&str, _>(0))?,
                password_hash: r.get(1),
                active: r.get::<bool, _>(2),
            })
        })
        .transpose()
    }

    async fn open_session(&self, tenant: TenantId, user: UserId, ctx: &RequestContext) -> Result<super::Session> {
        let now = Utc::now();
        let mut tx = self.begin_write().await?;
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
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "UPDATE sessions SET revoked_at = ? WHERE tenant_id = ? AND refresh_hash = ?
             AND revoked_at IS NULL AND refresh_expires_at > ? RETURNING user_id, family_id, family_expires_at",
        )
        .bind(super::audit_time(now))
        .bind(tenant.to_string())
        .bind(refresh.hash())
        .bind(super::audit_time(now))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error)?;
        let Some(row) = row else {
            revoke_reused_family(&mut tx, tenant, refresh, now, ctx).await?;
            tx.commit().await.map_err(db_error)?;
            return Ok(None);
        };
        let user = UserId::parse(row.get::<&str, _>(0))?;
        let family = super::Family {
            id: Uuid::try_parse(row.get::<&str, _>(1))
                .map_err(|e| Error::Internal(format!("bad stored family: {e}")))?,
            expires_at: parse_time(row.get(2))?,
        };
        // A removed user or a suspended tenant gets no new session (the transaction is dropped,
        // so nothing changes).
        let active: bool = sqlx::query_scalar(
            "SELECT u.status = 'active' AND t.status = 'active' FROM users u JOIN tenants t ON t.id = u.tenant_id
             WHERE u.tenant_id = ? AND u.id = ?",
        )
        .bind(tenant.to_string())
        .bind(user.to_string())
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
        let now = Utc::now();
        let mut tx = self.begin_write().await?;
        let old: Option<i64> = sqlx::query_scalar("SELECT rate_limit_per_hour FROM tenants WHERE id = ?")
            .bind(tenant.to_string())
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_error)?
            .ok_or(Error::NotFound("tenant"))?;
        sqlx::query("UPDATE tenants SET rate_limit_per_hour = ? WHERE id = ?")
            .bind(requests_per_hour)
            .bind(tenant.to_string())
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        append(&mut tx, tenant, super::rate_limit_event(tenant, old, requests_per_hour), now).await?;
        tx.commit().await.map_err(db_error)
    }

    async fn record(&self, tenant: TenantId, event: AuditEvent) -> Result<()> {
        let mut tx = self.begin_write().await?;
        append(&mut tx, tenant, event, Utc::now()).await?;
        tx.commit().await.map_err(db_error)
    }

    async fn audit_chain(&self, tenant: TenantId) -> Result<AuditChain> {
        // One read transaction: the head and the entries up to it, from the same snapshot.
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        let head = sqlx::query("SELECT seq, hash FROM audit_heads WHERE tenant_id = ?")
            .bind(tenant.to_string())
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_error)?
            .map(|r| (r.get::<i64, _>(0), r.get::<String, _>(1)));
        let upto = head.as_ref().map_or(0, |(seq, _)| *seq);
        let entries =
            sqlx::query_as::<_, AuditEntry>("SELECT * FROM audit_log WHERE tenant_id = ? AND seq <= ? ORDER BY seq")
                .bind(tenant.to_string())
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
        let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new("SELECT * FROM audit_log WHERE tenant_id = ");
        qb.push_bind(tenant.to_string());
        page.push(&mut qb);
        super::push_audit_filters(&mut qb, query, "LIKE");
        page.finish(&mut qb);
        qb.build_query_as::<AuditEntry>().fetch_all(&self.pool).await.map_err(db_error)
    }

    async fn users(&self, tenant: TenantId) -> Result<Vec<super::UserRecord>> {
        let rows = sqlx::query(
            "SELECT u.id, u.email, m.role, u.status, u.created_at FROM users u
             JOIN memberships m ON m.tenant_id = u.tenant_id AND m.user_id = u.id
             WHERE u.tenant_id = ? ORDER BY u.created_at, u.id",
        )
        .bind(tenant.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter()
            .map(|r| {
                let created: String = r.get(4);
                Ok(super::UserRecord {
                    id: UserId::parse(r.get::<&str, _>(0))?,
                    email: r.get(1),
                    role: r.get::<&str, _>(2).parse::<Role>()?,
                    status: r.get(3),
                    created_at: DateTime::parse_from_rfc3339(&created)
                        .map(|t| t.with_timezone(&Utc))
                        .map_err(|e| Error::Internal(format!("bad stored time {created:?}: {e}")))?,
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
        let cutoff = super::audit_time(now - chrono::Duration::hours(super::IDEMPOTENCY_TTL_HOURS));
        let mut tx = self.begin_write().await?;
        let stale = super::audit_time(now - chrono::Duration::seconds(super::IDEMPOTENCY_LEASE_SECONDS));
        sqlx::query(
            "DELETE FROM idempotency_keys WHERE tenant_id = ? AND scope = ? AND key = ?
             AND (created_at < ? OR (state = 'in_flight' AND created_at < ?))",
        )
        .bind(tenant.to_string())
        .bind(scope)
        .bind(key)
        .bind(&cutoff)
        .bind(&stale)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        let inserted = sqlx::query(
            "INSERT INTO idempotency_keys (tenant_id, scope, key, fingerprint, state, created_at)
             VALUES (?, ?, ?, ?, 'in_flight', ?) ON CONFLICT DO NOTHING",
        )
        .bind(tenant.to_string())
        .bind(scope)
        .bind(key)
        .bind(fingerprint)
        .bind(super::audit_time(now))
        .execute(&mut *tx)
        .await
        .map_err(db_error)?
        .rows_affected();
        let claim = if inserted == 1 {
            super::IdempotencyClaim::Claimed
        } else {
            let row = sqlx::query(
                "SELECT fingerprint, state, status, content_type, body FROM idempotency_keys
                 WHERE tenant_id = ? AND scope = ? AND key = ?",
            )
            .bind(tenant.to_string())
            .bind(scope)
            .bind(key)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_error)?;
            super::claim_from(row.get(0), row.get(1), row.get(2), row.get(3), row.get(4), fingerprint)
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
        let query = match response {
            Some(r) => sqlx::query(
                "UPDATE idempotency_keys SET state = 'done', status = ?, content_type = ?, body = ?
                 WHERE tenant_id = ? AND scope = ? AND key = ?",
            )
            .bind(i64::from(r.status))
            .bind(r.content_type.clone())
            .bind(r.body.clone()),
            None => sqlx::query("DELETE FROM idempotency_keys WHERE tenant_id = ? AND scope = ? AND key = ?"),
        };
        query.bind(tenant.to_string()).bind(scope).bind(key).execute(&self.pool).await.map_err(db_error).map(|_| ())
    }

    async fn schedule_job(&self, tenant: TenantId, kind: &str, due_at: Option<DateTime<Utc>>) -> Result<()> {
        super::jobs_sqlite::schedule(&self.pool, tenant, kind, due_at).await
    }

    async fn claim_due_jobs(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<super::jobs::Claimed>> {
        super::jobs_sqlite::claim(&self.pool, now, limit).await
    }

    async fn finish_job(
        &self,
        tenant: TenantId,
        kind: &str,
        ran_at: DateTime<Utc>,
        next_due: DateTime<Utc>,
        result: &str,
    ) -> Result<()> {
        super::jobs_sqlite::finish(&self.pool, tenant, kind, ran_at, next_due, result).await
    }

    async fn job(&self, tenant: TenantId, kind: &str) -> Result<Option<super::jobs::JobRecord>> {
        super::jobs_sqlite::job(&self.pool, tenant, kind).await
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(db_error).map(|_| ())
    }
}
