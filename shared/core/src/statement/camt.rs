//! ISO 20022 CAMT.053 statements (any version: elements are found by their local names, so the
//! namespace of 053.001.02 to .13 does not matter). Each booked `Ntry` is a transaction, or
//! several when the bank books a batch with one `TxDtls` per payment, each with its amount.
//! The id is the bank's `AcctSvcrRef`; the payer the debtor (`Dbtr`, or `UltmtDbtr`); the
//! reference the structured creditor reference (`CdtrRefInf/Ref`, e.g. an RF reference), else
//! the unstructured remittance text, else the end-to-end id.

use chrono::NaiveDate;

use super::amount::{self, DecimalMark};
use super::markup::{Token, Tokens, attribute};
use super::{BankTransaction, Import, LineError, text};
use crate::currency::Currency;
use crate::money::Money;

/// What one `TxDtls` says.
#[derive(Default)]
struct Detail {
    amount: Option<(String, Option<String>)>,
    credit: Option<String>,
    bank_ref: Option<String>,
    end_to_end: Option<String>,
    debtor: Option<String>,
    ultimate_debtor: Option<String>,
    creditor: Option<String>,
    unstructured: Vec<String>,
    creditor_ref: Option<String>,
    info: Option<String>,
}

/// What one `Ntry` says.
#[derive(Default)]
struct Entry {
    line: u64,
    amount: Option<(String, Option<String>)>,
    credit: Option<String>,
    reversal: bool,
    status: Option<String>,
    booked: Option<String>,
    value: Option<String>,
    bank_ref: Option<String>,
    info: Option<String>,
    details: Vec<Detail>,
}

fn set(slot: &mut Option<String>, value: &str) {
    if slot.is_none() {
        *slot = text(value);
    }
}

impl Detail {
    fn take(&mut self, path: &[&str], value: &str, currency: Option<&str>) {
        match path {
            ["Amt"] | ["AmtDtls", "TxAmt", "Amt"] if self.amount.is_none() => {
                self.amount = Some((value.to_owned(), currency.map(str::to_owned)));
            }
            ["CdtDbtInd"] => set(&mut self.credit, value),
            ["Refs", "AcctSvcrRef"] => set(&mut self.bank_ref, value),
            ["Refs", "EndToEndId"] => set(&mut self.end_to_end, value),
            ["RltdPties", "Dbtr", "Nm"] | ["RltdPties", "Dbtr", "Pty", "Nm"] => set(&mut self.debtor, value),
            ["RltdPties", "UltmtDbtr", "Nm"] | ["RltdPties", "UltmtDbtr", "Pty", "Nm"] => {
                set(&mut self.ultimate_debtor, value)
            }
            ["RltdPties", "Cdtr", "Nm"] | ["RltdPties", "Cdtr", "Pty", "Nm"] => set(&mut self.creditor, value),
            ["RmtInf", "Ustrd"] => self.unstructured.extend(text(value)),
            ["RmtInf", "Strd", "CdtrRefInf", "Ref"] => set(&mut self.creditor_ref, value),
            ["AddtlTxInf"] => set(&mut self.info, value),
            _ => {}
        }
    }
}

impl Entry {
    fn take(&mut self, path: &[&str], value: &str, currency: Option<&str>) {
        if let Some(k) = path.iter().position(|p| *p == "TxDtls") {
            if let Some(d) = self.details.last_mut() {
                d.take(&path[k + 1..], value, currency);
            }
            return;
        }
        match path {
            ["Amt"] => self.amount = Some((value.to_owned(), currency.map(str::to_owned))),
            ["CdtDbtInd"] => set(&mut self.credit, value),
            ["RvslInd"] => self.reversal = value.trim() == "true",
            ["Sts"] | ["Sts", "Cd"] => set(&mut self.status, value),
            ["BookgDt", "Dt" | "DtTm"] => set(&mut self.booked, value),
            ["ValDt", "Dt" | "DtTm"] => set(&mut self.value, value),
            ["AcctSvcrRef"] => set(&mut self.bank_ref, value),
            ["AddtlNtryInf"] => set(&mut self.info, value),
            _ => {}
        }
    }

    /// The entry's transactions; `Ok(empty)` for an entry that is not booked.
    fn transactions(self, account_currency: Option<Currency>) -> Result<Vec<BankTransaction>, String> {
        if self.status.as_deref().is_some_and(|s| s != "BOOK") {
            return Ok(vec![]);
        }
        let day = self.booked.as_deref().or(self.value.as_deref()).ok_or("no booking or value date")?;
        let date = super::dates::compact(day, super::dates::Layout::Iso)
            .ok_or_else(|| format!("date {day:?} is not YYYY-MM-DD"))?;
        let entry_credit = credit_mark(self.credit.as_deref(), self.reversal)?;
        let split = self.details.len() >= 2 && self.details.iter().all(|d| d.amount.is_some());
        if split {
            let mut out = Vec::with_capacity(self.details.len());
            for (k, d) in self.details.iter().enumerate() {
                let credit = match &d.credit {
                    Some(mark) => credit_mark(Some(mark), self.reversal)?,
                    None => entry_credit,
                };
                let money = money(d.amount.as_ref(), account_currency, credit)?;
                let id = d.bank_ref.clone().or_else(|| self.bank_ref.as_ref().map(|r| format!("{r}/{}", k + 1)));
                out.push(transaction(id.unwrap_or_default(), date, money, d, self.info.as_deref()));
            }
            return Ok(out);
        }
        let money = money(self.amount.as_ref(), account_currency, entry_credit)?;
        let empty = Detail::default();
        let d = self.details.first().unwrap_or(&empty);
        let id = self.bank_ref.clone().or_else(|| d.bank_ref.clone()).unwrap_or_default();
        Ok(vec![transaction(id, date, money, d, self.info.as_deref())])
    }
}

