//! The tax rates a business uses, named ("GST 10 %"), offered by the invoice editor so a line's
//! rate is picked rather than typed. Kept on the device: the server has no tax-rate setting yet,
//! so each device keeps its own list.

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::invoices::parse_decimal;
use super::sync::{put_setting, store_err};
use super::{Replica, db};
use crate::error::{Error, Result};

const SETTING: &str = "tax_rates";
const MAX_RATES: usize = 50;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct TaxRate {
    pub name: String,
    /// Percent as a decimal string: `"10"`, `"7.5"`.
    pub rate: String,
}

/// Trims and checks the list; every problem names the entry.
fn checked(rates: Vec<TaxRate>) -> Result<Vec<TaxRate>> {
    if rates.len() > MAX_RATES {
        return Err(Error::BadArgument(format!("at most {MAX_RATES} tax rates")));
    }
    let mut out: Vec<TaxRate> = Vec::with_capacity(rates.len());
    for (i, r) in rates.into_iter().enumerate() {
        let name = r.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 64 {
            return Err(Error::BadArgument(format!("tax rate {}: a name of 1 to 64 characters is required", i + 1)));
        }
        if out.iter().any(|o| o.name.eq_ignore_ascii_case(&name)) {
            return Err(Error::BadArgument(format!("tax rate {}: {name:?} is listed twice", i + 1)));
        }
        let rate = parse_decimal(&format!("tax rate {} ({name})", i + 1), &r.rate)?;
        if rate.is_sign_negative() || rate > rust_decimal::Decimal::ONE_HUNDRED {
            return Err(Error::BadArgument(format!("tax rate {} ({name}): a percent from 0 to 100", i + 1)));
        }
        out.push(TaxRate { name, rate: rate.normalize().to_string() });
    }
    Ok(out)
}

impl Replica {
    /// The list as last saved here; empty until someone adds one.
    pub fn tax_rates(&self) -> Result<Vec<TaxRate>> {
        let text: Option<String> = self
            .conn
            .query_row("SELECT value FROM sync_cursors WHERE name = ?1", params![SETTING], |r| r.get(0))
            .optional()
            .map_err(db)?;
        text.map_or(Ok(Vec::new()), |t| serde_json::from_str(&t).map_err(store_err))
    }

    /// Replaces the list; a bad entry refuses the whole list and keeps the one stored.
    pub fn set_tax_rates(&mut self, rates: Vec<TaxRate>) -> Result<Vec<TaxRate>> {
        let rates = checked(rates)?;
        let text = serde_json::to_string(&rates).map_err(store_err)?;
        self.write(|tx| put_setting(tx, SETTING, &text))?;
        Ok(rates)
    }
}
