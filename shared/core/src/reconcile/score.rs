//! Scoring one credit against its candidates: points per signal, each with its reason.

use std::collections::{BTreeMap, HashMap};

use super::{Allocation, Decision, Index, MatchResult, Open, tokens};
use crate::money::Money;
use crate::statement::BankTransaction;

const STRONG_REFERENCE: i32 = 60;
const CREDITOR_REFERENCE: i32 = 70;
const WEAK_REFERENCE: i32 = 35;
const EXACT_AMOUNT: i32 = 35;
const FEE_SHORT: i32 = 25;
const PARTIAL: i32 = 10;
const OVERPAID: i32 = 10;
const SAME_PAYER: i32 = 25;
const LIKE_PAYER: i32 = 10;
const ONLY_ONE_OF_AMOUNT: i32 = 15;
const BEFORE_ISSUE: i32 = -20;
/// Two candidates this close are not told apart with confidence: the decision drops a band.
const CLOSE: i32 = 10;

pub(super) struct Scored {
    pub result: MatchResult,
    /// (invoice index, amount) of what the decision allocates, when it is not a review.
    pub applied: Vec<(usize, Money)>,
}

#[derive(Default, Clone)]
struct Candidate {
    invoices: Vec<usize>,
    points: i32,
    reasons: Vec<String>,
    amounts: Vec<Money>,
}

fn label(open: &Open) -> String {
    open.number.clone().unwrap_or_else(|| open.id.clone())
}

/// A short payment a gateway or bank fee explains: up to 3 % of the amount due, or 10 units.
fn within_fee(short: Money, due: Money) -> bool {
    let unit = 10_i64.pow(due.currency().exponent());
    short.minor().saturating_mul(100) <= due.minor().saturating_mul(3) || short.minor() <= unit.saturating_mul(10)
}

fn money_points(t: &BankTransaction, due: Money, c: &mut Candidate, what: &str) {
    let amount = t.amount;
    match amount.minor().cmp(&due.minor()) {
        std::cmp::Ordering::Equal => {
            c.points += EXACT_AMOUNT;
            c.reasons.push(format!("amount {} equals what {what} owes", amount.amount()));
        }
        std::cmp::Ordering::Less => {
            let short = Money::from_minor(due.minor() - amount.minor(), due.currency());
            if within_fee(short, due) {
                c.points += FEE_SHORT;
                c.reasons.push(format!("short by {} of {}: a fee, within tolerance", short.amount(), due.amount()));
            } else {
                c.points += PARTIAL;
                c.reasons.push(format!("partial payment: {} of {}", amount.amount(), due.amount()));
            }
        }
        std::cmp::Ordering::Greater => {
            c.points += OVERPAID;
            let over = Money::from_minor(amount.minor() - due.minor(), due.currency());
            c.reasons.push(format!("overpays {} by {}: customer credit", due.amount(), over.amount()));
        }
    }
}

/// `payer`: the credit's payer and its name key.
fn payer_points(payer: Option<(&str, &str)>, inv: &Open, c: &mut Candidate) {
    let Some((payer, p)) = payer else { return };
    let n = inv.name_key.as_str();
    if !p.is_empty() && p == n {
        c.points += SAME_PAYER;
        c.reasons.push(format!("payer {payer:?} is the customer"));
    } else if !p.is_empty() && p.split(' ').any(|w| w.len() > 2 && n.split(' ').any(|x| x == w)) {
        c.points += LIKE_PAYER;
        c.reasons.push(format!("payer {payer:?} resembles {:?}", inv.customer_name));
    } else if c.points >= WEAK_REFERENCE {
        c.reasons.push(format!("paid by {payer:?}, not the customer, quoting the invoice"));
    }
}

