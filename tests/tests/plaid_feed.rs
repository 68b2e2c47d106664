//! The Plaid bank feed against a local fake of `/transactions/sync` (SQLite and PostgreSQL):
//! refused clearly before it is configured or connected; the access token kept and never
//! shown; pages pulled from the cursor kept until `has_more` is false (pending transactions
//! left out, Plaid's sign turned: money in is positive); the pulled credit matched and paid;
//! a removed transaction set aside; Plaid's error passed on with nothing changed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test code: a panic is a failed test")]

use std::sync::Arc;

use remit_tests::plaid_fake::{CLIENT_ID, PlaidFake, SECRET};
use remit_tests::{Db, Server};
use serde_json::{Value, json};

remit_tests::both_stores!(a_bank_feed_is_pulled_page_by_page_and_matched);

fn plaid_tx(id: &str, amount: &str, date: &str, name: &str, extra: Value) -> Value {
    let mut t = json!({
        "transaction_id": id, "account_id": "acc-1", "amount": serde_json::from_str::<Value>(amount).unwrap_or(Value::Null),
        "iso_currency_code": "USD", "unofficial_currency_code": null, "date": date, "name": name,
        "merchant_name": null, "pending": false, "payment_meta": null, "counterparties": [],
    });
    if let (Some(t), Some(extra)) = (t.as_object_mut(), extra.as_object()) {
        t.extend(extra.clone());
    }
    t
}

