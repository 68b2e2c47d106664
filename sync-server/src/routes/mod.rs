//! The route table: one module per resource, handlers named by verb.

mod currencies;
mod health;
mod me;

use axum::Router;
use axum::routing::get;

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .route("/v1/currencies", get(currencies::list))
        .route("/v1/me", get(me::get))
}
