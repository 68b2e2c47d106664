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
/// and credit payments of the same push) are recorded.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PushReceipt {
    /// The device's id of the bank transaction (for the answer and the audit entry).
    #[schema(max_length = 255)]
    pub id: String,
    /// What arrived, as the bank booked it.
    pub amount: String,
    #[schema(value_type = crate::openapi::CurrencyCode)]
    pub currency: String,
    pub booked_on: NaiveDate,
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
/// invoice and that this user recorded; one already taken back is accepted again.
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
    let unknown = || Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "unknown_payment", format!("no payment {id:?}"));
    let uuid = Uuid::try_parse(id).map_err(|_| unknown())?;
    let stored = state.store.view(principal.tenant_id, Table::Payments, uuid).await?.ok_or_else(unknown)?;
    let view = crate::invoicing::parse_view(&stored)?;
    if view["status"] == "deleted" {
        return Ok(());
    }
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

/// Sends the receipts whose payments this push recorded (a receipt whose items the server
/// had already is not sent again). Accepted: sent, or nothing to send; a receipt that could
/// not be sent is rejected with why (its payments stand).
pub async fn send_all(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    receipts: &[PushReceipt],
    facts: &[Fact],
    fresh: &HashSet<String>,
) -> Vec<Outcome> {
    let mut out = Vec::with_capacity(receipts.len());
    for r in receipts {
        let result = send(state, principal, ctx, r, facts, fresh).await;
        out.push(outcome(r.id.clone(), result));
    }
    out
}

async fn send(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    r: &PushReceipt,
    facts: &[Fact],
    fresh: &HashSet<String>,
) -> Result<(), Problem> {
    let currency = Currency::parse(&r.currency)?;
    let amount = Money::parse(&r.amount, currency)?;
    if !r.facts.iter().chain(&r.payments).any(|id| fresh.contains(id)) {
        return Ok(());
    }
    let mut invoices = Vec::new();
    for f in facts.iter().filter(|f| r.facts.contains(&f.id.to_string()) && fresh.contains(&f.id.to_string())) {
        if let FactKind::PaymentRecorded { amount, .. } = &f.kind {
            invoices.push((*f.invoice_id.as_uuid(), amount.amount()));
        }
    }
    let mut credit = Money::zero(currency);
    let mut customer_id = None;
    for id in r.payments.iter().filter(|id| fresh.contains(*id)) {
        let Ok(uuid) = Uuid::try_parse(id) else { continue };
        let Some(stored) = state.store.view(principal.tenant_id, Table::Payments, uuid).await? else { continue };
        let v = crate::invoicing::parse_view(&stored)?;
        customer_id = customer_id.or_else(|| v["customer_id"].as_str().and_then(|c| Uuid::try_parse(c).ok()));
        credit = credit.checked_add(Money::parse(v["unapplied"].as_str().unwrap_or("0"), currency)?)?;
    }
    let receipt = Receipt {
        amount: amount.amount(),
        currency: currency.code().to_owned(),
        booked_on: r.booked_on,
        customer_id,
        invoices,
        credit: credit.is_positive().then(|| credit.amount()),
        resource: ("bank_transaction", r.id.clone()),
    };
    match receipts::send(state, principal, ctx, &receipt).await {
        None => Ok(()),
        Some(why) => Err(Problem::new(StatusCode::SERVICE_UNAVAILABLE, "receipt_not_sent", why)),
    }
}
