//! The route table: one module per resource, handlers named by verb.

mod audit;
mod currencies;
mod health;
mod me;
mod users;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;

use crate::AppState;
use crate::problem::Problem;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .route("/v1/currencies", get(currencies::list))
        .route("/v1/me", get(me::get))
        .route("/v1/users", get(users::list).post(users::create))
        .route("/v1/audit-logs", get(audit::list))
        .route("/v1/audit-logs/export", get(audit::export))
        .route("/v1/audit-logs/verify", get(audit::verify))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

async fn not_found() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "not_found", "no such resource".to_owned())
}

async fn method_not_allowed() -> Problem {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this resource does not take that method".to_owned(),
    )
}
