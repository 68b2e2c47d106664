//! Reports (spec 5.2): accounts receivable aging, sales, tax and payments. Each is computed from
//! the projections (the invoices' and payments' stored views), per currency (amounts in two
//! currencies are never added), as rows plus totals, and rendered as JSON or CSV.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use chrono::{Datelike, NaiveDate};
use remit_core::{Currency, Money};
use serde::Serialize;
use serde_json::Value;

use super::invoices::{OVERDUE_ELIGIBLE, adjust};
use crate::AppState;
use crate::error::Error;
use crate::problem::Problem;
use crate::store::records::{Cond, Kind, Op, Sql, Table, ViewQuery};
use remit_core::TenantId;

/// Reading more rows than this for one report is refused: narrow the dates.
pub const MAX_ROWS: usize = 200_000;
const PAGE: i64 = 1000;

/// A report: named columns and rows of cells, money as decimal strings.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Report {
    pub report: String,
    /// What it covers, e.g. `{"as_of": "2025-03-01"}` or `{"from": ..., "to": ..., "group_by": ...}`.
    #[schema(value_type = Object)]
    pub parameters: Value,
    pub columns: Vec<String>,
    #[schema(value_type = Vec<Vec<String>>)]
    pub rows: Vec<Vec<String>>,
}

fn too_large() -> Problem {
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "report_too_large",
        format!("more than {MAX_ROWS} records: narrow the dates"),
    )
}

fn internal(e: impl std::fmt::Display) -> Problem {
    Problem::from(Error::Internal(e.to_string()))
}

/// Every live row of `table` matching `filter`, as stored views, in id order.
async fn scan(state: &AppState, tenant: TenantId, table: Table, filter: Vec<Cond>) -> Result<Vec<Value>, Problem> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let q = ViewQuery {
            table,
            filter: filter.clone(),
            sort: "created_at",
            sort_kind: Kind::Time,
            descending: false,
            after,
            limit: PAGE,
        };
        let rows = state.store.views(tenant, &q).await?;
        let Some(last) = rows.last() else { break };
        after = Some((last.key.clone(), last.id));
        let full = rows.len() < usize::try_from(PAGE).unwrap_or(usize::MAX);
        for r in rows {
            out.push(serde_json::from_str(&r.view).map_err(internal)?);
        }
        if out.len() > MAX_ROWS {
            return Err(too_large());
        }
        if full {
            break;
        }
    }
    Ok(out)
}

fn money(v: &Value, field: &str, currency: Currency) -> Result<Money, Problem> {
    Money::parse(v[field].as_str().unwrap_or("0"), currency).map_err(Problem::from)
}

fn currency_of(v: &Value) -> Result<Currency, Problem> {
    Currency::parse(v["currency"].as_str().unwrap_or_default()).map_err(Problem::from)
}

fn date_of(v: &Value, field: &str) -> Option<NaiveDate> {
    v[field].as_str().and_then(|d| NaiveDate::parse_from_str(d.get(..10).unwrap_or(d), "%Y-%m-%d").ok())
}

/// Sums of money per key, each in its currency.
#[derive(Debug, Default)]
struct Sums(BTreeMap<Vec<String>, Vec<Money>>);

impl Sums {
    fn add(&mut self, key: Vec<String>, amounts: &[Money]) -> Result<(), Problem> {
        let entry = self.0.entry(key).or_insert_with(|| amounts.iter().map(|a| Money::zero(a.currency())).collect());
        for (sum, a) in entry.iter_mut().zip(amounts) {
            *sum = sum.checked_add(*a)?;
        }
        Ok(())
    }

    fn rows(self) -> Vec<Vec<String>> {
        self.0
            .into_iter()
            .map(|(mut key, sums)| {
                key.extend(sums.iter().map(|m| m.amount()));
                key
            })
            .collect()
    }
}

pub const AGING_BUCKETS: [&str; 5] = ["current", "1_30", "31_60", "61_90", "over_90"];

