//! Fresh databases for each test: a SQLite file in a temporary folder, or a new PostgreSQL
//! database (dropped afterwards). `raw` runs SQL as the database owner, around the store.

use std::path::PathBuf;
use std::sync::Arc;

use remit_core::{Email, Role};
use remit_server::audit::RequestContext;
use remit_server::store::{CreatedUser, NewTenant, NewUser, PgStore, Plan, SqliteStore, Store, Tenant};
use sqlx::{AssertSqlSafe, Connection, PgConnection, SqliteConnection};
use uuid::Uuid;

pub fn admin_url() -> String {
    std::env::var("REMIT_TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/test".into())
}

#[derive(Debug)]
pub enum Db {
    Sqlite { dir: PathBuf },
    Postgres { name: String, url: String },
}

#[derive(Debug)]
pub struct Harness {
    pub db: Db,
    pub store: Arc<dyn Store>,
}

impl Harness {
    pub async fn sqlite() -> Self {
        let dir = std::env::temp_dir().join(format!("remit-test-{}", Uuid::now_v7().simple()));
        let url = format!("sqlite:{}", dir.join("remit.db").display());
        let store = Arc::new(SqliteStore::open(&url).await.unwrap());
        Harness { db: Db::Sqlite { dir }, store }
    }

    pub async fn postgres() -> Self {
        let (name, url) = Self::fresh_pg_database().await;
        let store = Arc::new(PgStore::open(&url).await.unwrap());
        Harness { db: Db::Postgres { name, url }, store }
    }

    pub async fn fresh_pg_database() -> (String, String) {
        let admin = admin_url();
        let mut conn = PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL must run at {admin} for these tests: {e}"));
        let name = format!("remit_t_{}", Uuid::now_v7().simple());
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await.unwrap();
        let base = admin.rsplit_once('/').map(|(b, _)| b.to_owned()).unwrap();
        (name.clone(), format!("{base}/{name}"))
    }

    /// Runs statements as the owner (PostgreSQL: the superuser, past RLS; SQLite: the file).
    pub async fn raw(&self, sql: &str) -> Result<u64, sqlx::Error> {
        match &self.db {
            Db::Sqlite { dir } => {
                let mut c = SqliteConnection::connect(&format!("sqlite:{}", dir.join("remit.db").display())).await?;
                sqlx::raw_sql(AssertSqlSafe(sql.to_owned())).execute(&mut c).await.map(|r| r.rows_affected())
            }
            Db::Postgres { url, .. } => {
                let mut c = PgConnection::connect(url).await?;
                sqlx::raw_sql(AssertSqlSafe(sql.to_owned())).execute(&mut c).await.map(|r| r.rows_affected())
            }
        }
    }

    pub async fn count(&self, table: &str) -> i64 {
        let sql = format!("SELECT count(*) FROM {table}");
        match &self.db {
            Db::Sqlite { dir } => {
                let mut c =
                    SqliteConnection::connect(&format!("sqlite:{}", dir.join("remit.db").display())).await.unwrap();
                sqlx::query_scalar(AssertSqlSafe(sql)).fetch_one(&mut c).await.unwrap()
            }
            Db::Postgres { url, .. } => {
                let mut c = PgConnection::connect(url).await.unwrap();
                sqlx::query_scalar(AssertSqlSafe(sql)).fetch_one(&mut c).await.unwrap()
            }
        }
    }

    pub async fn tenant(&self, subdomain: &str, plan: Plan) -> (Tenant, CreatedUser) {
        let owner = NewUser {
            email: Email::parse(&format!("owner@{subdomain}.example")).unwrap(),
            role: Role::Owner,
            password_hash: None,
        };
        let new = NewTenant { name: format!("{subdomain} Ltd"), subdomain: Some(subdomain.into()), plan };
        self.store.create_tenant(new, owner, &RequestContext::default()).await.unwrap()
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        match &self.db {
            Db::Sqlite { dir } => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Db::Postgres { name, .. } => {
                let (admin, name) = (admin_url(), name.clone());
                // Drop runs inside the test's runtime: do the async cleanup on a thread of its own.
                let _ = std::thread::spawn(move || {
                    let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
                    rt.block_on(async {
                        if let Ok(mut c) = PgConnection::connect(&admin).await {
                            let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                            let _ = sqlx::query(AssertSqlSafe(sql)).execute(&mut c).await;
                        }
                    });
                })
                .join();
            }
        }
    }
}
