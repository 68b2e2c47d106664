//! `POST /v1/tenants`: tenant provisioning (spec 6.1) for the platform operator, whose
//! credential is configured on the server as a SHA-256 (`REMIT_OPERATOR_TOKEN_SHA256`), never
//! stored in a tenant. Tenants themselves cannot create tenants.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use remit_core::{Email, Role};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::audit::RequestContext;
use crate::extract::ApiJson;
use crate::problem::Problem;
use crate::store::{NewTenant, NewUser, Plan};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTenant {
    #[schema(min_length = 1, max_length = 255, pattern = "^[^\\u0000]*\\S[^\\u0000]*$")]
    name: String,
    plan: Plan,
    /// Lower-case letters, digits and inner hyphens: `acme` for acme.example.com.
    #[schema(pattern = "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    subdomain: Option<String>,
    #[schema(format = Email)]
    owner_email: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Owner {
    #[schema(format = Uuid)]
    user_id: String,
    email: String,
    /// Shown once; only its hash is stored.
    api_key: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedTenant {
    #[schema(format = Uuid)]
    tenant_id: String,
    trial_ends_at: Option<chrono::DateTime<chrono::Utc>>,
    owner: Owner,
}

/// Whether the request carries the operator's token (compared in constant time).
fn is_operator(state: &AppState, headers: &HeaderMap) -> Result<(), Problem> {
    let unauthenticated = |detail: &str| Problem::new(StatusCode::UNAUTHORIZED, "unauthenticated", detail.to_owned());
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|h| h.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| unauthenticated("send the operator token as `Authorization: Bearer ...`"))?;
    let Some(expected) = &state.operator_token_sha256 else {
        let detail = "tenant provisioning over HTTP is off: the server has no operator credential";
        return Err(Problem::new(StatusCode::FORBIDDEN, "forbidden", detail.to_owned()));
    };
    let given = Sha256::digest(token.as_bytes());
    let expected = hex::decode(expected).unwrap_or_default();
    let same = given.len() == expected.len() && given.iter().zip(&expected).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
    if same { Ok(()) } else { Err(unauthenticated("the operator credential is wrong")) }
}

#[utoipa::path(post, path = "/v1/tenants", tag = "tenants", security(("operator" = [])), request_body = CreateTenant, responses(
    (status = 201, body = CreatedTenant),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "no operator credential is configured"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "the subdomain is taken"),
    (status = 415, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    ctx: RequestContext,
    ApiJson(body): ApiJson<CreateTenant>,
) -> Result<Response, Problem> {
    is_operator(&state, &headers)?;
    let email = Email::parse(&body.owner_email)
        .map_err(|e| Problem::new(StatusCode::UNPROCESSABLE_ENTITY, e.code(), e.to_string()))?;
    let owner = NewUser { email, role: Role::Owner, password_hash: None };
    let new = NewTenant { name: body.name, subdomain: body.subdomain, plan: body.plan };
    let (tenant, created) = state.store.create_tenant(new, owner, &ctx).await?;
    let view = CreatedTenant {
        tenant_id: tenant.id.to_string(),
        trial_ends_at: tenant.trial_ends_at,
        owner: Owner { user_id: created.user_id.to_string(), email: created.email, api_key: created.api_key.expose() },
    };
    let mut res = (StatusCode::CREATED, Json(view)).into_response();
    res.extensions_mut().insert(crate::idempotency::OneTimeSecret);
    Ok(res)
}