/// What each customer owes as of `as_of`, by how long it is past due.
pub async fn aging(state: &AppState, tenant: TenantId, as_of: NaiveDate) -> Result<Report, Problem> {
    let mut open: Vec<Sql> = OVERDUE_ELIGIBLE.iter().map(|s| Sql::Text((*s).to_owned())).collect();
    open.extend(["payment_initiated", "processing"].map(|s| Sql::Text(s.to_owned())));
    let filter = vec![Cond::Cmp("amount_due", Op::Gt, Sql::Int(0)), Cond::In("status", open)];
    let mut sums = Sums::default();
    for mut v in scan(state, tenant, Table::Invoices, filter).await? {
        adjust(&mut v, as_of);
        let currency = currency_of(&v)?;
        let due = money(&v, "amount_due", currency)?;
        let days = date_of(&v, "due_date").map_or(0, |d| (as_of - d).num_days());
        let bucket = match days {
            ..=0 => 0,
            1..=30 => 1,
            31..=60 => 2,
            61..=90 => 3,
            _ => 4,
        };
        let mut amounts = vec![Money::zero(currency); 6];
        amounts[bucket] = due;
        amounts[5] = due;
        let key = vec![
            v["customer"]["id"].as_str().unwrap_or_default().to_owned(),
            v["customer"]["name"].as_str().unwrap_or_default().to_owned(),
            currency.code().to_owned(),
        ];
        sums.add(key, &amounts)?;
    }
    let mut columns: Vec<String> = ["customer_id", "customer_name", "currency"].map(str::to_owned).to_vec();
    columns.extend(AGING_BUCKETS.iter().map(|b| (*b).to_owned()));
    columns.push("total".into());
    Ok(Report { report: "aging".into(), parameters: serde_json::json!({ "as_of": as_of }), columns, rows: sums.rows() })
}

/// How sales are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SalesGroup {
    Period,
    Customer,
    Product,
}

fn month(d: Option<NaiveDate>) -> String {
    d.map(|d| format!("{:04}-{:02}", d.year(), d.month())).unwrap_or_default()
}

