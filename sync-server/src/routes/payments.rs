//! `/v1/payments` (spec 5.2): handlers over `invoicing::payments`.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use remit_core::rbac::Action;
use serde::Deserialize;
use serde_json::Value;

use crate::AppState;
use crate::audit::RequestContext;
use crate::auth::authorize;
use crate::extract::{ApiJson, ApiQuery};
use crate::invoicing::payments::{self, MethodName, PaymentInput, PaymentView, RefundInput};
use crate::invoicing::views::{Sortable, TableList};
use crate::invoicing::{parse_id, sees_all};
use crate::listing::{CursorStyle, ListQuery, ListSpec, Page};
use crate::problem::Problem;
use crate::store::Principal;
use crate::store::records::{Cond, Kind, Op, Sql, Table};

pub const LIST: ListSpec = ListSpec {
    path: "/v1/payments",
    item_schema: "PaymentView",
    sorts: &["paid_at", "created_at", "amount"],
    default_sort: "-paid_at",
    fields: &[
        "id",
        "customer_id",
        "customer_name",
        "amount",
        "currency",
        "method",
        "paid_at",
        "reference",
        "applied",
        "unapplied",
        "refunded",
        "refunds",
        "status",
        "version",
        "created_by",
        "created_at",
        "links",
    ],
    cursor: CursorStyle::Keyset,
};

const TABLE: TableList = TableList {
    spec: &LIST,
    table: Table::Payments,
    sorts: &[
        Sortable { name: "paid_at", column: "paid_at", kind: Kind::Time },
        Sortable { name: "created_at", column: "created_at", kind: Kind::Time },
        Sortable { name: "amount", column: "amount", kind: Kind::Int },
    ],
};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PaymentFilter {
    #[param(format = Uuid)]
    customer_id: Option<String>,
    #[param(value_type = Option<MethodName>)]
    method: Option<remit_core::lifecycle::PaymentMethod>,
    #[param(value_type = Option<crate::openapi::CurrencyCode>)]
    currency: Option<String>,
    /// Paid on or after this date.
    paid_from: Option<NaiveDate>,
    /// Paid on or before this date.
    paid_to: Option<NaiveDate>,
}

fn bad_filter(detail: String) -> Problem {
    Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_query", detail)
}

#[utoipa::path(get, path = "/v1/payments", tag = "payments", security(("api_key" = [])), params(PaymentFilter, ListQuery), responses(
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
    ApiQuery(f): ApiQuery<PaymentFilter>,
    ApiQuery(q): ApiQuery<ListQuery>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Page>, Problem> {
    authorize(&state, &principal, Action::ReadPayment, None, &ctx).await?;
    let mut conds = Vec::new();
    if let Some(c) = &f.customer_id {
        let id = uuid::Uuid::try_parse(c).map_err(|_| bad_filter(format!("customer_id {c:?}: not a UUID")))?;
        conds.push(Cond::Cmp("customer_id", Op::Eq, Sql::Uuid(id)));
    }
    if let Some(m) = f.method {
        let name = serde_json::to_value(m).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
        conds.push(Cond::Cmp("method", Op::Eq, Sql::Text(name)));
    }
    if let Some(c) = &f.currency {
        conds.push(Cond::Cmp("currency", Op::Eq, Sql::Text(remit_core::Currency::parse(c)?.code().to_owned())));
    }
    if let Some(d) = f.paid_from.and_then(|d| d.and_hms_opt(0, 0, 0)) {
        conds.push(Cond::Cmp("paid_at", Op::Ge, Sql::Time(d.and_utc())));
    }
    if let Some(d) = f.paid_to.and_then(|d| d.succ_opt()).and_then(|d| d.and_hms_opt(0, 0, 0)) {
        conds.push(Cond::Cmp("paid_at", Op::Lt, Sql::Time(d.and_utc())));
    }
    if !sees_all(&principal, Action::ReadPayment) {
        conds.push(Cond::Cmp("created_by", Op::Eq, Sql::Uuid(*principal.user_id.as_uuid())));
    }
    Ok(Json(TABLE.page(&state, principal.tenant_id, conds, &q, raw.as_deref(), |_| ()).await?))
}

/// Records a payment for one invoice (`invoice_id`) or several (`allocations`); an amount
/// beyond what they owe becomes the customer's credit.
#[utoipa::path(post, path = "/v1/payments", tag = "payments", security(("api_key" = [])), request_body = PaymentInput, responses(
    (status = 201, body = PaymentView),
    (status = 400, body = Problem, content_type = "application/problem+json", description = "malformed JSON"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "an invoice is a draft or voided"),
    (status = 415, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "bad amount, currency other than the invoice's, unknown invoice, allocations that do not add up"),
    (status = 429, body = Problem, content_type = "application/problem+json"),
))]
pub async fn create(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    ApiJson(body): ApiJson<PaymentInput>,
) -> Result<(StatusCode, Json<Value>), Problem> {
    Ok((StatusCode::CREATED, Json(payments::record(&state, &principal, &ctx, body).await?)))
}

#[utoipa::path(get, path = "/v1/payments/{id}", tag = "payments", security(("api_key" = [])),
    params(("id" = String, Path, description = "the payment's id")),
    responses(
        (status = 200, body = PaymentView),
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
) -> Result<Json<Value>, Problem> {
    Ok(Json(payments::get(&state, &principal, &ctx, parse_id(&id, "payment")?).await?))
}

/// Takes back a payment recorded by mistake (`payment.refund` permission); its invoices owe again.
#[utoipa::path(delete, path = "/v1/payments/{id}", tag = "payments", security(("api_key" = [])),
    params(("id" = String, Path, description = "the payment's id")),
    responses(
        (status = 204, description = "deleted"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "it has refunds"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn remove(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    payments::delete(&state, &principal, &ctx, parse_id(&id, "payment")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Records a refund of part or all of a payment.
#[utoipa::path(post, path = "/v1/payments/{id}/refund", tag = "payments", security(("api_key" = [])), request_body = RefundInput,
    params(("id" = String, Path, description = "the payment's id")),
    responses(
        (status = 200, body = PaymentView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "more than is left to refund, or which invoice is unclear"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn refund(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RefundInput>,
) -> Result<Json<Value>, Problem> {
    Ok(Json(payments::refund(&state, &principal, &ctx, parse_id(&id, "payment")?, body).await?))
}
