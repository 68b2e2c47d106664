//! remit-tests: whole-system stories (device engine and server over loopback, third-party
//! HTTP fakes) and checks that hold for the whole repository. The tests live in `tests/`;
//! this library is their shared harness: a real `remit-server` on a loopback port, on a fresh
//! SQLite file or PostgreSQL database, and devices with real replicas logged in to it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test harness: a panic is a failed test")]

use std::path::PathBuf;
use std::sync::Arc;

use remit_client::remote::Remote;
use remit_client::replica::Replica;
use remit_core::{Email, Role, TenantId, UserId};
use remit_server::audit::{AuditActor, RequestContext};
use remit_server::store::{NewTenant, NewUser, PgStore, Plan, SqliteStore, Store};
use sqlx::{AssertSqlSafe, Connection, PgConnection};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

pub const BOTH: [Db; 2] = [Db::Sqlite, Db::Postgres];

/// A running server with one enterprise tenant. The client side is blocking, so the server
/// runs on a runtime of its own thread; dropping this stops it.
#[derive(Debug)]
pub struct Server {
    pub base: String,
    pub owner_key: String,
    pub tenant: TenantId,
    pub store: Arc<dyn Store>,
    /// The server's database, for tests that reach past the API (to age a lease, say).
    pub database_url: String,
    runtime: Option<tokio::runtime::Runtime>,
    cleanup: Option<(String, PathBuf)>,
    /// The server's state, for what it runs on its own (scheduled jobs).
    state: remit_server::AppState,
}

pub mod plaid_fake;

fn admin_url() -> String {
    std::env::var("REMIT_TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/test".into())
}

impl Server {
    pub fn start(db: Db) -> Server {
        Server::start_with(db, |_| {})
    }

    /// A server whose state `configure` finishes first (a third-party account, say).
    pub fn start_with(db: Db, configure: impl FnOnce(&mut remit_server::AppState)) -> Server {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let scratch = std::env::temp_dir().join(format!("remit-e2e-{}", Uuid::now_v7().simple()));
        let (store, cleanup, database_url): (Arc<dyn Store>, _, _) = runtime.block_on(async {
            match db {
                Db::Sqlite => {
                    let url = format!("sqlite:{}", scratch.join("remit.db").display());
                    (Arc::new(SqliteStore::open(&url).await.unwrap()) as Arc<dyn Store>, None, url)
                }
                Db::Postgres => {
                    let admin = admin_url();
                    let mut conn = PgConnection::connect(&admin)
                        .await
                        .unwrap_or_else(|e| panic!("PostgreSQL must run at {admin} for these tests: {e}"));
                    let name = format!("remit_e2e_{}", Uuid::now_v7().simple());
                    sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await.unwrap();
                    let url = format!("{}/{name}", admin.rsplit_once('/').unwrap().0);
                    (Arc::new(PgStore::open(&url).await.unwrap()) as Arc<dyn Store>, Some(name), url)
                }
            }
        });
        let owner =
            NewUser { email: Email::parse("owner@e2e.example").unwrap(), role: Role::Owner, password_hash: None };
        let new = NewTenant { name: "E2E Ltd".into(), subdomain: None, plan: Plan::Enterprise };
        let (tenant, created) = runtime.block_on(store.create_tenant(new, owner, &RequestContext::default())).unwrap();
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let mut state = remit_server::AppState::new(store.clone());
        // Mail is filed in the server's scratch folder (the default is the working directory's).
        state.mailer = Arc::new(remit_server::mail::Mailer::Folder(scratch.join("outbox")));
        configure(&mut state);
        let kept = state.clone();
        runtime.spawn(remit_server::serve(listener, state, std::future::pending::<()>()));
        Server {
            base,
            owner_key: created.api_key.expose(),
            tenant: tenant.id,
            store,
            database_url,
            runtime: Some(runtime),
            cleanup: Some((cleanup.unwrap_or_default(), scratch)),
            state: kept,
        }
    }

    /// Runs the scheduled jobs due at `now` (as the server's job runner does every 30 s), so a
    /// test sets the clock; how many ran.
    pub fn run_due_jobs(&self, now: chrono::DateTime<chrono::Utc>) -> usize {
        let rt = self.runtime.as_ref().unwrap();
        rt.block_on(remit_server::invoicing::schedule::run_due(&self.state, now)).unwrap()
    }

