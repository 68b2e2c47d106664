//! The OpenAPI document and the docs page.

use crate::harness::Harness;
use crate::start;

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let h = Harness::sqlite().await;
    let server = start(h.store.clone()).await;
    let doc: serde_json::Value =
        reqwest::get(format!("{}/v1/openapi.json", server.base)).await.unwrap().json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let mut paths: Vec<&str> = doc["paths"].as_object().unwrap().keys().map(String::as_str).collect();
    paths.sort_unstable();
    // Every API route of `routes::router()` but those serving this description, /metrics and
    // the live channel (a WebSocket, described in docs/sync-protocol.md).
    assert_eq!(
        paths,
        [
            "/healthz",
            "/oauth/token",
            "/readyz",
            "/v1/api-clients",
            "/v1/api-clients/{id}",
            "/v1/api-keys",
            "/v1/api-keys/{id}",
            "/v1/audit-logs",
            "/v1/audit-logs/export",
            "/v1/audit-logs/verify",
            "/v1/auth/login",
            "/v1/auth/refresh",
            "/v1/currencies",
            "/v1/customers",
            "/v1/customers/{id}",
            "/v1/customers/{id}/invoices",
            "/v1/invoices",
            "/v1/invoices/{id}",
            "/v1/invoices/{id}/issue",
            "/v1/invoices/{id}/pdf",
            "/v1/invoices/{id}/send",
            "/v1/invoices/{id}/void",
            "/v1/me",
            "/v1/number-leases",
            "/v1/payments",
            "/v1/payments/{id}",
            "/v1/payments/{id}/refund",
            "/v1/products",
            "/v1/products/{id}",
            "/v1/reconciliation/approve-suggestions",
            "/v1/reconciliation/bank-feed/sync",
            "/v1/reconciliation/report",
            "/v1/reconciliation/run",
            "/v1/reconciliation/statements",
            "/v1/reconciliation/transactions",
            "/v1/reconciliation/transactions/{id}",
            "/v1/reconciliation/transactions/{id}/approve",
            "/v1/reconciliation/transactions/{id}/assign",
            "/v1/reconciliation/transactions/{id}/credit",
            "/v1/reconciliation/transactions/{id}/ignore",
            "/v1/reconciliation/transactions/{id}/invoice",
            "/v1/reconciliation/transactions/{id}/undo",
            "/v1/reports/aging",
            "/v1/reports/payments",
            "/v1/reports/sales",
            "/v1/reports/tax",
            "/v1/settings/bank-feed",
            "/v1/settings/company",
            "/v1/settings/number-leases",
            "/v1/settings/reconciliation",
            "/v1/sync/changes",
            "/v1/sync/devices/{id}",
            "/v1/sync/leases",
            "/v1/sync/push",
            "/v1/tenants",
            "/v1/users",
            "/v1/users/{id}",
            "/v1/users/{id}/transfer-ownership"
        ]
    );
    assert_eq!(doc["components"]["securitySchemes"]["api_key"]["scheme"], "bearer");
    assert!(doc["paths"]["/v1/users"]["post"]["responses"]["409"].is_object());
}

/// Each list's `sort` values and `fields` pattern come from the handler's own spec, and its page
/// items are the full record or, with `fields`, the same properties with none required.
#[tokio::test]
async fn lists_document_their_sorts_fields_and_page_items() {
    let h = Harness::sqlite().await;
    let server = start(h.store.clone()).await;
    let doc: serde_json::Value =
        reqwest::get(format!("{}/v1/openapi.json", server.base)).await.unwrap().json().await.unwrap();
    let users = &doc["paths"]["/v1/users"]["get"];
    let param = |name: &str| {
        users["parameters"].as_array().unwrap().iter().find(|p| p["name"] == name).unwrap()["schema"].clone()
    };
    assert_eq!(
        param("sort")["enum"],
        serde_json::json!(["created_at", "-created_at", "email", "-email", "role", "-role"])
    );
    let one = "(id|email|role|status|created_at)";
    assert_eq!(param("fields")["pattern"], format!("^{one}(,{one})*$"));
    let items = &users["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["data"]["items"];
    assert_eq!(items["anyOf"][0]["$ref"], "#/components/schemas/UserRecord");
    assert_eq!(items["anyOf"][1]["$ref"], "#/components/schemas/UserRecordFields");
    let schemas = &doc["components"]["schemas"];
    assert!(!schemas["UserRecord"]["required"].as_array().unwrap().is_empty());
    assert!(schemas["UserRecordFields"].get("required").is_none_or(|r| r.as_array().unwrap().is_empty()));
    assert_eq!(schemas["UserRecordFields"]["properties"], schemas["UserRecord"]["properties"]);
    for path in ["/v1/api-keys", "/v1/api-clients", "/v1/audit-logs"] {
        let data = &doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["properties"]
            ["data"];
        assert!(data["items"]["anyOf"].is_array(), "{path} has a page schema");
    }
}

#[tokio::test]
async fn the_docs_page_needs_no_internet() {
    let h = Harness::sqlite().await;
    let server = start(h.store.clone()).await;
    let res = reqwest::get(format!("{}/docs", server.base)).await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = res.text().await.unwrap();
    assert!(html.contains("/v1/openapi.json"));
    assert!(!html.contains("http://") && !html.contains("https://") && !html.contains("//cdn"), "no external resource");
}
