//! Idempotency-Key: the store's claim rules on both databases, and the behaviour over HTTP.

use remit_server::store::{IdempotencyClaim, Plan, StoredResponse};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::harness::Harness;
use crate::start;

pub async fn claims_replay_mismatch_in_flight_and_release(h: Harness) {
    let (tenant, _) = h.tenant("idem", Plan::Enterprise).await;
    let (other, _) = h.tenant("idem-other", Plan::Enterprise).await;
    let s = &h.store;
    assert_eq!(s.idempotency_claim(tenant.id, "cred", "k1", "fp-a").await.unwrap(), IdempotencyClaim::Claimed);
    assert_eq!(s.idempotency_claim(tenant.id, "cred", "k1", "fp-a").await.unwrap(), IdempotencyClaim::InFlight);
    assert_eq!(s.idempotency_claim(tenant.id, "cred", "k1", "fp-b").await.unwrap(), IdempotencyClaim::Mismatch);
    // Scoped: another credential, or another tenant, has its own keys.
    assert_eq!(s.idempotency_claim(tenant.id, "cred2", "k1", "fp-b").await.unwrap(), IdempotencyClaim::Claimed);
    assert_eq!(s.idempotency_claim(other.id, "cred", "k1", "fp-b").await.unwrap(), IdempotencyClaim::Claimed);
    let response =
        StoredResponse { status: 201, content_type: Some("application/json".into()), body: b"{\"ok\":1}".to_vec() };
    s.idempotency_finish(tenant.id, "cred", "k1", Some(&response)).await.unwrap();
    assert_eq!(s.idempotency_claim(tenant.id, "cred", "k1", "fp-a").await.unwrap(), IdempotencyClaim::Replay(response));
    // A released key (the request failed with a 5xx) runs again.
    assert_eq!(s.idempotency_claim(tenant.id, "cred", "k2", "fp-a").await.unwrap(), IdempotencyClaim::Claimed);
    s.idempotency_finish(tenant.id, "cred", "k2", None).await.unwrap();
    assert_eq!(s.idempotency_claim(tenant.id, "cred", "k2", "fp-a").await.unwrap(), IdempotencyClaim::Claimed);
    // A key left in flight by a request that died is taken over after its lease.
    assert_eq!(s.idempotency_claim(tenant.id, "cred", "k3", "fp-a").await.unwrap(), IdempotencyClaim::Claimed);
    let stale = match h.db {
        crate::harness::Db::Sqlite { .. } => {
            "UPDATE idempotency_keys SET created_at = '2000-01-01T00:00:00.000000Z' WHERE key = 'k3'"
        }
        crate::harness::Db::Postgres { .. } => {
            "UPDATE idempotency_keys SET created_at = now() - interval '2 minutes' WHERE key = 'k3'"
        }
    };
    h.raw(stale).await.unwrap();
    assert_eq!(s.idempotency_claim(tenant.id, "cred", "k3", "fp-a").await.unwrap(), IdempotencyClaim::Claimed);
    // Expired keys (older than 24 hours) are forgotten.
    let old = match h.db {
        crate::harness::Db::Sqlite { .. } => "UPDATE idempotency_keys SET created_at = '2000-01-01T00:00:00.000000Z'",
        crate::harness::Db::Postgres { .. } => "UPDATE idempotency_keys SET created_at = '2000-01-01T00:00:00Z'",
    };
    h.raw(old).await.unwrap();
    assert_eq!(s.idempotency_claim(tenant.id, "cred", "k1", "fp-b").await.unwrap(), IdempotencyClaim::Claimed);
}

pub async fn retries_over_http_are_safe(h: Harness) {
    let (_, owner) = h.tenant("retry", Plan::Enterprise).await;
    let server = start(h.store.clone()).await;
    let post = |key: &str, body: Value| {
        Client::new()
            .post(format!("{}/v1/users", server.base))
            .bearer_auth(owner.api_key.expose())
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
    };
    let ann = json!({"email": "ann@retry.example", "role": "viewer"});
    let first = post("0190f1d2-3b4c-7d5e-8f60-718293a4b5c6", ann.clone()).await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first_body: Value = first.json().await.unwrap();
    assert!(first_body["api_key"].as_str().unwrap().starts_with("rk_"));
    let again = post("0190f1d2-3b4c-7d5e-8f60-718293a4b5c6", ann.clone()).await.unwrap();
    // The first response held a key shown once: it was not kept, so the retry is told the
    // request succeeded without being handed the key again.
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let replay: Value = again.json().await.unwrap();
    assert_eq!(replay["code"], "idempotent_secret_not_kept");
    assert!(!replay.to_string().contains("rk_"), "no key in the replay");
    assert_eq!(h.count("users").await, 2, "the owner and ann: the retry created nothing");

    let other = post("0190f1d2-3b4c-7d5e-8f60-718293a4b5c6", json!({"email": "bob@retry.example", "role": "viewer"}))
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(other.json::<Value>().await.unwrap()["code"], "idempotency_key_reused");

    let refused = post("key-for-a-refusal-0001", json!({"email": "c@retry.example", "role": "owner"})).await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let replayed = post("key-for-a-refusal-0001", json!({"email": "c@retry.example", "role": "owner"})).await.unwrap();
    assert_eq!(
        (replayed.status(), replayed.headers()["idempotent-replayed"].to_str().unwrap()),
        (StatusCode::UNPROCESSABLE_ENTITY, "true")
    );

    let bad = post("has space", ann).await.unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert_eq!(bad.json::<Value>().await.unwrap()["code"], "invalid_idempotency_key");
}

both_stores!(claims_replay_mismatch_in_flight_and_release, retries_over_http_are_safe);
