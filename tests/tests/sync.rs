//! Devices and the server over loopback, on SQLite and on PostgreSQL: random concurrent
//! offline edits converge everywhere, a device far behind catches up, one draft issued from
//! two devices at once gets one number, and a team member cannot change someone else's draft.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test code: a panic is a failed test")]

use proptest::prelude::*;
use remit_client::replica::{InvoiceEdit, LineArg};
use remit_core::Role;
use remit_tests::{Db, Device, Server, drafts};
use serde_json::Value;

fn line(s: &str) -> LineArg {
    s.parse().unwrap()
}

/// Every device and the server hold the same document (same Automerge heads) and show the
/// same invoice.
fn assert_converged(server: &Server, devices: &[&Device], ids: &[String]) {
    for id in ids {
        let stored = server.runtime_block_on_document(id).unwrap_or_else(|| panic!("the server has no document {id}"));
        let rest = server.get(&server.owner_key, &format!("/v1/invoices/{id}"));
        for (i, d) in devices.iter().enumerate() {
            assert_eq!(
                d.replica.heads(id, "invoice").unwrap().as_ref(),
                Some(&stored),
                "device {i}, invoice {id}: document"
            );
            let view = d.replica.invoice(id).unwrap();
            assert_eq!(view, rest, "device {i}, invoice {id}: projection");
        }
    }
}

#[derive(Debug, Clone)]
enum Op {
    Notes(usize, usize, String),
    AddLine(usize, usize, u8, u16),
    RemoveFirstLine(usize, usize),
    Sync(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..3usize, 0..2usize, "[a-z ]{0,12}").prop_map(|(d, i, t)| Op::Notes(d, i, t)),
        (0..3usize, 0..2usize, 1..20u8, 1..50_000u16).prop_map(|(d, i, q, p)| Op::AddLine(d, i, q, p)),
        (0..3usize, 0..2usize).prop_map(|(d, i)| Op::RemoveFirstLine(d, i)),
        (0..3usize).prop_map(Op::Sync),
    ]
}

fn apply(devices: &mut [Device], ids: &[String], op: &Op) {
    match op {
        Op::Notes(d, i, text) => {
            let edit = InvoiceEdit { notes: Some(text.clone()), ..Default::default() };
            devices[*d].replica.edit_invoice(&ids[*i], edit).unwrap();
        }
        Op::AddLine(d, i, q, p) => {
            let arg = line(&format!("Item {q}x|{q}|{}.{:02}|10", p / 100, p % 100));
            devices[*d].replica.edit_invoice(&ids[*i], InvoiceEdit { add: vec![arg], ..Default::default() }).unwrap();
        }
        Op::RemoveFirstLine(d, i) => {
            let lines = devices[*d].replica.invoice(&ids[*i]).unwrap()["line_items"].as_array().unwrap().len();
            if lines > 1 {
                devices[*d]
                    .replica
                    .edit_invoice(&ids[*i], InvoiceEdit { remove: vec![1], ..Default::default() })
                    .unwrap();
            }
        }
        Op::Sync(d) => {
            devices[*d].sync();
        }
    }
}

fn random_concurrent_edits_converge(db: Db) {
    let config = ProptestConfig { cases: 6, failure_persistence: None, ..ProptestConfig::default() };
    proptest!(config, |(ops in prop::collection::vec(op(), 1..30))| {
        let server = Server::start(db);
        let mut devices: Vec<Device> = (0..3).map(|_| Device::new(&server, &server.owner_key)).collect();
        let ids = drafts(&mut devices[0], 2);
        for d in &mut devices[1..] {
            d.sync();
        }
        for op in &ops {
            apply(&mut devices, &ids, op);
        }
        // Everyone syncs, twice round, in a fixed order: the last round only pulls.
        for _ in 0..2 {
            for d in &mut devices {
                d.sync();
            }
        }
        let all: Vec<&Device> = devices.iter().collect();
        assert_converged(&server, &all, &ids);
    });
}

