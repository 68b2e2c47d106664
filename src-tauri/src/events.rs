//! The engine's events as the UI hears them (Tauri events), and the desktop notification of a
//! payment received. Sent after each sync, from what the sync reports: the UI refreshes on
//! `remit://synced`, shows `remit://news` in its activity list, and the conflict list when
//! `remit://conflicts` says there is something new on it.

use remit_client::replica::{News, NewsKind, SyncReport};
use tauri::{AppHandle, Emitter};
use tauri_plugin_notification::NotificationExt;

use crate::CommandError;

pub const SYNCING: &str = "remit://syncing";
pub const SYNCED: &str = "remit://synced";
pub const SYNC_FAILED: &str = "remit://sync-failed";
pub const NEWS: &str = "remit://news";
pub const CONFLICTS: &str = "remit://conflicts";

/// The notification of one payment: who paid what for which invoice.
pub fn payment_text(n: &News) -> (String, String) {
    let amount = match (&n.amount, &n.currency) {
        (Some(a), Some(c)) => format!("{a} {c}"),
        _ => "A payment".to_owned(),
    };
    let invoice = n.number.clone().unwrap_or_else(|| "a draft".to_owned());
    let from = n.customer_name.as_deref().map(|c| format!(" from {c}")).unwrap_or_default();
    ("Payment received".to_owned(), format!("{amount}{from} for {invoice}"))
}

pub fn announce(app: &AppHandle, result: &Result<SyncReport, CommandError>) {
    // An event nobody listens to, or a desktop without a notification service, is no error
    // of the sync's: say so on the console and go on.
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            let _ = app.emit(SYNC_FAILED, e);
            return;
        }
    };
    if let Err(e) = app.emit(SYNCED, report) {
        eprintln!("remit-desktop: {SYNCED}: {e}");
    }
    for n in &report.news {
        let _ = app.emit(NEWS, n);
        if n.kind == NewsKind::PaymentReceived {
            let (title, body) = payment_text(n);
            if let Err(e) = app.notification().builder().title(title).body(body).show() {
                eprintln!("remit-desktop: no desktop notification: {e}");
            }
        }
    }
    if report.rejected + report.amendments > 0 {
        let _ = app.emit(CONFLICTS, report.rejected + report.amendments);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payment_reads_as_who_paid_what_for_which_invoice() {
        let mut n = News {
            kind: NewsKind::PaymentReceived,
            invoice_id: "x".into(),
            number: Some("INV-2026-0001".into()),
            customer_name: Some("ACME Corporation".into()),
            amount: Some("5600.00".into()),
            currency: Some("USD".into()),
            method: Some("bank_transfer".into()),
        };
        assert_eq!(payment_text(&n).1, "5600.00 USD from ACME Corporation for INV-2026-0001");
        n.customer_name = None;
        n.amount = None;
        assert_eq!(payment_text(&n).1, "A payment for INV-2026-0001");
    }
}
