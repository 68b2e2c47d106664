//! Storage: one trait, a SQLite and a PostgreSQL implementation chosen by URL at start-up,
//! each with its own migrations. Every call that touches tenant data takes the tenant; on
//! PostgreSQL row-level security enforces it a second time.

pub mod feed;
mod feed_postgres;
mod feed_sqlite;
pub mod jobs;
mod jobs_postgres;
mod jobs_sqlite;
pub mod leases;
mod leases_postgres;
mod leases_sqlite;
mod postgres;
mod postgres_records;
mod principal_cache;
pub mod records;
mod sqlite;
mod sqlite_records;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use remit_core::{Role, TenantId, UserId};
use serde::Serialize;
use uuid::Uuid;

use crate::audit::{AuditActor, AuditEntry, AuditEvent, RequestContext};
use crate::credentials::{Kind, Token};
use crate::error::{Error, Result};

pub use postgres::PgStore;
pub use sqlite::{SqliteStore, WAL_SAFETY_NET_PAGES};

/// The plans of spec 6.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Plan {
    Starter,
    Professional,
    Enterprise,
}

impl Plan {
    pub fn as_str(self) -> &'static str {
        match self {
            Plan::Starter => "starter",
            Plan::Professional => "professional",
            Plan::Enterprise => "enterprise",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "starter" => Ok(Plan::Starter),
            "professional" => Ok(Plan::Professional),
            "enterprise" => Ok(Plan::Enterprise),
            _ => Err(Error::BadRequest(format!("unknown plan {s:?}: starter, professional or enterprise"))),
        }
    }

    /// Users allowed by the plan (spec 6.1 table: 1-3, 10, unlimited).
    pub fn max_users(self) -> Option<i64> {
        match self {
            Plan::Starter => Some(3),
            Plan::Professional => Some(10),
            Plan::Enterprise => None,
        }
    }

    /// Requests per hour per credential: the spec's base of 1000, tiered by plan.
    pub fn requests_per_hour(self) -> i64 {
        match self {
            Plan::Starter => 1_000,
            Plan::Professional => 5_000,
            Plan::Enterprise => 20_000,
        }
    }

    /// Whether the plan includes the REST API for integrations (spec 6.1: not on starter).
    /// People signed in with a password use the API on every plan.
    pub fn api_access(self) -> bool {
        !matches!(self, Plan::Starter)
    }

    /// Invoices per month allowed by the plan (100, 1000, unlimited).
    pub fn max_invoices(self) -> Option<i64> {
        match self {
            Plan::Starter => Some(100),
            Plan::Professional => Some(1000),
            Plan::Enterprise => None,
        }
    }
}

/// A tenant as provisioned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Tenant {
    #[schema(value_type = String, format = Uuid)]
    pub id: TenantId,
    pub name: String,
    pub subdomain: Option<String>,
    pub plan: Plan,
    pub status: String,
    pub max_users: Option<i64>,
    pub max_invoices: Option<i64>,
    pub trial_ends_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewTenant {
    pub name: String,
    pub subdomain: Option<String>,
    pub plan: Plan,
}

/// A user to add to a tenant.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: remit_core::Email,
    pub role: Role,
    pub password_hash: Option<String>,
}

/// What creating a user hands back once: the ids and the plaintext API key.
#[derive(Debug, Clone)]
pub struct CreatedUser {
    pub user_id: UserId,
    pub email: String,
    pub api_key: Token,
}

/// Who is calling, once a credential checked out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Principal {
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub email: String,
    pub role: Role,
    /// Requests per hour this credential may make: the operator's override or the plan's.
    #[serde(skip)]
    pub requests_per_hour: i64,
    #[serde(skip)]
    pub plan: Plan,
    /// For an OAuth2 client: the permission strings it was granted; it acts on behalf of the
    /// user above with that user's role, narrowed to these.
    #[serde(skip)]
    pub scopes: Option<Vec<String>>,
    /// For an OAuth2 client: its id and name.
    #[serde(skip)]
    pub client: Option<(String, String)>,
}