fn an_offline_device_catches_up_after_1000_edits(db: Db) {
    let server = Server::start(db);
    let mut a = Device::new(&server, &server.owner_key);
    let mut b = Device::new(&server, &server.owner_key);
    let ids = drafts(&mut a, 1);
    b.sync();
    for n in 0..1000 {
        let edit = if n % 100 == 0 {
            InvoiceEdit { add: vec![line(&format!("Visit {n}|1|25.00|10"))], ..Default::default() }
        } else {
            InvoiceEdit { notes: Some(format!("edit {n}")), ..Default::default() }
        };
        a.replica.edit_invoice(&ids[0], edit).unwrap();
    }
    // B edited meanwhile too; both survive.
    b.replica.edit_invoice(&ids[0], InvoiceEdit { add: vec![line("From B|2|5.00|0")], ..Default::default() }).unwrap();
    b.sync();
    a.sync();
    b.sync();
    let view = b.replica.invoice(&ids[0]).unwrap();
    assert_eq!(view["notes"], "edit 999");
    let lines: Vec<&str> =
        view["line_items"].as_array().unwrap().iter().map(|l| l["description"].as_str().unwrap()).collect();
    assert_eq!(lines.len(), 12, "{lines:?}");
    assert!(lines.contains(&"From B") && lines.contains(&"Visit 900"), "{lines:?}");
    assert_converged(&server, &[&a, &b], &ids);
}

fn one_draft_issued_from_two_devices_gets_one_number(db: Db) {
    let server = Server::start(db);
    let mut a = Device::new(&server, &server.owner_key);
    let mut b = Device::new(&server, &server.owner_key);
    let ids = drafts(&mut a, 2);
    b.sync();
    let (ra, rb) = (a.remote.clone(), b.remote.clone());
    let id = ids[0].clone();
    let (id1, id2) = (id.clone(), id.clone());
    let ta = std::thread::spawn(move || ra.issue(&id1));
    let tb = std::thread::spawn(move || rb.issue(&id2));
    let results = [ta.join().unwrap(), tb.join().unwrap()];
    let issued: Vec<&Value> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(issued.len(), 1, "exactly one issue succeeds: {results:?}");
    let refused = results.iter().find_map(|r| r.as_ref().err()).unwrap();
    assert_eq!(refused.code(), "invoice_already_issued", "the other device is told clearly: {refused}");
    let number = issued[0]["number"].as_str().unwrap().to_owned();
    assert!(number.ends_with("-0001"), "{number}");
    // Both devices learn the number; the next invoice takes the next one, no gap.
    a.sync();
    b.sync();
    assert_eq!(a.replica.invoice(&id).unwrap()["number"], number.as_str());
    assert_eq!(b.replica.invoice(&id).unwrap()["number"], number.as_str());
    let next = a.remote.issue(&ids[1]).unwrap();
    assert!(next["number"].as_str().unwrap().ends_with("-0002"));
}

fn edits_concurrent_with_an_issue_become_an_amendment(db: Db) {
    let server = Server::start(db);
    let mut a = Device::new(&server, &server.owner_key);
    let mut b = Device::new(&server, &server.owner_key);
    let ids = drafts(&mut a, 1);
    b.sync();
    a.remote.issue(&ids[0]).unwrap();
    b.replica.edit_invoice(&ids[0], InvoiceEdit { notes: Some("typed offline".into()), ..Default::default() }).unwrap();
    let report = b.sync();
    assert_eq!(report.amendments, 1);
    let issued = b.replica.invoice(&ids[0]).unwrap();
    assert_eq!(issued["status"], "issued");
    assert_ne!(issued["notes"], "typed offline", "the issued invoice is not changed");
    let conflicts = b.replica.conflicts().unwrap();
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    let draft = conflicts[0]["document_id"].as_str().unwrap();
    let amended = b.replica.invoice(draft).unwrap();
    assert!(amended["notes"].as_str().unwrap().starts_with("typed offline"), "nothing typed is lost: {amended}");
    assert_eq!(amended["status"], "draft");
    // The amendment reached the server too.
    assert_eq!(server.get(&server.owner_key, &format!("/v1/invoices/{draft}"))["status"], "draft");
    assert_converged(&server, &[&b], &ids);
    // Resolving: the entry's id is checked; only an amendment has a draft to discard; discarding
    // deletes the draft here and, with the next sync, on the server, and empties the list.
    let entry = conflicts[0]["id"].as_str().unwrap().to_owned();
    let draft = draft.to_owned();
    assert_eq!(b.replica.resolve_conflict("no-such-entry", false).unwrap_err().code(), "not_found");
    b.replica.resolve_conflict(&entry, true).unwrap();
    assert!(b.replica.conflicts().unwrap().is_empty());
    assert_eq!(b.replica.invoice(&draft).unwrap_err().code(), "not_found", "the amendment draft is gone");
    assert_eq!(b.replica.resolve_conflict(&entry, false).unwrap_err().code(), "not_found", "resolved once");
    b.sync();
    let gone = server.try_get(&server.owner_key, &format!("/v1/invoices/{draft}")).unwrap_err();
    assert_eq!(gone.code(), "not_found", "{gone}");
}

