//! Plaid's `/transactions/sync`: the tenant's linked item pulled page by page from the cursor
//! Remit kept, until `has_more` is false. The base URL and Remit's Plaid credentials are the
//! server operator's (`REMIT_PLAID_URL` or `REMIT_PLAID_ENV`, `REMIT_PLAID_CLIENT_ID`,
//! `REMIT_PLAID_SECRET`), never a tenant's: no request goes to a URL a user typed. The
//! tenant's access token is kept in its settings and never shown again or logged.

use remit_core::statement::BankTransaction;
use remit_core::{Currency, Decimal, Money};

use super::plaid_wire::{PlaidError, SyncRequest, SyncResponse, Transaction};

/// Remit's Plaid account, as the operator configured it.
#[derive(Clone)]
pub struct Plaid {
    pub base_url: String,
    pub client_id: String,
    pub secret: String,
    http: reqwest::Client,
}

impl std::fmt::Debug for Plaid {
    // The secret stays out of logs and panics.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plaid")
            .field("base_url", &self.base_url)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// One page, read: the new and changed transactions (pending ones left out: they may change or
/// vanish), the ids Plaid removed, where the next page starts and whether there is one.
#[derive(Debug, Default)]
pub struct Page {
    pub upserted: Vec<BankTransaction>,
    pub removed: Vec<String>,
    pub next_cursor: String,
    pub has_more: bool,
    /// Transactions that could not be read, with why (the rest of the page is kept).
    pub errors: Vec<String>,
}

/// The id Remit gives a Plaid transaction (the bank id of its row).
pub fn bank_id(transaction_id: &str) -> String {
    format!("plaid:{transaction_id}")
}

const PAGE: u32 = 500;

impl Plaid {
    /// From the environment; `None` when no client id is set (bank feeds off).
    pub fn from_env() -> Result<Option<Plaid>, String> {
        let Ok(client_id) = std::env::var("REMIT_PLAID_CLIENT_ID") else { return Ok(None) };
        let secret = std::env::var("REMIT_PLAID_SECRET")
            .map_err(|_| "REMIT_PLAID_CLIENT_ID is set but not REMIT_PLAID_SECRET")?;
        let base_url = match (std::env::var("REMIT_PLAID_URL"), std::env::var("REMIT_PLAID_ENV").as_deref()) {
            (Ok(url), _) => url,
            (_, Ok("sandbox")) => "https://sandbox.plaid.com".into(),
            (_, Ok("production") | Err(_)) => "https://production.plaid.com".into(),
            (_, Ok(other)) => return Err(format!("REMIT_PLAID_ENV {other:?}: sandbox or production")),
        };
        Plaid::new(base_url, client_id, secret).map(Some)
    }

    pub fn new(base_url: String, client_id: String, secret: String) -> Result<Plaid, String> {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            // Plaid answers where it is asked; a redirect elsewhere is not followed.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Plaid { base_url: base_url.trim_end_matches('/').to_owned(), client_id, secret, http })
    }

    /// One page of `/transactions/sync` from `cursor` (none: from the start).
    pub async fn page(&self, access_token: &str, cursor: Option<&str>) -> Result<Page, String> {
        let body = SyncRequest { client_id: &self.client_id, secret: &self.secret, access_token, cursor, count: PAGE };
        let response = self
            .http
            .post(format!("{}/transactions/sync", self.base_url))
            .json(&body)
            .send()
            .await
            .map_err(|e| format!("Plaid could not be reached: {}", e.without_url()))?;
        let status = response.status();
        let text = response.text().await.map_err(|e| format!("Plaid's answer was cut: {}", e.without_url()))?;
        if !status.is_success() {
            let e: Option<PlaidError> = serde_json::from_str(&text).ok();
            let (code, message) = e
                .map(|e| {
                    let code = e.error_code.or(e.error_type).unwrap_or_else(|| status.as_str().to_owned());
                    (code, e.error_message.unwrap_or_default())
                })
                .unwrap_or_else(|| (status.as_str().to_owned(), String::new()));
            return Err(format!("Plaid refused: {code}: {message}"));
        }
        let sync: SyncResponse =
            serde_json::from_str(&text).map_err(|e| format!("Plaid's answer is not /transactions/sync's: {e}"))?;
        let mut page = Page { next_cursor: sync.next_cursor, has_more: sync.has_more, ..Page::default() };
        for t in sync.added.iter().chain(&sync.modified).filter(|t| !t.pending) {
            match transaction(t) {
                Ok(b) => page.upserted.push(b),
                Err(e) => page.errors.push(format!("{}: {e}", t.transaction_id)),
            }
        }
        page.removed = sync.removed.into_iter().map(|r| bank_id(&r.transaction_id)).collect();
        Ok(page)
    }
}

/// A Plaid transaction as a bank transaction: its sign turned (money in is positive here), the
/// payer from the payment details or the counterparty, the reference number.
fn transaction(t: &Transaction) -> Result<BankTransaction, String> {
    let code = t.iso_currency_code.as_deref().or(t.unofficial_currency_code.as_deref()).ok_or("no currency")?;
    let currency = Currency::parse(code).map_err(|e| e.to_string())?;
    let text = t.amount.to_string();
    let amount = Decimal::from_str_exact(&text).map_err(|_| format!("amount {text} is not a decimal"))?;
    let money = Money::from_decimal_exact(-amount, currency).map_err(|e| e.to_string())?;
    let meta = t.payment_meta.as_ref();
    let payer = meta
        .and_then(|m| m.payer.clone().or_else(|| m.by_order_of.clone()))
        .or_else(|| t.counterparties.iter().find_map(|c| c.name.clone()))
        .or_else(|| t.merchant_name.clone());
    Ok(BankTransaction {
        id: bank_id(&t.transaction_id),
        date: t.date,
        amount: money,
        payer,
        reference: meta.and_then(|m| m.reference_number.clone()),
        description: t.name.clone(),
    })
}
