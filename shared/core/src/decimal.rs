//! Decimals read from JSON exactly: `"0.00499999999999999999999999999"` has more digits than a
//! decimal holds, and the default parser would quietly round it to 0.005. Amount-bearing
//! fields refuse such input instead.
//!
//! Both `"150.00"` and `150.00` are accepted, as the spec's API example sends numbers: serde_json
//! is built with `arbitrary_precision`, so a JSON number reaches us as its exact text and never
//! passes through a float.

use std::fmt;

use rust_decimal::Decimal;
use serde::Deserializer;
use serde::de::{self, MapAccess, Visitor};

/// The key serde_json's `arbitrary_precision` uses to hand a number over as its text.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

pub fn exact<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    d.deserialize_any(Exact)
}

/// `exact` for an optional field: `null` or absent is `None`.
pub fn opt_exact<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    #[derive(serde::Deserialize)]
    struct Wrapped(#[serde(deserialize_with = "exact")] Decimal);
    <Option<Wrapped> as serde::Deserialize>::deserialize(d).map(|o| o.map(|w| w.0))
}

struct Exact;

/// Digits with an optional sign and fraction (`-12.50`): no spaces, exponents or bare points,
/// so what is accepted is exactly what the API's schema pattern describes.
pub const PATTERN: &str = "^-?[0-9]+(\\.[0-9]+)?$";

fn well_formed(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (whole, fraction) = digits.split_once('.').map_or((digits, None), |(w, f)| (w, Some(f)));
    let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    all_digits(whole) && fraction.is_none_or(all_digits)
}

fn parse<E: de::Error>(s: &str) -> Result<Decimal, E> {
    if !well_formed(s) {
        return Err(E::custom(format!("{s:?} is not a decimal such as 150.00")));
    }
    Decimal::from_str_exact(s)
        .map_err(|e| E::custom(format!("{s:?} is not an exact decimal of at most 28 digits: {e}")))
}

impl<'de> Visitor<'de> for Exact {
    type Value = Decimal;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a decimal, as a string such as \"150.00\" or a JSON number")
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Decimal, E> {
        parse(s)
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Decimal, E> {
        Ok(Decimal::from(n))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Decimal, E> {
        Ok(Decimal::from(n))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Decimal, A::Error> {
        match map.next_key::<String>()? {
            Some(key) if key == NUMBER_TOKEN => parse(&map.next_value::<String>()?),
            _ => Err(de::Error::invalid_type(de::Unexpected::Map, &self)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Price {
        #[serde(deserialize_with = "exact")]
        p: Decimal,
    }

    fn price(json: &str) -> Result<String, String> {
        serde_json::from_str::<Price>(json).map(|p| p.p.to_string()).map_err(|e| e.to_string())
    }

    #[test]
    fn numbers_and_strings_are_read_exactly() {
        assert_eq!(price(r#"{"p": "150.00"}"#).unwrap(), "150.00");
        assert_eq!(price(r#"{"p": 150.00}"#).unwrap(), "150.00", "a JSON number keeps its digits");
        assert_eq!(price(r#"{"p": 0.1}"#).unwrap(), "0.1");
        assert_eq!(price(r#"{"p": 40}"#).unwrap(), "40");
        assert_eq!(price(r#"{"p": -3}"#).unwrap(), "-3");
    }

    #[test]
    fn too_many_digits_and_other_types_are_refused() {
        assert!(price(r#"{"p": "0.00499999999999999999999999999"}"#).is_err());
        assert!(price(r#"{"p": 0.00499999999999999999999999999}"#).is_err());
        assert!(price(r#"{"p": 1e3}"#).is_err(), "exponents are not decimals a person typed");
        assert!(price(r#"{"p": true}"#).is_err());
        for bad in [" 1", "1 ", "+1", ".5", "5.", "1e3", "", "-", "1.2.3", "0x10"] {
            assert!(price(&format!(r#"{{"p": "{bad}"}}"#)).is_err(), "{bad:?} was accepted");
        }
        assert!(price(r#"{"p": {"x": "1"}}"#).is_err());
    }
}
