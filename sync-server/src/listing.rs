//! The list conventions every collection endpoint shares: `limit`, `cursor` → `next_cursor`,
//! `sort` (`field` or `-field`), `fields` (sparse objects) and `links`.
//!
//! Each list declares a [`ListSpec`]: the fields it sorts by and returns. The OpenAPI document
//! gets the exact `sort` values and a `fields` pattern from the same spec (see
//! [`crate::openapi`]), so the schema promises only what the handler accepts.

use std::cmp::Ordering;

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::problem::Problem;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;

/// The query parameters of every list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page, asked with the same `sort` and filters.
    pub cursor: Option<String>,
    /// A field to sort by, ascending; `-field` for descending. Ties are broken by `id`.
    pub sort: Option<String>,
    /// Comma-separated top-level fields to keep in each item (all when absent).
    pub fields: Option<String>,
}

/// One list: its path, the fields it sorts by, its default order and the fields of its items.
#[derive(Debug)]
pub struct ListSpec {
    pub path: &'static str,
    /// The item schema's name in `components.schemas`.
    pub item_schema: &'static str,
    pub sorts: &'static [&'static str],
    pub default_sort: &'static str,
    pub fields: &'static [&'static str],
    pub cursor: CursorStyle,
}

/// How a list's cursor says where the next page starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CursorStyle {
    /// A position in a small list sorted in memory, or a sequence number.
    Number,
    /// An opaque keyset token (`invoicing::cursor`): the last row's sort value and id.
    Keyset,
}

impl CursorStyle {
    /// The pattern the OpenAPI document gives the `cursor` parameter.
    pub fn pattern(self) -> &'static str {
        match self {
            CursorStyle::Number => "^[0-9]{1,18}$",
            CursorStyle::Keyset => "^[A-Za-z0-9_-]{1,1000}$",
        }
    }
}

/// A page as every list answers it.
#[derive(Debug, Serialize)]
pub struct Page {
    pub data: Vec<Value>,
    pub next_cursor: Option<String>,
    pub links: Links,
}

/// The shape of every list's answer; the OpenAPI document gives each list its own item type.
#[derive(Debug, utoipa::ToSchema)]
#[schema(as = Page)]
#[allow(dead_code, reason = "a schema only: lists answer `Page`")]
pub struct PageSchema {
    data: Vec<serde_json::Map<String, Value>>,
    next_cursor: Option<String>,
    links: Links,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Links {
    /// This page.
    #[serde(rename = "self")]
    pub this: String,
    /// The next page, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// A list query checked against its spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub limit: i64,
    /// A number cursor, read.
    pub cursor: Option<i64>,
    /// A keyset cursor, as given (decoded by the list against its sort).
    pub token: Option<String>,
    pub sort: &'static str,
    pub descending: bool,
    pub fields: Option<Vec<&'static str>>,
}

fn invalid(code: &'static str, detail: String) -> Problem {
    Problem::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail)
}

