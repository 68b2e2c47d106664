//! Password login and session refresh. A session token (`rs_...`) works like an API key for
//! 8 hours; its refresh token (`rr_...`) buys a new session within 30 days, once.

use std::sync::OnceLock;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use remit_core::TenantId;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::audit::{AuditActor, AuditEvent, RequestContext};
use crate::credentials::{self, Token};
use crate::extract::ApiJson;
use crate::problem::Problem;
use crate::store::{REFRESH_DAYS, SESSION_HOURS, Session};

/// Attempts per hour for one account, before the password is even checked.
const LOGIN_ATTEMPTS_PER_HOUR: i64 = 20;
/// Attempts per hour from one address, whatever the accounts.
const LOGIN_ATTEMPTS_PER_ADDRESS_PER_HOUR: i64 = 200;
/// Password hashes computed at once: each takes 19 MiB and a CPU for tens of milliseconds.
static HASHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    #[schema(format = Uuid)]
    tenant_id: String,
    #[schema(format = Email)]
    email: String,
    #[schema(min_length = 1, max_length = 1024, pattern = "^[^\\u0000]*$")]
    password: String,
}

// The password never reaches a log, even through Debug.
impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login").field("tenant_id", &self.tenant_id).field("email", &self.email).finish_non_exhaustive()
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Refresh {
    #[schema(pattern = "^[^\\u0000]*$")]
    refresh_token: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Tokens {
    access_token: String,
    token_type: &'static str,
    expires_in: i64,
    refresh_token: String,
    refresh_expires_in: i64,
}

impl From<Session> for Tokens {
    fn from(s: Session) -> Self {
        Tokens {
            access_token: s.access.expose(),
            token_type: "Bearer",
            expires_in: SESSION_HOURS * 3600,
            refresh_token: s.refresh.expose(),
            refresh_expires_in: REFRESH_DAYS * 86_400,
        }
    }
}

fn refused() -> Problem {
    Problem::new(StatusCode::UNAUTHORIZED, "invalid_credentials", "the tenant, email or password is wrong".to_owned())
}

/// Checks against this when the user does not exist, so both cases take as long.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| credentials::hash_password("decoy password, never valid").unwrap_or_default())
}

#[utoipa::path(post, path = "/v1/auth/login", tag = "identity", request_body = Login, responses(
    (status = 200, body = Tokens),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "wrong tenant, email or password"),
    (status = 415, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
    (status = 429, body = Problem, content_type = "application/problem+json", description = "too many attempts for this account"),
))]
pub async fn login(
    State(state): State<AppState>,
    ctx: RequestContext,
    ApiJson(body): ApiJson<Login>,
) -> Result<Json<Tokens>, Problem> {
    let Ok(tenant) = TenantId::parse(&body.tenant_id) else { return Err(refused()) };
    // A well-formed address (at most 254 bytes) before anything is counted or hashed.
    let Ok(email) = remit_core::Email::parse(&body.email) else { return Err(refused()) };
    let email = email.as_str().to_owned();
    let now = chrono::Utc::now().timestamp();
    let address = ctx.ip_address.clone().unwrap_or_default();
    for (scope, limit) in [
        (format!("login-ip:{address}"), LOGIN_ATTEMPTS_PER_ADDRESS_PER_HOUR),
        (format!("login:{tenant}:{email}"), LOGIN_ATTEMPTS_PER_HOUR),
    ] {
        let quota = state.limiter.check(&scope, limit, now);
        if !quota.allowed {
            let detail = format!("too many attempts; retry in {} s", quota.reset);
            return Err(Problem::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", detail));
        }
    }
    let record = state.store.login_record(tenant, &email).await?;
    let stored = record.as_ref().and_then(|r| r.password_hash.clone()).unwrap_or_else(|| decoy_hash().to_owned());
    let password = body.password;
    let permit =
        HASHING.acquire().await.map_err(|_| Problem::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", None))?;
    let matches =
        tokio::task::spawn_blocking(move || credentials::verify_password(&password, &stored)).await.unwrap_or(false);
    drop(permit);
    match record {
        Some(r) if matches && r.active && r.password_hash.is_some() => {
            Ok(Json(state.store.open_session(tenant, r.user_id, &ctx).await?.into()))
        }
        _ => {
            let mut event = AuditEvent::new("user.login", AuditActor::system("login"), "login")
                .metadata(serde_json::json!({ "email": email }))
                .context(ctx);
            event.status = "failure".into();
            // An unknown tenant has no audit log to write to: nothing to record then.
            let _ = state.store.record(tenant, event).await;
            Err(refused())
        }
    }
}

#[utoipa::path(post, path = "/v1/auth/refresh", tag = "identity", request_body = Refresh, responses(
    (status = 200, body = Tokens),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "unknown, used or expired refresh token"),
    (status = 415, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn refresh(
    State(state): State<AppState>,
    ctx: RequestContext,
    ApiJson(body): ApiJson<Refresh>,
) -> Result<Json<Tokens>, Problem> {
    let invalid = || {
        Problem::new(
            StatusCode::UNAUTHORIZED,
            "invalid_refresh_token",
            "the refresh token is unknown, used or expired".to_owned(),
        )
    };
    let Some(token) = Token::parse(body.refresh_token.trim()) else { return Err(invalid()) };
    match state.store.refresh_session(&token, &ctx).await {
        Ok(Some(session)) => Ok(Json(session.into())),
        Ok(None) => Err(invalid()),
        // A token naming a tenant that does not exist is just an invalid token.
        Err(crate::error::Error::NotFound(_)) => Err(invalid()),
        Err(err) => Err(err.into()),
    }
}
