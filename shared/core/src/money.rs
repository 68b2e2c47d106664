//! Money: an integer count of minor units with its currency.
//!
//! There is no constructor from a float and no way to add two currencies. Amounts enter as
//! decimal strings (`"6600.00"`, `"1.005"` for BHD, `"500"` for JPY) or as decimals that must
//! fit the currency exactly; rounding happens only where the tax rules say so (see `tax`).

use std::fmt;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::currency::Currency;
use crate::error::{Error, Result};

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

/// One installment of a schedule: a fixed amount, or a weighted share of what the fixed
/// installments leave (`Weight(25)`, `Weight(75)` is a 25 % deposit and the rest).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Share {
    Fixed(Money),
    Weight(Decimal),
}

impl Money {
    pub const fn from_minor(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    pub const fn zero(currency: Currency) -> Self {
        Self { minor: 0, currency }
    }

    pub const fn minor(self) -> i64 {
        self.minor
    }

    pub const fn currency(self) -> Currency {
        self.currency
    }

    pub const fn is_zero(self) -> bool {
        self.minor == 0
    }

    pub const fn is_negative(self) -> bool {
        self.minor < 0
    }

    pub const fn is_positive(self) -> bool {
        self.minor > 0
    }

    /// Parses a plain decimal string: optional `-`, digits, optional `.` and at most as many
    /// digits as the currency's exponent. No `+`, spaces, exponents or grouping separators.
    pub fn parse(input: &str, currency: Currency) -> Result<Self> {
        let bad = |reason| Error::InvalidAmount { input: input.to_owned(), reason };
        let (negative, body) = match input.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, input),
        };
        let (int_part, frac_part) = match body.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (body, None),
        };
        if int_part.is_empty() {
            return Err(bad("expected digits before the decimal point"));
        }
        if !int_part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("expected only digits, an optional leading '-' and one '.'"));
        }
        let frac = frac_part.unwrap_or("");
        if frac_part.is_some() && frac.is_empty() {
            return Err(bad("expected digits after the decimal point"));
        }
        if !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("expected only digits, an optional leading '-' and one '.'"));
        }
        let exp = currency.exponent();
        if frac.len() > exp as usize {
            return Err(Error::TooManyDecimals { input: input.to_owned(), currency, max: exp });
        }
        // Accumulate the magnitude unsigned, so i64::MIN (one more than i64::MAX) parses too.
        let mut magnitude: u64 = 0;
        let padded = frac.bytes().chain(std::iter::repeat_n(b'0', exp as usize - frac.len()));
        for digit in int_part.bytes().chain(padded) {
            magnitude = magnitude
                .checked_mul(10)
                .and_then(|m| m.checked_add(u64::from(digit - b'0')))
                .ok_or(Error::Overflow)?;
        }
        let minor = if negative {
            0i64.checked_sub_unsigned(magnitude).ok_or(Error::Overflow)?
        } else {
            i64::try_from(magnitude).map_err(|_| Error::Overflow)?
        };
        Ok(Self { minor, currency })
    }

    /// The amount as a plain decimal string with exactly the currency's decimals.
    pub fn amount(self) -> String {
        let exp = self.currency.exponent();
        let abs = self.minor.unsigned_abs();
        let sign = if self.minor < 0 { "-" } else { "" };
        if exp == 0 {
            return format!("{sign}{abs}");
        }
        let scale = 10u64.pow(exp);
        let width = exp as usize;
        format!("{sign}{}.{:0width$}", abs / scale, abs % scale)
    }

    /// The exact value as a decimal (`12.34` for 1234 cents).
    pub fn to_decimal(self) -> Decimal {
        Decimal::new(self.minor, self.currency.exponent())
    }

    /// A decimal that must fit the currency exactly: `1.005` USD is refused, not rounded.
    pub fn from_decimal_exact(value: Decimal, currency: Currency) -> Result<Self> {
        let exp = currency.exponent();
        let normalized = value.normalize();
        if normalized.scale() > exp {
            return Err(Error::TooManyDecimals { input: value.to_string(), currency, max: exp });
        }
        Self::from_scaled(normalized, currency)
    }

    /// Rounds a decimal to the currency's minor unit, half away from zero (commercial
    /// rounding, as EN 16931 uses). Only the tax rules call this.
    pub fn from_decimal_rounded(value: Decimal, currency: Currency) -> Result<Self> {
        let exp = currency.exponent();
        let rounded = value.round_dp_with_strategy(exp, RoundingStrategy::MidpointAwayFromZero);
        Self::from_scaled(rounded, currency)
    }

    fn from_scaled(mut value: Decimal, currency: Currency) -> Result<Self> {
        let exp = currency.exponent();
        // Rescaling up to at most 4 decimals cannot lose digits; it can only overflow.
        value.rescale(exp);
        if value.scale() != exp {
            return Err(Error::Overflow);
        }
        let minor = i64::try_from(value.mantissa()).map_err(|_| Error::Overflow)?;
        Ok(Self { minor, currency })
    }

    fn same_currency(self, other: Money) -> Result<()> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(Error::CurrencyMismatch { left: self.currency, right: other.currency })
        }
    }

    pub fn checked_add(self, other: Money) -> Result<Money> {
        self.same_currency(other)?;
        let minor = self.minor.checked_add(other.minor).ok_or(Error::Overflow)?;
        Ok(Money { minor, ..self })
    }

    pub fn checked_sub(self, other: Money) -> Result<Money> {
        self.same_currency(other)?;
        let minor = self.minor.checked_sub(other.minor).ok_or(Error::Overflow)?;
        Ok(Money { minor, ..self })
    }

    pub fn checked_neg(self) -> Result<Money> {
        let minor = self.minor.checked_neg().ok_or(Error::Overflow)?;
        Ok(Money { minor, ..self })
    }

    pub fn checked_mul(self, factor: i64) -> Result<Money> {
        let minor = self.minor.checked_mul(factor).ok_or(Error::Overflow)?;
        Ok(Money { minor, ..self })
    }

    /// Compares two amounts of the same currency.
    pub fn checked_cmp(self, other: Money) -> Result<std::cmp::Ordering> {
        self.same_currency(other)?;
        Ok(self.minor.cmp(&other.minor))
    }

    /// The larger of `self` and zero.
    pub fn clamp_non_negative(self) -> Money {
        Money { minor: self.minor.max(0), ..self }
    }

    /// Sums amounts that must all be in `currency` (an empty sum is zero).
    pub fn sum<I: IntoIterator<Item = Money>>(items: I, currency: Currency) -> Result<Money> {
        items.into_iter().try_fold(Money::zero(currency), Money::checked_add)
    }

    /// Splits the amount into parts proportional to `weights`, by the largest-remainder
    /// method: every part is within one minor unit of its exact share, the parts always sum
    /// to the whole, and ties go to the earlier part so the result is deterministic.
    pub fn allocate(self, weights: &[Decimal]) -> Result<Vec<Money>> {
        let ints = integer_weights(weights)?;
        let total_weight: i128 = ints.iter().sum();
        if total_weight == 0 {
            return Err(Error::InvalidAllocation("at least one weight must be above zero"));
        }
        let whole = i128::from(self.minor.unsigned_abs());
        let mut parts: Vec<i128> = Vec::with_capacity(ints.len());
        let mut remainders: Vec<(i128, usize)> = Vec::with_capacity(ints.len());
        for (i, w) in ints.iter().enumerate() {
            // whole < 2^64 and w < 2^64, so the product fits in i128.
            let exact = whole * w;
            parts.push(exact / total_weight);
            remainders.push((exact % total_weight, i));
        }
        let mut left = whole - parts.iter().sum::<i128>();
        remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        for (_, i) in remainders {
            if left == 0 {
                break;
            }
            parts[i] += 1;
            left -= 1;
        }
        parts
            .into_iter()
            .map(|p| {
                let magnitude = i64::try_from(p).map_err(|_| Error::Overflow)?;
                let minor = if self.minor < 0 { -magnitude } else { magnitude };
                Ok(Money { minor, ..self })
            })
            .collect()
    }

    /// Splits a non-negative amount by a schedule: fixed installments exactly as given, the
    /// rest shared by the weighted installments. Without weighted installments the fixed ones
    /// must add up to the whole amount.
    pub fn allocate_schedule(self, shares: &[Share]) -> Result<Vec<Money>> {
        if shares.is_empty() {
            return Err(Error::InvalidAllocation("a schedule needs at least one installment"));
        }
        if self.is_negative() {
            return Err(Error::InvalidAllocation("a schedule splits a non-negative amount"));
        }
        let mut rest = self;
        let mut weights = Vec::new();
        for share in shares {
            match share {
                Share::Fixed(m) => {
                    if m.is_negative() {
                        return Err(Error::InvalidAllocation("a fixed installment is negative"));
                    }
                    rest = rest.checked_sub(*m)?;
                }
                Share::Weight(w) => weights.push(*w),
            }
        }
        if rest.is_negative() {
            return Err(Error::InvalidAllocation("fixed installments exceed the amount"));
        }
        let mut shared = if weights.is_empty() {
            if !rest.is_zero() {
                return Err(Error::InvalidAllocation("fixed installments do not add up to the amount"));
            }
            Vec::new()
        } else {
            rest.allocate(&weights)?
        }
        .into_iter();
        shares
            .iter()
            .map(|share| match share {
                Share::Fixed(m) => Ok(*m),
                Share::Weight(_) => shared.next().ok_or(Error::InvalidAllocation("internal")),
            })
            .collect()
    }
}

