//! CSV bank statements: detection of the delimiter, columns, decimal mark and date format;
//! malformed lines reported by line number with the good ones still read; de-duplication by
//! the bank's id, or by a stable hash when there is none.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test code: a panic is a failed test")]

use remit_core::Currency;
use remit_core::statement::csv::{Options, read};

fn amounts(i: &remit_core::statement::Import) -> Vec<String> {
    i.transactions.iter().map(|t| t.amount.amount()).collect()
}

#[test]
fn the_documented_header_is_read_with_no_options() {
    let data = "Transaction ID,Date,Amount,Currency,Payer,Reference,Description\n\
        T1,2026-12-01,6600.00,USD,ACME Corp.,INV-2026-0001,\"Payment, thanks\"\n\
        T2,2026-12-02,-12.50,USD,,,Bank fee\n";
    let i = read(data.as_bytes(), &Options::default()).unwrap();
    assert!(i.errors.is_empty(), "{:?}", i.errors);
    let t = &i.transactions[0];
    assert_eq!((t.id.as_str(), t.date.to_string(), t.amount.amount()), ("T1", "2026-12-01".into(), "6600.00".into()));
    assert_eq!((t.payer.as_deref(), t.reference.as_deref()), (Some("ACME Corp."), Some("INV-2026-0001")));
    assert_eq!(t.description.as_deref(), Some("Payment, thanks"), "a quoted delimiter stays in its field");
    assert_eq!(amounts(&i), ["6600.00", "-12.50"]);
    assert_eq!(i.transactions[1].payer, None);
}

#[test]
fn a_european_export_with_debit_and_credit_columns_is_understood() {
    let data = "\u{feff}Buchungstag;Auftraggeber;Verwendungszweck;Soll;Haben;Währung\n\
        07.12.2026;Müller GmbH;RE 2026-0042;;1.234,56;EUR\n\
        31.12.2026;Telekom;Rechnung;-49,99;;EUR\n";
    let i = read(data.as_bytes(), &Options::default()).unwrap();
    assert!(i.errors.is_empty(), "{:?}", i.errors);
    assert_eq!(amounts(&i), ["1234.56", "-49.99"]);
    assert_eq!(i.transactions[0].date.to_string(), "2026-12-07");
    assert_eq!(i.transactions[0].reference.as_deref(), Some("RE 2026-0042"));
}

#[test]
fn a_statement_without_a_currency_column_takes_the_one_given() {
    let data = "Date\tDescription\tAmount\n12/25/2026\tDeposit\t1,500.00\n01/02/2027\tCheck 101\t(200.00)\n";
    assert!(read(data.as_bytes(), &Options::default()).unwrap().errors.len() == 2, "no currency: both refused");
    let usd = Options { currency: Some(Currency::parse("USD").unwrap()), ..Default::default() };
    let i = read(data.as_bytes(), &usd).unwrap();
    assert_eq!(amounts(&i), ["1500.00", "-200.00"]);
    assert_eq!(i.transactions[0].date.to_string(), "2026-12-25", "month first: a day above 12 says so");
}

#[test]
fn malformed_lines_are_named_and_the_good_ones_kept() {
    let data = "Transaction ID,Date,Amount,Currency,Payer,Reference,Description\n\
        T1,2026-12-01,100.00,USD,A,,\n\
        T2,2026-13-01,100.00,USD,B,,\n\
        T3,2026-12-03,ten,USD,C,,\n\
        T4,2026-12-04,1.005,USD,D,,\n\
        T5,2026-12-05,5.00,XYZ,E,,\n\
        T6,2026-12-06,6.00,USD,F,,\n";
    let i = read(data.as_bytes(), &Options::default()).unwrap();
    let lines: Vec<u64> = i.errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, [3, 4, 5, 6], "{:?}", i.errors);
    assert!(i.errors[0].message.contains("2026-13-01"), "{:?}", i.errors[0]);
    assert!(i.errors[2].message.contains("more decimals"), "{:?}", i.errors[2]);
    assert!(i.errors[3].message.contains("XYZ"), "{:?}", i.errors[3]);
    let ids: Vec<&str> = i.transactions.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["T1", "T6"]);
}

#[test]
fn the_banks_id_de_duplicates_and_a_stable_hash_stands_in_for_a_missing_one() {
    let data = "Transaction ID,Date,Amount,Currency,Payer,Reference,Description\n\
        T1,2026-12-01,100.00,USD,A,,\n\
        T1,2026-12-01,100.00,USD,A,,\n\
        ,2026-12-02,4.50,USD,Cafe,,Coffee\n\
        ,2026-12-02,4.50,USD,Cafe,,Coffee\n";
    let first = read(data.as_bytes(), &Options::default()).unwrap();
    assert_eq!((first.transactions.len(), first.duplicates), (3, 1), "the same id twice is one transaction");
    let (a, b) = (&first.transactions[1].id, &first.transactions[2].id);
    assert!(a.starts_with("sha256:") && a != b, "two equal coffees are two transactions: {a} {b}");
    let again = read(data.as_bytes(), &Options::default()).unwrap();
    assert_eq!(first.transactions, again.transactions, "reading the same file again gives the same ids");
}

#[test]
fn a_header_without_dates_or_amounts_is_refused_whole() {
    for data in ["Payer,Amount\nA,1.00\n", "Date,Payer\n2026-12-01,A\n"] {
        let err = read(data.as_bytes(), &Options::default()).unwrap_err();
        assert!(err.contains("no date column") || err.contains("no amount column"), "{err}");
    }
}
