//! OAuth2 client credentials (RFC 6749 §4.4): `POST /oauth/token` with a form body (or HTTP
//! Basic for the client) gives a JWT access token valid one hour, for the client's scopes or a
//! subset asked for with `scope`. Errors use the RFC's JSON shape, not problem+json, because
//! OAuth client libraries expect it.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::credentials::{parse_client_id, sha256_hex};
use crate::jwt::{self, Claims};

#[derive(Debug, Default, Deserialize)]
pub struct TokenRequest {
    /// Must be `client_credentials`.
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    /// Space-separated permission strings, a subset of the client's (default: all of them).
    scope: Option<String>,
}

/// The form as documented: `grant_type` is required (its absence is answered with
/// `invalid_request`, which `TokenRequest` lets the handler say).
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code, reason = "a schema only")]
pub struct TokenForm {
    grant_type: GrantType,
    client_id: Option<String>,
    client_secret: Option<String>,
    /// Space-separated permission strings; those the client lacks are left out (the response's
    /// `scope` lists what was granted). Default: all of the client's.
    scope: Option<String>,
}

#[derive(Debug, utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code, reason = "a schema only")]
pub enum GrantType {
    ClientCredentials,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    access_token: String,
    token_type: &'static str,
    expires_in: i64,
    scope: String,
}

/// RFC 6749 §5.2.
#[derive(Serialize, utoipa::ToSchema)]
pub struct OAuthError {
    error: &'static str,
    error_description: String,
}

fn oauth_error(status: StatusCode, error: &'static str, description: &str) -> Response {
    let mut res = (status, Json(OAuthError { error, error_description: description.to_owned() })).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if status == StatusCode::UNAUTHORIZED {
        res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"remit\""));
    }
    res
}

/// Client credentials from HTTP Basic, if sent that way.
fn basic(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let (id, secret) = std::str::from_utf8(&decoded).ok()?.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

#[utoipa::path(post, path = "/oauth/token", tag = "identity",
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, body = TokenResponse),
        (status = 400, body = OAuthError, description = "invalid_request, unsupported_grant_type, unauthorized_client"),
        (status = 401, body = OAuthError, description = "invalid_client"),
    ))]
pub async fn token(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<axum::Form<TokenRequest>, FormRejection>,
) -> Response {
    let Ok(axum::Form(form)) = form else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "send a form body (application/x-www-form-urlencoded)",
        );
    };
    match form.grant_type.as_deref() {
        Some("client_credentials") => {}
        Some(_) => return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", "only client_credentials"),
        None => return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "grant_type is missing"),
    }
    let Some((client_id, secret)) = basic(&headers).or(form.client_id.zip(form.client_secret)) else {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "client_id and client_secret are needed");
    };
    let invalid_client = || oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "unknown client or wrong secret");
    let Some((tenant, client)) = parse_client_id(&client_id) else { return invalid_client() };
    let principal = match state.store.client_principal(tenant, client, Some(&sha256_hex(&secret))).await {
        Ok(Some(p)) => p,
        Ok(None) => return invalid_client(),
        Err(crate::error::Error::NotFound(_)) => return invalid_client(),
        Err(err) => return crate::problem::Problem::from(err).into_response(),
    };
    if !principal.plan.api_access() {
        return oauth_error(StatusCode::BAD_REQUEST, "unauthorized_client", "the plan has no API access");
    }
    // RFC 6749 §3.3: scopes asked for that the client lacks are left out, and the response's
    // `scope` says what was granted.
    let allowed = principal.scopes.unwrap_or_default();
    let granted: Vec<String> = match form.scope.as_deref() {
        None => allowed,
        Some(asked) => asked.split_whitespace().filter(|s| allowed.iter().any(|a| a == s)).map(str::to_owned).collect(),
    };
    let key = match state.signing_key().await {
        Ok(k) => k,
        Err(err) => return crate::problem::Problem::from(err).into_response(),
    };
    let now = chrono::Utc::now().timestamp();
    let claims = Claims {
        iss: "remit".into(),
        sub: client_id,
        tid: tenant.to_string(),
        scope: granted.join(" "),
        iat: now,
        exp: now + jwt::LIFETIME_SECONDS,
        jti: uuid::Uuid::now_v7().to_string(),
    };
    let Some(access_token) = jwt::sign(key, &claims) else {
        return crate::problem::Problem::from(crate::error::Error::Internal("cannot sign".into())).into_response();
    };
    let body =
        TokenResponse { access_token, token_type: "Bearer", expires_in: jwt::LIFETIME_SECONDS, scope: claims.scope };
    let mut res = Json(body).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}
