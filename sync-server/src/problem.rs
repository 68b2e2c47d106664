//! RFC 9457 problem+json: every error a client sees, with a stable `code`. Internal causes are
//! logged with the request id and never sent.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::Error;

/// An RFC 9457 problem document; `code` is stable, switch on it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Problem {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<Option<String>>) -> Self {
        Self {
            kind: format!("https://docs.remit.app/problems/{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            code,
            detail: detail.into(),
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut res = (status, axum::Json(self)).into_response();
        res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        res
    }
}

impl From<Error> for Problem {
    fn from(err: Error) -> Self {
        match err {
            Error::BadRequest(m) => Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", m),
            Error::Domain(e) => Problem::new(StatusCode::UNPROCESSABLE_ENTITY, e.code(), e.to_string()),
            Error::NotFound(what) => Problem::new(StatusCode::NOT_FOUND, "not_found", format!("{what} not found")),
            Error::Conflict(m) => Problem::new(StatusCode::CONFLICT, "conflict", m),
            Error::PlanLimit(m) => Problem::new(StatusCode::FORBIDDEN, "plan_limit", m),
            other => {
                tracing::error!(error = %other, "request failed");
                Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", None)
            }
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        Problem::from(self).into_response()
    }
}
