//! Reconciliation on the server over the REST API (SQLite and PostgreSQL): a statement
//! uploaded (again: nothing new), the matcher run, an automatic match paid as a bank transfer,
//! a suggestion approved, a credit under review assigned by hand (and learned from), an
//! automatic match undone (its payment deleted, the invoice owing again, never automatic
//! again), an ignore, the report; bad requests refused with nothing changed; a viewer may read
//! but not act.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test code: a panic is a failed test")]

use remit_core::Role;
use remit_tests::{Db, Server};
use serde_json::{Value, json};

remit_tests::both_stores!(
    statements_are_matched_approved_and_undone_over_the_api,
    a_credit_paying_no_invoice_becomes_the_customers_credit
);

fn issued(server: &Server, customer: &str, amount: &str) -> (String, String) {
    let key = &server.owner_key;
    let body = json!({"customer_id": customer, "currency": "USD", "issue_date": "2026-11-01",
        "line_items": [{"description": "Work", "quantity": "1", "unit_price": amount, "tax_rate": "0"}]});
    let id = server.post(key, "/v1/invoices", body)["id"].as_str().unwrap().to_owned();
    let v = server.post(key, &format!("/v1/invoices/{id}/issue"), json!({}));
    (id, v["number"].as_str().unwrap().to_owned())
}

fn credit(server: &Server, bank_id: &str) -> Value {
    let page = server.get(&server.owner_key, "/v1/reconciliation/transactions?limit=100");
    page["data"].as_array().unwrap().iter().find(|c| c["bank_id"] == bank_id).unwrap().clone()
}

fn base64_of(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(text)
}

fn due(server: &Server, id: &str) -> String {
    server.get(&server.owner_key, &format!("/v1/invoices/{id}"))["amount_due"].as_str().unwrap().to_owned()
}