    /// A new member of the tenant with `role`; returns their API key.
    pub fn user(&self, email: &str, role: Role) -> String {
        let user = NewUser { email: Email::parse(email).unwrap(), role, password_hash: None };
        let rt = self.runtime.as_ref().unwrap();
        let created = rt
            .block_on(self.store.create_user(self.tenant, user, &AuditActor::system("e2e"), &RequestContext::default()))
            .unwrap();
        created.api_key.expose()
    }

    /// The Automerge heads of the server's copy of an invoice.
    pub fn runtime_block_on_document(&self, id: &str) -> Option<Vec<String>> {
        let rt = self.runtime.as_ref().unwrap();
        let stored = rt.block_on(self.store.document(self.tenant, "invoice", Uuid::parse_str(id).unwrap())).unwrap()?;
        let mut doc = remit_core::crdt::load(&stored.bytes).unwrap();
        Some(remit_core::crdt::heads(&mut doc))
    }

    /// Runs one SQL statement on the server's database, as its owner (past row-level security).
    pub fn sql(&self, sql: &str) {
        let rt = self.runtime.as_ref().unwrap();
        rt.block_on(async {
            if self.database_url.starts_with("sqlite:") {
                let mut c = sqlx::SqliteConnection::connect(&self.database_url).await.unwrap();
                sqlx::query(AssertSqlSafe(sql.to_owned())).execute(&mut c).await.unwrap();
            } else {
                let mut c = PgConnection::connect(&self.database_url).await.unwrap();
                sqlx::query(AssertSqlSafe(sql.to_owned())).execute(&mut c).await.unwrap();
            }
        });
    }

    /// The first column of what `sql` selects, as text, as the database's owner.
    pub fn sql_text(&self, sql: &str) -> Vec<String> {
        let rt = self.runtime.as_ref().unwrap();
        rt.block_on(async {
            if self.database_url.starts_with("sqlite:") {
                let mut c = sqlx::SqliteConnection::connect(&self.database_url).await.unwrap();
                sqlx::query_scalar(AssertSqlSafe(sql.to_owned())).fetch_all(&mut c).await.unwrap()
            } else {
                let mut c = PgConnection::connect(&self.database_url).await.unwrap();
                sqlx::query_scalar(AssertSqlSafe(sql.to_owned())).fetch_all(&mut c).await.unwrap()
            }
        })
    }

    /// `PUT path` of `body` with `key`, as JSON.
    pub fn put(&self, key: &str, path: &str, body: serde_json::Value) -> serde_json::Value {
        let remote = Remote::new(&self.base, key, &Uuid::nil().to_string()).unwrap();
        remote.put_json(path, &body).unwrap()
    }

    /// `POST path` with `key` and a JSON body, as JSON.
    pub fn post(&self, key: &str, path: &str, body: serde_json::Value) -> serde_json::Value {
        let remote = Remote::new(&self.base, key, &Uuid::nil().to_string()).unwrap();
        remote.post_json(path, &body).unwrap()
    }

    /// `PUT path` of `body` with `key`: the JSON, or the error the server answered.
    pub fn try_put(&self, key: &str, path: &str, body: serde_json::Value) -> remit_client::Result<serde_json::Value> {
        Remote::new(&self.base, key, &Uuid::nil().to_string())?.put_json(path, &body)
    }

    /// `POST path` with `key` and a JSON body: the JSON, or the error the server answered.
    pub fn try_post(&self, key: &str, path: &str, body: serde_json::Value) -> remit_client::Result<serde_json::Value> {
        Remote::new(&self.base, key, &Uuid::nil().to_string())?.post_json(path, &body)
    }

    /// `GET path` with `key`, as JSON.
    pub fn get(&self, key: &str, path: &str) -> serde_json::Value {
        let remote = Remote::new(&self.base, key, &Uuid::nil().to_string()).unwrap();
        remote.get_json(path).unwrap()
    }

