//! A reconciliation done offline reaches the server, and so does its undo (SQLite and
//! PostgreSQL): the device's automatic match is a bank-transfer payment the server records;
//! undoing it after the sync queues a `PaymentVoided` the server applies (the payment deleted,
//! the invoice owing again), pushed twice without harm.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test code: a panic is a failed test")]

use remit_client::replica::{NewCustomer, NewInvoice};
use remit_tests::{Db, Server, Standalone};

remit_tests::both_stores!(an_offline_match_and_its_undo_reach_the_server);

fn an_offline_match_and_its_undo_reach_the_server(db: Db) {
    let server = Server::start(db);
    let mut s = Standalone::new();
    let customer = NewCustomer { name: "ACME Corporation".into(), currency: Some("USD".into()), ..Default::default() };
    let customer = s.replica.create_customer(customer).unwrap()["id"].as_str().unwrap().to_owned();
    let line = "Work|1|1000.00|0".parse().unwrap();
    let input = NewInvoice { customer_id: customer, lines: vec![line], ..Default::default() };
    let id = s.replica.create_invoice(input).unwrap()["id"].as_str().unwrap().to_owned();
    let number = s.replica.issue_invoice(&id).unwrap()["number"].as_str().unwrap().to_owned();
    let statement = format!(
        "Transaction ID,Date,Amount,Currency,Payer,Reference,Description\nT1,2026-11-20,1000.00,USD,ACME Corp,{number},\n"
    );
    s.replica.import_statement(statement.as_bytes(), None).unwrap();
    assert_eq!(s.replica.reconcile().unwrap().matched, 1);

    let mut device = s.connect(&server, &server.owner_key);
    device.sync();
    let on_server = server.get(&server.owner_key, &format!("/v1/invoices/{id}"));
    assert_eq!((on_server["status"].as_str(), on_server["amount_due"].as_str()), (Some("paid"), Some("0.00")));
    let payments = server.get(&server.owner_key, "/v1/payments");
    let payment = &payments["data"][0];
    assert_eq!((payment["method"].as_str(), payment["amount"].as_str()), (Some("bank_transfer"), Some("1000.00")));

    device.replica.undo_credit("T1").unwrap();
    assert_eq!(device.replica.outbox_len().unwrap(), 1, "the voiding waits for the server");
    device.sync();
    assert_eq!(device.replica.outbox_len().unwrap(), 0, "accepted");
    let on_server = server.get(&server.owner_key, &format!("/v1/invoices/{id}"));
    assert_eq!(on_server["amount_due"], "1000.00", "owes again on the server: {on_server}");
    let pid = payment["id"].as_str().unwrap();
    let gone = server.try_get(&server.owner_key, &format!("/v1/payments/{pid}")).unwrap_err();
    assert_eq!(gone.code(), "not_found", "the payment is deleted: {gone}");
    assert_eq!(device.replica.invoice(&id).unwrap()["amount_due"], "1000.00");
    let voids = device.replica.timeline(&id).unwrap().into_iter().filter(|f| f.kind == "payment_voided").count();
    assert_eq!(voids, 1, "the server kept the device's fact: one voiding, not two");
    device.sync();
    assert_eq!(server.get(&server.owner_key, &format!("/v1/invoices/{id}"))["amount_due"], "1000.00");
}