/// Turns decimal weights into integers on one common scale, each below 2^64.
fn integer_weights(weights: &[Decimal]) -> Result<Vec<i128>> {
    if weights.is_empty() {
        return Err(Error::InvalidAllocation("at least one weight is needed"));
    }
    if weights.iter().any(|w| w.is_sign_negative() && !w.is_zero()) {
        return Err(Error::InvalidAllocation("weights must not be negative"));
    }
    let scale = weights.iter().map(|w| w.normalize().scale()).max().unwrap_or(0);
    weights
        .iter()
        .map(|w| {
            let mut scaled = w.normalize();
            scaled.rescale(scale);
            let m = scaled.mantissa();
            if scaled.scale() != scale || m >= 1i128 << 64 {
                return Err(Error::InvalidAllocation("weights are too large or too precise"));
            }
            Ok(m)
        })
        .collect()
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount(), self.currency.code())
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Money({} {})", self.amount(), self.currency.code())
    }
}

/// JSON shape: `{"amount": "6600.00", "currency": "USD"}`; the amount is always a string.
#[derive(Serialize, Deserialize)]
struct MoneyJson {
    amount: String,
    currency: Currency,
}

impl Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        MoneyJson { amount: self.amount(), currency: self.currency }.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let json = MoneyJson::deserialize(d)?;
        Money::parse(&json.amount, json.currency).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn cur(code: &str) -> Currency {
        Currency::parse(code).unwrap()
    }
    fn m(amount: &str, code: &str) -> Money {
        Money::parse(amount, cur(code)).unwrap()
    }
    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn parses_and_formats_each_exponent() {
        assert_eq!(m("6600.00", "USD").minor(), 660_000);
        assert_eq!(m("6600", "USD").amount(), "6600.00");
        assert_eq!(m("6600.5", "USD").amount(), "6600.50");
        assert_eq!(m("1.005", "BHD").minor(), 1005);
        assert_eq!(m("1.005", "BHD").amount(), "1.005");
        assert_eq!(m("500", "JPY").minor(), 500);
        assert_eq!(m("500", "JPY").amount(), "500");
        assert_eq!(m("0.0001", "CLF").amount(), "0.0001");
        assert_eq!(m("-0.05", "EUR").amount(), "-0.05");
        assert_eq!(m("-0.05", "EUR").minor(), -5);
        assert_eq!(m("007.10", "USD").amount(), "7.10");
    }

    #[test]
    fn refuses_more_decimals_than_the_currency_has() {
        let err = Money::parse("1.005", cur("USD")).unwrap_err();
        assert_eq!(err.code(), "too_many_decimals");
        assert!(err.to_string().contains("USD"), "{err}");
        assert_eq!(Money::parse("500.5", cur("JPY")).unwrap_err().code(), "too_many_decimals");
        assert_eq!(Money::parse("1.0050", cur("BHD")).unwrap_err().code(), "too_many_decimals");
    }

    #[test]
    fn refuses_malformed_amounts() {
        for bad in ["", "-", ".5", "5.", "+5", " 5", "5 ", "1,000.00", "1e3", "1.2.3", "--1", "0x10", "NaN", "五"] {
            let err = Money::parse(bad, cur("USD")).unwrap_err();
            assert_eq!(err.code(), "invalid_amount", "{bad:?} gave {err}");
        }
        assert_eq!(Money::parse("92233720368547758.08", cur("USD")).unwrap_err(), Error::Overflow);
        assert_eq!(m("92233720368547758.07", "USD").minor(), i64::MAX);
        assert_eq!(m("-92233720368547758.08", "USD").minor(), i64::MIN);
        assert_eq!(Money::parse("-92233720368547758.09", cur("USD")).unwrap_err(), Error::Overflow);
    }

    #[test]
    fn arithmetic_refuses_mixed_currencies_and_overflow() {
        let usd = m("1.00", "USD");
        let eur = m("1.00", "EUR");
        let err = usd.checked_add(eur).unwrap_err();
        assert_eq!(err, Error::CurrencyMismatch { left: cur("USD"), right: cur("EUR") });
        assert!(usd.checked_sub(eur).is_err());
        assert!(usd.checked_cmp(eur).is_err());
        let max = Money::from_minor(i64::MAX, cur("USD"));
        assert_eq!(max.checked_add(Money::from_minor(1, cur("USD"))), Err(Error::Overflow));
        assert_eq!(Money::from_minor(i64::MIN, cur("USD")).checked_neg(), Err(Error::Overflow));
        assert_eq!(max.checked_mul(2), Err(Error::Overflow));
        assert_eq!(usd.checked_add(usd).unwrap().amount(), "2.00");
        assert_eq!(Money::sum([usd, usd, usd], cur("USD")).unwrap().amount(), "3.00");
        assert!(Money::sum([usd, eur], cur("USD")).is_err());
    }

    #[test]
    fn decimals_convert_exactly_or_round_half_away_from_zero() {
        assert_eq!(Money::from_decimal_exact(d("12.30"), cur("USD")).unwrap().minor(), 1230);
        assert_eq!(Money::from_decimal_exact(d("12.300000"), cur("USD")).unwrap().minor(), 1230);
        assert!(Money::from_decimal_exact(d("12.305"), cur("USD")).is_err());
        assert_eq!(Money::from_decimal_rounded(d("0.005"), cur("USD")).unwrap().minor(), 1);
        assert_eq!(Money::from_decimal_rounded(d("-0.005"), cur("USD")).unwrap().minor(), -1);
        assert_eq!(Money::from_decimal_rounded(d("0.0049"), cur("USD")).unwrap().minor(), 0);
        assert_eq!(Money::from_decimal_rounded(d("2.5"), cur("JPY")).unwrap().minor(), 3);
        assert_eq!(Money::from_decimal_rounded(d("1.0005"), cur("BHD")).unwrap().minor(), 1001);
        assert_eq!(m("12.34", "USD").to_decimal(), d("12.34"));
    }

    #[test]
    fn json_carries_amounts_as_strings() {
        let json = serde_json::to_string(&m("6600.00", "USD")).unwrap();
        assert_eq!(json, r#"{"amount":"6600.00","currency":"USD"}"#);
        let back: Money = serde_json::from_str(&json).unwrap();
        assert_eq!(back, m("6600.00", "USD"));
        assert!(serde_json::from_str::<Money>(r#"{"amount":6600.0,"currency":"USD"}"#).is_err());
        assert!(serde_json::from_str::<Money>(r#"{"amount":"1.001","currency":"USD"}"#).is_err());
    }

    #[test]
    fn allocate_splits_by_largest_remainder() {
        let parts = m("100.00", "USD").allocate(&[d("1"), d("1"), d("1")]).unwrap();
        let amounts: Vec<_> = parts.iter().map(|p| p.amount()).collect();
        assert_eq!(amounts, ["33.34", "33.33", "33.33"]);
        let parts = m("0.05", "USD").allocate(&[d("0.3"), d("0.7")]).unwrap();
        assert_eq!(parts.iter().map(|p| p.minor()).collect::<Vec<_>>(), [2, 3]);
        let parts = m("-10.00", "USD").allocate(&[d("1"), d("2")]).unwrap();
        assert_eq!(parts.iter().map(|p| p.amount()).collect::<Vec<_>>(), ["-3.33", "-6.67"]);
        let parts = m("7", "JPY").allocate(&[d("0"), d("1"), d("1")]).unwrap();
        assert_eq!(parts.iter().map(|p| p.minor()).collect::<Vec<_>>(), [0, 4, 3]);
    }

    #[test]
    fn allocate_refuses_bad_weights() {
        let x = m("1.00", "USD");
        assert!(x.allocate(&[]).is_err());
        assert!(x.allocate(&[d("0"), d("0")]).is_err());
        assert!(x.allocate(&[d("-1"), d("2")]).is_err());
        assert!(x.allocate(&[d("79228162514264337593543950335")]).is_err());
    }

    #[test]
    fn schedule_of_the_spec_payment_plan() {
        let total = m("10000.00", "USD");
        let plan =
            [Share::Fixed(m("5000.00", "USD")), Share::Fixed(m("3000.00", "USD")), Share::Fixed(m("2000.00", "USD"))];
        let parts = total.allocate_schedule(&plan).unwrap();
        assert_eq!(parts.iter().map(|p| p.amount()).collect::<Vec<_>>(), ["5000.00", "3000.00", "2000.00"]);
        let deposit = [Share::Weight(d("25")), Share::Weight(d("75"))];
        let parts = m("999.99", "USD").allocate_schedule(&deposit).unwrap();
        assert_eq!(parts.iter().map(|p| p.amount()).collect::<Vec<_>>(), ["250.00", "749.99"]);
        let mixed = [Share::Fixed(m("100.00", "USD")), Share::Weight(d("1")), Share::Weight(d("1"))];
        let parts = m("200.01", "USD").allocate_schedule(&mixed).unwrap();
        assert_eq!(parts.iter().map(|p| p.amount()).collect::<Vec<_>>(), ["100.00", "50.01", "50.00"]);
    }

    #[test]
    fn schedule_refuses_what_does_not_add_up() {
        let total = m("100.00", "USD");
        let short = [Share::Fixed(m("60.00", "USD")), Share::Fixed(m("30.00", "USD"))];
        assert_eq!(total.allocate_schedule(&short).unwrap_err().code(), "invalid_allocation");
        let over = [Share::Fixed(m("160.00", "USD")), Share::Weight(d("1"))];
        assert!(total.allocate_schedule(&over).is_err());
        let wrong_currency = [Share::Fixed(m("100.00", "EUR"))];
        assert_eq!(total.allocate_schedule(&wrong_currency).unwrap_err().code(), "currency_mismatch");
        assert!(total.allocate_schedule(&[]).is_err());
        assert!(m("-1.00", "USD").allocate_schedule(&[Share::Weight(d("1"))]).is_err());
    }

    fn any_currency() -> impl Strategy<Value = Currency> {
        let all: Vec<Currency> = Currency::all().collect();
        proptest::sample::select(all)
    }

    proptest! {
        #[test]
        fn format_then_parse_round_trips(minor in any::<i64>(), c in any_currency()) {
            let money = Money::from_minor(minor, c);
            prop_assert_eq!(Money::parse(&money.amount(), c).unwrap(), money);
            prop_assert_eq!(Money::from_decimal_exact(money.to_decimal(), c).unwrap(), money);
        }

        #[test]
        fn allocate_never_creates_or_loses_a_cent(
            minor in -1_000_000_000_000i64..1_000_000_000_000,
            weights in proptest::collection::vec(0u32..10_000, 1..12),
            scale in 0u32..4,
        ) {
            prop_assume!(weights.iter().any(|w| *w > 0));
            let c = Currency::parse("USD").unwrap();
            let ws: Vec<Decimal> = weights.iter().map(|w| Decimal::new(i64::from(*w), scale)).collect();
            let parts = Money::from_minor(minor, c).allocate(&ws).unwrap();
            prop_assert_eq!(parts.len(), ws.len());
            prop_assert_eq!(parts.iter().map(|p| i128::from(p.minor())).sum::<i128>(), i128::from(minor));
            let total_w: i128 = weights.iter().map(|w| i128::from(*w)).sum();
            for (part, w) in parts.iter().zip(&weights) {
                // Within one minor unit of the exact share, and never the wrong sign.
                let exact_times_w = i128::from(minor) * i128::from(*w);
                let diff = i128::from(part.minor()) * total_w - exact_times_w;
                prop_assert!(diff.abs() < total_w, "part {} weight {}", part.minor(), w);
                prop_assert!(part.minor() == 0 || (part.minor() < 0) == (minor < 0));
            }
        }

        #[test]
        fn schedules_always_sum_to_the_whole(
            minor in 0i64..1_000_000_000,
            fixed in proptest::collection::vec(0i64..1_000_000, 0..4),
            weights in proptest::collection::vec(1u32..100, 1..5),
        ) {
            let c = Currency::parse("EUR").unwrap();
            let fixed_sum: i64 = fixed.iter().sum();
            prop_assume!(fixed_sum <= minor);
            let mut shares: Vec<Share> = fixed.iter().map(|f| Share::Fixed(Money::from_minor(*f, c))).collect();
            shares.extend(weights.iter().map(|w| Share::Weight(Decimal::from(*w))));
            let parts = Money::from_minor(minor, c).allocate_schedule(&shares).unwrap();
            prop_assert_eq!(parts.iter().map(|p| p.minor()).sum::<i64>(), minor);
            for (part, share) in parts.iter().zip(&shares) {
                if let Share::Fixed(f) = share { prop_assert_eq!(part, f); }
            }
        }
    }
}