impl Principal {
    pub fn audit_actor(&self) -> AuditActor {
        match &self.client {
            None => AuditActor {
                actor_type: "user".into(),
                actor_id: Some(self.user_id.to_string()),
                actor_name: Some(self.email.clone()),
            },
            Some((id, name)) => AuditActor {
                actor_type: "api_client".into(),
                actor_id: Some(id.clone()),
                actor_name: Some(format!("{name} (for {})", self.email)),
            },
        }
    }

    /// What this caller may do: the role's grants, or for a client its scopes as far as the
    /// role covers them (a scope never widens the role, and a narrower scope narrows it).
    pub fn policy(&self) -> remit_core::Policy {
        let mut policy = self.role.policy();
        if let Some(scopes) = &self.scopes {
            let role = std::mem::take(&mut policy.grants);
            policy.grants = scopes
                .iter()
                .filter_map(|s| remit_core::Grant::parse(s).ok())
                .filter(|g| role.iter().any(|h| h.covers(g)))
                .collect();
        }
        policy
    }
}

/// Filters for reading the audit log (spec 6.4 "search & filter"); all optional, combined with AND.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// The acting user (or API client) id.
    #[param(pattern = "^[^\\u0000]*$")]
    pub actor_id: Option<String>,
    #[param(pattern = "^[^\\u0000]*$")]
    pub event_type: Option<String>,
    #[param(pattern = "^[^\\u0000]*$")]
    pub resource_type: Option<String>,
    #[param(pattern = "^[^\\u0000]*$")]
    pub resource_id: Option<String>,
    #[param(pattern = "^[^\\u0000]*$")]
    pub action: Option<String>,
    #[param(pattern = "^[^\\u0000]*$")]
    pub status: Option<String>,
    #[param(pattern = "^[^\\u0000]*$")]
    pub ip_address: Option<String>,
    /// Inclusive lower bound on the entry time (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Exclusive upper bound on the entry time (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// Text anywhere in the metadata, case-insensitive.
    #[param(pattern = "^[^\\u0000]*$")]
    pub q: Option<String>,
}

/// A keyset page over a sequence: entries after `cursor` (before it when descending).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeqPage {
    pub cursor: Option<i64>,
    pub descending: bool,
    pub limit: i64,
}

impl SeqPage {
    /// Adds the cursor condition and the order to a query over a `seq` column.
    pub(crate) fn push<DB>(self, qb: &mut sqlx::QueryBuilder<DB>)
    where
        DB: sqlx::Database,
        for<'e> i64: sqlx::Encode<'e, DB> + sqlx::Type<DB>,
    {
        if let Some(c) = self.cursor {
            qb.push(if self.descending { " AND seq < " } else { " AND seq > " }).push_bind(c);
        }
    }

    pub(crate) fn finish<DB>(self, qb: &mut sqlx::QueryBuilder<DB>)
    where
        DB: sqlx::Database,
        for<'e> i64: sqlx::Encode<'e, DB> + sqlx::Type<DB>,
    {
        qb.push(if self.descending { " ORDER BY seq DESC LIMIT " } else { " ORDER BY seq LIMIT " })
            .push_bind(self.limit);
    }
}

/// A user as lists show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct UserRecord {
    #[schema(value_type = String, format = Uuid)]
    pub id: UserId,
    pub email: String,
    #[schema(value_type = crate::openapi::RoleName)]
    pub role: Role,
    pub status: String,
    pub created_at: DateTime<Utc>,
}

/// A response kept for an idempotency key, to be replayed for a retry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// What claiming an idempotency key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyClaim {
    /// New (or expired): this request goes ahead.
    Claimed,
    /// The same request finished before: send its response again.
    Replay(StoredResponse),
    /// The same key is being processed right now.
    InFlight,
    /// The key was used for a different request.
    Mismatch,
}

