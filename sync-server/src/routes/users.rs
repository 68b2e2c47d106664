//! `/v1/users`: the tenant's members. Managing them needs `user.manage` (owner, admin).

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use remit_core::Email;
use remit_core::rbac::{Action, Role};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::audit::RequestContext;
use crate::auth::authorize;
use crate::extract::{ApiJson, ApiQuery};
use crate::listing::{CursorStyle, ListQuery, ListSpec, Page};
use crate::problem::Problem;
use crate::store::{NewUser, Principal};

pub const LIST: ListSpec = ListSpec {
    path: "/v1/users",
    item_schema: "UserRecord",
    sorts: &["created_at", "email", "role"],
    default_sort: "created_at",
    fields: &["id", "email", "role", "status", "created_at"],
    cursor: CursorStyle::Number,
};

#[utoipa::path(get, path = "/v1/users", tag = "users", security(("api_key" = [])), params(ListQuery), responses(
    (status = 200, body = crate::listing::PageSchema),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "a bad limit, cursor, sort or field"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 429, body = Problem, content_type = "application/problem+json", description = "over the credential's hourly limit; see Retry-After"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    ApiQuery(q): ApiQuery<ListQuery>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Page>, Problem> {
    authorize(&state, &principal, Action::ManageUsers, None, &ctx).await?;
    Ok(Json(LIST.page_in_memory(state.store.users(principal.tenant_id).await?, &q, raw.as_deref())?))
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
) -> Result<axum::response::Response, Problem> {
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
    let view = CreatedUserView {
        user_id: created.user_id.to_string(),
        email: created.email,
        role: body.role,
        api_key: created.api_key.expose(),
    };
    let mut res = (StatusCode::CREATED, Json(view)).into_response();
    res.extensions_mut().insert(crate::idempotency::OneTimeSecret);
    Ok(res)
}

fn user_id(raw: &str) -> Result<remit_core::UserId, Problem> {
    remit_core::UserId::parse(raw)
        .map_err(|_| Problem::new(StatusCode::NOT_FOUND, "not_found", "user not found".to_owned()))
}

/// Removes a member: their account is disabled and their keys and sessions stop working at
/// once. The owner cannot be removed (transfer ownership first), nor can you remove yourself.
#[utoipa::path(delete, path = "/v1/users/{id}", tag = "users", security(("api_key" = [])),
    params(("id" = String, Path, description = "the user's id")),
    responses(
        (status = 204, description = "removed"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "the owner, or yourself"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn remove(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    authorize(&state, &principal, Action::ManageUsers, None, &ctx).await?;
    let user = user_id(&id)?;
    if user == principal.user_id {
        return Err(Problem::new(StatusCode::CONFLICT, "conflict", "you cannot remove yourself".to_owned()));
    }
    state.store.remove_user(principal.tenant_id, user, &principal.audit_actor(), &ctx).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Hands the tenant to another member, who becomes its owner; the current owner becomes an
/// administrator. Only the owner can do this.
#[utoipa::path(post, path = "/v1/users/{id}/transfer-ownership", tag = "users", security(("api_key" = [])),
    params(("id" = String, Path, description = "the member who becomes the owner")),
    responses(
        (status = 204, description = "transferred"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "not the owner"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn transfer_ownership(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    authorize(&state, &principal, Action::ManageBilling, None, &ctx).await?;
    let to = user_id(&id)?;
    if principal.role != Role::Owner {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "only the owner can transfer ownership".to_owned(),
        ));
    }
    if to == principal.user_id {
        return Err(Problem::new(StatusCode::CONFLICT, "conflict", "you are already the owner".to_owned()));
    }
    state.store.transfer_ownership(principal.tenant_id, principal.user_id, to, &principal.audit_actor(), &ctx).await?;
    Ok(StatusCode::NO_CONTENT)
}