    /// The messages the server sent (filed as `.eml` files, no mail relay here).
    pub fn outbox(&self) -> Vec<String> {
        let Some((_, scratch)) = &self.cleanup else { return Vec::new() };
        let Ok(entries) = std::fs::read_dir(scratch.join("outbox")) else { return Vec::new() };
        entries.filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok()).collect()
    }

    /// `GET path` with `key`: the JSON, or the error the server answered.
    pub fn try_get(&self, key: &str, path: &str) -> remit_client::Result<serde_json::Value> {
        Remote::new(&self.base, key, &Uuid::nil().to_string())?.get_json(path)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
        if let Some((db, dir)) = self.cleanup.take() {
            let _ = std::fs::remove_dir_all(dir);
            if !db.is_empty() {
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                    rt.block_on(async {
                        if let Ok(mut c) = PgConnection::connect(&admin_url()).await {
                            let sql = format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)");
                            let _ = sqlx::query(AssertSqlSafe(sql)).execute(&mut c).await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

/// A device: its own replica folder, logged in with `key`.
#[derive(Debug)]
pub struct Device {
    pub replica: Replica,
    pub remote: Remote,
    dir: PathBuf,
}

/// A device that has never connected to a server: a replica alone, as on a first run.
#[derive(Debug)]
pub struct Standalone {
    pub replica: Replica,
    dir: PathBuf,
}

impl Standalone {
    pub fn new() -> Standalone {
        let dir = std::env::temp_dir().join(format!("remit-device-{}", Uuid::now_v7().simple()));
        let (replica, _) = Replica::init(&dir).unwrap();
        Standalone { replica, dir }
    }

    /// The replica's data directory.
    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }

    /// Logs in to `server` with `key`, as `remit login` does.
    pub fn connect(mut self, server: &Server, key: &str) -> Device {
        // The folder goes to the Device (which removes it); the replica is opened again there.
        let dir = std::mem::take(&mut self.dir);
        drop(self);
        Device::login(Replica::open(&dir).unwrap(), dir, server, key)
    }
}

impl Default for Standalone {
    fn default() -> Self {
        Standalone::new()
    }
}

impl Drop for Standalone {
    fn drop(&mut self) {
        if !self.dir.as_os_str().is_empty() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

impl Device {
    pub fn new(server: &Server, key: &str) -> Device {
        let dir = std::env::temp_dir().join(format!("remit-device-{}", Uuid::now_v7().simple()));
        let (replica, _) = Replica::init(&dir).unwrap();
        Device::login(replica, dir, server, key)
    }

    fn login(mut replica: Replica, dir: PathBuf, server: &Server, key: &str) -> Device {
        let remote = Remote::new(&server.base, key, &replica.device().device_id.to_string()).unwrap();
        let me = remote.me().unwrap();
        remote.register_device("e2e device").unwrap();
        replica
            .login(&server.base, TenantId::parse(&me.tenant.id).unwrap(), UserId::parse(&me.user.id).unwrap())
            .unwrap();
        Device { replica, remote, dir }
    }

    /// The replica's data directory (for the `remit` CLI's `--data-dir`).
    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }

    pub fn sync(&mut self) -> remit_client::replica::SyncReport {
        self.replica.sync_once(&self.remote, 0).unwrap()
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs each named story `fn case(db: Db)` as two tests, `sqlite::case` and `postgres::case`.
#[macro_export]
macro_rules! both_stores {
    ($($case:ident),* $(,)?) => {
        mod sqlite { $(#[test] fn $case() { super::$case($crate::Db::Sqlite) })* }
        mod postgres { $(#[test] fn $case() { super::$case($crate::Db::Postgres) })* }
    };
}

/// A customer and `n` drafts (one line of 100.00 at 10 % each) made on `device`, synced up.
pub fn drafts(device: &mut Device, n: usize) -> Vec<String> {
    let ids = drafts_in(&mut device.replica, n);
    device.sync();
    ids
}

/// A customer and `n` drafts (one line of 100.00 at 10 % each) made in `replica`.
pub fn drafts_in(replica: &mut Replica, n: usize) -> Vec<String> {
    let c = replica.create_customer(remit_client::replica::NewCustomer {
        name: "ACME".into(),
        currency: Some("USD".into()),
        ..Default::default()
    });
    let customer = c.unwrap()["id"].as_str().unwrap().to_owned();
    (0..n)
        .map(|i| {
            let input = remit_client::replica::NewInvoice {
                customer_id: customer.clone(),
                lines: vec![format!("Work {i}|1|100.00|10").parse().unwrap()],
                ..Default::default()
            };
            replica.create_invoice(input).unwrap()["id"].as_str().unwrap().to_owned()
        })
        .collect()
}
