//! Decimals read from JSON exactly: `"0.00499999999999999999999999999"` has more digits than a
//! decimal holds, and the default parser would quietly round it to 0.005. Amount-bearing
//! fields refuse such input instead. Strings only: a JSON number would pass through a float.

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};

pub fn exact<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    let s = String::deserialize(d)?;
    Decimal::from_str_exact(s.trim())
        .map_err(|e| serde::de::Error::custom(format!("{s:?} is not an exact decimal of at most 28 digits: {e}")))
}
