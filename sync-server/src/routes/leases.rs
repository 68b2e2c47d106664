//! Number leases for offline issuing (docs/sync-protocol.md, "Number leases"): the tenant's
//! policy, a device's lease, and the report of leases and explained gaps.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use remit_core::rbac::Action;

use crate::AppState;
use crate::audit::RequestContext;
use crate::auth::authorize;
use crate::extract::ApiJson;
use crate::problem::Problem;
use crate::store::Principal;
use crate::sync::{self, leases};

#[utoipa::path(get, path = "/v1/settings/number-leases", tag = "settings", security(("api_key" = [])), responses(
    (status = 200, body = leases::LeasePolicy),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 429, body = Problem, content_type = "application/problem+json"),
))]
pub async fn get_policy(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
) -> Result<Json<leases::LeasePolicy>, Problem> {
    authorize(&state, &principal, Action::ReadInvoice, None, &ctx).await?;
    Ok(Json(leases::policy(&state, principal.tenant_id).await?))
}

#[utoipa::path(put, path = "/v1/settings/number-leases", tag = "settings", security(("api_key" = [])),
    request_body = leases::LeasePolicy, responses(
    (status = 200, body = leases::LeasePolicy),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 415, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
    (status = 429, body = Problem, content_type = "application/problem+json"),
))]
pub async fn put_policy(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    ApiJson(body): ApiJson<leases::LeasePolicy>,
) -> Result<Json<leases::LeasePolicy>, Problem> {
    Ok(Json(leases::set_policy(&state, &principal, &ctx, body).await?))
}

#[utoipa::path(post, path = "/v1/sync/leases", tag = "sync", security(("api_key" = [])), request_body = leases::LeaseRequest,
    params(("Remit-Device" = String, Header, description = "the registered device's id")),
    responses(
        (status = 200, body = leases::LeaseView, description = "the device's lease, renewed or new"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "number_leases_disabled"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn lease(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    headers: HeaderMap,
    ApiJson(body): ApiJson<leases::LeaseRequest>,
) -> Result<Json<leases::LeaseView>, Problem> {
    let device = sync::device(&state, &principal, &headers).await?;
    Ok(Json(leases::lease(&state, &principal, &ctx, device, body).await?))
}

#[utoipa::path(get, path = "/v1/number-leases", tag = "sync", security(("api_key" = [])), responses(
    (status = 200, body = leases::LeasesReport, description = "recent leases and the explained gaps in invoice numbers"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 429, body = Problem, content_type = "application/problem+json"),
))]
pub async fn report(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
) -> Result<Json<leases::LeasesReport>, Problem> {
    Ok(Json(leases::report(&state, &principal, &ctx).await?))
}
