//! Reconciliation speed on one core (issue 7's targets): CSV statement parsing in MB/s (target
//! 100 MB/s), and matching 100,000 transactions against 50,000 open invoices (target under
//! 1 s, parsing excluded). The data is generated here: invoices of 5,000 customers; credits
//! quoting their invoice in several formats, paying short by a fee, partially, or several
//! invoices at once, and unrelated credits and debits. Accuracy is measured separately.
//!
//!     cargo bench -p remit-core --bench reconcile
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a benchmark: a panic is a failed run")]

use std::fmt::Write;
use std::time::Instant;

use remit_core::reconcile::{InvoiceInput, match_all};
use remit_core::statement::csv::{Options, read};

const INVOICES: usize = 50_000;
const TRANSACTIONS: usize = 100_000;

/// A small deterministic generator (no dependency, the same data every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }
}

fn invoices(rng: &mut Lcg) -> Vec<(String, String, String, u64)> {
    (0..INVOICES)
        .map(|i| {
            let cents = 1_000 + rng.next(5_000_000);
            (format!("i{i}"), format!("INV-2026-{:05}", i + 1), format!("Customer {} Ltd", i % 5_000), cents)
        })
        .collect()
}

fn money(cents: u64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

fn statement(rng: &mut Lcg, book: &[(String, String, String, u64)]) -> String {
    let mut csv = String::from("Transaction ID,Date,Amount,Currency,Payer,Reference,Description\n");
    for t in 0..TRANSACTIONS {
        let (_, number, name, cents) = &book[usize::try_from(rng.next(INVOICES as u64)).unwrap()];
        let seq = number.rsplit('-').next().unwrap().trim_start_matches('0');
        let (amount, payer, reference) = match rng.next(10) {
            0..=3 => (money(*cents), name.clone(), number.clone()),
            4 => (money(*cents), name.to_uppercase(), format!("inv 2026/{seq}")),
            5 => (money(cents - cents / 40), name.clone(), format!("Invoice {number}")),
            6 => (money(cents / 2), name.clone(), number.clone()),
            7 => (money(*cents), name.clone(), String::new()),
            8 => (money(1 + rng.next(99_999)), format!("Stranger {t}"), "thanks".into()),
            _ => (format!("-{}", money(1 + rng.next(9_999))), "Card payment".into(), String::new()),
        };
        writeln!(csv, "T{t},2026-11-{:02},{amount},USD,{payer},{reference},", 1 + rng.next(28)).unwrap();
    }
    csv
}

fn main() {
    let mut rng = Lcg(7);
    let book = invoices(&mut rng);
    let input: Vec<InvoiceInput> = book
        .iter()
        .map(|(id, number, name, cents)| {
            serde_json::from_value(serde_json::json!({
                "id": id, "number": number, "status": "issued",
                "customer": {"id": format!("c-{name}"), "name": name}, "currency": "USD",
                "total": money(*cents), "amount_due": money(*cents),
                "issue_date": "2026-10-01", "due_date": "2026-11-01"
            }))
            .unwrap()
        })
        .collect();
    let csv = statement(&mut rng, &book);

    let runs = 5;
    let start = Instant::now();
    let mut imported = None;
    for _ in 0..runs {
        imported = Some(std::hint::black_box(read(csv.as_bytes(), &Options::default()).unwrap()));
    }
    let parse = start.elapsed() / runs;
    let imported = imported.unwrap();
    let mb_per_s = (csv.len() as u128 * 1_000_000) / parse.as_micros().max(1) / 1_000_000;
    println!(
        "| CSV statement parsing, {} transactions ({} KB), one core | {} ms = {mb_per_s} MB/s | 100 MB/s |",
        imported.transactions.len(),
        csv.len() / 1024,
        parse.as_millis()
    );

    let start = Instant::now();
    let results = match_all(&input, &imported.transactions).unwrap();
    let matching = start.elapsed();
    let auto = results.iter().filter(|r| r.decision == remit_core::reconcile::Decision::Auto).count();
    println!(
        "| matching {} credits against {INVOICES} open invoices, one core (parsing excluded) | {} ms ({auto} automatic) | 1000 ms |",
        results.len(),
        matching.as_millis()
    );
}
