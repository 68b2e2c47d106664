//! Scoring one credit against its candidates: points per signal, each with its reason.

use std::collections::{BTreeMap, HashMap};

use super::learn::Learned;
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
/// A code in the text that a person confirmed as this customer's before.
const LEARNED_CODE: i32 = 25;
/// The payer is another customer of ours: the text may name this invoice by mistake.
const OTHER_CUSTOMER: i32 = -15;
/// Neither the payer nor the amount agrees with the reference.
const ONLY_THE_REFERENCE: i32 = -10;
/// Two candidates this close are not told apart with confidence: the decision drops a band.
const CLOSE: i32 = 10;

pub(super) struct Scored {
    pub result: MatchResult,
    /// (invoice index, amount) of what the decision allocates, when it is not a review.
    pub applied: Vec<(usize, Money)>,
}

#[derive(Default, Clone)]
struct Candidate {
    /// The amount is what is due, or short of it by a fee.
    amount_fits: bool,
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
            c.amount_fits = true;
            c.points += EXACT_AMOUNT;
            c.reasons.push(format!("amount {} equals what {what} owes", amount.amount()));
        }
        std::cmp::Ordering::Less => {
            let short = Money::from_minor(due.minor() - amount.minor(), due.currency());
            if within_fee(short, due) {
                c.amount_fits = true;
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

/// What confirmed matches taught about this credit: the customer its payer paid for before,
/// and the customer (and code) its text names.
#[derive(Default)]
struct Hints {
    payer_customer: Option<String>,
    code: Option<(String, String)>,
    /// The payer's name is one of our customers' (with open invoices).
    payer_known: bool,
}

/// `payer`: the credit's payer and its name key.
fn payer_points(payer: Option<(&str, &str)>, inv: &Open, hints: &Hints, c: &mut Candidate) {
    if let Some((customer, code)) = &hints.code
        && *customer == inv.customer_id
    {
        c.points += LEARNED_CODE;
        c.reasons.push(format!("the text carries {code}, as {:?}'s payments did before (learned)", inv.customer_name));
    }
    let Some((payer, p)) = payer else { return };
    let n = inv.name_key.as_str();
    if !p.is_empty() && p == n {
        c.points += SAME_PAYER;
        c.reasons.push(format!("payer {payer:?} is the customer"));
    } else if hints.payer_customer.as_deref() == Some(inv.customer_id.as_str()) {
        c.points += SAME_PAYER;
        c.reasons.push(format!("payer {payer:?} paid for {:?} before (learned)", inv.customer_name));
    } else if !p.is_empty() && p.split(' ').any(|w| w.len() > 2 && n.split(' ').any(|x| x == w)) {
        c.points += LIKE_PAYER;
        c.reasons.push(format!("payer {payer:?} resembles {:?}", inv.customer_name));
    } else if hints.payer_known {
        c.points += OTHER_CUSTOMER;
        c.reasons.push(format!("payer {payer:?} is another customer, not {:?}", inv.customer_name));
    } else if c.points >= WEAK_REFERENCE && !c.amount_fits {
        c.points += ONLY_THE_REFERENCE;
        c.reasons.push(format!("paid by {payer:?}, not the customer, and not the amount due"));
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
    hints: &Hints,
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
    payer_points(payer, inv, hints, &mut c);
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
    hints: &Hints,
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
        amount_fits: true,
        invoices: group.clone(),
        points: refs[&group[0]].0.min(STRONG_REFERENCE) + EXACT_AMOUNT,
        reasons: vec![format!(
            "the text names {}, whose amounts due add up to {}",
            names.join(", "),
            t.amount.amount()
        )],
        amounts: group.iter().map(|&i| open[i].due).collect(),
    };
    payer_points(payer, &open[group[0]], hints, &mut c);
    Some(c)
}

fn decision(points: i32) -> Decision {
    match points {
        p if p >= 95 => Decision::Auto,
        p if p >= 70 => Decision::Suggest,
        _ => Decision::Review,
    }
}

fn hints(t: &BankTransaction, payer_key: Option<&str>, ix: &Index, learned: &Learned) -> Hints {
    let payer_known = payer_key.is_some_and(|k| !k.is_empty() && ix.by_name.contains_key(k));
    if learned.is_empty() {
        return Hints { payer_known, ..Hints::default() };
    }
    let text = [t.reference.as_deref(), t.description.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
    Hints {
        payer_customer: payer_key.and_then(|k| learned.customer_of_payer(k)),
        code: learned.customer_of_text(&text),
        payer_known,
    }
}

pub(super) fn best(
    t: &BankTransaction,
    open: &[Open],
    ix: &Index,
    paid_in_run: &HashMap<usize, Money>,
    learned: &Learned,
) -> Scored {
    let refs = referenced(t, open, ix);
    let payer_key = t.payer.as_deref().map(tokens::name_key);
    let payer = t.payer.as_deref().zip(payer_key.as_deref());
    let hints = hints(t, payer_key.as_deref(), ix, learned);
    let mut pool: Vec<usize> = refs.keys().copied().collect();
    pool.extend(ix.by_due.get(&(t.amount.currency(), t.amount.minor())).into_iter().flatten());
    // The payer's other invoices (by name, or as learned) are candidates only if this credit
    // could pay them in full or in part (an overpayment is found by its reference or amount).
    let could_pay = |i: &&usize| open[**i].due.minor() >= t.amount.minor();
    if let Some(key) = &payer_key {
        pool.extend(ix.by_name.get(key).into_iter().flatten().filter(could_pay));
    }
    for customer in [hints.payer_customer.as_ref(), hints.code.as_ref().map(|(c, _)| c)].into_iter().flatten() {
        pool.extend(ix.by_customer.get(customer).into_iter().flatten().filter(could_pay));
    }
    pool.sort_unstable();
    pool.dedup();
    let mut candidates: Vec<Candidate> = pool
        .iter()
        .filter(|&&i| open[i].due.currency() == t.amount.currency())
        .map(|&i| single(t, payer, &hints, i, open, refs.get(&i), ix))
        .collect();
    candidates.extend(together(t, payer, &hints, open, &refs));
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
    // The text names one invoice but the amount is exactly another's: a person decides which.
    if verdict == Decision::Auto
        && !top.amount_fits
        && let Some(other) = candidates.iter().skip(1).find(|c| c.amount_fits)
    {
        let names = other.invoices.iter().map(|&i| label(&open[i])).collect::<Vec<_>>().join(" + ");
        reasons.push(format!("the amount is exactly what {names} owes"));
        (verdict, points) = (Decision::Suggest, points.min(94));
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
