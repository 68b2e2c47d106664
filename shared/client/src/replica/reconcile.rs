//! Reconciliation on the device (spec 4.4, issue 7), offline: bank statements imported, their
//! credits matched to the open invoices by remit-core's matcher, and the decisions acted on.
//! An automatic match records the payments at once (bank-transfer facts dated as the bank
//! booked them, queued for the server like any payment); a suggestion waits for one approval;
//! a person can pick the invoices of a credit under review, ignore it, or undo any of these.
//! Undo takes the payments back: a payment still in the outbox is simply dropped, one the
//! server has is voided by a `PaymentVoided` fact. Confirmations teach the matcher
//! (`remit_core::reconcile::learn`); undoing one forgets what it taught.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveTime};
use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::invoices::{InvoiceFilter, record_payment_in};
use super::sync::put_setting;
use super::{Replica, db, now};
use crate::error::{Error, Result};
use remit_core::lifecycle::{Actor, Fact, FactKind, PaymentMethod};
use remit_core::reconcile::learn::{Confirmed, Learned};
use remit_core::reconcile::{Allocation, Decision, InvoiceInput, match_learned};
use remit_core::statement::{self, BankTransaction, Format, LineError};
use remit_core::{Currency, FactId, Money};

const LEARNED: &str = "reconcile.learned";
const UNDONE: &str = "an automatic match of this credit was undone: approve it yourself";

/// What importing a statement did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StatementImport {
    pub format: String,
    /// Transactions read from the file.
    pub read: usize,
    /// Of those, new on this device (the rest were imported before).
    pub new: usize,
    /// Transactions the file repeated (same bank id), left out.
    pub duplicates: usize,
    /// Lines or entries that could not be read; the others were.
    pub errors: Vec<StatementError>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StatementError {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub line: u64,
    pub message: String,
}

/// A credit of an imported statement, with the matcher's answer and what was done.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BankCredit {
    pub id: String,
    pub booked_on: String,
    pub amount: String,
    pub currency: String,
    pub payer: Option<String>,
    pub reference: Option<String>,
    pub description: Option<String>,
    /// `open` (waiting for a decision), `matched` or `ignored`.
    pub state: String,
    /// The matcher's answer: `auto`, `suggest` or `review`; none before the first run.
    pub decision: Option<String>,
    pub confidence: Option<u8>,
    pub allocations: Vec<CreditAllocation>,
    pub reasons: Vec<String>,
    /// `auto` or `person`, once matched.
    pub matched_by: Option<String>,
    /// An automatic match was taken back: it is never matched automatically again.
    pub undone: bool,
    /// What of it became a customer's credit (recorded as an overpayment, or what was left
    /// beyond its invoices), once matched.
    pub credited: Option<Credited>,
}

/// A customer's credit a bank credit left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Credited {
    pub customer_id: String,
    pub customer_name: String,
    pub amount: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CreditAllocation {
    pub invoice_id: String,
    pub amount: String,
    /// The invoice's number, as shown (filled when credits are listed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub number: Option<String>,
}

/// What a run of the matcher did.
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RunReport {
    /// Credits matched and paid automatically.
    pub matched: usize,
    pub suggested: usize,
    pub review: usize,
    /// Automatic matches that could not be recorded (the invoice changed meanwhile), left
    /// for review with the reason.
    pub failed: usize,
}

/// The reconciliation report (spec 4.4).
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReconcileReport {
    /// Credits still open, with no match proposed or one waiting for a person.
    pub unmatched: Vec<String>,
    /// Credits flagged as paying an invoice already paid.
    pub duplicates: Vec<String>,
    /// Matched credits larger than what they paid (the rest is the customer's credit).
    pub overpayments: Vec<String>,
    /// Matched credits short of the amount due (a fee, or a partial payment).
    pub short_payments: Vec<String>,
    /// Automatic matches made, and how many of them were undone.
    pub automatic: usize,
    pub automatic_undone: usize,
    /// The share of automatic matches that stood, as a percentage with two decimals; none
    /// before any.
    pub accuracy: Option<String>,
}

/// A stored payment of a match: its fact (a payment of an invoice), or a payment of no invoice
/// that is the customer's credit (`credit`; then `fact_id` is that payment's id and
/// `invoice_id` empty).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Paid {
    fact_id: String,
    invoice_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    credit: Option<Credited>,
}

