//! Liveness and readiness for load balancers and orchestrators.

use axum::Json;
use serde_json::{Value, json};

/// The process is up and serving requests.
pub async fn live() -> Json<Value> {
    Json(json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}

/// The server can do useful work. With no database yet, that is the same as being live.
pub async fn ready() -> Json<Value> {
    Json(json!({ "status": "ready" }))
}
