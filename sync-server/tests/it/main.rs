//! remit-server's integration tests: the real server on a real socket, the real stores on a
//! SQLite file and on PostgreSQL at 127.0.0.1:5432 (each test in its own database, which also
//! proves isolation). PostgreSQL tests fail, not skip, when the server is missing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test code: a panic is a failed test")]

/// Runs each named `async fn(Harness)` twice: on a SQLite file and on a PostgreSQL database.
macro_rules! both_stores {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() { super::$case(crate::harness::Harness::sqlite().await).await })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() { super::$case(crate::harness::Harness::postgres().await).await })*
        }
    };
}

mod admin_cli;
mod conformance;
mod delivery;
mod feed_handover;
mod harness;
mod health;
mod http_platform;
mod idempotency;
mod invoicing;
mod login;
mod me;
mod openapi;
mod postgres;
mod ratelimit;
mod secrets;
mod sqlite_wal;
mod sync;
mod tenants;

use std::sync::Arc;

use remit_server::AppState;
use remit_server::store::Store;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// A running server on an ephemeral port; stops when dropped.
#[derive(Debug)]
pub struct TestServer {
    pub base: String,
    _stop: oneshot::Sender<()>,
}

pub async fn start(store: Arc<dyn Store>) -> TestServer {
    start_with(AppState::new(store)).await
}

pub async fn start_with(state: AppState) -> TestServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(remit_server::serve(listener, state, async move {
        let _ = stopped.await;
    }));
    TestServer { base, _stop: stop }
}
