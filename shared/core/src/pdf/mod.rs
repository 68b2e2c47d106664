//! Invoice PDFs, rendered the same on the server (`GET /v1/invoices/{id}/pdf`, emails), on the
//! desktop offline, and by `remit pdf`. The input is the API's invoice shape (money as decimal
//! strings in the invoice's currency) plus the seller's branding.
//!
//! A4, DejaVu Sans embedded as a subset; the line-item table breaks across pages with its header
//! repeated, followed by the tax summary, totals, payment instructions, notes and terms; every
//! page is numbered "Page n of N". Layout is integer micrometres (`units`).

mod fonts;
mod layout;
mod units;

use std::collections::BTreeSet;

use serde::Deserialize;

use crate::currency::Currency;
use crate::error::{Error, Result};
use crate::money::Money;

/// Who issues the invoice, as printed at its top (the company profile).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Seller {
    pub name: String,
    #[serde(default)]
    pub address: Vec<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub website: Option<String>,
    /// VAT / GST / ABN number.
    #[serde(default)]
    pub tax_id: Option<String>,
    /// How to pay: bank details, check address.
    #[serde(default)]
    pub payment_instructions: Option<String>,
    /// A PNG logo, base64.
    #[serde(default)]
    pub logo_png_base64: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Party {
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Line {
    pub description: String,
    pub quantity: String,
    #[serde(default)]
    pub unit: Option<String>,
    pub unit_price: String,
    pub tax_rate: String,
    pub amount: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TaxLine {
    pub category: String,
    pub rate: String,
    pub taxable: String,
    pub tax: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Links {
    #[serde(default)]
    pub public: Option<String>,
}

/// An invoice in the API's shape (`GET /v1/invoices/{id}`); fields the PDF does not print are
/// ignored.
#[derive(Debug, Clone, Deserialize)]
pub struct PdfInvoice {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub number: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    pub customer: Party,
    pub issue_date: String,
    pub due_date: String,
    pub currency: Currency,
    #[serde(default)]
    pub line_items: Vec<Line>,
    pub subtotal: String,
    #[serde(default)]
    pub discount_total: Option<String>,
    pub tax: String,
    #[serde(default)]
    pub tax_breakdown: Vec<TaxLine>,
    pub total: String,
    #[serde(default)]
    pub amount_paid: Option<String>,
    pub amount_due: String,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub terms: Option<String>,
    #[serde(default)]
    pub po_number: Option<String>,
    #[serde(default)]
    pub reference: Option<String>,
    #[serde(default)]
    pub links: Links,
}

impl PdfInvoice {
    /// A file name for the PDF: the invoice number (or "draft-<id>"), safe on every system.
    pub fn file_name(&self) -> String {
        let base = match (&self.number, &self.id) {
            (Some(n), _) => n.clone(),
            (None, Some(id)) => format!("draft-{id}"),
            (None, None) => "draft".to_owned(),
        };
        let safe: String = base
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' })
            .collect();
        format!("{}.pdf", safe.trim_start_matches('.'))
    }

    /// Every amount parses in the invoice's currency (so nothing odd is ever printed).
    fn check(&self) -> Result<()> {
        let c = self.currency;
        let mut amounts: Vec<(&str, &str)> = vec![
            ("subtotal", &self.subtotal),
            ("tax", &self.tax),
            ("total", &self.total),
            ("amount_due", &self.amount_due),
        ];
        amounts.extend(self.discount_total.as_deref().map(|d| ("discount_total", d)));
        amounts.extend(self.amount_paid.as_deref().map(|d| ("amount_paid", d)));
        for l in &self.line_items {
            amounts.push(("line_items[].amount", &l.amount));
        }
        for t in &self.tax_breakdown {
            amounts.push(("tax_breakdown[].tax", &t.tax));
            amounts.push(("tax_breakdown[].taxable", &t.taxable));
        }
        for (field, value) in amounts {
            Money::parse(value, c).map_err(|e| Error::invalid(field, e.to_string()))?;
        }
        Ok(())
    }
}

/// The symbol printed before an amount; the ISO code for currencies without a common one.
fn symbol(c: Currency) -> String {
    match c.code() {
        "USD" => "$".into(),
        "EUR" => "€".into(),
        "GBP" => "£".into(),
        "JPY" | "CNY" => "¥".into(),
        "INR" => "₹".into(),
        "KRW" => "₩".into(),
        "AUD" => "A$".into(),
        "CAD" => "CA$".into(),
        "NZD" => "NZ$".into(),
        "ILS" => "₪".into(),
        code => format!("{code} "),
    }
}

/// `6600.00` in USD → `$6,600.00`; `-5.00` → `-$5.00`. The digits are the currency's.
pub fn format_money(amount: &str, c: Currency) -> Result<String> {
    let m = Money::parse(amount, c)?;
    let text = m.amount();
    let (negative, digits) = text.strip_prefix('-').map_or((false, text.as_str()), |d| (true, d));
    let (whole, fraction) = digits.split_once('.').map_or((digits, None), |(w, f)| (w, Some(f)));
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let sign = if negative { "-" } else { "" };
    Ok(match fraction {
        Some(f) => format!("{sign}{}{grouped}.{f}", symbol(c)),
        None => format!("{sign}{}{grouped}", symbol(c)),
    })
}

/// Checks a base64 PNG logo the way rendering will read it.
pub fn check_logo(base64_png: &str) -> Result<()> {
    layout::decode_logo(base64_png).map(|_| ())
}

impl Seller {
    /// The profile's limits (what fits the page): the same on the server and on a device.
    pub fn check(&self) -> Result<()> {
        let too_long = |v: Option<&str>, max: usize| v.is_some_and(|s| s.chars().count() > max);
        for (field, value, max) in [
            ("name", Some(self.name.as_str()), 255),
            ("email", self.email.as_deref(), 255),
            ("phone", self.phone.as_deref(), 64),
            ("website", self.website.as_deref(), 255),
            ("tax_id", self.tax_id.as_deref(), 64),
            ("payment_instructions", self.payment_instructions.as_deref(), 2000),
            ("logo_png_base64", self.logo_png_base64.as_deref(), 700_000),
        ] {
            if too_long(value, max) {
                return Err(Error::invalid(field, format!("at most {max} characters")));
            }
        }
        if self.address.len() > 6 || self.address.iter().any(|l| l.chars().count() > 255) {
            return Err(Error::invalid("address", "at most 6 lines of 255 characters"));
        }
        if let Some(logo) = &self.logo_png_base64 {
            check_logo(logo)?;
        }
        Ok(())
    }
}

/// Renders one invoice.
pub fn render(invoice: &PdfInvoice, seller: &Seller) -> Result<Vec<u8>> {
    invoice.check()?;
    let logo = seller.logo_png_base64.as_deref().map(layout::decode_logo).transpose()?;
    // All of printable ASCII (labels, digits, the layout's own words), plus what the data uses.
    let mut chars: BTreeSet<char> = (' '..='~').chain(layout::LABELS.chars()).collect();
    let input = serde_json::to_string(&(invoice_text(invoice), seller_text(seller))).unwrap_or_default();
    chars.extend(input.chars());
    chars.extend(symbol(invoice.currency).chars());
    layout::render(invoice, seller, logo, &chars)
}

fn invoice_text(i: &PdfInvoice) -> Vec<String> {
    let mut out = vec![
        i.customer.name.clone(),
        i.customer.email.clone().unwrap_or_default(),
        i.issue_date.clone(),
        i.due_date.clone(),
    ];
    out.extend(
        [&i.number, &i.notes, &i.terms, &i.po_number, &i.reference, &i.links.public].into_iter().flatten().cloned(),
    );
    for l in &i.line_items {
        out.extend([
            l.description.clone(),
            l.quantity.clone(),
            l.unit.clone().unwrap_or_default(),
            l.unit_price.clone(),
            l.tax_rate.clone(),
        ]);
    }
    for t in &i.tax_breakdown {
        out.extend([t.category.clone(), t.rate.clone()]);
    }
    out
}

fn seller_text(s: &Seller) -> Vec<String> {
    let mut out = vec![s.name.clone()];
    out.extend(s.address.iter().cloned());
    out.extend([&s.email, &s.phone, &s.website, &s.tax_id, &s.payment_instructions].into_iter().flatten().cloned());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_printed_with_its_currency_and_digits() {
        let usd = Currency::parse("USD").unwrap();
        assert_eq!(format_money("6600.00", usd).unwrap(), "$6,600.00");
        assert_eq!(format_money("1234567.5", usd).unwrap(), "$1,234,567.50");
        assert_eq!(format_money("-5.00", usd).unwrap(), "-$5.00");
        assert_eq!(format_money("12345", Currency::parse("JPY").unwrap()).unwrap(), "¥12,345");
        assert_eq!(format_money("1.234", Currency::parse("BHD").unwrap()).unwrap(), "BHD 1.234");
        assert!(format_money("1.234", usd).is_err(), "more decimals than the currency has");
    }

    #[test]
    fn file_names_are_safe() {
        let json = r#"{"number": "INV/2025 001", "customer": {"name": "A"}, "issue_date": "2025-01-01",
            "due_date": "2025-01-31", "currency": "USD", "subtotal": "0.00", "tax": "0.00", "total": "0.00", "amount_due": "0.00"}"#;
        let inv: PdfInvoice = serde_json::from_str(json).unwrap();
        assert_eq!(inv.file_name(), "INV_2025_001.pdf");
    }
}

#[cfg(test)]
mod render_tests {
    use super::*;

    pub fn example(lines: usize) -> PdfInvoice {
        let line = r#"{"description": "Web Development: discovery, design and build of the customer portal", "quantity": "40", "unit": "h", "unit_price": "150.00", "tax_rate": "10", "amount": "6000.00"}"#;
        let items = vec![line; lines].join(",");
        let json = format!(
            r#"{{"number": "INV-2025-0001", "customer": {{"name": "ACME Corporation", "email": "billing@acme.com"}},
            "issue_date": "2025-01-15", "due_date": "2025-02-14", "currency": "USD", "line_items": [{items}],
            "subtotal": "6000.00", "tax": "600.00", "tax_breakdown": [{{"category": "standard", "rate": "10", "taxable": "6000.00", "tax": "600.00"}}],
            "total": "6600.00", "amount_paid": "1000.00", "amount_due": "5600.00", "notes": "Payment due within 30 days",
            "links": {{"public": "https://pay.example/i/abc"}}}}"#
        );
        serde_json::from_str(&json).unwrap()
    }

    fn seller() -> Seller {
        Seller {
            name: "Northwind Studio".into(),
            address: vec!["1 Harbour St".into(), "Sydney NSW 2000".into()],
            ..Seller::default()
        }
    }

    /// Page objects in the (uncompressed) PDF.
    fn pages(pdf: &[u8]) -> usize {
        String::from_utf8_lossy(pdf).matches("/Type/Page/").count()
    }

    #[test]
    fn a_one_page_invoice_is_a_small_pdf() {
        let pdf = render(&example(1), &seller()).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(pdf.len() < 120_000, "{} bytes: the fonts are subset", pdf.len());
    }

    #[test]
    fn bad_amounts_are_refused() {
        let mut inv = example(1);
        inv.total = "66.000".into();
        assert_eq!(render(&inv, &seller()).unwrap_err().code(), "invalid_field");
    }

    #[test]
    fn a_long_invoice_takes_several_pages() {
        let short = render(&example(1), &seller()).unwrap();
        let long = render(&example(120), &seller()).unwrap();
        assert!(long.len() > short.len());
        assert_eq!(pages(&short), 1);
        assert!(pages(&long) >= 5, "120 lines take several pages, got {}", pages(&long));
    }
}
