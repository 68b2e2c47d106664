//! `/v1/products` (spec 5.2): handlers over `invoicing::products`.

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
use crate::invoicing::parse_id;
use crate::invoicing::products::{self, ProductInput, ProductView};
use crate::invoicing::views::{Sortable, TableList};
use crate::listing::{CursorStyle, ListQuery, ListSpec, Page};
use crate::problem::Problem;
use crate::store::Principal;
use crate::store::records::{Cond, Kind, Table};

pub const LIST: ListSpec = ListSpec {
    path: "/v1/products",
    item_schema: "ProductView",
    sorts: &["name", "created_at", "updated_at"],
    default_sort: "name",
    fields: &[
        "id",
        "name",
        "description",
        "sku",
        "currency",
        "unit_price",
        "unit",
        "tax_rate",
        "tax_category",
        "created_at",
        "updated_at",
        "links",
    ],
    cursor: CursorStyle::Keyset,
};

const TABLE: TableList = TableList {
    spec: &LIST,
    table: Table::Products,
    sorts: &[
        Sortable { name: "name", column: "name", kind: Kind::Text },
        Sortable { name: "created_at", column: "created_at", kind: Kind::Time },
        Sortable { name: "updated_at", column: "updated_at", kind: Kind::Time },
    ],
};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductFilter {
    /// Text in the name, SKU or description, case-insensitive.
    #[param(max_length = 200, pattern = "^[^\\u0000]*$")]
    q: Option<String>,
}

#[utoipa::path(get, path = "/v1/products", tag = "products", security(("api_key" = [])), params(ProductFilter, ListQuery), responses(
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
    ApiQuery(filter): ApiQuery<ProductFilter>,
    ApiQuery(q): ApiQuery<ListQuery>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Page>, Problem> {
    // The item library is shared: whoever writes invoices picks lines from all of it.
    authorize(&state, &principal, Action::ReadInvoice, None, &ctx).await?;
    let mut conds = Vec::new();
    crate::invoicing::views::check_search(filter.q.as_deref())?;
    if let Some(text) = filter.q.filter(|t| !t.trim().is_empty()) {
        conds.push(Cond::Contains("search", text.trim().to_owned()));
    }
    Ok(Json(TABLE.page(&state, principal.tenant_id, conds, &q, raw.as_deref(), |_| ()).await?))
}

#[utoipa::path(post, path = "/v1/products", tag = "products", security(("api_key" = [])), request_body = ProductInput, responses(
    (status = 201, body = ProductView),
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
    ApiJson(body): ApiJson<ProductInput>,
) -> Result<(StatusCode, Json<ProductView>), Problem> {
    Ok((StatusCode::CREATED, Json(products::create(&state, &principal, &ctx, body).await?)))
}

#[utoipa::path(get, path = "/v1/products/{id}", tag = "products", security(("api_key" = [])),
    params(("id" = String, Path, description = "the product's id")),
    responses(
        (status = 200, body = ProductView),
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
    Ok(Json(products::get(&state, &principal, &ctx, parse_id(&id, "product")?).await?))
}

#[utoipa::path(put, path = "/v1/products/{id}", tag = "products", security(("api_key" = [])), request_body = ProductInput,
    params(("id" = String, Path, description = "the product's id")),
    responses(
        (status = 200, body = ProductView),
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
    ApiJson(body): ApiJson<ProductInput>,
) -> Result<Json<ProductView>, Problem> {
    Ok(Json(products::update(&state, &principal, &ctx, parse_id(&id, "product")?, body).await?))
}

#[utoipa::path(delete, path = "/v1/products/{id}", tag = "products", security(("api_key" = [])),
    params(("id" = String, Path, description = "the product's id")),
    responses(
        (status = 204, description = "deleted"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
                (status = 429, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn remove(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    products::delete(&state, &principal, &ctx, parse_id(&id, "product")?).await?;
    Ok(StatusCode::NO_CONTENT)
}
