//! Customers, products, invoices and payments over HTTP, on both stores (spec 5.2).

use remit_core::Role;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::harness::Harness;
use crate::http_platform::Office;

impl Office {
    pub async fn send(
        &self,
        role: Role,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = Client::new().request(method, format!("{}{path}", self.base)).bearer_auth(self.key(role));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        (status, if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) })
    }

    pub async fn post(&self, role: Role, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(role, reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn json(&self, role: Role, path: &str) -> (StatusCode, Value) {
        self.send(role, reqwest::Method::GET, path, None).await
    }
}

async fn acme(office: &Office) -> String {
    let (status, c) = office
        .post(
            Role::Owner,
            "/v1/customers",
            json!({"name": "ACME Corporation", "email": "billing@acme.com", "currency": "USD"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    c["id"].as_str().unwrap().to_owned()
}

/// The spec's example request (5.2), with its numbers: as text, since a Rust `150.00` literal
/// would be the float 150.0 before the server ever saw it.
fn example_text(customer: &str) -> String {
    format!(
        r#"{{"customer_id": "{customer}", "issue_date": "2025-01-15", "due_date": "2025-02-14", "currency": "USD",
        "line_items": [{{"description": "Web Development", "quantity": 40, "unit_price": 150.00, "tax_rate": 10}}],
        "notes": "Payment due within 30 days"}}"#
    )
}

fn example(customer: &str) -> Value {
    serde_json::from_str(&example_text(customer)).unwrap()
}

pub async fn the_spec_example_invoice_and_a_partial_payment(h: Harness) {
    let office = Office::open(h).await;
    let customer = acme(&office).await;
    let res = Client::new()
        .post(format!("{}/v1/invoices", office.base))
        .bearer_auth(office.key(Role::Owner))
        .header("content-type", "application/json")
        .body(example_text(&customer))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let inv: Value = res.json().await.unwrap();
    assert_eq!(
        (&inv["subtotal"], &inv["tax"], &inv["total"], &inv["amount_due"], &inv["status"]),
        (&json!("6000.00"), &json!("600.00"), &json!("6600.00"), &json!("6600.00"), &json!("draft"))
    );
    assert_eq!(inv["customer"], json!({"id": customer, "name": "ACME Corporation", "email": "billing@acme.com"}));
    assert_eq!(inv["line_items"][0]["unit_price"], "150.00");
    assert!(inv["number"].is_null(), "a draft has no number yet");
    let id = inv["id"].as_str().unwrap().to_owned();
    assert_eq!(inv["links"]["self"], format!("/v1/invoices/{id}"));
    assert_eq!(inv["links"]["pdf"], format!("/v1/invoices/{id}/pdf"));

    let (status, issued) = office.post(Role::Owner, &format!("/v1/invoices/{id}/issue"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{issued}");
    assert_eq!(issued["number"], "INV-2025-0001");
    // Due 2025-02-14, long past: an issued invoice with money due is overdue.
    assert_eq!(issued["status"], "overdue");

    let payment = json!({"invoice_id": id, "amount": "1000.00", "currency": "USD", "method": "check", "paid_at": "2025-01-20", "reference": "CHK-1001"});
    let (status, paid) = office.post(Role::Owner, "/v1/payments", payment).await;
    assert_eq!(status, StatusCode::CREATED, "{paid}");
    assert_eq!((&paid["applied"][0]["amount"], &paid["unapplied"]), (&json!("1000.00"), &json!("0.00")));
    let (_, inv) = office.json(Role::Owner, &format!("/v1/invoices/{id}")).await;
    assert_eq!((&inv["amount_paid"], &inv["amount_due"]), (&json!("1000.00"), &json!("5600.00")));
    assert_eq!(inv["payments"][0]["amount"], "1000.00");
    assert_eq!(inv["status"], "overdue", "partially paid but past due: overdue outranks it");

    // The same with a due date ahead: partially paid.
    let mut later = example(&customer);
    later["issue_date"] = json!("2099-01-01");
    later["due_date"] = json!("2099-02-01");
    let (_, inv2) = office.post(Role::Owner, "/v1/invoices", later).await;
    let id2 = inv2["id"].as_str().unwrap().to_owned();
    let (_, issued2) = office.post(Role::Owner, &format!("/v1/invoices/{id2}/issue"), json!({})).await;
    assert_eq!((&issued2["number"], &issued2["status"]), (&json!("INV-2099-0001"), &json!("issued")));
    let (status, _) = office
        .post(
            Role::Owner,
            "/v1/payments",
            json!({"invoice_id": id2, "amount": 1000, "currency": "USD", "method": "cash"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, inv2) = office.json(Role::Owner, &format!("/v1/invoices/{id2}")).await;
    assert_eq!((&inv2["status"], &inv2["amount_due"]), (&json!("partially_paid"), &json!("5600.00")));

    // Lists filter by status as the invoices show it.
    let (_, overdue) = office.json(Role::Owner, "/v1/invoices?status=overdue").await;
    assert_eq!(overdue["data"].as_array().unwrap().len(), 1);
    assert_eq!(overdue["data"][0]["id"], json!(id));
    let (_, partial) = office.json(Role::Owner, "/v1/invoices?status=partially_paid&fields=id,status").await;
    assert_eq!(partial["data"], json!([{"id": id2, "status": "partially_paid"}]));
}

pub async fn payments_share_overpay_refund_and_delete(h: Harness) {
    let office = Office::open(h).await;
    let customer = acme(&office).await;
    let mut ids = Vec::new();
    for _ in 0..2 {
        let mut body = example(&customer);
        body["due_date"] = json!("2099-01-01");
        let (_, inv) = office.post(Role::Owner, "/v1/invoices", body).await;
        let id = inv["id"].as_str().unwrap().to_owned();
        let (status, _) = office.post(Role::Owner, &format!("/v1/invoices/{id}/issue"), json!({})).await;
        assert_eq!(status, StatusCode::OK);
        ids.push(id);
    }
    // One transfer pays the first in full and part of the second, with 100.00 left as credit.
    let body = json!({"amount": "10000.00", "currency": "USD", "method": "bank_transfer",
        "allocations": [{"invoice_id": ids[0], "amount": "6600.00"}, {"invoice_id": ids[1], "amount": "3300.00"}]});
    let (status, p) = office.post(Role::Owner, "/v1/payments", body).await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    assert_eq!(p["unapplied"], "100.00");
    let (_, a) = office.json(Role::Owner, &format!("/v1/invoices/{}", ids[0])).await;
    let (_, b) = office.json(Role::Owner, &format!("/v1/invoices/{}", ids[1])).await;
    assert_eq!(
        (&a["status"], &b["status"], &b["amount_due"]),
        (&json!("paid"), &json!("partially_paid"), &json!("3300.00"))
    );
    let pid = p["id"].as_str().unwrap().to_owned();

    // Refunds: from a named invoice, never more than it received.
    let (status, err) =
        office.post(Role::Owner, &format!("/v1/payments/{pid}/refund"), json!({"amount": "50.00"})).await;
    assert_eq!((status, &err["code"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!("refund_target_required")));
    let (status, err) = office
        .post(Role::Owner, &format!("/v1/payments/{pid}/refund"), json!({"amount": "6600.01", "invoice_id": ids[0]}))
        .await;
    assert_eq!((status, &err["code"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!("refund_exceeds_payment")));
    let (status, r) = office
        .post(
            Role::Owner,
            &format!("/v1/payments/{pid}/refund"),
            json!({"amount": "6600.00", "invoice_id": ids[0], "reason": "duplicate"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["refunded"], "6600.00");
    let (_, a) = office.json(Role::Owner, &format!("/v1/invoices/{}", ids[0])).await;
    assert_eq!(a["status"], "refunded");
    // A refunded payment cannot be deleted; a plain one can, and its invoice owes again.
    let (status, _) = office.send(Role::Owner, reqwest::Method::DELETE, &format!("/v1/payments/{pid}"), None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (_, cash) = office
        .post(
            Role::Owner,
            "/v1/payments",
            json!({"invoice_id": ids[1], "amount": "3400.00", "currency": "USD", "method": "cash"}),
        )
        .await;
    assert_eq!(cash["unapplied"], "100.00", "overpayment becomes credit");
    let (_, c) = office.json(Role::Owner, &format!("/v1/customers/{customer}")).await;
    assert_eq!(c["credit"], json!([{"currency": "USD", "amount": "200.00"}]), "both payments' leftovers");
    let (_, b) = office.json(Role::Owner, &format!("/v1/invoices/{}", ids[1])).await;
    assert_eq!((&b["status"], &b["amount_due"]), (&json!("paid"), &json!("0.00")));
    let cash_id = cash["id"].as_str().unwrap();
    let (status, _) = office.send(Role::Owner, reqwest::Method::DELETE, &format!("/v1/payments/{cash_id}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, b) = office.json(Role::Owner, &format!("/v1/invoices/{}", ids[1])).await;
    assert_eq!((&b["status"], &b["amount_due"]), (&json!("partially_paid"), &json!("3300.00")));
    let (status, _) = office.json(Role::Owner, &format!("/v1/payments/{cash_id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, c) = office.json(Role::Owner, &format!("/v1/customers/{customer}")).await;
    assert_eq!(c["credit"], json!([{"currency": "USD", "amount": "100.00"}]), "a deleted payment leaves no credit");
    let (_, list) = office.json(Role::Owner, "/v1/payments?method=bank_transfer").await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
}

pub async fn bad_input_gets_its_own_code_and_changes_nothing(h: Harness) {
    let office = Office::open(h).await;
    let customer = acme(&office).await;
    let (_, draft) = office.post(Role::Owner, "/v1/invoices", example(&customer)).await;
    let draft_id = draft["id"].as_str().unwrap().to_owned();
    let cases: Vec<(Value, StatusCode, &str)> = vec![
        (
            json!({"customer_id": customer, "currency": "USD", "line_items": [], "colour": "red"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        ),
        (
            json!({"customer_id": customer, "currency": "XYZ", "line_items": []}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_currency",
        ),
        (
            json!({"customer_id": "5d1c3b52-0000-4000-8000-000000000000", "line_items": []}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_customer",
        ),
        (
            json!({"customer_id": customer, "line_items": [{"description": "x", "quantity": "-1", "unit_price": "1", "tax_rate": "0"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            json!({"customer_id": customer, "line_items": [{"description": "x", "quantity": "1e9", "unit_price": "1", "tax_rate": "0"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        ),
        (
            json!({"customer_id": customer, "line_items": [{"description": "x", "quantity": "99999999999999", "unit_price": "99999999", "tax_rate": "0"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "amount_out_of_range",
        ),
    ];
    for (body, status, code) in cases {
        let (got, err) = office.post(Role::Owner, "/v1/invoices", body.clone()).await;
        assert_eq!((got, err["code"].as_str().unwrap_or("?")), (status, code), "{body} gave {err}");
    }
    let res = Client::new()
        .post(format!("{}/v1/invoices", office.base))
        .bearer_auth(office.key(Role::Owner))
        .header("content-type", "application/json")
        .body("{\"customer_id\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "malformed_json");
    // Paying a draft, paying in another currency.
    let (status, err) = office
        .post(
            Role::Owner,
            "/v1/payments",
            json!({"invoice_id": draft_id, "amount": "1", "currency": "USD", "method": "cash"}),
        )
        .await;
    assert_eq!((status, &err["code"]), (StatusCode::CONFLICT, &json!("invoice_not_issued")));
    let (_, issued) = office.post(Role::Owner, &format!("/v1/invoices/{draft_id}/issue"), json!({})).await;
    let (status, err) = office
        .post(
            Role::Owner,
            "/v1/payments",
            json!({"invoice_id": draft_id, "amount": "1", "currency": "EUR", "method": "cash"}),
        )
        .await;
    assert_eq!((status, &err["code"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!("currency_mismatch")));
    // Editing or deleting an issued invoice.
    let (status, err) = office
        .send(Role::Owner, reqwest::Method::PUT, &format!("/v1/invoices/{draft_id}"), Some(example(&customer)))
        .await;
    assert_eq!((status, &err["code"]), (StatusCode::CONFLICT, &json!("invoice_not_editable")));
    let (status, err) =
        office.send(Role::Owner, reqwest::Method::DELETE, &format!("/v1/invoices/{draft_id}"), None).await;
    assert_eq!((status, &err["code"]), (StatusCode::CONFLICT, &json!("invoice_not_draft")));
    let (status, err) = office.post(Role::Owner, &format!("/v1/invoices/{draft_id}/issue"), json!({})).await;
    assert_eq!((status, &err["code"]), (StatusCode::CONFLICT, &json!("invoice_already_issued")));
    // Nothing above changed the invoice, and nothing half-written shows in the lists.
    let (_, after) = office.json(Role::Owner, &format!("/v1/invoices/{draft_id}")).await;
    assert_eq!(
        (&after["total"], &after["amount_paid"], &after["number"]),
        (&issued["total"], &json!("0.00"), &issued["number"])
    );
    let (_, all) = office.json(Role::Owner, "/v1/invoices").await;
    assert_eq!(all["data"].as_array().unwrap().len(), 1);
    let (_, payments) = office.json(Role::Owner, "/v1/payments").await;
    assert!(payments["data"].as_array().unwrap().is_empty());
}

pub async fn drafts_are_edited_deleted_and_voided_by_the_rules(h: Harness) {
    let office = Office::open(h).await;
    let customer = acme(&office).await;
    let (_, inv) = office.post(Role::Owner, "/v1/invoices", example(&customer)).await;
    let id = inv["id"].as_str().unwrap().to_owned();
    let line_id = inv["line_items"][0]["id"].as_str().unwrap().to_owned();
    let mut edit = example(&customer);
    edit["line_items"] = json!([
        {"id": line_id, "description": "Web Development", "quantity": "20", "unit_price": "150.00", "tax_rate": "10"},
        {"description": "Hosting", "quantity": "1", "unit_price": "99.99", "tax_rate": "0"}
    ]);
    let (status, edited) =
        office.send(Role::Owner, reqwest::Method::PUT, &format!("/v1/invoices/{id}"), Some(edit)).await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!((&edited["total"], &edited["line_items"][0]["id"]), (&json!("3399.99"), &json!(line_id)));
    let (status, err) = office.post(Role::Owner, &format!("/v1/invoices/{id}/void"), json!({})).await;
    assert_eq!((status, &err["code"]), (StatusCode::CONFLICT, &json!("invoice_is_draft")));
    let (status, _) = office.post(Role::Owner, &format!("/v1/invoices/{id}/issue"), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, voided) =
        office.post(Role::Accountant, &format!("/v1/invoices/{id}/void"), json!({"reason": "wrong customer"})).await;
    assert_eq!(status, StatusCode::OK, "{voided}");
    assert_eq!((&voided["status"], &voided["amount_due"]), (&json!("voided"), &json!("0.00")));
    let (_, other) = office.post(Role::Owner, "/v1/invoices", example(&customer)).await;
    let other_id = other["id"].as_str().unwrap();
    let (status, _) =
        office.send(Role::Owner, reqwest::Method::DELETE, &format!("/v1/invoices/{other_id}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = office.json(Role::Owner, &format!("/v1/invoices/{other_id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a deleted draft is gone");
    // A customer who owes money stays; one with only drafts (or nothing owed) can go.
    let (_, owing) = office.post(Role::Owner, "/v1/invoices", example(&customer)).await;
    let owing = owing["id"].as_str().unwrap().to_owned();
    office.post(Role::Owner, &format!("/v1/invoices/{owing}/issue"), json!({})).await;
    let (status, err) =
        office.send(Role::Owner, reqwest::Method::DELETE, &format!("/v1/customers/{customer}"), None).await;
    assert_eq!((status, &err["code"]), (StatusCode::CONFLICT, &json!("customer_has_open_invoices")));
    let (_, other_customer) =
        office.post(Role::Owner, "/v1/customers", json!({"name": "Drafts Only Ltd", "currency": "USD"})).await;
    let other_customer = other_customer["id"].as_str().unwrap().to_owned();
    office.post(Role::Owner, "/v1/invoices", example(&other_customer)).await;
    let (status, _) =
        office.send(Role::Owner, reqwest::Method::DELETE, &format!("/v1/customers/{other_customer}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "a draft owes nothing");
    let (status, _) = office.json(Role::Owner, &format!("/v1/customers/{other_customer}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, audit) = office.json(Role::Owner, "/v1/audit-logs?resource_type=invoice").await;
    let kinds: Vec<&str> =
        audit["data"].as_array().unwrap().iter().map(|e| e["event_type"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "invoice.created",
            "invoice.updated",
            "invoice.issued",
            "invoice.voided",
            "invoice.created",
            "invoice.deleted",
            "invoice.created",
            "invoice.issued",
            "invoice.created"
        ]
    );
}

/// Numbers are taken in the issuing transaction: many issuing at once never share one.
pub async fn concurrent_issues_never_share_a_number(h: Harness) {
    let office = Office::open(h).await;
    let customer = acme(&office).await;
    let mut ids = Vec::new();
    for _ in 0..12 {
        let (_, inv) = office.post(Role::Owner, "/v1/invoices", example(&customer)).await;
        ids.push(inv["id"].as_str().unwrap().to_owned());
    }
    let office = std::sync::Arc::new(office);
    let tasks: Vec<_> = ids
        .iter()
        .map(|id| {
            let office = office.clone();
            let id = id.clone();
            tokio::spawn(async move { office.post(Role::Owner, &format!("/v1/invoices/{id}/issue"), json!({})).await })
        })
        .collect();
    let mut numbers = Vec::new();
    for t in tasks {
        let (status, inv) = t.await.unwrap();
        assert_eq!(status, StatusCode::OK, "{inv}");
        numbers.push(inv["number"].as_str().unwrap().to_owned());
    }
    numbers.sort();
    let expected: Vec<String> = (1..=12).map(|n| format!("INV-2025-{n:04}")).collect();
    assert_eq!(numbers, expected, "every number once, no gaps");
}

pub async fn reports_add_up_per_customer_period_rate_and_method(h: Harness) {
    let office = Office::open(h).await;
    let customer = acme(&office).await;
    let (_, inv) = office.post(Role::Owner, "/v1/invoices", example(&customer)).await;
    let id = inv["id"].as_str().unwrap().to_owned();
    office.post(Role::Owner, &format!("/v1/invoices/{id}/issue"), json!({})).await;
    let pay =
        json!({"invoice_id": id, "amount": "1000.00", "currency": "USD", "method": "check", "paid_at": "2025-01-20"});
    office.post(Role::Owner, "/v1/payments", pay).await;
    // A draft and a voided invoice count in no report.
    office.post(Role::Owner, "/v1/invoices", example(&customer)).await;
    let (_, gone) = office.post(Role::Owner, "/v1/invoices", example(&customer)).await;
    let gone = gone["id"].as_str().unwrap();
    office.post(Role::Owner, &format!("/v1/invoices/{gone}/issue"), json!({})).await;
    office.post(Role::Owner, &format!("/v1/invoices/{gone}/void"), json!({})).await;

    let (_, aging) = office.json(Role::Accountant, "/v1/reports/aging?as_of=2025-03-01").await;
    assert_eq!(
        aging["columns"],
        json!(["customer_id", "customer_name", "currency", "current", "1_30", "31_60", "61_90", "over_90", "total"])
    );
    assert_eq!(
        aging["rows"],
        json!([[customer, "ACME Corporation", "USD", "0.00", "5600.00", "0.00", "0.00", "0.00", "5600.00"]])
    );
    let (_, later) = office.json(Role::Accountant, "/v1/reports/aging?as_of=2025-06-01").await;
    assert_eq!(later["rows"][0][7], "5600.00", "107 days past due is over 90");
    let (_, early) = office.json(Role::Accountant, "/v1/reports/aging?as_of=2025-02-01").await;
    assert_eq!(early["rows"][0][3], "5600.00", "not yet due is current");

    let range = "from=2025-01-01&to=2025-12-31";
    let (_, sales) = office.json(Role::Viewer, &format!("/v1/reports/sales?{range}")).await;
    assert_eq!(sales["rows"], json!([["2025-01", "USD", "1", "6000.00", "600.00", "6600.00"]]));
    let (_, by_customer) = office.json(Role::Viewer, &format!("/v1/reports/sales?{range}&group_by=customer")).await;
    assert_eq!(
        by_customer["rows"],
        json!([[customer, "ACME Corporation", "USD", "1", "6000.00", "600.00", "6600.00"]])
    );
    let (_, by_product) = office.json(Role::Viewer, &format!("/v1/reports/sales?{range}&group_by=product")).await;
    assert_eq!(by_product["rows"], json!([["", "Web Development", "USD", "1", "6000.00"]]));
    let (_, tax) = office.json(Role::Viewer, &format!("/v1/reports/tax?{range}")).await;
    assert_eq!(tax["rows"], json!([["2025-01", "standard", "10", "USD", "6000.00", "600.00"]]));
    let (_, payments) = office.json(Role::Viewer, &format!("/v1/reports/payments?{range}")).await;
    assert_eq!(payments["rows"], json!([["2025-01", "check", "USD", "1", "1000.00", "0.00"]]));
    let (_, outside) = office.json(Role::Viewer, "/v1/reports/sales?from=2024-01-01&to=2024-12-31").await;
    assert_eq!(outside["rows"], json!([]));

    let res = Client::new()
        .get(format!("{}/v1/reports/tax?{range}", office.base))
        .bearer_auth(office.key(Role::Viewer))
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert_eq!(
        res.text().await.unwrap(),
        "period,category,rate,currency,taxable,tax\r\n2025-01,standard,10,USD,6000.00,600.00\r\n"
    );
    let (status, csv) = office.json(Role::Viewer, &format!("/v1/reports/payments?{range}&format=csv")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.as_str().unwrap().starts_with("period,method,currency,payments,amount,refunded\r\n"));
    let (status, err) = office.json(Role::Viewer, "/v1/reports/sales?from=2025-02-01&to=2025-01-01").await;
    assert_eq!((status, &err["code"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!("invalid_query")));
}

/// Spec 6.2, the invoice and payment rows, cell by cell over HTTP: each role tries each action
/// on a record made for the purpose. (View reports joins when the reports exist.)
pub async fn invoice_and_payment_rows_of_the_matrix_hold_over_http(h: Harness) {
    let office = Office::open(h).await;
    let customer = acme(&office).await;
    let draft = |role: Role| {
        let office = &office;
        let body = example(&customer);
        async move {
            let (status, inv) = office.post(role, "/v1/invoices", body).await;
            (status, inv["id"].as_str().unwrap_or_default().to_owned())
        }
    };
    let issued = || async {
        let (_, id) = draft(Role::Owner).await;
        let (status, _) = office.post(Role::Owner, &format!("/v1/invoices/{id}/issue"), json!({})).await;
        assert_eq!(status, StatusCode::OK);
        id
    };
    let ok = |s: StatusCode| s.is_success();
    use Role::*;
    for role in Role::ALL {
        // Create invoice: everyone but accountant and viewer (team members: drafts).
        let (status, own) = draft(role).await;
        assert_eq!(ok(status), matches!(role, Owner | Admin | Manager | TeamMember), "{role} create: {status}");
        // Edit invoice: owner, admin; manager and team member only their own (drafts).
        if ok(status) {
            let (s, _) =
                office.send(role, reqwest::Method::PUT, &format!("/v1/invoices/{own}"), Some(example(&customer))).await;
            assert_eq!(s, StatusCode::OK, "{role} edits their own draft");
        }
        let (_, theirs) = draft(Owner).await;
        let (s, _) =
            office.send(role, reqwest::Method::PUT, &format!("/v1/invoices/{theirs}"), Some(example(&customer))).await;
        assert_eq!(ok(s), matches!(role, Owner | Admin), "{role} edits someone else's: {s}");
        // Delete invoice: owner and admin.
        let (s, _) = office.send(role, reqwest::Method::DELETE, &format!("/v1/invoices/{theirs}"), None).await;
        assert_eq!(ok(s), matches!(role, Owner | Admin), "{role} delete: {s}");
        // Send invoice (issuing numbers it for sending): owner, admin, manager.
        let (_, fresh) = draft(Owner).await;
        let (s, _) = office.post(role, &format!("/v1/invoices/{fresh}/issue"), json!({})).await;
        assert_eq!(ok(s), matches!(role, Owner | Admin | Manager), "{role} send: {s}");
        // Void invoice: everyone but team member and viewer.
        let to_void = issued().await;
        let (s, _) = office.post(role, &format!("/v1/invoices/{to_void}/void"), json!({})).await;
        assert_eq!(ok(s), matches!(role, Owner | Admin | Accountant | Manager), "{role} void: {s}");
        // Record payment: the same four.
        let to_pay = issued().await;
        let body = json!({"invoice_id": to_pay, "amount": "10.00", "currency": "USD", "method": "cash"});
        let (s, _) = office.post(role, "/v1/payments", body.clone()).await;
        assert_eq!(ok(s), matches!(role, Owner | Admin | Accountant | Manager), "{role} record payment: {s}");
        // Refund payment: owner, admin, accountant.
        let (_, payment) = office.post(Owner, "/v1/payments", body).await;
        let pid = payment["id"].as_str().unwrap();
        let (s, _) = office.post(role, &format!("/v1/payments/{pid}/refund"), json!({"amount": "1.00"})).await;
        assert_eq!(ok(s), matches!(role, Owner | Admin | Accountant), "{role} refund: {s}");
    }
    // View reports: everyone but team members.
    for role in Role::ALL {
        for report in ["aging", "sales", "tax", "payments"] {
            let (s, _) = office.json(role, &format!("/v1/reports/{report}")).await;
            assert_eq!(ok(s), role != TeamMember, "{role} views the {report} report: {s}");
        }
    }
    // A team member sees only their own invoices; the viewer sees all and changes none.
    let (_, mine) = office.json(TeamMember, "/v1/invoices?limit=500").await;
    let (_, all) = office.json(Viewer, "/v1/invoices?limit=500").await;
    let team_created = mine["data"].as_array().unwrap();
    assert_eq!(team_created.len(), 1);
    assert!(all["data"].as_array().unwrap().len() > team_created.len());
    let someone_elses = all["data"].as_array().unwrap().iter().find(|i| i["id"] != team_created[0]["id"]).unwrap();
    let (s, _) = office.json(TeamMember, &format!("/v1/invoices/{}", someone_elses["id"].as_str().unwrap())).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "another's invoice is as good as missing to a team member");
}

both_stores!(
    reports_add_up_per_customer_period_rate_and_method,
    invoice_and_payment_rows_of_the_matrix_hold_over_http,
    the_spec_example_invoice_and_a_partial_payment,
    payments_share_overpay_refund_and_delete,
    bad_input_gets_its_own_code_and_changes_nothing,
    drafts_are_edited_deleted_and_voided_by_the_rules,
    concurrent_issues_never_share_a_number,
);
