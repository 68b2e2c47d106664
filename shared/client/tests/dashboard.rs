//! The dashboard's figures against invoices made for the purpose: outstanding, overdue and
//! aged per currency (never added across currencies), received this month, latest activity.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test code: a panic is a failed test")]

use chrono::{Duration, Utc};
use remit_client::replica::{NewCustomer, NewInvoice, Replica};

#[test]
fn figures_per_currency_with_aging_and_activity() {
    let dir = std::env::temp_dir().join(format!("remit-dash-{}", uuid::Uuid::now_v7().simple()));
    let (mut r, _) = Replica::init(&dir).unwrap();
    let empty = r.dashboard().unwrap();
    assert!(empty.currencies.is_empty() && empty.activity.is_empty());

    let mut customer = |name: &str, currency: &str| {
        let c = NewCustomer { name: name.into(), currency: Some(currency.into()), ..Default::default() };
        r.create_customer(c).unwrap()["id"].as_str().unwrap().to_owned()
    };
    let (acme, globex) = (customer("ACME", "USD"), customer("Globex", "EUR"));
    let today = Utc::now().date_naive();
    let mut make = |customer: &str, price: &str, due_days_ago: i64, issue: bool| {
        let due = today - Duration::days(due_days_ago);
        let input = NewInvoice {
            customer_id: customer.into(),
            issue_date: Some(due - Duration::days(30)),
            due_date: Some(due),
            lines: vec![format!("Work|1|{price}|0").parse().unwrap()],
            ..Default::default()
        };
        let id = r.create_invoice(input).unwrap()["id"].as_str().unwrap().to_owned();
        if issue {
            r.issue_invoice(&id).unwrap();
        }
        id
    };
    let not_due = make(&acme, "100.00", -5, true);
    let late_10 = make(&acme, "200.00", 10, true);
    let late_45 = make(&acme, "300.00", 45, true);
    let late_120 = make(&acme, "400.00", 120, true);
    let _draft = make(&acme, "999.00", 50, false);
    let euro = make(&globex, "50.00", 70, true);
    r.record_payment(&late_45, "100.00", "cash").unwrap();
    r.record_payment(&late_120, "400.00", "bank_transfer").unwrap();
    r.record_payment(&euro, "10.00", "cash").unwrap();
    let _ = not_due;
    let _ = late_10;

    let d = r.dashboard().unwrap();
    let usd = d.currencies.iter().find(|c| c.currency == "USD").unwrap();
    // Owed: 100 (not due) + 200 (10 days late) + 200 of 300 (45 days); 400 paid; the draft is not owed.
    assert_eq!((usd.outstanding.as_str(), usd.outstanding_count), ("500.00", 3));
    assert_eq!((usd.overdue.as_str(), usd.overdue_count), ("400.00", 2));
    assert_eq!(usd.aging, ["100.00", "200.00", "200.00", "0.00", "0.00"].map(String::from));
    assert_eq!(usd.received_this_month, "500.00");
    let eur = d.currencies.iter().find(|c| c.currency == "EUR").unwrap();
    assert_eq!(
        (eur.outstanding.as_str(), eur.aging[3].as_str(), eur.received_this_month.as_str()),
        ("40.00", "40.00", "10.00")
    );

    assert_eq!(d.activity.len(), 8, "5 issues and 3 payments: {:?}", d.activity);
    let first = &d.activity[0];
    assert_eq!(
        (first.kind.as_str(), first.amount.as_deref(), first.customer_name.as_str()),
        ("payment", Some("10.00"), "Globex")
    );
    let _ = std::fs::remove_dir_all(&dir);
}
