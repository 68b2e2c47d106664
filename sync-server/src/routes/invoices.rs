//! `/v1/invoices` and `/v1/customers/{id}/invoices` (spec 5.2): handlers over
//! `invoicing::invoices`.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use remit_core::Decimal;
use remit_core::rbac::Action;
use serde::Deserialize;
use serde_json::Value;

use crate::AppState;
use crate::audit::RequestContext;
use crate::auth::authorize;
use crate::extract::{ApiJson, ApiQuery};
use crate::invoicing::invoices::{self, InvoiceInput, InvoiceView, VoidInput};
use crate::invoicing::views::{Sortable, TableList};
use crate::invoicing::{parse_id, sees_all, today};
use crate::listing::{CursorStyle, ListQuery, ListSpec, Page};
use crate::problem::Problem;
use crate::store::Principal;
use crate::store::records::{Cond, Kind, Op, Sql, Table};

const FIELDS: &[&str] = &[
    "id",
    "number",
    "status",
    "customer",
    "issue_date",
    "due_date",
    "currency",
    "price_mode",
    "line_items",
    "discount",
    "subtotal",
    "discount_total",
    "tax",
    "tax_breakdown",
    "total",
    "amount_paid",
    "amount_refunded",
    "amount_due",
    "credit",
    "disputed",
    "notes",
    "terms",
    "po_number",
    "reference",
    "payments",
    "created_by",
    "created_at",
    "updated_at",
    "issued_at",
    "voided_at",
    "links",
];
const SORTS: &[&str] = &["created_at", "updated_at", "issue_date", "due_date", "total", "amount_due", "customer_name"];

pub const LIST: ListSpec = ListSpec {
    path: "/v1/invoices",
    item_schema: "InvoiceView",
    sorts: SORTS,
    default_sort: "-created_at",
    fields: FIELDS,
    cursor: CursorStyle::Keyset,
};

pub const CUSTOMER_LIST: ListSpec = ListSpec { path: "/v1/customers/{id}/invoices", ..LIST };

const SORTABLE: &[Sortable] = &[
    Sortable { name: "created_at", column: "created_at", kind: Kind::Time },
    Sortable { name: "updated_at", column: "updated_at", kind: Kind::Time },
    Sortable { name: "issue_date", column: "issue_date", kind: Kind::Date },
    Sortable { name: "due_date", column: "due_date", kind: Kind::Date },
    Sortable { name: "total", column: "total_e4", kind: Kind::Int },
    Sortable { name: "amount_due", column: "amount_due", kind: Kind::Int },
    Sortable { name: "customer_name", column: "customer_name", kind: Kind::Text },
];

const TABLE: TableList = TableList { spec: &LIST, table: Table::Invoices, sorts: SORTABLE };

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InvoiceFilter {
    #[param(value_type = Option<remit_core::view::StatusName>)]
    status: Option<String>,
    #[param(format = Uuid)]
    customer_id: Option<String>,
    #[param(value_type = Option<crate::openapi::CurrencyCode>)]
    currency: Option<String>,
    /// Issued on or after this date.
    issue_date_from: Option<NaiveDate>,
    /// Issued on or before this date.
    issue_date_to: Option<NaiveDate>,
    due_date_from: Option<NaiveDate>,
    due_date_to: Option<NaiveDate>,
    /// Total at least this much (a decimal, in the invoice's currency).
    #[param(pattern = "^[0-9]{1,12}(\\.[0-9]{1,4})?$")]
    total_min: Option<String>,
    #[param(pattern = "^[0-9]{1,12}(\\.[0-9]{1,4})?$")]
    total_max: Option<String>,
    /// Text in the number, customer name, notes, reference or PO number.
    #[param(max_length = 200, pattern = "^[^\\u0000]*$")]
    q: Option<String>,
}

fn bad_filter(detail: String) -> Problem {
    Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_query", detail)
}

fn amount_e4(name: &str, value: &str) -> Result<i64, Problem> {
    let d = Decimal::from_str_exact(value).map_err(|_| bad_filter(format!("{name} {value:?}: a decimal amount")))?;
    // The amount in ten-thousandths, as `total_e4` stores totals (at most 4 decimals).
    let scaled = d
        .checked_mul(Decimal::from(10_000))
        .filter(|s| s.fract().is_zero())
        .ok_or_else(|| bad_filter(format!("{name}: at most 4 decimals")))?;
    i64::try_from(scaled).map_err(|_| bad_filter(format!("{name}: too large")))
}

