//! Offline issuing with leased number blocks, devices and the server over loopback, on SQLite
//! and PostgreSQL: numbers are used once, refusals and expiries become explained gaps, and an
//! invoice whose offline issue is refused is a draft again with nothing typed lost.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test code: a panic is a failed test")]

use remit_client::replica::InvoiceEdit;
use remit_tests::{Db, Device, Server, Standalone, drafts, drafts_in};
use serde_json::{Value, json};

remit_tests::both_stores!(
    devices_issue_offline_from_their_own_blocks,
    one_draft_issued_offline_on_two_devices_gets_one_number,
    an_edit_elsewhere_refuses_an_offline_issue_and_loses_nothing,
    an_expired_lease_leaves_explained_gaps,
    turning_leasing_off_returns_the_blocks,
    a_device_that_never_connected_numbers_alone_and_the_server_adopts_what_it_can,
);

fn allow_leases(server: &Server, block_size: u64) {
    let policy = json!({ "enabled": true, "block_size": block_size, "lifetime_days": 14 });
    assert_eq!(server.put(&server.owner_key, "/v1/settings/number-leases", policy.clone()), policy);
}

fn number(v: &Value) -> String {
    v["number"].as_str().unwrap_or_else(|| panic!("no number: {v}")).to_owned()
}

fn seq(n: &str) -> u64 {
    n.rsplit('-').next().unwrap().parse().unwrap()
}

fn report(server: &Server) -> Value {
    server.get(&server.owner_key, "/v1/number-leases")
}

fn devices_issue_offline_from_their_own_blocks(db: Db) {
    let server = Server::start(db);
    let mut a = Device::new(&server, &server.owner_key);
    let mut b = Device::new(&server, &server.owner_key);
    let ids = drafts(&mut a, 4);
    // Not allowed yet: issuing waits for the server, and says so.
    let refused = a.replica.issue_invoice(&ids[0]).unwrap_err();
    assert_eq!(refused.code(), "issue_needs_server", "{refused}");
    assert!(refused.to_string().contains("no number block"), "{refused}");
    assert_eq!(a.replica.invoice(&ids[0]).unwrap()["status"], "draft", "nothing changed");

    allow_leases(&server, 5);
    a.sync();
    b.sync();
    let (la, lb) = (a.replica.lease().unwrap().unwrap(), b.replica.lease().unwrap().unwrap());
    assert_eq!((la.last - la.first, lb.last - lb.first), (4, 4), "blocks of 5: {la:?} {lb:?}");
    assert!(la.last < lb.first || lb.last < la.first, "blocks never overlap: {la:?} {lb:?}");

    // Offline (nothing synced in between): two issues on A, one on B.
    let a1 = number(&a.replica.issue_invoice(&ids[0]).unwrap());
    let a2 = number(&a.replica.issue_invoice(&ids[1]).unwrap());
    let b1 = number(&b.replica.issue_invoice(&ids[2]).unwrap());
    assert_eq!((seq(&a1), seq(&a2), seq(&b1)), (la.first, la.first + 1, lb.first));
    assert_eq!(a.replica.invoice(&ids[0]).unwrap()["status"], "issued");
    assert!(a.replica.edit_invoice(&ids[0], InvoiceEdit::default()).is_err(), "issued offline is read-only too");
    // An online issue meanwhile takes a number after both blocks.
    let online = number(&a.remote.issue(&ids[3]).unwrap());
    assert!(seq(&online) > la.last.max(lb.last), "{online}");

    let ra = a.sync();
    let rb = b.sync();
    assert_eq!((ra.pushed_issues, rb.pushed_issues, ra.rejected + rb.rejected), (2, 1, 0), "{ra:?} {rb:?}");
    for (id, n) in [(&ids[0], &a1), (&ids[1], &a2), (&ids[2], &b1), (&ids[3], &online)] {
        let rest = server.get(&server.owner_key, &format!("/v1/invoices/{id}"));
        assert_eq!((rest["number"].as_str(), rest["status"].as_str()), (Some(n.as_str()), Some("issued")), "{id}");
    }
    a.sync();
    assert_eq!(a.replica.invoice(&ids[2]).unwrap()["number"], b1.as_str(), "A learns B's number");
    // A payment on an invoice issued offline, pushed with it.
    let id = &ids[1];
    a.replica.record_payment(id, "50.00", "cash").unwrap();
    let rep = a.sync();
    assert_eq!((rep.pushed_facts, rep.rejected), (1, 0), "{rep:?}");
    assert_eq!(server.get(&server.owner_key, &format!("/v1/invoices/{id}"))["amount_paid"], "50.00");

    let leases = report(&server);
    let used: Vec<u64> = leases["leases"].as_array().unwrap().iter().map(|l| l["used"].as_u64().unwrap()).collect();
    assert_eq!(used.iter().sum::<u64>(), 3, "{leases}");
    assert_eq!(leases["gaps"].as_array().unwrap().len(), 0, "{leases}");
    // The renewed lease goes on from where the device stopped.
    assert_eq!(a.replica.lease().unwrap().unwrap().next, la.first + 2);
}

