//! Amounts as banks print them: `1,234.56`, `-1.234,56`, `(12.00)`, `12.00-`, `1'234.50`,
//! `€ 12,50`, `12.50 USD`. Read into integer minor units, never through a float.

use serde::Serialize;

use crate::currency::Currency;
use crate::money::Money;

/// The character before the fraction; the other one groups thousands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DecimalMark {
    Point,
    Comma,
}

impl DecimalMark {
    fn chars(self) -> (char, char) {
        match self {
            DecimalMark::Point => ('.', ','),
            DecimalMark::Comma => (',', '.'),
        }
    }
}

const SYMBOLS: &[char] = &['$', '€', '£', '¥', '₹', '₽', '₩', '₺', '₫', '฿', '₪', '₦', '₴', '₱'];

/// The mark most of `cells` use. A cell with both marks votes for the later one; a cell with
/// one mark and other than three digits after it votes for that mark; `1,500` or `1.500`
/// alone say nothing. With no evidence, the point.
pub fn detect_mark<'a>(cells: impl IntoIterator<Item = &'a str>) -> DecimalMark {
    let (mut point, mut comma) = (0u32, 0u32);
    for cell in cells {
        let (p, c) = (cell.rfind('.'), cell.rfind(','));
        let digits_after = |i: usize| cell[i + 1..].chars().take_while(char::is_ascii_digit).count();
        match (p, c) {
            (Some(p), Some(c)) if p > c => point += 1,
            (Some(_), Some(_)) => comma += 1,
            (Some(p), None) if digits_after(p) != 3 => point += 1,
            (None, Some(c)) if digits_after(c) != 3 => comma += 1,
            _ => {}
        }
    }
    if comma > point { DecimalMark::Comma } else { DecimalMark::Point }
}

/// Strips what is not the number: a currency symbol, a three-letter currency code before or
/// after, the sign in any of its places. Returns the sign and the rest (digits, marks and
/// grouping spaces or apostrophes, checked by `parse`).
fn bare(text: &str) -> (bool, &str) {
    let mut s = text.trim();
    let mut negative = false;
    if let Some(inner) = s.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        (negative, s) = (true, inner.trim());
    }
    let is_code = |c: &str| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase());
    if let Some(code) = s.get(..3).filter(|c| is_code(c)) {
        s = s[code.len()..].trim_start();
    } else if let Some(code) = s.get(s.len().saturating_sub(3)..).filter(|c| is_code(c)) {
        s = s[..s.len() - code.len()].trim_end();
    }
    s = s.trim_matches(|c| SYMBOLS.contains(&c) || c.is_whitespace());
    if let Some(r) = s.strip_prefix('-').or_else(|| s.strip_suffix('-')) {
        (negative, s) = (!negative, r);
    } else if let Some(r) = s.strip_prefix('+') {
        s = r;
    }
    (negative, s.trim_matches(|c| SYMBOLS.contains(&c) || c.is_whitespace()))
}

/// Reads one amount in `currency`, its fraction after `mark`; integer arithmetic only.
pub fn parse(text: &str, mark: DecimalMark, currency: Currency) -> Result<Money, String> {
    let (negative, s) = bare(text);
    let (decimal, group) = mark.chars();
    let not_amount = || format!("{text:?} is not an amount");
    let too_large = || format!("{text:?} is too large");
    let exp = currency.exponent();
    let (mut minor, mut digits, mut fraction, mut in_fraction) = (0_i64, 0_u32, 0_u32, false);
    for c in s.chars() {
        match c {
            '0'..='9' if in_fraction && fraction >= exp => {
                // Extra fraction digits are accepted only when they are zeros ("12.500" is 12.50).
                if c != '0' {
                    return Err(format!("{text:?} has more decimals than {} allows ({exp})", currency.code()));
                }
            }
            '0'..='9' => {
                let d = i64::from(c.to_digit(10).unwrap_or(0));
                minor = minor.checked_mul(10).and_then(|m| m.checked_add(d)).ok_or_else(too_large)?;
                digits += 1;
                fraction += u32::from(in_fraction);
            }
            c if c == decimal && !in_fraction => in_fraction = true,
            c if c == group && !in_fraction => {}
            '\'' | '’' | ' ' | '\u{a0}' | '\u{202f}' if !in_fraction => {}
            _ => return Err(not_amount()),
        }
    }
    if digits == 0 {
        return Err(not_amount());
    }
    minor = minor.checked_mul(10_i64.pow(exp - fraction)).ok_or_else(too_large)?;
    Ok(Money::from_minor(if negative { -minor } else { minor }, currency))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(text: &str, mark: DecimalMark) -> Result<String, String> {
        parse(text, mark, Currency::parse("USD").unwrap()).map(Money::amount)
    }

    #[test]
    fn reads_what_banks_print() {
        use DecimalMark::{Comma, Point};
        for (text, mark, want) in [
            ("1,234.56", Point, "1234.56"),
            ("-1.234,56", Comma, "-1234.56"),
            ("(12.00)", Point, "-12.00"),
            ("12.00-", Point, "-12.00"),
            ("+5", Point, "5.00"),
            ("1'234.50", Point, "1234.50"),
            ("€ 12,50", Comma, "12.50"),
            ("12.50 USD", Point, "12.50"),
            ("USD -3", Point, "-3.00"),
            ("12.500", Point, "12.50"),
            (".5", Point, "0.50"),
        ] {
            assert_eq!(usd(text, mark).as_deref(), Ok(want), "{text}");
        }
        let yen = parse("6,788", DecimalMark::Point, Currency::parse("JPY").unwrap()).unwrap();
        assert_eq!(yen.amount(), "6788");
    }

    #[test]
    fn refuses_what_is_not_an_amount() {
        for bad in ["", "abc", "12.345", "1.2.3", "12a", "--5", "99999999999999999999"] {
            assert!(usd(bad, DecimalMark::Point).is_err(), "{bad:?} was read");
        }
    }

    #[test]
    fn detects_the_mark_from_the_column() {
        assert_eq!(detect_mark(["1.234,56", "12,00", "1.500"]), DecimalMark::Comma);
        assert_eq!(detect_mark(["1,234.56", "12.00", "1,500"]), DecimalMark::Point);
        assert_eq!(detect_mark(["1,500", "2,000"]), DecimalMark::Point, "no evidence: the point");
    }
}
