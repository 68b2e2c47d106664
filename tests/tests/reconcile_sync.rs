//! A reconciliation done offline reaches the server, and so does its undo (SQLite and
//! PostgreSQL): the device's automatic match is a bank-transfer payment the server records;
//! undoing it after the sync queues a `PaymentVoided` the server applies (the payment deleted,
//! the invoice owing again), pushed twice without harm. What a device keeps as a customer's
//! credit (a credit recorded as an overpayment, the rest of a match) becomes the customer's
//! credit on the server, the customer gets one receipt per bank credit, and undo takes the
//! credit back.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test code: a panic is a failed test")]

use remit_client::replica::{NewCustomer, NewInvoice};
use remit_tests::{Db, Device, Server, Standalone};
use serde_json::json;

remit_tests::both_stores!(
    an_offline_match_and_its_undo_reach_the_server,
    credits_and_receipts_of_a_device_reach_the_server
);

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

fn credits_and_receipts_of_a_device_reach_the_server(db: Db) {
    let server = Server::start(db);
    let key = server.owner_key.clone();
    let body = json!({"name": "ACME Corporation", "currency": "USD", "email": "billing@acme.example"});
    let acme = server.post(&key, "/v1/customers", body)["id"].as_str().unwrap().to_owned();
    let invoice = json!({"customer_id": acme, "currency": "USD", "issue_date": "2026-11-01",
        "line_items": [{"description": "Work", "quantity": "1", "unit_price": "100.00", "tax_rate": "0"}]});
    let i1 = server.post(&key, "/v1/invoices", invoice)["id"].as_str().unwrap().to_owned();
    let n1 = server.post(&key, &format!("/v1/invoices/{i1}/issue"), json!({}))["number"].as_str().unwrap().to_owned();
    let mut device = Device::new(&server, &key);
    device.sync();

    let statement = format!(
        "Transaction ID,Date,Amount,Currency,Payer,Reference,Description\n\
         P1,2026-11-20,500.00,USD,Acme Corp,prepayment,\n\
         P3,2026-11-22,130.00,USD,ACME Corp,{n1},\n"
    );
    device.replica.import_statement(statement.as_bytes(), None).unwrap();
    device.replica.reconcile().unwrap();
    if device.replica.bank_credits(Some("matched")).unwrap().iter().any(|c| c.id == "P3") {
        device.replica.undo_credit("P3").unwrap();
    }
    let alloc =
        remit_client::replica::CreditAllocation { invoice_id: i1.clone(), amount: "100.00".into(), number: None };
    device.replica.assign_credit("P3", vec![alloc]).unwrap();
    device.replica.credit_customer("P1", &acme).unwrap();
    assert!(server.outbox().is_empty(), "nothing sent before the sync");
    let report = device.sync();
    assert_eq!(report.rejected, 0, "{report:?}");
    assert_eq!(device.replica.outbox_len().unwrap(), 0, "all accepted");

    let customer = server.get(&key, &format!("/v1/customers/{acme}"));
    assert_eq!(customer["credit"], json!([{"currency": "USD", "amount": "530.00"}]), "500 + 30 left over: {customer}");
    assert_eq!(server.get(&key, &format!("/v1/invoices/{i1}"))["amount_due"], "0.00");
    let mut mails = server.outbox();
    mails.sort_by_key(|m| m.contains("500.00 USD kept"));
    assert_eq!(mails.len(), 2, "one receipt per bank credit: {mails:?}");
    assert!(mails[0].contains("billing@acme.example") && mails[0].contains(&n1), "{}", mails[0]);
    assert!(mails[0].contains("130.00 USD") && mails[0].contains("30.00 USD kept as your credit"), "{}", mails[0]);
    assert!(mails[1].contains("500.00 USD kept as your credit"), "{}", mails[1]);
    device.sync();
    assert_eq!(server.outbox().len(), 2, "a later sync sends nothing again");

    // Undone on the device after the sync: the server takes the credit back.
    let p1_payment = device.replica.credit_payments().unwrap().into_iter().find(|p| p["receipt"] == "P1").unwrap();
    device.replica.undo_credit("P1").unwrap();
    assert_eq!(device.replica.outbox_len().unwrap(), 1, "the void waits for the server");
    assert_eq!(device.sync().rejected, 0);
    let customer = server.get(&key, &format!("/v1/customers/{acme}"));
    assert_eq!(customer["credit"], json!([{"currency": "USD", "amount": "30.00"}]), "{customer}");
    let pid = p1_payment["id"].as_str().unwrap();
    let gone = server.try_get(&key, &format!("/v1/payments/{pid}")).unwrap_err();
    assert_eq!(gone.code(), "not_found", "{gone}");
    let states: Vec<String> =
        device.replica.credit_payments().unwrap().iter().map(|p| p["state"].as_str().unwrap().to_owned()).collect();
    assert_eq!(states, ["accepted", "voided"], "P3's credit stands, P1's is voided");
}
