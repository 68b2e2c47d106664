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

#[tokio::test]
async fn the_starter_plan_has_no_api_keys_but_people_can_sign_in() {
    use remit_core::{Email, Role};
    use remit_server::audit::{AuditActor, RequestContext};
    use remit_server::store::NewUser;

    let h = Harness::sqlite().await;
    let (tenant, owner) = h.tenant("small-shop", Plan::Starter).await;
    let password = "a long enough password";
    let user = NewUser {
        email: Email::parse("ann@small-shop.example").unwrap(),
        role: Role::Manager,
        password_hash: Some(remit_server::credentials::hash_password(password).unwrap()),
    };
    h.store.create_user(tenant.id, user, &AuditActor::system("test"), &RequestContext::default()).await.unwrap();
    let server = start(h.store.clone()).await;
    let client = reqwest::Client::new();
    let res = client.get(format!("{}/v1/me", server.base)).bearer_auth(owner.api_key.expose()).send().await.unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(res.json::<serde_json::Value>().await.unwrap()["code"], "plan_no_api_access");
    let tokens: serde_json::Value = client
        .post(format!("{}/v1/auth/login", server.base))
        .json(&serde_json::json!({"tenant_id": tenant.id.to_string(), "email": "ann@small-shop.example", "password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access = tokens["access_token"].as_str().unwrap();
    let res = client.get(format!("{}/v1/me", server.base)).bearer_auth(access).send().await.unwrap();
    assert_eq!(res.status(), 200, "a person signed in with a password uses the app on any plan");
}
