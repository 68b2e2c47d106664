//! Payments received on this device that pay no invoice (issue 7): all of the amount is the
//! customer's credit. A bank credit recorded as an overpayment from the review queue is one;
//! so is the part of a matched bank credit beyond what its invoices owed. They wait in
//! `credit_payments` and go to the server with the facts (docs/sync-protocol.md, `payments`);
//! taking one back the server has queues its void (`voids`). A bank credit matched here also
//! asks the server for the customer's receipt (`receipts`), sent once its payments are recorded.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};
use uuid::Uuid;

use super::sync::conflict;
use super::{db, now};
use crate::error::{Error, Result};
use crate::remote::{Outcome, PushPayment, PushReceipt, PushRequest, PushResult};
use remit_core::lifecycle::PaymentMethod;
use remit_core::{Currency, Money};

/// Queues a payment of no invoice for `customer`, in `tx`; returns its id.
pub(super) fn record(
    tx: &Transaction<'_>,
    customer: &str,
    amount: Money,
    method: PaymentMethod,
    at: DateTime<Utc>,
    receipt: Option<&str>,
) -> Result<String> {
    if !amount.is_positive() {
        return Err(Error::BadArgument("a customer's credit must be more than zero".into()));
    }
    let method = serde_json::to_value(method).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    let id = Uuid::now_v7().to_string();
    tx.execute(
        "INSERT INTO credit_payments (id, customer_id, amount_minor, currency, method, paid_at, reference, receipt,
             created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            id,
            customer,
            amount.minor(),
            amount.currency().code(),
            method,
            at.to_rfc3339(),
            receipt.map(|r| format!("bank {r}")),
            receipt,
            now()
        ],
    )
    .map_err(db)?;
    Ok(id)
}

/// Takes one back, in `tx`: dropped while queued and never sent; its void queued once the
/// server has it, or may have it (sent, the answer lost).
pub(super) fn take_back(tx: &Transaction<'_>, id: &str) -> Result<()> {
    let found: Option<(String, bool)> = tx
        .query_row("SELECT state, pushed FROM credit_payments WHERE id = ?1", params![id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()
        .map_err(db)?;
    match found.as_ref().map(|(s, pushed)| (s.as_str(), *pushed)) {
        Some(("queued", false)) => {
            tx.execute("DELETE FROM credit_payments WHERE id = ?1", params![id]).map_err(db)?;
        }
        Some(("accepted" | "queued", _)) => {
            tx.execute("UPDATE credit_payments SET state = 'void_queued' WHERE id = ?1", params![id]).map_err(db)?;
        }
        _ => {}
    }
    Ok(())
}

/// Adds what waits to `request`: queued payments, queued voids, and the receipts of the bank
/// credits whose payment facts (`facts`: id and receipt) or payments go in this push.
pub(super) fn outgoing(
    conn: &rusqlite::Connection,
    request: &mut PushRequest,
    facts: &[(String, Option<String>)],
    limit: i64,
) -> Result<()> {
    let mut stmt = conn
        .prepare(
            "SELECT id, customer_id, amount_minor, currency, method, paid_at, reference, receipt FROM credit_payments
             WHERE state = 'queued' ORDER BY created_at, id LIMIT ?1",
        )
        .map_err(db)?;
    let rows = stmt
        .query_map(params![limit], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, Option<String>>(7)?,
            ))
        })
        .map_err(db)?;
    let mut groups: BTreeMap<String, (Vec<String>, Vec<String>)> = BTreeMap::new();
    for row in rows {
        let (id, customer_id, minor, currency, method, paid_at, reference, receipt) = row.map_err(db)?;
        let amount = Money::from_minor(minor, Currency::parse(&currency)?).amount();
        if let Some(r) = receipt {
            groups.entry(r).or_default().1.push(id.clone());
        }
        request.payments.push(PushPayment { id, customer_id, amount, currency, method, paid_at, reference });
    }
    let mut stmt = conn
        .prepare("SELECT id FROM credit_payments WHERE state = 'void_queued' ORDER BY created_at, id LIMIT ?1")
        .map_err(db)?;
    for id in stmt.query_map(params![limit], |r| r.get::<_, String>(0)).map_err(db)? {
        request.voids.push(id.map_err(db)?);
    }
    for (id, receipt) in facts {
        if let Some(r) = receipt {
            groups.entry(r.clone()).or_default().0.push(id.clone());
        }
    }
    for (id, (facts, payments)) in groups {
        request.receipts.push(PushReceipt { id, facts, payments });
    }
    Ok(())
}

