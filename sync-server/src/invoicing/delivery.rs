//! Getting an invoice to its customer: the PDF (`GET /v1/invoices/{id}/pdf`) and sending
//! (`POST /v1/invoices/{id}/send`): a draft is issued first, then emailed with the PDF attached
//! and the portal link, and a `Sent` fact is recorded.

use axum::http::StatusCode;
use remit_core::lifecycle::FactKind;
use remit_core::pdf::{PdfInvoice, Seller};
use remit_core::rbac::Action;
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use super::invoices::{self, fact, fact_row, project};
use super::rule;
use crate::AppState;
use crate::audit::{AuditEvent, RequestContext};
use crate::auth::authorize;
use crate::error::Error;
use crate::problem::Problem;
use crate::store::Principal;
use crate::store::records::{Commit, Write};

/// The seller block: the company profile (`/v1/settings/company`), named after the tenant
/// unless the profile names it.
async fn seller(state: &AppState, principal: &Principal) -> Result<Seller, Problem> {
    let c = crate::routes::settings::company(state, principal).await?;
    let name = match c.name.filter(|n| !n.trim().is_empty()) {
        Some(n) => n,
        None => state.store.tenant(principal.tenant_id).await?.ok_or_else(|| super::not_found("tenant"))?.name,
    };
    Ok(Seller {
        name,
        address: c.address,
        email: c.email,
        phone: c.phone,
        website: c.website,
        tax_id: c.tax_id,
        payment_instructions: c.payment_instructions,
        logo_png_base64: c.logo_png_base64,
    })
}

/// Renders off the async threads: a PDF is a few milliseconds of CPU.
async fn render(view: &Value, seller: Seller) -> Result<(String, Vec<u8>), Problem> {
    let invoice: PdfInvoice = serde_json::from_value(view.clone())
        .map_err(|e| Problem::from(Error::Internal(format!("invoice view for PDF: {e}"))))?;
    tokio::task::spawn_blocking(move || {
        remit_core::pdf::render(&invoice, &seller).map(|bytes| (invoice.file_name(), bytes))
    })
    .await
    .map_err(|e| Problem::from(Error::Internal(format!("PDF task: {e}"))))?
    .map_err(Problem::from)
}

/// The invoice as a PDF and its file name.
pub async fn pdf(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    id: Uuid,
) -> Result<(String, Vec<u8>), Problem> {
    let view = invoices::get(state, principal, ctx, id).await?;
    render(&view, seller(state, principal).await?).await
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendInput {
    /// The recipient; default the customer's email.
    #[schema(format = Email)]
    pub to: Option<String>,
    /// A note above the invoice summary.
    #[schema(max_length = 5000, pattern = "^[^\\u0000]*$")]
    pub message: Option<String>,
}

fn body(view: &Value, seller: &str, message: Option<&str>) -> String {
    let currency = remit_core::Currency::parse(view["currency"].as_str().unwrap_or("USD")).ok();
    let money = |field: &str| {
        let amount = view[field].as_str().unwrap_or("0");
        currency.and_then(|c| remit_core::pdf::format_money(amount, c).ok()).unwrap_or_else(|| amount.to_owned())
    };
    let mut text = String::new();
    if let Some(m) = message.filter(|m| !m.trim().is_empty()) {
        text.push_str(m.trim());
        text.push_str("\n\n");
    }
    text.push_str(&format!(
        "Invoice {} from {seller}\n\nAmount due: {}\nDue date: {}\n\nView and pay online: {}\n\nThe invoice is attached as a PDF.\n",
        view["number"].as_str().unwrap_or(""),
        money("amount_due"),
        view["due_date"].as_str().unwrap_or(""),
        view["links"]["public"].as_str().unwrap_or(""),
    ));
    text
}

pub async fn send(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    id: Uuid,
    input: SendInput,
) -> Result<Value, Problem> {
    if input.message.as_ref().is_some_and(|m| m.chars().count() > 5000) {
        return Err(rule(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "message must be at most 5000 characters",
        ));
    }
    let loaded = invoices::load(state, principal.tenant_id, id).await?;
    authorize(state, principal, Action::SendInvoice, Some(&loaded.target()?), ctx).await?;
    if loaded.voided() {
        return Err(rule(StatusCode::CONFLICT, "invoice_voided", "a voided invoice is not sent"));
    }
    let to = match input.to.as_deref().or(loaded.invoice.customer.email.as_ref().map(remit_core::Email::as_str)) {
        Some(to) => remit_core::Email::parse(to)?,
        None => {
            return Err(rule(
                StatusCode::UNPROCESSABLE_ENTITY,
                "no_recipient",
                "the customer has no email: give one as \"to\"",
            ));
        }
    };
    if !loaded.issued() {
        invoices::issue(state, principal, ctx, id).await?;
    }
    let seller = seller(state, principal).await?;
    let view = invoices::get(state, principal, ctx, id).await?;
    let (file, pdf) = render(&view, seller.clone()).await?;
    let subject = format!("Invoice {} from {}", view["number"].as_str().unwrap_or(""), seller.name);
    let message = crate::mail::with_pdf(
        &state.mail_from,
        to.as_str(),
        &subject,
        body(&view, &seller.name, input.message.as_deref()),
        pdf,
        &file,
    )?;
    let via = state.mailer.send(message).await?;
    // Recorded once the relay took it (or it was filed): a failed send leaves no `Sent` fact.
    super::with_retry(|| async {
        let loaded = invoices::load(state, principal.tenant_id, id).await?;
        let sent = fact(principal, loaded.invoice.id, FactKind::Sent);
        let mut facts = loaded.facts.clone();
        facts.push(sent.clone());
        let (view, row) = project(&loaded.invoice, &facts, None)?;
        let writes = vec![Write::Touch { id, expected: loaded.version }, fact_row(&sent)?, row];
        let audit = vec![
            AuditEvent::new("invoice.sent", principal.audit_actor(), "send")
                .resource(invoices::KIND, id)
                .metadata(
                    serde_json::json!({ "to": to.as_str(), "via": if via == "smtp" { "smtp" } else { "outbox" } }),
                )
                .context(ctx.clone()),
        ];
        state.store.commit(principal.tenant_id, None, Box::new(move |_| Ok(Commit { writes, audit }))).await?;
        let mut v = serde_json::to_value(&view).map_err(|e| Problem::from(Error::Internal(e.to_string())))?;
        invoices::adjust(&mut v, super::today());
        Ok(v)
    })
    .await
}