fn a_bank_feed_is_pulled_page_by_page_and_matched(db: Db) {
    let plain = Server::start(db);
    let err = plain.try_post(&plain.owner_key, "/v1/reconciliation/bank-feed/sync", json!({})).unwrap_err();
    assert_eq!(err.code(), "bank_feed_not_configured", "{err}");
    drop(plain);

    let page1 = json!({
        "added": [
            plaid_tx("tx-1", "-1000.00", "2026-11-20", "ACH CREDIT ACME CORP",
                json!({"payment_meta": {"payer": "ACME Corp", "reference_number": "INV-2026-0001", "by_order_of": null}})),
            plaid_tx("tx-2", "15.25", "2026-11-21", "Card fee", json!({})),
            plaid_tx("tx-p", "-5.00", "2026-11-22", "Pending deposit", json!({"pending": true})),
        ],
        "modified": [], "removed": [], "next_cursor": "c1", "has_more": true, "request_id": "r1",
        "accounts": [], "transactions_update_status": "HISTORICAL_UPDATE_COMPLETE",
    });
    let page2 = json!({
        "added": [plaid_tx("tx-3", "-12.34", "2026-11-23", "INTEREST", json!({"counterparties": [{"name": "Bank Interest", "type": "financial_institution"}]}))],
        "modified": [], "removed": [], "next_cursor": "c2", "has_more": false, "request_id": "r2",
    });
    let page3 = json!({
        "added": [], "modified": [], "removed": [{"transaction_id": "tx-3", "account_id": "acc-1"}],
        "next_cursor": "c3", "has_more": false, "request_id": "r3",
    });
    let fake = PlaidFake::start("access-sandbox-1", vec![(None, page1), (Some("c1"), page2), (Some("c2"), page3)]);
    let plaid = remit_server::bankfeeds::plaid::Plaid::new(fake.base.clone(), CLIENT_ID.into(), SECRET.into()).unwrap();
    let server = Server::start_with(db, |state| state.plaid = Some(Arc::new(plaid)));
    let key = server.owner_key.clone();

    let err = server.try_post(&key, "/v1/reconciliation/bank-feed/sync", json!({})).unwrap_err();
    assert_eq!(err.code(), "bank_feed_not_connected", "{err}");
    let bad = server.try_put(&key, "/v1/settings/bank-feed", json!({"access_token": "no spaces, please"})).unwrap_err();
    assert_eq!(bad.code(), "validation_failed", "{bad}");
    let shown = server.get(&key, "/v1/settings/bank-feed");
    assert_eq!(shown["connected"], false, "a refused token connects nothing: {shown}");

    let customer = server.post(&key, "/v1/customers", json!({"name": "ACME Corporation", "currency": "USD"}));
    let body = json!({"customer_id": customer["id"], "currency": "USD", "issue_date": "2026-11-01",
        "line_items": [{"description": "Work", "quantity": "1", "unit_price": "1000.00", "tax_rate": "0"}]});
    let id = server.post(&key, "/v1/invoices", body)["id"].as_str().unwrap().to_owned();
    let issued = server.post(&key, &format!("/v1/invoices/{id}/issue"), json!({}));
    assert_eq!(issued["number"], "INV-2026-0001", "the fake's reference names it");

    let connected = server.put(&key, "/v1/settings/bank-feed", json!({"access_token": "access-sandbox-1"}));
    assert_eq!(connected["connected"], true);
    let shown = server.get(&key, "/v1/settings/bank-feed");
    assert!(!shown.to_string().contains("access-sandbox"), "the token is never shown: {shown}");
    // Nor stored as it is: sealed (crate::secrets), and it still works below.
    let settings = server.sql_text(match db {
        Db::Sqlite => "SELECT settings FROM tenants WHERE settings LIKE '%bank_feed%'",
        Db::Postgres => "SELECT settings::text FROM tenants WHERE settings::text LIKE '%bank_feed%'",
    });
    assert_eq!(settings.len(), 1, "{settings:?}");
    assert!(!settings[0].contains("access-sandbox-1") && settings[0].contains("sealed:v1:"), "{settings:?}");

    let pulled = server.post(&key, "/v1/reconciliation/bank-feed/sync", json!({}));
    assert_eq!(
        (pulled["pages"].as_u64(), pulled["received"].as_u64()),
        (Some(2), Some(3)),
        "pending left out: {pulled}"
    );
    assert_eq!(fake.asked(), [None, Some("c1".into())]);
    let list = server.get(&key, "/v1/reconciliation/transactions?limit=100");
    let amounts: Vec<(&str, &str)> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["bank_id"].as_str().unwrap(), t["amount"].as_str().unwrap()))
        .collect();
    assert_eq!(
        amounts,
        [("plaid:tx-1", "1000.00"), ("plaid:tx-2", "-15.25"), ("plaid:tx-3", "12.34")],
        "money in is positive"
    );
    assert_eq!(list["data"][0]["payer"], "ACME Corp");
    assert_eq!(list["data"][2]["payer"], "Bank Interest");

    let run = server.post(&key, "/v1/reconciliation/run", json!({}));
    assert_eq!(run["matched"], 1, "{run}");
    assert_eq!(server.get(&key, &format!("/v1/invoices/{id}"))["amount_due"], "0.00");

    let again = server.post(&key, "/v1/reconciliation/bank-feed/sync", json!({}));
    assert_eq!((again["pages"].as_u64(), again["removed"].as_u64()), (Some(1), Some(1)), "{again}");
    assert_eq!(fake.asked().last(), Some(&Some("c2".into())), "from the cursor kept");
    let removed = server.get(&key, "/v1/reconciliation/transactions?limit=100")["data"][2].clone();
    assert_eq!(removed["state"], "ignored", "{removed}");

    // Plaid refuses (the item needs its login again): its code comes back, nothing is imported.
    server.put(&key, "/v1/settings/bank-feed", json!({"access_token": "access-sandbox-stale"}));
    let err = server.try_post(&key, "/v1/reconciliation/bank-feed/sync", json!({})).unwrap_err();
    assert_eq!(err.code(), "bank_feed_failed", "{err}");
    assert!(err.to_string().contains("ITEM_LOGIN_REQUIRED"), "{err}");
    assert_eq!(server.get(&key, "/v1/reconciliation/transactions?limit=100")["data"].as_array().unwrap().len(), 3);
}