fn one_draft_issued_offline_on_two_devices_gets_one_number(db: Db) {
    let server = Server::start(db);
    allow_leases(&server, 3);
    let mut a = Device::new(&server, &server.owner_key);
    let mut b = Device::new(&server, &server.owner_key);
    let ids = drafts(&mut a, 1);
    b.sync();
    let id = &ids[0];
    let na = number(&a.replica.issue_invoice(id).unwrap());
    let nb = number(&b.replica.issue_invoice(id).unwrap());
    assert_ne!(na, nb);
    assert_eq!(a.sync().pushed_issues, 1);
    let rb = b.sync();
    assert_eq!((rb.pushed_issues, rb.rejected), (0, 1), "{rb:?}");
    // B is told clearly, and shows the number the server kept.
    let conflicts = b.replica.conflicts().unwrap();
    let c = conflicts.iter().find(|c| c["kind"] == "issue_rejected").unwrap_or_else(|| panic!("{conflicts:?}"));
    let detail = c["detail"].as_str().unwrap();
    assert!(detail.contains(&nb) && detail.contains(&na), "names both numbers: {detail}");
    assert_eq!(b.replica.invoice(id).unwrap()["number"], na.as_str());
    assert_eq!(server.get(&server.owner_key, &format!("/v1/invoices/{id}"))["number"], na.as_str());
    // B's number is an explained gap, never used again.
    let gaps = report(&server)["gaps"].clone();
    assert_eq!(gaps.as_array().unwrap().len(), 1, "{gaps}");
    assert_eq!((gaps[0]["first_number"].as_str(), gaps[0]["count"].as_u64()), (Some(nb.as_str()), Some(1)));
    assert!(gaps[0]["reason"].as_str().unwrap().contains("issued meanwhile"), "{gaps}");
    // Pushed again (a lost answer), it stays refused and no second gap appears.
    b.sync();
    assert_eq!(report(&server)["gaps"].as_array().unwrap().len(), 1);
}

fn an_edit_elsewhere_refuses_an_offline_issue_and_loses_nothing(db: Db) {
    let server = Server::start(db);
    allow_leases(&server, 3);
    let mut a = Device::new(&server, &server.owner_key);
    let mut b = Device::new(&server, &server.owner_key);
    let ids = drafts(&mut a, 1);
    b.sync();
    let id = &ids[0];
    let offline = number(&a.replica.issue_invoice(id).unwrap());
    b.replica.edit_invoice(id, InvoiceEdit { notes: Some("typed on B".into()), ..Default::default() }).unwrap();
    b.sync();
    let ra = a.sync();
    assert_eq!(ra.rejected, 1, "the issued invoice would not be the one A issued: {ra:?}");
    let view = a.replica.invoice(id).unwrap();
    assert_eq!((view["status"].as_str(), view["notes"].as_str()), (Some("draft"), Some("typed on B")), "{view}");
    let rest = server.get(&server.owner_key, &format!("/v1/invoices/{id}"));
    assert_eq!((rest["status"].as_str(), rest["number"].as_str()), (Some("draft"), None));
    let gaps = report(&server)["gaps"].clone();
    assert_eq!(gaps[0]["first_number"], offline.as_str(), "{gaps}");
    // Issued again, it takes the next number of the block.
    let again = number(&a.replica.issue_invoice(id).unwrap());
    assert_eq!(seq(&again), seq(&offline) + 1);
    assert_eq!(a.sync().pushed_issues, 1);
    assert_eq!(server.get(&server.owner_key, &format!("/v1/invoices/{id}"))["number"], again.as_str());
}

