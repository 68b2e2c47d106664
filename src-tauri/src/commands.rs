//! Tauri commands: thin adapters over remit-client. Records cross as the API's JSON shapes
//! (money as decimal strings); errors as `{code, message}`.

use remit_client::replica::{
    Dashboard, InvoiceFilter, InvoicePage, InvoiceSort, LineArg, NewCustomer, NewInvoice, NewProduct,
};
use remit_core::Totals;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tauri::State;
use ts_rs::TS;

use crate::engine::Engine;

/// What the UI receives when a command fails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CommandError {
    pub code: String,
    pub message: String,
}

impl From<remit_client::Error> for CommandError {
    fn from(err: remit_client::Error) -> Self {
        Self { code: err.code().to_owned(), message: err.to_string() }
    }
}

/// Totals of invoice lines by Remit's tax rules. Takes raw JSON so that a malformed request
/// comes back as `{code, message}` like every other error, not as Tauri's own string.
#[tauri::command]
pub fn quote(request: serde_json::Value) -> Result<Totals, CommandError> {
    Ok(remit_client::quote::quote_value(request)?)
}

#[derive(Debug, Deserialize, TS)]
pub struct CustomerInput {
    pub name: String,
    pub email: Option<String>,
    pub currency: Option<String>,
}

/// A product for the catalogue: prices and rates as decimal strings.
#[derive(Debug, Deserialize, TS)]
pub struct ProductInput {
    pub name: String,
    pub unit_price: String,
    pub currency: String,
    pub tax_rate: Option<String>,
    pub sku: Option<String>,
    pub unit: Option<String>,
}

impl From<ProductInput> for NewProduct {
    fn from(p: ProductInput) -> Self {
        NewProduct {
            name: p.name,
            unit_price: p.unit_price,
            currency: p.currency,
            tax_rate: p.tax_rate,
            sku: p.sku,
            description: None,
            unit: p.unit,
        }
    }
}

#[derive(Debug, Deserialize, TS)]
pub struct LineInput {
    pub description: String,
    pub quantity: String,
    pub unit_price: String,
    pub tax_rate: String,
}

#[derive(Debug, Deserialize, TS)]
pub struct InvoiceInput {
    pub customer_id: String,
    pub currency: Option<String>,
    pub due_date: Option<chrono::NaiveDate>,
    pub lines: Vec<LineInput>,
    pub notes: Option<String>,
}

impl From<CustomerInput> for NewCustomer {
    fn from(c: CustomerInput) -> Self {
        NewCustomer { name: c.name, email: c.email, currency: c.currency, payment_terms_days: None }
    }
}

impl TryFrom<InvoiceInput> for NewInvoice {
    type Error = remit_client::Error;

    fn try_from(i: InvoiceInput) -> remit_client::Result<Self> {
        let lines = i
            .lines
            .iter()
            .map(|l| LineArg::new(&l.description, &l.quantity, &l.unit_price, &l.tax_rate))
            .collect::<remit_client::Result<Vec<_>>>()?;
        Ok(NewInvoice {
            customer_id: i.customer_id,
            currency: i.currency,
            issue_date: None,
            due_date: i.due_date,
            lines,
            notes: i.notes,
        })
    }
}

#[tauri::command]
pub fn products(engine: State<'_, Engine>, search: Option<String>) -> Result<Vec<Value>, CommandError> {
    engine.with(|r| r.products(search.as_deref()))
}

#[tauri::command]
pub fn create_product(engine: State<'_, Engine>, input: ProductInput) -> Result<Value, CommandError> {
    engine.with(|r| r.create_product(input.into()))
}

#[tauri::command]
pub fn customers(engine: State<'_, Engine>, search: Option<String>) -> Result<Vec<Value>, CommandError> {
    engine.with(|r| r.customers(search.as_deref()))
}

#[tauri::command]
pub fn create_customer(engine: State<'_, Engine>, input: CustomerInput) -> Result<Value, CommandError> {
    engine.with(|r| r.create_customer(input.into()))
}

/// A page of the invoice list (filtered, sorted and counted in the replica), for lists of any
/// length: the screen asks for the next page as it scrolls.
#[tauri::command]
pub fn invoice_page(
    engine: State<'_, Engine>,
    search: Option<String>,
    status: Option<String>,
    sort: Option<InvoiceSort>,
    offset: u32,
    limit: u32,
) -> Result<InvoicePage, CommandError> {
    engine.with(|r| r.invoice_page(&InvoiceFilter { status, search }, sort.unwrap_or_default(), offset, limit))
}

/// The dashboard's figures per currency, and the latest activity.
#[tauri::command]
pub fn dashboard(engine: State<'_, Engine>) -> Result<Dashboard, CommandError> {
    engine.with(|r| r.dashboard())
}

#[tauri::command]
pub fn invoice(engine: State<'_, Engine>, id: String) -> Result<Value, CommandError> {
    engine.with(|r| r.invoice(&id))
}

#[tauri::command]
pub fn create_invoice(engine: State<'_, Engine>, input: InvoiceInput) -> Result<Value, CommandError> {
    engine.with(|r| r.create_invoice(input.try_into()?))
}