fn a_team_member_cannot_change_another_users_draft(db: Db) {
    let server = Server::start(db);
    let mut owner = Device::new(&server, &server.owner_key);
    let ids = drafts(&mut owner, 1);
    let member_key = server.user("member@e2e.example", Role::TeamMember);
    let mut member = Device::new(&server, &member_key);
    let report = member.sync();
    assert!(member.replica.invoice(&ids[0]).is_err(), "a team member does not even receive others' invoices");
    assert!(report.pulled <= 1, "only the customer: {report:?}");
    // A forged push of the owner's draft, edited, is refused and changes nothing.
    owner.replica.edit_invoice(&ids[0], InvoiceEdit { notes: Some("not yours".into()), ..Default::default() }).unwrap();
    let before = server.get(&server.owner_key, &format!("/v1/invoices/{}", ids[0]));
    let bytes = owner.replica.document_bytes(&ids[0]).unwrap().unwrap();
    let result = member.remote.push(&remit_client::remote::PushRequest {
        documents: vec![remit_client::remote::PushDocument {
            kind: "invoice".into(),
            id: ids[0].clone(),
            document: Some(bytes),
            changes: None,
        }],
        facts: vec![],
        ..Default::default()
    });
    let outcome = &result.unwrap().documents[0];
    assert_eq!((outcome.status.as_str(), outcome.code.as_deref()), ("rejected", Some("forbidden")), "{outcome:?}");
    assert_eq!(server.get(&server.owner_key, &format!("/v1/invoices/{}", ids[0])), before);
}

remit_tests::both_stores!(
    random_concurrent_edits_converge,
    an_offline_device_catches_up_after_1000_edits,
    one_draft_issued_from_two_devices_gets_one_number,
    edits_concurrent_with_an_issue_become_an_amendment,
    a_team_member_cannot_change_another_users_draft,
    the_live_channel_brings_changes_as_they_happen,
    a_pushed_customer_snapshot_is_taken_from_the_record,
    a_pushed_invoice_for_a_customer_never_recorded_is_refused,
    one_device_payment_pushed_twice_at_once_counts_once,
    products_made_offline_reach_the_server_and_other_devices,
    a_member_made_admin_receives_what_was_skipped_before,
    edits_go_as_changes_and_whole_when_the_server_lacks_their_base,
    the_live_channel_sends_later_versions_as_their_changes,
);

/// The live channel as a device that does not send `changes=true` opens it.
fn older_live_socket(
    server: &Server,
    device: &Device,
) -> tungstenite::WebSocket<tungstenite::stream::MaybeTlsStream<std::net::TcpStream>> {
    use tungstenite::client::IntoClientRequest;
    let url = format!("ws://{}/v1/sync/live?cursor=", server.base.trim_start_matches("http://"));
    let mut request = url.into_client_request().unwrap();
    let headers = request.headers_mut();
    headers.insert("authorization", format!("Bearer {}", server.owner_key).parse().unwrap());
    headers.insert("remit-device", device.replica.device().device_id.to_string().parse().unwrap());
    tungstenite::connect(request).unwrap().0
}

fn older_text(socket: &mut tungstenite::WebSocket<tungstenite::stream::MaybeTlsStream<std::net::TcpStream>>) -> Value {
    loop {
        if let tungstenite::Message::Text(t) = socket.read().unwrap() {
            return serde_json::from_str(&t).unwrap();
        }
    }
}