/// Issued, not voided invoices dated within the range.
async fn issued_between(
    state: &AppState,
    tenant: TenantId,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Value>, Problem> {
    let filter = vec![
        Cond::Cmp("issue_date", Op::Ge, Sql::Date(from)),
        Cond::Cmp("issue_date", Op::Le, Sql::Date(to)),
        Cond::Not(Box::new(Cond::In(
            "status",
            ["draft", "pending_approval", "approved", "voided"].map(|s| Sql::Text(s.to_owned())).to_vec(),
        ))),
    ];
    scan(state, tenant, Table::Invoices, filter).await
}

/// Net sales, tax and totals of issued invoices by month, customer or product.
pub async fn sales(
    state: &AppState,
    tenant: TenantId,
    from: NaiveDate,
    to: NaiveDate,
    group: SalesGroup,
) -> Result<Report, Problem> {
    let mut sums = Sums::default();
    let mut counts: BTreeMap<Vec<String>, usize> = BTreeMap::new();
    for v in issued_between(state, tenant, from, to).await? {
        let currency = currency_of(&v)?;
        let keys: Vec<(Vec<String>, Vec<Money>)> = match group {
            SalesGroup::Period | SalesGroup::Customer => {
                let key = if group == SalesGroup::Period {
                    vec![month(date_of(&v, "issue_date"))]
                } else {
                    vec![
                        v["customer"]["id"].as_str().unwrap_or_default().to_owned(),
                        v["customer"]["name"].as_str().unwrap_or_default().to_owned(),
                    ]
                };
                let net = money(&v, "subtotal", currency)?.checked_sub(money(&v, "discount_total", currency)?)?;
                vec![(key, vec![net, money(&v, "tax", currency)?, money(&v, "total", currency)?])]
            }
            SalesGroup::Product => v["line_items"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(|l| {
                    let product = l["product_id"].as_str().unwrap_or("").to_owned();
                    let name = if product.is_empty() {
                        l["description"].as_str().unwrap_or("").to_owned()
                    } else {
                        String::new()
                    };
                    let amount = money(l, "amount", currency)?;
                    Ok((vec![product, name], vec![amount]))
                })
                .collect::<Result<_, Problem>>()?,
        };
        for (mut key, amounts) in keys {
            key.push(currency.code().to_owned());
            *counts.entry(key.clone()).or_default() += 1;
            sums.add(key, &amounts)?;
        }
    }
    let (mut columns, money_columns): (Vec<&str>, Vec<&str>) = match group {
        SalesGroup::Period => (vec!["period"], vec!["net", "tax", "total"]),
        SalesGroup::Customer => (vec!["customer_id", "customer_name"], vec!["net", "tax", "total"]),
        SalesGroup::Product => (vec!["product_id", "description"], vec!["amount"]),
    };
    columns.push("currency");
    columns.push(if group == SalesGroup::Product { "lines" } else { "invoices" });
    columns.extend(money_columns);
    let rows = sums
        .0
        .into_iter()
        .map(|(key, amounts)| {
            let count = counts.get(&key).copied().unwrap_or(0).to_string();
            let mut row = key;
            row.push(count);
            row.extend(amounts.iter().map(|m| m.amount()));
            row
        })
        .collect();
    let parameters = serde_json::json!({ "from": from, "to": to, "group_by": group });
    Ok(Report { report: "sales".into(), parameters, columns: columns.into_iter().map(str::to_owned).collect(), rows })
}

/// Tax charged by category, rate and month (the invoices' tax breakdowns, EN 16931 BG-23).
pub async fn tax(state: &AppState, tenant: TenantId, from: NaiveDate, to: NaiveDate) -> Result<Report, Problem> {
    let mut sums = Sums::default();
    for v in issued_between(state, tenant, from, to).await? {
        let currency = currency_of(&v)?;
        for t in v["tax_breakdown"].as_array().map(Vec::as_slice).unwrap_or_default() {
            let key = vec![
                month(date_of(&v, "issue_date")),
                t["category"].as_str().unwrap_or_default().to_owned(),
                t["rate"].as_str().unwrap_or_default().to_owned(),
                currency.code().to_owned(),
            ];
            sums.add(key, &[money(t, "taxable", currency)?, money(t, "tax", currency)?])?;
        }
    }
    let columns = ["period", "category", "rate", "currency", "taxable", "tax"].map(str::to_owned).to_vec();
    Ok(Report {
        report: "tax".into(),
        parameters: serde_json::json!({ "from": from, "to": to }),
        columns,
        rows: sums.rows(),
    })
}

/// Money received by method and month, and what was refunded of it.
pub async fn payments(state: &AppState, tenant: TenantId, from: NaiveDate, to: NaiveDate) -> Result<Report, Problem> {
    let start = from.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    let end = to.succ_opt().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc());
    let (Some(start), Some(end)) = (start, end) else { return Err(internal("date out of range")) };
    let filter = vec![Cond::Cmp("paid_at", Op::Ge, Sql::Time(start)), Cond::Cmp("paid_at", Op::Lt, Sql::Time(end))];
    let mut sums = Sums::default();
    let mut counts: BTreeMap<Vec<String>, usize> = BTreeMap::new();
    for v in scan(state, tenant, Table::Payments, filter).await? {
        let currency = currency_of(&v)?;
        let key = vec![
            month(date_of(&v, "paid_at")),
            v["method"].as_str().unwrap_or_default().to_owned(),
            currency.code().to_owned(),
        ];
        *counts.entry(key.clone()).or_default() += 1;
        sums.add(key, &[money(&v, "amount", currency)?, money(&v, "refunded", currency)?])?;
    }
    let columns = ["period", "method", "currency", "payments", "amount", "refunded"].map(str::to_owned).to_vec();
    let rows = sums
        .0
        .into_iter()
        .map(|(key, amounts)| {
            let mut row = key.clone();
            row.push(counts.get(&key).copied().unwrap_or(0).to_string());
            row.extend(amounts.iter().map(|m| m.amount()));
            row
        })
        .collect();
    Ok(Report { report: "payments".into(), parameters: serde_json::json!({ "from": from, "to": to }), columns, rows })
}

/// RFC 4180 CSV; a cell a spreadsheet would run as a formula is prefixed with `'`.
pub fn to_csv(report: &Report) -> String {
    let cell = |value: &str| {
        let guarded = if value.starts_with(['=', '+', '-', '@']) && value.parse::<remit_core::Decimal>().is_err() {
            format!("'{value}")
        } else {
            value.to_owned()
        };
        if guarded.contains([',', '"', '\n', '\r']) { format!("\"{}\"", guarded.replace('"', "\"\"")) } else { guarded }
    };
    let mut out = String::new();
    for row in std::iter::once(&report.columns).chain(&report.rows) {
        out.push_str(&row.iter().map(|c| cell(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_guards_formulas_and_keeps_negative_amounts() {
        let r = Report {
            report: "x".into(),
            parameters: Value::Null,
            columns: vec!["name".into(), "amount".into()],
            rows: vec![vec!["ACME, Inc.".into(), "-5.00".into()], vec!["=cmd()".into(), "1.00".into()]],
        };
        assert_eq!(to_csv(&r), "name,amount\r\n\"ACME, Inc.\",-5.00\r\n'=cmd(),1.00\r\n");
    }
}
