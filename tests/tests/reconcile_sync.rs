//! A reconciliation done offline reaches the server, and so does its undo (SQLite and
//! PostgreSQL): the device's automatic match is a bank-transfer payment the server records;
//! undoing it after the sync queues a `PaymentVoided` the server applies (the payment deleted,
//! the invoice owing again), pushed twice without harm. What a device keeps as a customer's
//! credit (a credit recorded as an overpayment, the rest of a match) becomes the customer's
//! credit on the server, the customer gets one receipt per bank credit, and undo takes the
//! credit back.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test code: a panic is a failed test")]

use remit_client::remote::{PushPayment, PushReceipt, PushRequest};
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
    let voiding = device.replica.queued_facts().unwrap();
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
    // The voiding pushed again (its answer lost): accepted, nothing more happens.
    let again = device.remote.push(&PushRequest { facts: voiding, ..Default::default() }).unwrap();
    assert_eq!(again.facts.len(), 1);
    assert_eq!(again.facts[0].status, "accepted", "{again:?}");
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
    // The same push again (its answer lost): accepted, nothing recorded or sent twice.
    let kept = device.replica.credit_payments().unwrap();
    let again: Vec<PushPayment> = kept.iter().map(push_payment).collect();
    let ids: Vec<String> = kept.iter().map(|p| p["id"].as_str().unwrap().to_owned()).collect();
    let receipts = vec![PushReceipt { id: "P1".into(), facts: vec![], payments: ids.clone() }];
    let repeat = PushRequest { payments: again, receipts, ..Default::default() };
    let answer = device.remote.push(&repeat).unwrap();
    assert!(answer.payments.iter().chain(&answer.receipts).all(|o| o.status == "accepted"), "{answer:?}");
    assert_eq!(server.outbox().len(), 2, "pushed again: no receipt again");
    let customer = server.get(&key, &format!("/v1/customers/{acme}"));
    assert_eq!(customer["credit"], json!([{"currency": "USD", "amount": "530.00"}]), "nothing twice: {customer}");

    // A receipt is sent once for what a push recorded, whatever the push asks.
    let extra = json!({"id": uuid::Uuid::now_v7().to_string(), "customer_id": acme, "amount": "10.00",
        "currency": "USD", "method": "cash", "paid_at": "2026-11-25T00:00:00+00:00"});
    let x = push_payment(&extra);
    let named = |id: &str| PushReceipt { id: id.into(), facts: vec![], payments: vec![x.id.clone()] };
    let greedy = PushRequest {
        payments: vec![x.clone()],
        receipts: vec![named("R1"), named("R1"), named("R2")],
        ..Default::default()
    };
    let answer = device.remote.push(&greedy).unwrap();
    let statuses: Vec<&str> = answer.receipts.iter().map(|o| o.status.as_str()).collect();
    assert_eq!(statuses, ["accepted", "rejected", "accepted"], "{answer:?}");
    let mails = server.outbox();
    assert_eq!(mails.len(), 3, "one receipt for the one new payment: {mails:?}");
    assert!(
        mails.iter().any(|m| m.contains("payment of 10.00 USD on 2026-11-25")),
        "what was recorded, not what was said"
    );
    let take_back =
        PushRequest { voids: vec![x.id.clone(), x.id.clone(), uuid::Uuid::now_v7().to_string()], ..Default::default() };
    let answer = device.remote.push(&take_back).unwrap();
    assert!(answer.voids.iter().all(|o| o.status == "accepted"), "again, or never known: nothing to do: {answer:?}");

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

    // Sent, the answer never heard (the server unreachable mid-push): undo must void it there.
    device.replica.credit_customer("P1", &acme).unwrap();
    let dead =
        remit_client::remote::Remote::new("http://127.0.0.1:9", &key, &device.replica.device().device_id.to_string())
            .unwrap();
    assert!(device.replica.sync_once(&dead, 0).is_err(), "nothing answered");
    device.replica.undo_credit("P1").unwrap();
    let last = device.replica.credit_payments().unwrap().pop().unwrap();
    assert_eq!(last["state"], "void_queued", "it may be on the server: voided, not dropped: {last}");
    assert_eq!(device.sync().rejected, 0);
    let last = device.replica.credit_payments().unwrap().pop().unwrap();
    assert_eq!(last["state"], "voided", "{last}");
    let customer = server.get(&key, &format!("/v1/customers/{acme}"));
    assert_eq!(customer["credit"], json!([{"currency": "USD", "amount": "30.00"}]), "{customer}");
}

/// A payment the device lists, as a push carries it.
fn push_payment(p: &serde_json::Value) -> PushPayment {
    PushPayment {
        id: p["id"].as_str().unwrap().to_owned(),
        customer_id: p["customer_id"].as_str().unwrap().to_owned(),
        amount: p["amount"].as_str().unwrap().to_owned(),
        currency: p["currency"].as_str().unwrap().to_owned(),
        method: p["method"].as_str().unwrap_or("bank_transfer").to_owned(),
        paid_at: p["paid_at"].as_str().unwrap_or("2026-11-20T00:00:00+00:00").to_owned(),
        reference: None,
    }
}
