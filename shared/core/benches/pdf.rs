//! PDF rendering throughput on one core: renders the one-page sample invoice (docs/pdf) N
//! times on this thread and reports invoices per second. The target is 500/s.
//!
//!     cargo bench -p remit-core --bench pdf            # N = 2000
//!     REMIT_BENCH_N=500 cargo bench -p remit-core --bench pdf
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a benchmark: a panic is a failed run")]

use std::time::Instant;

use remit_core::pdf::{PdfInvoice, Seller, render};

fn main() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/pdf/sample-invoices.json")).unwrap();
    let input: serde_json::Value = serde_json::from_str(&text).unwrap();
    let seller: Seller = serde_json::from_value(input["seller"].clone()).unwrap();
    let one_page: PdfInvoice = serde_json::from_value(input["data"][0].clone()).unwrap();
    let long: PdfInvoice = serde_json::from_value(input["data"][1].clone()).unwrap();
    let n: u32 = std::env::var("REMIT_BENCH_N").ok().and_then(|v| v.parse().ok()).unwrap_or(2000);
    // Warm up: the shipped fonts are parsed once per process.
    let bytes = render(&one_page, &seller).unwrap().len();
    let start = Instant::now();
    for _ in 0..n {
        std::hint::black_box(render(std::hint::black_box(&one_page), &seller).unwrap());
    }
    let elapsed = start.elapsed();
    let per_second = u128::from(n) * 1_000_000 / elapsed.as_micros().max(1);
    println!(
        "one-page invoice: {n} renders in {} ms on one thread = {per_second} invoices/s ({bytes} bytes each)",
        elapsed.as_millis()
    );
    let start = Instant::now();
    let pages = 20;
    for _ in 0..pages {
        std::hint::black_box(render(&long, &seller).unwrap());
    }
    println!("120-line invoice (7 pages): {} ms each", start.elapsed().as_millis() / pages);
}
