//! The desktop's invoice list over a replica of 50,000 invoices (issue 6: filtering under
//! 50 ms): seeds the replica once (kept at `BENCH_REPLICA`, reused while it holds
//! `BENCH_INVOICES`), then times pages of 200 rows for the filters and sorts the screen
//! offers. Prints a Markdown table; `scripts/bench-desktop` appends it to bench/RESULTS.md and
//! then measures the app itself on the same replica.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "benchmark: a panic is a failed run")]

use std::path::PathBuf;
use std::time::{Duration as Elapsed, Instant};

use chrono::{Duration, Utc};
use remit_client::replica::{InvoiceFilter, InvoiceSort, NewCustomer, NewInvoice, Replica};
use remit_core::pdf::Seller;

const CUSTOMERS: usize = 500;
const RUNS: usize = 30;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A business's two years of invoices: a few drafts, older ones mostly paid, recent ones paid,
/// part paid or open (some of each overdue); every tenth customer an "ACME" to search for.
fn seed(replica: &mut Replica, n: usize) {
    replica.set_company_profile(Seller { name: "Field Services Co".into(), ..Default::default() }).unwrap();
    let customers: Vec<String> = (0..CUSTOMERS)
        .map(|i| {
            let name = if i % 10 == 0 { format!("ACME Branch {i:03}") } else { format!("Customer {i:03} Ltd") };
            let c = NewCustomer { name, currency: Some("USD".into()), ..Default::default() };
            replica.create_customer(c).unwrap()["id"].as_str().unwrap().to_owned()
        })
        .collect();
    let today = Utc::now().date_naive();
    let started = Instant::now();
    for i in 0..n {
        let issued = today - Duration::days(i64::try_from(i % 700).unwrap());
        let input = NewInvoice {
            customer_id: customers[i % CUSTOMERS].clone(),
            issue_date: Some(issued),
            due_date: Some(issued + Duration::days(30)),
            lines: vec![format!("Service {i}|{}|{}.50|10", 1 + i % 5, 40 + i % 900).parse().unwrap()],
            ..Default::default()
        };
        let id = replica.create_invoice(input).unwrap()["id"].as_str().unwrap().to_owned();
        if i % 20 != 0 {
            replica.issue_invoice(&id).unwrap();
            // Older invoices are mostly paid; recent ones are paid, part paid or still open.
            let old = i % 700 > 60;
            match (old, i % 10) {
                (true, 3) | (false, 0..=2) => {}
                (_, 4) => drop(replica.record_payment(&id, "40.00", "cash").unwrap()),
                _ => {
                    let total = replica.invoice(&id).unwrap()["total"].as_str().unwrap().to_owned();
                    replica.record_payment(&id, &total, "bank_transfer").unwrap();
                }
            }
        }
        if (i + 1) % 5000 == 0 {
            eprintln!("seeded {} of {n} invoices ({} s)", i + 1, started.elapsed().as_secs());
        }
    }
}

fn percentile(sorted: &[Elapsed], p: usize) -> Elapsed {
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

/// Milliseconds with one decimal, in integers (no float anywhere, benchmarks included).
fn ms(d: Elapsed) -> String {
    let tenths = d.as_micros() / 100;
    format!("{}.{}", tenths / 10, tenths % 10)
}

fn main() {
    let n = env_or("BENCH_INVOICES", 50_000);
    let dir = std::env::var_os("BENCH_REPLICA")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join(format!("remit-bench-list-{n}")));
    let (mut replica, _) = Replica::init(&dir).unwrap();
    let all = InvoiceFilter::default();
    let held = replica.invoice_page(&all, InvoiceSort::Newest, 0, 1).unwrap().matching;
    if held != n as u64 {
        drop(replica);
        std::fs::remove_dir_all(&dir).unwrap();
        replica = Replica::init(&dir).unwrap().0;
        seed(&mut replica, n);
    }
    println!("replica: {} ({n} invoices, {CUSTOMERS} customers)", dir.display());
    println!();
    println!("| list page of 200 rows over {n} invoices | matching | p50 ms | p99 ms |");
    println!("|---|---:|---:|---:|");
    let cases: [(&str, Option<&str>, Option<&str>, InvoiceSort); 7] = [
        ("first page, newest first", None, None, InvoiceSort::Newest),
        ("search \"acme\"", None, Some("acme"), InvoiceSort::Newest),
        ("status overdue", Some("overdue"), None, InvoiceSort::Newest),
        ("status partially paid, by due date", Some("partially_paid"), None, InvoiceSort::DueDate),
        ("search a number (\"-0042\")", None, Some("-0042"), InvoiceSort::Newest),
        ("everything by largest total", None, None, InvoiceSort::TotalDesc),
        ("search with no match", None, Some("no such customer"), InvoiceSort::Newest),
    ];
    for (name, status, search, sort) in cases {
        let filter = InvoiceFilter { status: status.map(Into::into), search: search.map(Into::into) };
        let mut times = Vec::with_capacity(RUNS);
        let mut matching = 0;
        for _ in 0..RUNS {
            let t = Instant::now();
            matching = replica.invoice_page(&filter, sort, 0, 200).unwrap().matching;
            times.push(t.elapsed());
        }
        times.sort();
        println!("| {name} | {matching} | {} | {} |", ms(percentile(&times, 50)), ms(percentile(&times, 99)));
    }
    // The first screen's figures over the same replica (not a page: every owed invoice, this
    // month's payments, the latest activity).
    let mut times = Vec::with_capacity(RUNS);
    let mut owed = 0;
    for _ in 0..RUNS {
        let t = Instant::now();
        owed = replica.dashboard().unwrap().currencies.iter().map(|c| c.outstanding_count).sum();
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "| the dashboard's figures (owed invoices) | {owed} | {} | {} |",
        ms(percentile(&times, 50)),
        ms(percentile(&times, 99))
    );
}
