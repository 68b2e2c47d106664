//! The payment confirmation e-mail of spec 4.4: a bank payment matched to invoices (on the
//! server, or on a device and pushed) thanks the customer once: what arrived, for which
//! invoices, what is still due, and what was kept as their credit.

use chrono::NaiveDate;
use uuid::Uuid;

use super::parse_view;
use crate::AppState;
use crate::audit::{AuditEvent, RequestContext};
use crate::store::Principal;
use crate::store::records::Table;

/// One received bank payment, as the receipt tells it.
#[derive(Debug)]
pub struct Receipt {
    /// What arrived (the whole bank credit) and when the bank booked it.
    pub amount: String,
    pub currency: String,
    pub booked_on: NaiveDate,
    /// Whose payment it is, when known beyond its invoices (a payment that is all credit).
    pub customer_id: Option<Uuid>,
    /// The invoices it paid and how much of each.
    pub invoices: Vec<(Uuid, String)>,
    /// What was kept as the customer's credit, if anything.
    pub credit: Option<String>,
    /// What the audit entry names: (`bank_transaction`, its id).
    pub resource: (&'static str, String),
}

/// Sends the receipt when the customer has an address (their record's, else their invoice's).
/// `None` when sent or there is nowhere to send it; otherwise why it was not sent.
pub async fn send(state: &AppState, principal: &Principal, ctx: &RequestContext, r: &Receipt) -> Option<String> {
    let mut lines = Vec::new();
    let mut to = None;
    let mut customer = String::new();
    if let Some(id) = r.customer_id {
        let record = state.store.view(principal.tenant_id, Table::Customers, id).await.ok().flatten();
        if let Some(v) = record.and_then(|r| parse_view(&r).ok()) {
            to = v["email"].as_str().filter(|e| !e.is_empty()).map(str::to_owned);
            customer = v["name"].as_str().unwrap_or_default().to_owned();
        }
    }
    for (id, amount) in &r.invoices {
        let Ok(loaded) = super::invoices::load(state, principal.tenant_id, *id).await else { continue };
        to = to.or_else(|| loaded.invoice.customer.email.as_ref().map(ToString::to_string));
        customer.clone_from(&loaded.invoice.customer.name);
        let number = loaded.view["number"].as_str().unwrap_or("your invoice").to_owned();
        let due = loaded.view["amount_due"].as_str().unwrap_or("").to_owned();
        let currency = &r.currency;
        lines.push(format!("- {number}: {amount} {currency} received; {due} {currency} still due"));
    }
    if let Some(credit) = &r.credit {
        lines.push(format!("- {credit} {} kept as your credit with us", r.currency));
    }
    let to = to?;
    let company = crate::routes::settings::company(state, principal).await.ok().and_then(|c| c.name);
    let seller = match company {
        Some(n) if !n.trim().is_empty() => n,
        _ => state.store.tenant(principal.tenant_id).await.ok().flatten().map(|t| t.name).unwrap_or_default(),
    };
    let body = format!(
        "Dear {customer},\n\nthank you: we received your payment of {} {} on {}.\n\n{}\n\n{seller}\n",
        r.amount,
        r.currency,
        r.booked_on,
        lines.join("\n")
    );
    let subject = format!("Payment received - {seller}");
    let sent = match crate::mail::plain(&state.mail_from, to.as_str(), &subject, body) {
        Ok(message) => state.mailer.send(message).await,
        Err(e) => Err(e),
    };
    match sent {
        Ok(via) => {
            let event = AuditEvent::new("payment.receipt_sent", principal.audit_actor(), "send")
                .resource(r.resource.0, &r.resource.1)
                .metadata(
                    serde_json::json!({ "to": to.as_str(), "via": if via == "smtp" { "smtp" } else { "outbox" } }),
                )
                .context(ctx.clone());
            state
                .store
                .record(principal.tenant_id, event)
                .await
                .err()
                .map(|e| format!("receipt sent, not audited: {e}"))
        }
        Err(e) => Some(format!("the receipt e-mail was not sent: {e}")),
    }
}