fn store_err(e: impl std::fmt::Display) -> Error {
    Error::Store(e.to_string())
}

fn unknown(id: &str) -> Error {
    Error::Unknown { what: "bank transaction", id: id.to_owned() }
}

/// `hundredths` as a percentage: 9950 → `99.50`.
fn percent(num: usize, den: usize) -> Option<String> {
    let bp = (num * 10_000).checked_div(den)?;
    Some(format!("{}.{:02}", bp / 100, bp % 100))
}

struct Row {
    credit: BankCredit,
    minor: i64,
    payments: Vec<Paid>,
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let proposal: Option<String> = r.get(10)?;
    let (allocations, reasons): (Vec<CreditAllocation>, Vec<String>) =
        proposal.and_then(|p| serde_json::from_str(&p).ok()).unwrap_or_default();
    let payments: Option<String> = r.get(12)?;
    let currency: String = r.get(3)?;
    let minor: i64 = r.get(2)?;
    let amount = Currency::parse(&currency).map(|c| Money::from_minor(minor, c).amount()).unwrap_or_default();
    Ok(Row {
        credit: BankCredit {
            id: r.get(0)?,
            booked_on: r.get(1)?,
            amount,
            currency,
            payer: r.get(4)?,
            reference: r.get(5)?,
            description: r.get(6)?,
            state: r.get(7)?,
            decision: r.get(8)?,
            confidence: r.get::<_, Option<u8>>(9)?,
            allocations,
            reasons,
            matched_by: r.get(11)?,
            undone: r.get::<_, i64>(13)? != 0,
            credited: None,
        },
        minor,
        payments: payments.and_then(|p| serde_json::from_str(&p).ok()).unwrap_or_default(),
    })
    .map(|mut row: Row| {
        row.credit.credited = row.payments.iter().find_map(|p| p.credit.clone());
        row
    })
}

const COLUMNS: &str = "id, booked_on, amount_minor, currency, payer, reference, description, state, decision, \
                       confidence, proposal, matched_by, payments, undone";

fn load(tx: &Transaction<'_>, id: &str) -> Result<Row> {
    tx.query_row(&format!("SELECT {COLUMNS} FROM bank_transactions WHERE id = ?1"), params![id], row)
        .optional()
        .map_err(db)?
        .ok_or_else(|| unknown(id))
}

/// An open credit (money in), or why it cannot be acted on.
fn open_credit(tx: &Transaction<'_>, id: &str) -> Result<Row> {
    let current = load(tx, id)?;
    if current.credit.state != "open" {
        return Err(Error::BadArgument(format!("{id} is {}: undo it first", current.credit.state)));
    }
    if current.minor <= 0 {
        return Err(Error::BadArgument(format!("{id} is a debit: only money in is a customer's payment")));
    }
    Ok(current)
}

fn learned(conn: &rusqlite::Connection) -> Result<Learned> {
    let text: Option<String> = conn
        .query_row("SELECT value FROM sync_cursors WHERE name = ?1", params![LEARNED], |r| r.get(0))
        .optional()
        .map_err(db)?;
    text.map_or(Ok(Learned::default()), |t| serde_json::from_str(&t).map_err(store_err))
}

/// The invoices' views by id, as the matcher and the lessons read them.
fn invoice_inputs(views: &[Value]) -> HashMap<String, InvoiceInput> {
    views
        .iter()
        .filter_map(|v| serde_json::from_value::<InvoiceInput>(v.clone()).ok())
        .map(|i| (i.id.clone(), i))
        .collect()
}

