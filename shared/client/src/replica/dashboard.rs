//! The dashboard's figures, per currency (amounts in different currencies are never added):
//! what is outstanding and overdue, how old the overdue money is, what was received this
//! month; and the latest activity. Read from the list's covering index and the facts.

use chrono::{Datelike, NaiveDate, Utc};
use remit_core::lifecycle::{Fact, FactKind};
use remit_core::{Currency, Money};
use rusqlite::params;
use serde::Serialize;

use super::{Replica, db};
use crate::error::{Error, Result};

/// Money owed and how late, for one currency. Amounts are decimal strings in `currency`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CurrencySummary {
    pub currency: String,
    pub outstanding: String,
    pub outstanding_count: u64,
    pub overdue: String,
    pub overdue_count: u64,
    pub received_this_month: String,
    /// Outstanding money by days past due: not yet due, 1–30, 31–60, 61–90, over 90.
    pub aging: [String; 5],
}

/// One thing that happened to an invoice, latest to reach this device first on the dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Activity {
    pub at: String,
    /// `issued`, `payment`, `viewed`, `voided`.
    pub kind: String,
    pub invoice_id: String,
    pub number: Option<String>,
    pub customer_name: String,
    pub amount: Option<String>,
    pub currency: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Dashboard {
    pub currencies: Vec<CurrencySummary>,
    pub activity: Vec<Activity>,
}

/// Statuses whose amount due is not (yet, or any more) owed: drafts and the closed ones.
const NOT_OWED: &str = "('draft', 'pending_approval', 'approved', 'voided', 'written_off')";
const RECENT: i64 = 10;

fn bucket(today: NaiveDate, due: &str) -> usize {
    let late = NaiveDate::parse_from_str(due, "%Y-%m-%d").map(|d| (today - d).num_days()).unwrap_or(0);
    match late {
        ..=0 => 0,
        1..=30 => 1,
        31..=60 => 2,
        61..=90 => 3,
        _ => 4,
    }
}

#[derive(Default)]
struct Sums {
    outstanding: i64,
    outstanding_count: u64,
    overdue: i64,
    overdue_count: u64,
    received: i64,
    aging: [i64; 5],
}

impl Replica {
    pub fn dashboard(&self) -> Result<Dashboard> {
        let today = Utc::now().date_naive();
        let mut sums: std::collections::BTreeMap<String, Sums> = std::collections::BTreeMap::new();
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT currency, due_minor, due_date FROM invoices WHERE due_minor > 0 AND status NOT IN {NOT_OWED}"
            ))
            .map_err(db)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?)))
            .map_err(db)?;
        for row in rows {
            let (currency, due, due_date) = row.map_err(db)?;
            let s = sums.entry(currency).or_default();
            let b = bucket(today, &due_date);
            s.outstanding = s.outstanding.checked_add(due).ok_or_else(overflow)?;
            s.outstanding_count += 1;
            s.aging[b] = s.aging[b].checked_add(due).ok_or_else(overflow)?;
            if b > 0 {
                s.overdue = s.overdue.checked_add(due).ok_or_else(overflow)?;
                s.overdue_count += 1;
            }
        }
        let month = today.with_day(1).unwrap_or(today);
        for fact in self.facts_since(month)? {
            if let FactKind::PaymentSucceeded { amount, .. } | FactKind::PaymentRecorded { amount, .. } = fact.kind {
                let s = sums.entry(amount.currency().code().to_owned()).or_default();
                s.received = s.received.checked_add(amount.minor()).ok_or_else(overflow)?;
            }
        }
        let currencies = sums.into_iter().map(|(c, s)| summary(&c, &s)).collect::<Result<_>>()?;
        Ok(Dashboard { currencies, activity: self.activity()? })
    }

    /// Facts that count (not refused) made at or after the start of `day`.
    fn facts_since(&self, day: NaiveDate) -> Result<Vec<Fact>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT body FROM facts
                 WHERE created_at >= ?1 AND state != 'rejected' AND json_extract(body, '$.at') >= ?1",
            )
            .map_err(db)?;
        let rows = stmt.query_map(params![day.to_string()], |r| r.get::<_, String>(0)).map_err(db)?;
        let mut out = Vec::new();
        for row in rows {
            // A fact of a kind this version does not know counts for nothing here.
            if let Ok(f) = serde_json::from_str::<Fact>(&row.map_err(db)?) {
                out.push(f);
            }
        }
        Ok(out)
    }

    fn activity(&self) -> Result<Vec<Activity>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT f.body, i.number, i.customer_name FROM facts f JOIN invoices i ON i.id = f.invoice_id
                 WHERE f.state != 'rejected'
                   AND json_extract(f.body, '$.type') IN ('issued', 'payment_recorded', 'payment_succeeded', 'viewed', 'voided')
                 ORDER BY f.created_at DESC LIMIT ?1",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map(params![RECENT], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?, r.get::<_, String>(2)?))
            })
            .map_err(db)?;
        let mut out = Vec::new();
        for row in rows {
            let (body, number, customer_name) = row.map_err(db)?;
            let Ok(f) = serde_json::from_str::<Fact>(&body) else { continue };
            let (kind, amount) = match &f.kind {
                FactKind::Issued { .. } => ("issued", None),
                FactKind::PaymentRecorded { amount, .. } | FactKind::PaymentSucceeded { amount, .. } => {
                    ("payment", Some(*amount))
                }
                FactKind::Viewed => ("viewed", None),
                FactKind::Voided { .. } => ("voided", None),
                _ => continue,
            };
            out.push(Activity {
                at: f.at.to_rfc3339(),
                kind: kind.to_owned(),
                invoice_id: f.invoice_id.to_string(),
                number,
                customer_name,
                amount: amount.map(Money::amount),
                currency: amount.map(|m| m.currency().code().to_owned()),
            });
        }
        Ok(out)
    }
}

fn overflow() -> Error {
    Error::Store("the dashboard's sums overflowed".into())
}

fn summary(code: &str, s: &Sums) -> Result<CurrencySummary> {
    let currency = Currency::parse(code)?;
    let text = |minor: i64| Money::from_minor(minor, currency).amount();
    Ok(CurrencySummary {
        currency: code.to_owned(),
        outstanding: text(s.outstanding),
        outstanding_count: s.outstanding_count,
        overdue: text(s.overdue),
        overdue_count: s.overdue_count,
        received_this_month: text(s.received),
        aging: s.aging.map(text),
    })
}
