//! What happened to invoices, as the facts say: one invoice's timeline (with whether the
//! server has accepted each fact yet), and every payment on this device, newest first, a page
//! at a time (the facts' kind and time columns of client migration 0009 keep it an index walk).

use remit_core::lifecycle::{Actor, Fact, FactKind};
use remit_core::{InvoiceId, Money};
use rusqlite::params;
use serde::Serialize;

use super::invoices::unknown;
use super::{Replica, db};
use crate::error::Result;

/// One fact of an invoice's timeline, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TimelineEntry {
    pub at: String,
    /// The fact's type: `issued`, `sent`, `viewed`, `payment_recorded`, `voided`, …
    pub kind: String,
    /// `queued` (made here, not yet accepted), `accepted` or `rejected`.
    pub state: String,
    /// The server's reason when it refused the fact.
    pub reason: Option<String>,
    /// `user`, `customer` (on the portal) or `system` (a gateway, a schedule).
    pub actor: String,
    /// What the fact carries, in words: the number issued, the payment method, a void's reason.
    pub detail: Option<String>,
    pub amount: Option<String>,
}

/// A payment on the payments screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PaymentRow {
    pub fact_id: String,
    pub payment_id: String,
    pub invoice_id: String,
    pub number: Option<String>,
    pub customer_name: String,
    pub at: String,
    pub amount: String,
    pub currency: String,
    pub method: String,
    /// `queued`, `accepted` or `rejected`.
    pub state: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PaymentPage {
    pub rows: Vec<PaymentRow>,
    /// Payments on this device in all.
    pub total: u64,
}

fn code<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

fn kind_name(kind: &FactKind) -> String {
    serde_json::to_value(kind).ok().and_then(|v| v["type"].as_str().map(str::to_owned)).unwrap_or_default()
}

fn described(kind: &FactKind) -> (Option<String>, Option<Money>) {
    match kind {
        FactKind::Issued { number } => (Some(number.as_str().to_owned()), None),
        FactKind::PaymentRecorded { amount, method, .. } | FactKind::PaymentSucceeded { amount, method, .. } => {
            (Some(code(method)), Some(*amount))
        }
        FactKind::Refunded { amount, .. } => (None, Some(*amount)),
        FactKind::PaymentFailed { reason, .. }
        | FactKind::PaymentVoided { reason, .. }
        | FactKind::Disputed { reason, .. }
        | FactKind::WrittenOff { reason }
        | FactKind::Voided { reason }
        | FactKind::ApprovalRejected { reason } => (Some(reason.clone()).filter(|r| !r.is_empty()), None),
        _ => (None, None),
    }
}

const PAYMENTS: &str = "('payment_recorded', 'payment_succeeded')";

impl Replica {
    /// The invoice's facts, oldest first, rejected ones included (with the server's reason).
    pub fn timeline(&self, id: &str) -> Result<Vec<TimelineEntry>> {
        let key = InvoiceId::parse(id).map_err(|_| unknown(id))?.to_string();
        self.invoice(&key)?;
        let mut stmt = self
            .conn
            .prepare_cached("SELECT body, state, reason FROM facts WHERE invoice_id = ?1 ORDER BY at, id")
            .map_err(db)?;
        let rows = stmt
            .query_map(params![key], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?)))
            .map_err(db)?;
        let mut out = Vec::new();
        for row in rows {
            let (body, state, reason) = row.map_err(db)?;
            // A fact of a kind this version does not know is left out, not shown garbled.
            let Ok(f) = serde_json::from_str::<Fact>(&body) else { continue };
            let (detail, amount) = described(&f.kind);
            let actor = match f.actor {
                Actor::User(_) => "user",
                Actor::Customer => "customer",
                Actor::System => "system",
            };
            out.push(TimelineEntry {
                at: f.at.to_rfc3339(),
                kind: kind_name(&f.kind),
                state,
                reason,
                actor: actor.to_owned(),
                detail,
                amount: amount.map(Money::amount),
            });
        }
        Ok(out)
    }

    /// Payments recorded or received on any invoice this device holds, newest first.
    pub fn payments_page(&self, offset: u32, limit: u32) -> Result<PaymentPage> {
        let total: i64 = self
            .conn
            .query_row(&format!("SELECT COUNT(*) FROM facts WHERE kind IN {PAYMENTS}"), [], |r| r.get(0))
            .map_err(db)?;
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT f.id, f.body, f.state, i.number, i.customer_name FROM facts f
                 JOIN invoices i ON i.id = f.invoice_id
                 WHERE +f.kind IN {PAYMENTS} ORDER BY f.at DESC LIMIT ?1 OFFSET ?2"
            ))
            .map_err(db)?;
        let rows = stmt
            .query_map(params![limit.min(super::MAX_PAGE), offset], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .map_err(db)?;
        let mut out = Vec::new();
        for row in rows {
            let (fact_id, body, state, number, customer_name) = row.map_err(db)?;
            let Ok(f) = serde_json::from_str::<Fact>(&body) else { continue };
            let (FactKind::PaymentRecorded { payment_id, amount, method }
            | FactKind::PaymentSucceeded { payment_id, amount, method }) = f.kind
            else {
                continue;
            };
            out.push(PaymentRow {
                fact_id,
                payment_id: payment_id.to_string(),
                invoice_id: f.invoice_id.to_string(),
                number,
                customer_name,
                at: f.at.to_rfc3339(),
                amount: amount.amount(),
                currency: amount.currency().code().to_owned(),
                method: code(&method),
                state,
            });
        }
        Ok(PaymentPage { rows: out, total: total.unsigned_abs() })
    }
}