fn credit_mark(mark: Option<&str>, reversal: bool) -> Result<bool, String> {
    let credit = match mark.map(str::trim) {
        Some("CRDT") => true,
        Some("DBIT") => false,
        Some(other) => return Err(format!("CdtDbtInd {other:?} is neither CRDT nor DBIT")),
        None => return Err("no CdtDbtInd (credit or debit)".into()),
    };
    // A reversal undoes a booking of the other kind: a reversed debit brings money back.
    Ok(credit != reversal)
}

fn money(amount: Option<&(String, Option<String>)>, fallback: Option<Currency>, credit: bool) -> Result<Money, String> {
    let (value, code) = amount.ok_or("no Amt")?;
    let currency = match code {
        Some(c) => Currency::parse(c).map_err(|e| e.to_string())?,
        None => fallback.ok_or("Amt has no Ccy and the account names no currency")?,
    };
    let value = value.trim();
    // ISO 20022 amounts are digits and a decimal point, nothing else: a comma is not read as
    // a thousands separator here, where it can only be a mistake.
    if !value.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err(format!("Amt {value:?} is not an amount (digits and a decimal point)"));
    }
    let m = amount::parse(value, DecimalMark::Point, currency)?;
    Ok(if credit { m } else { Money::from_minor(-m.minor(), currency) })
}

fn transaction(id: String, date: NaiveDate, amount: Money, d: &Detail, entry_info: Option<&str>) -> BankTransaction {
    let payer =
        if amount.is_positive() { d.debtor.clone().or_else(|| d.ultimate_debtor.clone()) } else { d.creditor.clone() };
    let unstructured = text(&d.unstructured.join(" "));
    let end_to_end = d.end_to_end.clone().filter(|e| e != "NOTPROVIDED");
    let reference = d.creditor_ref.clone().or_else(|| unstructured.clone()).or(end_to_end);
    let description = [unstructured.as_deref(), d.info.as_deref().or(entry_info)]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    BankTransaction { id, date, amount, payer, reference, description: text(&description) }
}

/// Reads a CAMT.053 file. An entry that cannot be read is listed with the line its `<Ntry>`
/// starts on; the others are read. Broken markup ends the reading at that line, keeping what
/// came before.
pub fn read(data: &[u8]) -> Result<Import, String> {
    let content = super::markup::utf8_or_cp1252(data);
    if !content.contains("BkToCstmrStmt") {
        return Err("not a CAMT.053 statement: no BkToCstmrStmt element".into());
    }
    let mut tokens = Tokens::new(&content);
    // The open elements: their names (kept apart, to be matched as a path without a copy per
    // text) and attributes.
    let mut names: Vec<&str> = Vec::new();
    let mut attrs: Vec<&str> = Vec::new();
    let mut import = Import::default();
    let mut pending = Vec::new();
    let mut account_currency: Option<Currency> = None;
    let mut entry: Option<Entry> = None;
    while let Some(token) = tokens.next_token() {
        let (offset, token) = match token {
            Ok(t) => t,
            Err((line, message)) => {
                // The entry it was in is not read half; a broken tag ends the stream itself.
                import.errors.push(LineError { line, message });
                entry = None;
                continue;
            }
        };
        match token {
            Token::Open(name, attributes) => {
                names.push(name);
                attrs.push(attributes);
                if name == "Ntry" {
                    entry = Some(Entry { line: tokens.line_of(offset), ..Entry::default() });
                } else if name == "TxDtls"
                    && let Some(e) = entry.as_mut()
                {
                    e.details.push(Detail::default());
                }
            }
            Token::Close(name) => {
                // Unwinds to the element closed; a stray close tag is ignored.
                if let Some(at) = names.iter().rposition(|n| *n == name) {
                    names.truncate(at);
                    attrs.truncate(at);
                }
                if name == "Ntry"
                    && let Some(e) = entry.take()
                {
                    let line = e.line;
                    match e.transactions(account_currency) {
                        Ok(ts) => pending.extend(ts),
                        Err(message) => import.errors.push(LineError { line, message: format!("Ntry: {message}") }),
                    }
                }
            }
            Token::Text(value) => {
                let currency = attrs.last().and_then(|a| attribute(a, "Ccy"));
                match (&mut entry, names.iter().rposition(|n| *n == "Ntry")) {
                    (Some(e), Some(at)) => e.take(&names[at + 1..], &value, currency),
                    _ if names.ends_with(&["Acct", "Ccy"]) => account_currency = Currency::parse(value.trim()).ok(),
                    _ => {}
                }
            }
        }
    }
    super::collect(&mut import, pending);
    Ok(import)
}