/// Numbers the draft: from the device's own series before it ever connected, else from its
/// leased block, else by the server when it can be reached (`issue_needs_server` otherwise,
/// saying why). Waits on the network when connected, so off the window's thread.
#[tauri::command]
pub async fn issue_invoice(engine: State<'_, Engine>, id: String) -> Result<Value, CommandError> {
    engine.network(move |dir, r| remit_client::session::issue(dir, r, &id)).await
}

/// Renders the invoice as a PDF into the user's downloads folder (`REMIT_DOWNLOAD_DIR` when
/// set), offline, as the server renders it; returns the file's path.
#[tauri::command]
pub fn save_pdf(app: tauri::AppHandle, engine: State<'_, Engine>, id: String) -> Result<String, CommandError> {
    use tauri::Manager;
    let dir = match std::env::var_os("REMIT_DOWNLOAD_DIR").filter(|d| !d.is_empty()) {
        Some(d) => std::path::PathBuf::from(d),
        None => app
            .path()
            .download_dir()
            .map_err(|e| CommandError { code: "io".into(), message: format!("no downloads folder: {e}") })?,
    };
    engine.with(|r| remit_client::pdf::render_one(r, &id, &dir)).map(|p| p.display().to_string())
}

#[tauri::command]
pub fn record_payment(
    engine: State<'_, Engine>,
    invoice_id: String,
    amount: String,
    method: String,
) -> Result<Value, CommandError> {
    engine.with(|r| r.record_payment(&invoice_id, &amount, &method))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_crosses_as_json_and_errors_as_code_and_message() {
        let ok = serde_json::json!({"currency": "USD", "line_items": [
            {"description": "Web Development", "quantity": "40", "unit_price": "150.00", "tax_rate": "10"}
        ]});
        let json = serde_json::to_value(quote(ok).unwrap()).unwrap();
        assert_eq!(json["total"]["amount"], "6600.00");
        let bad = serde_json::json!({"currency": "USD", "line_items": [
            {"description": "x", "quantity": "1", "unit_price": "1", "tax_rate": "101"}
        ]});
        let err = serde_json::to_value(quote(bad).unwrap_err()).unwrap();
        assert_eq!(err["code"], "validation_failed");
        assert!(err["message"].as_str().unwrap().contains("tax_rate"));
        let err = quote(serde_json::json!({"currency": "XYZ", "line_items": []})).unwrap_err();
        assert_eq!((err.code.as_str(), err.message.contains("XYZ")), ("invalid_request", true));
    }

    fn engine() -> Engine {
        let dir = std::env::temp_dir().join(format!("remit-desktop-{}", uuid::Uuid::now_v7().simple()));
        Engine::open(&dir).unwrap()
    }

    fn filter(status: &str) -> InvoiceFilter {
        InvoiceFilter { status: Some(status.into()), search: None }
    }

    fn line(price: &str) -> LineInput {
        LineInput {
            description: "Web Development".into(),
            quantity: "40".into(),
            unit_price: price.into(),
            tax_rate: "10".into(),
        }
    }

    #[test]
    fn customers_and_invoices_are_made_and_listed_offline() {
        let engine = engine();
        let input = CustomerInput { name: "ACME Corporation".into(), email: None, currency: Some("USD".into()) };
        let customer = engine.with(|r| r.create_customer(input.into())).unwrap();
        assert_eq!(engine.with(|r| r.customers(Some("acme"))).unwrap().len(), 1);
        let input = InvoiceInput {
            customer_id: customer["id"].as_str().unwrap().into(),
            currency: None,
            due_date: None,
            lines: vec![line("150.00")],
            notes: Some("first".into()),
        };
        let invoice = engine.with(|r| r.create_invoice(input.try_into()?)).unwrap();
        assert_eq!((invoice["total"].as_str(), invoice["status"].as_str()), (Some("6600.00"), Some("draft")));
        let listed = engine.with(|r| r.invoices(&filter("draft"))).unwrap();
        assert_eq!(listed.len(), 1);
        assert!(engine.with(|r| r.invoices(&filter("paid"))).unwrap().is_empty());
    }

    #[test]
    fn bad_input_comes_back_as_code_and_message_and_stores_nothing() {
        let engine = engine();
        let input = CustomerInput { name: "ACME".into(), email: None, currency: Some("USD".into()) };
        let customer = engine.with(|r| r.create_customer(input.into())).unwrap();
        let input = InvoiceInput {
            customer_id: customer["id"].as_str().unwrap().into(),
            currency: None,
            due_date: None,
            lines: vec![line("1,50")],
            notes: None,
        };
        let err = engine.with(|r| r.create_invoice(input.try_into()?)).unwrap_err();
        assert_eq!(err.code, "invalid_request", "{err:?}");
        assert!(err.message.contains("unit price"), "{err:?}");
        let input = CustomerInput { name: " ".into(), email: None, currency: None };
        assert_eq!(engine.with(|r| r.create_customer(input.into())).unwrap_err().code, "validation_failed");
        assert!(engine.with(|r| r.invoices(&InvoiceFilter::default())).unwrap().is_empty());
        assert_eq!(engine.with(|r| r.customers(None)).unwrap().len(), 1);
    }
}
