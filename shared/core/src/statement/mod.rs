//! Bank statements: the transactions a bank reports, read from the formats banks export, for
//! the reconciliation matcher (spec 4.4). Every reader gives the same `BankTransaction`s, with
//! credits positive; a malformed line is reported with its line number and the good lines are
//! still read. A transaction keeps the bank's own id when the format has one, else a stable
//! hash of its content, so importing the same statement twice adds nothing.

pub mod amount;
pub mod csv;
mod dates;
pub mod mt940;

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

impl Import {
    /// Keeps the first transaction of each id; counts the rest.
    pub(crate) fn push(&mut self, t: BankTransaction, seen: &mut std::collections::HashSet<String>) {
        if seen.insert(t.id.clone()) {
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

/// Trims a text field; empty is none.
pub(crate) fn text(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}