/// An API key as lists show it: never the key itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ApiKeyRecord {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(value_type = String, format = Uuid)]
    pub user_id: UserId,
    /// Enough to recognise the key: `rk_…_1a2b3c4d`.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// An OAuth2 client as lists show it: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ApiClientRecord {
    /// The client id, `rc_<tenant>_<client>`.
    pub id: String,
    pub name: String,
    #[schema(value_type = Vec<crate::openapi::PermissionName>)]
    pub scopes: Vec<String>,
    #[schema(value_type = String, format = Uuid)]
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A new session's tokens.
#[derive(Debug, Clone)]
pub struct Session {
    pub access: Token,
    pub refresh: Token,
    pub expires_at: DateTime<Utc>,
}

/// Spec 6.3: sessions time out after 8 hours; "remember me" lasts 30 days.
pub const SESSION_HOURS: i64 = 8;
pub const REFRESH_DAYS: i64 = 30;
/// However often it is refreshed, a login's sessions end this long after it.
pub const FAMILY_DAYS: i64 = 90;

/// What a password login needs to check: the user, if any, and their password hash.
#[derive(Debug, Clone)]
pub struct LoginRecord {
    pub user_id: UserId,
    pub password_hash: Option<String>,
    pub active: bool,
}

/// How long a key is remembered.
pub const IDEMPOTENCY_TTL_HOURS: i64 = 24;
/// A key still "in flight" after this long belongs to a request that died (the client went
/// away, the process stopped): the next retry may take it over.
pub const IDEMPOTENCY_LEASE_SECONDS: i64 = 60;

/// The tenant's audit chain as stored, with its head.
#[derive(Debug, Clone)]
pub struct AuditChain {
    pub entries: Vec<AuditEntry>,
    pub head: Option<(i64, String)>,
}