fn conditions(principal: &Principal, f: InvoiceFilter) -> Result<Vec<Cond>, Problem> {
    let mut conds = Vec::new();
    if let Some(s) = &f.status {
        if !crate::invoicing::views::STATUS_CODES.contains(&s.as_str()) {
            return Err(bad_filter(format!(
                "status {s:?}: one of {}",
                crate::invoicing::views::STATUS_CODES.join(", ")
            )));
        }
        conds.push(invoices::status_filter(s, today()));
    }
    if let Some(c) = &f.customer_id {
        let id = uuid::Uuid::try_parse(c).map_err(|_| bad_filter(format!("customer_id {c:?}: not a UUID")))?;
        conds.push(Cond::Cmp("customer_id", Op::Eq, Sql::Uuid(id)));
    }
    if let Some(c) = &f.currency {
        let currency = remit_core::Currency::parse(c)?;
        conds.push(Cond::Cmp("currency", Op::Eq, Sql::Text(currency.code().to_owned())));
    }
    for (column, op, date) in [
        ("issue_date", Op::Ge, f.issue_date_from),
        ("issue_date", Op::Le, f.issue_date_to),
        ("due_date", Op::Ge, f.due_date_from),
        ("due_date", Op::Le, f.due_date_to),
    ] {
        if let Some(d) = date {
            conds.push(Cond::Cmp(column, op, Sql::Date(d)));
        }
    }
    if let Some(v) = &f.total_min {
        conds.push(Cond::Cmp("total_e4", Op::Ge, Sql::Int(amount_e4("total_min", v)?)));
    }
    if let Some(v) = &f.total_max {
        conds.push(Cond::Cmp("total_e4", Op::Le, Sql::Int(amount_e4("total_max", v)?)));
    }
    crate::invoicing::views::check_search(f.q.as_deref())?;
    if let Some(text) = f.q.filter(|t| !t.trim().is_empty()) {
        conds.push(Cond::Contains("search", text.trim().to_owned()));
    }
    if !sees_all(principal, Action::ReadInvoice) {
        conds.push(Cond::Cmp("created_by", Op::Eq, Sql::Uuid(*principal.user_id.as_uuid())));
    }
    Ok(conds)
}

#[utoipa::path(get, path = "/v1/invoices", tag = "invoices", security(("api_key" = [])), params(InvoiceFilter, ListQuery), responses(
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
    ApiQuery(filter): ApiQuery<InvoiceFilter>,
    ApiQuery(q): ApiQuery<ListQuery>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Page>, Problem> {
    authorize(&state, &principal, Action::ReadInvoice, None, &ctx).await?;
    let conds = conditions(&principal, filter)?;
    let day = today();
    Ok(Json(TABLE.page(&state, principal.tenant_id, conds, &q, raw.as_deref(), |v| invoices::adjust(v, day)).await?))
}

#[utoipa::path(get, path = "/v1/customers/{id}/invoices", tag = "customers", security(("api_key" = [])),
    params(("id" = String, Path, description = "the customer's id"), InvoiceFilter, ListQuery),
    responses(
        (status = 200, body = crate::listing::PageSchema),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn for_customer(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    Path(id): Path<String>,
    ApiQuery(mut filter): ApiQuery<InvoiceFilter>,
    ApiQuery(q): ApiQuery<ListQuery>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Page>, Problem> {
    let customer = parse_id(&id, "customer")?;
    crate::invoicing::customers::readable(&state, &principal, &ctx, customer).await?;
    authorize(&state, &principal, Action::ReadInvoice, None, &ctx).await?;
    // The customer is the path's; a `customer_id` filter may only repeat it.
    if filter.customer_id.as_deref().is_some_and(|c| uuid::Uuid::try_parse(c).ok() != Some(customer)) {
        return Err(bad_filter("customer_id: this list is the customer's in the path".to_owned()));
    }
    filter.customer_id = Some(customer.to_string());
    let conds = conditions(&principal, filter)?;
    let day = today();
    let list = TableList { spec: &CUSTOMER_LIST, ..TABLE };
    let mut page =
        list.page(&state, principal.tenant_id, conds, &q, raw.as_deref(), |v| invoices::adjust(v, day)).await?;
    let path = format!("/v1/customers/{customer}/invoices");
    page.links.this = page.links.this.replacen(CUSTOMER_LIST.path, &path, 1);
    page.links.next = page.links.next.map(|n| n.replacen(CUSTOMER_LIST.path, &path, 1));
    Ok(Json(page))
}

#[utoipa::path(post, path = "/v1/invoices", tag = "invoices", security(("api_key" = [])), request_body = InvoiceInput, responses(
    (status = 201, body = InvoiceView),
    (status = 400, body = Problem, content_type = "application/problem+json", description = "malformed JSON"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 415, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "bad fields, an unknown customer or product, an unknown currency"),
    (status = 429, body = Problem, content_type = "application/problem+json"),
))]
pub async fn create(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    ApiJson(body): ApiJson<InvoiceInput>,
) -> Result<(StatusCode, Json<Value>), Problem> {
    Ok((StatusCode::CREATED, Json(invoices::create(&state, &principal, &ctx, body).await?)))
}

