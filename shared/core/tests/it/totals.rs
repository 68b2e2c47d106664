//! Tax and totals: the spec's example, zero- and three-decimal currencies, the rounding rule,
//! discounts, inclusive prices, bad input, and the property that totals equal their parts.

use crate::fixtures::*;
use proptest::prelude::*;
use remit_core::tax::{TaxSubtotal, compute};
use remit_core::*;

fn amounts(t: &Totals) -> (String, String, String) {
    (t.subtotal.amount(), t.tax.amount(), t.total.amount())
}

#[test]
fn the_spec_example_totals_6600() {
    // Spec 5.2: 40 × 150.00 at 10 % tax.
    let inv = invoice("USD", vec![line("Web Development", "40", "150.00", "10")]);
    let totals = inv.validate().unwrap();
    assert_eq!(amounts(&totals), ("6000.00".into(), "600.00".into(), "6600.00".into()));
    assert_eq!(totals.discount, money("0", "USD"));
    assert_eq!(
        totals.tax_breakdown,
        vec![TaxSubtotal {
            category: TaxCategory::Standard,
            rate: dec("10"),
            taxable: money("6000.00", "USD"),
            tax: money("600.00", "USD"),
        }]
    );
    let state = lifecycle::state(&inv, &[], date("2025-01-15")).unwrap();
    assert_eq!(state.status, Status::Draft);
    assert_eq!(state.balance.amount_due, money("6600.00", "USD"));
    assert_eq!(state.balance.amount_paid, money("0.00", "USD"));
}

#[test]
fn yen_has_no_minor_unit() {
    let inv = invoice("JPY", vec![line("Consulting", "3", "333.3", "10"), line("Travel", "1", "0.5", "10")]);
    let t = inv.totals().unwrap();
    // 999.9 → 1000 and 0.5 → 1 (half away from zero); tax 10 % of 1001 = 100.1 → 100.
    assert_eq!(t.lines[0].net.amount(), "1000");
    assert_eq!(t.lines[1].net.amount(), "1");
    assert_eq!(amounts(&t), ("1001".into(), "100".into(), "1101".into()));
    let t = invoice("JPY", vec![line("Item", "1", "1005", "10")]).totals().unwrap();
    assert_eq!(t.tax.amount(), "101", "100.5 rounds half away from zero");
}

#[test]
fn bahraini_dinar_has_three_decimals() {
    let inv = invoice("BHD", vec![line("Service", "3", "1.333", "5"), line("Parts", "2", "0.1235", "5")]);
    let t = inv.totals().unwrap();
    // 3.999 + 0.247 = 4.246; 5 % = 0.2123 → 0.212.
    assert_eq!(t.lines[1].net.amount(), "0.247");
    assert_eq!(amounts(&t), ("4.246".into(), "0.212".into(), "4.458".into()));
    let t = invoice("BHD", vec![line("Fee", "1", "0.0005", "0")]).totals().unwrap();
    assert_eq!(t.total.amount(), "0.001", "0.0005 rounds up to one fils");
}

#[test]
fn lines_are_rounded_before_they_are_summed() {
    // Three lines of 0.335 each round to 0.34 each (1.02), not to round(1.005) = 1.01.
    let inv =
        invoice("USD", vec![line("a", "1", "0.335", "0"), line("b", "1", "0.335", "0"), line("c", "1", "0.335", "0")]);
    assert_eq!(inv.totals().unwrap().subtotal.amount(), "1.02");
}

#[test]
fn tax_is_summed_per_rate_not_per_line() {
    // Per line, 10 % of 0.05 is 0.005 → 0.01 each (0.03); per rate it is 10 % of 0.15 = 0.015 → 0.02.
    let inv =
        invoice("EUR", vec![line("a", "1", "0.05", "10"), line("b", "1", "0.05", "10"), line("c", "1", "0.05", "10")]);
    let t = inv.totals().unwrap();
    assert_eq!(t.tax.amount(), "0.02");
    assert_eq!(t.tax_breakdown.len(), 1);
}

