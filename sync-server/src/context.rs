//! Where a request came from (request id, client address, user agent), for audit entries and
//! logs. The request id is set by the `x-request-id` layer in `router()` when the client sent
//! none, and is echoed in every response.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use crate::audit::RequestContext;

impl<S: Send + Sync> FromRequestParts<S> for RequestContext {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let header =
            |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok()).map(|s| s.chars().take(512).collect());
        Ok(RequestContext {
            ip_address: parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()),
            user_agent: header("user-agent"),
            request_id: header("x-request-id"),
        })
    }
}