#[async_trait]
pub trait Store: Send + Sync + std::fmt::Debug + 'static {
    /// Creates a tenant with its owner in one transaction (tenant, user, membership, API key,
    /// audit entries); nothing is left behind when any step fails.
    async fn create_tenant(
        &self,
        tenant: NewTenant,
        owner: NewUser,
        ctx: &RequestContext,
    ) -> Result<(Tenant, CreatedUser)>;

    /// Adds a user with a role and a first API key, within the plan's user limit.
    async fn create_user(
        &self,
        tenant: TenantId,
        user: NewUser,
        by: &AuditActor,
        ctx: &RequestContext,
    ) -> Result<CreatedUser>;

    async fn tenant(&self, tenant: TenantId) -> Result<Option<Tenant>>;

    /// An operator's override of the tenant's request limit (`None`: the plan's).
    async fn set_rate_limit(&self, tenant: TenantId, requests_per_hour: Option<i64>) -> Result<()>;

    /// The principal an API key belongs to; `None` when unknown or revoked.
    async fn authenticate(&self, key: &Token) -> Result<Option<Principal>>;

    /// Disables a user and revokes their keys and sessions; the owner cannot be removed.
    async fn remove_user(&self, tenant: TenantId, user: UserId, by: &AuditActor, ctx: &RequestContext) -> Result<()>;

    /// Makes `to` the owner and the current owner `from` an administrator, in one step.
    async fn transfer_ownership(
        &self,
        tenant: TenantId,
        from: UserId,
        to: UserId,
        by: &AuditActor,
        ctx: &RequestContext,
    ) -> Result<()>;

    /// The API keys of one user (revoked ones too, newest first).
    async fn api_keys(&self, tenant: TenantId, user: UserId) -> Result<Vec<ApiKeyRecord>>;

    /// A new API key for a user; the plaintext is returned once.
    async fn create_api_key(
        &self,
        tenant: TenantId,
        user: UserId,
        by: &AuditActor,
        ctx: &RequestContext,
    ) -> Result<(String, Token)>;

    /// Revokes a live key of `owner` (any user's when `owner` is `None`); `NotFound` otherwise.
    async fn revoke_api_key(
        &self,
        tenant: TenantId,
        key_id: uuid::Uuid,
        owner: Option<UserId>,
        by: &AuditActor,
        ctx: &RequestContext,
    ) -> Result<()>;

    /// Registers an OAuth2 client acting for `creator` with these scopes; returns its id and
    /// its secret (shown once).
    async fn create_api_client(
        &self,
        tenant: TenantId,
        creator: UserId,
        name: &str,
        scopes: &[String],
        by: &AuditActor,
        ctx: &RequestContext,
    ) -> Result<(uuid::Uuid, String)>;

    /// The tenant's OAuth2 clients, live and revoked.
    async fn api_clients(&self, tenant: TenantId) -> Result<Vec<ApiClientRecord>>;

    /// Revokes a live client: its secret and every token issued to it stop working at once.
    /// `NotFound` when there is no such live client.
    async fn revoke_api_client(
        &self,
        tenant: TenantId,
        client: uuid::Uuid,
        by: &AuditActor,
        ctx: &RequestContext,
    ) -> Result<()>;

    /// The principal of a live client whose creator is active, checking its secret when given
    /// (at the token endpoint) and trusting a verified token otherwise.
    async fn client_principal(
        &self,
        tenant: TenantId,
        client: uuid::Uuid,
        secret_sha256: Option<&str>,
    ) -> Result<Option<Principal>>;

    /// One of the tenant's settings (`settings.<key>`: `company`, `number_leases`), as JSON,
    /// when one was saved.
    async fn setting(&self, tenant: TenantId, key: Setting) -> Result<Option<String>>;

    /// Saves one of the tenant's settings, with its audit entry.
    async fn set_setting(&self, tenant: TenantId, key: Setting, json: &str, event: AuditEvent) -> Result<()>;

    /// The tenant's company profile (`settings.company`), as JSON, when one was saved.
    async fn company(&self, tenant: TenantId) -> Result<Option<String>> {
        self.setting(tenant, Setting::Company).await
    }

    /// Saves the company profile, with its audit entry.
    async fn set_company(&self, tenant: TenantId, company: &str, event: AuditEvent) -> Result<()> {
        self.set_setting(tenant, Setting::Company, company, event).await
    }

    /// Schedules the tenant's job `kind` at `due_at` (keeping how its last run went), or with
    /// `None` takes it off the schedule.
    async fn schedule_job(&self, tenant: TenantId, kind: &str, due_at: Option<DateTime<Utc>>) -> Result<()>;

    /// Claims up to `limit` jobs due at `now` (of any tenant) for this node, for
    /// `jobs::CLAIM_SECONDS`.
    async fn claim_due_jobs(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<jobs::Claimed>>;

    /// Records a claimed job's run and when it is due next; the claim ends.
    async fn finish_job(
        &self,
        tenant: TenantId,
        kind: &str,
        ran_at: DateTime<Utc>,
        next_due: DateTime<Utc>,
        result: &str,
    ) -> Result<()>;

    /// The tenant's job `kind`, when scheduled.
    async fn job(&self, tenant: TenantId, kind: &str) -> Result<Option<jobs::JobRecord>>;

    /// Number leases with the numbers they used and their gaps (`crate::sync::leases`).
    async fn number_leases(&self, tenant: TenantId, select: leases::LeaseSelect) -> Result<Vec<leases::LeaseRecord>>;

    /// The tenant's explained gaps in its invoice numbers, newest first.
    async fn number_gaps(&self, tenant: TenantId, limit: i64) -> Result<Vec<leases::GapRecord>>;

    /// Runs one change of the document write path in one transaction (see [`records`]),
    /// taking the next invoice number first when asked. Returns that number.
    async fn commit(
        &self,
        tenant: TenantId,
        number: Option<records::NumberRequest>,
        build: records::Build,
    ) -> Result<Option<remit_core::InvoiceNumber>>;

    /// Documents changed after `after` (feed sequence, id), in feed order.
    async fn feed(&self, tenant: TenantId, after: (i64, Uuid), limit: i64) -> Result<Vec<feed::FeedRow>>;

    /// The tenant's latest feed sequence (0 before any document).
    async fn feed_head(&self, tenant: TenantId) -> Result<i64>;

    /// The facts of several invoices, each invoice's in order: `(invoice id, fact JSON)`.
    async fn facts_of(&self, tenant: TenantId, invoices: &[Uuid]) -> Result<Vec<(Uuid, String)>>;

    /// Registers a device to a user (again: refreshes its name and last-seen time). A device id
    /// that belongs to another user, or was revoked, comes back as stored, unchanged.
    async fn register_device(
        &self,
        tenant: TenantId,
        device: Uuid,
        user: UserId,
        name: &str,
    ) -> Result<feed::DeviceRecord>;

    async fn device(&self, tenant: TenantId, device: Uuid) -> Result<Option<feed::DeviceRecord>>;

    /// Wakes whoever waits for a tenant's feed to move (a hint: it may repeat or come late;
    /// readers always re-read the feed), and counts the moves.
    fn feed_signal(&self) -> feed::FeedSignal;

    /// A document of the tenant with its version; `kind` must match.
    async fn document(
        &self,
        tenant: TenantId,
        kind: &'static str,
        id: uuid::Uuid,
    ) -> Result<Option<records::StoredDoc>>;

    /// An invoice's facts (JSON), in the order they happened.
    async fn facts(&self, tenant: TenantId, invoice: uuid::Uuid) -> Result<Vec<String>>;

    /// The stored API view (JSON) of a live row of a projection table.
    async fn view(&self, tenant: TenantId, table: records::Table, id: uuid::Uuid) -> Result<Option<String>>;

    /// A page of live rows of a projection table.
    async fn views(&self, tenant: TenantId, query: &records::ViewQuery) -> Result<Vec<records::ViewRow>>;

    /// A server-wide random key (32 bytes) kept under `name`, made on first use: `jwt-hs256`
    /// signs access tokens, `seal-aes256` seals tenants' secrets (`crate::secrets`).
    async fn server_secret(&self, name: &str) -> Result<Vec<u8>>;

    /// The user with this email in the tenant, for a password check.
    async fn login_record(&self, tenant: TenantId, email: &str) -> Result<Option<LoginRecord>>;

    /// Opens a session for a user whose password checked out, and audits the login.
    async fn open_session(&self, tenant: TenantId, user: UserId, ctx: &RequestContext) -> Result<Session>;

    /// Swaps a live refresh token for a new session (the old one is revoked); `None` when the
    /// token is unknown, revoked or expired.
    async fn refresh_session(&self, refresh: &Token, ctx: &RequestContext) -> Result<Option<Session>>;

    /// Records an event that changes nothing else (a denial, a failed login).
    async fn record(&self, tenant: TenantId, event: AuditEvent) -> Result<()>;

    async fn audit_chain(&self, tenant: TenantId) -> Result<AuditChain>;

    /// Entries matching `query` in sequence order, starting past `page.cursor`, at most `page.limit`.
    async fn audit_entries(&self, tenant: TenantId, query: &AuditQuery, page: SeqPage) -> Result<Vec<AuditEntry>>;

    async fn users(&self, tenant: TenantId) -> Result<Vec<UserRecord>>;

    /// Claims an idempotency key for a request with this fingerprint (see `IdempotencyClaim`).
    async fn idempotency_claim(
        &self,
        tenant: TenantId,
        scope: &str,
        key: &str,
        fingerprint: &str,
    ) -> Result<IdempotencyClaim>;

    /// Stores the response of a claimed key, or releases the key (`None`) so a retry runs again.
    async fn idempotency_finish(
        &self,
        tenant: TenantId,
        scope: &str,
        key: &str,
        response: Option<&StoredResponse>,
    ) -> Result<()>;

    /// The database answers (readiness).
    async fn ping(&self) -> Result<()>;
}

