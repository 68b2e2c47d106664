//! Body and query extractors whose rejections are problem+json like every other error. Both
//! refuse text with NUL characters up front: PostgreSQL cannot store them, and no invoice,
//! name or filter needs one.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::problem::Problem;

#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

fn nul_refused(where_: &str) -> Problem {
    Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_text", format!("{where_} must not contain NUL characters"))
}

fn has_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(has_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let headers = req.headers().clone();
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|r| Problem::new(StatusCode::BAD_REQUEST, "bad_request", r.body_text()))?;
        parse_json(&headers, &bytes).map(ApiJson)
    }
}

/// A JSON body, for handlers whose body is optional (they pass an empty one by).
pub fn parse_json<T: DeserializeOwned>(headers: &axum::http::HeaderMap, bytes: &[u8]) -> Result<T, Problem> {
    if !is_json(headers.get(header::CONTENT_TYPE)) {
        let detail = "send the body as JSON with `Content-Type: application/json`".to_owned();
        return Err(Problem::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", detail));
    }
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| Problem::new(StatusCode::BAD_REQUEST, "malformed_json", format!("the body is not JSON: {e}")))?;
    if has_nul(&value) {
        return Err(nul_refused("the request body"));
    }
    // Typed from the text, not from `value`: a decimal such as 0.5 then reaches
    // `remit_core::decimal::exact` as its digits rather than as a float.
    serde_json::from_slice(bytes)
        .map_err(|e| Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", e.to_string()))
}

/// `application/json` or any `application/*+json`, parameters ignored.
fn is_json(content_type: Option<&header::HeaderValue>) -> bool {
    let Some(ct) = content_type.and_then(|v| v.to_str().ok()) else { return false };
    let essence = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

#[derive(Debug, Clone, Copy, Default)]
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let pairs = axum::extract::Query::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|r| Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_query", r.body_text()))?;
        if pairs.0.iter().any(|(k, v)| k.contains('\0') || v.contains('\0')) {
            return Err(nul_refused("the query"));
        }
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|r| Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_query", r.body_text()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_is_found_anywhere_in_a_body() {
        assert!(!has_nul(&serde_json::json!({"a": ["b", {"c": "d"}], "n": 1})));
        assert!(has_nul(&serde_json::json!({"a": ["b", {"c": "d\u{0}"}]})));
        assert!(has_nul(&serde_json::json!({"k\u{0}": 1})));
    }
}