fn an_expired_lease_leaves_explained_gaps(db: Db) {
    let server = Server::start(db);
    allow_leases(&server, 4);
    let mut a = Device::new(&server, &server.owner_key);
    let ids = drafts(&mut a, 2);
    let first = number(&a.replica.issue_invoice(&ids[0]).unwrap());
    a.sync();
    // The device vanishes for longer than the lease and its grace.
    let old = "2020-01-01T00:00:00.000000Z";
    server.sql(&format!("UPDATE number_leases SET expires_at = '{old}'"));
    let late = number(&a.replica.issue_invoice(&ids[1]).unwrap());
    let leases = report(&server);
    let lease = &leases["leases"][0];
    assert!(lease["closed_at"].is_string() && lease["close_reason"].as_str().unwrap().contains("expired"), "{leases}");
    let gaps = leases["gaps"].as_array().unwrap();
    assert_eq!(gaps.len(), 1, "{leases}");
    assert_eq!(gaps[0]["count"], 3, "every number after {first} is a gap: {leases}");
    assert_eq!(seq(gaps[0]["first_number"].as_str().unwrap()), seq(&first) + 1);
    // The number the device used after the lease closed is refused; the invoice is a draft again.
    let r = a.sync();
    assert_eq!(r.rejected, 1, "{r:?}");
    assert_eq!(a.replica.invoice(&ids[1]).unwrap()["status"], "draft");
    let conflicts = a.replica.conflicts().unwrap();
    assert!(conflicts.iter().any(|c| c["detail"].as_str().unwrap().contains(&late)), "{conflicts:?}");
    // A new block follows the old one, and the invoice is issued from it.
    let lease = a.replica.lease().unwrap().unwrap();
    assert!(lease.first > seq(&first) + 3, "{lease:?}");
    let again = number(&a.replica.issue_invoice(&ids[1]).unwrap());
    assert_eq!(a.sync().pushed_issues, 1);
    assert_eq!(server.get(&server.owner_key, &format!("/v1/invoices/{}", ids[1]))["number"], again.as_str());
}

fn turning_leasing_off_returns_the_blocks(db: Db) {
    let server = Server::start(db);
    allow_leases(&server, 10);
    let mut a = Device::new(&server, &server.owner_key);
    let ids = drafts(&mut a, 2);
    let used = number(&a.replica.issue_invoice(&ids[0]).unwrap());
    let off = json!({ "enabled": false, "block_size": 10, "lifetime_days": 14 });
    server.put(&server.owner_key, "/v1/settings/number-leases", off);
    let r = a.sync();
    assert_eq!(r.pushed_issues, 1, "issued while allowed: kept {r:?}");
    assert!(a.replica.lease().unwrap().is_none());
    let refused = a.replica.issue_invoice(&ids[1]).unwrap_err();
    assert_eq!(refused.code(), "issue_needs_server");
    let leases = report(&server);
    assert!(leases["leases"][0]["close_reason"].as_str().unwrap().contains("turned off"), "{leases}");
    assert_eq!(leases["gaps"][0]["count"], 9, "{leases}");
    assert_eq!(seq(leases["gaps"][0]["first_number"].as_str().unwrap()), seq(&used) + 1);
    // Bad policies are refused with a reason.
    let remote = remit_client::remote::Remote::new(&server.base, &server.owner_key, "x").unwrap();
    let bad =
        remote.put_json("/v1/settings/number-leases", &json!({ "enabled": true, "block_size": 0, "lifetime_days": 1 }));
    assert!(matches!(bad, Err(remit_client::Error::Server { status: 422, .. })), "{bad:?}");
}

