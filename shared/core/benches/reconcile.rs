//! Reconciliation speed on one core (issue 7's targets): statement parsing in MB/s (target
//! 100 MB/s; CSV, and the same transactions as MT940, CAMT.053 and OFX), and matching 100,000 transactions against 50,000 open invoices (target under
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
use remit_core::statement::{BankTransaction, Import};

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

/// Parses `text` five times, keeping each result until the timing ends (freeing one is not
/// parsing the next), and prints the speed.
fn parse_speed(name: &str, text: &str, parse: impl Fn(&[u8]) -> Result<Import, String>) -> Import {
    let runs = 5;
    let mut kept = Vec::with_capacity(runs);
    let start = Instant::now();
    for _ in 0..runs {
        kept.push(std::hint::black_box(parse(text.as_bytes()).unwrap()));
    }
    let took = start.elapsed() / u32::try_from(runs).unwrap();
    let imported = kept.pop().unwrap();
    drop(kept);
    assert!(
        imported.errors.is_empty() && imported.transactions.len() == TRANSACTIONS,
        "{name}: {:?}",
        imported.errors.first()
    );
    let mb_per_s = (text.len() as u128 * 1_000_000) / took.as_micros().max(1) / 1_000_000;
    println!(
        "| {name} statement parsing, {} transactions ({} KB), one core | {} ms = {mb_per_s} MB/s | 100 MB/s |",
        imported.transactions.len(),
        text.len() / 1024,
        took.as_millis()
    );
    imported
}

/// The same transactions as an MT940 statement (`:61:` and a structured `:86:`).
fn as_mt940(ts: &[BankTransaction]) -> String {
    let mut out = String::from(":20:BENCH\n:25:DE89370400440532013000\n:28C:1/1\n:60F:C261101USD0,00\n");
    for t in ts {
        let (mark, amount) =
            if t.amount.is_positive() { ('C', t.amount.amount()) } else { ('D', t.amount.amount()[1..].to_owned()) };
        let date = t.date.format("%y%m%d");
        writeln!(out, ":61:{date}{mark}{}NTRFNONREF//{}", amount.replace('.', ","), t.id).unwrap();
        writeln!(out, ":86:166?20{}?32{}", t.reference.as_deref().unwrap_or(""), t.payer.as_deref().unwrap_or(""))
            .unwrap();
    }
    out.push_str(":62F:C261130USD0,00\n-\n");
    out
}

/// The same transactions as a CAMT.053 statement.
fn as_camt(ts: &[BankTransaction]) -> String {
    let mut out = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><Stmt><Acct><Ccy>USD</Ccy></Acct>"#,
    );
    for t in ts {
        let (mark, amount) = if t.amount.is_positive() {
            ("CRDT", t.amount.amount())
        } else {
            ("DBIT", t.amount.amount()[1..].to_owned())
        };
        writeln!(
            out,
            "<Ntry><Amt Ccy=\"USD\">{amount}</Amt><CdtDbtInd>{mark}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>{}</Dt></BookgDt><AcctSvcrRef>{}</AcctSvcrRef><NtryDtls><TxDtls><RltdPties><Dbtr><Pty><Nm>{}</Nm></Pty></Dbtr></RltdPties><RmtInf><Ustrd>{}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>",
            t.date, t.id, t.payer.as_deref().unwrap_or(""), t.reference.as_deref().unwrap_or("")
        )
        .unwrap();
    }
    out.push_str("</Stmt></BkToCstmrStmt></Document>\n");
    out
}

/// The same transactions as an OFX 1.x (SGML) statement.
fn as_ofx(ts: &[BankTransaction]) -> String {
    let mut out = String::from(
        "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\n\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>USD\n<BANKTRANLIST>\n",
    );
    for t in ts {
        writeln!(
            out,
            "<STMTTRN><TRNTYPE>{}<DTPOSTED>{}<TRNAMT>{}<FITID>{}<NAME>{}<MEMO>{}</STMTTRN>",
            if t.amount.is_positive() { "CREDIT" } else { "DEBIT" },
            t.date.format("%Y%m%d"),
            t.amount.amount(),
            t.id,
            t.payer.as_deref().unwrap_or(""),
            t.reference.as_deref().unwrap_or("")
        )
        .unwrap();
    }
    out.push_str("</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n");
    out
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

    let imported = parse_speed("CSV", &csv, |d| read(d, &Options::default()));
    let transactions = &imported.transactions;
    parse_speed("MT940", &as_mt940(transactions), remit_core::statement::mt940::read);
    parse_speed("CAMT.053", &as_camt(transactions), remit_core::statement::camt::read);
    parse_speed("OFX (SGML)", &as_ofx(transactions), remit_core::statement::ofx::read);

    let start = Instant::now();
    let results = match_all(&input, transactions).unwrap();
    let matching = start.elapsed();
    let auto = results.iter().filter(|r| r.decision == remit_core::reconcile::Decision::Auto).count();
    println!(
        "| matching {} credits against {INVOICES} open invoices, one core (parsing excluded) | {} ms ({auto} automatic) | 1000 ms |",
        results.len(),
        matching.as_millis()
    );
}
