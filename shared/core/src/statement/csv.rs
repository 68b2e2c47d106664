//! CSV statements: the delimiter, the columns, the decimal mark and the date format are found
//! from the file (a mapping can be given instead); one signed amount column, or debit and
//! credit columns. `Transaction ID,Date,Amount,Currency,Payer,Reference,Description` (signed
//! amounts, credits positive) is read with no options.

use std::collections::HashMap;

use serde::Serialize;

use super::amount::{self, DecimalMark};
use super::{BankTransaction, Import, LineError, Seen, content_id, dates, text};
use crate::currency::Currency;

/// Which column holds what (0-based); found from the header by `Mapping::detect`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Mapping {
    pub id: Option<usize>,
    pub date: Option<usize>,
    pub amount: Option<usize>,
    pub debit: Option<usize>,
    pub credit: Option<usize>,
    pub currency: Option<usize>,
    pub payer: Option<usize>,
    pub reference: Option<usize>,
    pub description: Option<usize>,
}

/// Header names banks use for each column, normalised (lower case, letters and digits only).
const NAMES: [(&str, &[&str]); 9] = [
    ("id", &["transactionid", "id", "txnid", "transid", "fitid", "bankreference", "acctsvcrref", "uniqueid"]),
    ("date", &["date", "bookingdate", "transactiondate", "posted", "posteddate", "valuedate", "buchungstag", "datum"]),
    ("amount", &["amount", "betrag", "value", "amt", "transactionamount"]),
    ("debit", &["debit", "withdrawal", "withdrawals", "moneyout", "paidout", "soll", "debitamount"]),
    ("credit", &["credit", "deposit", "deposits", "moneyin", "paidin", "haben", "creditamount"]),
    ("currency", &["currency", "ccy", "curr", "wahrung", "waehrung"]),
    ("payer", &["payer", "payername", "name", "counterparty", "counterpartyname", "remitter", "from", "auftraggeber"]),
    ("reference", &["reference", "ref", "paymentreference", "remittanceinformation", "verwendungszweck", "endtoendid"]),
    ("description", &["description", "details", "narrative", "memo", "text", "buchungstext", "transactiondetails"]),
];

/// `Währung` → `wahrung`, `Booking Date` → `bookingdate`.
fn normalise(name: &str) -> String {
    name.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'ä' | 'à' | 'á' | 'â' => 'a',
            'ö' | 'ó' | 'ô' => 'o',
            'ü' | 'ú' => 'u',
            'é' | 'è' | 'ê' => 'e',
            other => other,
        })
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

impl Mapping {
    /// The columns the header names; a date and either an amount or debit/credit are required.
    pub fn detect(header: &[&str]) -> Result<Mapping, String> {
        let cols: HashMap<String, usize> = header.iter().enumerate().rev().map(|(i, h)| (normalise(h), i)).collect();
        let find = |field: &str| {
            let names = NAMES.iter().find(|(f, _)| *f == field).map_or(&[][..], |(_, n)| n);
            names.iter().find_map(|n| cols.get(*n).copied())
        };
        let m = Mapping {
            id: find("id"),
            date: find("date"),
            amount: find("amount"),
            debit: find("debit"),
            credit: find("credit"),
            currency: find("currency"),
            payer: find("payer"),
            reference: find("reference"),
            description: find("description"),
        };
        m.check()?;
        Ok(m)
    }

    fn check(&self) -> Result<(), String> {
        if self.date.is_none() {
            return Err("no date column (a header such as Date or Booking date)".into());
        }
        if self.amount.is_none() && self.debit.is_none() && self.credit.is_none() {
            return Err("no amount column (Amount, or Debit and Credit)".into());
        }
        Ok(())
    }
}

/// How to read a statement; `None` fields are found from the file.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub delimiter: Option<u8>,
    pub mapping: Option<Mapping>,
    pub decimal_mark: Option<DecimalMark>,
    /// A chrono format such as `%d.%m.%Y`.
    pub date_format: Option<String>,
    /// For statements without a currency column.
    pub currency: Option<Currency>,
}

/// The delimiter the header line uses most, outside quotes.
fn detect_delimiter(data: &[u8]) -> u8 {
    let line = data.split(|&b| b == b'\n').next().unwrap_or(data);
    let mut counts = [0usize; 4];
    let mut quoted = false;
    for &b in line {
        match b {
            b'"' => quoted = !quoted,
            _ if quoted => {}
            b',' => counts[0] += 1,
            b';' => counts[1] += 1,
            b'\t' => counts[2] += 1,
            b'|' => counts[3] += 1,
            _ => {}
        }
    }
    let best = (0..4).max_by_key(|&i| (counts[i], usize::from(i == 0))).unwrap_or(0);
    [b',', b';', b'\t', b'|'][best]
}

const SAMPLE: usize = 500;

fn cell(r: &::csv::StringRecord, c: Option<usize>) -> &str {
    c.and_then(|c| r.get(c)).unwrap_or("")
}