#[test]
fn invoice_discount_is_shared_between_rates() {
    let mut inv = invoice(
        "EUR",
        vec![
            line("Standard", "1", "100.00", "20"),
            line("Reduced", "1", "50.00", "5"),
            line("Standard again", "2", "25.00", "20.0"),
        ],
    );
    inv.discount = Some(Discount::Percent(dec("10")));
    let t = inv.totals().unwrap();
    assert_eq!(t.subtotal.amount(), "200.00");
    assert_eq!(t.discount.amount(), "20.00");
    // 20 % group: 150.00 − 15.00 = 135.00, tax 27.00; 5 % group: 50.00 − 5.00 = 45.00, tax 2.25.
    let by_rate: Vec<_> =
        t.tax_breakdown.iter().map(|b| (b.rate.to_string(), b.taxable.amount(), b.tax.amount())).collect();
    assert_eq!(
        by_rate,
        vec![("5".into(), "45.00".into(), "2.25".into()), ("20".into(), "135.00".into(), "27.00".into()),]
    );
    assert_eq!(t.total.amount(), "209.25");

    inv.discount = Some(Discount::Amount(dec("0.01")));
    let t = inv.totals().unwrap();
    assert_eq!(t.discount.amount(), "0.01");
    assert_eq!(t.tax_breakdown.iter().map(|b| b.taxable.minor()).sum::<i64>(), 19_999);
}

#[test]
fn line_discounts_percent_and_fixed() {
    let mut a = line("Design", "10", "99.99", "0");
    a.discount = Some(Discount::Percent(dec("15")));
    let mut b = line("Hosting", "1", "120.00", "0");
    b.discount = Some(Discount::Amount(dec("20.00")));
    let t = invoice("USD", vec![a, b]).totals().unwrap();
    // 999.90 × 0.85 = 849.915 → 849.92
    assert_eq!(t.lines[0].net.amount(), "849.92");
    assert_eq!(t.lines[1].net.amount(), "100.00");
    assert_eq!(t.total.amount(), "949.92");
}

#[test]
fn inclusive_prices_extract_the_tax() {
    let mut inv = invoice("EUR", vec![line("Coffee machine", "1", "119.00", "19"), line("Book", "2", "10.70", "7")]);
    inv.price_mode = PriceMode::Inclusive;
    let t = inv.totals().unwrap();
    assert_eq!(t.lines[0].amount.amount(), "119.00");
    assert_eq!(t.lines[0].net.amount(), "100.00");
    assert_eq!(t.lines[1].net.amount(), "20.00");
    assert_eq!(amounts(&t), ("120.00".into(), "20.40".into(), "140.40".into()));

    inv.discount = Some(Discount::Amount(dec("11.90")));
    let t = inv.totals().unwrap();
    assert_eq!(t.total.amount(), "128.50", "the customer pays the gross minus the gross discount");
    assert_eq!(t.subtotal.checked_sub(t.discount).unwrap().checked_add(t.tax).unwrap(), t.total);
}

#[test]
fn bad_lines_are_reported_field_by_field_at_once() {
    let mut a = line("", "-1", "10.00", "10");
    a.discount = Some(Discount::Percent(dec("150")));
    let mut b = line("Over-discounted", "1", "10.00", "120");
    b.tax_category = TaxCategory::Exempt;
    let mut c = line("Too generous", "1", "10.00", "0");
    c.discount = Some(Discount::Amount(dec("10.01")));
    let mut d = line("Fractional cents", "1", "10.00", "0");
    d.discount = Some(Discount::Amount(dec("0.001")));
    let mut e = line("Exempt with a rate", "1", "10.00", "7");
    e.tax_category = TaxCategory::Exempt;
    let mut inv = invoice("USD", vec![a, b, c, d, e, line("Negative price", "1", "-5", "0")]);
    inv.due_date = date("2025-01-01");
    let Err(Error::Validation(errors)) = inv.validate() else { panic!("expected validation errors") };
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "due_date",
            "line_items[0].description",
            "line_items[0].quantity",
            "line_items[1].tax_rate",
            "line_items[2].discount",
            "line_items[3].discount",
            "line_items[4].tax_rate",
            "line_items[5].unit_price",
        ]
    );
    assert!(errors[4].message.contains("larger"), "{}", errors[4].message);
}