#[utoipa::path(get, path = "/v1/invoices/{id}", tag = "invoices", security(("api_key" = [])),
    params(("id" = String, Path, description = "the invoice's id")),
    responses(
        (status = 200, body = InvoiceView),
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
    Ok(Json(invoices::get(&state, &principal, &ctx, parse_id(&id, "invoice")?).await?))
}

#[utoipa::path(put, path = "/v1/invoices/{id}", tag = "invoices", security(("api_key" = [])), request_body = InvoiceInput,
    params(("id" = String, Path, description = "the invoice's id")),
    responses(
        (status = 200, body = InvoiceView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "issued or voided (not editable), or changed meanwhile"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<InvoiceInput>,
) -> Result<Json<Value>, Problem> {
    Ok(Json(invoices::update(&state, &principal, &ctx, parse_id(&id, "invoice")?, body).await?))
}

#[utoipa::path(delete, path = "/v1/invoices/{id}", tag = "invoices", security(("api_key" = [])),
    params(("id" = String, Path, description = "the invoice's id")),
    responses(
        (status = 204, description = "deleted"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "not a draft"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn remove(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    invoices::delete(&state, &principal, &ctx, parse_id(&id, "invoice")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Numbers and freezes a draft (the number comes from the tenant's series, never twice).
#[utoipa::path(post, path = "/v1/invoices/{id}/issue", tag = "invoices", security(("api_key" = [])),
    params(("id" = String, Path, description = "the invoice's id")),
    responses(
        (status = 200, body = InvoiceView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "already issued, or voided"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "not complete enough to issue (no lines)"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn issue(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    Path(id): Path<String>,
) -> Result<Json<Value>, Problem> {
    Ok(Json(invoices::issue(&state, &principal, &ctx, parse_id(&id, "invoice")?).await?))
}

/// Voids an issued invoice; it keeps its number and what was paid becomes credit.
#[utoipa::path(post, path = "/v1/invoices/{id}/void", tag = "invoices", security(("api_key" = [])), request_body(content = Option<VoidInput>, description = "optional `{\"reason\"}`"),
    params(("id" = String, Path, description = "the invoice's id")),
    responses(
        (status = 200, body = InvoiceView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "a draft (delete it instead), or already voided"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn void(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<Value>, Problem> {
    // No body, or `null`, is a void without a reason.
    let input: Option<VoidInput> = if body.is_empty() { None } else { crate::extract::parse_json(&headers, &body)? };
    let input = input.unwrap_or_default();
    Ok(Json(invoices::void(&state, &principal, &ctx, parse_id(&id, "invoice")?, input).await?))
}

/// The invoice as a PDF (A4, the same rendering as the desktop's and `remit pdf`).
#[utoipa::path(get, path = "/v1/invoices/{id}/pdf", tag = "invoices", security(("api_key" = [])),
    params(("id" = String, Path, description = "the invoice's id")),
    responses(
        (status = 200, description = "the PDF", content_type = "application/pdf", body = Vec<u8>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn pdf(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    Path(id): Path<String>,
) -> Result<axum::response::Response, Problem> {
    use axum::http::{HeaderValue, header};
    use axum::response::IntoResponse;
    let (file, bytes) = crate::invoicing::delivery::pdf(&state, &principal, &ctx, parse_id(&id, "invoice")?).await?;
    let mut res = (StatusCode::OK, bytes).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{file}\"")) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

/// Sends the invoice: issues a draft first, then emails it to the customer (or `to`) with the
/// PDF attached and the portal link, and records that it was sent.
#[utoipa::path(post, path = "/v1/invoices/{id}/send", tag = "invoices", security(("api_key" = [])),
    request_body(content = Option<crate::invoicing::delivery::SendInput>, description = "optional `{\"to\", \"message\"}`"),
    params(("id" = String, Path, description = "the invoice's id")),
    responses(
        (status = 200, body = InvoiceView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "voided"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "no recipient, or not complete enough to issue"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
        (status = 502, body = Problem, content_type = "application/problem+json", description = "the mail relay did not take the message"),
    ))]
pub async fn send(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<Value>, Problem> {
    let input: Option<crate::invoicing::delivery::SendInput> =
        if body.is_empty() { None } else { crate::extract::parse_json(&headers, &body)? };
    let id = parse_id(&id, "invoice")?;
    Ok(Json(crate::invoicing::delivery::send(&state, &principal, &ctx, id, input.unwrap_or_default()).await?))
}
