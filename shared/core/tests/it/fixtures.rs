//! Builders for test documents.

use chrono::{DateTime, NaiveDate, Utc};
use remit_core::*;
use std::str::FromStr;

pub fn cur(code: &str) -> Currency {
    Currency::parse(code).unwrap()
}

pub fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

pub fn money(amount: &str, code: &str) -> Money {
    Money::parse(amount, cur(code)).unwrap()
}

pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

pub fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

pub fn uuid(n: u128) -> uuid::Uuid {
    uuid::Uuid::from_u128(n)
}

pub fn line(description: &str, quantity: &str, unit_price: &str, tax_rate: &str) -> LineItem {
    LineItem {
        id: None,
        product_id: None,
        description: description.into(),
        quantity: dec(quantity),
        unit: None,
        unit_price: dec(unit_price),
        tax_rate: dec(tax_rate),
        tax_category: TaxCategory::Standard,
        discount: None,
    }
}

pub fn invoice(currency: &str, lines: Vec<LineItem>) -> Invoice {
    Invoice {
        id: InvoiceId::from_uuid(uuid(1)),
        number: None,
        customer: CustomerSnapshot {
            id: CustomerId::from_uuid(uuid(2)),
            name: "ACME Corporation".into(),
            email: Some(Email::parse("billing@acme.com").unwrap()),
            billing_address: Address::default(),
            tax_id: None,
        },
        issue_date: date("2025-01-15"),
        due_date: date("2025-02-14"),
        currency: cur(currency),
        price_mode: PriceMode::Exclusive,
        line_items: lines,
        discount: None,
        notes: Some("Payment due within 30 days".into()),
        terms: None,
        po_number: None,
        reference: None,
        created_by: UserId::from_uuid(uuid(3)),
        created_at: at("2025-01-15T10:30:00Z"),
        updated_at: at("2025-01-15T10:30:00Z"),
    }
}