#[test]
fn more_decimals_than_the_rules_keep_exact_are_refused() {
    let inv = invoice(
        "USD",
        vec![
            line("Too precise quantity", "1.0000001", "1", "0"),
            line("Too precise price", "1", "0.000000001", "0"),
            line("Too precise rate", "1", "1", "7.12345"),
        ],
    );
    let Err(Error::Validation(errors)) = inv.totals() else { panic!("expected validation errors") };
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["line_items[0].quantity", "line_items[1].unit_price", "line_items[2].tax_rate"]);
    // More digits than a decimal holds would be rounded while parsing: refused there instead.
    let json = r#"{"description":"x","quantity":"1","unit_price":"0.00499999999999999999999999999","tax_rate":"0"}"#;
    let err = serde_json::from_str::<LineItem>(json).unwrap_err();
    assert!(err.to_string().contains("exact decimal"), "{err}");
    let discount = serde_json::from_str::<Discount>(r#"{"percent":"10.00000000000000000000000000001"}"#);
    assert!(discount.is_err());
    assert_eq!(serde_json::from_str::<Discount>(r#"{"amount":"5.00"}"#).unwrap(), Discount::Amount(dec("5.00")));
}

#[test]
fn invoice_discount_larger_than_the_lines_is_refused() {
    let mut inv = invoice("USD", vec![line("Small", "1", "5.00", "0")]);
    inv.discount = Some(Discount::Amount(dec("5.01")));
    let err = inv.totals().unwrap_err();
    assert_eq!(err.code(), "validation_failed");
    assert!(err.to_string().contains("discount"), "{err}");
}

#[test]
fn amounts_too_large_for_minor_units_are_refused_not_wrapped() {
    let inv = invoice("USD", vec![line("Huge", "1000000000", "1000000000000", "0")]);
    assert_eq!(inv.totals().unwrap_err(), Error::Overflow);
}

#[test]
fn issuing_needs_a_line() {
    let inv = invoice("USD", vec![]);
    assert!(inv.validate().is_ok(), "an empty draft may be saved");
    let Err(Error::Validation(errors)) = inv.validate_for_issue() else { panic!() };
    assert_eq!(errors[0].field, "line_items");
}

#[test]
fn the_spec_request_body_parses_exactly_as_strings_or_numbers() {
    let json = r#"{"description":"Web Development","quantity":"40","unit_price":"150.00","tax_rate":"10"}"#;
    let parsed: LineItem = serde_json::from_str(json).unwrap();
    assert_eq!(parsed.unit_price, dec("150.00"));
    // The spec's own example sends numbers: they are read as their text, never as a float.
    let numbers = r#"{"description":"Web Development","quantity":40,"unit_price":150.00,"tax_rate":10}"#;
    let parsed: LineItem = serde_json::from_str(numbers).unwrap();
    assert_eq!((parsed.quantity, parsed.unit_price.to_string()), (dec("40"), "150.00".to_owned()));
    let tiny = r#"{"description":"x","quantity":1,"unit_price":0.1,"tax_rate":0}"#;
    assert_eq!(
        serde_json::from_str::<LineItem>(tiny).unwrap().unit_price.to_string(),
        "0.1",
        "not 0.1000000000000000055"
    );
    let exponent = r#"{"description":"x","quantity":1,"unit_price":1e2,"tax_rate":0}"#;
    assert!(serde_json::from_str::<LineItem>(exponent).is_err());
}

fn rate() -> impl Strategy<Value = Decimal> {
    // The same rate spelled two ways ("10", "10.0") must still make one group.
    prop::sample::select(vec!["0", "5", "7.5", "7.50", "10", "10.0", "19", "20", "21", "8.875"]).prop_map(dec)
}

fn arb_line() -> impl Strategy<Value = LineItem> {
    (0i64..5000, 0u32..4, 0i64..10_000_000, 0u32..5, rate(), prop::option::of(0i64..=100)).prop_map(
        |(q, qs, p, ps, rate, pct)| {
            let mut l = line("x", "1", "1", "0");
            l.quantity = Decimal::new(q, qs);
            l.unit_price = Decimal::new(p, ps);
            l.tax_rate = rate;
            l.discount = pct.map(|p| Discount::Percent(Decimal::from(p)));
            l
        },
    )
}

fn currency() -> impl Strategy<Value = Currency> {
    prop::sample::select(vec!["USD", "JPY", "BHD", "EUR", "CLF"]).prop_map(cur)
}

proptest! {
    #[test]
    fn totals_equal_the_sum_of_their_parts(
        c in currency(),
        inclusive in any::<bool>(),
        lines in prop::collection::vec(arb_line(), 0..12),
        discount_pct in prop::option::of(0i64..=100),
    ) {
        let mode = if inclusive { PriceMode::Inclusive } else { PriceMode::Exclusive };
        let discount = discount_pct.map(|p| Discount::Percent(Decimal::from(p)));
        let t = compute(c, mode, &lines, discount.as_ref()).unwrap();
        let sum = |it: &mut dyn Iterator<Item = Money>| Money::sum(it, c).unwrap();
        prop_assert_eq!(t.subtotal, sum(&mut t.lines.iter().map(|l| l.net)));
        prop_assert_eq!(t.tax, sum(&mut t.tax_breakdown.iter().map(|b| b.tax)));
        prop_assert_eq!(
            sum(&mut t.tax_breakdown.iter().map(|b| b.taxable)),
            t.subtotal.checked_sub(t.discount).unwrap()
        );
        prop_assert_eq!(t.total, t.subtotal.checked_sub(t.discount).unwrap().checked_add(t.tax).unwrap());
        prop_assert!(!t.discount.is_negative() && !t.total.is_negative() && !t.tax.is_negative());
        prop_assert!(t.discount.checked_cmp(t.subtotal).unwrap().is_le());
        let line_amounts = sum(&mut t.lines.iter().map(|l| l.amount));
        if inclusive {
            // What the customer pays is what the lines show, less the discount.
            let gross_discount = line_amounts.checked_sub(t.total).unwrap();
            prop_assert!(!gross_discount.is_negative());
            if discount.is_none() { prop_assert!(gross_discount.is_zero()); }
        } else {
            prop_assert_eq!(line_amounts, t.subtotal);
            for b in &t.tax_breakdown {
                let exact = b.taxable.to_decimal() * b.rate / Decimal::ONE_HUNDRED;
                prop_assert_eq!(b.tax, Money::from_decimal_rounded(exact, c).unwrap());
            }
        }
        // One group per (category, rate), each rate once.
        let mut rates: Vec<_> = t.tax_breakdown.iter().map(|b| b.rate).collect();
        rates.dedup();
        prop_assert_eq!(rates.len(), t.tax_breakdown.len());
    }

    #[test]
    fn line_order_does_not_change_the_totals(lines in prop::collection::vec(arb_line(), 1..8), c in currency()) {
        let forward = compute(c, PriceMode::Exclusive, &lines, Some(&Discount::Percent(dec("3")))).unwrap();
        let mut reversed_lines = lines.clone();
        reversed_lines.reverse();
        let backward = compute(c, PriceMode::Exclusive, &reversed_lines, Some(&Discount::Percent(dec("3")))).unwrap();
        prop_assert_eq!(forward.total, backward.total);
        prop_assert_eq!(forward.tax_breakdown, backward.tax_breakdown);
    }
}
