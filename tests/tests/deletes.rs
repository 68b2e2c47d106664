//! Deletes through sync, on SQLite and PostgreSQL: a draft deleted on a device is deleted on
//! the server and every other device; an edit made offline to something deleted elsewhere is
//! kept as a new draft and listed; a delete the server refuses is undone and listed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test code: a panic is a failed test")]

use remit_client::replica::{InvoiceEdit, NewCustomer, NewInvoice};
use remit_tests::{Db, Device, Server};

remit_tests::both_stores!(
    a_draft_deleted_on_a_device_is_deleted_everywhere,
    an_offline_edit_of_a_draft_deleted_elsewhere_becomes_a_new_draft,
    a_delete_the_server_refuses_is_undone_and_listed,
);

fn customer(d: &mut Device) -> String {
    let c = d.replica.create_customer(NewCustomer {
        name: "ACME".into(),
        currency: Some("USD".into()),
        ..Default::default()
    });
    c.unwrap()["id"].as_str().unwrap().to_owned()
}

fn draft(d: &mut Device, customer: &str, what: &str) -> String {
    let input = NewInvoice {
        customer_id: customer.to_owned(),
        lines: vec![format!("{what}|1|100.00|10").parse().unwrap()],
        ..Default::default()
    };
    d.replica.create_invoice(input).unwrap()["id"].as_str().unwrap().to_owned()
}

fn status(server: &Server, path: &str) -> Option<u16> {
    let remote = remit_client::remote::Remote::new(&server.base, &server.owner_key, "x").unwrap();
    match remote.get_json(path) {
        Ok(_) => None,
        Err(remit_client::Error::Server { status, .. }) => Some(status),
        Err(e) => panic!("{e}"),
    }
}

fn a_draft_deleted_on_a_device_is_deleted_everywhere(db: Db) {
    let server = Server::start(db);
    let mut a = Device::new(&server, &server.owner_key);
    let mut b = Device::new(&server, &server.owner_key);
    let c = customer(&mut a);
    let (keep, gone) = (draft(&mut a, &c, "Keep"), draft(&mut a, &c, "Gone"));
    let never_pushed = draft(&mut a, &c, "Never pushed");
    a.replica.delete_invoice(&never_pushed).unwrap();
    a.sync();
    assert_eq!(status(&server, &format!("/v1/invoices/{never_pushed}")), Some(404), "never reached the server");
    b.sync();
    assert!(b.replica.invoice(&gone).is_ok());
    a.replica.delete_invoice(&gone).unwrap();
    assert_eq!(a.replica.invoice(&gone).unwrap_err().code(), "not_found");
    assert!(a.replica.edit_invoice(&gone, InvoiceEdit::default()).is_err(), "a deleted draft is not edited");
    let r = a.sync();
    assert_eq!(r.rejected, 0, "{r:?}");
    assert_eq!(status(&server, &format!("/v1/invoices/{gone}")), Some(404));
    assert_eq!(status(&server, &format!("/v1/invoices/{keep}")), None);
    b.sync();
    assert_eq!(b.replica.invoice(&gone).unwrap_err().code(), "not_found", "B follows");
    let listed: Vec<String> =
        b.replica.invoices(&Default::default()).unwrap().iter().map(|v| v["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(listed, vec![keep.clone()]);
    // An issued invoice is voided, never deleted.
    a.remote.issue(&keep).unwrap();
    a.sync();
    assert_eq!(a.replica.delete_invoice(&keep).unwrap_err().code(), "invoice_not_editable");
}

fn an_offline_edit_of_a_draft_deleted_elsewhere_becomes_a_new_draft(db: Db) {
    let server = Server::start(db);
    let mut a = Device::new(&server, &server.owner_key);
    let mut b = Device::new(&server, &server.owner_key);
    let c = customer(&mut a);
    let id = draft(&mut a, &c, "Shared");
    a.sync();
    b.sync();
    a.replica.delete_invoice(&id).unwrap();
    a.sync();
    b.replica.edit_invoice(&id, InvoiceEdit { notes: Some("typed on B".into()), ..Default::default() }).unwrap();
    let r = b.sync();
    assert_eq!(r.amendments, 1, "{r:?}");
    assert_eq!(status(&server, &format!("/v1/invoices/{id}")), Some(404), "the edit did not bring it back");
    let conflicts = b.replica.conflicts().unwrap();
    let entry = conflicts.iter().find(|c| c["kind"] == "deleted_elsewhere").unwrap_or_else(|| panic!("{conflicts:?}"));
    let copy = entry["detail"].as_str().unwrap().rsplit(' ').next().unwrap().to_owned();
    let kept = b.replica.invoice(&copy).unwrap();
    assert!(kept["notes"].as_str().unwrap().starts_with("typed on B"), "nothing typed is lost: {kept}");
    assert_eq!(kept["status"], "draft");
    // The copy went to the server, and A has it.
    a.sync();
    assert_eq!(a.replica.invoice(&copy).unwrap()["status"], "draft");
}

fn a_delete_the_server_refuses_is_undone_and_listed(db: Db) {
    let server = Server::start(db);
    let mut a = Device::new(&server, &server.owner_key);
    let mut b = Device::new(&server, &server.owner_key);
    let c = customer(&mut a);
    a.sync();
    b.sync();
    // A bills the customer (issued online) while B, not synced since, deletes them.
    let id = draft(&mut a, &c, "Owed");
    a.sync();
    a.remote.issue(&id).unwrap();
    b.replica.delete_customer(&c).unwrap();
    assert!(b.replica.customers(None).unwrap().is_empty());
    let r = b.sync();
    assert_eq!(r.rejected, 1, "{r:?}");
    let back = b.replica.customers(None).unwrap();
    assert_eq!(back.len(), 1, "the customer is back: {back:?}");
    let conflicts = b.replica.conflicts().unwrap();
    assert!(conflicts.iter().any(|x| x["kind"] == "delete_rejected"), "{conflicts:?}");
    assert_eq!(status(&server, &format!("/v1/customers/{c}")), None, "still on the server");
    // Now B knows the customer owes money: the device refuses at once.
    let refused = b.replica.delete_customer(&c).unwrap_err();
    assert!(refused.to_string().contains("owes"), "{refused}");
}