/// Reads a CSV statement. A line that cannot be read is listed with its line number; the rest
/// are read. Fails as a whole only when the header cannot be understood.
pub fn read(data: &[u8], options: &Options) -> Result<Import, String> {
    let data = data.strip_prefix(b"\xef\xbb\xbf").unwrap_or(data);
    let delimiter = options.delimiter.unwrap_or_else(|| detect_delimiter(data));
    let mut reader = ::csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).from_reader(data);
    let header = reader.headers().map_err(|e| format!("line 1: {e}"))?.clone();
    let mapping = match &options.mapping {
        Some(m) => m.check().map(|()| m.clone())?,
        None => Mapping::detect(&header.iter().collect::<Vec<_>>())?,
    };
    let mut import = Import::default();
    // The first rows decide the decimal mark and the date format; the rest stream through one
    // reused record.
    let mut sample = Vec::with_capacity(SAMPLE);
    let mut record = ::csv::StringRecord::new();
    while sample.len() < SAMPLE && next(&mut reader, &mut record, &mut import) {
        sample.push(record.clone());
    }
    let amounts = sample.iter().flat_map(|r| {
        [mapping.amount, mapping.debit, mapping.credit].map(|c| cell(r, c)).into_iter().filter(|s| !s.is_empty())
    });
    let mark = options.decimal_mark.unwrap_or_else(|| amount::detect_mark(amounts));
    let format = match &options.date_format {
        Some(f) => f.clone(),
        None => {
            let dates = sample.iter().map(|r| cell(r, mapping.date)).filter(|s| !s.trim().is_empty());
            dates::detect(dates.collect::<Vec<_>>()).unwrap_or("%Y-%m-%d").to_owned()
        }
    };
    let reading = Reading {
        mapping: &mapping,
        mark,
        format: &format,
        currency: options.currency,
        last_currency: std::cell::Cell::new(None),
    };
    // About 60 bytes a line: one allocation for most statements.
    import.transactions.reserve(data.len() / 64);
    let mut state = (Seen::default(), HashMap::new());
    for r in &sample {
        reading.add(r, &mut import, &mut state);
    }
    while next(&mut reader, &mut record, &mut import) {
        reading.add(&record, &mut import, &mut state);
    }
    import.errors.sort_by_key(|e| e.line);
    Ok(import)
}

/// Reads the next record into `record`; a line the CSV reader refuses is listed and skipped.
fn next(reader: &mut ::csv::Reader<&[u8]>, record: &mut ::csv::StringRecord, import: &mut Import) -> bool {
    loop {
        match reader.read_record(record) {
            Ok(more) => return more,
            Err(e) => {
                import.errors.push(LineError { line: e.position().map_or(0, |p| p.line()), message: e.to_string() })
            }
        }
    }
}

/// How this statement's rows are read, once found.
struct Reading<'a> {
    mapping: &'a Mapping,
    mark: DecimalMark,
    format: &'a str,
    currency: Option<Currency>,
    /// The currency of the row before: most statements have one, parsed once.
    last_currency: std::cell::Cell<Option<Currency>>,
}

/// Ids seen, and how many times each content hash came (for rows without an id).
type State = (Seen, HashMap<String, u32>);

impl Reading<'_> {
    fn add(&self, r: &::csv::StringRecord, import: &mut Import, (seen, occurrences): &mut State) {
        let line = r.position().map_or(0, |p| p.line());
        match self.transaction(r) {
            Ok(mut t) => {
                if t.id.is_empty() {
                    let n = occurrences.entry(content_id(&t, 0)).or_insert(0);
                    t.id = content_id(&t, *n);
                    *n += 1;
                }
                import.push(t, seen);
            }
            Err(message) => import.errors.push(LineError { line, message }),
        }
    }
}

impl Reading<'_> {
    fn currency(&self, code: &str) -> Result<Currency, String> {
        let code = code.trim();
        if let Some(c) = self.last_currency.get().filter(|c| c.code().eq_ignore_ascii_case(code)) {
            return Ok(c);
        }
        let c = Currency::parse(code).map_err(|e| e.to_string())?;
        self.last_currency.set(Some(c));
        Ok(c)
    }

    fn transaction(&self, r: &::csv::StringRecord) -> Result<BankTransaction, String> {
        let (m, mark, format) = (self.mapping, self.mark, self.format);
        let cell = |c: Option<usize>| cell(r, c);
        let currency = match (cell(m.currency).trim(), self.currency) {
            ("", Some(c)) => c,
            ("", None) => return Err("no currency: the statement has no currency column and none was given".into()),
            (code, _) => self.currency(code)?,
        };
        let read = |c: Option<usize>| -> Result<Option<crate::money::Money>, String> {
            let s = cell(c).trim();
            (!s.is_empty()).then(|| amount::parse(s, mark, currency)).transpose()
        };
        let amount = match (read(m.amount)?, read(m.credit)?, read(m.debit)?) {
            (Some(a), ..) => a,
            (None, None, None) => return Err("no amount".into()),
            (None, credit, debit) => {
                // A debit column may print money out as positive or negative: it is out either way.
                let out = debit.map_or(0, |d| d.minor().saturating_abs());
                let inn = credit.map_or(0, |c| c.minor().saturating_abs());
                crate::money::Money::from_minor(inn.saturating_sub(out), currency)
            }
        };
        Ok(BankTransaction {
            id: text(cell(m.id)).unwrap_or_default(),
            date: dates::parse(cell(m.date), format)?,
            amount,
            payer: text(cell(m.payer)),
            reference: text(cell(m.reference)),
            description: text(cell(m.description)),
        })
    }
}
