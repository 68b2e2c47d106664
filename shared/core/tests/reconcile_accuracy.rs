//! The matcher's accuracy on a labeled month (the generator of the accuracy benchmark, smaller):
//! it must keep the targets, auto-precision at least 99.5 % and F1 at least 0.97, and
//! an unrelated credit or a duplicate payment must never be matched automatically.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test code: a panic is a failed test")]

#[path = "../benches/labeled/mod.rs"]
mod labeled;

use remit_core::reconcile::{InvoiceInput, match_all};
use remit_core::statement::csv::{Options, read};

#[test]
fn a_labeled_month_meets_the_accuracy_targets() {
    let set = labeled::generate(11, 600);
    let invoices: Vec<InvoiceInput> = serde_json::from_value(set.invoices_json["data"].clone()).unwrap();
    let statement = read(set.statement_csv.as_bytes(), &Options::default()).unwrap();
    assert!(statement.errors.is_empty(), "{:?}", statement.errors);
    let results = match_all(&invoices, &statement.transactions).unwrap();
    assert_eq!(results.len(), set.truth.len(), "one result per credit");
    let flat: Vec<_> = results
        .iter()
        .map(|r| {
            let decision = serde_json::to_value(r.decision).unwrap().as_str().unwrap().to_owned();
            (r.transaction_id.clone(), decision, r.allocations.iter().map(|a| a.invoice_id.clone()).collect())
        })
        .collect();
    let s = labeled::Scores::of(&set.truth, &flat);
    let kinds = labeled::by_kind(&set, &flat);
    assert!(s.payments > 500 && s.auto > 300, "a set worth measuring: {s:?}");
    assert!(
        s.auto_precision_bp() >= 9_950,
        "auto-precision {}: {s:?} {kinds:?}",
        labeled::percent(s.auto_precision_bp())
    );
    assert!(s.f1_bp() >= 9_700, "F1 {}: {s:?} {kinds:?}", labeled::percent(s.f1_bp()));
    for (kind, [_, _, _, auto_wrong]) in &kinds {
        if matches!(*kind, "unrelated credit" | "duplicate payment") {
            assert_eq!(*auto_wrong, 0, "{kind} matched automatically: {kinds:?}");
        }
    }
}
