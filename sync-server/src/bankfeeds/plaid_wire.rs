//! Plaid's `/transactions/sync` request and response, as its API reference documents them
//! (only the fields Remit reads; unknown ones are ignored). Plaid's amounts are JSON numbers:
//! they are read as their exact text (serde_json's `arbitrary_precision`), never as a float.
//! A positive amount is money leaving the account; money in is negative.

use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize)]
pub struct SyncRequest<'a> {
    pub client_id: &'a str,
    pub secret: &'a str,
    pub access_token: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<&'a str>,
    pub count: u32,
}

#[derive(Debug, Deserialize)]
pub struct SyncResponse {
    #[serde(default)]
    pub added: Vec<Transaction>,
    #[serde(default)]
    pub modified: Vec<Transaction>,
    #[serde(default)]
    pub removed: Vec<Removed>,
    pub next_cursor: String,
    pub has_more: bool,
}

#[derive(Debug, Deserialize)]
pub struct Removed {
    pub transaction_id: String,
}

#[derive(Debug, Deserialize)]
pub struct Transaction {
    pub transaction_id: String,
    pub amount: serde_json::Number,
    pub iso_currency_code: Option<String>,
    pub unofficial_currency_code: Option<String>,
    /// `YYYY-MM-DD`, the date the transaction posted.
    pub date: chrono::NaiveDate,
    pub name: Option<String>,
    pub merchant_name: Option<String>,
    #[serde(default)]
    pub pending: bool,
    pub payment_meta: Option<PaymentMeta>,
    #[serde(default)]
    pub counterparties: Vec<Counterparty>,
}

#[derive(Debug, Deserialize)]
pub struct PaymentMeta {
    pub reference_number: Option<String>,
    pub payer: Option<String>,
    pub by_order_of: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Counterparty {
    pub name: Option<String>,
}

/// Plaid's error body.
#[derive(Debug, Deserialize)]
pub struct PlaidError {
    pub error_type: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}
