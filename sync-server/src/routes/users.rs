//! `/v1/users`: the tenant's members. Managing them needs `user.manage` (owner, admin).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use remit_core::Email;
use remit_core::rbac::{Action, Role};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::audit::RequestContext;
use crate::auth::authorize;
use crate::extract::ApiJson;
use crate::problem::Problem;
use crate::store::{NewUser, Principal, UserRecord};

#[derive(Serialize, utoipa::ToSchema)]
pub struct UserList {
    data: Vec<UserRecord>,
}

#[utoipa::path(get, path = "/v1/users", tag = "users", security(("api_key" = [])), responses(
    (status = 200, body = UserList),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 429, body = Problem, content_type = "application/problem+json", description = "over the credential's hourly limit; see Retry-After"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
) -> Result<Json<UserList>, Problem> {
    authorize(&state, &principal, Action::ManageUsers, None, &ctx).await?;
    Ok(Json(UserList { data: state.store.users(principal.tenant_id).await? }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    #[schema(format = Email, example = "ann@acme.example")]
    email: String,
    /// Any role but owner: a tenant has one owner.
    #[schema(value_type = crate::openapi::AssignableRole)]
    role: Role,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedUserView {
    #[schema(format = Uuid)]
    user_id: String,
    email: String,
    #[schema(value_type = crate::openapi::RoleName)]
    role: Role,
    /// Shown once; only its hash is stored.
    api_key: String,
}

/// Adds a member with a role and a first API key (shown once). Send an `Idempotency-Key`
/// header (a UUID) to make retries safe: the same key and body return the first response.
#[utoipa::path(post, path = "/v1/users", tag = "users", security(("api_key" = [])), request_body = CreateUser, responses(
    (status = 201, body = CreatedUserView),
    (status = 400, body = Problem, content_type = "application/problem+json", description = "malformed JSON"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 429, body = Problem, content_type = "application/problem+json", description = "over the credential's hourly limit; see Retry-After"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "not allowed, or the plan's user limit"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "the email is taken"),
    (status = 415, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn create(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    ApiJson(body): ApiJson<CreateUser>,
) -> Result<(StatusCode, Json<CreatedUserView>), Problem> {
    authorize(&state, &principal, Action::ManageUsers, None, &ctx).await?;
    if body.role == Role::Owner {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_role",
            "a tenant has one owner; transfer ownership instead of adding another".to_owned(),
        ));
    }
    let email = Email::parse(&body.email)
        .map_err(|e| Problem::new(StatusCode::UNPROCESSABLE_ENTITY, e.code(), e.to_string()))?;
    let user = NewUser { email, role: body.role, password_hash: None };
    let created = state.store.create_user(principal.tenant_id, user, &principal.audit_actor(), &ctx).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedUserView {
            user_id: created.user_id.to_string(),
            email: created.email,
            role: body.role,
            api_key: created.api_key.expose(),
        }),
    ))
}
