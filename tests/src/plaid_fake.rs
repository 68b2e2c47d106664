//! A local fake of Plaid's `/transactions/sync`, speaking its documented request and response
//! shapes: it checks Remit's client id and secret and the item's access token, serves the
//! pages its test gives for each cursor (`None`: the first), answers an unknown token with
//! Plaid's `ITEM_LOGIN_REQUIRED` error, and records the cursors it was asked for.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

pub const CLIENT_ID: &str = "remit-test-client";
pub const SECRET: &str = "remit-test-secret";

#[derive(Clone, Default)]
struct Fake {
    token: String,
    pages: Arc<HashMap<Option<String>, Value>>,
    asked: Arc<Mutex<Vec<Option<String>>>>,
}

/// The fake on loopback: its base URL, and the cursors it was asked for, in order.
#[derive(Debug)]
pub struct PlaidFake {
    pub base: String,
    asked: Arc<Mutex<Vec<Option<String>>>>,
    /// Serves the fake until the test drops it.
    _runtime: tokio::runtime::Runtime,
}

impl PlaidFake {
    /// Serves `pages` (cursor → the `/transactions/sync` body) for the item `token`.
    pub fn start(token: &str, pages: Vec<(Option<&str>, Value)>) -> PlaidFake {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let fake = Fake {
            token: token.to_owned(),
            pages: Arc::new(pages.into_iter().map(|(c, v)| (c.map(str::to_owned), v)).collect()),
            asked: Arc::default(),
        };
        let asked = fake.asked.clone();
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap_or_else(|e| panic!("{e}"));
        let base = format!("http://{}", listener.local_addr().unwrap_or_else(|e| panic!("{e}")));
        let app = axum::Router::new().route("/transactions/sync", axum::routing::post(sync)).with_state(fake);
        runtime.spawn(async move { axum::serve(listener, app).await });
        PlaidFake { base, asked, _runtime: runtime }
    }

    pub fn asked(&self) -> Vec<Option<String>> {
        self.asked.lock().map(|a| a.clone()).unwrap_or_default()
    }
}

fn error(status: StatusCode, kind: &str, code: &str, message: &str) -> (StatusCode, Json<Value>) {
    (
        status,
        Json(
            json!({"error_type": kind, "error_code": code, "error_message": message, "display_message": null, "request_id": "fake"}),
        ),
    )
}

async fn sync(State(fake): State<Fake>, Json(body): Json<Value>) -> (StatusCode, Json<Value>) {
    if body["client_id"] != CLIENT_ID || body["secret"] != SECRET {
        return error(
            StatusCode::BAD_REQUEST,
            "INVALID_INPUT",
            "INVALID_API_KEYS",
            "invalid client_id or secret provided",
        );
    }
    if body["access_token"] != fake.token.as_str() {
        return error(
            StatusCode::BAD_REQUEST,
            "ITEM_ERROR",
            "ITEM_LOGIN_REQUIRED",
            "the login details of this item have changed",
        );
    }
    let cursor = body["cursor"].as_str().map(str::to_owned);
    if let Ok(mut asked) = fake.asked.lock() {
        asked.push(cursor.clone());
    }
    match fake.pages.get(&cursor) {
        Some(page) => (StatusCode::OK, Json(page.clone())),
        None => error(StatusCode::BAD_REQUEST, "INVALID_INPUT", "INVALID_FIELD", "cursor not valid"),
    }
}
