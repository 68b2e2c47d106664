//! Number leases (docs/sync-protocol.md, "Number leases"): when the tenant allows it, a device
//! holds a block of invoice numbers taken from the series, and issues invoices offline from it.
//!
//! - A block is taken from the tenant's counter in the transaction that records the lease, so
//!   no other device and no online issue can ever get those numbers.
//! - A device's push carries each offline issue with its lease; the server accepts a number
//!   once, from the device that holds the lease, issued before the lease expired, for a draft
//!   nobody changed meanwhile. A refused offline issue burns its number: it is recorded as an
//!   explained gap at once, and the device's invoice goes back to being a draft.
//! - A lease is renewed on each sync (its expiry moves on). It closes when the device returns
//!   it (spent, a new period, leasing turned off) or `GRACE` after it expired; its numbers never
//!   used are then recorded as explained gaps. Every change to a lease moves its version, so a
//!   use and the closing of the lease can never both commit.

use axum::http::StatusCode;
use chrono::{DateTime, Duration, NaiveDate, Utc};

use remit_core::NumberPattern;
use remit_core::numbering::{BlockUsage, NumberBlock};
use remit_core::rbac::{Action, Target};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::AppState;
use crate::audit::{AuditEvent, RequestContext};
use crate::auth::authorize;
use crate::error::Error;
use crate::invoicing::{invoices, with_retry};
use crate::problem::Problem;
use crate::store::leases::{LeaseRecord, LeaseSelect};
use crate::store::records::{Commit, NumberRequest, Sql, Table, Write};
use crate::store::{Principal, Setting};

/// How long an expired lease still accepts the numbers its device issued before the expiry
/// (a device that was offline past it comes back and pushes), before it closes.
pub const GRACE_DAYS: i64 = 7;

/// `settings.number_leases`: whether devices may issue offline, and with how many numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeasePolicy {
    /// Devices may lease blocks of numbers and issue invoices offline.
    pub enabled: bool,
    /// Numbers in a block (1–1000).
    #[schema(minimum = 1, maximum = 1000)]
    pub block_size: u64,
    /// Days a lease lasts without the device syncing (1–90); every sync renews it.
    #[schema(minimum = 1, maximum = 90)]
    pub lifetime_days: i64,
}

impl Default for LeasePolicy {
    fn default() -> Self {
        Self { enabled: false, block_size: 20, lifetime_days: 14 }
    }
}

impl LeasePolicy {
    pub fn check(&self) -> Result<(), Problem> {
        if !(1..=1000).contains(&self.block_size) {
            return Err(unprocessable("validation_failed", "block_size: 1 to 1000 numbers"));
        }
        if !(1..=90).contains(&self.lifetime_days) {
            return Err(unprocessable("validation_failed", "lifetime_days: 1 to 90 days"));
        }
        Ok(())
    }
}

/// What a device holds when it asks for a lease.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeldLease {
    #[schema(format = Uuid)]
    pub lease_id: String,
    /// The next sequence number the device would issue.
    #[schema(minimum = 1)]
    pub next: u64,
}

/// `POST /v1/sync/leases`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeaseRequest {
    /// The device's date, which chooses the period of the series (default: the server's).
    #[schema(format = Date)]
    pub date: Option<String>,
    /// The lease the device holds, if any: renewed if it still serves, else returned.
    pub held: Option<HeldLease>,
}

/// A lease as the device keeps it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LeaseView {
    #[schema(format = Uuid)]
    pub id: String,
    pub series: String,
    /// The number pattern (`INV-{YYYY}-{SEQ:4}`) the device formats numbers with.
    pub pattern: String,
    /// The period of the series the block belongs to: invoices dated in another period are
    /// issued with another block.
    pub period: String,
    pub first: u64,
    pub last: u64,
    /// The next number the device may issue.
    pub next: u64,
    #[schema(format = DateTime)]
    pub expires_at: String,
}

