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
