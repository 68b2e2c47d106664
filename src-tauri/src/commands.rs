//! Tauri commands: thin adapters over remit-client.

use remit_core::Totals;
use serde::Serialize;

/// What the UI receives when a command fails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
}
