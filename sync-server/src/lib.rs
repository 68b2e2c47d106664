//! remit-server: the multi-tenant sync server. `router(state)` builds the HTTP API and
//! `serve(listener, config)` runs it, so tests start the real server on port 0.
//!
//! Depends on remit-core for every rule; must not depend on remit-client or Tauri.

pub mod audit;
pub mod auth;
pub mod bankfeeds;
pub mod config;
pub mod context;
pub mod credentials;
pub mod error;
pub mod extract;
pub mod idempotency;
pub mod invoicing;
pub mod jwt;
pub mod listing;
pub mod mail;
pub mod metrics;
pub mod openapi;
pub mod problem;
pub mod ratelimit;
pub mod routes;
pub mod secrets;
pub mod store;
pub mod sync;

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
    pub limiter: Arc<ratelimit::RateLimiter>,
    pub metrics: Arc<metrics::Metrics>,
    /// SHA-256 (hex) of the platform operator's token; `None` turns `POST /v1/tenants` off.
    pub operator_token_sha256: Option<String>,
    /// The access-token signing key, read from the database once.
    pub signing_key: Arc<tokio::sync::OnceCell<Vec<u8>>>,
    /// Where invoice emails go: an SMTP relay, or `.eml` files in an outbox folder.
    pub mailer: Arc<mail::Mailer>,
    /// The sender of invoice emails.
    pub mail_from: String,
    /// Feed pages shared by devices that wake together (`sync::PageMemo`).
    pub sync_pages: Arc<sync::PageMemo>,
    /// Documents recently merged by pushes, kept loaded (`sync::doc_cache`).
    pub sync_docs: Arc<sync::doc_cache::DocCache>,
    /// What each pushed document gained in its last commit, for the live channel.
    pub sync_deltas: Arc<sync::deltas::Deltas>,
    /// Remit's Plaid account for bank feeds; `None`: bank feeds are off.
    pub plaid: Option<Arc<bankfeeds::plaid::Plaid>>,
    /// The key that seals tenants' secrets (`secrets`): `REMIT_SECRETS_KEY`, else the
    /// server's own, read from the database once.
    pub sealing_key: Arc<tokio::sync::OnceCell<Vec<u8>>>,
}

impl AppState {
    pub async fn signing_key(&self) -> Result<&[u8]> {
        self.signing_key.get_or_try_init(|| self.store.server_secret("jwt-hs256")).await.map(Vec::as_slice)
    }

    pub async fn sealing_key(&self) -> Result<&[u8]> {
        self.sealing_key.get_or_try_init(|| self.store.server_secret(secrets::STORED_KEY)).await.map(Vec::as_slice)
    }
}

impl AppState {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            limiter: Arc::default(),
            metrics: Arc::default(),
            operator_token_sha256: None,
            signing_key: Arc::default(),
            mailer: Arc::new(mail::Mailer::Folder(mail::DEFAULT_OUTBOX.into())),
            mail_from: config::DEFAULT_MAIL_FROM.to_owned(),
            sync_pages: Arc::default(),
            sync_docs: Arc::default(),
            sync_deltas: Arc::default(),
            plaid: None,
            sealing_key: Arc::default(),
        }
    }
}

/// The API with its cross-cutting layers: every request gets an `x-request-id` (the client's,
/// or a new UUID), echoed in the response and carried in the request's log span.
pub fn router(state: AppState) -> Router {
    use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
    use tower_http::trace::TraceLayer;
    let trace = TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
        let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
        tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
    });
    routes::router()
        .layer(axum::middleware::from_fn_with_state(state.clone(), idempotency::layer))
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::layer))
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::layer))
        .with_state(state)
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(trace)
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// Opens the database (migrating it), binds the configured address and serves until
/// ctrl-c / SIGTERM.
pub async fn run(config: Config) -> Result<()> {
    let store = store::open(&config.database_url).await?;
    tracing::info!(database = %store::redact(&config.database_url), "database ready");
    let listener =
        TcpListener::bind(config.listen).await.map_err(|source| Error::Bind { addr: config.listen, source })?;
    let mailer = mail::Mailer::from_config(config.smtp_url.as_deref(), &config.outbox)?;
    let plaid = bankfeeds::plaid::Plaid::from_env().map_err(Error::Config)?;
    if let Some(p) = &plaid {
        tracing::info!(url = %p.base_url, "bank feeds: Plaid");
    }
    let sealing_key = secrets::key_from_env().map_err(Error::Config)?;
    let state = AppState {
        sealing_key: Arc::new(tokio::sync::OnceCell::new_with(sealing_key)),
        operator_token_sha256: config.operator_token_sha256.clone(),
        mailer: Arc::new(mailer),
        mail_from: config.mail_from.clone(),
        plaid: plaid.map(Arc::new),
        ..AppState::new(store)
    };
    // Scheduled work (the daily reconciliation runs), on every node: a job is claimed by one.
    tokio::spawn(invoicing::schedule::run_forever(state.clone()));
    serve(listener, state, shutdown_signal()).await
}

/// Serves on an already bound listener until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let addr: SocketAddr = listener.local_addr().map_err(Error::Io)?;
    tracing::info!(%addr, "remit-server listening");
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await.map_err(Error::Io)
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
