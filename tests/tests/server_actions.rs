//! What a device asks the server to do to an invoice (the desktop's Send, Void and portal link):
//! refused clearly before the device ever connected; once connected, what the device made goes
//! up first, the server acts, and the result comes back to the device (SQLite and PostgreSQL).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test code: a panic is a failed test")]

use remit_client::credentials::TokenStore;
use remit_client::replica::{NewCustomer, Replica};
use remit_client::session::{self, Login, Secret};
use remit_tests::{Db, Server};
use serde_json::json;

remit_tests::both_stores!(send_void_and_the_portal_link_go_through_the_server);

fn send_void_and_the_portal_link_go_through_the_server(db: Db) {
    let server = Server::start(db);
    let dir = std::env::temp_dir().join(format!("remit-actions-{}", uuid::Uuid::now_v7().simple()));
    let (mut r, _) = Replica::init(&dir).unwrap();
    let customer = NewCustomer { name: "ACME".into(), currency: Some("USD".into()), ..Default::default() };
    let customer = r.create_customer(customer).unwrap()["id"].as_str().unwrap().to_owned();
    let line = "Work|1|100.00|10".parse().unwrap();
    let input = remit_client::replica::NewInvoice { customer_id: customer, lines: vec![line], ..Default::default() };
    let id = r.create_invoice(input).unwrap()["id"].as_str().unwrap().to_owned();
    r.issue_invoice(&id).unwrap();
    r.record_payment(&id, "30.00", "cash").unwrap();

    // Never connected: refused, nothing changes.
    let before = r.invoice(&id).unwrap();
    for action in ["void", "send"] {
        let err = session::on_server(&dir, &mut r, &id, action, &json!({})).unwrap_err();
        assert_eq!(err.code(), "needs_server", "{err}");
    }
    assert_eq!(session::portal_link(&r, &id).unwrap_err().code(), "needs_server");
    assert_eq!(r.invoice(&id).unwrap(), before);

    let login = Login {
        server: server.base.clone(),
        secret: Secret::ApiKey(server.owner_key.clone()),
        token_store: TokenStore::File,
        device_name: "actions test".into(),
    };
    session::login(&dir, &mut r, login).unwrap();
    // Sending pushes the standalone issue and the payment first: the server sends what it has.
    let sent = session::on_server(&dir, &mut r, &id, "send", &json!({ "to": "billing@acme.example" })).unwrap();
    assert_eq!(sent["amount_paid"], "30.00", "{sent}");
    let mails = server.outbox();
    let number = sent["number"].as_str().unwrap();
    assert!(mails.len() == 1 && mails[0].contains("billing@acme.example") && mails[0].contains(number), "{mails:?}");
    let kinds: Vec<(String, String)> = r.timeline(&id).unwrap().into_iter().map(|f| (f.kind, f.state)).collect();
    assert!(kinds.contains(&("sent".into(), "accepted".into())), "the Sent fact came back: {kinds:?}");

    let link = session::portal_link(&r, &id).unwrap();
    assert_eq!(link, format!("{}/portal/invoices/{id}", server.base));

    let voided = session::on_server(&dir, &mut r, &id, "void", &json!({ "reason": "entered twice" })).unwrap();
    assert_eq!(voided["status"], "voided");
    assert_eq!(server.get(&server.owner_key, &format!("/v1/invoices/{id}"))["status"], "voided");
    let last = r.timeline(&id).unwrap().pop().unwrap();
    assert_eq!((last.kind.as_str(), last.detail.as_deref()), ("voided", Some("entered twice")));
    // The server's refusal comes back with its code; nothing changes.
    let again = session::on_server(&dir, &mut r, &id, "void", &json!({})).unwrap_err();
    assert_eq!(again.code(), "invoice_voided", "{again}");
    let err = session::on_server(&dir, &mut r, "not-an-id", "void", &json!({})).unwrap_err();
    assert_eq!(err.code(), "not_found");
    let err = session::on_server(&dir, &mut r, &id, "../../v1/users", &json!({})).unwrap_err();
    assert_eq!(err.code(), "invalid_request", "only void and send reach the server: {err}");
    let _ = std::fs::remove_dir_all(&dir);
}