/// Records the server's answers to the payments and voids; returns how many were refused
/// (each goes on the conflict list with the reason).
pub(super) fn settle(tx: &Transaction<'_>, result: &PushResult) -> Result<usize> {
    let mut rejected = 0;
    for o in &result.payments {
        if accepted(o) {
            tx.execute("UPDATE credit_payments SET state = 'accepted' WHERE id = ?1", params![o.id]).map_err(db)?;
            continue;
        }
        rejected += 1;
        let reason = o.reason.as_deref().unwrap_or("rejected");
        tx.execute("UPDATE credit_payments SET state = 'rejected', reason = ?2 WHERE id = ?1", params![o.id, reason])
            .map_err(db)?;
        let detail = format!("a customer's credit recorded on this device was refused: {reason}");
        conflict(tx, &o.id, "payment_rejected", &customer_of(tx, &o.id)?, &detail)?;
    }
    for o in &result.voids {
        if accepted(o) {
            tx.execute("UPDATE credit_payments SET state = 'voided' WHERE id = ?1", params![o.id]).map_err(db)?;
            continue;
        }
        rejected += 1;
        let reason = o.reason.as_deref().unwrap_or("rejected");
        // The server keeps the payment: so does this device, its bank credit matched again.
        tx.execute("UPDATE credit_payments SET state = 'accepted', reason = ?2 WHERE id = ?1", params![o.id, reason])
            .map_err(db)?;
        let kept: Option<(String, String, i64, String)> = tx
            .query_row(
                "SELECT receipt, customer_id, amount_minor, currency FROM credit_payments
                 WHERE id = ?1 AND receipt IS NOT NULL",
                params![o.id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()
            .map_err(db)?;
        if let Some((bank, customer, minor, currency)) = kept {
            let amount = Money::from_minor(minor, Currency::parse(&currency)?);
            super::reconcile::credit_kept(tx, &bank, &o.id, &customer, amount, reason)?;
        }
        let detail = format!(
            "taking back a customer's credit was refused, so it stands (its bank credit is matched again): {reason}"
        );
        conflict(tx, &format!("{}:void", o.id), "payment_rejected", &customer_of(tx, &o.id)?, &detail)?;
    }
    for o in result.receipts.iter().filter(|o| !accepted(o)) {
        let reason = o.reason.as_deref().unwrap_or("not sent");
        super::reconcile::note(tx, &o.id, &format!("the receipt e-mail was not sent: {reason}"))?;
    }
    Ok(rejected)
}

fn accepted(o: &Outcome) -> bool {
    o.status == "accepted"
}

fn customer_of(tx: &Transaction<'_>, id: &str) -> Result<String> {
    tx.query_row("SELECT customer_id FROM credit_payments WHERE id = ?1", params![id], |r| r.get(0))
        .optional()
        .map_err(db)
        .map(Option::unwrap_or_default)
}

impl super::Replica {
    /// The payments of no invoice recorded here, oldest first: `id`, `customer_id`, `amount`,
    /// `currency`, `state` (queued, accepted, rejected, void_queued, voided), `reason`, and
    /// `receipt` (the bank transaction they came from).
    pub fn credit_payments(&self) -> Result<Vec<serde_json::Value>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, customer_id, amount_minor, currency, state, reason, receipt FROM credit_payments
                 ORDER BY created_at, id",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, Option<String>>(6)?,
                ))
            })
            .map_err(db)?;
        let mut out = Vec::new();
        for row in rows {
            let (id, customer_id, minor, currency, state, reason, receipt) = row.map_err(db)?;
            let amount = Money::from_minor(minor, Currency::parse(&currency)?).amount();
            out.push(serde_json::json!({"id": id, "customer_id": customer_id, "amount": amount, "currency": currency,
                "state": state, "reason": reason, "receipt": receipt}));
        }
        Ok(out)
    }
}