/// One offline issue in a push.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PushIssue {
    /// The lease the number is of; absent for a number of the device's standalone series
    /// (issued before the device ever connected; see "Standalone numbering").
    #[schema(format = Uuid)]
    #[serde(default)]
    pub lease_id: Option<String>,
    /// The `issued` fact the device made (its id, invoice, time and number).
    #[schema(value_type = Object)]
    pub fact: Value,
    /// The Automerge heads of the invoice the device issued: the server accepts the issue only
    /// if its document is exactly that one.
    #[schema(max_items = 64)]
    pub heads: Vec<String>,
}

/// `GET /v1/number-leases`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LeasesReport {
    pub leases: Vec<LeaseSummary>,
    pub gaps: Vec<GapView>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LeaseSummary {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub device_id: String,
    #[schema(format = Uuid)]
    pub user_id: String,
    pub first_number: String,
    pub last_number: String,
    pub used: u64,
    #[schema(format = DateTime)]
    pub leased_at: String,
    #[schema(format = DateTime)]
    pub expires_at: String,
    #[schema(format = DateTime)]
    pub closed_at: Option<String>,
    pub close_reason: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GapView {
    #[schema(format = Uuid)]
    pub lease_id: String,
    pub first_number: String,
    pub last_number: String,
    pub count: u64,
    pub reason: String,
    #[schema(format = DateTime)]
    pub recorded_at: String,
}

pub(super) fn unprocessable(code: &'static str, detail: impl Into<String>) -> Problem {
    Problem::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail.into())
}

fn internal(e: impl std::fmt::Display) -> Problem {
    Problem::from(Error::Internal(e.to_string()))
}

pub(super) fn int(v: u64) -> Result<Sql, Problem> {
    i64::try_from(v).map(Sql::Int).map_err(internal)
}

pub async fn policy(state: &AppState, tenant: remit_core::TenantId) -> Result<LeasePolicy, Problem> {
    match state.store.setting(tenant, Setting::NumberLeases).await? {
        Some(json) => serde_json::from_str(&json).map_err(|e| internal(format!("stored number lease policy: {e}"))),
        None => Ok(LeasePolicy::default()),
    }
}

pub async fn set_policy(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    policy: LeasePolicy,
) -> Result<LeasePolicy, Problem> {
    authorize(state, principal, Action::ManageSettings, None, ctx).await?;
    policy.check()?;
    let json = serde_json::to_string(&policy).map_err(internal)?;
    let event = AuditEvent::new("settings.number_leases.updated", principal.audit_actor(), "update")
        .metadata(serde_json::to_value(&policy).map_err(internal)?)
        .context(ctx.clone());
    state.store.set_setting(principal.tenant_id, Setting::NumberLeases, &json, event).await?;
    Ok(policy)
}

pub(super) fn pattern_of(lease: &LeaseRecord) -> Result<NumberPattern, Problem> {
    Ok(NumberPattern::parse(&lease.pattern)?)
}

/// A number of the lease's block as printed.
fn printed(lease: &LeaseRecord, seq: u64) -> Result<String, Problem> {
    Ok(pattern_of(lease)?.format_in_period(&lease.period, seq)?.as_str().to_owned())
}

/// The lease's numbers never used and not yet recorded as gaps.
fn unaccounted(lease: &LeaseRecord) -> Result<Vec<(u64, u64)>, Problem> {
    let block = NumberBlock::new(lease.period.clone(), lease.first, lease.last)?;
    let mut usage = BlockUsage::new(block);
    for &seq in &lease.used {
        usage.record(seq)?;
    }
    for &(a, b) in &lease.gaps {
        for seq in a..=b {
            if !usage.used.contains(&seq) {
                usage.record(seq)?;
            }
        }
    }
    Ok(usage.gaps().into_iter().map(|r| (*r.start(), *r.end())).collect())
}

