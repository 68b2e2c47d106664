//! `/v1/api-clients`: OAuth2 clients, managed with `settings.manage`. A client acts on behalf of
//! its creator: its access is the creator's role, narrowed to its scopes (by default all the
//! creator's permissions). Its secret is shown once; revoking it stops its tokens at once,
//! since every request re-reads the client.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use remit_core::rbac::Action;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::audit::RequestContext;
use crate::auth::authorize;
use crate::extract::{ApiJson, ApiQuery};
use crate::listing::{CursorStyle, ListQuery, ListSpec, Page};
use crate::problem::Problem;
use crate::store::Principal;

pub const LIST: ListSpec = ListSpec {
    path: "/v1/api-clients",
    item_schema: "ApiClientRecord",
    sorts: &["created_at", "name", "revoked_at"],
    default_sort: "created_at",
    fields: &["id", "name", "scopes", "created_by", "created_at", "revoked_at"],
    cursor: CursorStyle::Number,
};

/// The tenant's clients, live and revoked; never their secrets.
#[utoipa::path(get, path = "/v1/api-clients", tag = "identity", security(("api_key" = [])), params(ListQuery), responses(
    (status = 200, body = crate::listing::PageSchema),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "a bad limit, cursor, sort or field"),
    (status = 429, body = Problem, content_type = "application/problem+json"),
))]
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    ApiQuery(q): ApiQuery<ListQuery>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Page>, Problem> {
    authorize(&state, &principal, Action::ManageSettings, None, &ctx).await?;
    Ok(Json(LIST.page_in_memory(state.store.api_clients(principal.tenant_id).await?, &q, raw.as_deref())?))
}

/// Revokes a client: the token endpoint refuses its secret and its access tokens stop working.
#[utoipa::path(delete, path = "/v1/api-clients/{id}", tag = "identity", security(("api_key" = [])),
    params(("id" = String, Path, description = "the client id, `rc_…`")),
    responses(
        (status = 204, description = "revoked"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "no such live client"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn revoke(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    authorize(&state, &principal, Action::ManageSettings, None, &ctx).await?;
    let not_found = || Problem::new(StatusCode::NOT_FOUND, "not_found", "no such live API client".to_owned());
    // Another tenant's client id is simply not found: tenants never learn of each other.
    let client = match crate::credentials::parse_client_id(&id) {
        Some((tenant, client)) if tenant == principal.tenant_id => client,
        _ => return Err(not_found()),
    };
    match state.store.revoke_api_client(principal.tenant_id, client, &principal.audit_actor(), &ctx).await {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        Err(crate::error::Error::NotFound(_)) => Err(not_found()),
        Err(err) => Err(err.into()),
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateClient {
    #[schema(min_length = 1, max_length = 255, pattern = "^[^\\u0000]*\\S[^\\u0000]*$")]
    name: String,
    /// Permission strings such as `invoice.read.all` or the narrower `invoice.read.own`; each
    /// must be covered by your own permissions.
    #[schema(value_type = Option<Vec<crate::openapi::PermissionName>>)]
    scopes: Option<Vec<String>>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedClient {
    client_id: String,
    /// Shown once; only its hash is stored.
    client_secret: String,
    name: String,
    scopes: Vec<String>,
}

#[utoipa::path(post, path = "/v1/api-clients", tag = "identity", security(("api_key" = [])), request_body = CreateClient, responses(
    (status = 201, body = CreatedClient),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 415, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "a scope you do not have"),
    (status = 429, body = Problem, content_type = "application/problem+json"),
))]
pub async fn create(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    ApiJson(body): ApiJson<CreateClient>,
) -> Result<Response, Problem> {
    authorize(&state, &principal, Action::ManageSettings, None, &ctx).await?;
    if principal.client.is_some() {
        return Err(Problem::new(StatusCode::FORBIDDEN, "forbidden", "a client cannot register clients".to_owned()));
    }
    // The length as sent (what the schema promises), and something visible once trimmed.
    let name = body.name.trim();
    if name.is_empty() || body.name.chars().count() > 255 {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
            "name must be 1 to 255 characters".to_owned(),
        ));
    }
    let mine = principal.policy().grants;
    let scopes = match body.scopes {
        None => mine.iter().map(|g| g.permission_string()).collect(),
        Some(asked) => {
            let mut scopes: Vec<String> = Vec::new();
            for s in asked {
                let covered = remit_core::Grant::parse(&s).is_ok_and(|g| mine.iter().any(|h| h.covers(&g)));
                if !covered {
                    let detail = format!("{s:?} is not a permission of yours");
                    return Err(Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_scope", detail));
                }
                if !scopes.contains(&s) {
                    scopes.push(s);
                }
            }
            scopes
        }
    };
    let (id, secret) = state
        .store
        .create_api_client(principal.tenant_id, principal.user_id, name, &scopes, &principal.audit_actor(), &ctx)
        .await?;
    let view = CreatedClient {
        client_id: crate::credentials::client_id(principal.tenant_id, id),
        client_secret: secret,
        name: name.to_owned(),
        scopes,
    };
    let mut res = (StatusCode::CREATED, Json(view)).into_response();
    res.extensions_mut().insert(crate::idempotency::OneTimeSecret);
    Ok(res)
}
