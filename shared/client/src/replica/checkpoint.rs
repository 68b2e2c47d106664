//! WAL checkpoints off the writer's path. SQLite's automatic checkpoint runs inside the commit
//! that crosses its threshold (1,000 pages of WAL): roughly one save in a hundred waited while
//! the whole WAL was copied into the database file and both were synced. On the sync benchmark
//! that was the tail of a live edit's arrival (a device's save of it: p50 0.4 ms, p99
//! 3.6–5.9 ms; tests/benches/sync.rs). Here the replica's own connection never checkpoints: a
//! thread with a connection of its own does, shortly after writes, in PASSIVE mode (it never
//! waits for, or blocks, a reader or the writer). What it has not copied when the process
//! ends, SQLite copies when the last connection closes or the next one opens.

use std::path::Path;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::db;
use crate::error::{Error, Result};

/// Writes that come close together share one checkpoint, run after them.
const AFTER: Duration = Duration::from_millis(200);

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
        conn.pragma_update(None, "journal_size_limit", WAL_LIMIT_BYTES).map_err(db)?;
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

/// Waits for a write, lets the writes close behind it gather for `AFTER`, checkpoints; ends
/// as soon as the replica is closed (the sender dropped), even mid-wait.
fn run(conn: &Connection, woken: &Receiver<()>) {
    while woken.recv().is_ok() {
        let deadline = Instant::now() + AFTER;
        loop {
            match woken.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(()) => {}
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        // Busy or failed: the next write asks again, and SQLite finishes it at close anyway.
        let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
    }
}