fn statements_are_matched_approved_and_undone_over_the_api(db: Db) {
    let server = Server::start(db);
    let key = server.owner_key.clone();
    let acme = server.post(
        &key,
        "/v1/customers",
        json!({"name": "ACME Corporation", "currency": "USD", "email": "billing@acme.example"}),
    )["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let globex = server.post(&key, "/v1/customers", json!({"name": "Globex Ltd", "currency": "USD"}))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (i1, n1) = issued(&server, &acme, "1000.00");
    let (i2, _) = issued(&server, &globex, "480.00");
    let (i3, _) = issued(&server, &globex, "99.00");
    let csv = format!(
        "Transaction ID,Date,Amount,Currency,Payer,Reference,Description\n\
         T1,2026-11-20,1000.00,USD,Acme Corp,{n1},\n\
         T2,2026-11-21,480.00,USD,GLOBEX,,\n\
         T3,2026-11-22,99.00,USD,Wayne Enterprises,K-4471,\n\
         T4,2026-11-23,-15.00,USD,Bank,,Fee\n\
         T5,2026-11-3x,10.00,USD,Someone,,\n"
    );
    let done = server.post(&key, "/v1/reconciliation/statements", json!({ "content": csv }));
    assert_eq!((done["format"].as_str(), done["read"].as_u64()), (Some("csv"), Some(4)), "{done}");
    assert_eq!(done["errors"][0]["line"], 6, "{done}");
    server.post(&key, "/v1/reconciliation/statements", json!({ "content": csv }));
    let all = server.get(&key, "/v1/reconciliation/transactions?limit=100");
    assert_eq!(all["data"].as_array().unwrap().len(), 4, "imported again: nothing new: {all}");
    let bad =
        server.try_post(&key, "/v1/reconciliation/statements", json!({ "content": "no,columns\n1,2\n" })).unwrap_err();
    assert_eq!(bad.code(), "invalid_statement", "{bad}");

    let viewer = server.user("viewer@acme.example", Role::Viewer);
    assert_eq!(server.try_post(&viewer, "/v1/reconciliation/run", json!({})).unwrap_err().code(), "forbidden");
    assert_eq!(server.get(&viewer, "/v1/reconciliation/transactions?limit=100")["data"].as_array().unwrap().len(), 4);
    // A team member sees only their own payments: not the bank's transactions.
    let member = server.user("sales@acme.example", Role::TeamMember);
    let err = server.try_get(&member, "/v1/reconciliation/transactions?limit=100").unwrap_err();
    assert_eq!(err.code(), "forbidden", "{err}");

    let run = server.post(&key, "/v1/reconciliation/run", json!({}));
    assert_eq!(run, json!({"matched": 1, "suggested": 1, "review": 1, "failed": 0}), "{run}");
    assert_eq!(due(&server, &i1), "0.00", "an automatic match pays at once");
    let t1 = credit(&server, "T1");
    assert_eq!((t1["state"].as_str(), t1["matched_by"].as_str()), (Some("matched"), Some("auto")), "{t1}");
    let payment = server.get(&key, &format!("/v1/payments/{}", t1["payment_id"].as_str().unwrap()));
    assert_eq!((payment["method"].as_str(), payment["reference"].as_str()), (Some("bank_transfer"), Some("bank T1")));
    assert!(payment["paid_at"].as_str().unwrap().starts_with("2026-11-20"), "{payment}");
    let mails = server.outbox();
    assert_eq!(mails.len(), 1, "a receipt to the customer: {mails:?}");
    assert!(mails[0].contains("billing@acme.example") && mails[0].contains("Payment received"), "{}", mails[0]);
    assert!(mails[0].contains(&n1) && mails[0].contains("1000.00 USD"), "{}", mails[0]);

    let t2 = credit(&server, "T2");
    assert_eq!(t2["decision"], "suggest", "{t2}");
    let approved = server.post(
        &key,
        &format!("/v1/reconciliation/transactions/{}/approve", t2["id"].as_str().unwrap()),
        json!({}),
    );
    assert_eq!(approved["state"], "matched");
    assert_eq!(due(&server, &i2), "0.00");
    let again = server.try_post(
        &key,
        &format!("/v1/reconciliation/transactions/{}/approve", t2["id"].as_str().unwrap()),
        json!({}),
    );
    assert_eq!(again.unwrap_err().code(), "transaction_not_open");

    let t3 = credit(&server, "T3");
    assert_eq!(t3["decision"], "review", "{t3}");
    let t3_assign = format!("/v1/reconciliation/transactions/{}/assign", t3["id"].as_str().unwrap());
    let unknown = json!({"allocations": [{"invoice_id": uuid::Uuid::now_v7().to_string(), "amount": "99.00"}]});
    let err = server.try_post(&key, &t3_assign, unknown).unwrap_err();
    assert!(matches!(err.code(), "unknown_invoice" | "not_found" | "validation_failed"), "{err}");
    assert_eq!(credit(&server, "T3")["state"], "open", "a refused pick changes nothing: {err}");
    let assigned = server.post(&key, &t3_assign, json!({"allocations": [{"invoice_id": i3, "amount": "99.00"}]}));
    assert_eq!((assigned["state"].as_str(), assigned["matched_by"].as_str()), (Some("matched"), Some("person")));
    assert_eq!(due(&server, &i3), "0.00");

    // What the pick taught: a later credit from that payer, with no reference, is Globex's.
    let (i4, _) = issued(&server, &globex, "50.00");
    let later = "Transaction ID,Date,Amount,Currency,Payer,Reference,Description\nT6,2026-12-01,50.00,USD,WAYNE ENTERPRISES INC,,\n";
    server.post(&key, "/v1/reconciliation/statements", json!({ "content_base64": base64_of(later) }));
    server.post(&key, "/v1/reconciliation/run", json!({}));
    let t6 = credit(&server, "T6");
    assert_eq!(
        (t6["decision"].as_str(), t6["allocations"][0]["invoice_id"].as_str()),
        (Some("suggest"), Some(i4.as_str())),
        "{t6}"
    );
    assert!(t6["reasons"].to_string().contains("learned"), "{t6}");

    let t1_undo = format!("/v1/reconciliation/transactions/{}/undo", t1["id"].as_str().unwrap());
    let undone = server.post(&key, &t1_undo, json!({}));
    assert_eq!(
        (undone["state"].as_str(), undone["undone"].as_u64(), undone["decision"].as_str()),
        (Some("open"), Some(1), Some("suggest"))
    );
    assert_eq!(due(&server, &i1), "1000.00", "owes again");
    let gone = server.try_get(&key, &format!("/v1/payments/{}", t1["payment_id"].as_str().unwrap())).unwrap_err();
    assert_eq!(gone.code(), "not_found");
    assert_eq!(server.try_post(&key, &t1_undo, json!({})).unwrap_err().code(), "transaction_open");
    let rerun = server.post(&key, "/v1/reconciliation/run", json!({}));
    assert_eq!(rerun["matched"], 0, "an undone automatic match is never automatic again: {rerun}");
    assert_eq!(credit(&server, "T1")["decision"], "suggest");

    let report = server.get(&key, "/v1/reconciliation/report");
    assert_eq!((report["automatic"].as_u64(), report["automatic_undone"].as_u64()), (Some(1), Some(1)), "{report}");
    assert_eq!(report["accuracy"], "0.00");
    assert_eq!(report["unmatched"], 2, "T1 and T6: {report}");
    let missing =
        server.try_get(&key, &format!("/v1/reconciliation/transactions/{}", uuid::Uuid::now_v7())).unwrap_err();
    assert_eq!(missing.code(), "not_found");

    // The daily run: 02:00 in the tenant's zone, acting for the member who set it.
    let bad =
        server.try_put(&key, "/v1/settings/reconciliation", json!({"enabled": true, "time_zone": "Mars/Olympus"}));
    assert_eq!(bad.unwrap_err().code(), "validation_failed");
    let set = server.put(&key, "/v1/settings/reconciliation", json!({"enabled": true, "time_zone": "Europe/Berlin"}));
    assert_eq!((set["time"].as_str(), set["time_zone"].as_str()), (Some("02:00"), Some("Europe/Berlin")), "{set}");
    let next: chrono::DateTime<chrono::Utc> = set["next_run_at"].as_str().unwrap().parse().unwrap();
    let hour = next.format("%H:%M").to_string();
    assert!(hour == "01:00" || hour == "00:00", "02:00 in Berlin is 01:00 or 00:00 UTC: {next}");
    assert_eq!(server.run_due_jobs(next - chrono::Duration::seconds(1)), 0, "not due yet");
    let later =
        "Transaction ID,Date,Amount,Currency,Payer,Reference,Description\nT7,2026-12-02,1000.00,USD,ACME Corp,,\n";
    server.post(&key, "/v1/reconciliation/statements", json!({ "content": later }));
    assert_eq!(server.run_due_jobs(next), 1, "due: it runs");
    assert_eq!(server.run_due_jobs(next), 0, "once");
    let after = server.get(&key, "/v1/settings/reconciliation");
    assert_eq!(after["last_result"], "0 matched, 2 suggested, 1 to review, 0 failed", "T1, T6 and T7: {after}");
    let next_again: chrono::DateTime<chrono::Utc> = after["next_run_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(next_again - next, chrono::Duration::days(1), "the next day: {after}");
    // T7 pays what T1 would: two credits for one invoice are for a person to decide.
    assert_eq!(credit(&server, "T7")["decision"], "review", "the run saw the new credit");
    let off = server.put(&key, "/v1/settings/reconciliation", json!({"enabled": false, "time_zone": "Europe/Berlin"}));
    assert_eq!(off["next_run_at"], Value::Null);

    // From the review queue: an invoice made for a credit, issued and paid by it.
    let t7 = credit(&server, "T7");
    let made = server.post(
        &key,
        &format!("/v1/reconciliation/transactions/{}/invoice", t7["id"].as_str().unwrap()),
        json!({"customer_id": acme, "description": "Deposit for the spring project"}),
    );
    assert_eq!((made["state"].as_str(), made["matched_by"].as_str()), (Some("matched"), Some("person")), "{made}");
    let new_invoice = made["allocations"][0]["invoice_id"].as_str().unwrap();
    let v = server.get(&key, &format!("/v1/invoices/{new_invoice}"));
    let shown = (v["total"].as_str(), v["amount_due"].as_str(), v["status"].as_str());
    assert_eq!(shown, (Some("1000.00"), Some("0.00"), Some("paid")), "{v}");
    assert_eq!(v["line_items"][0]["description"], "Deposit for the spring project");

    // Bulk approve: the two suggestions left (T1, undone once, and T6, from what was learned).
    let bulk = server.post(&key, "/v1/reconciliation/approve-suggestions", json!({}));
    assert_eq!(bulk, json!({"approved": 2, "failed": []}), "{bulk}");
    assert_eq!(due(&server, &i1), "0.00");
    assert_eq!(due(&server, &i4), "0.00");
    assert_eq!(server.get(&key, "/v1/reconciliation/report")["unmatched"], 0);
}

/// The review queue's "record as overpayment": a credit that pays no invoice becomes the
/// customer's credit (a payment applied to nothing), with a receipt; refused for an unknown
/// customer or a debit with nothing changed; undone, the credit is gone again.
fn a_credit_paying_no_invoice_becomes_the_customers_credit(db: Db) {
    let server = Server::start(db);
    let key = server.owner_key.clone();
    let new = |name: &str, email: &str| {
        server.post(&key, "/v1/customers", json!({"name": name, "currency": "USD", "email": email}))["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let acme = new("ACME Corporation", "billing@acme.example");
    let globex = new("Globex Ltd", "ap@globex.example");
    let csv = "Transaction ID,Date,Amount,Currency,Payer,Reference,Description\n\
               P1,2026-11-20,500.00,USD,Acme Corp,prepayment,\n\
               P2,2026-11-21,-20.00,USD,Bank,,Fee\n";
    server.post(&key, "/v1/reconciliation/statements", json!({ "content": csv }));
    server.post(&key, "/v1/reconciliation/run", json!({}));
    let p1 = credit(&server, "P1");
    assert_eq!((p1["state"].as_str(), p1["decision"].as_str()), (Some("open"), Some("review")), "no invoice: {p1}");
    let to_credit = format!("/v1/reconciliation/transactions/{}/credit", p1["id"].as_str().unwrap());

    let unknown = server.try_post(&key, &to_credit, json!({"customer_id": uuid::Uuid::now_v7().to_string()}));
    assert_eq!(unknown.unwrap_err().code(), "unknown_customer");
    let p1_after = credit(&server, "P1");
    assert_eq!((p1_after["state"].as_str(), p1_after["payment_id"].as_str()), (Some("open"), None), "{p1_after}");
    assert!(server.get(&key, "/v1/payments?limit=10")["data"].as_array().unwrap().is_empty(), "nothing recorded");
    let p2 = credit(&server, "P2");
    let debit = server.try_post(
        &key,
        &format!("/v1/reconciliation/transactions/{}/credit", p2["id"].as_str().unwrap()),
        json!({"customer_id": acme}),
    );
    assert_eq!(debit.unwrap_err().code(), "not_a_credit");
    let viewer = server.user("viewer@acme.example", Role::Viewer);
    assert_eq!(server.try_post(&viewer, &to_credit, json!({"customer_id": acme})).unwrap_err().code(), "forbidden");

    let done = server.post(&key, &to_credit, json!({"customer_id": acme}));
    let shown = (done["state"].as_str(), done["matched_by"].as_str(), done["customer_id"].as_str());
    assert_eq!(shown, (Some("matched"), Some("person"), Some(acme.as_str())), "{done}");
    let payment = server.get(&key, &format!("/v1/payments/{}", done["payment_id"].as_str().unwrap()));
    let paid =
        (payment["applied"].as_array().map(Vec::len), payment["unapplied"].as_str(), payment["customer_id"].as_str());
    assert_eq!(paid, (Some(0), Some("500.00"), Some(acme.as_str())), "{payment}");
    let customer = server.get(&key, &format!("/v1/customers/{acme}"));
    assert_eq!(customer["credit"], json!([{"currency": "USD", "amount": "500.00"}]), "{customer}");
    let mails = server.outbox();
    assert_eq!(mails.len(), 1, "a receipt: {mails:?}");
    assert!(
        mails[0].contains("billing@acme.example") && mails[0].contains("500.00 USD kept as your credit"),
        "{}",
        mails[0]
    );
    let report = server.get(&key, "/v1/reconciliation/report");
    assert_eq!(report["overpayments"], json!([p1["id"]]), "{report}");
    assert_eq!(
        server.try_post(&key, &to_credit, json!({"customer_id": globex})).unwrap_err().code(),
        "transaction_not_open"
    );

    let undone =
        server.post(&key, &format!("/v1/reconciliation/transactions/{}/undo", p1["id"].as_str().unwrap()), json!({}));
    assert_eq!((undone["state"].as_str(), undone["customer_id"].as_str()), (Some("open"), None), "{undone}");
    let customer = server.get(&key, &format!("/v1/customers/{acme}"));
    assert_eq!(customer["credit"], json!([]), "the credit is gone with the payment: {customer}");

    // The same over the payments API: a payment with no invoice, and the bad shapes refused.
    let prepaid = server.post(
        &key,
        "/v1/payments",
        json!({"customer_id": globex, "amount": "75.00", "currency": "USD", "method": "check"}),
    );
    assert_eq!(
        (prepaid["unapplied"].as_str(), prepaid["customer_name"].as_str()),
        (Some("75.00"), Some("Globex Ltd")),
        "{prepaid}"
    );
    let both = server.try_post(&key, "/v1/payments", json!({"customer_id": globex, "invoice_id": uuid::Uuid::now_v7().to_string(), "amount": "1.00", "currency": "USD", "method": "cash"}));
    assert_eq!(both.unwrap_err().code(), "invalid_allocation");
    let (inv, _) = issued(&server, &acme, "10.00");
    let other = server.try_post(&key, "/v1/payments", json!({"customer_id": globex, "allocations": [{"invoice_id": inv, "amount": "10.00"}], "amount": "10.00", "currency": "USD", "method": "cash"}));
    assert_eq!(other.unwrap_err().code(), "mixed_customers", "the allocations' customer is not the one named");
    let euros = server.try_post(
        &key,
        "/v1/payments",
        json!({"customer_id": globex, "amount": "5.00", "currency": "EUR", "method": "cash"}),
    );
    assert_eq!(euros.unwrap_err().code(), "currency_mismatch", "Globex pays in USD: a EUR credit could never be used");
    assert_eq!(due(&server, &inv), "10.00", "nothing recorded");
}
