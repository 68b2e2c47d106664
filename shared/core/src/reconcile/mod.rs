//! The reconciliation matcher (spec 4.4): bank credits matched to open invoices, the same code
//! on a device and on the server. Candidates come from indexes (amount due, invoice-number
//! keys, payer names), never from a scan of every invoice; each candidate is scored per signal
//! with the reason in words, and the score decides: 95 and up automatic, 70 to 95 a suggestion,
//! below 70 a person reviews the likely candidates. A credit may pay several invoices of one
//! customer; short payments within a fee tolerance, partial payments and overpayments are
//! recognised; a second payment of an invoice already paid in the same run is flagged.

pub mod learn;
mod score;
pub mod tokens;

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::currency::Currency;
use crate::money::Money;
use crate::statement::BankTransaction;

/// An invoice as the API shows it (the fields the matcher reads).
#[derive(Debug, Clone, Deserialize)]
pub struct InvoiceInput {
    pub id: String,
    pub number: Option<String>,
    pub status: String,
    pub customer: CustomerRef,
    pub currency: String,
    pub total: String,
    pub amount_due: String,
    pub issue_date: NaiveDate,
    pub due_date: NaiveDate,
    /// An ISO 11649 creditor reference printed on the invoice, if any.
    #[serde(default)]
    pub reference: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CustomerRef {
    pub id: String,
    pub name: String,
}

/// An open invoice, read once.
#[derive(Debug, Clone)]
pub struct Open {
    pub id: String,
    pub number: Option<String>,
    pub customer_id: String,
    pub customer_name: String,
    /// `tokens::name_key` of the customer's name, computed once.
    pub name_key: String,
    pub due: Money,
    pub total: Money,
    pub issue_date: NaiveDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Auto,
    Suggest,
    Review,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Allocation {
    pub invoice_id: String,
    pub amount: String,
}

/// The matcher's answer for one credit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatchResult {
    pub transaction_id: String,
    pub decision: Decision,
    pub confidence: u8,
    pub allocations: Vec<Allocation>,
    pub reasons: Vec<String>,
}

const CLOSED: [&str; 6] = ["draft", "paid", "voided", "written_off", "refunded", "pending_approval"];

/// The invoices that can still be paid; one that cannot be read is an error naming it.
pub fn open_invoices(input: &[InvoiceInput]) -> Result<Vec<Open>, String> {
    let mut out = Vec::with_capacity(input.len());
    for (i, v) in input.iter().enumerate() {
        let bad = |e: crate::Error| format!("data[{i}] ({}): {e}", v.id);
        let currency = Currency::parse(&v.currency).map_err(bad)?;
        let due = Money::parse(&v.amount_due, currency).map_err(bad)?;
        if CLOSED.contains(&v.status.as_str()) || !due.is_positive() {
            continue;
        }
        out.push(Open {
            id: v.id.clone(),
            number: v.number.clone(),
            customer_id: v.customer.id.clone(),
            customer_name: v.customer.name.clone(),
            name_key: tokens::name_key(&v.customer.name),
            due,
            total: Money::parse(&v.total, currency).map_err(bad)?,
            issue_date: v.issue_date,
        });
    }
    Ok(out)
}

/// Where candidates are found.
struct Index {
    by_due: HashMap<(Currency, i64), Vec<usize>>,
    by_key: HashMap<String, Vec<usize>>,
    by_weak_key: HashMap<String, Vec<usize>>,
    by_name: HashMap<String, Vec<usize>>,
    by_customer: HashMap<String, Vec<usize>>,
    by_reference: HashMap<String, usize>,
}

impl Index {
    fn new(open: &[Open], references: &HashMap<String, String>) -> Index {
        let mut ix = Index {
            by_due: HashMap::new(),
            by_key: HashMap::new(),
            by_weak_key: HashMap::new(),
            by_name: HashMap::new(),
            by_customer: HashMap::new(),
            by_reference: HashMap::new(),
        };
        for (i, inv) in open.iter().enumerate() {
            ix.by_due.entry((inv.due.currency(), inv.due.minor())).or_default().push(i);
            if let Some(number) = &inv.number {
                let (strong, weak) = tokens::invoice_keys(number);
                if let Some(k) = strong {
                    ix.by_key.entry(k).or_default().push(i);
                }
                if let Some(k) = weak {
                    ix.by_weak_key.entry(k).or_default().push(i);
                }
            }
            ix.by_name.entry(inv.name_key.clone()).or_default().push(i);
            ix.by_customer.entry(inv.customer_id.clone()).or_default().push(i);
            if let Some(rf) = references.get(&inv.id) {
                ix.by_reference.insert(rf.clone(), i);
            }
        }
        ix
    }
}

/// Matches every credit of `transactions` (debits are not payments and get no result) against
/// `invoices`, in date order, each invoice's amount due going down as credits are allocated.
pub fn match_all(invoices: &[InvoiceInput], transactions: &[BankTransaction]) -> Result<Vec<MatchResult>, String> {
    match_learned(invoices, transactions, &learn::Learned::default())
}

/// `match_all` with what confirmed matches taught (payer aliases, customers' codes).
pub fn match_learned(
    invoices: &[InvoiceInput],
    transactions: &[BankTransaction],
    learned: &learn::Learned,
) -> Result<Vec<MatchResult>, String> {
    let mut open = open_invoices(invoices)?;
    let references: HashMap<String, String> = invoices
        .iter()
        .filter_map(|v| Some((v.id.clone(), tokens::creditor_reference(v.reference.as_deref()?)?)))
        .collect();
    let index = Index::new(&open, &references);
    let mut order: Vec<&BankTransaction> = transactions.iter().filter(|t| t.amount.is_positive()).collect();
    order.sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
    let mut paid_in_run: HashMap<usize, Money> = HashMap::new();
    let mut out = Vec::with_capacity(order.len());
    for t in order {
        let result = score::best(t, &open, &index, &paid_in_run, learned);
        for (i, amount) in &result.applied {
            paid_in_run.insert(*i, *amount);
            let left = open[*i].due.checked_sub(*amount).map_err(|e| e.to_string())?;
            open[*i].due = left.clamp_non_negative();
        }
        out.push(result.result);
    }
    Ok(out)
}