/// Candidate invoices with the points of the reference each was found by.
fn referenced(t: &BankTransaction, open: &[Open], ix: &Index) -> BTreeMap<usize, (i32, String)> {
    let text = [t.reference.as_deref(), t.description.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
    let mut found: BTreeMap<usize, (i32, String)> = BTreeMap::new();
    let mut add = |i: usize, points: i32, why: String| {
        if open[i].due.currency() == t.amount.currency() && found.get(&i).is_none_or(|(p, _)| *p < points) {
            found.insert(i, (points, why));
        }
    };
    if let Some(rf) = tokens::creditor_reference(&text)
        && let Some(&i) = ix.by_reference.get(&rf)
    {
        add(i, CREDITOR_REFERENCE, format!("creditor reference {rf}"));
    }
    let (strong, weak) = tokens::text_keys(&text);
    for k in &strong {
        for &i in ix.by_key.get(k).into_iter().flatten() {
            add(i, STRONG_REFERENCE, format!("the text names {}", label(&open[i])));
        }
    }
    for k in &weak {
        for &i in ix.by_weak_key.get(k).into_iter().flatten() {
            add(i, WEAK_REFERENCE, format!("the text names {} in short", label(&open[i])));
        }
    }
    found
}

fn single(
    t: &BankTransaction,
    payer: Option<(&str, &str)>,
    i: usize,
    open: &[Open],
    reference: Option<&(i32, String)>,
    ix: &Index,
) -> Candidate {
    let inv = &open[i];
    let mut c = Candidate { invoices: vec![i], ..Candidate::default() };
    if let Some((points, why)) = reference {
        c.points += points;
        c.reasons.push(why.clone());
    }
    money_points(t, inv.due, &mut c, &label(inv));
    payer_points(payer, inv, &mut c);
    let same_amount = ix.by_due.get(&(t.amount.currency(), t.amount.minor())).map_or(0, Vec::len);
    if same_amount == 1 && inv.due == t.amount {
        c.points += ONLY_ONE_OF_AMOUNT;
        c.reasons.push("the only open invoice of this amount".into());
    }
    if t.date < inv.issue_date {
        c.points += BEFORE_ISSUE;
        c.reasons.push(format!("paid before {} was issued", label(inv)));
    }
    c.amounts = vec![if t.amount.minor() < inv.due.minor() { t.amount } else { inv.due }];
    c
}

/// Several referenced invoices of one customer whose amounts due add up to the credit.
fn together(
    t: &BankTransaction,
    payer: Option<(&str, &str)>,
    open: &[Open],
    refs: &BTreeMap<usize, (i32, String)>,
) -> Option<Candidate> {
    // Ordered, so that the same statement always gives the same answer.
    let mut by_customer: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for &i in refs.keys() {
        by_customer.entry(open[i].customer_id.as_str()).or_default().push(i);
    }
    let group = by_customer
        .into_values()
        .find(|g| g.len() >= 2 && g.iter().map(|&i| open[i].due.minor()).sum::<i64>() == t.amount.minor())?;
    let names: Vec<String> = group.iter().map(|&i| label(&open[i])).collect();
    let mut c = Candidate {
        invoices: group.clone(),
        points: refs[&group[0]].0.min(STRONG_REFERENCE) + EXACT_AMOUNT,
        reasons: vec![format!(
            "the text names {}, whose amounts due add up to {}",
            names.join(", "),
            t.amount.amount()
        )],
        amounts: group.iter().map(|&i| open[i].due).collect(),
    };
    payer_points(payer, &open[group[0]], &mut c);
    Some(c)
}

fn decision(points: i32) -> Decision {
    match points {
        p if p >= 95 => Decision::Auto,
        p if p >= 70 => Decision::Suggest,
        _ => Decision::Review,
    }
}

pub(super) fn best(t: &BankTransaction, open: &[Open], ix: &Index, paid_in_run: &HashMap<usize, Money>) -> Scored {
    let refs = referenced(t, open, ix);
    let payer_key = t.payer.as_deref().map(tokens::name_key);
    let payer = t.payer.as_deref().zip(payer_key.as_deref());
    let mut pool: Vec<usize> = refs.keys().copied().collect();
    pool.extend(ix.by_due.get(&(t.amount.currency(), t.amount.minor())).into_iter().flatten());
    // The payer's other invoices are candidates only if this credit could pay them in full or
    // in part (an overpayment is found by its reference or amount).
    if let Some(key) = &payer_key {
        let could_pay = |i: &&usize| open[**i].due.minor() >= t.amount.minor();
        pool.extend(ix.by_name.get(key).into_iter().flatten().filter(could_pay));
    }
    pool.sort_unstable();
    pool.dedup();
    let mut candidates: Vec<Candidate> = pool
        .iter()
        .filter(|&&i| open[i].due.currency() == t.amount.currency())
        .map(|&i| single(t, payer, i, open, refs.get(&i), ix))
        .collect();
    candidates.extend(together(t, payer, open, &refs));
    candidates.sort_by_key(|c| std::cmp::Reverse(c.points));
    let Some(top) = candidates.first().cloned() else {
        return Scored {
            result: MatchResult {
                transaction_id: t.id.clone(),
                decision: Decision::Review,
                confidence: 0,
                allocations: vec![],
                reasons: vec!["no open invoice matches the amount, the text or the payer".into()],
            },
            applied: vec![],
        };
    };
    let mut points = top.points.clamp(0, 100);
    let mut reasons = top.reasons.clone();
    let mut verdict = decision(points);
    if let Some(second) = candidates.get(1).filter(|s| top.points - s.points < CLOSE) {
        reasons.push(format!(
            "{} scores close ({} points)",
            second.invoices.iter().map(|&i| label(&open[i])).collect::<Vec<_>>().join(" + "),
            second.points.clamp(0, 100)
        ));
        verdict = if verdict == Decision::Auto { Decision::Suggest } else { Decision::Review };
    }
    // Paid already by an earlier credit of this statement and nothing left: a duplicate.
    if top.invoices.iter().any(|i| paid_in_run.contains_key(i) && !open[*i].due.is_positive()) {
        reasons.push("possible duplicate: an earlier credit in this statement already paid it".into());
        (verdict, points) = (Decision::Review, points.min(50));
    }
    let allocations = top
        .invoices
        .iter()
        .zip(&top.amounts)
        .map(|(&i, m)| Allocation { invoice_id: open[i].id.clone(), amount: m.amount() })
        .collect();
    let applied =
        if verdict == Decision::Review { vec![] } else { top.invoices.iter().copied().zip(top.amounts).collect() };
    let confidence = u8::try_from(points).unwrap_or(0);
    Scored {
        result: MatchResult { transaction_id: t.id.clone(), decision: verdict, confidence, allocations, reasons },
        applied,
    }
}