fn lease_columns(l: &LeaseRecord) -> Result<Vec<(&'static str, Sql)>, Problem> {
    Ok(vec![
        ("device_id", Sql::Uuid(l.device_id)),
        ("user_id", Sql::Uuid(*l.user_id.as_uuid())),
        ("series", Sql::Text(l.series.clone())),
        ("pattern", Sql::Text(l.pattern.clone())),
        ("period", Sql::Text(l.period.clone())),
        ("first_seq", int(l.first)?),
        ("last_seq", int(l.last)?),
        ("leased_at", Sql::Time(l.leased_at)),
        ("expires_at", Sql::Time(l.expires_at)),
        ("closed_at", Sql::OptTime(l.closed_at)),
        ("close_reason", Sql::OptText(l.close_reason.clone())),
    ])
}

/// The writes that change a stored lease: its version moves from the one read, so a use or a
/// close that read it before fails and is retried on what this commits.
pub(super) fn update(l: &LeaseRecord) -> Result<Vec<Write>, Problem> {
    Ok(vec![
        Write::Guard { table: Table::NumberLeases, id: l.id, expected: l.version },
        Write::Upsert { table: Table::NumberLeases, id: l.id, columns: lease_columns(l)? },
    ])
}

pub(super) fn gap(
    l: &LeaseRecord,
    id: Uuid,
    (a, b): (u64, u64),
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Write, Problem> {
    Ok(Write::InsertOnce {
        table: Table::NumberGaps,
        columns: vec![
            ("id", Sql::Uuid(id)),
            ("lease_id", Sql::Uuid(l.id)),
            ("series", Sql::Text(l.series.clone())),
            ("period", Sql::Text(l.period.clone())),
            ("first_seq", int(a)?),
            ("last_seq", int(b)?),
            ("first_number", Sql::Text(printed(l, a)?)),
            ("last_number", Sql::Text(printed(l, b)?)),
            ("reason", Sql::Text(reason.to_owned())),
            ("recorded_at", Sql::Time(now)),
        ],
    })
}

/// Closes a lease: what it never used becomes explained gaps.
fn close(l: &LeaseRecord, reason: &str, now: DateTime<Utc>) -> Result<(Vec<Write>, AuditEvent), Problem> {
    let mut closed = l.clone();
    closed.closed_at = Some(now);
    closed.close_reason = Some(reason.to_owned());
    let mut writes = update(&closed)?;
    let gaps = unaccounted(l)?;
    for range in &gaps {
        writes.push(gap(l, Uuid::now_v7(), *range, reason, now)?);
    }
    let unused: u64 = gaps.iter().map(|(a, b)| b - a + 1).sum();
    let event = AuditEvent::new("number_lease.closed", crate::audit::AuditActor::system("remit"), "close")
        .resource("number_lease", l.id)
        .metadata(serde_json::json!({ "reason": reason, "device_id": l.device_id, "unused": unused }));
    Ok((writes, event))
}

/// Closes the tenant's leases that expired more than `GRACE_DAYS` ago.
pub async fn sweep(state: &AppState, tenant: remit_core::TenantId) -> Result<(), Problem> {
    let now = Utc::now();
    let expired =
        state.store.number_leases(tenant, LeaseSelect::ExpiredBefore(now - Duration::days(GRACE_DAYS))).await?;
    for lease in expired {
        let (writes, event) = close(&lease, "expired: the device did not sync before the lease ran out", now)?;
        let done = state.store.commit(tenant, None, Box::new(move |_| Ok(Commit { writes, audit: vec![event] }))).await;
        // Used or closed meanwhile: the next sweep sees it as it is now.
        match done {
            Err(Error::Stale) | Ok(_) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// The next number the device may issue from a lease: after everything used or given up,
/// and after what the device says it has reached.
fn next_of(l: &LeaseRecord, held: Option<u64>) -> u64 {
    let seen = l.used.iter().copied().chain(l.gaps.iter().map(|g| g.1)).max().map_or(l.first, |m| m + 1);
    seen.max(held.unwrap_or(0)).max(l.first)
}

fn view(l: &LeaseRecord, next: u64) -> LeaseView {
    LeaseView {
        id: l.id.to_string(),
        series: l.series.clone(),
        pattern: l.pattern.clone(),
        period: l.period.clone(),
        first: l.first,
        last: l.last,
        next,
        expires_at: crate::store::audit_time(l.expires_at),
    }
}

fn device_date(raw: Option<&str>) -> Result<NaiveDate, Problem> {
    let today = Utc::now().date_naive();
    let Some(raw) = raw else { return Ok(today) };
    let date = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map_err(|_| unprocessable("validation_failed", "date: YYYY-MM-DD"))?;
    // A device whose clock is days off would lease numbers of another period.
    if (date - today).num_days().abs() > 1 {
        return Err(unprocessable(
            "device_clock_wrong",
            format!("date: {date} is more than a day from the server's {today}: set the device's clock"),
        ));
    }
    Ok(date)
}

/// `POST /v1/sync/leases`: renews the device's lease if it still serves, else returns it (its
/// unused numbers become gaps) and leases a new block.
pub async fn lease(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    device: Uuid,
    request: LeaseRequest,
) -> Result<LeaseView, Problem> {
    // A role that cannot issue its own drafts cannot hold numbers. Every sync of such a device
    // asks, so this routine refusal is not written to the audit log as a denial.
    let own = Target { owner: principal.user_id, draft: true, total: None, approved: false };
    if !principal.policy().allows(principal.user_id, Action::SendInvoice, Some(&own)) {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "your role cannot issue invoices, so this device holds no numbers".to_owned(),
        ));
    }
    let date = device_date(request.date.as_deref())?;
    let held = match &request.held {
        Some(h) => Some((
            Uuid::try_parse(&h.lease_id)
                .map_err(|_| unprocessable("validation_failed", "held.lease_id: not a UUID"))?,
            h.next,
        )),
        None => None,
    };
    sweep(state, principal.tenant_id).await?;
    with_retry(|| lease_once(state, principal, ctx, device, date, held)).await
}

async fn lease_once(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    device: Uuid,
    date: NaiveDate,
    held: Option<(Uuid, u64)>,
) -> Result<LeaseView, Problem> {
    let tenant = principal.tenant_id;
    let policy = policy(state, tenant).await?;
    let pattern = NumberPattern::parse(invoices::DEFAULT_PATTERN)?;
    let period = pattern.period(date);
    let now = Utc::now();
    let open = state.store.number_leases(tenant, LeaseSelect::OpenOf(device)).await?;
    let next_held = |l: &LeaseRecord| held.filter(|h| h.0 == l.id).map(|h| h.1);
    let keep = open
        .iter()
        .find(|l| policy.enabled && l.period == period && l.expires_at > now && next_of(l, next_held(l)) <= l.last)
        .cloned();
    let mut writes = Vec::new();
    let mut audit = Vec::new();
    for l in open.iter().filter(|l| keep.as_ref().is_none_or(|k| k.id != l.id)) {
        let reason = if !policy.enabled {
            "returned: the tenant turned off offline issuing"
        } else if l.period != period {
            "returned: a new period of the series began"
        } else if l.expires_at <= now {
            "returned: the lease had expired"
        } else {
            "returned: every number of the block was used"
        };
        let (w, event) = close(l, reason, now)?;
        writes.extend(w);
        audit.push(event);
    }
    if !policy.enabled {
        if !writes.is_empty() {
            state.store.commit(tenant, None, Box::new(move |_| Ok(Commit { writes, audit }))).await?;
        }
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "number_leases_disabled",
            "this tenant does not let devices issue offline: issuing waits for the server".to_owned(),
        ));
    }
    let expires_at = now + Duration::days(policy.lifetime_days);
    if let Some(mut l) = keep {
        let next = next_of(&l, next_held(&l));
        l.expires_at = expires_at;
        writes.extend(update(&l)?);
        state.store.commit(tenant, None, Box::new(move |_| Ok(Commit { writes, audit }))).await?;
        return Ok(view(&l, next));
    }
    let request =
        NumberRequest { series: invoices::SERIES.to_owned(), pattern: pattern.clone(), date, count: policy.block_size };
    let id = Uuid::now_v7();
    let slot = std::sync::Arc::new(std::sync::Mutex::new(None));
    let out = slot.clone();
    let user = principal.user_id;
    let actor = principal.audit_actor();
    let context = ctx.clone();
    state
        .store
        .commit(
            tenant,
            Some(request),
            Box::new(move |number| {
                let number = number.ok_or_else(|| Error::Internal("no number was allocated".into()))?;
                let first = pattern
                    .parse_number(number.as_str())
                    .ok_or_else(|| Error::Internal(format!("{} does not read back", number.as_str())))?
                    .seq;
                let lease = LeaseRecord {
                    id,
                    device_id: device,
                    user_id: user,
                    series: invoices::SERIES.to_owned(),
                    pattern: pattern.as_str().to_owned(),
                    period,
                    first,
                    last: first + policy.block_size - 1,
                    leased_at: now,
                    expires_at,
                    closed_at: None,
                    close_reason: None,
                    version: 1,
                    used: Vec::new(),
                    gaps: Vec::new(),
                };
                let columns = lease_columns(&lease).map_err(|p| Error::Internal(p.detail.unwrap_or_default()))?;
                writes.push(Write::Upsert { table: Table::NumberLeases, id, columns });
                audit.push(
                    AuditEvent::new("number_lease.created", actor, "create")
                        .resource("number_lease", id)
                        .context(context)
                        .metadata(serde_json::json!({
                            "device_id": device, "first": lease.first, "last": lease.last, "period": lease.period
                        })),
                );
                if let Ok(mut s) = out.lock() {
                    *s = Some(view(&lease, lease.first));
                }
                Ok(Commit { writes, audit })
            }),
        )
        .await?;
    slot.lock().ok().and_then(|mut s| s.take()).ok_or_else(|| internal("the lease produced no view"))
}

