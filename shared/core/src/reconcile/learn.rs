//! Learning from corrections (spec 4.4): when a person confirms that a credit pays a
//! customer's invoices, the matcher remembers who paid (the payer's name, when it is not the
//! customer's own: a parent company, a bookkeeper, the bank's abbreviation) and the codes the
//! customer writes in its references besides the invoice number (a customer number, a
//! contract). Later credits with that payer or code count as the customer's, with the reason
//! "learned". Each lesson is counted, so an undone confirmation is forgotten again, and a
//! name or code seen for two customers teaches nothing.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::tokens;
use crate::statement::BankTransaction;

/// What confirmed matches taught. Kept by whoever matches (the device's replica, the server's
/// tenant) and passed to the matcher.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Learned {
    /// Payer name key → customer id → how many confirmations.
    pub aliases: BTreeMap<String, BTreeMap<String, u32>>,
    /// Reference code → customer id → how many confirmations.
    pub codes: BTreeMap<String, BTreeMap<String, u32>>,
}

/// A confirmed match: the credit, and the customer and invoice numbers it paid.
#[derive(Debug)]
pub struct Confirmed<'a> {
    pub transaction: &'a BankTransaction,
    pub customer_id: &'a str,
    pub customer_name: &'a str,
    pub invoice_numbers: &'a [&'a str],
}

/// Codes in a reference that may identify a customer: words of letters, digits and dashes with
/// a digit and at least four characters, upper case (`K-4471`, `ACCT88812`, `88812`), leaving
/// out the digits of the invoice numbers paid (and of any year or amount that is all such
/// digits).
pub(super) fn codes(text: &str, invoice_numbers: &[&str]) -> Vec<String> {
    let known: Vec<String> = invoice_numbers
        .iter()
        .flat_map(|n| tokens::invoice_keys(n).0.into_iter().chain(tokens::invoice_keys(n).1))
        .collect();
    let known_groups: Vec<&str> = known.iter().flat_map(|k| k.split('-')).collect();
    let mut out: Vec<String> = text
        .split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .map(|w| w.trim_matches('-').to_uppercase())
        .filter(|w| w.chars().filter(char::is_ascii_alphanumeric).count() >= 4 && w.chars().any(|c| c.is_ascii_digit()))
        .filter(|w| {
            let (strong, weak) = tokens::invoice_keys(w);
            let groups: Vec<String> = strong.into_iter().chain(weak).collect();
            !groups.iter().flat_map(|g| g.split('-')).all(|g| known_groups.contains(&g))
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

fn count(map: &mut BTreeMap<String, BTreeMap<String, u32>>, key: String, customer: &str, delta: i32) {
    let per = map.entry(key.clone()).or_default();
    let n = per.entry(customer.to_owned()).or_insert(0);
    *n = n.saturating_add_signed(delta);
    if *n == 0 {
        per.remove(customer);
    }
    if per.is_empty() {
        map.remove(&key);
    }
}

/// The one customer `key` points to; none when it was never learned or points to several.
fn only(map: &BTreeMap<String, BTreeMap<String, u32>>, key: &str) -> Option<String> {
    let per = map.get(key)?;
    (per.len() == 1).then(|| per.keys().next().cloned()).flatten()
}

impl Learned {
    /// Remembers a confirmed match.
    pub fn learn(&mut self, c: &Confirmed<'_>) {
        self.apply(c, 1);
    }

    /// Forgets a confirmation that was undone.
    pub fn forget(&mut self, c: &Confirmed<'_>) {
        self.apply(c, -1);
    }

    fn apply(&mut self, c: &Confirmed<'_>, delta: i32) {
        let t = c.transaction;
        if let Some(payer) = t.payer.as_deref() {
            let key = tokens::name_key(payer);
            // The customer's own name is found without learning.
            if !key.is_empty() && key != tokens::name_key(c.customer_name) {
                count(&mut self.aliases, key, c.customer_id, delta);
            }
        }
        let text =
            [t.reference.as_deref(), t.description.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
        for code in codes(&text, c.invoice_numbers) {
            count(&mut self.codes, code, c.customer_id, delta);
        }
    }

    /// The customer a payer's name was learned for.
    pub fn customer_of_payer(&self, name_key: &str) -> Option<String> {
        only(&self.aliases, name_key)
    }

    /// The customer a code in `text` was learned for, and the code.
    pub fn customer_of_text(&self, text: &str) -> Option<(String, String)> {
        if self.codes.is_empty() {
            return None;
        }
        codes(text, &[]).into_iter().find_map(|code| only(&self.codes, &code).map(|c| (c, code)))
    }

    pub fn is_empty(&self) -> bool {
        self.aliases.is_empty() && self.codes.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_leave_out_the_invoice_number() {
        assert_eq!(codes("INV-2026-0042 Kunde K-4471 2026", &["INV-2026-0042"]), ["K-4471"]);
        assert_eq!(codes("ACCT88812 thanks", &[]), ["ACCT88812"]);
        assert!(codes("part 1 of 2", &[]).is_empty());
    }
}
