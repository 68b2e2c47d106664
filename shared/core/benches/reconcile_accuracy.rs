//! Reconciliation accuracy on a labeled data set (issue 7): precision, recall, F1 and
//! auto-precision of `match_all` on a generated month of a business with 5,000 customers
//! (`labeled/mod.rs` says what is in it). Targets: auto-precision at least 99.5 %, F1 at least
//! 0.97. `-- --write DIR` also writes the invoices, the statement and the truth, so that
//! `remit reconcile match` can be run on them; `--explain` lists every wrong automatic decision.
//!
//!     cargo bench -p remit-core --bench reconcile_accuracy [-- --write DIR] [-- --explain]
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a benchmark: a panic is a failed run")]

mod labeled;

use remit_core::reconcile::{InvoiceInput, match_all};
use remit_core::statement::csv::{Options, read};

use labeled::{Scores, percent};

fn main() {
    let set = labeled::generate(2026, 5_000);
    let args: Vec<String> = std::env::args().collect();
    if let Some(dir) = args.iter().position(|a| a == "--write").and_then(|i| args.get(i + 1)) {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(format!("{dir}/invoices.json"), set.invoices_json.to_string()).unwrap();
        std::fs::write(format!("{dir}/statement.csv"), &set.statement_csv).unwrap();
        let truth: serde_json::Map<String, serde_json::Value> =
            set.truth.iter().map(|(id, pays)| (id.clone(), serde_json::json!(pays))).collect();
        std::fs::write(format!("{dir}/truth.json"), serde_json::Value::Object(truth).to_string()).unwrap();
    }
    let invoices: Vec<InvoiceInput> = serde_json::from_value(set.invoices_json["data"].clone()).unwrap();
    let statement = read(set.statement_csv.as_bytes(), &Options::default()).unwrap();
    assert!(statement.errors.is_empty(), "{:?}", statement.errors);
    let results = match_all(&invoices, &statement.transactions).unwrap();
    let flat: Vec<_> = results
        .iter()
        .map(|r| {
            let decision = serde_json::to_value(r.decision).unwrap().as_str().unwrap().to_owned();
            (r.transaction_id.clone(), decision, r.allocations.iter().map(|a| a.invoice_id.clone()).collect())
        })
        .collect();
    let s = Scores::of(&set.truth, &flat);
    let kinds: Vec<String> = set.kinds.iter().map(|(k, n)| format!("{n} {k}")).collect();
    println!("| labeled set: {} invoices, {} credits ({}) | | |", invoices.len(), s.credits, kinds.join(", "));
    println!("| auto-precision ({} automatic) | {} | 99.50 % |", s.auto, percent(s.auto_precision_bp()));
    println!("| F1 | {} | 97.00 % |", percent(s.f1_bp()));
    println!("| precision ({} proposed) | {} | |", s.proposed, percent(s.precision_bp()));
    println!("| recall ({} payments) | {} | |", s.payments, percent(s.recall_bp()));
    for (kind, [n, right, wrong, auto_wrong]) in labeled::by_kind(&set, &flat) {
        println!("| · {kind}: {n} | {right} right, {wrong} wrong ({auto_wrong} automatic) | |");
    }
    if args.iter().any(|a| a == "--explain") {
        // Every wrong automatic decision, with the statement line and the matcher's reasons.
        let truth: std::collections::HashMap<&str, _> = set.truth.iter().map(|(id, p)| (id.as_str(), p)).collect();
        for (r, (_, decision, allocated)) in results.iter().zip(&flat) {
            if decision == "auto" && truth.get(r.transaction_id.as_str()).is_some_and(|p| *p != allocated) {
                let line = set.statement_csv.lines().find(|l| l.starts_with(&format!("{},", r.transaction_id)));
                println!("wrong: {} pays {:?}; {r:?}", line.unwrap_or(""), truth[r.transaction_id.as_str()]);
            }
        }
    }
}
