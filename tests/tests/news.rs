//! What a sync reports as news (the desktop's events and notifications come from it): a
//! payment or a view made elsewhere on an invoice this device holds, once; never what the
//! device made itself, and never a first sync's whole history (SQLite and PostgreSQL).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test code: a panic is a failed test")]

use remit_client::replica::NewsKind;
use remit_tests::{Db, Device, Server, drafts};
use serde_json::json;

remit_tests::both_stores!(payments_made_elsewhere_are_news_once);

fn payments_made_elsewhere_are_news_once(db: Db) {
    let server = Server::start(db);
    let mut office = Device::new(&server, &server.owner_key);
    let mut field = Device::new(&server, &server.owner_key);
    let ids = drafts(&mut office, 1);
    let id = &ids[0];
    let number = office.remote.issue(id).unwrap()["number"].as_str().unwrap().to_owned();
    assert!(field.sync().news.is_empty(), "a first sync brings history, not news");

    // Paid at the office (REST), recorded on the field device itself: only the first is news.
    let body = json!({ "invoice_id": id, "amount": "30.00", "currency": "USD", "method": "bank_transfer" });
    server.post(&server.owner_key, "/v1/payments", body);
    field.replica.record_payment(id, "20.00", "cash").unwrap();
    let report = field.sync();
    assert_eq!(report.news.len(), 1, "{report:?}");
    let news = &report.news[0];
    assert_eq!(news.kind, NewsKind::PaymentReceived);
    assert_eq!(
        (news.number.as_deref(), news.customer_name.as_deref(), news.amount.as_deref(), news.currency.as_deref()),
        (Some(number.as_str()), Some("ACME"), Some("30.00"), Some("USD"))
    );
    assert_eq!(news.method.as_deref(), Some("bank_transfer"));
    assert!(field.sync().news.is_empty(), "news is told once");

    // The office's device made neither (the transfer was entered over the REST API): both.
    let report = office.sync();
    let amounts: Vec<_> = report.news.iter().filter_map(|n| n.amount.as_deref()).collect();
    assert_eq!(amounts, ["30.00", "20.00"], "{report:?}");
}
