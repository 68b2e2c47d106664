//! The documents people edit (offline, on several devices, merged later): invoices with their
//! line items, customers and products. Money that *happened* (payments, refunds) is never a
//! field here; it is a fact (see `lifecycle`).

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::currency::Currency;
use crate::error::{Error, FieldError, Result};
use crate::ids::{CustomerId, InvoiceId, LineItemId, ProductId, UserId};
use crate::tax::{self, Discount, PriceMode, TaxCategory, Totals};
use crate::text::{Email, InvoiceNumber};

/// A postal address; `country` is an ISO 3166-1 alpha-2 code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct Address {
    pub line1: String,
    pub line2: String,
    pub city: String,
    pub region: String,
    pub postal_code: String,
    pub country: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    pub id: CustomerId,
    pub name: String,
    #[serde(default)]
    pub email: Option<Email>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub billing_address: Address,
    /// VAT / GST / ABN number, printed on invoices.
    #[serde(default)]
    pub tax_id: Option<String>,
    /// Currency new invoices for this customer start in.
    #[serde(default)]
    pub currency: Option<Currency>,
    /// Days from issue date to due date for new invoices (net 30 and so on).
    #[serde(default)]
    pub payment_terms_days: Option<u16>,
    #[serde(default)]
    pub notes: Option<String>,
    /// Who created it: the "own" in RBAC's own scope.
    pub created_by: UserId,
}

impl Customer {
    /// What an invoice keeps of its customer, so a later change to the customer never
    /// rewrites an issued invoice.
    pub fn snapshot(&self) -> CustomerSnapshot {
        CustomerSnapshot {
            id: self.id,
            name: self.name.clone(),
            email: self.email.clone(),
            billing_address: self.billing_address.clone(),
            tax_id: self.tax_id.clone(),
        }
    }

    pub fn validate(&self) -> Result<()> {
        let mut errors = Vec::new();
        check_text(&mut errors, "name", &self.name, 1, 255);
        if let Some(country) = non_empty(&self.billing_address.country) {
            check_country(&mut errors, "billing_address.country", country);
        }
        finish(errors)
    }
}

/// The customer as they were when the invoice was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerSnapshot {
    pub id: CustomerId,
    pub name: String,
    #[serde(default)]
    pub email: Option<Email>,
    #[serde(default)]
    pub billing_address: Address,
    #[serde(default)]
    pub tax_id: Option<String>,
}

/// A product or service in the item library, priced in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub id: ProductId,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub sku: Option<String>,
    pub currency: Currency,
    #[serde(deserialize_with = "crate::decimal::exact")]
    pub unit_price: Decimal,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(deserialize_with = "crate::decimal::exact")]
    pub tax_rate: Decimal,
    #[serde(default)]
    pub tax_category: TaxCategory,
}

impl Product {
    /// The rules of a product in the item library, wherever it is written (API, device): a
    /// name, bounded texts, and a price and rate an invoice line could carry.
    pub fn validate(&self) -> Result<()> {
        let mut errors = Vec::new();
        check_text(&mut errors, "name", &self.name, 1, 255);
        for (field, value, max) in
            [("description", &self.description, 2000), ("sku", &self.sku, 64), ("unit", &self.unit, 32)]
        {
            if let Some(v) = value {
                check_text(&mut errors, field, v, 0, max);
            }
        }
        finish(errors)?;
        tax::compute(self.currency, PriceMode::Exclusive, &[self.line(Decimal::ONE, self.currency)?], None)?;
        Ok(())
    }

