//! What a device pushes about money beyond invoice facts (docs/sync-protocol.md): payments that
//! pay no invoice (all of it the customer's credit: a bank credit recorded as an overpayment on
//! the device, or the part of one beyond what its invoices owed), their taking back, and the
//! receipts of bank credits the device matched (spec 4.4's confirmation e-mail, sent by the
//! server because only it can reach a mail server).

use std::collections::HashSet;

use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use remit_core::lifecycle::{Fact, FactKind, PaymentMethod};
use remit_core::{Currency, Money};
use serde::Deserialize;
use uuid::Uuid;

use super::push::{Outcome, outcome};
use crate::AppState;
use crate::audit::RequestContext;
use crate::invoicing::payments::{self, Origin, PaymentInput};
use crate::invoicing::receipts::{self, Receipt};
use crate::problem::Problem;
use crate::store::Principal;
use crate::store::records::Table;

/// A payment received on the device that pays no invoice: all of it is the customer's credit.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PushPayment {
    /// The payment's id, chosen by the device and kept by the server.
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub customer_id: String,
    /// A decimal string in the currency's minor units (`500.00`).
    pub amount: String,
    #[schema(value_type = crate::openapi::CurrencyCode)]
    pub currency: String,
    /// `cash`, `check` or `bank_transfer`.
    #[schema(value_type = crate::invoicing::payments::MethodName)]
    pub method: PaymentMethod,
    /// When the money arrived (RFC 3339).
    pub paid_at: DateTime<Utc>,
    #[serde(default)]
    #[schema(max_length = 255)]
    pub reference: Option<String>,
}

/// A bank credit the device matched: the customer is thanked once, after its payments (facts
/// and credit payments of the same push) are recorded. What the receipt says comes from those
/// payments as recorded, never from the device.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PushReceipt {
    /// The device's id of the bank transaction (for the answer and the audit entry).
    #[schema(max_length = 255)]
    pub id: String,
    /// Ids of this push's payment facts for it.
    #[serde(default)]
    #[schema(max_items = 100)]
    pub facts: Vec<String>,
    /// Ids of this push's credit payments for it.
    #[serde(default)]
    #[schema(max_items = 100)]
    pub payments: Vec<String>,
}

fn invalid(reason: impl Into<String>) -> Problem {
    Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_payment", reason.into())
}

/// Records the device's credit payments; returns each outcome and the ids newly recorded.
pub async fn record_all(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    device: Uuid,
    items: &[PushPayment],
    fresh: &mut HashSet<String>,
) -> Result<Vec<Outcome>, Problem> {
    let mut out = Vec::with_capacity(items.len());
    for p in items {
        let result = record(state, principal, ctx, device, p).await;
        if matches!(result, Ok(true)) {
            fresh.insert(p.id.clone());
        }
        out.push(outcome(p.id.clone(), super::push::transient(result.map(|_| ()))?));
    }
    Ok(out)
}

/// `Ok(true)` when recorded now, `Ok(false)` when the server had it (an answer lost).
async fn record(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    device: Uuid,
    p: &PushPayment,
) -> Result<bool, Problem> {
    let id = Uuid::try_parse(&p.id).map_err(|_| invalid(format!("payment id {:?} is not a UUID", p.id)))?;
    if !matches!(p.method, PaymentMethod::Cash | PaymentMethod::Check | PaymentMethod::BankTransfer) {
        return Err(invalid("a device records cash, check or bank transfer payments"));
    }
    if state.store.view(principal.tenant_id, Table::Payments, id).await?.is_some() {
        return Ok(false);
    }
    let currency = Currency::parse(&p.currency)?;
    let amount = Money::parse(&p.amount, currency)?;
    let input = PaymentInput {
        invoice_id: None,
        allocations: None,
        customer_id: Some(p.customer_id.clone()),
        amount: remit_core::Decimal::from_str_exact(&amount.amount()).map_err(|e| invalid(e.to_string()))?,
        currency: p.currency.clone(),
        method: p.method,
        paid_at: Some(p.paid_at.to_rfc3339()),
        reference: p.reference.clone(),
    };
    let origin = Origin {
        payment_id: remit_core::PaymentId::from_uuid(id),
        // A payment of no invoice has no fact; the id is never stored.
        fact_id: remit_core::FactId::from_uuid(Uuid::now_v7()),
        device_id: remit_core::DeviceId::from_uuid(device),
    };
    payments::record_from(state, principal, ctx, input, Some(origin)).await.map(|_| true)
}

/// Takes back credit payments (a reconciliation undone on the device): only one that pays no
/// invoice and that this user recorded. One the server does not have (already taken back, or
/// never arrived: the device voids what it sent without an answer) is accepted: nothing to do.
pub async fn void_all(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    ids: &[String],
) -> Result<Vec<Outcome>, Problem> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(outcome(id.clone(), super::push::transient(void(state, principal, ctx, id).await)?));
    }
    Ok(out)
}

