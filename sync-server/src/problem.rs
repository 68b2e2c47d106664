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
    /// Every field that is wrong, when the request had several problems.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<FieldProblem>>)]
    pub errors: Option<Vec<remit_core::FieldError>>,
}

/// One wrong field: `line_items[2].quantity` and what is wrong with it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[allow(dead_code, reason = "a schema only: the API sends remit_core::FieldError")]
pub struct FieldProblem {
    field: String,
    message: String,
}

impl Problem {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<Option<String>>) -> Self {
        Self {
            kind: format!("https://docs.remit.app/problems/{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            code,
            detail: detail.into(),
            errors: None,
        }
    }
}

impl From<remit_core::Error> for Problem {
    fn from(err: remit_core::Error) -> Self {
        let errors = match &err {
            remit_core::Error::Validation(list) => Some(list.clone()),
            _ => None,
        };
        let mut p = Problem::new(StatusCode::UNPROCESSABLE_ENTITY, err.code(), err.to_string());
        p.errors = errors;
        p
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
            Error::Domain(e) => Problem::from(e),
            Error::NotFound(what) => Problem::new(StatusCode::NOT_FOUND, "not_found", format!("{what} not found")),
            Error::Conflict(m) => Problem::new(StatusCode::CONFLICT, "conflict", m),
            Error::PlanLimit(m) => Problem::new(StatusCode::FORBIDDEN, "plan_limit", m),
            Error::NumberTaken(m) => Problem::new(StatusCode::CONFLICT, "number_already_used", m),
            Error::Mail(m) => {
                tracing::warn!(error = %m, "mail relay failed");
                Problem::new(
                    StatusCode::BAD_GATEWAY,
                    "mail_failed",
                    "the mail relay did not take the message; try again".to_owned(),
                )
            }
            Error::Stale => Problem::new(StatusCode::CONFLICT, "edit_conflict", Error::Stale.to_string()),
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
