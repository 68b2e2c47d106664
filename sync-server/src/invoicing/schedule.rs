//! The daily reconciliation run (spec 4.4, issue 7): at a time of day in the tenant's time zone
//! (02:00 unless set otherwise), the server pulls the bank feed when one is connected, then
//! matches the open credits, as `POST /v1/reconciliation/run` does by hand. The run acts for
//! the member who set the schedule, with their current role (audited as "daily reconciliation
//! for <them>"); if they left, the run is skipped and says why. Runs come from the durable
//! `scheduled_jobs` table (`store::jobs`): one node claims a due job, and a node that dies lets
//! the claim lapse for another.

use axum::http::StatusCode;
use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use remit_core::rbac::Action;
use serde::{Deserialize, Serialize};

use super::reconciliation;
use super::rule;
use crate::AppState;
use crate::audit::{AuditEvent, RequestContext};
use crate::auth::authorize;
use crate::problem::Problem;
use crate::store::{Principal, Setting};

pub const KIND: &str = "reconciliation";
/// Jobs one node claims at a time.
const BATCH: i64 = 20;
/// How often a node looks for due jobs.
pub const TICK: std::time::Duration = std::time::Duration::from_secs(30);

/// The schedule as the API shows and takes it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleInput {
    pub enabled: bool,
    /// An IANA time zone, such as `Europe/Berlin` or `America/New_York`.
    #[schema(example = "Europe/Berlin", max_length = 64, pattern = "^[A-Za-z0-9_+/-]+$")]
    pub time_zone: String,
    /// `HH:MM` in that zone; default `02:00`.
    #[schema(example = "02:00", pattern = "^[0-2][0-9]:[0-5][0-9]$")]
    pub time: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScheduleView {
    pub enabled: bool,
    pub time_zone: String,
    pub time: String,
    pub next_run_at: Option<DateTime<Utc>>,
    pub last_run_at: Option<DateTime<Utc>>,
    /// What the last run did, or why it did nothing.
    pub last_result: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stored {
    enabled: bool,
    time_zone: String,
    time: String,
    /// The member the run acts for.
    configured_by: String,
}

fn invalid(detail: impl Into<String>) -> Problem {
    rule(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", detail)
}

/// The first `time` in `tz` strictly after `after`. A time a clock change skips (02:30 on the
/// spring-forward night) runs when the clock reaches the other side of the gap; a time that
/// comes twice (autumn) runs the first time.
pub fn next_run(tz: Tz, time: NaiveTime, after: DateTime<Utc>) -> DateTime<Utc> {
    let mut day = after.with_timezone(&tz).date_naive();
    for _ in 0..3 {
        let local = day.and_time(time);
        let at = tz
            .from_local_datetime(&local)
            .earliest()
            .or_else(|| (1..=3).find_map(|h| tz.from_local_datetime(&(local + Duration::hours(h))).earliest()))
            .map(|t| t.with_timezone(&Utc));
        if let Some(at) = at.filter(|t| *t > after) {
            return at;
        }
        day = day.succ_opt().unwrap_or(day);
    }
    after + Duration::days(1)
}

fn parse(input: &ScheduleInput) -> Result<(Tz, NaiveTime), Problem> {
    let tz: Tz = input
        .time_zone
        .parse()
        .map_err(|_| invalid(format!("time_zone {:?}: an IANA time zone such as Europe/Berlin", input.time_zone)))?;
    let text = input.time.as_deref().unwrap_or("02:00");
    let time = NaiveTime::parse_from_str(text, "%H:%M").map_err(|_| invalid(format!("time {text:?}: HH:MM")))?;
    Ok((tz, time))
}

async fn stored(state: &AppState, principal: &Principal) -> Result<Option<Stored>, Problem> {
    let s = state.store.setting(principal.tenant_id, Setting::ReconciliationSchedule).await?;
    s.map(|s| serde_json::from_str(&s).map_err(|e| Problem::from(crate::error::Error::Internal(e.to_string()))))
        .transpose()
}

pub async fn get(state: &AppState, principal: &Principal, ctx: &RequestContext) -> Result<ScheduleView, Problem> {
    authorize(state, principal, Action::ReadPayment, None, ctx).await?;
    let s = stored(state, principal).await?;
    let job = state.store.job(principal.tenant_id, KIND).await?;
    Ok(ScheduleView {
        enabled: s.as_ref().is_some_and(|s| s.enabled),
        time_zone: s.as_ref().map_or_else(|| "UTC".into(), |s| s.time_zone.clone()),
        time: s.as_ref().map_or_else(|| "02:00".into(), |s| s.time.clone()),
        next_run_at: job.as_ref().map(|j| j.due_at),
        last_run_at: job.as_ref().and_then(|j| j.last_run_at),
        last_result: job.and_then(|j| j.last_result),
    })
}

/// Sets the schedule (`settings.manage`); the next run is the next such time from now.
pub async fn put(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    input: ScheduleInput,
) -> Result<ScheduleView, Problem> {
    authorize(state, principal, Action::ManageSettings, None, ctx).await?;
    let (tz, time) = parse(&input)?;
    let s = Stored {
        enabled: input.enabled,
        time_zone: tz.name().to_owned(),
        time: time.format("%H:%M").to_string(),
        configured_by: principal.user_id.to_string(),
    };
    let json = serde_json::to_string(&s).map_err(|e| Problem::from(crate::error::Error::Internal(e.to_string())))?;
    let event = AuditEvent::new("settings.reconciliation_schedule.updated", principal.audit_actor(), "update")
        .metadata(serde_json::json!({ "enabled": s.enabled, "time_zone": s.time_zone, "time": s.time }))
        .context(ctx.clone());
    state.store.set_setting(principal.tenant_id, Setting::ReconciliationSchedule, &json, event).await?;
    let due = s.enabled.then(|| next_run(tz, time, Utc::now()));
    state.store.schedule_job(principal.tenant_id, KIND, due).await?;
    get(state, principal, ctx).await
}

/// The member the run acts for, as a principal marked as the scheduler.
async fn acting_for(state: &AppState, tenant: remit_core::TenantId, user: &str) -> Result<Option<Principal>, Problem> {
    let Some(t) = state.store.tenant(tenant).await? else { return Ok(None) };
    let member =
        state.store.users(tenant).await?.into_iter().find(|u| u.id.to_string() == user && u.status == "active");
    Ok(member.map(|u| Principal {
        tenant_id: tenant,
        user_id: u.id,
        email: u.email,
        role: u.role,
        requests_per_hour: i64::MAX,
        plan: t.plan,
        scopes: None,
        client: Some(("scheduler".into(), "daily reconciliation".into())),
    }))
}

/// One tenant's run: the feed pulled if connected, then the matcher; what it did, in words.
async fn run_one(state: &AppState, tenant: remit_core::TenantId, s: &Stored) -> Result<String, Problem> {
    let Some(principal) = acting_for(state, tenant, &s.configured_by).await? else {
        return Ok("skipped: the member who set the schedule is no longer active; set it again".into());
    };
    let ctx = RequestContext::default();
    let mut parts = Vec::new();
    if state.plaid.is_some() {
        match reconciliation::sync_feed(state, &principal, &ctx).await {
            Ok(f) => parts.push(format!("bank feed: {} received, {} removed", f.received, f.removed)),
            Err(p) if p.code == "bank_feed_not_connected" => {}
            Err(p) => parts.push(format!("bank feed failed: {}", p.detail.unwrap_or_default())),
        }
    }
    let r = reconciliation::run(state, &principal, &ctx).await?;
    parts
        .push(format!("{} matched, {} suggested, {} to review, {} failed", r.matched, r.suggested, r.review, r.failed));
    Ok(parts.join("; "))
}

/// Runs every job due at `now` that this node can claim; how many ran. Each is scheduled again
/// for its next time, whatever happened (a failure is its result, not a retry storm).
pub async fn run_due(state: &AppState, now: DateTime<Utc>) -> Result<usize, Problem> {
    let claimed = state.store.claim_due_jobs(now, BATCH).await?;
    for job in &claimed {
        let setting = state.store.setting(job.tenant, Setting::ReconciliationSchedule).await?;
        let s: Option<Stored> = setting.and_then(|s| serde_json::from_str(&s).ok());
        let Some(s) = s.filter(|s| s.enabled) else {
            state.store.schedule_job(job.tenant, &job.kind, None).await?;
            continue;
        };
        let result = match run_one(state, job.tenant, &s).await {
            Ok(text) => text,
            Err(p) => format!("failed: {}", p.detail.unwrap_or_else(|| p.code.to_owned())),
        };
        let (tz, time) =
            parse(&ScheduleInput { enabled: true, time_zone: s.time_zone.clone(), time: Some(s.time.clone()) })?;
        let ran_at = Utc::now();
        state.store.finish_job(job.tenant, &job.kind, ran_at, next_run(tz, time, now.max(ran_at)), &result).await?;
    }
    Ok(claimed.len())
}

/// Looks for due jobs every `TICK` until the server stops.
pub async fn run_forever(state: AppState) {
    loop {
        if let Err(p) = run_due(&state, Utc::now()).await {
            tracing::warn!(code = p.code, "scheduled jobs: {}", p.detail.unwrap_or_default());
        }
        tokio::time::sleep(TICK).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn the_next_run_is_two_in_the_morning_where_the_tenant_is() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap_or(Tz::UTC);
        let two = NaiveTime::from_hms_opt(2, 0, 0).unwrap_or(NaiveTime::MIN);
        // Winter: 02:00 CET is 01:00 UTC; at 00:30 UTC it is still ahead, at 01:00 it is tomorrow's.
        assert_eq!(next_run(berlin, two, utc("2026-12-07T00:30:00Z")), utc("2026-12-07T01:00:00Z"));
        assert_eq!(next_run(berlin, two, utc("2026-12-07T01:00:00Z")), utc("2026-12-08T01:00:00Z"));
        // The spring-forward night has no 02:00: the run is at 03:00 CEST, 01:00 UTC.
        assert_eq!(next_run(berlin, two, utc("2026-03-28T12:00:00Z")), utc("2026-03-29T01:00:00Z"));
        // Summer: 02:00 CEST is 00:00 UTC.
        assert_eq!(next_run(berlin, two, utc("2026-07-01T12:00:00Z")), utc("2026-07-02T00:00:00Z"));
        let ny: Tz = "America/New_York".parse().unwrap_or(Tz::UTC);
        assert_eq!(next_run(ny, two, utc("2026-12-07T12:00:00Z")), utc("2026-12-08T07:00:00Z"));
    }
}
