//! Tax and totals: the one rounding rule set every device and the server use.
//!
//! The rule, after EN 16931 (the European e-invoicing norm):
//! 1. A line's amount is `quantity × unit price − line discount`, computed exactly in decimals
//!    and then rounded once to the currency's minor unit, half away from zero.
//! 2. Lines are grouped by tax category and rate. The invoice discount is taken from the sum
//!    of line amounts and shared between the groups in proportion to their amounts (largest
//!    remainder, so the shares add up to the discount exactly).
//! 3. Tax is computed once per group on the group's discounted amount and rounded once:
//!    exclusive prices: `tax = round(base × rate / 100)`;
//!    inclusive prices: `tax = round(gross × rate / (100 + rate))`, `base = gross − tax`.
//! 4. `total = subtotal − discount + tax`, where `subtotal` is the sum of line nets
//!    (exclusive of tax) and `tax` the sum of the groups' tax. Every figure is integer minor
//!    units, so the totals equal the sum of their parts by construction.
//!
//! With inclusive prices, the exclusive line nets are the group's base shared between its
//! lines by their gross amounts, so they too add up exactly. The tax extracted from a gross
//! amount can differ by one minor unit from `base × rate` recomputed on the rounded base
//! (10.99 EUR at 19 % holds 1.75 of tax on a base of 9.24, and 9.24 × 19 % is 1.7556); EN 16931
//! allows this difference for inclusive amounts.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::currency::Currency;
use crate::document::LineItem;
use crate::error::{Error, FieldError, Result};
use crate::money::Money;

const HUNDRED: Decimal = Decimal::ONE_HUNDRED;

// Decimal places accepted on input. A decimal holds 28 significant digits; with these limits
// the products the rules form stay exact for any realistic amount, so the one rounding the
// rules promise is the only one (a 29-digit input would otherwise be rounded on parsing).
pub const MAX_QUANTITY_DECIMALS: u32 = 6;
pub const MAX_PRICE_DECIMALS: u32 = 8;
pub const MAX_PERCENT_DECIMALS: u32 = 4;

/// UNCL 5305 tax category, as EN 16931 uses. Only `Standard` carries a non-zero rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum TaxCategory {
    #[default]
    Standard,
    ZeroRated,
    Exempt,
    ReverseCharge,
    IntraCommunity,
    Export,
    OutsideScope,
}

impl TaxCategory {
    /// The UNCL 5305 code printed on e-invoices.
    pub fn code(self) -> &'static str {
        match self {
            TaxCategory::Standard => "S",
            TaxCategory::ZeroRated => "Z",
            TaxCategory::Exempt => "E",
            TaxCategory::ReverseCharge => "AE",
            TaxCategory::IntraCommunity => "K",
            TaxCategory::Export => "G",
            TaxCategory::OutsideScope => "O",
        }
    }
}

/// Whether unit prices include tax (retail, B2C) or not (B2B, the default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriceMode {
    #[default]
    Exclusive,
    Inclusive,
}

/// A discount on a line or on the whole invoice: `{"percent": "10"}` or `{"amount": "5.00"}`.
/// In inclusive mode an amount discount is inclusive of tax, like the prices it reduces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Discount {
    Percent(#[serde(deserialize_with = "crate::decimal::exact")] Decimal),
    Amount(#[serde(deserialize_with = "crate::decimal::exact")] Decimal),
}

/// One line's share of the totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LineTotal {
    /// The line amount as printed, in the invoice's price mode, after the line discount.
    #[cfg_attr(feature = "ts", ts(type = "Money"))]
    pub amount: Money,
    /// The line amount exclusive of tax (equal to `amount` with exclusive prices).
    #[cfg_attr(feature = "ts", ts(type = "Money"))]
    pub net: Money,
}

/// Tax for one category and rate (EN 16931 BG-23, "VAT breakdown").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TaxSubtotal {
    pub category: TaxCategory,
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub rate: Decimal,
    /// Amount the tax is charged on, after its share of the invoice discount.
    #[cfg_attr(feature = "ts", ts(type = "Money"))]
    pub taxable: Money,
    #[cfg_attr(feature = "ts", ts(type = "Money"))]
    pub tax: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Totals {
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub currency: Currency,
    pub lines: Vec<LineTotal>,
    /// Sum of line nets, exclusive of tax, before the invoice discount.
    #[cfg_attr(feature = "ts", ts(type = "Money"))]
    pub subtotal: Money,
    /// Invoice discount, exclusive of tax.
    #[cfg_attr(feature = "ts", ts(type = "Money"))]
    pub discount: Money,
    pub tax_breakdown: Vec<TaxSubtotal>,
    #[cfg_attr(feature = "ts", ts(type = "Money"))]
    pub tax: Money,
    #[cfg_attr(feature = "ts", ts(type = "Money"))]
    pub total: Money,
}