async fn void(state: &AppState, principal: &Principal, ctx: &RequestContext, id: &str) -> Result<(), Problem> {
    let uuid = Uuid::try_parse(id).map_err(|_| invalid(format!("payment id {id:?} is not a UUID")))?;
    // Live payments only: a deleted one reads as none.
    let Some(stored) = state.store.view(principal.tenant_id, Table::Payments, uuid).await? else { return Ok(()) };
    let view = crate::invoicing::parse_view(&stored)?;
    let own = view["created_by"].as_str() == Some(principal.user_id.to_string().as_str());
    if !own || view["applied"].as_array().is_none_or(|a| !a.is_empty()) {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "a device takes back only a payment of no invoice that its user recorded".to_owned(),
        ));
    }
    payments::delete(state, principal, ctx, uuid).await
}

/// Sends the receipts whose payments this push recorded. Each payment recorded now counts in
/// one receipt at most, and a receipt id once: a push naming them again sends nothing more.
/// Accepted: sent, or nothing to send (the payments were known before, no address); rejected
/// with why when it could not be sent (the payments stand).
pub async fn send_all(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    receipts: &[PushReceipt],
    facts: &[Fact],
    fresh: &mut HashSet<String>,
) -> Vec<Outcome> {
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(receipts.len());
    for r in receipts {
        let result = if seen.insert(r.id.clone()) {
            // Claimed by this receipt: no other of the push can name them.
            let claimed: Vec<&String> = r.facts.iter().chain(&r.payments).filter(|id| fresh.remove(*id)).collect();
            send(state, principal, ctx, r, facts, &claimed).await
        } else {
            Err(invalid("this bank transaction's receipt is in the push twice"))
        };
        out.push(outcome(r.id.clone(), result));
    }
    out
}

/// One receipt: what arrived is the sum of the payments recorded now (`claimed`), all of one
/// customer and currency.
async fn send(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    r: &PushReceipt,
    facts: &[Fact],
    claimed: &[&String],
) -> Result<(), Problem> {
    let mut parts = Parts::default();
    for f in facts.iter().filter(|f| claimed.iter().any(|c| **c == f.id.to_string())) {
        let FactKind::PaymentRecorded { amount, .. } = &f.kind else { continue };
        let loaded = crate::invoicing::invoices::load(state, principal.tenant_id, *f.invoice_id.as_uuid()).await?;
        parts.add(*loaded.invoice.customer.id.as_uuid(), *amount, f.at.date_naive())?;
        parts.invoices.push((*f.invoice_id.as_uuid(), amount.amount()));
    }
    for id in r.payments.iter().filter(|id| claimed.contains(id)) {
        let Ok(uuid) = Uuid::try_parse(id) else { continue };
        let Some(stored) = state.store.view(principal.tenant_id, Table::Payments, uuid).await? else { continue };
        let v = crate::invoicing::parse_view(&stored)?;
        let currency = Currency::parse(v["currency"].as_str().unwrap_or_default())?;
        let amount = Money::parse(v["amount"].as_str().unwrap_or("0"), currency)?;
        let customer =
            Uuid::try_parse(v["customer_id"].as_str().unwrap_or_default()).map_err(|e| invalid(e.to_string()))?;
        let paid_at: DateTime<Utc> =
            serde_json::from_value(v["paid_at"].clone()).map_err(|e| invalid(e.to_string()))?;
        parts.add(customer, amount, paid_at.date_naive())?;
        let credit = parts.credit.map_or(Ok(amount), |c| c.checked_add(amount))?;
        parts.credit = Some(credit);
    }
    let (Some(customer), Some(total), Some(booked_on)) = (parts.customer, parts.total, parts.booked_on) else {
        return Ok(()); // Nothing recorded now: thanked before, or nothing to thank for.
    };
    let receipt = Receipt {
        amount: total.amount(),
        currency: total.currency().code().to_owned(),
        booked_on,
        customer_id: Some(customer),
        invoices: parts.invoices,
        credit: parts.credit.map(|c| c.amount()),
        resource: ("bank_transaction", r.id.clone()),
    };
    match receipts::send(state, principal, ctx, &receipt).await {
        None => Ok(()),
        Some(why) => Err(Problem::new(StatusCode::SERVICE_UNAVAILABLE, "receipt_not_sent", why)),
    }
}

/// What a receipt adds up, checked to be one customer's in one currency.
#[derive(Default)]
struct Parts {
    customer: Option<Uuid>,
    total: Option<Money>,
    booked_on: Option<NaiveDate>,
    invoices: Vec<(Uuid, String)>,
    credit: Option<Money>,
}

impl Parts {
    fn add(&mut self, customer: Uuid, amount: Money, on: NaiveDate) -> Result<(), Problem> {
        if self.customer.is_some_and(|c| c != customer) {
            return Err(invalid("one receipt thanks one customer: these payments are of several"));
        }
        self.customer = Some(customer);
        self.total = Some(match self.total {
            Some(t) => t.checked_add(amount).map_err(|_| invalid("one receipt is in one currency"))?,
            None => amount,
        });
        self.booked_on = Some(self.booked_on.map_or(on, |d| d.min(on)));
        Ok(())
    }
}