impl ListSpec {
    /// Checks `limit`, `cursor`, `sort` and `fields`, naming what is wrong.
    pub fn parse(&self, q: &ListQuery) -> Result<Parsed, Problem> {
        let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(invalid("invalid_query", format!("limit must be 1 to {MAX_LIMIT}")));
        }
        let token = (self.cursor == CursorStyle::Keyset).then(|| q.cursor.clone()).flatten();
        let cursor = match &q.cursor {
            None => None,
            Some(_) if self.cursor == CursorStyle::Keyset => None,
            Some(c) => Some(
                c.parse::<i64>()
                    .ok()
                    .filter(|n| *n >= 0)
                    .ok_or_else(|| invalid("invalid_cursor", "cursor is not one this API gave".to_owned()))?,
            ),
        };
        let asked = q.sort.as_deref().unwrap_or(self.default_sort);
        let (descending, name) = asked.strip_prefix('-').map_or((false, asked), |rest| (true, rest));
        let sort = self.sorts.iter().copied().find(|s| *s == name).ok_or_else(|| {
            invalid(
                "invalid_sort",
                format!("sort {asked:?}: one of {}, optionally with a leading -", self.sorts.join(", ")),
            )
        })?;
        let fields = q.fields.as_deref().map(|f| self.parse_fields(f)).transpose()?;
        Ok(Parsed { limit, cursor, token, sort, descending, fields })
    }

    fn parse_fields(&self, list: &str) -> Result<Vec<&'static str>, Problem> {
        let mut out: Vec<&'static str> = Vec::new();
        for name in list.split(',') {
            let known = self.fields.iter().copied().find(|f| *f == name).ok_or_else(|| {
                invalid("invalid_fields", format!("field {name:?}: one of {}", self.fields.join(", ")))
            })?;
            if !out.contains(&known) {
                out.push(known);
            }
        }
        Ok(out)
    }

    /// Sorts, pages and trims a whole (small) collection held in memory: users, keys, clients.
    /// The cursor is the position in the sorted list.
    pub fn page_in_memory<T: Serialize>(
        &self,
        items: Vec<T>,
        q: &ListQuery,
        raw: Option<&str>,
    ) -> Result<Page, Problem> {
        let parsed = self.parse(q)?;
        let mut values: Vec<Value> =
            items.iter().map(serde_json::to_value).collect::<Result<_, _>>().map_err(|e| {
                Problem::from(crate::error::Error::Internal(format!("list item does not serialize: {e}")))
            })?;
        values.sort_by(|a, b| {
            let order = compare(&a[parsed.sort], &b[parsed.sort]).then_with(|| compare(&a["id"], &b["id"]));
            if parsed.descending { order.reverse() } else { order }
        });
        let start = usize::try_from(parsed.cursor.unwrap_or(0)).unwrap_or(usize::MAX).min(values.len());
        let limit = usize::try_from(parsed.limit).unwrap_or(usize::MAX);
        let more = values.len().saturating_sub(start) > limit;
        let data: Vec<Value> = values.into_iter().skip(start).take(limit).collect();
        let next = more.then(|| start.saturating_add(limit).to_string());
        Ok(self.finish(data, next, &parsed, raw))
    }

    /// Trims items to the asked fields and adds `next_cursor` and `links`. The links keep every
    /// parameter of the request (filters, sort, fields) but the cursor.
    pub fn finish(&self, data: Vec<Value>, next_cursor: Option<String>, parsed: &Parsed, raw: Option<&str>) -> Page {
        let data = match &parsed.fields {
            None => data,
            Some(keep) => data.into_iter().map(|v| sparse(v, keep)).collect(),
        };
        let pairs: Vec<&str> = raw
            .unwrap_or("")
            .split('&')
            .filter(|p| !p.is_empty() && !p.starts_with("cursor=") && !p.starts_with("limit="))
            .collect();
        let link = |cursor: Option<&str>| {
            let mut url = format!("{}?limit={}", self.path, parsed.limit);
            for p in &pairs {
                url.push('&');
                url.push_str(p);
            }
            if let Some(c) = cursor {
                url.push_str(&format!("&cursor={c}"));
            }
            url
        };
        let current = raw.and_then(|r| r.split('&').find_map(|p| p.strip_prefix("cursor=")));
        let links = Links { this: link(current), next: next_cursor.as_deref().map(|c| link(Some(c))) };
        Page { data, next_cursor, links }
    }
}

fn sparse(value: Value, keep: &[&str]) -> Value {
    match value {
        Value::Object(map) => Value::Object(map.into_iter().filter(|(k, _)| keep.contains(&k.as_str())).collect()),
        other => other,
    }
}

/// Null first, then booleans, integers, strings. Two RFC 3339 timestamps compare as times:
/// their text may differ in fractional digits (`…:05Z` and `…:05.250Z`).
fn compare(a: &Value, b: &Value) -> Ordering {
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Null => 0,
            Value::Bool(_) => 1,
            Value::Number(_) => 2,
            Value::String(_) => 3,
            Value::Array(_) | Value::Object(_) => 4,
        }
    }
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => x.as_u64().cmp(&y.as_u64()),
        },
        (Value::String(x), Value::String(y)) => {
            match (chrono::DateTime::parse_from_rfc3339(x), chrono::DateTime::parse_from_rfc3339(y)) {
                (Ok(x), Ok(y)) => x.cmp(&y),
                _ => x.cmp(y),
            }
        }
        _ => rank(a).cmp(&rank(b)),
    }
}