/// Opens the store a URL names and brings its schema up to date: `postgres://` or
/// `postgresql://` for PostgreSQL, `sqlite:` for SQLite.
pub async fn open(url: &str) -> Result<Arc<dyn Store>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgStore::open(url).await?))
    } else if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::open(url).await?))
    } else {
        Err(Error::Config(format!("unsupported database URL (want postgres:// or sqlite:): {}", redact(url))))
    }
}

/// A URL without its password (in the user part or as a `password=` parameter), for
/// messages and logs.
pub fn redact(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let base = match (base.find("://"), base.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let user = base[scheme + 3..at].split(':').next().unwrap_or("");
            format!("{}{}:***@{}", &base[..scheme + 3], user, &base[at + 1..])
        }
        _ => base.to_owned(),
    };
    let Some(query) = query else { return base };
    let params: Vec<&str> = query
        .split('&')
        .map(|p| if p.to_ascii_lowercase().starts_with("password=") { "password=***" } else { p })
        .collect();
    format!("{base}?{}", params.join("&"))
}

/// `LIKE` pattern for text anywhere, with the pattern characters of the text escaped.
pub(crate) fn contains_pattern(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

/// Adds the filters of `q` to a query that already has a `WHERE`.
pub(crate) fn push_audit_filters<DB: sqlx::Database>(
    qb: &mut sqlx::QueryBuilder<DB>,
    q: &AuditQuery,
    ilike: &'static str,
) where
    for<'e> String: sqlx::Encode<'e, DB> + sqlx::Type<DB>,
{
    let columns: [(&'static str, &Option<String>); 7] = [
        (" AND actor_id = ", &q.actor_id),
        (" AND event_type = ", &q.event_type),
        (" AND resource_type = ", &q.resource_type),
        (" AND resource_id = ", &q.resource_id),
        (" AND action = ", &q.action),
        (" AND status = ", &q.status),
        (" AND ip_address = ", &q.ip_address),
    ];
    for (clause, value) in columns {
        if let Some(v) = value {
            qb.push(clause).push_bind(v.clone());
        }
    }
    if let Some(from) = q.from {
        qb.push(" AND created_at >= ").push_bind(audit_time(from));
    }
    if let Some(to) = q.to {
        qb.push(" AND created_at < ").push_bind(audit_time(to));
    }
    if let Some(text) = &q.q {
        qb.push(" AND metadata ").push(ilike).push(" ").push_bind(contains_pattern(text)).push(" ESCAPE '\\'");
    }
}

/// Audit timestamps are stored and hashed as this exact text.
/// A time stored as text by the SQLite store.
/// The keys of a tenant's `settings` object that the store reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    Company,
    NumberLeases,
    /// What confirmed reconciliation matches taught the matcher (`remit_core::reconcile::learn`).
    ReconciliationLearned,
    /// The tenant's bank feed (Plaid access token, cursor); never shown by the API.
    BankFeed,
    /// When the daily reconciliation runs (`invoicing::schedule`).
    ReconciliationSchedule,
}

impl Setting {
    pub fn key(self) -> &'static str {
        match self {
            Setting::Company => "company",
            Setting::NumberLeases => "number_leases",
            Setting::ReconciliationLearned => "reconciliation_learned",
            Setting::BankFeed => "bank_feed",
            Setting::ReconciliationSchedule => "reconciliation_schedule",
        }
    }
}

