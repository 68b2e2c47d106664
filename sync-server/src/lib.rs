//! remit-server: the multi-tenant sync server. `router(state)` builds the HTTP API and
//! `serve(listener, config)` runs it, so tests start the real server on port 0.
//!
//! Depends on remit-core for every rule; must not depend on remit-client or Tauri.

pub mod audit;
pub mod auth;
pub mod config;
pub mod credentials;
pub mod error;
pub mod problem;
pub mod routes;
pub mod store;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;

pub use config::Config;
pub use error::{Error, Result};
use store::Store;

/// Shared by every request handler.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
}

pub fn router(state: AppState) -> Router {
    routes::router().with_state(state)
}

/// Opens the database (migrating it), binds the configured address and serves until
/// ctrl-c / SIGTERM.
pub async fn run(config: Config) -> Result<()> {
    let store = store::open(&config.database_url).await?;
    tracing::info!(database = %store::redact(&config.database_url), "database ready");
    let listener =
        TcpListener::bind(config.listen).await.map_err(|source| Error::Bind { addr: config.listen, source })?;
    serve(listener, AppState { store }, shutdown_signal()).await
}

/// Serves on an already bound listener until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let addr: SocketAddr = listener.local_addr().map_err(Error::Io)?;
    tracing::info!(%addr, "remit-server listening");
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown).await.map_err(Error::Io)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(%err, "cannot listen for ctrl-c");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(err) => {
                tracing::error!(%err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = terminate => {} }
    tracing::info!("shutting down");
}
