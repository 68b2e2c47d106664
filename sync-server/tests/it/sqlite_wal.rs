//! The embedded store's commits never checkpoint the WAL (that made about one sync push in a
//! hundred wait, and the devices its edit goes to): a task does, every second. So what is
//! committed reaches the database file with no checkpoint asked for.

use std::time::{Duration, Instant};

use remit_server::store::Plan;

use crate::harness::{Db, Harness};

#[tokio::test]
async fn commits_reach_the_database_file_through_the_checkpointer() {
    let h = Harness::sqlite().await;
    let Db::Sqlite { dir } = &h.db else { unreachable!("a SQLite harness") };
    let file = dir.join("remit.db");
    // The migrations' pages are checkpointed on the task's first tick, at start.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = std::fs::metadata(&file).unwrap().len();
    for n in 0..60 {
        h.tenant(&format!("wal{n}"), Plan::Professional).await;
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::fs::metadata(&file).unwrap().len() == before {
        assert!(Instant::now() < deadline, "60 tenants never reached the database file");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(h.count("tenants").await, 60);
}
