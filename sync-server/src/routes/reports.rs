//! `/v1/reports/*` (spec 5.2): JSON, or CSV with `Accept: text/csv` or `?format=csv`.
//! Readable with `report.view` (owner, admin, accountant, manager, viewer).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use remit_core::rbac::Action;
use serde::Deserialize;

use crate::AppState;
use crate::audit::RequestContext;
use crate::auth::authorize;
use crate::extract::ApiQuery;
use crate::invoicing::reports::{self, Report, SalesGroup};
use crate::invoicing::today;
use crate::problem::Problem;
use crate::store::Principal;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Format {
    /// `csv` or `json`; `Accept: text/csv` also asks for CSV.
    #[param(pattern = "^(csv|json)$")]
    format: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AsOf {
    /// The day the ages are counted to; default today.
    as_of: Option<NaiveDate>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Range {
    /// First day included; default the first of this month a year ago.
    from: Option<NaiveDate>,
    /// Last day included; default today.
    to: Option<NaiveDate>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Grouping {
    /// `period` (month, the default), `customer` or `product`.
    #[param(value_type = Option<SalesGroup>)]
    group_by: Option<SalesGroup>,
}

fn wants_csv(format: &Format, headers: &HeaderMap) -> Result<bool, Problem> {
    match format.format.as_deref() {
        Some("csv") => Ok(true),
        Some("json") => Ok(false),
        Some(other) => Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_query",
            format!("format {other:?}: csv or json"),
        )),
        None => Ok(headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.split(',').any(|t| t.trim().starts_with("text/csv")))),
    }
}

fn render(report: Report, csv: bool) -> Response {
    if !csv {
        return Json(report).into_response();
    }
    let file = format!("{}-report.csv", report.report);
    let mut res = (StatusCode::OK, reports::to_csv(&report)).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

fn range(r: &Range) -> Result<(NaiveDate, NaiveDate), Problem> {
    let to = r.to.unwrap_or_else(today);
    let from = r.from.unwrap_or_else(|| NaiveDate::from_ymd_opt(to.year() - 1, to.month(), 1).unwrap_or(to));
    if from > to {
        return Err(Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_query", "from is after to".to_owned()));
    }
    Ok((from, to))
}

#[utoipa::path(get, path = "/v1/reports/aging", tag = "reports", security(("api_key" = [])), params(AsOf, Format), responses(
    (status = 200, description = "amount due per customer and currency by days past due: current, 1_30, 31_60, 61_90, over_90", content(
        (Report = "application/json"), (String = "text/csv; charset=utf-8")
    )),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
    (status = 429, body = Problem, content_type = "application/problem+json"),
))]
pub async fn aging(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<AsOf>,
    ApiQuery(format): ApiQuery<Format>,
) -> Result<Response, Problem> {
    authorize(&state, &principal, Action::ViewReports, None, &ctx).await?;
    let csv = wants_csv(&format, &headers)?;
    Ok(render(reports::aging(&state, principal.tenant_id, q.as_of.unwrap_or_else(today)).await?, csv))
}

#[utoipa::path(get, path = "/v1/reports/sales", tag = "reports", security(("api_key" = [])), params(Range, Grouping, Format), responses(
    (status = 200, description = "net, tax and total of issued invoices by month, customer or product, per currency", content(
        (Report = "application/json"), (String = "text/csv; charset=utf-8")
    )),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
    (status = 429, body = Problem, content_type = "application/problem+json"),
))]
pub async fn sales(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    headers: HeaderMap,
    ApiQuery(r): ApiQuery<Range>,
    ApiQuery(g): ApiQuery<Grouping>,
    ApiQuery(format): ApiQuery<Format>,
) -> Result<Response, Problem> {
    authorize(&state, &principal, Action::ViewReports, None, &ctx).await?;
    let csv = wants_csv(&format, &headers)?;
    let (from, to) = range(&r)?;
    let group = g.group_by.unwrap_or(SalesGroup::Period);
    Ok(render(reports::sales(&state, principal.tenant_id, from, to, group).await?, csv))
}

#[utoipa::path(get, path = "/v1/reports/tax", tag = "reports", security(("api_key" = [])), params(Range, Format), responses(
    (status = 200, description = "taxable amount and tax by month, category and rate, per currency", content(
        (Report = "application/json"), (String = "text/csv; charset=utf-8")
    )),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
    (status = 429, body = Problem, content_type = "application/problem+json"),
))]
pub async fn tax(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    headers: HeaderMap,
    ApiQuery(r): ApiQuery<Range>,
    ApiQuery(format): ApiQuery<Format>,
) -> Result<Response, Problem> {
    authorize(&state, &principal, Action::ViewReports, None, &ctx).await?;
    let csv = wants_csv(&format, &headers)?;
    let (from, to) = range(&r)?;
    Ok(render(reports::tax(&state, principal.tenant_id, from, to).await?, csv))
}

#[utoipa::path(get, path = "/v1/reports/payments", tag = "reports", security(("api_key" = [])), params(Range, Format), responses(
    (status = 200, description = "payments received and refunded by month and method, per currency", content(
        (Report = "application/json"), (String = "text/csv; charset=utf-8")
    )),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
    (status = 429, body = Problem, content_type = "application/problem+json"),
))]
pub async fn payments(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    headers: HeaderMap,
    ApiQuery(r): ApiQuery<Range>,
    ApiQuery(format): ApiQuery<Format>,
) -> Result<Response, Problem> {
    authorize(&state, &principal, Action::ViewReports, None, &ctx).await?;
    let csv = wants_csv(&format, &headers)?;
    let (from, to) = range(&r)?;
    Ok(render(reports::payments(&state, principal.tenant_id, from, to).await?, csv))
}