/// Once a socket delivered a document, its next versions go as only their changes; a device
/// with edits of its own that cannot simply add them pulls the whole document instead, and
/// nothing of either side is lost.
fn the_live_channel_sends_later_versions_as_their_changes(db: Db) {
    use remit_client::replica::SyncReport;
    use std::time::Duration;
    let server = Server::start(db);
    let mut a = Device::new(&server, &server.owner_key);
    let mut b = Device::new(&server, &server.owner_key);
    let id = drafts(&mut a, 1).remove(0);
    let mut live = b.remote.live("").unwrap().expect("a plain-HTTP server has the live channel");
    // A device that did not ask for changes only (an older one) gets every version whole.
    let mut older = older_live_socket(&server, &b);
    let mut report = SyncReport::default();
    while let Some(page) = live.next(Duration::from_millis(500)).unwrap() {
        assert!(page.changes.iter().all(|c| c.changes.is_none() && !c.document.is_empty()), "first sent whole");
        b.replica.apply_live(&page, &b.remote, &mut report).unwrap();
    }
    let edit = |a: &mut Device, notes: &str| {
        a.replica.edit_invoice(&id, InvoiceEdit { notes: Some(notes.into()), ..Default::default() }).unwrap();
        a.replica.push_pending(&a.remote).unwrap();
    };
    edit(&mut a, "second");
    let page = live.next(Duration::from_secs(5)).unwrap().expect("the edit arrives");
    let whole = a.replica.document_bytes(&id).unwrap().unwrap();
    let change = &page.changes[0];
    assert!(change.document.is_empty(), "not sent whole: {change:?}");
    assert!(change.changes.as_ref().is_some_and(|c| c.len() < whole.len()), "{change:?}");
    b.replica.apply_live(&page, &b.remote, &mut report).unwrap();
    assert_eq!(b.replica.invoice(&id).unwrap()["notes"], "second");
    let older_pages: Vec<Value> = (0..2).map(|_| older_text(&mut older)).collect();
    for c in older_pages.iter().flat_map(|p| p["changes"].as_array().unwrap()) {
        assert!(c["document"].as_str().is_some_and(|d| !d.is_empty()) && c.get("changes").is_none(), "{c}");
    }
    assert_eq!(b.replica.heads(&id, "invoice").unwrap(), server.runtime_block_on_document(&id), "B holds it all");

    // B adds a line offline; A's next edit arrives as changes B cannot just add: B pulls.
    let line = InvoiceEdit { add: vec![line("Extra|1|5.00|0")], ..Default::default() };
    b.replica.edit_invoice(&id, line).unwrap();
    edit(&mut a, "third");
    let page = live.next(Duration::from_secs(5)).unwrap().expect("the edit arrives");
    assert!(page.changes[0].changes.is_some());
    b.replica.apply_live(&page, &b.remote, &mut report).unwrap();
    let mine = b.replica.invoice(&id).unwrap();
    assert_eq!((mine["notes"].as_str(), mine["line_items"].as_array().unwrap().len()), (Some("third"), 2), "{mine}");
    b.sync();
    let on_server = server.get(&server.owner_key, &format!("/v1/invoices/{id}"));
    assert_eq!((on_server["notes"].as_str(), on_server["line_items"].as_array().unwrap().len()), (Some("third"), 2));
}

/// The replica's own record of what the server lacks of a document (`unpushed`), read
/// beside the running replica.
fn unpushed(device: &Device, id: &str) -> Option<Vec<u8>> {
    let conn = rusqlite::Connection::open(device.dir().join("remit.db")).unwrap();
    conn.query_row("SELECT unpushed FROM documents WHERE id = ?1", [id], |r| r.get(0)).unwrap()
}

