//! Lists over projection tables: one function for every resource's `limit`, keyset `cursor`,
//! `sort`, `fields`, filters and links.

use serde_json::Value;

use super::{cursor, parse_view};
use crate::AppState;
use crate::listing::{ListQuery, ListSpec, Page};
use crate::problem::Problem;
use crate::store::records::{Cond, Kind, Table, ViewQuery};
use remit_core::TenantId;

/// A sort a list offers: its API name, its column and the column's type.
#[derive(Debug, Clone, Copy)]
pub struct Sortable {
    pub name: &'static str,
    pub column: &'static str,
    pub kind: Kind,
}

/// One list over a projection table.
#[derive(Debug)]
pub struct TableList {
    pub spec: &'static ListSpec,
    pub table: Table,
    pub sorts: &'static [Sortable],
}

impl TableList {
    /// A page of rows matching `filter`; `adjust` finishes each stored view for today (an
    /// invoice's date-dependent status).
    pub async fn page(
        &self,
        state: &AppState,
        tenant: TenantId,
        filter: Vec<Cond>,
        q: &ListQuery,
        raw: Option<&str>,
        adjust: impl Fn(&mut Value),
    ) -> Result<Page, Problem> {
        let parsed = self.spec.parse(q)?;
        let sortable = self.sorts.iter().find(|s| s.name == parsed.sort).ok_or_else(|| {
            Problem::from(crate::error::Error::Internal(format!("no column for sort {}", parsed.sort)))
        })?;
        let token = if parsed.descending { format!("-{}", parsed.sort) } else { parsed.sort.to_owned() };
        let after = parsed.token.as_deref().map(|c| cursor::decode(c, &token, sortable.kind)).transpose()?;
        let query = ViewQuery {
            table: self.table,
            filter,
            sort: sortable.column,
            sort_kind: sortable.kind,
            descending: parsed.descending,
            after,
            limit: parsed.limit + 1,
        };
        let mut rows = state.store.views(tenant, &query).await?;
        let limit = usize::try_from(parsed.limit).unwrap_or(usize::MAX);
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next = more.then(|| rows.last().map(|r| cursor::encode(&token, &r.key, r.id))).flatten();
        let data = rows
            .iter()
            .map(|r| {
                let mut v = parse_view(&r.view)?;
                adjust(&mut v);
                Ok(v)
            })
            .collect::<Result<Vec<_>, Problem>>()?;
        Ok(self.spec.finish(data, next, &parsed, raw))
    }
}

/// Search text is at most 200 characters, as the schema says.
pub fn check_search(q: Option<&str>) -> Result<(), Problem> {
    match q {
        Some(text) if text.chars().count() > 200 => Err(Problem::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_query",
            "q must be at most 200 characters".to_owned(),
        )),
        _ => Ok(()),
    }
}

/// Every status code, as `Status::code` spells them.
pub const STATUS_CODES: [&str; 16] = [
    "draft",
    "pending_approval",
    "approved",
    "issued",
    "sent",
    "viewed",
    "payment_initiated",
    "processing",
    "partially_paid",
    "paid",
    "payment_failed",
    "overdue",
    "written_off",
    "partially_refunded",
    "refunded",
    "voided",
];