pub(crate) fn parse_stored_time(s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| crate::error::Error::Internal(format!("bad stored time {s:?}: {e}")))
}

pub(crate) fn audit_time(now: DateTime<Utc>) -> String {
    now.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The 14-day trial of spec 6.1.
pub(crate) fn trial_end(now: DateTime<Utc>) -> DateTime<Utc> {
    now + chrono::Duration::days(14)
}

pub(crate) fn validate_new_tenant(t: &NewTenant) -> Result<()> {
    // The length as sent (what the API schema promises), and something visible once trimmed.
    if t.name.trim().is_empty() || t.name.chars().count() > 255 {
        return Err(Error::BadRequest("name must be 1 to 255 characters".into()));
    }
    if let Some(sub) = &t.subdomain {
        let ok = (1..=63).contains(&sub.len())
            && sub.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !sub.starts_with('-')
            && !sub.ends_with('-');
        if !ok {
            return Err(Error::BadRequest(format!(
                "subdomain {sub:?} must be 1 to 63 lower-case letters, digits or inner hyphens"
            )));
        }
    }
    Ok(())
}

/// Reads a stored key row into what the claim found.
pub(crate) fn claim_from(
    stored_fingerprint: String,
    state: String,
    status: Option<i64>,
    content_type: Option<String>,
    body: Option<Vec<u8>>,
    fingerprint: &str,
) -> IdempotencyClaim {
    if stored_fingerprint != fingerprint {
        IdempotencyClaim::Mismatch
    } else if state != "done" {
        IdempotencyClaim::InFlight
    } else {
        IdempotencyClaim::Replay(StoredResponse {
            status: status.and_then(|s| u16::try_from(s).ok()).unwrap_or(500),
            content_type,
            body: body.unwrap_or_default(),
        })
    }
}

/// The plan and the request limit of an authenticated tenant.
pub(crate) fn plan_and_limit(plan: &str, overridden: Option<i64>) -> Result<(Plan, i64)> {
    let plan = Plan::parse(plan)?;
    Ok((plan, overridden.unwrap_or(plan.requests_per_hour())))
}

/// The login a session descends from: refreshing keeps the family and its end.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Family {
    pub id: uuid::Uuid,
    pub expires_at: DateTime<Utc>,
}

