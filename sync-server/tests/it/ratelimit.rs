//! Rate limits per tenant and credential, with the operator's override, over HTTP.

use remit_core::{Email, Role};
use remit_server::audit::{AuditActor, RequestContext};
use remit_server::store::{NewUser, Plan};
use reqwest::{Client, StatusCode};

use crate::harness::Harness;
use crate::start;

pub async fn limits_apply_per_credential_and_the_operator_can_override(h: Harness) {
    let (tenant, owner) = h.tenant("limited", Plan::Professional).await;
    let (_, neighbour) = h.tenant("neighbour", Plan::Professional).await;
    let colleague = h
        .store
        .create_user(
            tenant.id,
            NewUser { email: Email::parse("col@limited.example").unwrap(), role: Role::Viewer, password_hash: None },
            &AuditActor::system("test"),
            &RequestContext::default(),
        )
        .await
        .unwrap();
    h.store.set_rate_limit(tenant.id, Some(3)).await.unwrap();
    let server = start(h.store.clone()).await;
    let me = |key: String| Client::new().get(format!("{}/v1/me", server.base)).bearer_auth(key).send();

    for remaining in [2, 1, 0] {
        let res = me(owner.api_key.expose()).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["ratelimit-policy"], "\"hourly\";q=3;w=3600");
        let state = res.headers()["ratelimit"].to_str().unwrap().to_owned();
        assert!(state.starts_with(&format!("\"hourly\";r={remaining};t=")), "{state}");
    }
    let refused = me(owner.api_key.expose()).await.unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: i64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=3600).contains(&retry_after));
    assert_eq!(refused.json::<serde_json::Value>().await.unwrap()["code"], "rate_limited");

    assert_eq!(
        me(colleague.api_key.expose()).await.unwrap().status(),
        StatusCode::OK,
        "another credential counts apart"
    );
    let other = me(neighbour.api_key.expose()).await.unwrap();
    assert_eq!(other.status(), StatusCode::OK, "another tenant is never throttled by this one");
    assert_eq!(other.headers()["ratelimit-policy"], "\"hourly\";q=5000;w=3600", "the professional plan's limit");

    h.store.set_rate_limit(tenant.id, None).await.unwrap();
    let back = me(colleague.api_key.expose()).await.unwrap();
    assert_eq!(back.headers()["ratelimit-policy"], "\"hourly\";q=5000;w=3600", "back to the plan's limit");
    assert!(h.store.set_rate_limit(remit_core::TenantId::from_uuid(uuid::Uuid::now_v7()), Some(5)).await.is_err());
}

both_stores!(limits_apply_per_credential_and_the_operator_can_override);
