//! Who is calling: the `Principal` extractor checks the `Authorization: Bearer` API key.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;

use crate::AppState;
use crate::credentials::ApiKey;
use crate::problem::Problem;
use crate::store::Principal;

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
