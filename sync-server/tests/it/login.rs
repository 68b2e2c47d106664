//! Password login, sessions and refresh, over HTTP on both stores.

use remit_core::{Email, Role};
use remit_server::audit::{AuditActor, RequestContext};
use remit_server::credentials::hash_password;
use remit_server::store::{NewUser, Plan};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::harness::Harness;
use crate::start;

const PASSWORD: &str = "correct horse battery staple";

pub async fn login_refresh_and_failures(h: Harness) {
    let (tenant, _) = h.tenant("login", Plan::Professional).await;
    let user = NewUser {
        email: Email::parse("ann@login.example").unwrap(),
        role: Role::Accountant,
        password_hash: Some(hash_password(PASSWORD).unwrap()),
    };
    let ann =
        h.store.create_user(tenant.id, user, &AuditActor::system("test"), &RequestContext::default()).await.unwrap();
    let server = start(h.store.clone()).await;
    let client = Client::new();
    let login = |email: &str, password: &str| {
        client
            .post(format!("{}/v1/auth/login", server.base))
            .json(&json!({"tenant_id": tenant.id.to_string(), "email": email, "password": password}))
            .send()
    };
    let me = |token: &str| client.get(format!("{}/v1/me", server.base)).bearer_auth(token).send();

    let res = login("ANN@login.example", PASSWORD).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "emails match case-insensitively");
    let tokens: Value = res.json().await.unwrap();
    assert_eq!((tokens["token_type"].as_str(), tokens["expires_in"].as_i64()), (Some("Bearer"), Some(8 * 3600)));
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    let who: Value = me(&access).await.unwrap().json().await.unwrap();
    assert_eq!(
        (who["user"]["id"].as_str(), who["role"].as_str()),
        (Some(ann.user_id.to_string().as_str()), Some("accountant"))
    );
    assert_eq!(
        me(&refresh).await.unwrap().status(),
        StatusCode::UNAUTHORIZED,
        "a refresh token is not an access token"
    );

    for (email, password) in [("ann@login.example", "wrong password!!"), ("nobody@login.example", PASSWORD)] {
        let res = login(email, password).await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(res.json::<Value>().await.unwrap()["code"], "invalid_credentials", "the same answer either way");
    }
    let boss_user =
        NewUser { email: Email::parse("boss@login.example").unwrap(), role: Role::Admin, password_hash: None };
    let boss = h
        .store
        .create_user(tenant.id, boss_user, &AuditActor::system("test"), &RequestContext::default())
        .await
        .unwrap();
    assert_eq!(
        login("boss@login.example", "").await.unwrap().status(),
        StatusCode::UNAUTHORIZED,
        "no password set: no login"
    );
    let audit: Value = client
        .get(format!("{}/v1/audit-logs?event_type=user.login&limit=50", server.base))
        .bearer_auth(boss.api_key.expose())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let statuses: Vec<&str> = audit["data"].as_array().unwrap().iter().map(|e| e["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["success", "failure", "failure", "failure"]);
    assert!(!audit.to_string().contains(PASSWORD), "passwords are never logged");

    let res = client
        .post(format!("{}/v1/auth/refresh", server.base))
        .json(&json!({"refresh_token": refresh}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let renewed: Value = res.json().await.unwrap();
    assert_eq!(me(renewed["access_token"].as_str().unwrap()).await.unwrap().status(), StatusCode::OK);
    assert_eq!(me(&access).await.unwrap().status(), StatusCode::UNAUTHORIZED, "the old session ended");
    let again = client
        .post(format!("{}/v1/auth/refresh", server.base))
        .json(&json!({"refresh_token": refresh}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED, "a refresh token works once");
    assert_eq!(again.json::<Value>().await.unwrap()["code"], "invalid_refresh_token");
    // Its second use means it was copied: the session it was rotated into is revoked too, for
    // whoever holds it, and the audit log says why.
    assert_eq!(me(renewed["access_token"].as_str().unwrap()).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let successor = client
        .post(format!("{}/v1/auth/refresh", server.base))
        .json(&json!({"refresh_token": renewed["refresh_token"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(successor.status(), StatusCode::UNAUTHORIZED, "the whole family is revoked");
    let audit: Value = client
        .get(format!("{}/v1/audit-logs?event_type=session.refresh_reused", server.base))
        .bearer_auth(boss.api_key.expose())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(audit["data"][0]["status"], "failure");
    let metadata: Value = serde_json::from_str(audit["data"][0]["metadata"].as_str().unwrap()).unwrap();
    assert_eq!(metadata["sessions_revoked"], 1, "the session the token was rotated into");
}

pub async fn login_attempts_are_limited_per_account(h: Harness) {
    let server = start(h.store.clone()).await;
    let client = Client::new();
    let hour = || chrono::Utc::now().timestamp().div_euclid(3600);
    // The limit counts per clock hour: a run that crosses an hour starts over (with a tenant
    // of its own, so nothing of the first run counts).
    for run in 0..2 {
        let (tenant, _) = h.tenant(&format!("guarded{run}"), Plan::Starter).await;
        let started = hour();
        let mut last = StatusCode::OK;
        for _ in 0..21 {
            last = client
                .post(format!("{}/v1/auth/login", server.base))
                .json(&json!({"tenant_id": tenant.id.to_string(), "email": "x@guarded.example", "password": "guess"}))
                .send()
                .await
                .unwrap()
                .status();
        }
        if hour() == started {
            assert_eq!(last, StatusCode::TOO_MANY_REQUESTS, "the 21st attempt in an hour is refused");
            return;
        }
    }
    panic!("two runs crossed an hour each");
}

both_stores!(login_refresh_and_failures, login_attempts_are_limited_per_account);
