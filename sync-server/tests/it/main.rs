//! remit-server's integration tests: the real server on a real socket.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code: a panic is a failed test")]

mod health;

use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// A running server on an ephemeral port; stops when dropped.
#[derive(Debug)]
pub struct TestServer {
    pub base: String,
    _stop: oneshot::Sender<()>,
}

pub async fn start() -> TestServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(remit_server::serve(listener, async move {
        let _ = stopped.await;
    }));
    TestServer { base, _stop: stop }
}