/// An edit goes as only its changes; when the server lacks what they build on it asks for the
/// whole document and gets it, with nothing lost; an edit made through the REST API between
/// two pushes is kept (the server's loaded copy of the document is not used once stale).
fn edits_go_as_changes_and_whole_when_the_server_lacks_their_base(db: Db) {
    let server = Server::start(db);
    let mut a = Device::new(&server, &server.owner_key);
    let id = drafts(&mut a, 1).remove(0);
    assert_eq!(unpushed(&a, &id), Some(Vec::new()), "pushed: the server has everything");
    let edit = |a: &mut Device, notes: &str| {
        a.replica.edit_invoice(&id, InvoiceEdit { notes: Some(notes.into()), ..Default::default() }).unwrap();
    };
    edit(&mut a, "one");
    assert!(unpushed(&a, &id).is_some_and(|c| !c.is_empty()), "the edit's changes wait to be pushed");
    a.replica.push_pending(&a.remote).unwrap();
    assert_eq!(server.get(&server.owner_key, &format!("/v1/invoices/{id}"))["notes"], "one");
    assert_eq!(unpushed(&a, &id), Some(Vec::new()));

    // The office sets a PO number through the REST API (a new version of the document).
    let view = server.get(&server.owner_key, &format!("/v1/invoices/{id}"));
    let lines: Vec<Value> = view["line_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            serde_json::json!({"description": l["description"], "quantity": l["quantity"],
            "unit_price": l["unit_price"], "tax_rate": l["tax_rate"]})
        })
        .collect();
    server.put(
        &server.owner_key,
        &format!("/v1/invoices/{id}"),
        serde_json::json!({"customer_id": view["customer"]["id"], "line_items": lines, "notes": "one", "po_number": "PO-7"}),
    );

    // The device believes the server has its next edit already; the one after builds on it.
    edit(&mut a, "two");
    let conn = rusqlite::Connection::open(a.dir().join("remit.db")).unwrap();
    conn.execute("UPDATE documents SET unpushed = X'' WHERE id = ?1", [&id]).unwrap();
    edit(&mut a, "three");
    let report = a.replica.push_pending(&a.remote).unwrap();
    assert_eq!((report.pushed_documents, report.rejected), (1, 0), "{report:?}");
    let on_server = server.get(&server.owner_key, &format!("/v1/invoices/{id}"));
    assert_eq!((on_server["notes"].as_str(), on_server["po_number"].as_str()), (Some("three"), Some("PO-7")));
    assert!(a.replica.conflicts().unwrap().is_empty());
    let mut b = Device::new(&server, &server.owner_key);
    b.sync();
    assert_eq!(b.replica.invoice(&id).unwrap()["notes"], "three");
}