/// The sparse variant of an item schema: the same properties, none required, since `fields`
/// may leave any of them out.
pub fn sparse_schema_name(item: &str) -> String {
    format!("{item}Fields")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: ListSpec = ListSpec {
        path: "/v1/things",
        item_schema: "Thing",
        sorts: &["created_at", "name"],
        default_sort: "created_at",
        fields: &["id", "name", "created_at"],
        cursor: CursorStyle::Number,
    };

    fn things() -> Vec<Value> {
        vec![
            serde_json::json!({"id": "b", "name": "Zed", "created_at": "2026-01-02T00:00:00Z"}),
            serde_json::json!({"id": "a", "name": "Amy", "created_at": "2026-01-03T00:00:00Z"}),
            serde_json::json!({"id": "c", "name": "Amy", "created_at": "2026-01-01T00:00:00Z"}),
        ]
    }

    fn query(sort: Option<&str>, fields: Option<&str>, limit: Option<i64>, cursor: Option<&str>) -> ListQuery {
        ListQuery {
            limit,
            cursor: cursor.map(str::to_owned),
            sort: sort.map(str::to_owned),
            fields: fields.map(str::to_owned),
        }
    }

    fn ids(page: &Page) -> Vec<&str> {
        page.data.iter().map(|v| v["id"].as_str().unwrap_or("?")).collect()
    }

    #[test]
    fn sorts_both_ways_with_id_breaking_ties() {
        let asc = SPEC.page_in_memory(things(), &query(Some("name"), None, None, None), None).unwrap();
        assert_eq!(ids(&asc), ["a", "c", "b"]);
        let desc = SPEC.page_in_memory(things(), &query(Some("-name"), None, None, None), None).unwrap();
        assert_eq!(ids(&desc), ["b", "c", "a"]);
        let default = SPEC.page_in_memory(things(), &query(None, None, None, None), None).unwrap();
        assert_eq!(ids(&default), ["c", "b", "a"]);
    }

    #[test]
    fn pages_follow_the_cursor_to_the_end() {
        let first = SPEC.page_in_memory(things(), &query(None, None, Some(2), None), Some("limit=2")).unwrap();
        assert_eq!(ids(&first), ["c", "b"]);
        assert_eq!(first.next_cursor.as_deref(), Some("2"));
        assert_eq!(first.links.next.as_deref(), Some("/v1/things?limit=2&cursor=2"));
        let second =
            SPEC.page_in_memory(things(), &query(None, None, Some(2), Some("2")), Some("limit=2&cursor=2")).unwrap();
        assert_eq!(ids(&second), ["a"]);
        assert_eq!(second.next_cursor, None);
        assert!(second.links.next.is_none());
        let past = SPEC.page_in_memory(things(), &query(None, None, Some(2), Some("99")), None).unwrap();
        assert!(past.data.is_empty());
    }

    #[test]
    fn timestamps_compare_as_times_whatever_their_digits() {
        let a = serde_json::json!("2026-01-01T00:00:05Z");
        let b = serde_json::json!("2026-01-01T00:00:05.250Z");
        assert_eq!(compare(&a, &b), Ordering::Less);
        assert_eq!(compare(&serde_json::json!(null), &a), Ordering::Less);
        assert_eq!(compare(&serde_json::json!(2), &serde_json::json!(10)), Ordering::Less);
    }

    #[test]
    fn fields_keep_only_what_was_asked() {
        let page = SPEC.page_in_memory(things(), &query(None, Some("name,name"), None, None), None).unwrap();
        assert_eq!(page.data[0], serde_json::json!({"name": "Amy"}));
    }

    #[test]
    fn bad_queries_are_named() {
        let code = |q: ListQuery| SPEC.parse(&q).err().map(|p| p.code.to_owned());
        assert_eq!(code(query(Some("email"), None, None, None)).as_deref(), Some("invalid_sort"));
        assert_eq!(code(query(Some("--name"), None, None, None)).as_deref(), Some("invalid_sort"));
        assert_eq!(code(query(None, Some("id,secret"), None, None)).as_deref(), Some("invalid_fields"));
        assert_eq!(code(query(None, Some(""), None, None)).as_deref(), Some("invalid_fields"));
        assert_eq!(code(query(None, None, Some(0), None)).as_deref(), Some("invalid_query"));
        assert_eq!(code(query(None, None, Some(501), None)).as_deref(), Some("invalid_query"));
        assert_eq!(code(query(None, None, None, Some("-1"))).as_deref(), Some("invalid_cursor"));
        assert_eq!(code(query(None, None, None, Some("x"))).as_deref(), Some("invalid_cursor"));
    }
}