type GroupKey = (TaxCategory, Decimal);

/// Computes the totals of a set of lines. Bad input (negative quantities, out-of-range rates,
/// discounts larger than what they discount) is reported field by field.
pub fn compute(currency: Currency, mode: PriceMode, lines: &[LineItem], discount: Option<&Discount>) -> Result<Totals> {
    let mut errors = Vec::new();
    let amounts: Vec<Option<Money>> =
        lines.iter().enumerate().map(|(i, line)| line_amount(i, line, currency, &mut errors)).collect::<Result<_>>()?;
    let line_sum = Money::sum(amounts.iter().flatten().copied(), currency)?;
    let invoice_discount =
        discount.map(|d| discount_amount("discount", d, line_sum, currency, &mut errors)).transpose()?.flatten();
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let amounts: Vec<Money> = amounts.into_iter().flatten().collect();
    let mut groups: BTreeMap<GroupKey, Vec<usize>> = BTreeMap::new();
    for (i, line) in lines.iter().enumerate() {
        groups.entry((line.tax_category, line.tax_rate.normalize())).or_default().push(i);
    }
    let group_sums: Vec<Money> =
        groups.values().map(|idx| Money::sum(idx.iter().map(|&i| amounts[i]), currency)).collect::<Result<_>>()?;
    let discount_shares = split(invoice_discount.unwrap_or(Money::zero(currency)), &group_sums)?;

    let mut nets = amounts.clone();
    let mut breakdown = Vec::with_capacity(groups.len());
    let mut discount_excl = Money::zero(currency);
    for (((category, rate), idx), (sum, share)) in groups.iter().zip(group_sums.iter().zip(&discount_shares)) {
        let after_discount = sum.checked_sub(*share)?;
        let (taxable, tax) = match mode {
            PriceMode::Exclusive => {
                let tax = Money::from_decimal_rounded(percent_of(after_discount, *rate)?, currency)?;
                discount_excl = discount_excl.checked_add(*share)?;
                (after_discount, tax)
            }
            PriceMode::Inclusive => {
                let tax = inclusive_tax(after_discount, *rate)?;
                let taxable = after_discount.checked_sub(tax)?;
                let net_before_discount = sum.checked_sub(inclusive_tax(*sum, *rate)?)?;
                discount_excl = discount_excl.checked_add(net_before_discount.checked_sub(taxable)?)?;
                let line_weights: Vec<Money> = idx.iter().map(|&i| amounts[i]).collect();
                for (&i, net) in idx.iter().zip(split(net_before_discount, &line_weights)?) {
                    nets[i] = net;
                }
                (taxable, tax)
            }
        };
        breakdown.push(TaxSubtotal { category: *category, rate: *rate, taxable, tax });
    }
    let subtotal = Money::sum(nets.iter().copied(), currency)?;
    let tax = Money::sum(breakdown.iter().map(|b| b.tax), currency)?;
    let total = subtotal.checked_sub(discount_excl)?.checked_add(tax)?;
    let lines = amounts.into_iter().zip(nets).map(|(amount, net)| LineTotal { amount, net }).collect();
    Ok(Totals { currency, lines, subtotal, discount: discount_excl, tax_breakdown: breakdown, tax, total })
}