fn a_member_made_admin_receives_what_was_skipped_before(db: Db) {
    let server = Server::start(db);
    let mut owner = Device::new(&server, &server.owner_key);
    let ids = drafts(&mut owner, 2);
    let member_key = server.user("member@e2e.example", Role::TeamMember);
    let mut member = Device::new(&server, &member_key);
    member.sync();
    assert!(member.replica.invoice(&ids[0]).is_err(), "not readable yet");
    let me = member.remote.me().unwrap();
    server.sql(&format!("UPDATE memberships SET role = 'admin' WHERE user_id = '{}'", me.user.id));
    // PostgreSQL nodes forget cached credentials on a notification: give it a moment.
    let mut seen = false;
    for _ in 0..50 {
        member.sync();
        if member.replica.invoice(&ids[0]).is_ok() {
            seen = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(seen, "the new admin's device received the drafts it skipped as a team member");
    assert!(member.replica.invoice(&ids[1]).is_ok());
    assert_converged(&server, &[&owner, &member], &ids);
}

fn products_made_offline_reach_the_server_and_other_devices(db: Db) {
    let server = Server::start(db);
    let mut a = Device::new(&server, &server.owner_key);
    let mut b = Device::new(&server, &server.owner_key);
    let new = |name: &str, price: &str| remit_client::replica::NewProduct {
        name: name.into(),
        unit_price: price.into(),
        currency: "USD".into(),
        tax_rate: Some("10".into()),
        ..Default::default()
    };
    let bad = a.replica.create_product(new("Broken", "12.3.4")).unwrap_err();
    assert_eq!(bad.code(), "invalid_request", "{bad}");
    let made = a.replica.create_product(new("Consulting hour", "150.00")).unwrap();
    let id = made["id"].as_str().unwrap().to_owned();
    let edit = remit_client::replica::ProductEdit { unit_price: Some("175.00".into()), ..Default::default() };
    a.replica.edit_product(&id, edit).unwrap();
    assert!(a.replica.products(Some("consult")).unwrap().len() == 1);
    let r = a.sync();
    assert_eq!((r.pushed_documents, r.rejected), (1, 0), "{r:?}");
    // The sync also kept the seller block for rendering PDFs offline: the tenant's name here.
    assert_eq!(a.replica.seller().unwrap().unwrap()["name"], "E2E Ltd");
    let rest = server.get(&server.owner_key, &format!("/v1/products/{id}"));
    assert_eq!((rest["name"].as_str(), rest["unit_price"].as_str()), (Some("Consulting hour"), Some("175.00")));
    b.sync();
    let on_b = b.replica.products(None).unwrap();
    assert_eq!(on_b.len(), 1, "{on_b:?}");
    assert_eq!(on_b[0]["unit_price"], "175.00");
    // A team member's device cannot change the item library: refused, listed, nothing changed.
    let member_key = server.user("member@e2e.example", Role::TeamMember);
    let mut m = Device::new(&server, &member_key);
    m.sync();
    let theirs = m.replica.create_product(new("Cheap hour", "1.00")).unwrap();
    let r = m.sync();
    assert_eq!(r.rejected, 1, "{r:?}");
    let conflicts = m.replica.conflicts().unwrap();
    assert!(
        conflicts.iter().any(|c| c["detail"].as_str().unwrap().contains("forbidden")
            || c["detail"].as_str().unwrap().contains("item library")),
        "{conflicts:?}"
    );
    let listed = server.get(&server.owner_key, "/v1/products");
    assert_eq!(listed["data"].as_array().unwrap().len(), 1, "only the owner's product: {listed}");
    assert!(!listed.to_string().contains(theirs["id"].as_str().unwrap()));
}

fn the_live_channel_brings_changes_as_they_happen(db: Db) {
    let server = Server::start(db);
    let mut a = Device::new(&server, &server.owner_key);
    let mut b = Device::new(&server, &server.owner_key);
    let ids = drafts(&mut a, 1);
    b.sync();
    let mut live =
        b.remote.live(&b.replica.cursor().unwrap()).unwrap().expect("a plain-HTTP server has the live channel");
    assert!(live.next(std::time::Duration::from_millis(300)).unwrap().is_none(), "nothing new yet");
    a.replica.edit_invoice(&ids[0], InvoiceEdit { notes: Some("live".into()), ..Default::default() }).unwrap();
    a.replica.push_pending(&a.remote).unwrap();
    let page = live.next(std::time::Duration::from_secs(5)).unwrap().expect("the change arrives");
    b.replica.apply_page(&page, &mut Default::default()).unwrap();
    assert_eq!(b.replica.invoice(&ids[0]).unwrap()["notes"], "live");
    // The cursor moved with the page: a pull now has nothing more.
    assert_eq!(b.sync().pulled, 0);
    // A device that is not registered gets no socket.
    let stranger =
        remit_client::remote::Remote::new(&server.base, &server.owner_key, &uuid::Uuid::now_v7().to_string()).unwrap();
    assert!(stranger.live("").is_err());
}

/// A pushed invoice shows its customer as recorded, whatever the device wrote for them.
fn a_pushed_customer_snapshot_is_taken_from_the_record(db: Db) {
    use base64::Engine;
    let server = Server::start(db);
    let mut a = Device::new(&server, &server.owner_key);
    let ids = drafts(&mut a, 1);
    let b64 = base64::engine::general_purpose::STANDARD;
    let bytes = b64.decode(a.replica.document_bytes(&ids[0]).unwrap().unwrap()).unwrap();
    let mut doc = remit_core::crdt::load(&bytes).unwrap();
    let mut invoice: remit_core::Invoice = remit_core::crdt::read(&doc).unwrap();
    invoice.customer.name = "Someone Else".into();
    invoice.customer.email = Some(remit_core::Email::parse("attacker@evil.example").unwrap());
    remit_core::crdt::update(&mut doc, &invoice).unwrap();
    let pushed = a
        .remote
        .push(&remit_client::remote::PushRequest {
            documents: vec![remit_client::remote::PushDocument {
                kind: "invoice".into(),
                id: ids[0].clone(),
                document: Some(b64.encode(doc.save())),
                changes: None,
            }],
            facts: vec![],
            ..Default::default()
        })
        .unwrap();
    assert_eq!(pushed.documents[0].status, "accepted", "{:?}", pushed.documents[0]);
    let view = server.get(&server.owner_key, &format!("/v1/invoices/{}", ids[0]));
    assert_eq!((view["customer"]["name"].as_str(), view["customer"]["email"].as_str()), (Some("ACME"), None), "{view}");
}

/// An invoice pushed with a customer the server has no record of is refused with its reason,
/// and the invoice stays as it was; its next edit, for a recorded customer, is accepted.
fn a_pushed_invoice_for_a_customer_never_recorded_is_refused(db: Db) {
    use base64::Engine;
    let server = Server::start(db);
    let mut a = Device::new(&server, &server.owner_key);
    let id = drafts(&mut a, 1).remove(0);
    let b64 = base64::engine::general_purpose::STANDARD;
    let bytes = b64.decode(a.replica.document_bytes(&id).unwrap().unwrap()).unwrap();
    let mut doc = remit_core::crdt::load(&bytes).unwrap();
    let mut invoice: remit_core::Invoice = remit_core::crdt::read(&doc).unwrap();
    let recorded = invoice.customer.id;
    let mut push = |invoice: &remit_core::Invoice| {
        remit_core::crdt::update(&mut doc, invoice).unwrap();
        let request = remit_client::remote::PushRequest {
            documents: vec![remit_client::remote::PushDocument {
                kind: "invoice".into(),
                id: id.clone(),
                document: Some(b64.encode(doc.save())),
                changes: None,
            }],
            ..Default::default()
        };
        a.remote.push(&request).unwrap().documents.remove(0)
    };
    invoice.customer.id = remit_core::CustomerId::from_uuid(uuid::Uuid::now_v7());
    invoice.notes = Some("for a stranger".into());
    let refused = push(&invoice);
    assert_eq!(
        (refused.status.as_str(), refused.code.as_deref()),
        ("rejected", Some("unknown_customer")),
        "{refused:?}"
    );
    assert_ne!(server.get(&server.owner_key, &format!("/v1/invoices/{id}"))["notes"], "for a stranger");
    invoice.customer.id = recorded;
    invoice.notes = Some("for ACME again".into());
    let accepted = push(&invoice);
    assert_eq!(accepted.status, "accepted", "{accepted:?}");
    assert_eq!(server.get(&server.owner_key, &format!("/v1/invoices/{id}"))["notes"], "for ACME again");
}

/// The same device payment pushed twice at the same moment (an app and the CLI syncing one
/// replica) is recorded once, and the invoice is paid once.
fn one_device_payment_pushed_twice_at_once_counts_once(db: Db) {
    let server = Server::start(db);
    let mut a = Device::new(&server, &server.owner_key);
    let ids = drafts(&mut a, 4);
    for id in &ids {
        a.remote.issue(id).unwrap();
    }
    a.sync();
    for id in &ids {
        a.replica.record_payment(id, "110.00", "cash").unwrap();
        let request = remit_client::remote::PushRequest {
            documents: vec![],
            deletes: vec![],
            facts: a.replica.queued_facts().unwrap(),
            ..Default::default()
        };
        let payment = request.facts[0]["payment_id"].as_str().unwrap().to_owned();
        let (r1, r2) = (a.remote.clone(), a.remote.clone());
        let (q1, q2) = (request.clone(), request.clone());
        let t1 = std::thread::spawn(move || r1.push(&q1));
        let t2 = std::thread::spawn(move || r2.push(&q2));
        for result in [t1.join().unwrap(), t2.join().unwrap()] {
            assert_eq!(result.unwrap().facts[0].status, "accepted");
        }
        let recorded = server.get(&server.owner_key, &format!("/v1/payments/{payment}"));
        assert_eq!(
            (recorded["unapplied"].as_str(), recorded["applied"].as_array().map(Vec::len)),
            (Some("0.00"), Some(1)),
            "{recorded}"
        );
        let invoice = server.get(&server.owner_key, &format!("/v1/invoices/{id}"));
        assert_eq!(
            (invoice["status"].as_str(), invoice["amount_paid"].as_str()),
            (Some("paid"), Some("110.00")),
            "{invoice}"
        );
        a.sync();
    }
}