    /// A new invoice line for `quantity` of this product, at its current price. The invoice
    /// must be in the product's currency: a price is never silently reread in another.
    pub fn line(&self, quantity: Decimal, invoice_currency: Currency) -> Result<LineItem> {
        if invoice_currency != self.currency {
            return Err(Error::CurrencyMismatch { left: invoice_currency, right: self.currency });
        }
        Ok(LineItem {
            id: None,
            product_id: Some(self.id),
            description: self.description.clone().unwrap_or_else(|| self.name.clone()),
            quantity,
            unit: self.unit.clone(),
            unit_price: self.unit_price,
            tax_rate: self.tax_rate,
            tax_category: self.tax_category,
            discount: None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineItem {
    #[serde(default)]
    pub id: Option<LineItemId>,
    #[serde(default)]
    pub product_id: Option<ProductId>,
    pub description: String,
    #[serde(deserialize_with = "crate::decimal::exact")]
    pub quantity: Decimal,
    #[serde(default)]
    pub unit: Option<String>,
    /// Price of one unit in the invoice's currency; may have more decimals than the currency
    /// (0.125 per unit): only line amounts are rounded.
    #[serde(deserialize_with = "crate::decimal::exact")]
    pub unit_price: Decimal,
    /// Percent, e.g. `10` for 10 %.
    #[serde(deserialize_with = "crate::decimal::exact")]
    pub tax_rate: Decimal,
    #[serde(default)]
    pub tax_category: TaxCategory,
    #[serde(default)]
    pub discount: Option<Discount>,
}

/// An invoice document: the fields of the REST example (spec 5.2) plus notes, terms, PO
/// number, discounts and the customer snapshot. Its status is not a field: it is computed
/// from the document and its facts (`lifecycle::status`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invoice {
    pub id: InvoiceId,
    /// Assigned when the invoice is issued; `None` while it is a draft.
    #[serde(default)]
    pub number: Option<InvoiceNumber>,
    pub customer: CustomerSnapshot,
    pub issue_date: NaiveDate,
    pub due_date: NaiveDate,
    pub currency: Currency,
    #[serde(default)]
    pub price_mode: PriceMode,
    pub line_items: Vec<LineItem>,
    /// Discount on the whole invoice, shared between tax rates (see `tax`).
    #[serde(default)]
    pub discount: Option<Discount>,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub terms: Option<String>,
    #[serde(default)]
    pub po_number: Option<String>,
    #[serde(default)]
    pub reference: Option<String>,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Invoice {
    pub fn totals(&self) -> Result<Totals> {
        tax::compute(self.currency, self.price_mode, &self.line_items, self.discount.as_ref())
    }

    /// Checks what a draft must satisfy to be saved; every problem is reported at once.
    pub fn validate(&self) -> Result<Totals> {
        let mut errors = Vec::new();
        check_text(&mut errors, "customer.name", &self.customer.name, 1, 255);
        if self.due_date < self.issue_date {
            errors.push(FieldError::new("due_date", "must not be before issue_date"));
        }
        if self.line_items.len() > MAX_LINES {
            errors.push(FieldError::new("line_items", format!("at most {MAX_LINES} lines")));
        }
        for (i, line) in self.line_items.iter().enumerate() {
            check_text(&mut errors, &format!("line_items[{i}].description"), &line.description, 0, 2000);
        }
        for (field, value, max) in [
            ("notes", &self.notes, 10_000),
            ("terms", &self.terms, 10_000),
            ("po_number", &self.po_number, 64),
            ("reference", &self.reference, 255),
        ] {
            if let Some(v) = value {
                check_text(&mut errors, field, v, 0, max);
            }
        }
        match self.totals() {
            Ok(totals) if errors.is_empty() => Ok(totals),
            Ok(_) => Err(Error::Validation(errors)),
            Err(Error::Validation(more)) => {
                errors.extend(more);
                Err(Error::Validation(errors))
            }
            Err(other) => Err(other),
        }
    }

    /// Checks what issuing additionally needs: at least one line and a total that is not
    /// negative. (The number is assigned by the issue itself.)
    pub fn validate_for_issue(&self) -> Result<Totals> {
        let totals = self.validate()?;
        if self.line_items.is_empty() {
            return Err(Error::Validation(vec![FieldError::new(
                "line_items",
                "an issued invoice needs at least one line",
            )]));
        }
        Ok(totals)
    }
}

/// Enough for any real invoice; keeps one document's work bounded.
pub const MAX_LINES: usize = 1000;

fn non_empty(s: &str) -> Option<&str> {
    let t = s.trim();
    (!t.is_empty()).then_some(t)
}

fn check_text(errors: &mut Vec<FieldError>, field: &str, value: &str, min: usize, max: usize) {
    let len = value.trim().chars().count();
    if len < min {
        errors.push(FieldError::new(field, "must not be empty"));
    } else if value.chars().count() > max {
        errors.push(FieldError::new(field, format!("must be at most {max} characters")));
    }
}

fn check_country(errors: &mut Vec<FieldError>, field: &str, code: &str) {
    if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
        errors.push(FieldError::new(field, "must be an ISO 3166-1 alpha-2 code such as US or DE"));
    }
}

fn finish(errors: Vec<FieldError>) -> Result<()> {
    if errors.is_empty() { Ok(()) } else { Err(Error::Validation(errors)) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;
    use uuid::Uuid;

    fn customer() -> Customer {
        Customer {
            id: CustomerId::from_uuid(Uuid::from_u128(1)),
            name: "ACME Corporation".into(),
            email: Some(Email::parse("billing@acme.com").unwrap()),
            phone: None,
            billing_address: Address { country: "US".into(), ..Address::default() },
            tax_id: Some("US-123".into()),
            currency: None,
            payment_terms_days: Some(30),
            notes: None,
            created_by: UserId::from_uuid(Uuid::from_u128(2)),
        }
    }

    #[test]
    fn customers_validate_name_and_country() {
        assert!(customer().validate().is_ok());
        let bad = Customer {
            name: "  ".into(),
            billing_address: Address { country: "usa".into(), ..Address::default() },
            ..customer()
        };
        let Err(Error::Validation(errors)) = bad.validate() else { panic!("expected errors") };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "billing_address.country"]);
    }

    #[test]
    fn a_snapshot_keeps_what_the_invoice_prints() {
        let c = customer();
        let snap = c.snapshot();
        assert_eq!((snap.id, snap.name.as_str(), snap.tax_id.as_deref()), (c.id, "ACME Corporation", Some("US-123")));
    }

    #[test]
    fn a_product_becomes_a_line_at_its_price() {
        let p = Product {
            id: ProductId::from_uuid(Uuid::from_u128(3)),
            name: "Web Development".into(),
            description: None,
            sku: None,
            currency: Currency::parse("USD").unwrap(),
            unit_price: Decimal::from_str("150.00").unwrap(),
            unit: Some("hour".into()),
            tax_rate: Decimal::from(10),
            tax_category: TaxCategory::Standard,
        };
        assert_eq!(p.line(Decimal::from(40), Currency::parse("JPY").unwrap()).unwrap_err().code(), "currency_mismatch");
        let line = p.line(Decimal::from(40), p.currency).unwrap();
        assert_eq!(
            (line.description.as_str(), line.product_id, line.quantity),
            ("Web Development", Some(p.id), Decimal::from(40))
        );
        let totals = tax::compute(p.currency, PriceMode::Exclusive, &[line], None).unwrap();
        assert_eq!(totals.total.amount(), "6600.00");
    }
}
