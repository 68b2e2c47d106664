//! The invoice as every Remit surface shows it (spec 5.2): the REST API, the `remit` CLI's
//! `--json`, the desktop. Device and server build it with the same code from the same document
//! and facts, so they never disagree about a total, a balance or a status. Money is a decimal
//! string in the invoice's currency.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::lifecycle::{self, Fact, FactKind, InvoiceState};
use crate::{Discount, Invoice, InvoiceNumber, PriceMode, TaxCategory, Totals};

/// Statuses that turn into `overdue` once the due date has passed with money still due.
pub const OVERDUE_ELIGIBLE: [&str; 5] = ["issued", "sent", "viewed", "partially_paid", "payment_failed"];

/// The invoice as the API shows it (spec 5.2): money as decimal strings in `currency`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceView {
    #[cfg_attr(feature = "openapi", schema(format = Uuid))]
    pub id: String,
    /// Assigned when issued.
    pub number: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = StatusName))]
    pub status: String,
    pub customer: CustomerSummary,
    pub issue_date: NaiveDate,
    pub due_date: NaiveDate,
    pub currency: String,
    pub price_mode: String,
    pub line_items: Vec<LineView>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    // As serde writes `Discount` (ts-rs cannot read its `deserialize_with` fields).
    #[cfg_attr(feature = "ts", ts(type = "{ percent: string } | { amount: string } | null"))]
    pub discount: Option<Discount>,
    pub subtotal: String,
    pub discount_total: String,
    pub tax: String,
    pub tax_breakdown: Vec<TaxLine>,
    pub total: String,
    pub amount_paid: String,
    pub amount_refunded: String,
    pub amount_due: String,
    /// Received beyond the total and not refunded.
    pub credit: String,
    pub disputed: bool,
    pub notes: Option<String>,
    pub terms: Option<String>,
    pub po_number: Option<String>,
    pub reference: Option<String>,
    pub payments: Vec<PaymentLine>,
    #[cfg_attr(feature = "openapi", schema(format = Uuid))]
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub issued_at: Option<DateTime<Utc>>,
    pub voided_at: Option<DateTime<Utc>>,
    pub links: InvoiceLinks,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerSummary {
    #[cfg_attr(feature = "openapi", schema(format = Uuid))]
    pub id: String,
    pub name: String,
    pub email: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LineView {
    #[cfg_attr(feature = "openapi", schema(format = Uuid))]
    pub id: String,
    #[cfg_attr(feature = "openapi", schema(format = Uuid))]
    pub product_id: Option<String>,
    pub description: String,
    pub quantity: String,
    pub unit: Option<String>,
    pub unit_price: String,
    pub tax_rate: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub tax_category: TaxCategory,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    // As serde writes `Discount` (ts-rs cannot read its `deserialize_with` fields).
    #[cfg_attr(feature = "ts", ts(type = "{ percent: string } | { amount: string } | null"))]
    pub discount: Option<Discount>,
    /// The line amount as printed (in the invoice's price mode, after its discount).
    pub amount: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaxLine {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub category: TaxCategory,
    pub rate: String,
    pub taxable: String,
    pub tax: String,
}

/// One payment applied to this invoice (the payment history table).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentLine {
    #[cfg_attr(feature = "openapi", schema(format = Uuid))]
    pub payment_id: String,
    pub amount: String,
    pub method: String,
    pub recorded_at: DateTime<Utc>,
    pub voided: bool,
    pub refunded: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceLinks {
    #[serde(rename = "self")]
    pub this: String,
    pub pdf: String,
    /// The customer portal's page for this invoice.
    pub public: String,
}

fn number_of(facts: &[Fact]) -> Option<InvoiceNumber> {
    facts.iter().find_map(|f| match &f.kind {
        FactKind::Issued { number } => Some(number.clone()),
        _ => None,
    })
}

fn payments_of(facts: &[Fact]) -> Vec<PaymentLine> {
    let mut lines: Vec<PaymentLine> = Vec::new();
    for f in facts {
        match &f.kind {
            FactKind::PaymentRecorded { payment_id, amount, method }
            | FactKind::PaymentSucceeded { payment_id, amount, method } => {
                lines.push(PaymentLine {
                    payment_id: payment_id.to_string(),
                    amount: amount.amount(),
                    method: serde_json::to_value(method)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    recorded_at: f.at,
                    voided: false,
                    refunded: crate::Money::zero(amount.currency()).amount(),
                });
            }
            FactKind::PaymentVoided { payment_id, .. } => {
                lines.iter_mut().filter(|l| l.payment_id == payment_id.to_string()).for_each(|l| l.voided = true);
            }
            FactKind::Refunded { payment_id, amount, .. } => {
                if let Some(l) = lines.iter_mut().find(|l| l.payment_id == payment_id.to_string()) {
                    let before = crate::Money::parse(&l.refunded, amount.currency()).ok();
                    if let Some(sum) = before.and_then(|b| b.checked_add(*amount).ok()) {
                        l.refunded = sum.amount();
                    }
                }
            }
            _ => {}
        }
    }
    lines
}

/// The view of an invoice with the totals and state it was made from (for projections that
/// store amounts in minor units beside it).
#[derive(Debug, Clone)]
pub struct Projection {
    pub view: InvoiceView,
    pub totals: Totals,
    pub state: InvoiceState,
}

/// The view of `invoice` given its facts. Its status leaves out "overdue", which depends on
/// the day it is read: see `adjust`.
pub fn invoice(invoice: &Invoice, facts: &[Fact]) -> crate::Result<Projection> {
    let totals = invoice.totals()?;
    let state = lifecycle::state(invoice, facts, invoice.due_date)?;
    let number = number_of(facts);
    let at = |pred: fn(&FactKind) -> bool| facts.iter().find(|f| pred(&f.kind)).map(|f| f.at);
    let id = invoice.id.to_string();
    let view = InvoiceView {
        links: InvoiceLinks {
            this: format!("/v1/invoices/{id}"),
            pdf: format!("/v1/invoices/{id}/pdf"),
            public: format!("/portal/invoices/{id}"),
        },
        id,
        number: number.as_ref().map(|n| n.as_str().to_owned()),
        status: state.status.code().to_owned(),
        customer: CustomerSummary {
            id: invoice.customer.id.to_string(),
            name: invoice.customer.name.clone(),
            email: invoice.customer.email.as_ref().map(|e| e.as_str().to_owned()),
        },
        issue_date: invoice.issue_date,
        due_date: invoice.due_date,
        currency: invoice.currency.code().to_owned(),
        price_mode: if invoice.price_mode == PriceMode::Inclusive { "inclusive" } else { "exclusive" }.to_owned(),
        line_items: invoice
            .line_items
            .iter()
            .zip(&totals.lines)
            .map(|(l, t)| LineView {
                id: l.id.map(|i| i.to_string()).unwrap_or_default(),
                product_id: l.product_id.map(|p| p.to_string()),
                description: l.description.clone(),
                quantity: l.quantity.to_string(),
                unit: l.unit.clone(),
                unit_price: l.unit_price.to_string(),
                tax_rate: l.tax_rate.to_string(),
                tax_category: l.tax_category,
                discount: l.discount,
                amount: t.amount.amount(),
            })
            .collect(),
        discount: invoice.discount,
        subtotal: totals.subtotal.amount(),
        discount_total: totals.discount.amount(),
        tax: totals.tax.amount(),
        tax_breakdown: totals
            .tax_breakdown
            .iter()
            .map(|t| TaxLine {
                category: t.category,
                rate: t.rate.to_string(),
                taxable: t.taxable.amount(),
                tax: t.tax.amount(),
            })
            .collect(),
        total: totals.total.amount(),
        amount_paid: state.balance.amount_paid.amount(),
        amount_refunded: state.balance.amount_refunded.amount(),
        amount_due: state.balance.amount_due.amount(),
        credit: state.balance.credit.amount(),
        disputed: state.disputed,
        notes: invoice.notes.clone(),
        terms: invoice.terms.clone(),
        po_number: invoice.po_number.clone(),
        reference: invoice.reference.clone(),
        payments: payments_of(facts),
        created_by: invoice.created_by.to_string(),
        created_at: invoice.created_at,
        updated_at: facts.iter().map(|f| f.at).chain([invoice.updated_at]).max().unwrap_or(invoice.updated_at),
        issued_at: at(|k| matches!(k, FactKind::Issued { .. })),
        voided_at: at(|k| matches!(k, FactKind::Voided { .. })),
    };
    Ok(Projection { view, totals, state })
}

/// The status as of `today`: an issued invoice with money due after its due date is overdue.
pub fn adjust(view: &mut Value, today: NaiveDate) {
    let eligible = view["status"].as_str().is_some_and(|s| OVERDUE_ELIGIBLE.contains(&s));
    let past_due = view["due_date"]
        .as_str()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .is_some_and(|d| today > d);
    let owed = view["amount_due"].as_str().is_some_and(|a| a.bytes().any(|b| (b'1'..=b'9').contains(&b)));
    if eligible && past_due && owed {
        view["status"] = Value::String("overdue".into());
    }
}

/// Every status an invoice can show, for the API's schema (the codes come from
/// `Status::code`, plus `overdue` from `adjust`).
#[cfg(feature = "openapi")]
#[derive(Debug, utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code, reason = "a schema only: statuses come from crate::Status::code")]
pub enum StatusName {
    Draft,
    PendingApproval,
    Approved,
    Issued,
    Sent,
    Viewed,
    PaymentInitiated,
    Processing,
    PartiallyPaid,
    Paid,
    PaymentFailed,
    Overdue,
    WrittenOff,
    PartiallyRefunded,
    Refunded,
    Voided,
}
