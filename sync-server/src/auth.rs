//! Who is calling and what they may do. `layer` authenticates the `Authorization: Bearer`
//! credential once per request (an API key, a session token, or an OAuth2 access token) and
//! applies its rate limit; the `Principal` extractor hands the result to handlers;
//! `authorize` checks remit-core's RBAC policy and records every denial in the audit log.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use remit_core::rbac::{Action, Target};

use crate::AppState;
use crate::audit::{AuditEvent, RequestContext};
use crate::credentials::{Kind, Token};
use crate::problem::Problem;
use crate::store::Principal;

/// Refuses with 403 problem+json (and an audit entry) unless the principal's role allows
/// `action` on `target`.
pub async fn authorize(
    state: &AppState,
    principal: &Principal,
    action: Action,
    target: Option<&Target>,
    ctx: &RequestContext,
) -> Result<(), Problem> {
    let Err(denied) = principal.policy().authorize(principal.user_id, action, target) else {
        return Ok(());
    };
    let mut event = AuditEvent::new("permission.denied", principal.audit_actor(), "deny")
        .metadata(serde_json::json!({ "action": format!("{action:?}"), "reason": denied.to_string() }))
        .context(ctx.clone());
    event.status = "failure".into();
    if let Err(err) = state.store.record(principal.tenant_id, event).await {
        return Err(Problem::from(err));
    }
    Err(Problem::new(StatusCode::FORBIDDEN, "forbidden", denied.to_string()))
}

/// What authenticating a request found, left in its extensions by `layer` for the
/// `Principal` extractor and the layers inside (idempotency).
#[derive(Debug, Clone)]
pub enum Authn {
    Missing,
    NotAKey,
    Unknown,
    /// A valid API key of a tenant whose plan has no API access.
    NoApiAccess,
    Ok(Authenticated),
}

#[derive(Debug, Clone)]
pub struct Authenticated {
    pub principal: Principal,
    /// The credential, hashed: the scope of its rate limit and idempotency keys.
    pub scope: String,
}

/// An OAuth2 access token: valid signature, not expired, and its client still live.
async fn client_from_jwt(state: &AppState, jwt: &str) -> crate::error::Result<Option<Authenticated>> {
    let key = state.signing_key().await?;
    let Some(claims) = crate::jwt::verify(key, jwt, chrono::Utc::now().timestamp()) else { return Ok(None) };
    let Some((tenant, client)) = crate::credentials::parse_client_id(&claims.sub) else { return Ok(None) };
    if claims.tid != tenant.to_string() {
        return Ok(None);
    }
    let Some(mut principal) = state.store.client_principal(tenant, client, None).await? else { return Ok(None) };
    // The token's scopes, which may be fewer than the client's.
    let granted: Vec<String> = claims.scope.split_whitespace().map(str::to_owned).collect();
    principal.scopes = Some(principal.scopes.unwrap_or_default().into_iter().filter(|s| granted.contains(s)).collect());
    if !principal.plan.api_access() {
        return Ok(None);
    }
    Ok(Some(Authenticated { principal, scope: crate::credentials::sha256_hex(&claims.sub) }))
}

/// The credential of an `Authorization: Bearer ...` header (the scheme is case-insensitive).
fn bearer(header: &str) -> Option<&str> {
    let (scheme, credential) = header.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| credential.trim())
}

/// Authenticates once per request and applies the credential's rate limit, writing the
/// `RateLimit` headers on every authenticated response (and a 429 past the limit).
pub async fn layer(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let header = req.headers().get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let outcome = match header {
        None => Authn::Missing,
        Some(h) => match bearer(h).and_then(Token::parse) {
            None => match bearer(h).filter(|t| t.matches('.').count() == 2) {
                Some(jwt) => match client_from_jwt(&state, jwt).await {
                    Ok(Some(auth)) => Authn::Ok(auth),
                    Ok(None) => Authn::Unknown,
                    Err(err) => return Problem::from(err).into_response(),
                },
                None => Authn::NotAKey,
            },
            Some(key) => match state.store.authenticate(&key).await {
                Ok(Some(principal)) if key.kind() == Kind::ApiKey && !principal.plan.api_access() => Authn::NoApiAccess,
                Ok(Some(principal)) => Authn::Ok(Authenticated { principal, scope: key.hash() }),
                Ok(None) => Authn::Unknown,
                Err(err) => return Problem::from(err).into_response(),
            },
        },
    };
    let Authn::Ok(auth) = &outcome else {
        req.extensions_mut().insert(outcome);
        return next.run(req).await;
    };
    let quota = state.limiter.check(&auth.scope, auth.principal.requests_per_hour, chrono::Utc::now().timestamp());
    if !quota.allowed {
        let detail = format!("{} requests per hour for this credential; retry in {} s", quota.limit, quota.reset);
        let mut res = Problem::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", detail).into_response();
        quota.write_headers(res.headers_mut());
        return res;
    }
    req.extensions_mut().insert(outcome);
    let mut res = next.run(req).await;
    quota.write_headers(res.headers_mut());
    res
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, Self::Rejection> {
        let unauthenticated =
            |detail: &str| Problem::new(StatusCode::UNAUTHORIZED, "unauthenticated", detail.to_owned());
        match parts.extensions.get::<Authn>() {
            Some(Authn::Ok(auth)) => Ok(auth.principal.clone()),
            Some(Authn::NotAKey) => Err(unauthenticated("the credential is not a Remit API key or token")),
            Some(Authn::Unknown) => Err(unauthenticated("the credential is unknown, revoked or expired")),
            Some(Authn::NoApiAccess) => Err(Problem::new(
                StatusCode::FORBIDDEN,
                "plan_no_api_access",
                "API keys need the professional or enterprise plan; sign in with a password instead".to_owned(),
            )),
            Some(Authn::Missing) | None => Err(unauthenticated("send an API key as `Authorization: Bearer rk_...`")),
        }
    }
}
