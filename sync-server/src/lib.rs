//! remit-server: the multi-tenant sync server. `router(state)` builds the HTTP API and
//! `serve(listener, config)` runs it, so tests start the real server on port 0.
//!
//! Depends on remit-core for every rule; must not depend on remit-client or Tauri. Storage,
//! tenants, auth and sync arrive with the server-platform work; today the server answers
//! health checks and the reference data every client needs.

pub mod config;
pub mod error;
pub mod routes;

use std::net::SocketAddr;

use axum::Router;
use tokio::net::TcpListener;

pub use config::Config;
pub use error::{Error, Result};

/// Shared by every request handler.
#[derive(Debug, Clone, Default)]
pub struct AppState {}

pub fn router(state: AppState) -> Router {
    routes::router().with_state(state)
}

/// Binds the configured address and serves until ctrl-c / SIGTERM.
pub async fn run(config: Config) -> Result<()> {
    let listener =
        TcpListener::bind(config.listen).await.map_err(|source| Error::Bind { addr: config.listen, source })?;
    serve(listener, shutdown_signal()).await
}

/// Serves on an already bound listener until `shutdown` completes.
pub async fn serve(listener: TcpListener, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<()> {
    let addr: SocketAddr = listener.local_addr().map_err(Error::Io)?;
    tracing::info!(%addr, "remit-server listening");
    axum::serve(listener, router(AppState::default())).with_graceful_shutdown(shutdown).await.map_err(Error::Io)
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
