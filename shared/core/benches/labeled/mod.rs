//! A labeled reconciliation data set: open invoices, a bank statement (CSV in the CLI's
//! format) and, for every credit, the invoices it really pays. Deterministic (a seed gives the
//! same set), no dependency. Shared by the accuracy benchmark (`benches/reconcile_accuracy.rs`,
//! large) and its test (`tests/reconcile_accuracy.rs`, small).
//!
//! What it makes, in the proportions a small business's month looks like:
//! - customers whose names the bank prints differently (upper case, legal form dropped or
//!   spelt out), several of them sharing a word ("Northwind Foods", "Northwind Logistics");
//! - invoices numbered `INV-2026-00042`, a fifth of them at common prices (99.00, 250.00, …) so
//!   amounts coincide across customers, and subscription customers billed the same amount
//!   every month;
//! - credits quoting the invoice in the formats people type (`inv 2026/42`, `Invoice
//!   2026-042`, `INV2026-00042`, `2026 00042`, in a sentence), paying it exactly, short by a card
//!   or wire fee, in two installments, together with other invoices of the same customer in one
//!   transfer, too much, twice (the second is a duplicate: no match is right), from a third
//!   party quoting the number, quoting another customer's number by mistake, or with no
//!   reference at all (the customer's oldest invoice, paid to the cent); payer names cut short
//!   by the bank, references behind the bank's own noise (`SEPA CREDIT EREF+… SVWZ+…`);
//! - unrelated credits: interest, supplier refunds (some quoting their own order numbers that
//!   look like ours, some of an amount an open invoice also has), transfers between own
//!   accounts; and debits.
#![allow(dead_code, reason = "each of the bench and the test uses part of it")]

use std::collections::BTreeSet;
use std::fmt::Write;

/// A small deterministic generator (the same data every run).
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next(&mut self, below: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % below.max(1)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[usize::try_from(self.next(items.len() as u64)).unwrap_or(0)]
    }

    fn percent(&mut self, p: u64) -> bool {
        self.next(100) < p
    }
}

pub struct Invoice {
    pub id: String,
    pub number: String,
    pub customer: usize,
    pub cents: u64,
    pub issue_day: u32,
}

