//! Who is calling and what they may do: the `Principal` extractor checks the
//! `Authorization: Bearer` API key; `authorize` checks remit-core's RBAC policy and records
//! every denial in the audit log.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;

use remit_core::rbac::{Action, Target};

use crate::AppState;
use crate::audit::{AuditEvent, RequestContext};
use crate::credentials::ApiKey;
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
    let Err(denied) = principal.role.policy().authorize(principal.user_id, action, target) else {
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

impl FromRequestParts<AppState> for Principal {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let unauthenticated =
            |detail: &str| Problem::new(StatusCode::UNAUTHORIZED, "unauthenticated", detail.to_owned());
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| unauthenticated("send an API key as `Authorization: Bearer rk_...`"))?;
        let token = header.strip_prefix("Bearer ").map(str::trim).unwrap_or("");
        let key = ApiKey::parse(token).ok_or_else(|| unauthenticated("the credential is not a Remit API key"))?;
        match state.store.authenticate(&key).await {
            Ok(Some(principal)) => Ok(principal),
            Ok(None) => Err(unauthenticated("the API key is unknown or revoked")),
            Err(err) => Err(Problem::from(err)),
        }
    }
}
