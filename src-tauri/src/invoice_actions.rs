//! The invoice editor and the detail's actions (timeline, void, send, portal link), the
//! payments screen, the tax rates the editor offers and the conflict list's actions: thin
//! adapters over remit-client, like `commands`.

use remit_client::replica::{Draft, PaymentPage, TaxRate, TimelineEntry};
use remit_client::session;
use serde::Deserialize;
use serde_json::Value;
use tauri::State;
use ts_rs::TS;

use crate::CommandError;
use crate::engine::Engine;

/// Saves the editor's draft: new when `id` is absent, else that draft replaced (a bad field
/// comes back named, and the stored draft is left as it was).
#[tauri::command]
pub fn save_draft(engine: State<'_, Engine>, id: Option<String>, draft: Draft) -> Result<Value, CommandError> {
    engine.with(|r| r.save_draft(id.as_deref(), &draft))
}

#[tauri::command]
pub fn delete_draft(engine: State<'_, Engine>, id: String) -> Result<(), CommandError> {
    engine.with(|r| r.delete_invoice(&id))
}

#[tauri::command]
pub fn timeline(engine: State<'_, Engine>, id: String) -> Result<Vec<TimelineEntry>, CommandError> {
    engine.with(|r| r.timeline(&id))
}

#[tauri::command]
pub fn payments(engine: State<'_, Engine>, offset: u32, limit: u32) -> Result<PaymentPage, CommandError> {
    engine.with(|r| r.payments_page(offset, limit))
}

/// Voiding and e-mailing are the server's (`needs_server` on a device never connected).
#[derive(Debug, Deserialize, TS)]
pub struct ServerAction {
    /// `void` or `send`.
    pub action: String,
    /// A void's reason.
    pub reason: Option<String>,
    /// Whom to e-mail (default: the customer's address), and a note above the summary.
    pub to: Option<String>,
    pub message: Option<String>,
}

impl ServerAction {
    fn body(&self) -> Result<(&'static str, Value), CommandError> {
        let set = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        match self.action.as_str() {
            "void" => Ok(("void", serde_json::json!({ "reason": set(&self.reason) }))),
            "send" => Ok(("send", serde_json::json!({ "to": set(&self.to), "message": set(&self.message) }))),
            other => {
                Err(CommandError { code: "invalid_request".into(), message: format!("no invoice action {other:?}") })
            }
        }
    }
}

#[tauri::command]
pub async fn invoice_on_server(
    engine: State<'_, Engine>,
    id: String,
    request: ServerAction,
) -> Result<Value, CommandError> {
    let (action, body) = request.body()?;
    engine.network(move |dir, r| session::on_server(dir, r, &id, action, &body)).await
}

#[tauri::command]
pub fn portal_link(engine: State<'_, Engine>, id: String) -> Result<String, CommandError> {
    engine.with(|r| session::portal_link(r, &id))
}

#[tauri::command]
pub fn tax_rates(engine: State<'_, Engine>) -> Result<Vec<TaxRate>, CommandError> {
    engine.with(|r| r.tax_rates())
}

#[tauri::command]
pub fn set_tax_rates(engine: State<'_, Engine>, rates: Vec<TaxRate>) -> Result<Vec<TaxRate>, CommandError> {
    engine.with(|r| r.set_tax_rates(rates))
}

/// Takes an entry off the conflict list; `discard` also deletes the amendment draft it names.
#[tauri::command]
pub fn resolve_conflict(engine: State<'_, Engine>, id: String, discard: bool) -> Result<(), CommandError> {
    engine.with(|r| r.resolve_conflict(&id, discard))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(name: &str) -> ServerAction {
        ServerAction {
            action: name.into(),
            reason: Some("  entered twice ".into()),
            to: Some(" ".into()),
            message: None,
        }
    }

    #[test]
    fn only_void_and_send_reach_the_server_with_their_fields_trimmed() {
        let (path, body) = action("void").body().unwrap();
        assert_eq!((path, body["reason"].as_str()), ("void", Some("entered twice")));
        let (path, body) = action("send").body().unwrap();
        assert_eq!((path, body["to"].is_null()), ("send", true), "a blank recipient means the customer's");
        let err = action("delete").body().unwrap_err();
        assert_eq!(err.code, "invalid_request");
    }
}