pub struct DataSet {
    /// `{"data": [invoice, ...]}` in the API's invoice shape.
    pub invoices_json: serde_json::Value,
    /// `Transaction ID,Date,Amount,Currency,Payer,Reference,Description`.
    pub statement_csv: String,
    /// Per credit, in statement order: its id and the invoices it pays (empty: none; a
    /// duplicate payment or an unrelated credit, which no match is right for).
    pub truth: Vec<(String, BTreeSet<String>)>,
    /// How many credits of each kind, for the report.
    pub kinds: Vec<(&'static str, usize)>,
    /// The kind of each credit of `truth`.
    pub kind_of: Vec<&'static str>,
}

const FIRST: [&str; 24] = [
    "Northwind",
    "Contoso",
    "Fabrikam",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Vandelay",
    "Wayne",
    "Stark",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Aperture",
    "Oscorp",
    "Wonka",
    "Acme",
    "Gringotts",
    "Monarch",
    "Pied Piper",
    "Bluth",
    "Dunder",
    "Sterling",
    "Prestige",
];
const SECOND: [&str; 20] = [
    "Foods",
    "Logistics",
    "Consulting",
    "Dental",
    "Bakery",
    "Studio",
    "Garage",
    "Legal",
    "Roofing",
    "Media",
    "Farms",
    "Electric",
    "Plumbing",
    "Design",
    "Labs",
    "Travel",
    "Printing",
    "Fitness",
    "Imports",
    "Cafe",
];
const LEGAL: [(&str, &[&str]); 6] = [
    ("Ltd", &["Limited", "LTD", ""]),
    ("Inc", &["Incorporated", "INC.", ""]),
    ("GmbH", &["GMBH", ""]),
    ("LLC", &["L.L.C.", ""]),
    ("Corp", &["Corporation", "CORP.", ""]),
    ("", &[""]),
];
const COMMON_PRICES: [u64; 6] = [9_900, 25_000, 50_000, 100_000, 150_000, 12_000];

/// Customer `i`'s name: unique first-and-second word pairs, a legal form for most.
fn customer_name(i: usize) -> (String, usize) {
    let first = FIRST[i % FIRST.len()];
    let second = SECOND[(i / FIRST.len()) % SECOND.len()];
    let round = i / (FIRST.len() * SECOND.len());
    let base = if round == 0 { format!("{first} {second}") } else { format!("{first} {second} {}", round + 1) };
    let legal = i % LEGAL.len();
    let name = if LEGAL[legal].0.is_empty() { base } else { format!("{base} {}", LEGAL[legal].0) };
    (name, legal)
}

/// How a bank prints the customer's name.
fn payer_variant(rng: &mut Lcg, name: &str, legal: usize) -> String {
    let (form, others) = LEGAL[legal];
    let base = name.strip_suffix(form).map_or(name, str::trim_end);
    match rng.next(5) {
        0 => name.to_owned(),
        1 => name.to_uppercase(),
        2 => format!("{base} {}", rng.pick(others)).trim_end().to_owned(),
        3 => base.to_uppercase(),
        // Cut where the bank's field ends.
        _ => name.to_uppercase().chars().take(16).collect::<String>().trim_end().to_owned(),
    }
}

/// How a payer types the invoice number `INV-2026-00042`.
fn reference_variant(rng: &mut Lcg, number: &str) -> String {
    let seq = number.rsplit('-').next().unwrap_or("");
    let short = seq.trim_start_matches('0');
    match rng.next(9) {
        // Behind the bank's own noise.
        8 => format!("SEPA CREDIT EREF+NOTPROVIDED SVWZ+{number}"),
        0 => number.to_owned(),
        1 => format!("inv 2026/{short}"),
        2 => format!("Invoice 2026-{short:0>3}"),
        3 => format!("INV2026-{seq}"),
        4 => format!("2026 {seq}"),
        5 => format!("Payment for invoice {number}, thank you"),
        6 => format!("RE: INV 2026 {seq}"),
        _ => number.to_lowercase(),
    }
}

fn money(cents: u64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

struct Builder {
    rng: Lcg,
    csv: String,
    truth: Vec<(String, BTreeSet<String>)>,
    kinds: Vec<(&'static str, usize)>,
    kind_of: Vec<&'static str>,
    next_tx: usize,
}

impl Builder {
    fn line(&mut self, day: u32, cents: i64, payer: &str, reference: &str, pays: &[&Invoice], kind: &'static str) {
        let id = format!("T{:06}", self.next_tx);
        self.next_tx += 1;
        let amount = if cents < 0 { format!("-{}", money(cents.unsigned_abs())) } else { money(cents.unsigned_abs()) };
        let quote = |s: &str| if s.contains(',') { format!("\"{s}\"") } else { s.to_owned() };
        let _ = writeln!(self.csv, "{id},2026-11-{day:02},{amount},USD,{},{},", quote(payer), quote(reference));
        if cents > 0 {
            self.truth.push((id, pays.iter().map(|i| i.id.clone()).collect()));
            self.kind_of.push(kind);
            match self.kinds.iter_mut().find(|(k, _)| *k == kind) {
                Some((_, n)) => *n += 1,
                None => self.kinds.push((kind, 1)),
            }
        }
    }
}

fn i64_of(cents: u64) -> i64 {
    i64::try_from(cents).unwrap_or(i64::MAX)
}

/// `customers` customers with about 3 open invoices each; about `0.6 × invoices` credits.
pub fn generate(seed: u64, customers: usize) -> DataSet {
    let mut rng = Lcg(seed);
    let names: Vec<(String, usize)> = (0..customers).map(customer_name).collect();
    let mut invoices: Vec<Invoice> = Vec::new();
    let mut by_customer: Vec<Vec<usize>> = vec![Vec::new(); customers];
    for (c, own) in by_customer.iter_mut().enumerate() {
        let subscription = rng.percent(10);
        let price = 2_000 + rng.next(800_000);
        for _ in 0..1 + rng.next(5) {
            let cents = if subscription {
                price
            } else if rng.percent(20) {
                *rng.pick(&COMMON_PRICES)
            } else {
                1_000 + rng.next(2_000_000)
            };
            let n = invoices.len() + 1;
            own.push(invoices.len());
            let issue_day = u32::try_from(1 + rng.next(28)).unwrap_or(1);
            invoices.push(Invoice {
                id: format!("inv_{n}"),
                number: format!("INV-2026-{n:05}"),
                customer: c,
                cents,
                issue_day,
            });
        }
    }
    let json = invoices
        .iter()
        .map(|v| {
            serde_json::json!({
                "id": v.id, "number": v.number, "status": "issued",
                "customer": {"id": format!("cus_{}", v.customer), "name": names[v.customer].0},
                "currency": "USD", "total": money(v.cents), "amount_due": money(v.cents),
                "issue_date": format!("2026-10-{:02}", v.issue_day), "due_date": format!("2026-11-{:02}", v.issue_day)
            })
        })
        .collect::<Vec<_>>();
    let mut b = Builder {
        rng: Lcg(seed ^ 0x5eed),
        csv: "Transaction ID,Date,Amount,Currency,Payer,Reference,Description\n".into(),
        truth: Vec::new(),
        kinds: Vec::new(),
        kind_of: Vec::new(),
        next_tx: 0,
    };
    let mut paid = vec![false; invoices.len()];
    for (c, own) in by_customer.iter().enumerate() {
        let (name, legal) = &names[c];
        // Each customer pays some of its invoices this month, oldest first.
        for (k, &i) in own.iter().enumerate() {
            if paid[i] || b.rng.percent(35) {
                continue;
            }
            let inv = &invoices[i];
            let day = u32::try_from(1 + b.rng.next(28)).unwrap_or(1);
            let payer = payer_variant(&mut b.rng, name, *legal);
            let reference = reference_variant(&mut b.rng, &inv.number);
            let cents = i64_of(inv.cents);
            paid[i] = true;
            match b.rng.next(100) {
                0..=44 => b.line(day, cents, &payer, &reference, &[inv], "exact amount, reference"),
                45..=52 => {
                    let fee = if b.rng.percent(50) { i64_of(inv.cents * 29 / 1000 + 30) } else { 1_500 };
                    b.line(day, cents - fee.min(cents - 1), &payer, &reference, &[inv], "short by a fee")
                }
                53..=58 => {
                    let first = cents / 2;
                    b.line(day.min(14), first, &payer, &format!("{reference} part 1"), &[inv], "installment");
                    b.line(day.max(15), cents - first, &payer, &format!("{reference} part 2"), &[inv], "installment");
                }
                59..=64 if k + 1 < own.len() && !paid[own[k + 1]] => {
                    let other = &invoices[own[k + 1]];
                    paid[own[k + 1]] = true;
                    let reference = format!("{} {}", inv.number, other.number);
                    b.line(day, cents + i64_of(other.cents), &payer, &reference, &[inv, other], "several invoices")
                }
                65..=69 => {
                    let third = format!("{} Holdings PLC", FIRST[(c + 7) % FIRST.len()]);
                    b.line(day, cents, &third, &reference, &[inv], "third party, reference")
                }
                70..=72 => b.line(day, cents + 5_000, &payer, &reference, &[inv], "overpayment"),
                73..=75 => {
                    b.line(day.min(20), cents, &payer, &reference, &[inv], "exact amount, reference");
                    b.line(day.min(20) + 5, cents, &payer, &reference, &[], "duplicate payment");
                }
                // With no reference, a customer pays its oldest invoice to the cent.
                // A mistyped number that is another customer's invoice; the amount is right.
                76..=77 if own[..k].iter().all(|&j| paid[j]) => {
                    let wrong = &invoices[(i + 1 + usize::try_from(b.rng.next(50)).unwrap_or(0)) % invoices.len()];
                    let reference = reference_variant(&mut b.rng, &wrong.number);
                    b.line(day, cents, &payer, &reference, &[inv], "mistyped reference")
                }
                78..=87 if own[..k].iter().all(|&j| paid[j]) => {
                    b.line(day, cents, &payer, "", &[inv], "no reference, exact amount")
                }
                _ => b.line(day, cents, &payer, &reference, &[inv], "exact amount, reference"),
            }
        }
    }
    unrelated(&mut b, &invoices, customers / 4);
    DataSet {
        invoices_json: serde_json::json!({ "data": json }),
        statement_csv: b.csv,
        truth: b.truth,
        kinds: b.kinds,
        kind_of: b.kind_of,
    }
}

/// Credits that pay no invoice, and debits.
fn unrelated(b: &mut Builder, invoices: &[Invoice], count: usize) {
    const WHO: [&str; 6] = [
        "Interest",
        "Office Supplies Direct",
        "Transfer from savings",
        "Cloud Hosting Co",
        "Tax office",
        "Card refund",
    ];
    for n in 0..count {
        let day = u32::try_from(1 + b.rng.next(28)).unwrap_or(1);
        let who = b.rng.pick(&WHO).to_string();
        let amount = match b.rng.next(10) {
            // An amount an open invoice also has.
            0 | 1 => i64_of(b.rng.pick(invoices).cents),
            _ => i64_of(1 + b.rng.next(300_000)),
        };
        let text = match b.rng.next(10) {
            // A supplier's own order number, written like ours.
            0 => format!("Refund order 2026-{:05}", 1 + b.rng.next(invoices.len() as u64)),
            1 | 2 => format!("Credit note {}", 100 + b.rng.next(900)),
            _ => String::new(),
        };
        b.line(day, amount, &who, &text, &[], "unrelated credit");
        let spent = -i64_of(1 + b.rng.next(50_000));
        b.line(day, spent, "Card payment", &format!("POS {n}"), &[], "debit");
    }
}

/// The counts behind precision, recall, F1 and auto-precision. A proposal (auto or suggest) is
/// right when it allocates exactly the invoices the credit pays; a review proposes nothing.
#[derive(Debug, Default)]
pub struct Scores {
    pub credits: usize,
    pub payments: usize,
    pub proposed: usize,
    pub correct: usize,
    pub auto: usize,
    pub auto_correct: usize,
}

impl Scores {
    /// `results`: (transaction id, decision, allocated invoice ids) per credit.
    pub fn of(truth: &[(String, BTreeSet<String>)], results: &[(String, String, BTreeSet<String>)]) -> Scores {
        let by_id: std::collections::HashMap<&str, &BTreeSet<String>> =
            truth.iter().map(|(id, pays)| (id.as_str(), pays)).collect();
        let mut s = Scores {
            credits: truth.len(),
            payments: truth.iter().filter(|(_, p)| !p.is_empty()).count(),
            ..Scores::default()
        };
        for (id, decision, allocated) in results {
            let Some(pays) = by_id.get(id.as_str()) else { continue };
            if decision == "review" {
                continue;
            }
            let right = !pays.is_empty() && *pays == allocated;
            s.proposed += 1;
            s.correct += usize::from(right);
            if decision == "auto" {
                s.auto += 1;
                s.auto_correct += usize::from(right);
            }
        }
        s
    }

    /// A ratio in hundredths of a percent (9950 = 99.50 %), integer arithmetic only.
    fn bp(num: usize, den: usize) -> usize {
        (num * 10_000).checked_div(den).unwrap_or(0)
    }

    pub fn precision_bp(&self) -> usize {
        Scores::bp(self.correct, self.proposed)
    }

    pub fn recall_bp(&self) -> usize {
        Scores::bp(self.correct, self.payments)
    }

    /// F1 = 2·correct / (proposed + payments).
    pub fn f1_bp(&self) -> usize {
        Scores::bp(2 * self.correct, self.proposed + self.payments)
    }

    pub fn auto_precision_bp(&self) -> usize {
        Scores::bp(self.auto_correct, self.auto)
    }
}

pub fn percent(bp: usize) -> String {
    format!("{}.{:02} %", bp / 100, bp % 100)
}

/// Per kind of credit: (kind, credits, proposed right, proposed wrong, automatic and wrong).
pub fn by_kind(set: &DataSet, results: &[(String, String, BTreeSet<String>)]) -> Vec<(&'static str, [usize; 4])> {
    let got: std::collections::HashMap<&str, (&str, &BTreeSet<String>)> =
        results.iter().map(|(id, d, a)| (id.as_str(), (d.as_str(), a))).collect();
    let mut out: Vec<(&'static str, [usize; 4])> = Vec::new();
    for ((id, pays), kind) in set.truth.iter().zip(&set.kind_of) {
        let (decision, allocated) = got.get(id.as_str()).copied().unwrap_or(("review", pays));
        let proposed = decision != "review";
        let right = proposed && !pays.is_empty() && pays == allocated;
        let row = match out.iter_mut().find(|(k, _)| k == kind) {
            Some((_, row)) => row,
            None => {
                out.push((kind, [0; 4]));
                &mut out.last_mut().expect("just pushed").1
            }
        };
        row[0] += 1;
        row[1] += usize::from(right);
        row[2] += usize::from(proposed && !right);
        row[3] += usize::from(decision == "auto" && !right);
    }
    out
}
