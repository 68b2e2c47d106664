//! WAL checkpoints off the writer's path. SQLite's automatic checkpoint runs inside the commit
//! that crosses its threshold (1,000 pages of WAL): roughly one save in a hundred waited while
//! the whole WAL was copied into the database file and both were synced. On the sync benchmark
//! that was the tail of a live edit's arrival (a device's save of it: p50 0.4 ms, p99
//! 3.6–5.9 ms; tests/benches/sync.rs). Here the replica's own connection never checkpoints: a
//! thread with a connection of its own does, shortly after writes, in PASSIVE mode (it never
//! waits for, or blocks, a reader or the writer). What it has not copied when the process
//! ends, SQLite copies when the last connection closes, or a later checkpoint does. Should
//! writes keep the checkpoint from finishing, the WAL grows until `SAFETY_NET_PAGES`, where a
//! commit checkpoints as SQLite always did.

use std::path::Path;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::db;
use crate::error::{Error, Result};

/// Writes that come close together share one checkpoint, run after them.
const AFTER: Duration = Duration::from_millis(200);

/// Where the writer's own commit checkpoints after all: ten times SQLite's 1,000 pages.
pub(super) const SAFETY_NET_PAGES: i64 = 10_000;

/// A WAL growing past this is cut back to it once a checkpoint lets the WAL restart (an
/// initial sync can write tens of megabytes at once).
pub(super) const WAL_LIMIT_BYTES: i64 = 16 * 1024 * 1024;

/// The checkpoint thread of one replica. Dropping it ends the thread and closes its connection
/// first, so that the replica's own connection, closing last, copies the rest and removes the
/// WAL as SQLite does for a single connection.
#[derive(Debug)]
pub(super) struct Checkpointer {
    wake: Option<SyncSender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Checkpointer {
    pub(super) fn start(path: &Path) -> Result<Self> {
        let conn = Connection::open(path).map_err(db)?;
        conn.busy_timeout(Duration::from_secs(5)).map_err(db)?;
        let (wake, woken) = sync_channel(1);
        let thread = std::thread::Builder::new()
            .name("remit-checkpoint".into())
            .stack_size(256 * 1024)
            .spawn(move || run(&conn, &woken))
            .map_err(|e| Error::Store(format!("cannot start the replica's checkpoint thread: {e}")))?;
        Ok(Checkpointer { wake: Some(wake), thread: Some(thread) })
    }

    /// Something was committed: a checkpoint is due soon.
    pub(super) fn nudge(&self) {
        if let Some(wake) = &self.wake {
            let _ = wake.try_send(());
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.wake.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Waits for a write, lets the writes close behind it gather for `AFTER`, checkpoints. A
/// replica closed meanwhile (the sender dropped) is checkpointed at once: another process may
/// hold the file open (the app, while a `remit` command writes), so closing is not always
/// the last connection's checkpoint.
fn run(conn: &Connection, woken: &Receiver<()>) {
    while woken.recv().is_ok() {
        let deadline = Instant::now() + AFTER;
        let closed = loop {
            match woken.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(()) => {}
                Err(RecvTimeoutError::Timeout) => break false,
                Err(RecvTimeoutError::Disconnected) => break true,
            }
        };
        // Busy or failed: the next write asks again, and SQLite finishes it at close anyway.
        let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
        if closed {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SAFETY_NET_PAGES;
    use crate::replica::Replica;

    /// The writer's commits checkpoint only at the safety net, not at SQLite's 1,000 pages.
    #[test]
    fn the_writer_leaves_checkpoints_to_the_thread() {
        let dir = std::env::temp_dir().join(format!("remit-wal-{}", uuid::Uuid::now_v7().simple()));
        let (replica, _) = Replica::init(&dir).unwrap();
        let pages: i64 = replica.conn.pragma_query_value(None, "wal_autocheckpoint", |r| r.get(0)).unwrap();
        assert_eq!(pages, SAFETY_NET_PAGES);
        drop(replica);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
