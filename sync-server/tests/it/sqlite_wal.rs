//! The embedded store's commits leave WAL checkpoints to a task that runs every second (one
//! in a hundred sync pushes used to wait for one): the pool's connections checkpoint only at
//! a safety net far past SQLite's 1,000 pages, and what is committed still reaches the
//! database file with no checkpoint asked for.

use std::time::{Duration, Instant};

use remit_server::store::{Plan, SqliteStore, WAL_SAFETY_NET_PAGES};

use crate::harness::{Db, Harness};

#[tokio::test]
async fn commits_reach_the_database_file_through_the_checkpointer() {
    let h = Harness::sqlite().await;
    let Db::Sqlite { dir } = &h.db else { unreachable!("a SQLite harness") };
    let file = dir.join("remit.db");
    let size = || std::fs::metadata(&file).unwrap().len();
    // Settled: unchanged across more than one of the task's ticks (the migrations are copied
    // on its first).
    let mut before = size();
    loop {
        tokio::time::sleep(Duration::from_millis(1200)).await;
        if size() == before {
            break;
        }
        before = size();
    }
    for n in 0..60 {
        h.tenant(&format!("wal{n}"), Plan::Professional).await;
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while size() == before {
        assert!(Instant::now() < deadline, "60 tenants never reached the database file");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(h.count("tenants").await, 60);

    // Every connection of the pool has the safety net, not SQLite's default.
    let store = SqliteStore::open(&format!("sqlite:{}", file.display())).await.unwrap();
    let pages: i64 = sqlx::query_scalar("PRAGMA wal_autocheckpoint").fetch_one(store.pool()).await.unwrap();
    assert_eq!(pages.to_string(), WAL_SAFETY_NET_PAGES);
}