fn a_device_that_never_connected_numbers_alone_and_the_server_adopts_what_it_can(db: Db) {
    let server = Server::start(db);
    // The office issues one invoice first: the tenant's series has handed out 0001.
    let mut office = Device::new(&server, &server.owner_key);
    let office_ids = drafts(&mut office, 1);
    assert_eq!(seq(&number(&office.remote.issue(&office_ids[0]).unwrap())), 1);

    // A first run with no server at all: the device numbers from its own series.
    let mut alone = Standalone::new();
    let ids = drafts_in(&mut alone.replica, 3);
    let n1 = number(&alone.replica.issue_invoice(&ids[0]).unwrap());
    let n2 = number(&alone.replica.issue_invoice(&ids[1]).unwrap());
    assert_eq!((seq(&n1), seq(&n2)), (1, 2), "{n1} {n2}");
    assert_eq!(alone.replica.invoice(&ids[1]).unwrap()["status"], "issued");
    alone.replica.record_payment(&ids[1], "50.00", "cash").unwrap();

    let mut device = alone.connect(&server, &server.owner_key);
    let rep = device.sync();
    assert_eq!((rep.pushed_issues, rep.pushed_facts, rep.rejected), (1, 1, 1), "{rep:?}");
    // 0002 was never handed out by the tenant's series: adopted, with its payment.
    let adopted = server.get(&server.owner_key, &format!("/v1/invoices/{}", ids[1]));
    assert_eq!((adopted["number"].as_str(), adopted["status"].as_str()), (Some(n2.as_str()), Some("partially_paid")));
    assert_eq!(adopted["amount_paid"], "50.00");
    // 0001 was the office's: refused, a draft again everywhere, explained on the conflict list.
    let refused = server.get(&server.owner_key, &format!("/v1/invoices/{}", ids[0]));
    assert_eq!((refused["status"].as_str(), refused["number"].as_str()), (Some("draft"), None), "{refused}");
    assert_eq!(device.replica.invoice(&ids[0]).unwrap()["status"], "draft");
    let conflicts = device.replica.conflicts().unwrap();
    let entry = conflicts.iter().find(|c| c["kind"] == "issue_rejected").expect("the refusal is listed");
    let detail = entry["detail"].as_str().unwrap();
    assert!(detail.contains(&n1) && detail.contains("not the next number"), "{detail}");
    assert!(detail.contains("before it ever connected"), "{detail}");

    // The series moved past the adopted number; nothing is numbered twice.
    assert_eq!(seq(&number(&device.remote.issue(&ids[0]).unwrap())), 3);
    // Connected, the device no longer numbers alone: without a lease, issuing waits.
    let waits = device.replica.issue_invoice(&ids[2]).unwrap_err();
    assert_eq!(waits.code(), "issue_needs_server", "{waits}");

    // A standalone number past the series' next (0004 here) would leave numbers unexplained.
    let mut skipper = Standalone::new();
    let late = drafts_in(&mut skipper.replica, 2);
    assert_eq!(seq(&number(&skipper.replica.issue_invoice(&late[0]).unwrap())), 1);
    let db = rusqlite::Connection::open(skipper.dir().join("remit.db")).unwrap();
    assert_eq!(db.execute("UPDATE standalone_counters SET next = 9", []).unwrap(), 1);
    assert_eq!(seq(&number(&skipper.replica.issue_invoice(&late[1]).unwrap())), 9);
    let mut skipper = skipper.connect(&server, &server.owner_key);
    let rep = skipper.sync();
    assert_eq!((rep.pushed_issues, rep.rejected), (0, 2), "0001 taken, 0009 a skip: {rep:?}");
    for id in &late {
        assert_eq!(server.get(&server.owner_key, &format!("/v1/invoices/{id}"))["status"], "draft");
    }
    assert_eq!(seq(&number(&device.remote.issue(&ids[2]).unwrap())), 4, "no number was skipped");
}
