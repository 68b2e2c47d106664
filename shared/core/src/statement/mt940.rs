//! SWIFT MT940 statements: `:60F:` gives the currency, each `:61:` a transaction (value date,
//! credit or debit mark, amount with a decimal comma, the customer's reference and the bank's
//! after `//`), and the `:86:` after it the details: structured (`?20`–`?29` the purpose,
//! `?32`/`?33` the counterparty's name, as German banks write it) or free text.

use std::borrow::Cow;

use chrono::NaiveDate;

use super::amount::{self, DecimalMark};
use super::{BankTransaction, Import, LineError, text};
use crate::currency::Currency;

fn date6(s: &str) -> Result<NaiveDate, String> {
    super::dates::compact(s, super::dates::Layout::Yymmdd).ok_or_else(|| format!("{s:?}: not a YYMMDD date"))
}

/// `:61:` body: `YYMMDD[MMDD](C|D|RC|RD)[funds code]AMOUNT N### CUSTOMER_REF[//BANK_REF]`.
fn statement_line(body: &str, currency: Currency) -> Result<BankTransaction, String> {
    let date = date6(body)?;
    let mut rest = &body[6..];
    if rest.get(..4).is_some_and(|d| d.bytes().all(|b| b.is_ascii_digit())) {
        rest = &rest[4..];
    }
    let (credit, after) = if let Some(r) = rest.strip_prefix("RC") {
        (false, r) // a reversed credit takes money out
    } else if let Some(r) = rest.strip_prefix("RD") {
        (true, r)
    } else if let Some(r) = rest.strip_prefix('C') {
        (true, r)
    } else if let Some(r) = rest.strip_prefix('D') {
        (false, r)
    } else {
        return Err(format!(":61: {body:?}: no C or D mark"));
    };
    // An optional funds code (one letter) may come before the amount.
    let after = after.strip_prefix(|c: char| c.is_ascii_alphabetic()).unwrap_or(after);
    let end = after.find(|c: char| !(c.is_ascii_digit() || c == ',')).unwrap_or(after.len());
    let money = amount::parse(&after[..end], DecimalMark::Comma, currency).map_err(|e| format!(":61: {e}"))?;
    let signed = if credit { money } else { crate::money::Money::from_minor(-money.minor(), currency) };
    // Transaction type (N + 3 characters), then the references.
    let refs = after[end..].get(4..).unwrap_or("");
    let (customer, bank) = refs.split_once("//").unwrap_or((refs, ""));
    let bank = bank.lines().next().unwrap_or("");
    Ok(BankTransaction {
        id: text(bank).or_else(|| text(customer).filter(|c| c != "NONREF")).unwrap_or_default(),
        date,
        amount: signed,
        payer: None,
        reference: text(customer).filter(|c| c != "NONREF"),
        description: None,
    })
}

/// `s` trimmed, without a copy when there is nothing to trim; empty is none.
fn trimmed(s: String) -> Option<String> {
    match s.trim() {
        "" => None,
        t if t.len() == s.len() => Some(s),
        t => Some(t.to_owned()),
    }
}

/// Applies a `:86:` to the transaction before it.
fn details(t: &mut BankTransaction, body: &str) {
    // Continuation lines are joined as banks cut them (at 65 characters), without a space.
    let joined: Cow<'_, str> = if body.contains('\n') {
        Cow::Owned(body.lines().map(str::trim_end).collect())
    } else {
        Cow::Borrowed(body.trim_end())
    };
    if joined.contains('?') && joined.get(3..4) == Some("?") {
        let mut purpose = String::new();
        let mut name = String::new();
        for field in joined.split('?').skip(1) {
            // By `get`, so a field cut inside a character is skipped rather than a panic.
            let (code, value) = (field.get(..2).unwrap_or(""), field.get(2..).unwrap_or(""));
            match code {
                "20" | "21" | "22" | "23" | "24" | "25" | "26" | "27" | "28" | "29" => purpose.push_str(value),
                "32" | "33" => name.push_str(value),
                _ => {}
            }
        }
        t.payer = trimmed(name);
        if let Some(p) = trimmed(purpose) {
            t.reference = Some(p);
        }
        t.description = trimmed(joined.into_owned());
    } else {
        t.description = text(&joined);
        if t.reference.is_none() {
            t.reference = text(&joined);
        }
    }
}

/// Reads an MT940 file (one or more statements). A `:61:` that cannot be read is listed with its
/// line number; the others are read.
pub fn read(data: &[u8]) -> Result<Import, String> {
    let content = String::from_utf8_lossy(data);
    // Fields start with `:NN:` or `:NNa:` at the start of a line; their text runs to the next.
    // A field of one line is borrowed; only one continued on more lines is copied.
    let mut fields: Vec<(u64, &str, Cow<'_, str>)> = Vec::new();
    for (n, line) in content.lines().enumerate() {
        let tag = line.strip_prefix(':').and_then(|r| r.split_once(':')).filter(|(t, _)| t.len() <= 3);
        match (tag, fields.last_mut()) {
            (Some((t, body)), _) => fields.push((u64::try_from(n).unwrap_or(0) + 1, t, Cow::Borrowed(body))),
            (None, Some(last)) if !line.starts_with('-') => {
                let body = last.2.to_mut();
                body.push('\n');
                body.push_str(line);
            }
            _ => {}
        }
    }
    if !fields.iter().any(|(_, t, _)| *t == "61") && !fields.iter().any(|(_, t, _)| t.starts_with("60")) {
        return Err("not an MT940 statement: no :60F: or :61: field".into());
    }
    let mut import = Import::default();
    let mut currency: Option<Currency> = None;
    let mut pending: Vec<BankTransaction> = Vec::new();
    // A `:86:` belongs to the `:61:` right before it, and only if that one was read.
    let mut attach = false;
    for (line, tag, body) in fields {
        let after_61 = std::mem::replace(&mut attach, false);
        match tag {
            "60F" | "60M" => {
                let code = body.get(7..10).unwrap_or("");
                match Currency::parse(code) {
                    Ok(c) => currency = Some(c),
                    Err(e) => import.errors.push(LineError { line, message: format!(":60F: {e}") }),
                }
            }
            "61" => match currency.ok_or_else(|| ":61: before any :60F: (no currency)".to_owned()) {
                Ok(c) => match statement_line(body.trim(), c) {
                    Ok(transaction) => {
                        pending.push(transaction);
                        attach = true;
                    }
                    Err(message) => import.errors.push(LineError { line, message }),
                },
                Err(message) => import.errors.push(LineError { line, message }),
            },
            "86" if after_61 => {
                if let Some(p) = pending.last_mut() {
                    details(p, &body);
                }
            }
            _ => {}
        }
    }
    super::collect(&mut import, pending);
    Ok(import)
}
