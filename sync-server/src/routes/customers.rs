//! `/v1/customers` (spec 5.2): handlers over `invoicing::customers`.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use remit_core::rbac::Action;
use serde::Deserialize;
use serde_json::Value;

use crate::AppState;
use crate::audit::RequestContext;
use crate::auth::authorize;
use crate::extract::{ApiJson, ApiQuery};
use crate::invoicing::customers::{self, CustomerInput, CustomerView};
use crate::invoicing::views::{Sortable, TableList};
use crate::invoicing::{parse_id, sees_all};
use crate::listing::{CursorStyle, ListQuery, ListSpec, Page};
use crate::problem::Problem;
use crate::store::Principal;
use crate::store::records::{Cond, Kind, Op, Sql, Table};

pub const LIST: ListSpec = ListSpec {
    path: "/v1/customers",
    item_schema: "CustomerView",
    sorts: &["name", "created_at", "updated_at"],
    default_sort: "name",
    fields: &[
        "id",
        "name",
        "email",
        "phone",
        "billing_address",
        "tax_id",
        "currency",
        "payment_terms_days",
        "notes",
        "created_by",
        "created_at",
        "updated_at",
        "links",
    ],
    cursor: CursorStyle::Keyset,
};

const TABLE: TableList = TableList {
    spec: &LIST,
    table: Table::Customers,
    sorts: &[
        Sortable { name: "name", column: "name", kind: Kind::Text },
        Sortable { name: "created_at", column: "created_at", kind: Kind::Time },
        Sortable { name: "updated_at", column: "updated_at", kind: Kind::Time },
    ],
};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomerFilter {
    /// Text in the name, email or tax id, case-insensitive.
    #[param(max_length = 200, pattern = "^[^\\u0000]*$")]
    q: Option<String>,
}

#[utoipa::path(get, path = "/v1/customers", tag = "customers", security(("api_key" = [])), params(CustomerFilter, ListQuery), responses(
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
    ApiQuery(filter): ApiQuery<CustomerFilter>,
    ApiQuery(q): ApiQuery<ListQuery>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Page>, Problem> {
    authorize(&state, &principal, Action::ReadCustomer, None, &ctx).await?;
    let mut conds = Vec::new();
    crate::invoicing::views::check_search(filter.q.as_deref())?;
    if let Some(text) = filter.q.filter(|t| !t.trim().is_empty()) {
        conds.push(Cond::Contains("search", text.trim().to_owned()));
    }
    if !sees_all(&principal, Action::ReadCustomer) {
        conds.push(Cond::Cmp("created_by", Op::Eq, Sql::Uuid(*principal.user_id.as_uuid())));
    }
    Ok(Json(TABLE.page(&state, principal.tenant_id, conds, &q, raw.as_deref(), |_| ()).await?))
}

#[utoipa::path(post, path = "/v1/customers", tag = "customers", security(("api_key" = [])), request_body = CustomerInput, responses(
    (status = 201, body = CustomerView),
    (status = 400, body = Problem, content_type = "application/problem+json", description = "malformed JSON"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 415, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
    (status = 429, body = Problem, content_type = "application/problem+json"),
))]
pub async fn create(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    ApiJson(body): ApiJson<CustomerInput>,
) -> Result<(StatusCode, Json<CustomerView>), Problem> {
    Ok((StatusCode::CREATED, Json(customers::create(&state, &principal, &ctx, body).await?)))
}

#[utoipa::path(get, path = "/v1/customers/{id}", tag = "customers", security(("api_key" = [])),
    params(("id" = String, Path, description = "the customer's id")),
    responses(
        (status = 200, body = CustomerView),
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
    Ok(Json(customers::get(&state, &principal, &ctx, parse_id(&id, "customer")?).await?))
}

#[utoipa::path(put, path = "/v1/customers/{id}", tag = "customers", security(("api_key" = [])), request_body = CustomerInput,
    params(("id" = String, Path, description = "the customer's id")),
    responses(
        (status = 200, body = CustomerView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "changed by someone else meanwhile"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CustomerInput>,
) -> Result<Json<CustomerView>, Problem> {
    Ok(Json(customers::update(&state, &principal, &ctx, parse_id(&id, "customer")?, body).await?))
}

#[utoipa::path(delete, path = "/v1/customers/{id}", tag = "customers", security(("api_key" = [])),
    params(("id" = String, Path, description = "the customer's id")),
    responses(
        (status = 204, description = "deleted"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "the customer still owes money"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn remove(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    customers::delete(&state, &principal, &ctx, parse_id(&id, "customer")?).await?;
    Ok(StatusCode::NO_CONTENT)
}
