//! The CRDT work of one invoice edit, on one core: what a device and the server each do to an
//! invoice document on every edit that syncs (issue 5's "edit on A visible on B"). A three-line
//! invoice whose notes were edited 200 times, as in the sync benchmark (200 more by the timed
//! updates, before save and merge are timed):
//! - read: the document into an `Invoice` (both sides, every edit);
//! - update: an edited `Invoice` written into the document as its smallest change (the device);
//! - save: the whole document to bytes (both sides store it);
//! - merge: the device's change added to the server's copy (`load_incremental`).
//!
//!     cargo bench -p remit-core --bench crdt
//!
//! Times on a shared VM drift; instruction counts do not: run the built benchmark binary under
//! `valgrind --tool=callgrind` and compare `remit_core::crdt::*` with `callgrind_annotate
//! --inclusive=yes` (bench/RESULTS.md, 2026-12-07 19:40).
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a benchmark: a panic is a failed run")]

use std::time::{Duration, Instant};

use remit_core::{Invoice, crdt};
use serde_json::json;

const EDITS: usize = 200;
const RUNS: usize = 2_000;

fn invoice() -> Invoice {
    let line = |n: u32| {
        json!({"id": format!("0193a0c0-0000-7000-8000-00000000000{n}"), "description": format!("Consulting, phase {n}"),
               "quantity": "3", "unit": "h", "unit_price": "120.00", "tax_rate": "20", "tax_category": "standard"})
    };
    serde_json::from_value(json!({
        "id": "0193a0c0-0000-7000-8000-000000000001",
        "customer": {"id": "0193a0c0-0000-7000-8000-000000000002", "name": "Acme Trading Ltd",
                     "email": "billing@acme.example", "tax_id": "GB123456789",
                     "billing_address": {"line1": "1 High Street", "line2": "", "city": "London", "region": "",
                                         "postal_code": "EC1A 1AA", "country": "GB"}},
        "issue_date": "2026-12-01", "due_date": "2026-12-31", "currency": "GBP",
        "line_items": [line(1), line(2), line(3)],
        "notes": "first", "terms": "Net 30",
        "created_by": "0193a0c0-0000-7000-8000-000000000003",
        "created_at": "2026-12-01T09:00:00Z", "updated_at": "2026-12-01T09:00:00Z"
    }))
    .unwrap()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn report(name: &str, runs: Vec<Duration>) {
    println!("| {name} | {} µs |", median(runs).as_micros());
}

fn main() {
    let mut inv = invoice();
    let mut doc = crdt::create(&inv).unwrap();
    for n in 0..EDITS {
        inv.notes = Some(format!("edit {n}"));
        crdt::update(&mut doc, &inv).unwrap();
        doc.commit();
    }
    println!("| an invoice with {EDITS} edits, per operation | median |\n|---|---:|");
    report("read into an Invoice", (0..RUNS).map(|_| timed(|| drop(crdt::read::<Invoice>(&doc).unwrap()))).collect());
    let mut n = EDITS;
    let updates = (0..RUNS / 10)
        .map(|_| {
            n += 1;
            inv.notes = Some(format!("edit {n}"));
            timed(|| {
                crdt::update(&mut doc, &inv).unwrap();
                doc.commit();
            })
        })
        .collect();
    report("update one field (the smallest change)", updates);
    report("save the whole document", (0..RUNS).map(|_| timed(|| drop(doc.save()))).collect());
    let bytes = doc.save();
    println!("| (the document: {} changes, {} bytes saved) | |", doc.get_changes(&[]).len(), bytes.len());
    let merges = (0..RUNS / 10)
        .map(|_| {
            let mut server = crdt::load(&bytes).unwrap();
            let mut device = server.fork();
            let heads = device.get_heads();
            n += 1;
            inv.notes = Some(format!("edit {n}"));
            crdt::update(&mut device, &inv).unwrap();
            let change = device.save_after(&heads);
            timed(|| {
                server.load_incremental(&change).unwrap();
            })
        })
        .collect();
    report("merge one edit into the server's copy", merges);
    let mut server = crdt::load(&bytes).unwrap();
    let checks = (0..RUNS).map(|_| timed(|| assert!(server.get_missing_deps(&[]).is_empty()))).collect();
    report("check that nothing it builds on is missing", checks);
    report("its heads", (0..RUNS).map(|_| timed(|| drop(server.get_heads()))).collect());
}

fn timed(f: impl FnOnce()) -> Duration {
    let t = Instant::now();
    f();
    t.elapsed()
}