/// A line's amount after its discount, rounded once; `None` (with errors noted) when invalid.
fn line_amount(i: usize, line: &LineItem, currency: Currency, errors: &mut Vec<FieldError>) -> Result<Option<Money>> {
    let field = |name: &str| format!("line_items[{i}].{name}");
    let before = errors.len();
    if line.description.trim().is_empty() {
        errors.push(FieldError::new(field("description"), "must not be empty"));
    }
    if line.quantity.is_sign_negative() && !line.quantity.is_zero() {
        errors.push(FieldError::new(field("quantity"), "must not be negative"));
    } else if line.quantity.normalize().scale() > MAX_QUANTITY_DECIMALS {
        errors.push(FieldError::new(field("quantity"), format!("at most {MAX_QUANTITY_DECIMALS} decimals")));
    }
    if line.unit_price.is_sign_negative() && !line.unit_price.is_zero() {
        errors.push(FieldError::new(field("unit_price"), "must not be negative (use a discount or a credit note)"));
    } else if line.unit_price.normalize().scale() > MAX_PRICE_DECIMALS {
        errors.push(FieldError::new(field("unit_price"), format!("at most {MAX_PRICE_DECIMALS} decimals")));
    }
    check_rate(&field("tax_rate"), line.tax_category, line.tax_rate, errors);
    let gross = line.quantity.checked_mul(line.unit_price).ok_or(Error::Overflow)?;
    if errors.len() > before {
        return Ok(None);
    }
    let discounted = match &line.discount {
        None => gross,
        Some(d) => {
            let off = discount_decimal(&field("discount"), d, gross, currency, errors)?;
            match off {
                Some(off) => gross - off,
                None => return Ok(None),
            }
        }
    };
    Money::from_decimal_rounded(discounted, currency).map(Some)
}

fn check_rate(field: &str, category: TaxCategory, rate: Decimal, errors: &mut Vec<FieldError>) {
    if rate.is_sign_negative() && !rate.is_zero() || rate > HUNDRED || rate.normalize().scale() > MAX_PERCENT_DECIMALS {
        errors.push(FieldError::new(field, "must be a percentage from 0 to 100 with at most 4 decimals"));
    } else if category != TaxCategory::Standard && !rate.is_zero() {
        errors.push(FieldError::new(field, format!("must be 0 for tax category {:?}", category)));
    }
}

/// The discount as a decimal amount off `base`; `None` when it is invalid (error noted).
fn discount_decimal(
    field: &str,
    discount: &Discount,
    base: Decimal,
    currency: Currency,
    errors: &mut Vec<FieldError>,
) -> Result<Option<Decimal>> {
    let off = match *discount {
        Discount::Percent(p) => {
            if p.is_sign_negative() && !p.is_zero() || p > HUNDRED || p.normalize().scale() > MAX_PERCENT_DECIMALS {
                errors.push(FieldError::new(field, "percent must be from 0 to 100 with at most 4 decimals"));
                return Ok(None);
            }
            base.checked_mul(p).ok_or(Error::Overflow)? / HUNDRED
        }
        Discount::Amount(a) => {
            if a.is_sign_negative() && !a.is_zero() {
                errors.push(FieldError::new(field, "amount must not be negative"));
                return Ok(None);
            }
            if a.normalize().scale() > currency.exponent() {
                errors.push(FieldError::new(field, format!("amount has more decimals than {currency} allows")));
                return Ok(None);
            }
            a
        }
    };
    if off > base {
        errors.push(FieldError::new(field, "is larger than the amount it discounts"));
        return Ok(None);
    }
    Ok(Some(off))
}

/// The invoice discount in minor units, rounded once.
fn discount_amount(
    field: &str,
    discount: &Discount,
    base: Money,
    currency: Currency,
    errors: &mut Vec<FieldError>,
) -> Result<Option<Money>> {
    discount_decimal(field, discount, base.to_decimal(), currency, errors)?
        .map(|off| Money::from_decimal_rounded(off, currency))
        .transpose()
}

fn percent_of(amount: Money, rate: Decimal) -> Result<Decimal> {
    Ok(amount.to_decimal().checked_mul(rate).ok_or(Error::Overflow)? / HUNDRED)
}

/// The tax contained in a tax-inclusive amount: `gross × rate / (100 + rate)`, rounded.
fn inclusive_tax(gross: Money, rate: Decimal) -> Result<Money> {
    let contained = gross.to_decimal().checked_mul(rate).ok_or(Error::Overflow)? / (HUNDRED + rate);
    Money::from_decimal_rounded(contained, gross.currency())
}

/// Shares `amount` by the weights `by`; all zeros when the amount is zero.
fn split(amount: Money, by: &[Money]) -> Result<Vec<Money>> {
    if amount.is_zero() {
        return Ok(vec![Money::zero(amount.currency()); by.len()]);
    }
    let weights: Vec<Decimal> = by.iter().map(|w| Decimal::from(w.minor())).collect();
    amount.allocate(&weights)
}