/// A session about to be stored: its row id, tokens, refresh deadline and family.
pub(crate) struct NewSession {
    pub id: uuid::Uuid,
    pub session: Session,
    pub refresh_until: DateTime<Utc>,
    pub family: Family,
}

/// A new session: in a new family after a login, in its family's after a refresh. The refresh
/// token never outlives the family.
pub(crate) fn new_session(tenant: TenantId, now: DateTime<Utc>, family: Option<Family>) -> Result<NewSession> {
    let id = uuid::Uuid::now_v7();
    let family = family.unwrap_or(Family { id, expires_at: now + chrono::Duration::days(FAMILY_DAYS) });
    let session = Session {
        access: Token::generate_kind(Kind::Session, tenant)?,
        refresh: Token::generate_kind(Kind::Refresh, tenant)?,
        expires_at: (now + chrono::Duration::hours(SESSION_HOURS)).min(family.expires_at),
    };
    let refresh_until = (now + chrono::Duration::days(REFRESH_DAYS)).min(family.expires_at);
    Ok(NewSession { id, session, refresh_until, family })
}

/// A refresh token used again after it was rotated: the family was revoked.
pub(crate) fn refresh_reused_event(user: UserId, family: uuid::Uuid, revoked: u64, ctx: &RequestContext) -> AuditEvent {
    let mut event = session_event("session.refresh_reused", user, ctx)
        .metadata(serde_json::json!({ "family_id": family, "sessions_revoked": revoked }));
    event.status = "failure".into();
    event
}

pub(crate) fn session_event(kind: &str, user: UserId, ctx: &RequestContext) -> AuditEvent {
    let actor = AuditActor { actor_type: "user".into(), actor_id: Some(user.to_string()), actor_name: None };
    AuditEvent::new(kind, actor, "login").resource("user", user).context(ctx.clone())
}

pub(crate) fn rate_limit_event(tenant: TenantId, old: Option<i64>, new: Option<i64>) -> AuditEvent {
    let mut event = AuditEvent::new("tenant.rate_limit_changed", AuditActor::system("operator"), "update")
        .resource("tenant", tenant);
    event.changes = serde_json::json!({ "rate_limit_per_hour": { "old": old, "new": new } });
    event
}

pub(crate) fn api_key_event(
    kind: &str,
    action: &str,
    key_id: &str,
    prefix: &str,
    by: &AuditActor,
    ctx: &RequestContext,
) -> AuditEvent {
    AuditEvent::new(kind, by.clone(), action)
        .resource("api_key", key_id)
        .metadata(serde_json::json!({ "prefix": prefix }))
        .context(ctx.clone())
}

pub(crate) fn client_created_event(
    id: uuid::Uuid,
    name: &str,
    scopes: &[String],
    by: &AuditActor,
    ctx: &RequestContext,
) -> AuditEvent {
    AuditEvent::new("api_client.created", by.clone(), "create")
        .resource("api_client", id)
        .metadata(serde_json::json!({ "name": name, "scopes": scopes }))
        .context(ctx.clone())
}

pub(crate) fn client_revoked_event(id: uuid::Uuid, name: &str, by: &AuditActor, ctx: &RequestContext) -> AuditEvent {
    AuditEvent::new("api_client.revoked", by.clone(), "revoke")
        .resource("api_client", id)
        .metadata(serde_json::json!({ "name": name }))
        .context(ctx.clone())
}

