//! The tenant's bank feed (issue 7): Plaid's `/transactions/sync` pulled page by page from
//! the cursor kept, its transactions kept as imported statements are, for the matcher. The
//! item's access token is stored sealed (`crate::secrets`) and never shown.

use axum::http::StatusCode;
use chrono::Utc;
use remit_core::rbac::Action;
use serde::{Deserialize, Serialize};

use super::reconciliation::{internal, keep_transactions, may_read};
use super::rule;
use crate::AppState;
use crate::audit::{AuditEvent, RequestContext};
use crate::auth::authorize;
use crate::problem::Problem;
use crate::store::{Principal, Setting};

/// The tenant's bank feed: connected or not, and when it was last pulled (the access token is
/// never shown).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FeedView {
    pub provider: Option<String>,
    pub connected: bool,
    pub last_sync_at: Option<chrono::DateTime<Utc>>,
}

/// Connects the tenant's bank feed: the Plaid access token of its linked item.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedInput {
    #[schema(min_length = 1, max_length = 200, pattern = "^[A-Za-z0-9_-]+$")]
    pub access_token: String,
}

/// What a pull of the bank feed did.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct FeedSyncView {
    pub pages: usize,
    /// New and changed transactions received (one the tenant had is left as it is).
    pub received: usize,
    pub removed: usize,
    /// Transactions that could not be read, with why.
    pub errors: Vec<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct FeedState {
    access_token: String,
    cursor: Option<String>,
    last_sync_at: Option<chrono::DateTime<Utc>>,
}

/// What the access token is, for sealing (`crate::secrets`).
const TOKEN: &str = "bank_feed.access_token";

/// The tenant's feed, its access token opened.
async fn feed_state(state: &AppState, principal: &Principal) -> Result<Option<FeedState>, Problem> {
    let Some(mut f) = stored_feed(state, principal).await? else { return Ok(None) };
    f.access_token = crate::secrets::open(state, principal.tenant_id, TOKEN, &f.access_token).await?;
    Ok(Some(f))
}

/// The tenant's feed as stored (its token sealed).
async fn stored_feed(state: &AppState, principal: &Principal) -> Result<Option<FeedState>, Problem> {
    let stored = state.store.setting(principal.tenant_id, Setting::BankFeed).await?;
    stored.map(|s| serde_json::from_str(&s).map_err(internal)).transpose()
}

/// Keeps the feed with its access token sealed.
async fn keep_feed_state(
    state: &AppState,
    principal: &Principal,
    f: &FeedState,
    event: AuditEvent,
) -> Result<(), Problem> {
    let sealed = FeedState {
        access_token: crate::secrets::seal(state, principal.tenant_id, TOKEN, &f.access_token).await?,
        cursor: f.cursor.clone(),
        last_sync_at: f.last_sync_at,
    };
    let json = serde_json::to_string(&sealed).map_err(internal)?;
    state.store.set_setting(principal.tenant_id, Setting::BankFeed, &json, event).await?;
    Ok(())
}

pub async fn feed(state: &AppState, principal: &Principal, ctx: &RequestContext) -> Result<FeedView, Problem> {
    may_read(state, principal, ctx).await?;
    let f = stored_feed(state, principal).await?;
    Ok(FeedView {
        provider: f.as_ref().map(|_| "plaid".to_owned()),
        connected: f.is_some(),
        last_sync_at: f.and_then(|f| f.last_sync_at),
    })
}

pub async fn connect_feed(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    input: FeedInput,
) -> Result<FeedView, Problem> {
    authorize(state, principal, Action::ManageSettings, None, ctx).await?;
    let token = input.access_token.trim();
    if token.is_empty()
        || token.len() > 200
        || !token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(rule(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "access_token: Plaid's access token (letters, digits, - and _)",
        ));
    }
    // A new item starts from the beginning of its history.
    let f = FeedState { access_token: token.to_owned(), cursor: None, last_sync_at: None };
    let event = AuditEvent::new("settings.bank_feed.connected", principal.audit_actor(), "update")
        .metadata(serde_json::json!({ "provider": "plaid" }))
        .context(ctx.clone());
    keep_feed_state(state, principal, &f, event).await?;
    Ok(FeedView { provider: Some("plaid".into()), connected: true, last_sync_at: None })
}

/// Most pages one pull reads; the next pull goes on from the cursor kept.
const MAX_PAGES: usize = 200;

/// Pulls the bank feed from the cursor kept, page by page, each page's transactions kept and
/// the cursor moved in order (a pull that fails half-way goes on from the last page kept).
pub async fn sync_feed(state: &AppState, principal: &Principal, ctx: &RequestContext) -> Result<FeedSyncView, Problem> {
    authorize(state, principal, Action::RecordPayment, None, ctx).await?;
    let Some(plaid) = state.plaid.clone() else {
        return Err(rule(
            StatusCode::CONFLICT,
            "bank_feed_not_configured",
            "this server has no Plaid account configured (REMIT_PLAID_CLIENT_ID)",
        ));
    };
    let Some(mut f) = feed_state(state, principal).await? else {
        return Err(rule(
            StatusCode::CONFLICT,
            "bank_feed_not_connected",
            "connect the bank feed first (PUT /v1/settings/bank-feed)",
        ));
    };
    let mut out = FeedSyncView::default();
    loop {
        let page = plaid
            .page(&f.access_token, f.cursor.as_deref())
            .await
            .map_err(|e| rule(StatusCode::BAD_GATEWAY, "bank_feed_failed", e))?;
        out.pages += 1;
        out.received += page.upserted.len();
        out.removed += page.removed.len();
        out.errors.extend(page.errors);
        let audit = AuditEvent::new("reconciliation.bank_feed_pulled", principal.audit_actor(), "import")
            .metadata(serde_json::json!({ "provider": "plaid", "received": page.upserted.len(), "removed": page.removed.len() }))
            .context(ctx.clone());
        keep_transactions(state, principal, &page.upserted, &page.removed, audit).await?;
        f.cursor = Some(page.next_cursor);
        f.last_sync_at = Some(Utc::now());
        let moved =
            AuditEvent::new("settings.bank_feed.cursor", principal.audit_actor(), "update").context(ctx.clone());
        keep_feed_state(state, principal, &f, moved).await?;
        if !page.has_more || out.pages >= MAX_PAGES {
            return Ok(out);
        }
    }
}
