//! `/v1/reconciliation` (spec 4.4, issue 7): bank statements imported, the matcher run (the
//! manual trigger), the credits listed with the matcher's answers, and approve, assign,
//! ignore and undo; handlers over `invoicing::reconciliation`.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use serde::Deserialize;

use crate::AppState;
use crate::audit::RequestContext;
use crate::extract::{ApiJson, ApiQuery};
use crate::invoicing::parse_id;
use crate::invoicing::reconciliation::{
    self as rec, AssignInput, BulkView, CreditToInput, CreditView, FeedInput, FeedSyncView, FeedView, ImportView,
    InvoiceForInput, ReportView, RunView, StatementInput,
};
use crate::invoicing::schedule::{self, ScheduleInput, ScheduleView};
use crate::invoicing::views::{Sortable, TableList};
use crate::listing::{CursorStyle, ListQuery, ListSpec, Page};
use crate::problem::Problem;
use crate::store::Principal;
use crate::store::records::{Cond, Kind, Op, Sql, Table};

pub const LIST: ListSpec = ListSpec {
    path: "/v1/reconciliation/transactions",
    item_schema: "CreditView",
    sorts: &["booked_on", "amount"],
    default_sort: "booked_on",
    fields: &[
        "id",
        "bank_id",
        "booked_on",
        "amount",
        "currency",
        "payer",
        "reference",
        "description",
        "state",
        "decision",
        "confidence",
        "allocations",
        "reasons",
        "matched_by",
        "payment_id",
        "customer_id",
        "undone",
        "version",
        "created_at",
    ],
    cursor: CursorStyle::Keyset,
};

const TABLE: TableList = TableList {
    spec: &LIST,
    table: Table::BankTransactions,
    sorts: &[
        Sortable { name: "booked_on", column: "booked_on", kind: Kind::Date },
        Sortable { name: "amount", column: "amount", kind: Kind::Int },
    ],
};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CreditFilter {
    /// `open`, `matched` or `ignored`.
    #[param(pattern = "^(open|matched|ignored)$")]
    state: Option<String>,
    /// Credits only (money in), or debits only.
    credits: Option<bool>,
}

/// Imports a bank statement (CSV, CAMT.053, MT940, OFX); a transaction imported before is left
/// as it is, a line that cannot be read is listed with its number.
#[utoipa::path(post, path = "/v1/reconciliation/statements", tag = "reconciliation", security(("api_key" = [])), request_body = StatementInput, responses(
    (status = 200, body = ImportView),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 413, body = Problem, content_type = "application/problem+json"),
    (status = 415, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "not a statement this reader understands"),
    (status = 429, body = Problem, content_type = "application/problem+json"),
))]
pub async fn import(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    ApiJson(body): ApiJson<StatementInput>,
) -> Result<Json<ImportView>, Problem> {
    Ok(Json(rec::import(&state, &principal, &ctx, body).await?))
}

/// Runs the matcher over the open credits now (it also runs daily); automatic matches record
/// their payments.
#[utoipa::path(post, path = "/v1/reconciliation/run", tag = "reconciliation", security(("api_key" = [])), responses(
    (status = 200, body = RunView),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "a credit changed meanwhile: run again"),
    (status = 429, body = Problem, content_type = "application/problem+json"),
))]
pub async fn run(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
) -> Result<Json<RunView>, Problem> {
    Ok(Json(rec::run(&state, &principal, &ctx).await?))
}

#[utoipa::path(get, path = "/v1/reconciliation/transactions", tag = "reconciliation", security(("api_key" = [])), params(CreditFilter, ListQuery), responses(
    (status = 200, body = crate::listing::PageSchema),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "a bad filter, limit, cursor, sort or field"),
    (status = 429, body = Problem, content_type = "application/problem+json"),
))]
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    ApiQuery(f): ApiQuery<CreditFilter>,
    ApiQuery(q): ApiQuery<ListQuery>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Page>, Problem> {
    rec::may_read(&state, &principal, &ctx).await?;
    let mut conds = Vec::new();
    if let Some(s) = f.state {
        if !["open", "matched", "ignored"].contains(&s.as_str()) {
            return Err(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_query",
                format!("state {s:?}: open, matched or ignored"),
            ));
        }
        conds.push(Cond::Cmp("state", Op::Eq, Sql::Text(s)));
    }
    match f.credits {
        Some(true) => conds.push(Cond::Cmp("amount", Op::Gt, Sql::Int(0))),
        Some(false) => conds.push(Cond::Cmp("amount", Op::Lt, Sql::Int(0))),
        None => {}
    }
    Ok(Json(TABLE.page(&state, principal.tenant_id, conds, &q, raw.as_deref(), |_| ()).await?))
}

