//! The dashboard's figures, per currency (amounts in different currencies are never added):
//! what is outstanding and overdue, how old the overdue money is, what was received this
//! month; and the latest activity. Summed in SQLite from the list's covering index and the
//! facts' kind and time (client migrations 0007 and 0009).

use std::collections::BTreeMap;

use chrono::{Datelike, Utc};
use remit_core::lifecycle::{Fact, FactKind};
use remit_core::{Currency, Money};
use rusqlite::params;
use serde::Serialize;

use super::{Replica, db};
use crate::error::Result;

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

/// One thing that happened to an invoice, newest first on the dashboard.
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

#[derive(Default)]
struct Sums {
    outstanding: i64,
    outstanding_count: u64,
    overdue: i64,
    overdue_count: u64,
    received: i64,
    aging: [i64; 5],
}

const PAYMENTS: &str = "('payment_recorded', 'payment_succeeded')";

impl Replica {
    /// Sums in SQLite, in integers: each invoice's amount due in minor units, and each
    /// payment's amount, which a fact always writes with its currency's decimals ("40.00",
    /// "6788"), so dropping the point gives its minor units exactly.
    pub fn dashboard(&self) -> Result<Dashboard> {
        let today = Utc::now().date_naive();
        let day = |n: i64| (today - chrono::Duration::days(n)).to_string();
        let mut sums: BTreeMap<String, Sums> = BTreeMap::new();
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT currency, COUNT(*), SUM(due_minor),
                        SUM(due_date < ?1), SUM(CASE WHEN due_date < ?1 THEN due_minor END),
                        SUM(CASE WHEN due_date >= ?1 THEN due_minor END),
                        SUM(CASE WHEN due_date < ?1 AND due_date >= ?2 THEN due_minor END),
                        SUM(CASE WHEN due_date < ?2 AND due_date >= ?3 THEN due_minor END),
                        SUM(CASE WHEN due_date < ?3 AND due_date >= ?4 THEN due_minor END),
                        SUM(CASE WHEN due_date < ?4 THEN due_minor END)
                 FROM invoices WHERE due_minor > 0 AND status NOT IN {NOT_OWED} GROUP BY currency"
            ))
            .map_err(db)?;
        let rows = stmt
            .query_map(params![today.to_string(), day(30), day(60), day(90)], |r| {
                // SUM of integers is an integer (an overflow is an error, never a rounding);
                // NULL when no row matched.
                let int = |i: usize| r.get::<_, Option<i64>>(i).map(Option::unwrap_or_default);
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    int(2)?,
                    int(3)?,
                    int(4)?,
                    [int(5)?, int(6)?, int(7)?, int(8)?, int(9)?],
                ))
            })
            .map_err(db)?;
        for row in rows {
            let (currency, count, owed, late_count, late, aging) = row.map_err(db)?;
            let s = sums.entry(currency).or_default();
            (s.outstanding, s.outstanding_count, s.overdue, s.overdue_count, s.aging) =
                (owed, count.unsigned_abs(), late, late_count.unsigned_abs(), aging);
        }
        let month = today.with_day(1).unwrap_or(today).to_string();
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT paid_currency, SUM(CAST(REPLACE(paid_amount, '.', '') AS INTEGER))
                 FROM facts WHERE kind IN {PAYMENTS} AND at >= ?1 AND state != 'rejected' GROUP BY 1"
            ))
            .map_err(db)?;
        let rows = stmt.query_map(params![month], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))).map_err(db)?;
        for row in rows {
            let (currency, received) = row.map_err(db)?;
            sums.entry(currency).or_default().received = received;
        }
        let currencies = sums.into_iter().map(|(c, s)| summary(&c, &s)).collect::<Result<_>>()?;
        Ok(Dashboard { currencies, activity: self.activity()? })
    }

    /// The latest facts worth showing: newest first along `facts_at`, stopping at `RECENT`
    /// (the `+` keeps SQLite from reading every fact of those kinds and sorting them instead).
    fn activity(&self) -> Result<Vec<Activity>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT f.body, i.number, i.customer_name FROM facts f JOIN invoices i ON i.id = f.invoice_id
                 WHERE f.state != 'rejected' AND +f.kind IN ('issued', 'viewed', 'voided', {})
                 ORDER BY f.at DESC LIMIT ?1",
                &PAYMENTS[1..PAYMENTS.len() - 1]
            ))
            .map_err(db)?;
        let rows = stmt
            .query_map(params![RECENT], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?, r.get::<_, String>(2)?))
            })
            .map_err(db)?;
        let mut out = Vec::new();
        for row in rows {
            let (body, number, customer_name) = row.map_err(db)?;
            // A fact of a kind this version does not know is left out.
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
