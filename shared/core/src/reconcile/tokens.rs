//! What a bank line says, reduced to what can be looked up: invoice-number keys and payer
//! names. Keys are runs of digit groups with leading zeros dropped, so `INV-2025-001`,
//! `INV 2025/001`, `Invoice 2025-001` and `2025-1` all give `2025-1`; `inv 1` and `INV0001`
//! give the weak key `1`. (A number written without separators, `INV2025001`, is one group.)

/// Letters that announce an invoice number ("INV 7", "Rechnung Nr. 7", "#7").
const PREFIXES: [&str; 9] = ["INV", "INVOICE", "RE", "RECHNUNG", "NR", "NO", "FACTURE", "FACT", "REF"];

/// Legal forms dropped from names before comparing them.
const LEGAL: [&str; 18] = [
    "CORP",
    "CORPORATION",
    "INC",
    "INCORPORATED",
    "LTD",
    "LIMITED",
    "GMBH",
    "LLC",
    "AG",
    "SA",
    "SARL",
    "BV",
    "PLC",
    "CO",
    "COMPANY",
    "LLP",
    "KG",
    "SRL",
];

/// Number keys of an invoice number: its digit groups joined (`INV-2025-001` → `2025-1`), and
/// the last group alone as a weak key (`1`), matched only where a prefix announces it.
pub fn invoice_keys(number: &str) -> (Option<String>, Option<String>) {
    let groups = digit_groups(number);
    let strong = (groups.len() >= 2).then(|| groups.join("-")).or_else(|| groups.first().cloned());
    (strong, groups.last().cloned())
}

fn digit_groups(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .map(|g| {
            let t = g.trim_start_matches('0');
            if t.is_empty() { "0".to_owned() } else { t.to_owned() }
        })
        .collect()
}

/// The keys a text may name invoices by: every run of two or three consecutive digit groups
/// (strong), and a single group right after an invoice prefix (weak, `inv 1`, `INV0001`).
pub fn text_keys(text: &str) -> (Vec<String>, Vec<String>) {
    let upper = text.to_uppercase();
    // Words of letters or of digits, in order; anything else separates them.
    let mut words: Vec<(bool, String)> = Vec::new();
    let mut current = String::new();
    let mut digits = false;
    for c in upper.chars().chain(std::iter::once(' ')) {
        let kind = if c.is_ascii_digit() {
            Some(true)
        } else if c.is_alphabetic() {
            Some(false)
        } else {
            None
        };
        match kind {
            Some(k) if !current.is_empty() && k == digits => current.push(c),
            Some(k) => {
                if !current.is_empty() {
                    words.push((digits, std::mem::take(&mut current)));
                }
                (digits, current) = (k, c.to_string());
            }
            None => {
                if !current.is_empty() {
                    words.push((digits, std::mem::take(&mut current)));
                }
            }
        }
    }
    let mut strong = Vec::new();
    let mut weak = Vec::new();
    let mut run: Vec<String> = Vec::new();
    let mut flush = |run: &mut Vec<String>| {
        for len in 2..=3 {
            for w in run.windows(len) {
                strong.push(w.join("-"));
            }
        }
        run.clear();
    };
    for (i, (is_digits, word)) in words.iter().enumerate() {
        if *is_digits {
            let g = digit_groups(word).pop().unwrap_or_default();
            let announced = i > 0 && !words[i - 1].0 && PREFIXES.contains(&words[i - 1].1.as_str());
            if announced && run.is_empty() {
                weak.push(g.clone());
            }
            run.push(g);
        } else {
            flush(&mut run);
        }
    }
    flush(&mut run);
    (strong, weak)
}

/// A name as compared: upper case, letters and digits, legal forms dropped.
pub fn name_key(name: &str) -> String {
    let upper = name.to_uppercase();
    let words: Vec<&str> =
        upper.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty() && !LEGAL.contains(w)).collect();
    words.join(" ")
}

/// An ISO 11649 creditor reference in the text (`RF18 5390 0754 7034`), checked (mod 97).
pub fn creditor_reference(text: &str) -> Option<String> {
    let compact: String = text.to_uppercase().chars().filter(|c| !c.is_whitespace()).collect();
    let start = compact.find("RF")?;
    let tail: String = compact[start + 2..].chars().take_while(char::is_ascii_alphanumeric).take(23).collect();
    let candidate = format!("RF{tail}");
    (tail.len() >= 3 && valid_rf(&candidate)).then_some(candidate)
}

fn valid_rf(rf: &str) -> bool {
    let moved = format!("{}{}", &rf[4..], &rf[..4]);
    let mut rem: u32 = 0;
    for c in moved.chars() {
        let v = match c.to_digit(36) {
            Some(v) => v,
            None => return false,
        };
        for d in if v >= 10 { vec![v / 10, v % 10] } else { vec![v] } {
            rem = (rem * 10 + d) % 97;
        }
    }
    rem == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_variants_give_the_same_key() {
        assert_eq!(invoice_keys("INV-2025-001"), (Some("2025-1".into()), Some("1".into())));
        for text in ["INV-2025-001", "inv 2025/001", "Invoice 2025-001", "payment 2025 0001 thanks"] {
            assert!(text_keys(text).0.contains(&"2025-1".to_owned()), "{text}: {:?}", text_keys(text));
        }
        for text in ["inv 1", "INV0001", "Rechnung Nr. 1"] {
            assert_eq!(text_keys(text).1, ["1"], "{text}");
        }
        assert!(text_keys("paid 1 invoice").1.is_empty(), "a bare number is not announced");
    }

    #[test]
    fn names_compare_without_legal_forms() {
        assert_eq!(name_key("ACME Corporation"), name_key("Acme Corp."));
        assert_eq!(name_key("Müller GmbH"), "MÜLLER");
        assert_ne!(name_key("Acme Ltd"), name_key("Acne Ltd"));
    }

    #[test]
    fn creditor_references_are_checked() {
        assert_eq!(creditor_reference("ref RF18 5390 0754 7034").as_deref(), Some("RF18539007547034"));
        assert_eq!(creditor_reference("RF19 5390 0754 7034"), None, "wrong check digits");
    }
}
