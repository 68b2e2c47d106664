//! The device's replica as the app holds it: the same replica the `remit` CLI uses
//! (`$REMIT_DATA_DIR`, else `remit` under the platform's data folder), made on first run,
//! one handle behind a mutex that every command shares.

use std::path::Path;
use std::sync::Mutex;

use remit_client::replica::Replica;

use crate::CommandError;

pub struct Engine {
    replica: Mutex<Replica>,
}

impl Engine {
    pub fn open(dir: &Path) -> Result<Self, CommandError> {
        let (replica, _) = Replica::init(dir)?;
        Ok(Engine { replica: Mutex::new(replica) })
    }

    /// Runs one engine operation; its error crosses to the UI as `{code, message}`.
    pub fn with<T>(&self, f: impl FnOnce(&mut Replica) -> remit_client::Result<T>) -> Result<T, CommandError> {
        // A panic in another command left the replica as SQLite left it: consistent.
        let mut replica = self.replica.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        Ok(f(&mut replica)?)
    }
}
