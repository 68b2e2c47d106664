//! Bank statements: the transactions a bank reports, read from the formats banks export, for
//! the reconciliation matcher (spec 4.4). Every reader gives the same `BankTransaction`s, with
//! credits positive; a malformed line is reported with its line number and the good lines are
//! still read. A transaction keeps the bank's own id when the format has one, else a stable
//! hash of its content, so importing the same statement twice adds nothing.

pub mod amount;
pub mod camt;
pub mod csv;
mod dates;
mod markup;
pub mod mt940;
pub mod ofx;

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::money::Money;

/// One booked transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BankTransaction {
    /// The bank's id (CSV id column, CAMT `AcctSvcrRef`, MT940 reference, OFX `FITID`), or
    /// `sha256:` and a hash of the transaction when the statement gives none.
    pub id: String,
    pub date: NaiveDate,
    /// Signed: money in is positive.
    pub amount: Money,
    pub payer: Option<String>,
    pub reference: Option<String>,
    pub description: Option<String>,
}

/// A line that could not be read, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineError {
    /// 1-based, as an editor shows the file.
    pub line: u64,
    pub message: String,
}

/// What a statement gave.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Import {
    pub transactions: Vec<BankTransaction>,
    pub errors: Vec<LineError>,
    /// Transactions left out because one with the same id came earlier in the statement.
    pub duplicates: usize,
}

/// The ids already in an import, without copying them (a statement has up to millions): a
/// hash of each id points to the transaction that has it; ids whose hashes collide are kept
/// aside and compared by text.
#[derive(Default)]
pub(crate) struct Seen {
    first: HashMap<u64, usize>,
    collided: HashSet<String>,
}

/// FNV-1a: fast on short ids; a collision costs only a text comparison.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

impl Import {
    /// Keeps the first transaction of each id; counts the rest.
    pub(crate) fn push(&mut self, t: BankTransaction, seen: &mut Seen) {
        use std::collections::hash_map::Entry;
        let fresh = match seen.first.entry(fnv(t.id.as_bytes())) {
            Entry::Vacant(v) => {
                v.insert(self.transactions.len());
                true
            }
            Entry::Occupied(o) => self.transactions[*o.get()].id != t.id && seen.collided.insert(t.id.clone()),
        };
        if fresh {
            self.transactions.push(t);
        } else {
            self.duplicates += 1;
        }
    }
}

/// The id of a transaction the statement gave none for: a hash of what it says, and of how
/// many identical ones came before it in the same statement (two equal coffees on one day are
/// two transactions; the same file imported again gives the same ids).
pub(crate) fn content_id(t: &BankTransaction, occurrence: u32) -> String {
    let mut h = Sha256::new();
    for part in [
        t.date.to_string().as_str(),
        &t.amount.amount(),
        t.amount.currency().code(),
        t.payer.as_deref().unwrap_or(""),
        t.reference.as_deref().unwrap_or(""),
        t.description.as_deref().unwrap_or(""),
    ] {
        h.update(part.as_bytes());
        h.update([0x1f]);
    }
    h.update(occurrence.to_be_bytes());
    let digest = h.finalize();
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// Adds a statement's transactions in order: ids given to those without one, duplicates of an
/// id counted and left out.
pub(crate) fn collect(import: &mut Import, transactions: Vec<BankTransaction>) {
    let mut seen = Seen::default();
    let mut occurrences: HashMap<String, u32> = HashMap::new();
    for mut transaction in transactions {
        if transaction.id.is_empty() {
            let n = occurrences.entry(content_id(&transaction, 0)).or_insert(0);
            transaction.id = content_id(&transaction, *n);
            *n += 1;
        }
        import.push(transaction, &mut seen);
    }
}

/// Trims a text field; empty is none.
pub(crate) fn text(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// The statement formats Remit reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Csv,
    Camt053,
    Mt940,
    Ofx,
}

impl Format {
    /// The format a file's content shows (a CAMT document, an OFX header or element, MT940
    /// fields); anything else is read as CSV.
    pub fn sniff(data: &[u8]) -> Format {
        let head = String::from_utf8_lossy(&data[..data.len().min(4096)]);
        if head.contains("BkToCstmrStmt") || head.contains("camt.053") {
            Format::Camt053
        } else if head.trim_start().starts_with("OFXHEADER") || head.contains("<OFX>") {
            Format::Ofx
        } else if head.contains(":20:") && (head.contains(":60F:") || head.contains(":61:")) {
            Format::Mt940
        } else {
            Format::Csv
        }
    }
}

/// Reads a statement of `format` (CSV with `csv_options`).
pub fn read(data: &[u8], format: Format, csv_options: &csv::Options) -> Result<Import, String> {
    match format {
        Format::Csv => csv::read(data, csv_options),
        Format::Camt053 => camt::read(data),
        Format::Mt940 => mt940::read(data),
        Format::Ofx => ofx::read(data),
    }
}
