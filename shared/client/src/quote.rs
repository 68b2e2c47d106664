//! A quote: the totals of invoice lines before any invoice exists, for the "what will this
//! come to" question a field worker asks with no network. Same rules as an issued invoice.

use remit_core::tax::{self, Discount, PriceMode, Totals};
use remit_core::{Currency, LineItem};
use serde::Deserialize;

use crate::error::{Error, Result};

/// The money part of the spec's create-invoice request (5.2). Decimals are JSON strings
/// (`"150.00"`) or plain JSON numbers (`150.00`), read as their exact text, never as a float.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuoteRequest {
    pub currency: Currency,
    #[serde(default)]
    pub price_mode: PriceMode,
    pub line_items: Vec<LineItem>,
    #[serde(default)]
    pub discount: Option<Discount>,
}

pub fn quote(request: &QuoteRequest) -> Result<Totals> {
    Ok(tax::compute(request.currency, request.price_mode, &request.line_items, request.discount.as_ref())?)
}

/// From JSON text (the CLI).
pub fn quote_json(input: &str) -> Result<Totals> {
    quote(&serde_json::from_str(input).map_err(invalid)?)
}

/// From parsed JSON (the desktop's IPC), so a bad field is reported like any other error.
pub fn quote_value(input: serde_json::Value) -> Result<Totals> {
    quote(&serde_json::from_value(input).map_err(invalid)?)
}

fn invalid(source: serde_json::Error) -> Error {
    Error::Request { what: "quote request", source }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_the_spec_example() {
        let input = r#"{"currency":"USD","line_items":[{"description":"Web Development","quantity":"40","unit_price":"150.00","tax_rate":"10"}]}"#;
        let t = quote_json(input).unwrap();
        assert_eq!(
            (t.subtotal.amount(), t.tax.amount(), t.total.amount()),
            ("6000.00".into(), "600.00".into(), "6600.00".into())
        );
    }

    #[test]
    fn bad_input_names_the_problem() {
        let err = quote_json(
            r#"{"currency":"USD","line_items":[{"description":"x","quantity":4e1,"unit_price":"1","tax_rate":"0"}]}"#,
        )
        .unwrap_err();
        assert_eq!(err.code(), "invalid_request", "an exponent is not a decimal a person typed");
        let numbers =
            r#"{"currency":"USD","line_items":[{"description":"x","quantity":40,"unit_price":150.00,"tax_rate":10}]}"#;
        assert_eq!(quote_json(numbers).unwrap().total.amount(), "6600.00", "JSON numbers are read exactly");
        let err = quote_value(serde_json::json!({"currency": "XYZ", "line_items": []})).unwrap_err();
        assert_eq!(err.code(), "invalid_request");
        assert!(err.to_string().contains("XYZ"), "{err}");
        let err = quote_json(
            r#"{"currency":"USD","line_items":[{"description":"x","quantity":"-1","unit_price":"1","tax_rate":"0"}]}"#,
        )
        .unwrap_err();
        assert_eq!(err.code(), "validation_failed");
        assert!(err.to_string().contains("line_items[0].quantity"), "{err}");
    }
}
