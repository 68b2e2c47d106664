//! OFX and QFX statements, both the SGML of OFX 1.x (leaf elements never closed, a header of
//! `KEY:VALUE` lines) and the XML of OFX 2.x. Each `STMTTRN` of a bank or card statement is a
//! transaction: `FITID` the bank's id, `DTPOSTED` the date, `TRNAMT` the signed amount in the
//! statement's `CURDEF` (or the transaction's own `CURRENCY`), `NAME` (or `PAYEE/NAME`) the
//! payer, `MEMO` the reference.

use super::amount::{self, DecimalMark};
use super::markup::{Token, Tokens};
use super::{BankTransaction, Import, LineError, text};
use crate::currency::Currency;

#[derive(Default)]
struct Trn {
    line: u64,
    posted: Option<String>,
    amount: Option<String>,
    fitid: Option<String>,
    name: Option<String>,
    memo: Option<String>,
    refnum: Option<String>,
    currency: Option<String>,
}

impl Trn {
    fn take(&mut self, path: &[&str], value: &str) {
        let slot = match path {
            ["DTPOSTED"] => &mut self.posted,
            ["TRNAMT"] => &mut self.amount,
            ["FITID"] => &mut self.fitid,
            ["NAME"] | ["PAYEE", "NAME"] => &mut self.name,
            ["MEMO"] => &mut self.memo,
            ["REFNUM"] => &mut self.refnum,
            ["CURRENCY" | "ORIGCURRENCY", "CURSYM"] => &mut self.currency,
            _ => return,
        };
        if slot.is_none() {
            *slot = text(value);
        }
    }

    fn transaction(self, statement_currency: Option<Currency>) -> Result<BankTransaction, String> {
        let posted = self.posted.ok_or("no DTPOSTED")?;
        let date = super::dates::compact(&posted, super::dates::Layout::Yyyymmdd)
            .ok_or_else(|| format!("DTPOSTED {posted:?} is not YYYYMMDD"))?;
        let currency = match &self.currency {
            Some(code) => Currency::parse(code).map_err(|e| e.to_string())?,
            None => statement_currency.ok_or("no CURDEF before the transaction (no currency)")?,
        };
        let raw = self.amount.ok_or("no TRNAMT")?;
        // OFX writes a decimal point; some European banks write a comma.
        let mark = if raw.contains(',') && !raw.contains('.') { DecimalMark::Comma } else { DecimalMark::Point };
        let amount = amount::parse(raw.trim(), mark, currency).map_err(|e| format!("TRNAMT {e}"))?;
        let description = [self.name.as_deref(), self.memo.as_deref()].into_iter().flatten().collect::<Vec<_>>();
        let description = text(&description.join(" · "));
        Ok(BankTransaction {
            id: self.fitid.unwrap_or_default(),
            date,
            amount,
            reference: self.memo.or(self.refnum),
            description,
            payer: self.name,
        })
    }
}

/// Reads an OFX or QFX file. A transaction that cannot be read is listed with the line its
/// `<STMTTRN>` starts on; the others are read.
pub fn read(data: &[u8]) -> Result<Import, String> {
    let content = super::markup::utf8_or_cp1252(data);
    let Some(body_start) = content.find("<OFX>") else {
        return Err("not an OFX statement: no <OFX> element".into());
    };
    let mut tokens = Tokens::new(&content);
    // Skip the 1.x header (its lines are not markup) by starting at <OFX>, keeping line numbers.
    while tokens.next_token().is_some_and(|t| t.is_ok_and(|(offset, _)| offset < body_start)) {}
    // The open elements, and whether the last one held text: an SGML leaf, closed by
    // whatever comes next.
    let mut names: Vec<&str> = vec!["OFX"];
    let mut leaf = false;
    let mut import = Import::default();
    let mut pending = Vec::new();
    let mut currency: Option<Currency> = None;
    let mut trn: Option<Trn> = None;
    while let Some(token) = tokens.next_token() {
        let (offset, token) = match token {
            Ok(t) => t,
            Err((line, message)) => {
                // The transaction it was in is not read half; a broken tag ends the stream itself.
                import.errors.push(LineError { line, message });
                trn = None;
                continue;
            }
        };
        match token {
            Token::Open(name, _) => {
                if std::mem::take(&mut leaf) {
                    names.pop();
                }
                names.push(name);
                if name == "STMTTRN" {
                    trn = Some(Trn { line: tokens.line_of(offset), ..Trn::default() });
                }
            }
            Token::Close(name) => {
                leaf = false;
                if let Some(at) = names.iter().rposition(|n| *n == name) {
                    names.truncate(at);
                }
                if name == "STMTTRN"
                    && let Some(t) = trn.take()
                {
                    let line = t.line;
                    match t.transaction(currency) {
                        Ok(transaction) => pending.push(transaction),
                        Err(message) => import.errors.push(LineError { line, message: format!("STMTTRN: {message}") }),
                    }
                }
            }
            Token::Text(value) => {
                match (&mut trn, names.iter().rposition(|n| *n == "STMTTRN")) {
                    (Some(t), Some(at)) => t.take(&names[at + 1..], &value),
                    _ if names.last() == Some(&"CURDEF") => match Currency::parse(value.trim()) {
                        Ok(c) => currency = Some(c),
                        Err(e) => import
                            .errors
                            .push(LineError { line: tokens.line_of(offset), message: format!("CURDEF: {e}") }),
                    },
                    _ => {}
                }
                leaf = true;
            }
        }
    }
    super::collect(&mut import, pending);
    Ok(import)
}