#[utoipa::path(get, path = "/v1/reconciliation/transactions/{id}", tag = "reconciliation", security(("api_key" = [])),
    params(("id" = String, Path, description = "the transaction's id")),
    responses(
        (status = 200, body = CreditView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    Path(id): Path<String>,
) -> Result<Json<CreditView>, Problem> {
    Ok(Json(rec::get(&state, &principal, &ctx, parse_id(&id, "bank transaction")?).await?))
}

/// Approves every open suggestion (bulk approve).
#[utoipa::path(post, path = "/v1/reconciliation/approve-suggestions", tag = "reconciliation", security(("api_key" = [])), responses(
    (status = 200, body = BulkView),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 429, body = Problem, content_type = "application/problem+json"),
))]
pub async fn approve_suggestions(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
) -> Result<Json<BulkView>, Problem> {
    Ok(Json(rec::approve_suggestions(&state, &principal, &ctx).await?))
}

/// Approves the match proposed for a credit: its payment is recorded.
#[utoipa::path(post, path = "/v1/reconciliation/transactions/{id}/approve", tag = "reconciliation", security(("api_key" = [])),
    params(("id" = String, Path, description = "the transaction's id")),
    responses(
        (status = 200, body = CreditView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "matched or ignored already, or an invoice voided"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "no match proposed, or the payment breaks a rule"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn approve(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    Path(id): Path<String>,
) -> Result<Json<CreditView>, Problem> {
    Ok(Json(rec::approve(&state, &principal, &ctx, parse_id(&id, "bank transaction")?).await?))
}

/// Matches a credit to invoices a person picked (the review queue).
#[utoipa::path(post, path = "/v1/reconciliation/transactions/{id}/assign", tag = "reconciliation", security(("api_key" = [])), request_body = AssignInput,
    params(("id" = String, Path, description = "the transaction's id")),
    responses(
        (status = 200, body = CreditView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "an unknown invoice, another currency, more than the credit"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn assign(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AssignInput>,
) -> Result<Json<CreditView>, Problem> {
    Ok(Json(rec::assign(&state, &principal, &ctx, parse_id(&id, "bank transaction")?, body).await?))
}

/// From the review queue: makes an invoice for a credit that paid none (issued at its date,
/// for its amount, without tax) and matches the credit to it.
#[utoipa::path(post, path = "/v1/reconciliation/transactions/{id}/invoice", tag = "reconciliation", security(("api_key" = [])), request_body = InvoiceForInput,
    params(("id" = String, Path, description = "the transaction's id")),
    responses(
        (status = 200, body = CreditView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "an unknown customer, a debit"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn invoice_for(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<InvoiceForInput>,
) -> Result<Json<CreditView>, Problem> {
    Ok(Json(rec::invoice_for(&state, &principal, &ctx, parse_id(&id, "bank transaction")?, body).await?))
}

/// From the review queue: records a credit that pays no invoice as the customer's credit (an
/// overpayment or prepayment), one bank-transfer payment applied to no invoice.
#[utoipa::path(post, path = "/v1/reconciliation/transactions/{id}/credit", tag = "reconciliation", security(("api_key" = [])),
    params(("id" = String, Path, description = "the transaction's id")),
    request_body = CreditToInput,
    responses(
        (status = 200, body = CreditView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "matched or ignored already"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "a debit, or no such customer"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn credit_to(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CreditToInput>,
) -> Result<Json<CreditView>, Problem> {
    Ok(Json(rec::credit_to(&state, &principal, &ctx, parse_id(&id, "bank transaction")?, body).await?))
}

/// Marks a credit as not a customer's payment.
#[utoipa::path(post, path = "/v1/reconciliation/transactions/{id}/ignore", tag = "reconciliation", security(("api_key" = [])),
    params(("id" = String, Path, description = "the transaction's id")),
    responses(
        (status = 200, body = CreditView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "matched or ignored already"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn ignore(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    Path(id): Path<String>,
) -> Result<Json<CreditView>, Problem> {
    Ok(Json(rec::ignore(&state, &principal, &ctx, parse_id(&id, "bank transaction")?).await?))
}

/// Takes back a match (its payment is deleted, its invoices owe again) or an ignore.
#[utoipa::path(post, path = "/v1/reconciliation/transactions/{id}/undo", tag = "reconciliation", security(("api_key" = [])),
    params(("id" = String, Path, description = "the transaction's id")),
    responses(
        (status = 200, body = CreditView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "open: nothing to undo; or its payment has refunds"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn undo(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    Path(id): Path<String>,
) -> Result<Json<CreditView>, Problem> {
    Ok(Json(rec::undo(&state, &principal, &ctx, parse_id(&id, "bank transaction")?).await?))
}

/// Unmatched credits, duplicates, over- and short payments, and the share of automatic matches
/// that stood.
#[utoipa::path(get, path = "/v1/reconciliation/report", tag = "reconciliation", security(("api_key" = [])), responses(
    (status = 200, body = ReportView),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 429, body = Problem, content_type = "application/problem+json"),
))]
pub async fn report(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
) -> Result<Json<ReportView>, Problem> {
    Ok(Json(rec::report(&state, &principal, &ctx).await?))
}

/// The tenant's bank feed: connected or not, when last pulled (the access token is never shown).
#[utoipa::path(get, path = "/v1/settings/bank-feed", tag = "settings", security(("api_key" = [])), responses(
    (status = 200, body = FeedView),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 429, body = Problem, content_type = "application/problem+json"),
))]
pub async fn get_feed(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
) -> Result<Json<FeedView>, Problem> {
    Ok(Json(rec::feed(&state, &principal, &ctx).await?))
}

/// Connects the bank feed: the access token of the tenant's Plaid item (`settings.manage`).
#[utoipa::path(put, path = "/v1/settings/bank-feed", tag = "settings", security(("api_key" = [])), request_body = FeedInput, responses(
    (status = 200, body = FeedView),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 415, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
    (status = 429, body = Problem, content_type = "application/problem+json"),
))]
pub async fn put_feed(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    ApiJson(body): ApiJson<FeedInput>,
) -> Result<Json<FeedView>, Problem> {
    Ok(Json(rec::connect_feed(&state, &principal, &ctx, body).await?))
}

/// Pulls the bank feed's new transactions (Plaid `/transactions/sync` from the cursor kept).
#[utoipa::path(post, path = "/v1/reconciliation/bank-feed/sync", tag = "reconciliation", security(("api_key" = [])), responses(
    (status = 200, body = FeedSyncView),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "no bank feed configured or connected"),
    (status = 429, body = Problem, content_type = "application/problem+json"),
    (status = 502, body = Problem, content_type = "application/problem+json", description = "Plaid refused or could not be reached"),
))]
pub async fn sync_feed(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
) -> Result<Json<FeedSyncView>, Problem> {
    Ok(Json(rec::sync_feed(&state, &principal, &ctx).await?))
}

/// When the daily reconciliation runs (default 02:00 in the tenant's time zone), and how the
/// last run went.
#[utoipa::path(get, path = "/v1/settings/reconciliation", tag = "settings", security(("api_key" = [])), responses(
    (status = 200, body = ScheduleView),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 429, body = Problem, content_type = "application/problem+json"),
))]
pub async fn get_schedule(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
) -> Result<Json<ScheduleView>, Problem> {
    Ok(Json(schedule::get(&state, &principal, &ctx).await?))
}

/// Turns the daily run on or off, in a time zone at a time (`settings.manage`); it acts for the
/// member who sets it.
#[utoipa::path(put, path = "/v1/settings/reconciliation", tag = "settings", security(("api_key" = [])), request_body = ScheduleInput, responses(
    (status = 200, body = ScheduleView),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 415, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "an unknown time zone or a bad time"),
    (status = 429, body = Problem, content_type = "application/problem+json"),
))]
pub async fn put_schedule(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    ApiJson(body): ApiJson<ScheduleInput>,
) -> Result<Json<ScheduleView>, Problem> {
    Ok(Json(schedule::put(&state, &principal, &ctx, body).await?))
}
