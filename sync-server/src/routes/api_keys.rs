//! `/v1/api-keys`: a user's own API keys. Keys are shown once when created and then only by
//! their prefix; revoking one stops it at once. Holders of `user.manage` may revoke anyone's.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use remit_core::rbac::Action;
use serde::Serialize;

use crate::AppState;
use crate::audit::RequestContext;
use crate::extract::ApiQuery;
use crate::listing::{CursorStyle, ListQuery, ListSpec, Page};
use crate::problem::Problem;
use crate::store::Principal;

pub const LIST: ListSpec = ListSpec {
    path: "/v1/api-keys",
    item_schema: "ApiKeyRecord",
    sorts: &["created_at", "revoked_at"],
    default_sort: "-created_at",
    fields: &["id", "user_id", "prefix", "created_at", "revoked_at"],
    cursor: CursorStyle::Number,
};

#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedApiKey {
    #[schema(format = Uuid)]
    id: String,
    prefix: String,
    /// Shown once; only its hash is stored.
    api_key: String,
}

/// Your own API keys, live and revoked, newest first.
#[utoipa::path(get, path = "/v1/api-keys", tag = "identity", security(("api_key" = [])), params(ListQuery), responses(
    (status = 200, body = crate::listing::PageSchema),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "a bad limit, cursor, sort or field"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 429, body = Problem, content_type = "application/problem+json"),
))]
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<ListQuery>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Page>, Problem> {
    Ok(Json(LIST.page_in_memory(
        state.store.api_keys(principal.tenant_id, principal.user_id).await?,
        &q,
        raw.as_deref(),
    )?))
}

#[utoipa::path(post, path = "/v1/api-keys", tag = "identity", security(("api_key" = [])), responses(
    (status = 201, body = CreatedApiKey),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "the plan has no API access"),
    (status = 429, body = Problem, content_type = "application/problem+json"),
))]
pub async fn create(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
) -> Result<Response, Problem> {
    if principal.client.is_some() {
        return Err(Problem::new(StatusCode::FORBIDDEN, "forbidden", "a client cannot make API keys".to_owned()));
    }
    if !principal.plan.api_access() {
        let detail = "API keys need the professional or enterprise plan".to_owned();
        return Err(Problem::new(StatusCode::FORBIDDEN, "plan_no_api_access", detail));
    }
    let (id, key) =
        state.store.create_api_key(principal.tenant_id, principal.user_id, &principal.audit_actor(), &ctx).await?;
    let view = CreatedApiKey { id, prefix: key.prefix(), api_key: key.expose() };
    let mut res = (StatusCode::CREATED, Json(view)).into_response();
    res.extensions_mut().insert(crate::idempotency::OneTimeSecret);
    Ok(res)
}

#[utoipa::path(delete, path = "/v1/api-keys/{id}", tag = "identity", security(("api_key" = [])),
    params(("id" = String, Path, description = "the key's id")),
    responses(
        (status = 204, description = "revoked"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "no such live key of yours"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn revoke(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    let not_found = || Problem::new(StatusCode::NOT_FOUND, "not_found", "no such live API key".to_owned());
    let key_id = uuid::Uuid::try_parse(&id).map_err(|_| not_found())?;
    let manages_users = principal.policy().allows(principal.user_id, Action::ManageUsers, None);
    let owner = (!manages_users).then_some(principal.user_id);
    match state.store.revoke_api_key(principal.tenant_id, key_id, owner, &principal.audit_actor(), &ctx).await {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        Err(crate::error::Error::NotFound(_)) => Err(not_found()),
        Err(err) => Err(err.into()),
    }
}
