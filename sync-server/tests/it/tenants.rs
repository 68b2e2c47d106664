//! `POST /v1/tenants` for the platform operator.

use remit_server::AppState;
use remit_server::credentials::sha256_hex;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::harness::Harness;
use crate::{start, start_with};

pub async fn the_operator_provisions_tenants(h: Harness) {
    let token = "operator-token-for-tests-0123456789abcdef";
    let state = AppState { operator_token_sha256: Some(sha256_hex(token)), ..AppState::new(h.store.clone()) };
    let server = start_with(state).await;
    let client = Client::new();
    let post = |auth: &str, body: Value| {
        client.post(format!("{}/v1/tenants", server.base)).header("Authorization", auth).json(&body).send()
    };
    let acme =
        json!({"name": "ACME Corp", "plan": "professional", "subdomain": "acme", "owner_email": "Boss@ACME.example"});
    let res = post(&format!("Bearer {token}"), acme.clone()).await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["owner"]["email"], "boss@acme.example");
    let key = created["owner"]["api_key"].as_str().unwrap();
    let me: Value =
        client.get(format!("{}/v1/me", server.base)).bearer_auth(key).send().await.unwrap().json().await.unwrap();
    assert_eq!((me["tenant"]["id"].clone(), me["role"].clone()), (created["tenant_id"].clone(), json!("owner")));
    assert_eq!(me["tenant"]["plan"], "professional");
    assert!(me["tenant"]["trial_ends_at"].is_string(), "a trial starts");

    assert_eq!(post(&format!("Bearer {token}"), acme).await.unwrap().status(), StatusCode::CONFLICT, "subdomain taken");
    assert_eq!(post("Bearer wrong", json!({})).await.unwrap().status(), StatusCode::UNPROCESSABLE_ENTITY);
    let wrong = post("Bearer wrong-token", json!({"name": "X", "plan": "starter", "owner_email": "x@x.example"}))
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    // A tenant's own owner key is not the operator's.
    let as_tenant =
        post(&format!("Bearer {key}"), json!({"name": "X", "plan": "starter", "owner_email": "x@x.example"}));
    assert_eq!(as_tenant.await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let bad = post(&format!("Bearer {token}"), json!({"name": " ", "plan": "starter", "owner_email": "x@x.example"}));
    assert_eq!(bad.await.unwrap().status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(h.count("tenants").await, 1, "refused requests created nothing");
}

pub async fn without_an_operator_credential_provisioning_is_off(h: Harness) {
    let server = start(h.store.clone()).await;
    let res = Client::new()
        .post(format!("{}/v1/tenants", server.base))
        .bearer_auth("anything")
        .json(&json!({"name": "X", "plan": "starter", "owner_email": "x@x.example"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let anonymous = Client::new()
        .post(format!("{}/v1/tenants", server.base))
        .json(&json!({"name": "X", "plan": "starter", "owner_email": "x@x.example"}))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED, "no credential at all is a 401 either way");
    assert_eq!(h.count("tenants").await, 0);
}

both_stores!(the_operator_provisions_tenants, without_an_operator_credential_provisioning_is_off);
