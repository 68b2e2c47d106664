//! The reconciliation workspace: a statement imported, the matcher run, and the decisions
//! acted on (approve, approve every suggestion, ignore, undo, a customer's credit, an invoice
//! made for a credit), over remit-client's replica like every other command.

use base64::Engine as _;
use remit_client::replica::{BankCredit, ReconcileReport, RunReport, StatementImport};
use remit_core::statement::Format;
use serde::Serialize;
use tauri::State;
use ts_rs::TS;

use crate::CommandError;
use crate::engine::Engine;

fn bad(message: String) -> CommandError {
    CommandError { code: "invalid_request".into(), message }
}

/// What importing a statement did, and the run of the matcher after it.
#[derive(Debug, Serialize, TS)]
pub struct Imported {
    pub import: StatementImport,
    pub run: RunReport,
}

/// Imports a statement (the file's bytes, base64; `format` csv, camt053, mt940 or ofx, or
/// none to find it from the content) and matches the open credits. Off the window's thread: a
/// statement of a year takes a moment.
#[tauri::command(async)]
pub fn import_statement(
    engine: State<'_, Engine>,
    data: String,
    format: Option<String>,
) -> Result<Imported, CommandError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data.as_bytes())
        .map_err(|e| bad(format!("the statement did not arrive whole: {e}")))?;
    let format = format
        .map(|f| {
            serde_json::from_value::<Format>(serde_json::Value::String(f.clone()))
                .map_err(|_| bad(format!("format {f:?}: csv, camt053, mt940 or ofx")))
        })
        .transpose()?;
    let import = engine.with(|r| r.import_statement(&bytes, format))?;
    let run = engine.with(|r| r.reconcile())?;
    Ok(Imported { import, run })
}

#[tauri::command(async)]
pub fn reconcile_run(engine: State<'_, Engine>) -> Result<RunReport, CommandError> {
    engine.with(|r| r.reconcile())
}

#[tauri::command]
pub fn bank_credits(engine: State<'_, Engine>) -> Result<Vec<BankCredit>, CommandError> {
    engine.with(|r| r.bank_credits(None))
}

/// `approve`, `ignore` or `undo` one credit; from the review queue, `credit` (record it as the
/// customer's credit) or `invoice` (make an invoice for it, `description` its line), both
/// naming the customer.
#[tauri::command]
pub fn credit_action(
    engine: State<'_, Engine>,
    id: String,
    action: String,
    customer_id: Option<String>,
    description: Option<String>,
) -> Result<BankCredit, CommandError> {
    let customer = || customer_id.clone().filter(|c| !c.is_empty()).ok_or_else(|| bad("pick the customer".into()));
    match action.as_str() {
        "approve" => engine.with(|r| r.approve_credit(&id)),
        "ignore" => engine.with(|r| r.ignore_credit(&id)),
        "undo" => engine.with(|r| r.undo_credit(&id)),
        "credit" => {
            let customer = customer()?;
            engine.with(|r| r.credit_customer(&id, &customer))
        }
        "invoice" => {
            let customer = customer()?;
            engine.with(|r| r.invoice_for_credit(&id, &customer, description.as_deref()))
        }
        other => Err(bad(format!("action {other:?}: approve, ignore, undo, credit or invoice"))),
    }
}

#[tauri::command]
pub fn approve_suggestions(engine: State<'_, Engine>) -> Result<usize, CommandError> {
    engine.with(|r| r.approve_suggestions())
}

#[tauri::command]
pub fn reconcile_report(engine: State<'_, Engine>) -> Result<ReconcileReport, CommandError> {
    engine.with(|r| r.reconcile_report())
}
