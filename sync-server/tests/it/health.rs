use crate::harness::Harness;
use crate::start;

#[tokio::test]
async fn health_and_readiness_answer() {
    let h = Harness::sqlite().await;
    let server = start(h.store.clone()).await;
    let live: serde_json::Value = reqwest::get(format!("{}/healthz", server.base)).await.unwrap().json().await.unwrap();
    assert_eq!(live["status"], "ok");
    let ready = reqwest::get(format!("{}/readyz", server.base)).await.unwrap();
    assert_eq!(ready.status(), 200);
}

#[tokio::test]
async fn currencies_carry_their_exponents() {
    let h = Harness::sqlite().await;
    let server = start(h.store.clone()).await;
    let body: serde_json::Value =
        reqwest::get(format!("{}/v1/currencies", server.base)).await.unwrap().json().await.unwrap();
    let data = body["data"].as_array().unwrap();
    let find = |code: &str| data.iter().find(|c| c["code"] == code).unwrap()["exponent"].as_u64().unwrap();
    assert_eq!((find("USD"), find("JPY"), find("BHD")), (2, 0, 3));
}

#[tokio::test]
async fn unknown_paths_are_404() {
    let h = Harness::sqlite().await;
    let server = start(h.store.clone()).await;
    let res = reqwest::get(format!("{}/v1/nope", server.base)).await.unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let h = Harness::sqlite().await;
    let (_, owner) = h.tenant("metered", remit_server::store::Plan::Professional).await;
    let server = start(h.store.clone()).await;
    let client = reqwest::Client::new();
    client.get(format!("{}/v1/me", server.base)).bearer_auth(owner.api_key.expose()).send().await.unwrap();
    client.get(format!("{}/v1/me", server.base)).send().await.unwrap();
    let res = client.get(format!("{}/metrics", server.base)).send().await.unwrap();
    assert_eq!(res.headers()["content-type"], "text/plain; version=0.0.4");
    let text = res.text().await.unwrap();
    assert!(text.contains(r#"remit_http_requests_total{method="GET",route="/v1/me",status="200"} 1"#), "{text}");
    assert!(text.contains(r#"remit_http_requests_total{method="GET",route="/v1/me",status="401"} 1"#), "{text}");
    assert!(text.contains(r#"remit_http_request_duration_seconds_count{route="/v1/me"} 2"#), "{text}");
}
