//! `Idempotency-Key` on every POST, after the IETF draft (draft-ietf-httpapi-idempotency-key-
//! header): the same key with the same request gets the stored response again (marked
//! `Idempotent-Replayed: true`); the same key with a different request is refused with 422; a
//! key whose request is still running gets 409. Keys are scoped to the tenant and the
//! credential, and kept 24 hours. A 5xx is not stored, so the retry runs again.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::auth::Authn;
use crate::problem::Problem;
use crate::store::{IdempotencyClaim, StoredResponse};

pub const HEADER: &str = "idempotency-key";

/// Put in a response's extensions by a handler whose body holds a secret shown once (a new API
/// key): such a body is never stored, so a retry learns that the request succeeded, not the
/// secret.
#[derive(Debug, Clone, Copy)]
pub struct OneTimeSecret;
/// Requests and responses larger than this are not handled here (the API has none).
const MAX_BODY: usize = 2 * 1024 * 1024;

fn valid_key(key: &str) -> bool {
    (1..=255).contains(&key.len()) && key.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let Some(raw_key) = req.headers().get(HEADER) else { return next.run(req).await };
    let Some(key) = raw_key.to_str().ok().filter(|k| valid_key(k)).map(str::to_owned) else {
        return Problem::new(
            StatusCode::BAD_REQUEST,
            "invalid_idempotency_key",
            "Idempotency-Key must be 1 to 255 visible ASCII characters (a UUID is ideal)".to_owned(),
        )
        .into_response();
    };
    // Scope: the credential. Unauthenticated requests go on to be refused as usual.
    let Some(Authn::Ok(auth)) = req.extensions().get::<Authn>().cloned() else {
        return next.run(req).await;
    };
    let tenant = auth.principal.tenant_id;
    let scope = auth.scope;
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BODY).await else {
        return Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", None).into_response();
    };
    let mut hasher = Sha256::new();
    hasher.update(parts.method.as_str());
    hasher.update(b" ");
    hasher.update(parts.uri.to_string());
    hasher.update(b"\n");
    hasher.update(&bytes);
    let fingerprint = hex::encode(hasher.finalize());

    match state.store.idempotency_claim(tenant, &scope, &key, &fingerprint).await {
        Err(err) => Problem::from(err).into_response(),
        Ok(IdempotencyClaim::Mismatch) => Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "this Idempotency-Key was used for a different request".to_owned(),
        )
        .into_response(),
        Ok(IdempotencyClaim::InFlight) => Problem::new(
            StatusCode::CONFLICT,
            "idempotency_key_in_flight",
            "a request with this Idempotency-Key is still being processed; retry later".to_owned(),
        )
        .into_response(),
        Ok(IdempotencyClaim::Replay(stored)) => replay(stored),
        Ok(IdempotencyClaim::Claimed) => {
            let response = next.run(Request::from_parts(parts, Body::from(bytes))).await;
            finish(&state, tenant, &scope, &key, response).await
        }
    }
}

async fn finish(
    state: &AppState,
    tenant: remit_core::TenantId,
    scope: &str,
    key: &str,
    response: Response,
) -> Response {
    let (parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BODY).await else {
        let _ = state.store.idempotency_finish(tenant, scope, key, None).await;
        return Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", None).into_response();
    };
    let stored = if parts.status.is_server_error() {
        None
    } else if parts.extensions.get::<OneTimeSecret>().is_some() {
        let problem = Problem::new(
            StatusCode::CONFLICT,
            "idempotent_secret_not_kept",
            "the first request with this Idempotency-Key succeeded; its response held a secret shown only once, \
             so it is not replayed: list the resource to find what was created"
                .to_owned(),
        );
        Some(StoredResponse {
            status: StatusCode::CONFLICT.as_u16(),
            content_type: Some("application/problem+json".into()),
            body: serde_json::to_vec(&problem).unwrap_or_default(),
        })
    } else {
        Some(StoredResponse {
            status: parts.status.as_u16(),
            content_type: parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned),
            body: bytes.to_vec(),
        })
    };
    if let Err(err) = state.store.idempotency_finish(tenant, scope, key, stored.as_ref()).await {
        tracing::error!(error = %err, "cannot store the idempotent response");
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn replay(stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut res = (status, stored.body).into_response();
    if let Some(ct) = stored.content_type.and_then(|c| HeaderValue::from_str(&c).ok()) {
        res.headers_mut().insert(header::CONTENT_TYPE, ct);
    }
    res.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_visible_ascii_up_to_255() {
        assert!(valid_key("0190f1d2-3b4c-7d5e-8f60-718293a4b5c6"));
        assert!(!valid_key(""));
        assert!(!valid_key("has space"));
        assert!(!valid_key(&"k".repeat(256)));
        assert!(!valid_key("ünïcode"));
    }
}
