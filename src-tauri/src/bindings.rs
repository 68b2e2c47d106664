//! The TypeScript declarations of everything the app's commands take and return, generated
//! from the Rust types into `ui/src/bindings.ts` (the UI imports them from there). The test
//! below fails when that file is stale; `REMIT_UPDATE_BINDINGS=1 cargo test -p remit-desktop
//! bindings` writes it again.

use remit_client::remote::Lease;
use remit_client::replica::{
    Activity, BankCredit, Conflict, CreditAllocation, Credited, CurrencySummary, CustomerLinks, CustomerView,
    Dashboard, Device, Draft, DraftDiscount, DraftLine, InvoicePage, InvoiceRow, InvoiceSort, News, NewsKind,
    PaymentPage, PaymentRow, ProductLinks, ProductView, ReconcileReport, RunReport, StatementError, StatementImport,
    SyncReport, TaxRate, TimelineEntry,
};
use remit_core::pdf::Seller;
use remit_core::records::Credit;
use remit_core::tax::{LineTotal, TaxSubtotal};
use remit_core::view::{CustomerSummary, InvoiceLinks, InvoiceView, LineView, PaymentLine, TaxLine};
use remit_core::{Address, TaxCategory, Totals};
use ts_rs::{Config, TS};

use crate::commands::{CommandError, CustomerInput, InvoiceInput, LineInput, ProductInput};
use crate::connection::{ConnectInput, Connection};
use crate::invoice_actions::ServerAction;
use crate::reconcile::Imported;
use crate::team::{LeasePolicy, NewMember, Numbering};

const HEADER: &str = "\
// Generated from the Rust types by src-tauri/src/bindings.rs: do not edit.
// Regenerate: REMIT_UPDATE_BINDINGS=1 cargo test -p remit-desktop bindings

/** Money as it crosses: a decimal string in its currency, never a float. */
export type Money = { amount: string; currency: string };
";

fn decl<T: TS>(cfg: &Config) -> String {
    format!("\nexport {}\n", T::decl(cfg))
}

/// The whole file.
fn typescript() -> String {
    // Counts (rows matching, sync report) are far below 2^53: plain numbers, not bigint.
    let cfg = Config::new().with_large_int("number");
    let decls = [
        decl::<CommandError>(&cfg),
        decl::<Seller>(&cfg),
        decl::<Address>(&cfg),
        decl::<CustomerLinks>(&cfg),
        decl::<Credit>(&cfg),
        decl::<CustomerView>(&cfg),
        decl::<CustomerInput>(&cfg),
        decl::<TaxCategory>(&cfg),
        decl::<ProductLinks>(&cfg),
        decl::<ProductView>(&cfg),
        decl::<ProductInput>(&cfg),
        decl::<LineTotal>(&cfg),
        decl::<TaxSubtotal>(&cfg),
        decl::<Totals>(&cfg),
        decl::<CustomerSummary>(&cfg),
        decl::<LineView>(&cfg),
        decl::<TaxLine>(&cfg),
        decl::<PaymentLine>(&cfg),
        decl::<InvoiceLinks>(&cfg),
        decl::<InvoiceView>(&cfg),
        decl::<LineInput>(&cfg),
        decl::<InvoiceInput>(&cfg),
        decl::<InvoiceRow>(&cfg),
        decl::<InvoicePage>(&cfg),
        decl::<InvoiceSort>(&cfg),
        decl::<CurrencySummary>(&cfg),
        decl::<Activity>(&cfg),
        decl::<Dashboard>(&cfg),
        decl::<NewsKind>(&cfg),
        decl::<News>(&cfg),
        decl::<SyncReport>(&cfg),
        decl::<Device>(&cfg),
        decl::<Conflict>(&cfg),
        decl::<Connection>(&cfg),
        decl::<ConnectInput>(&cfg),
        decl::<DraftDiscount>(&cfg),
        decl::<DraftLine>(&cfg),
        decl::<Draft>(&cfg),
        decl::<TimelineEntry>(&cfg),
        decl::<PaymentRow>(&cfg),
        decl::<StatementError>(&cfg),
        decl::<StatementImport>(&cfg),
        decl::<RunReport>(&cfg),
        decl::<Imported>(&cfg),
        decl::<CreditAllocation>(&cfg),
        decl::<BankCredit>(&cfg),
        decl::<Credited>(&cfg),
        decl::<ReconcileReport>(&cfg),
        decl::<PaymentPage>(&cfg),
        decl::<ServerAction>(&cfg),
        decl::<TaxRate>(&cfg),
        decl::<Lease>(&cfg),
        decl::<Numbering>(&cfg),
        decl::<LeasePolicy>(&cfg),
        decl::<NewMember>(&cfg),
    ];
    let mut out = String::from(HEADER);
    out.extend(decls);
    out
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    fn file() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings.ts")
    }

    #[test]
    fn bindings_are_current() {
        let fresh = super::typescript();
        if std::env::var_os("REMIT_UPDATE_BINDINGS").is_some_and(|v| v == "1") {
            std::fs::write(file(), &fresh).unwrap();
            return;
        }
        let committed = std::fs::read_to_string(file()).unwrap_or_default();
        assert!(
            committed == fresh,
            "ui/src/bindings.ts is stale (a type crossing to the UI changed): run \
             `REMIT_UPDATE_BINDINGS=1 cargo test -p remit-desktop bindings` and commit it"
        );
    }

    #[test]
    fn every_declared_type_is_exported_once() {
        let ts = super::typescript();
        for name in ["InvoiceView", "InvoicePage", "Totals", "CommandError", "Connection", "Money"] {
            assert_eq!(ts.matches(&format!("export type {name} =")).count(), 1, "{name} in:\n{ts}");
        }
    }
}