impl Replica {
    /// Reads a bank statement (`format` or the one its content shows) and keeps its
    /// transactions; one imported before is left as it is.
    pub fn import_statement(&mut self, data: &[u8], format: Option<Format>) -> Result<StatementImport> {
        let format = format.unwrap_or_else(|| Format::sniff(data));
        let imported =
            statement::read(data, format, &statement::csv::Options::default()).map_err(Error::BadArgument)?;
        let at = now();
        let new = self.write(|tx| {
            let mut insert = tx
                .prepare(
                    "INSERT OR IGNORE INTO bank_transactions
                         (id, booked_on, amount_minor, currency, payer, reference, description, imported_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .map_err(db)?;
            let mut new = 0;
            for t in &imported.transactions {
                new += insert
                    .execute(params![
                        t.id,
                        t.date.to_string(),
                        t.amount.minor(),
                        t.amount.currency().code(),
                        t.payer,
                        t.reference,
                        t.description,
                        at
                    ])
                    .map_err(db)?;
            }
            Ok(new)
        })?;
        let errors = imported.errors.into_iter().map(|LineError { line, message }| StatementError { line, message });
        Ok(StatementImport {
            format: serde_json::to_value(format).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
            read: imported.transactions.len(),
            new,
            duplicates: imported.duplicates,
            errors: errors.collect(),
        })
    }

    /// The imported credits, oldest first; `state` filters (`open`, `matched`, `ignored`).
    pub fn bank_credits(&self, state: Option<&str>) -> Result<Vec<BankCredit>> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {COLUMNS} FROM bank_transactions WHERE amount_minor > 0 AND (?1 IS NULL OR state = ?1)
                 ORDER BY booked_on, id"
            ))
            .map_err(db)?;
        let rows = stmt.query_map(params![state], row).map_err(db)?;
        let mut credits: Vec<BankCredit> = rows.map(|r| r.map(|r| r.credit).map_err(db)).collect::<Result<_>>()?;
        let mut number = self.conn.prepare("SELECT number FROM invoices WHERE id = ?1").map_err(db)?;
        for a in credits.iter_mut().flat_map(|c| c.allocations.iter_mut()) {
            a.number = number.query_row(params![a.invoice_id], |r| r.get(0)).optional().map_err(db)?.flatten();
        }
        Ok(credits)
    }

    /// Matches every open credit to the open invoices; automatic matches are recorded at once.
    pub fn reconcile(&mut self) -> Result<RunReport> {
        let invoices = invoice_inputs(&self.invoices(&InvoiceFilter::default())?);
        let book: Vec<InvoiceInput> = invoices.values().cloned().collect();
        let learned = learned(&self.conn)?;
        let device = self.device.clone();
        self.write(|tx| {
            let open: Vec<Row> = {
                let mut stmt = tx
                    .prepare(&format!(
                        "SELECT {COLUMNS} FROM bank_transactions WHERE state = 'open' AND amount_minor > 0"
                    ))
                    .map_err(db)?;
                let rows = stmt.query_map([], row).map_err(db)?;
                rows.collect::<rusqlite::Result<_>>().map_err(db)?
            };
            let credits = open.iter().map(to_transaction).collect::<Result<Vec<_>>>()?;
            let undone: HashMap<&str, bool> = open.iter().map(|r| (r.credit.id.as_str(), r.credit.undone)).collect();
            let results = match_learned(&book, &credits, &learned).map_err(Error::BadArgument)?;
            let mut report = RunReport::default();
            for r in results {
                let allocations: Vec<CreditAllocation> = r
                    .allocations
                    .iter()
                    .map(|Allocation { invoice_id, amount }| CreditAllocation {
                        invoice_id: invoice_id.clone(),
                        amount: amount.clone(),
                        number: None,
                    })
                    .collect();
                let mut reasons = r.reasons.clone();
                let mut decision = r.decision;
                // Taken back once: a person decides this one from now on.
                if decision == Decision::Auto && undone.get(r.transaction_id.as_str()) == Some(&true) {
                    decision = Decision::Suggest;
                    reasons.push(UNDONE.into());
                }
                let proposal = serde_json::to_string(&(&allocations, &reasons)).map_err(store_err)?;
                let name = serde_json::to_value(decision).map_err(store_err)?.as_str().unwrap_or("review").to_owned();
                tx.execute(
                    "UPDATE bank_transactions SET decision = ?2, confidence = ?3, proposal = ?4 WHERE id = ?1",
                    params![r.transaction_id, name, r.confidence, proposal],
                )
                .map_err(db)?;
                match decision {
                    Decision::Auto => match apply(tx, &device, &r.transaction_id, &allocations, "auto") {
                        Ok(()) => report.matched += 1,
                        Err(e) => {
                            report.failed += 1;
                            let mut reasons = reasons.clone();
                            reasons.push(format!("could not be recorded: {e}"));
                            let proposal = serde_json::to_string(&(&allocations, &reasons)).map_err(store_err)?;
                            tx.execute(
                                "UPDATE bank_transactions SET decision = 'review', proposal = ?2 WHERE id = ?1",
                                params![r.transaction_id, proposal],
                            )
                            .map_err(db)?;
                        }
                    },
                    Decision::Suggest => report.suggested += 1,
                    Decision::Review => report.review += 1,
                }
            }
            Ok(report)
        })
    }

    /// Approves the match proposed for a credit (a suggestion, or the likely candidates of
    /// one under review): records its payments and learns from it.
    pub fn approve_credit(&mut self, id: &str) -> Result<BankCredit> {
        let proposal = self.read_credit(id)?;
        if proposal.allocations.is_empty() {
            return Err(Error::BadArgument(format!("{id}: no match is proposed; pick the invoices it pays")));
        }
        self.assign_credit(id, proposal.allocations)
    }

    /// Approves every suggestion; returns how many.
    pub fn approve_suggestions(&mut self) -> Result<usize> {
        let suggested: Vec<String> = self
            .bank_credits(Some("open"))?
            .into_iter()
            .filter(|c| c.decision.as_deref() == Some("suggest") && !c.allocations.is_empty())
            .map(|c| c.id)
            .collect();
        for id in &suggested {
            self.approve_credit(id)?;
        }
        Ok(suggested.len())
    }

    /// A person's match: the credit pays these invoices these amounts (their sum at most the
    /// credit). Records the payments and learns from it.
    pub fn assign_credit(&mut self, id: &str, allocations: Vec<CreditAllocation>) -> Result<BankCredit> {
        let invoices = invoice_inputs(&self.invoices(&InvoiceFilter::default())?);
        let device = self.device.clone();
        let mut learned = learned(&self.conn)?;
        self.write(|tx| {
            let current = open_credit(tx, id)?;
            let currency = Currency::parse(&current.credit.currency)?;
            let mut sum = 0_i64;
            let mut customer = None;
            for a in &allocations {
                let inv = invoices.get(&a.invoice_id).ok_or_else(|| super::invoices::unknown(&a.invoice_id))?;
                if *customer.get_or_insert(&inv.customer.id) != &inv.customer.id {
                    return Err(Error::BadArgument(
                        "one bank credit pays invoices of one customer: these are of several".into(),
                    ));
                }
                if inv.currency != currency.code() {
                    return Err(Error::BadArgument(format!(
                        "{} is in {}, the credit in {}",
                        a.invoice_id,
                        inv.currency,
                        currency.code()
                    )));
                }
                sum = sum.saturating_add(Money::parse(&a.amount, currency)?.minor());
            }
            if allocations.is_empty() || sum > current.minor {
                return Err(Error::BadArgument(format!(
                    "the amounts must add up to at most the credit's {} (they add up to {})",
                    current.credit.amount,
                    Money::from_minor(sum, currency).amount()
                )));
            }
            apply(tx, &device, id, &allocations, "person")?;
            let paid = allocations.iter().map(|a| a.invoice_id.as_str());
            teach(tx, &mut learned, &current, paid, &invoices, None, false)?;
            load(tx, id).map(|r| r.credit)
        })
    }

    /// Marks a credit as not a customer's payment (interest, a refund from a supplier).
    pub fn ignore_credit(&mut self, id: &str) -> Result<BankCredit> {
        self.write(|tx| {
            open_credit(tx, id)?;
            tx.execute("UPDATE bank_transactions SET state = 'ignored' WHERE id = ?1", params![id]).map_err(db)?;
            load(tx, id).map(|r| r.credit)
        })
    }

    /// From the review queue: a credit that pays no invoice recorded as the customer's credit
    /// (an overpayment or a prepayment), one bank-transfer payment of no invoice queued for the
    /// server. Teaches the matcher that the payer is this customer.
    pub fn credit_customer(&mut self, id: &str, customer_id: &str) -> Result<BankCredit> {
        let customer = self.customer(customer_id)?;
        let mut learned = learned(&self.conn)?;
        self.write(|tx| {
            let current = open_credit(tx, id)?;
            let (at, amount) = booked(tx, id)?;
            if let Some(c) = customer.currency.filter(|c| *c != amount.currency()) {
                return Err(Error::BadArgument(format!(
                    "{} pays in {c}, the credit is in {}",
                    customer.name,
                    amount.currency()
                )));
            }
            let paid = credit_payment(tx, id, at, amount, customer.id.to_string(), customer.name.clone())?;
            let credited = paid.credit.clone();
            matched(tx, id, "person", &[paid])?;
            let reasons = ["recorded as the customer's credit (an overpayment) from the review queue".to_owned()];
            set_proposal(tx, id, &[], &reasons)?;
            teach(tx, &mut learned, &current, std::iter::empty(), &HashMap::new(), credited.as_ref(), false)?;
            load(tx, id).map(|r| r.credit)
        })
    }

    /// From the review queue: an invoice made for a credit that pays none (a deposit, a sale
    /// not invoiced yet) — one line of the credit's amount, no tax, issued today — and paid by
    /// it. Issuing needs a number: this device's lease (or, never connected, its own series);
    /// without one nothing is made and the error says why.
    pub fn invoice_for_credit(&mut self, id: &str, customer_id: &str, description: Option<&str>) -> Result<BankCredit> {
        let credit = self.read_credit(id)?;
        let text = description.map(str::trim).filter(|d| !d.is_empty());
        let draft = super::Draft {
            customer_id: customer_id.to_owned(),
            currency: Some(credit.currency.clone()),
            lines: vec![super::DraftLine {
                description: text.map_or_else(|| format!("Payment received {}", credit.booked_on), str::to_owned),
                quantity: "1".into(),
                unit_price: credit.amount.clone(),
                tax_rate: "0".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let invoice = self.build(&draft, None)?;
        let device = self.device.clone();
        let mut learned = learned(&self.conn)?;
        self.write(|tx| {
            let current = open_credit(tx, id)?;
            let key = invoice.id.to_string();
            super::save_document(tx, &key, super::invoices::KIND, &remit_core::crdt::create(&invoice)?.save())?;
            let issued = super::invoices::issue_in(tx, &device, &key).map_err(|e| match e {
                Error::IssueNeedsServer(_, why) => Error::BadArgument(format!(
                    "no invoice was made: issuing takes the next number of the series, and {why}; sync to renew \
                     the number block, or make it from the server's review queue"
                )),
                other => other,
            })?;
            let allocation = CreditAllocation { invoice_id: key.clone(), amount: credit.amount.clone(), number: None };
            apply(tx, &device, id, std::slice::from_ref(&allocation), "person")?;
            set_proposal(tx, id, &[allocation], &["an invoice was made for it from the review queue".to_owned()])?;
            // Its number and customer, as issued, are what it teaches.
            let made: HashMap<String, InvoiceInput> = invoice_inputs(&[issued]);
            teach(tx, &mut learned, &current, std::iter::once(key.as_str()), &made, None, false)?;
            load(tx, id).map(|r| r.credit)
        })
    }

    /// Takes back what was done with a credit: its payments are dropped (still queued) or
    /// voided (the server has them), what a person's match taught is forgotten, and the credit
    /// is open again. An automatic match undone is never made automatically again.
    pub fn undo_credit(&mut self, id: &str) -> Result<BankCredit> {
        let invoices = invoice_inputs(&self.invoices(&InvoiceFilter::default())?);
        let device = self.device.clone();
        let mut learned = learned(&self.conn)?;
        self.write(|tx| {
            let current = load(tx, id)?;
            match current.credit.state.as_str() {
                "open" => return Err(Error::BadArgument(format!("{id} is open: there is nothing to undo"))),
                "ignored" => {}
                _ => {
                    for p in &current.payments {
                        take_back(tx, &device, p)?;
                    }
                    if current.credit.matched_by.as_deref() == Some("person") {
                        let paid = current.payments.iter().map(|p| p.invoice_id.as_str());
                        let credited = current.credit.credited.as_ref();
                        teach(tx, &mut learned, &current, paid, &invoices, credited, true)?;
                    }
                }
            }
            let undone_auto = current.credit.matched_by.as_deref() == Some("auto");
            tx.execute(
                "UPDATE bank_transactions SET state = 'open', matched_by = NULL, payments = NULL,
                     undone = undone + ?2 WHERE id = ?1",
                params![id, i64::from(undone_auto)],
            )
            .map_err(db)?;
            if undone_auto {
                // Shown as what it now is: a suggestion a person approves, or not.
                let mut reasons = current.credit.reasons.clone();
                reasons.push(UNDONE.into());
                let proposal = serde_json::to_string(&(&current.credit.allocations, &reasons)).map_err(store_err)?;
                tx.execute(
                    "UPDATE bank_transactions SET decision = 'suggest', confidence = MIN(confidence, 94), proposal = ?2
                     WHERE id = ?1",
                    params![id, proposal],
                )
                .map_err(db)?;
            }
            load(tx, id).map(|r| r.credit)
        })
    }

    /// Unmatched credits, duplicates, over- and short payments, and how many automatic
    /// matches stood.
    pub fn reconcile_report(&self) -> Result<ReconcileReport> {
        let mut report = ReconcileReport::default();
        let mut automatic_ever = 0;
        for c in self.bank_credits(None)? {
            let paid: i64 = c
                .allocations
                .iter()
                .filter_map(|a| Currency::parse(&c.currency).ok().and_then(|cur| Money::parse(&a.amount, cur).ok()))
                .map(Money::minor)
                .sum();
            let amount = Currency::parse(&c.currency).ok().and_then(|cur| Money::parse(&c.amount, cur).ok());
            let amount = amount.map_or(0, Money::minor);
            if c.undone {
                report.automatic_undone += 1;
                automatic_ever += 1;
            }
            if c.matched_by.as_deref() == Some("auto") {
                automatic_ever += 1;
            }
            match c.state.as_str() {
                "open" => {
                    if c.reasons.iter().any(|r| r.contains("possible duplicate")) {
                        report.duplicates.push(c.id.clone());
                    }
                    report.unmatched.push(c.id);
                }
                "matched" if amount > paid => report.overpayments.push(c.id),
                "matched" if c.reasons.iter().any(|r| r.contains("short by") || r.contains("partial")) => {
                    report.short_payments.push(c.id)
                }
                _ => {}
            }
        }
        report.automatic = automatic_ever;
        report.accuracy = percent(automatic_ever - report.automatic_undone, automatic_ever);
        Ok(report)
    }

    fn read_credit(&self, id: &str) -> Result<BankCredit> {
        self.conn
            .query_row(&format!("SELECT {COLUMNS} FROM bank_transactions WHERE id = ?1"), params![id], row)
            .optional()
            .map_err(db)?
            .map(|r| r.credit)
            .ok_or_else(|| unknown(id))
    }
}

fn to_transaction(r: &Row) -> Result<BankTransaction> {
    let currency = Currency::parse(&r.credit.currency)?;
    Ok(BankTransaction {
        id: r.credit.id.clone(),
        date: r.credit.booked_on.parse().map_err(store_err)?,
        amount: Money::from_minor(r.minor, currency),
        payer: r.credit.payer.clone(),
        reference: r.credit.reference.clone(),
        description: r.credit.description.clone(),
    })
}

/// Teaches (or, undone, un-teaches) the matcher what a person's match says: for each
/// customer whose invoices among `invoice_ids` the credit paid (or, paying none, whose credit
/// it became), its payer and codes; kept in `tx`.
fn teach<'a>(
    tx: &Transaction<'_>,
    learned: &mut Learned,
    credit: &Row,
    invoice_ids: impl Iterator<Item = &'a str>,
    invoices: &HashMap<String, InvoiceInput>,
    credited: Option<&Credited>,
    forget: bool,
) -> Result<()> {
    let t = to_transaction(credit)?;
    let mut by_customer: Vec<(&str, &str, Vec<&str>)> = Vec::new();
    for inv in invoice_ids.filter_map(|id| invoices.get(id)) {
        let number = inv.number.as_deref().unwrap_or("");
        match by_customer.iter_mut().find(|(id, ..)| *id == inv.customer.id) {
            Some((.., numbers)) => numbers.push(number),
            None => by_customer.push((&inv.customer.id, &inv.customer.name, vec![number])),
        }
    }
    if let Some(c) = credited.filter(|_| by_customer.is_empty()) {
        by_customer.push((&c.customer_id, &c.customer_name, Vec::new()));
    }
    for (customer_id, customer_name, numbers) in by_customer {
        let c = Confirmed { transaction: &t, customer_id, customer_name, invoice_numbers: &numbers };
        if forget { learned.forget(&c) } else { learned.learn(&c) }
    }
    put_setting(tx, LEARNED, &serde_json::to_string(learned).map_err(store_err)?)
}

/// Records the payments of a match (bank transfers, at the date the bank booked the credit)
/// and marks the credit matched, in `tx`: all of them or none. What the credit brought beyond
/// the allocations is the customer's credit (the first allocation's customer). The server is
/// asked for the customer's receipt.
fn apply(
    tx: &Transaction<'_>,
    device: &super::Device,
    id: &str,
    allocations: &[CreditAllocation],
    by: &str,
) -> Result<()> {
    let (at, total) = booked(tx, id)?;
    tx.execute("SAVEPOINT apply_match", []).map_err(db)?;
    let recorded = (|| -> Result<Vec<Paid>> {
        let mut paid = Vec::with_capacity(allocations.len() + 1);
        let mut left = total;
        let mut customer = None;
        for a in allocations {
            let (fact_id, view) =
                record_payment_in(tx, device, &a.invoice_id, &a.amount, PaymentMethod::BankTransfer, at)?;
            tx.execute("UPDATE facts SET receipt = ?2 WHERE id = ?1", params![fact_id.to_string(), id]).map_err(db)?;
            left = left.checked_sub(Money::parse(&a.amount, total.currency())?)?;
            customer = customer.or_else(|| {
                Some((view["customer"]["id"].as_str()?.to_owned(), view["customer"]["name"].as_str()?.to_owned()))
            });
            paid.push(Paid { fact_id: fact_id.to_string(), invoice_id: a.invoice_id.clone(), credit: None });
        }
        if let Some((customer_id, customer_name)) = customer.filter(|_| left.is_positive()) {
            paid.push(credit_payment(tx, id, at, left, customer_id, customer_name)?);
        }
        Ok(paid)
    })();
    let paid = match recorded {
        Ok(paid) => paid,
        Err(e) => {
            tx.execute_batch("ROLLBACK TO apply_match; RELEASE apply_match").map_err(db)?;
            return Err(e);
        }
    };
    tx.execute("RELEASE apply_match", []).map_err(db)?;
    matched(tx, id, by, &paid)
}

/// When the bank booked the credit (as a time: midnight UTC) and its amount.
fn booked(tx: &Transaction<'_>, id: &str) -> Result<(chrono::DateTime<chrono::Utc>, Money)> {
    let (booked_on, minor, currency): (String, i64, String) = tx
        .query_row("SELECT booked_on, amount_minor, currency FROM bank_transactions WHERE id = ?1", params![id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .map_err(db)?;
    let day: NaiveDate = booked_on.parse().map_err(store_err)?;
    Ok((day.and_time(NaiveTime::MIN).and_utc(), Money::from_minor(minor, Currency::parse(&currency)?)))
}

/// Queues `amount` of the bank credit `id` as the customer's credit.
fn credit_payment(
    tx: &Transaction<'_>,
    id: &str,
    at: chrono::DateTime<chrono::Utc>,
    amount: Money,
    customer_id: String,
    customer_name: String,
) -> Result<Paid> {
    let payment = super::credit_payments::record(tx, &customer_id, amount, PaymentMethod::BankTransfer, at, Some(id))?;
    let credit = Credited { customer_id, customer_name, amount: amount.amount() };
    Ok(Paid { fact_id: payment, invoice_id: String::new(), credit: Some(credit) })
}

fn matched(tx: &Transaction<'_>, id: &str, by: &str, paid: &[Paid]) -> Result<()> {
    let payments = serde_json::to_string(paid).map_err(store_err)?;
    tx.execute(
        "UPDATE bank_transactions SET state = 'matched', matched_by = ?2, payments = ?3 WHERE id = ?1",
        params![id, by, payments],
    )
    .map_err(db)?;
    Ok(())
}

/// Takes one payment back: dropped while it waits in the outbox unsent, voided once the server
/// has it or may have it, nothing to do if the server refused it.
fn take_back(tx: &Transaction<'_>, device: &super::Device, p: &Paid) -> Result<()> {
    if p.credit.is_some() {
        return super::credit_payments::take_back(tx, &p.fact_id);
    }
    let found: Option<(String, String, bool)> = tx
        .query_row("SELECT state, body, pushed FROM facts WHERE id = ?1", params![p.fact_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()
        .map_err(db)?;
    let Some((state, body, pushed)) = found else { return Ok(()) };
    match (state.as_str(), pushed) {
        ("queued", false) => {
            tx.execute("DELETE FROM facts WHERE id = ?1", params![p.fact_id]).map_err(db)?;
        }
        // Sent without an answer heard: the server may have it. It goes again (known: nothing
        // new) and is voided after it.
        ("accepted", _) | ("queued", true) => {
            // A payment taken back is thanked for by no receipt.
            tx.execute("UPDATE facts SET receipt = NULL WHERE id = ?1", params![p.fact_id]).map_err(db)?;
            let recorded: Fact = serde_json::from_str(&body).map_err(store_err)?;
            let FactKind::PaymentRecorded { payment_id, .. } = recorded.kind else {
                return Err(Error::Store(format!("fact {} is not a payment", p.fact_id)));
            };
            let fact = Fact {
                id: FactId::from_uuid(Uuid::now_v7()),
                tenant_id: device.tenant_id,
                invoice_id: recorded.invoice_id,
                actor: Actor::User(device.user_id),
                device_id: Some(device.device_id),
                at: chrono::Utc::now(),
                kind: FactKind::PaymentVoided { payment_id, reason: "reconciliation undone".into() },
            };
            tx.execute(
                "INSERT INTO facts (id, invoice_id, body, state, created_at) VALUES (?1, ?2, ?3, 'queued', ?4)",
                params![fact.id.to_string(), p.invoice_id, serde_json::to_string(&fact).map_err(store_err)?, now()],
            )
            .map_err(db)?;
        }
        _ => return Ok(()),
    }
    super::invoices::reproject(tx, &p.invoice_id)
}

/// The server refused to take back `payment`, a customer's credit that bank credit `id` left:
/// the credit stands there, so here the bank credit is matched to it again (never matched a
/// second time), saying why.
pub(super) fn credit_kept(
    tx: &Transaction<'_>,
    id: &str,
    payment: &str,
    customer_id: &str,
    amount: Money,
    reason: &str,
) -> Result<()> {
    let Some(current) = load(tx, id).ok().filter(|r| r.credit.state == "open") else { return Ok(()) };
    let customer_name: String = tx
        .query_row("SELECT name FROM customers WHERE id = ?1", params![customer_id], |r| r.get(0))
        .optional()
        .map_err(db)?
        .unwrap_or_default();
    let credit = Credited { customer_id: customer_id.to_owned(), customer_name, amount: amount.amount() };
    matched(
        tx,
        id,
        "person",
        &[Paid { fact_id: payment.to_owned(), invoice_id: String::new(), credit: Some(credit) }],
    )?;
    let mut reasons = current.credit.reasons;
    reasons.push(format!("the server refused to take its customer's credit back, so it stands: {reason}"));
    set_proposal(tx, id, &[], &reasons)
}

/// Adds `text` to the reasons shown with bank credit `id` (a receipt the server could not send).
pub(super) fn note(tx: &Transaction<'_>, id: &str, text: &str) -> Result<()> {
    let Ok(current) = load(tx, id) else { return Ok(()) };
    let mut reasons = current.credit.reasons;
    reasons.push(text.to_owned());
    set_proposal(tx, id, &current.credit.allocations, &reasons)
}

/// Keeps the allocations and reasons shown with bank credit `id`.
fn set_proposal(tx: &Transaction<'_>, id: &str, allocations: &[CreditAllocation], reasons: &[String]) -> Result<()> {
    let proposal = serde_json::to_string(&(allocations, reasons)).map_err(store_err)?;
    tx.execute("UPDATE bank_transactions SET proposal = ?2 WHERE id = ?1", params![id, proposal]).map_err(db)?;
    Ok(())
}
