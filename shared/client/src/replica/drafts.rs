//! The invoice editor's save: a whole draft as a form holds it (customer, dates, lines from
//! products or typed, line and invoice discounts, notes, terms, PO number), decimals as the
//! text typed, so a bad field comes back named (`line_items[1].unit_price`). Saving an
//! existing draft keeps each line's id, so two devices editing different lines merge.

use chrono::{Duration, NaiveDate, Utc};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::invoices::{DEFAULT_TERMS_DAYS, KIND, editable_from, parse_decimal, project, today, unknown};
use super::{Replica, db, save_document};
use crate::error::{Error, Result};
use remit_core::tax::Discount;
use remit_core::{Currency, Invoice, InvoiceId, LineItem, LineItemId, ProductId, TaxCategory};

/// A discount as a form gives it: `percent` off or an `amount` off, in the invoice's currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct DraftDiscount {
    /// `percent` or `amount`.
    pub kind: String,
    pub value: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct DraftLine {
    /// The line's id when it was already saved (kept so that edits merge line by line).
    #[serde(default)]
    pub id: Option<String>,
    /// The catalogue product the line came from, if any.
    #[serde(default)]
    pub product_id: Option<String>,
    pub description: String,
    pub quantity: String,
    pub unit_price: String,
    pub tax_rate: String,
    #[serde(default)]
    pub discount: Option<DraftDiscount>,
}

/// The whole draft as the editor holds it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Draft {
    pub customer_id: String,
    /// Default: the customer's currency.
    #[serde(default)]
    pub currency: Option<String>,
    /// Default: today for a new draft, unchanged for a saved one.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub issue_date: Option<NaiveDate>,
    /// Default: the issue date plus the customer's payment terms (30 days).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub due_date: Option<NaiveDate>,
    pub lines: Vec<DraftLine>,
    #[serde(default)]
    pub discount: Option<DraftDiscount>,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub terms: Option<String>,
    #[serde(default)]
    pub po_number: Option<String>,
}

fn discount(field: &str, d: &Option<DraftDiscount>) -> Result<Option<Discount>> {
    let Some(d) = d.as_ref().filter(|d| !d.value.trim().is_empty()) else { return Ok(None) };
    let value = parse_decimal(&format!("{field}.value"), &d.value)?;
    match d.kind.as_str() {
        "percent" => Ok(Some(Discount::Percent(value))),
        "amount" => Ok(Some(Discount::Amount(value))),
        other => Err(Error::BadArgument(format!("{field}.kind: {other:?} is neither percent nor amount"))),
    }
}

fn text(s: &Option<String>) -> Option<String> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

impl Replica {
    fn line(&self, i: usize, l: &DraftLine) -> Result<LineItem> {
        let field = |f: &str| format!("line_items[{i}].{f}");
        let bad_id = |f: &str| Error::BadArgument(format!("{}: not an id of this replica", field(f)));
        let id = match &l.id {
            Some(s) => LineItemId::parse(s).map_err(|_| bad_id("id"))?,
            None => LineItemId::from_uuid(Uuid::now_v7()),
        };
        let product_id = match l.product_id.as_deref().filter(|p| !p.is_empty()) {
            Some(p) => {
                let pid = ProductId::parse(p).map_err(|_| bad_id("product_id"))?;
                let known: Option<i64> = self
                    .conn
                    .query_row("SELECT 1 FROM products WHERE id = ?1", params![pid.to_string()], |r| r.get(0))
                    .optional()
                    .map_err(db)?;
                known.ok_or_else(|| bad_id("product_id"))?;
                Some(pid)
            }
            None => None,
        };
        Ok(LineItem {
            id: Some(id),
            product_id,
            description: l.description.trim().to_owned(),
            quantity: parse_decimal(&field("quantity"), &l.quantity)?,
            unit: None,
            unit_price: parse_decimal(&field("unit_price"), &l.unit_price)?,
            tax_rate: parse_decimal(&field("tax_rate"), &l.tax_rate)?,
            tax_category: TaxCategory::Standard,
            discount: discount(&field("discount"), &l.discount)?,
        })
    }

    /// The document `draft` describes: new, or replacing the content of `existing` (whose id,
    /// author and creation time it keeps).
    pub(super) fn build(&self, draft: &Draft, existing: Option<&Invoice>) -> Result<Invoice> {
        let customer = self.customer(&draft.customer_id)?;
        let currency = match (text(&draft.currency), customer.currency, existing) {
            (Some(c), ..) => Currency::parse(&c)?,
            (None, Some(c), _) => c,
            (None, None, Some(e)) => e.currency,
            (None, None, None) => {
                return Err(Error::BadArgument("currency is required: the customer has no default currency".into()));
            }
        };
        let issue_date = draft.issue_date.or(existing.map(|e| e.issue_date)).unwrap_or_else(today);
        let terms = customer.payment_terms_days.map_or(DEFAULT_TERMS_DAYS, i64::from);
        let due_date: NaiveDate = draft.due_date.unwrap_or(issue_date + Duration::days(terms));
        let line_items = draft.lines.iter().enumerate().map(|(i, l)| self.line(i, l)).collect::<Result<Vec<_>>>()?;
        let at = Utc::now();
        let invoice = Invoice {
            id: existing.map_or_else(|| InvoiceId::from_uuid(Uuid::now_v7()), |e| e.id),
            number: None,
            customer: customer.snapshot(),
            issue_date,
            due_date,
            currency,
            price_mode: existing.map(|e| e.price_mode).unwrap_or_default(),
            line_items,
            discount: discount("discount", &draft.discount)?,
            notes: text(&draft.notes),
            terms: text(&draft.terms),
            po_number: text(&draft.po_number),
            reference: existing.and_then(|e| e.reference.clone()),
            created_by: existing.map_or(self.device.user_id, |e| e.created_by),
            created_at: existing.map_or(at, |e| e.created_at),
            updated_at: at,
        };
        invoice.validate()?;
        Ok(invoice)
    }

    /// Saves the editor's draft: a new invoice when `id` is `None`, else the replacement of that
    /// draft (an issued or voided invoice is refused, `not_editable`). Everything is checked
    /// before anything is written; a refused save leaves the stored draft as it was.
    pub fn save_draft(&mut self, id: Option<&str>, draft: &Draft) -> Result<Value> {
        let Some(id) = id else {
            let invoice = self.build(draft, None)?;
            let mut doc = remit_core::crdt::create(&invoice)?;
            return self.write(|tx| {
                save_document(tx, &invoice.id.to_string(), KIND, &doc.save())?;
                project(tx, &invoice)
            });
        };
        let key = InvoiceId::parse(id).map_err(|_| unknown(id))?.to_string();
        let existing = {
            let tx = self.conn.unchecked_transaction().map_err(db)?;
            editable_from(&tx, &key, None)?.1
        };
        let invoice = self.build(draft, Some(&existing))?;
        let cached = self.loaded.take(&key);
        let (view, bytes, doc) = self.write(|tx| {
            // Read again inside the write: a sync between the two reads may have issued it.
            let (mut doc, _) = editable_from(tx, &key, cached)?;
            let before = doc.get_heads();
            remit_core::crdt::update(&mut doc, &invoice)?;
            let bytes = super::save_edit(tx, &key, &mut doc, &before)?;
            Ok((project(tx, &invoice)?, bytes, doc))
        })?;
        self.loaded.keep(key, bytes, doc);
        Ok(view)
    }
}