/// A client's principal from its row: (scopes, name, user id, email, role, plan, rate limit).
#[allow(clippy::too_many_arguments, reason = "one row's columns, passed straight through from both stores")]
pub(crate) fn client_principal_from(
    tenant: TenantId,
    client: uuid::Uuid,
    scopes: &str,
    name: String,
    user_id: UserId,
    email: String,
    role: &str,
    plan: &str,
    rate_limit: Option<i64>,
) -> Result<Principal> {
    let (plan, requests_per_hour) = plan_and_limit(plan, rate_limit)?;
    let client_id = crate::credentials::client_id(tenant, client);
    Ok(Principal {
        tenant_id: tenant,
        user_id,
        email,
        role: role.parse()?,
        requests_per_hour,
        plan,
        scopes: Some(scopes.split_whitespace().map(str::to_owned).collect()),
        client: Some((client_id, name)),
    })
}

pub(crate) fn user_removed_event(user: UserId, by: &AuditActor, ctx: &RequestContext) -> AuditEvent {
    let mut event = AuditEvent::new("user.removed", by.clone(), "delete").resource("user", user).context(ctx.clone());
    event.changes = serde_json::json!({ "status": { "old": "active", "new": "disabled" } });
    event
}

pub(crate) fn ownership_event(from: UserId, to: UserId, by: &AuditActor, ctx: &RequestContext) -> AuditEvent {
    let mut event =
        AuditEvent::new("ownership.transferred", by.clone(), "update").resource("user", to).context(ctx.clone());
    event.changes = serde_json::json!({
        "owner": { "old": from.to_string(), "new": to.to_string() },
        "previous_owner_role": { "old": "owner", "new": "admin" },
    });
    event
}

/// Why a user cannot be removed or receive ownership, from what the store found.
pub(crate) fn check_removable(role: Option<String>) -> Result<()> {
    match role.as_deref() {
        None => Err(Error::NotFound("user")),
        Some("owner") => Err(Error::Conflict("the owner cannot be removed: transfer ownership first".into())),
        Some(_) => Ok(()),
    }
}

pub(crate) fn check_user_limit(max_users: Option<i64>, current: i64) -> Result<()> {
    match max_users {
        Some(max) if current >= max => {
            Err(Error::PlanLimit(format!("the plan allows {max} users; upgrade to add more")))
        }
        _ => Ok(()),
    }
}

/// The audit entries of provisioning a tenant with its owner.
pub(crate) fn provisioning_events(
    tenant: &Tenant,
    owner: &CreatedUser,
    role: Role,
    ctx: &RequestContext,
) -> Vec<AuditEvent> {
    let by = AuditActor::system("provisioning");
    vec![
        AuditEvent::new("tenant.created", by.clone(), "create")
            .resource("tenant", tenant.id)
            .metadata(serde_json::json!({
                "name": tenant.name, "subdomain": tenant.subdomain, "plan": tenant.plan.as_str(),
                "trial_ends_at": tenant.trial_ends_at,
            }))
            .context(ctx.clone()),
        user_created_event(owner, role, &by, ctx),
    ]
}

pub(crate) fn user_created_event(user: &CreatedUser, role: Role, by: &AuditActor, ctx: &RequestContext) -> AuditEvent {
    AuditEvent::new("user.created", by.clone(), "create")
        .resource("user", user.user_id)
        .metadata(serde_json::json!({ "email": user.email, "role": role.as_str(), "api_key": user.api_key.prefix() }))
        .context(ctx.clone())
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn urls_lose_their_passwords() {
        assert_eq!(redact("postgres://owner:s3cret@db:5432/remit"), "postgres://owner:***@db:5432/remit");
        assert_eq!(
            redact("postgres:///remit?host=/run/postgresql&user=owner&password=s3cret"),
            "postgres:///remit?host=/run/postgresql&user=owner&password=***"
        );
        assert_eq!(redact("sqlite:./remit-data/remit.db"), "sqlite:./remit-data/remit.db");
    }
}
