//! `GET /v1/me` and API-key authentication over HTTP.

use remit_server::store::Plan;

use crate::harness::Harness;
use crate::start;

#[tokio::test]
async fn an_api_key_identifies_user_tenant_and_permissions() {
    let h = Harness::sqlite().await;
    let (tenant, owner) = h.tenant("web", Plan::Professional).await;
    let server = start(h.store.clone()).await;
    let res = reqwest::Client::new()
        .get(format!("{}/v1/me", server.base))
        .bearer_auth(owner.api_key.expose())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let me: serde_json::Value = res.json().await.unwrap();
    assert_eq!(me["tenant"]["id"], tenant.id.to_string());
    assert_eq!(me["user"]["id"], owner.user_id.to_string());
    assert_eq!(me["role"], "owner");
    assert!(me["permissions"].as_array().unwrap().iter().any(|p| p == "billing.manage"));
}

#[tokio::test]
async fn missing_malformed_and_unknown_keys_get_problem_json_401() {
    let h = Harness::sqlite().await;
    let (tenant, _) = h.tenant("locked", Plan::Starter).await;
    let server = start(h.store.clone()).await;
    let client = reqwest::Client::new();
    let unknown = remit_server::credentials::Token::generate(tenant.id).unwrap().expose();
    for auth in [None, Some("Basic abc".to_string()), Some("Bearer rk_nope".into()), Some(format!("Bearer {unknown}"))]
    {
        let mut req = client.get(format!("{}/v1/me", server.base));
        if let Some(a) = &auth {
            req = req.header("Authorization", a);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 401, "{auth:?}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["code"], "unauthenticated");
        assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()));
    }
}
