//! The sync endpoints' refusals over HTTP: devices are per user, every request names a
//! registered device, and a bad push item is rejected with a reason without touching anything.

use remit_core::Role;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::harness::Harness;
use crate::http_platform::Office;

async fn register(office: &Office, role: Role, device: &str) -> reqwest::Response {
    Client::new()
        .put(format!("{}/v1/sync/devices/{device}", office.base))
        .bearer_auth(office.key(role))
        .json(&json!({ "name": "test device" }))
        .send()
        .await
        .unwrap()
}

async fn push(office: &Office, role: Role, device: &str, body: Value) -> reqwest::Response {
    Client::new()
        .post(format!("{}/v1/sync/push", office.base))
        .bearer_auth(office.key(role))
        .header("Remit-Device", device)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn code(res: reqwest::Response) -> (StatusCode, String) {
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    (status, body["code"].as_str().unwrap_or_default().to_owned())
}

pub async fn devices_are_per_user_and_required(h: Harness) {
    let office = Office::open(h).await;
    let device = uuid::Uuid::now_v7().to_string();
    assert_eq!(register(&office, Role::Manager, &device).await.status(), StatusCode::OK);
    assert_eq!(register(&office, Role::Manager, &device).await.status(), StatusCode::OK, "again: idempotent");
    assert_eq!(
        code(register(&office, Role::Viewer, &device).await).await,
        (StatusCode::CONFLICT, "device_taken".into())
    );
    let changes = |role: Role, device: Option<String>, query: &str| {
        let mut req =
            Client::new().get(format!("{}/v1/sync/changes{query}", office.base)).bearer_auth(office.key(role));
        if let Some(d) = device {
            req = req.header("Remit-Device", d);
        }
        req.send()
    };
    let refused = (StatusCode::FORBIDDEN, "device_not_registered".to_owned());
    assert_eq!(code(changes(Role::Manager, None, "").await.unwrap()).await, refused, "no device header");
    assert_eq!(code(changes(Role::Viewer, Some(device.clone()), "").await.unwrap()).await, refused, "someone else's");
    let ok = changes(Role::Manager, Some(device.clone()), "").await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    let page: Value = ok.json().await.unwrap();
    assert_eq!((page["changes"].clone(), page["more"].clone()), (json!([]), json!(false)));
    let bad = changes(Role::Manager, Some(device.clone()), "?cursor=nonsense").await.unwrap();
    assert_eq!(code(bad).await, (StatusCode::BAD_REQUEST, "invalid_cursor".into()));
    let old = Client::new()
        .get(format!("{}/v1/sync/changes", office.base))
        .bearer_auth(office.key(Role::Manager))
        .header("Remit-Device", &device)
        .header("Remit-Sync-Version", "0")
        .send()
        .await
        .unwrap();
    assert_eq!(code(old).await, (StatusCode::BAD_REQUEST, "sync_version_unsupported".into()));
    // The live channel is a WebSocket; a plain GET is told so, as problem+json.
    let plain = Client::new()
        .get(format!("{}/v1/sync/live", office.base))
        .bearer_auth(office.key(Role::Manager))
        .header("Remit-Device", &device)
        .send()
        .await
        .unwrap();
    assert_eq!(code(plain).await, (StatusCode::BAD_REQUEST, "websocket_required".into()));
    // An empty feed answers after `wait` at the latest, not at once and not never.
    let started = std::time::Instant::now();
    let waited = changes(Role::Manager, Some(device), "?wait=1").await.unwrap();
    assert_eq!(waited.status(), StatusCode::OK);
    assert!(started.elapsed() >= std::time::Duration::from_millis(900), "{:?}", started.elapsed());
}

pub async fn bad_push_items_are_rejected_with_reasons_and_change_nothing(h: Harness) {
    let office = Office::open(h).await;
    let device = uuid::Uuid::now_v7().to_string();
    register(&office, Role::Owner, &device).await;
    let customer: Value = Client::new()
        .post(format!("{}/v1/customers", office.base))
        .bearer_auth(office.key(Role::Owner))
        .json(&json!({ "name": "ACME", "currency": "USD" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let cid = customer["id"].as_str().unwrap();
    let before = office.get(Role::Owner, "/v1/invoices").await.json::<Value>().await.unwrap();
    let body = json!({
        "documents": [
            { "kind": "invoice", "id": uuid::Uuid::now_v7().to_string(), "document": "%%%" },
            { "kind": "invoice", "id": uuid::Uuid::now_v7().to_string(), "document": "AAAA" },
            { "kind": "invoice", "id": cid, "document": "AAAA" },
            { "kind": "product", "id": uuid::Uuid::now_v7().to_string(), "document": "AAAA" },
            // Changes only, for a document the server does not have.
            { "kind": "invoice", "id": uuid::Uuid::now_v7().to_string(), "changes": "AAAA" },
            // Both, or neither.
            { "kind": "invoice", "id": uuid::Uuid::now_v7().to_string(), "document": "AAAA", "changes": "AAAA" },
            { "kind": "invoice", "id": uuid::Uuid::now_v7().to_string() },
        ],
        "facts": [
            { "id": "x" },
            { "id": uuid::Uuid::now_v7().to_string(), "tenant_id": uuid::Uuid::now_v7().to_string(),
              "invoice_id": uuid::Uuid::now_v7().to_string(), "actor": { "type": "system" }, "at": "2026-01-01T00:00:00Z",
              "type": "voided", "reason": "mine" },
        ],
    });
    let res = push(&office, Role::Owner, &device, body).await;
    assert_eq!(res.status(), StatusCode::OK);
    let result: Value = res.json().await.unwrap();
    let codes = |list: &Value| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|o| format!("{}:{}", o["status"], o["code"].as_str().unwrap_or("")))
            .collect()
    };
    assert_eq!(
        codes(&result["documents"]),
        [
            "\"rejected\":invalid_document",
            "\"rejected\":invalid_document",
            "\"rejected\":invalid_document",
            "\"rejected\":invalid_document",
            "\"rejected\":need_full_document",
            "\"rejected\":invalid_document",
            "\"rejected\":invalid_document"
        ],
        "{result}"
    );
    assert_eq!(
        codes(&result["facts"]),
        ["\"rejected\":invalid_fact", "\"rejected\":fact_not_accepted_from_devices"],
        "{result}"
    );
    assert!(result["documents"][2]["reason"].as_str().unwrap().contains("is a customer"), "{result}");
    assert_eq!(office.get(Role::Owner, "/v1/invoices").await.json::<Value>().await.unwrap(), before, "nothing written");
    // A role that writes no invoices is refused before its bytes are even decoded.
    let viewer_device = uuid::Uuid::now_v7().to_string();
    register(&office, Role::Viewer, &viewer_device).await;
    let doc =
        json!({ "documents": [{ "kind": "invoice", "id": uuid::Uuid::now_v7().to_string(), "document": "%%%" }] });
    let refused: Value = push(&office, Role::Viewer, &viewer_device, doc).await.json().await.unwrap();
    assert_eq!(refused["documents"][0]["code"], "forbidden", "{refused}");
    let many = json!({ "documents": (0..501).map(|_| json!({"kind": "invoice", "id": uuid::Uuid::now_v7().to_string(), "document": ""})).collect::<Vec<_>>() });
    assert_eq!(
        code(push(&office, Role::Owner, &device, many).await).await,
        (StatusCode::UNPROCESSABLE_ENTITY, "too_many_items".into())
    );
}

both_stores!(devices_are_per_user_and_required, bad_push_items_are_rejected_with_reasons_and_change_nothing);
