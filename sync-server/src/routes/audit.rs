//! The audit log over HTTP (spec 6.4): search and filter, export as CSV or JSON, and a check of
//! the hash chain. Readable by owner, admin and viewer (auditor) only (`audit.read`).

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use remit_core::rbac::Action;
use serde::Deserialize;

use crate::AppState;
use crate::audit::{self, AuditEntry, RequestContext, Verification};
use crate::auth::authorize;
use crate::extract::ApiQuery;
use crate::listing::{CursorStyle, ListQuery, ListSpec, Page};
use crate::problem::Problem;
use crate::store::{AuditQuery, Principal, SeqPage};

/// Export reads the log in pages of this size.
const EXPORT_PAGE: i64 = 500;
/// An export larger than this is refused: narrow it with a date range.
const MAX_EXPORT: usize = 100_000;

pub const LIST: ListSpec = ListSpec {
    path: "/v1/audit-logs",
    item_schema: "AuditEntry",
    sorts: &["seq"],
    default_sort: "seq",
    fields: &CSV_COLUMNS,
    cursor: CursorStyle::Number,
};

#[utoipa::path(get, path = "/v1/audit-logs", tag = "audit", security(("api_key" = [])), params(AuditQuery, ListQuery), responses(
    (status = 200, body = crate::listing::PageSchema),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 429, body = Problem, content_type = "application/problem+json", description = "over the credential's hourly limit; see Retry-After"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    ApiQuery(filter): ApiQuery<AuditQuery>,
    ApiQuery(q): ApiQuery<ListQuery>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Page>, Problem> {
    authorize(&state, &principal, Action::ReadAuditLog, None, &ctx).await?;
    let parsed = LIST.parse(&q)?;
    // One more than asked tells whether another page exists.
    let page = SeqPage { cursor: parsed.cursor, descending: parsed.descending, limit: parsed.limit + 1 };
    let mut entries = state.store.audit_entries(principal.tenant_id, &filter, page).await?;
    let limit = usize::try_from(parsed.limit).unwrap_or(usize::MAX);
    let more = entries.len() > limit;
    entries.truncate(limit);
    let next_cursor = more.then(|| entries.last().map(|e| e.seq.to_string())).flatten();
    let data =
        entries.iter().map(serde_json::to_value).collect::<Result<Vec<_>, _>>().map_err(|e| {
            Problem::from(crate::error::Error::Internal(format!("audit entry does not serialize: {e}")))
        })?;
    Ok(Json(LIST.finish(data, next_cursor, &parsed, raw.as_deref())))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportFormat {
    /// `csv` or `json` (default).
    #[param(pattern = "^(csv|json)$")]
    format: Option<String>,
}

#[utoipa::path(get, path = "/v1/audit-logs/export", tag = "audit", security(("api_key" = [])), params(AuditQuery, ExportFormat), responses(
    (status = 200, description = "every matching entry", content(
        (Vec<AuditEntry> = "application/json"), (String = "text/csv; charset=utf-8")
    )),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 429, body = Problem, content_type = "application/problem+json", description = "over the credential's hourly limit; see Retry-After"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn export(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    ApiQuery(filter): ApiQuery<AuditQuery>,
    ApiQuery(format): ApiQuery<ExportFormat>,
) -> Result<Response, Problem> {
    authorize(&state, &principal, Action::ReadAuditLog, None, &ctx).await?;
    let csv = match format.format.as_deref().unwrap_or("json") {
        "csv" => true,
        "json" => false,
        other => {
            return Err(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_query",
                format!("format {other:?}: csv or json"),
            ));
        }
    };
    let mut all = Vec::new();
    let mut cursor = None;
    loop {
        let page = SeqPage { cursor, descending: false, limit: EXPORT_PAGE };
        let page = state.store.audit_entries(principal.tenant_id, &filter, page).await?;
        let Some(last) = page.last() else { break };
        cursor = Some(last.seq);
        all.extend(page);
        if all.len() > MAX_EXPORT {
            return Err(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "export_too_large",
                format!("more than {MAX_EXPORT} entries: narrow the date range"),
            ));
        }
    }
    // Exporting the audit log is itself an audited event.
    let event = audit::AuditEvent::new("audit_log.exported", principal.audit_actor(), "export")
        .metadata(serde_json::json!({ "format": if csv { "csv" } else { "json" }, "entries": all.len() }))
        .context(ctx);
    state.store.record(principal.tenant_id, event).await?;
    let (body, content_type, file) = if csv {
        (to_csv(&all), "text/csv; charset=utf-8", "audit-log.csv")
    } else {
        (serde_json::to_string(&all).unwrap_or_default(), "application/json", "audit-log.json")
    };
    let mut res = (StatusCode::OK, body).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

#[utoipa::path(get, path = "/v1/audit-logs/verify", tag = "audit", security(("api_key" = [])), responses(
    (status = 200, body = Verification),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 429, body = Problem, content_type = "application/problem+json", description = "over the credential's hourly limit; see Retry-After"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
pub async fn verify(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
) -> Result<Json<Verification>, Problem> {
    authorize(&state, &principal, Action::ReadAuditLog, None, &ctx).await?;
    let chain = state.store.audit_chain(principal.tenant_id).await?;
    Ok(Json(audit::verify(&chain.entries, chain.head)))
}

const CSV_COLUMNS: [&str; 18] = [
    "tenant_id",
    "seq",
    "event_type",
    "actor_type",
    "actor_id",
    "actor_name",
    "resource_type",
    "resource_id",
    "action",
    "status",
    "metadata",
    "changes",
    "ip_address",
    "user_agent",
    "request_id",
    "created_at",
    "prev_hash",
    "hash",
];

/// RFC 4180 CSV; cells that a spreadsheet would run as a formula are prefixed with `'`.
fn to_csv(entries: &[AuditEntry]) -> String {
    let mut out = CSV_COLUMNS.join(",");
    out.push_str("\r\n");
    for e in entries {
        let seq = e.seq.to_string();
        let cells: [&str; 18] = [
            &e.tenant_id,
            &seq,
            &e.event_type,
            &e.actor_type,
            opt(&e.actor_id),
            opt(&e.actor_name),
            opt(&e.resource_type),
            opt(&e.resource_id),
            &e.action,
            &e.status,
            &e.metadata,
            &e.changes,
            opt(&e.ip_address),
            opt(&e.user_agent),
            opt(&e.request_id),
            &e.created_at,
            &e.prev_hash,
            &e.hash,
        ];
        let row: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out
}

fn opt(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("")
}

fn csv_cell(value: &str) -> String {
    let guarded = if value.starts_with(['=', '+', '-', '@']) { format!("'{value}") } else { value.to_owned() };
    if guarded.contains([',', '"', '\n', '\r']) { format!("\"{}\"", guarded.replace('"', "\"\"")) } else { guarded }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_formula_safe() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_cell("line\nbreak"), "\"line\nbreak\"");
    }
}
