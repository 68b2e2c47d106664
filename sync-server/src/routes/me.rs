//! `GET /v1/me`: who the credential belongs to, in which tenant, with which permissions.

use axum::Json;
use axum::extract::State;
use remit_core::rbac::Role;
use serde::Serialize;

use crate::AppState;
use crate::error::Error;
use crate::problem::Problem;
use crate::store::{Principal, Tenant};

#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    user: UserView,
    tenant: Tenant,
    #[schema(value_type = crate::openapi::RoleName)]
    role: Role,
    permissions: Vec<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct UserView {
    id: String,
    email: String,
}

#[utoipa::path(get, path = "/v1/me", tag = "identity", security(("api_key" = [])), responses(
    (status = 200, body = Me), (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "API keys on the starter plan"),
    (status = 429, body = Problem, content_type = "application/problem+json", description = "over the credential's hourly limit; see Retry-After")
))]
pub async fn get(State(state): State<AppState>, principal: Principal) -> Result<Json<Me>, Error> {
    let tenant = state.store.tenant(principal.tenant_id).await?.ok_or(Error::NotFound("tenant"))?;
    let permissions = principal.policy().grants.iter().map(|g| g.permission_string()).collect();
    Ok(Json(Me {
        user: UserView { id: principal.user_id.to_string(), email: principal.email },
        tenant,
        role: principal.role,
        permissions,
    }))
}