/// `GET /v1/number-leases`: recent leases and the explained gaps.
pub async fn report(state: &AppState, principal: &Principal, ctx: &RequestContext) -> Result<LeasesReport, Problem> {
    authorize(state, principal, Action::ReadAuditLog, None, ctx).await?;
    sweep(state, principal.tenant_id).await?;
    let leases = state.store.number_leases(principal.tenant_id, LeaseSelect::Recent(200)).await?;
    let gaps = state.store.number_gaps(principal.tenant_id, 1000).await?;
    Ok(LeasesReport {
        leases: leases
            .iter()
            .map(|l| {
                Ok(LeaseSummary {
                    id: l.id.to_string(),
                    device_id: l.device_id.to_string(),
                    user_id: l.user_id.to_string(),
                    first_number: printed(l, l.first)?,
                    last_number: printed(l, l.last)?,
                    used: l.used.len() as u64,
                    leased_at: crate::store::audit_time(l.leased_at),
                    expires_at: crate::store::audit_time(l.expires_at),
                    closed_at: l.closed_at.map(crate::store::audit_time),
                    close_reason: l.close_reason.clone(),
                })
            })
            .collect::<Result<_, Problem>>()?,
        gaps: gaps
            .into_iter()
            .map(|g| GapView {
                lease_id: g.lease_id.to_string(),
                first_number: g.first_number,
                last_number: g.last_number,
                count: g.count,
                reason: g.reason,
                recorded_at: crate::store::audit_time(g.recorded_at),
            })
            .collect(),
    })
}
