//! The device's replica as the app holds it: the same replica the `remit` CLI uses
//! (`$REMIT_DATA_DIR`, else `remit` under the platform's data folder), made on first run,
//! one handle behind a mutex that every command shares.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use remit_client::replica::Replica;

use crate::CommandError;

pub struct Engine {
    replica: Arc<Mutex<Replica>>,
    dir: PathBuf,
}

impl Engine {
    pub fn open(dir: &Path) -> Result<Self, CommandError> {
        let (replica, _) = Replica::init(dir)?;
        Ok(Engine { replica: Arc::new(Mutex::new(replica)), dir: dir.to_owned() })
    }

    /// Warms the replica's list index on a worker thread, after the first screen has asked
    /// for what it shows (the lock is taken after those calls, not before).
    pub fn warm_up(&self) {
        let replica = self.replica.clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(300));
            let replica = replica.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Err(e) = replica.warm_list() {
                eprintln!("remit-desktop: warming the invoice list: {e}");
            }
        });
    }

    /// Runs one engine operation; its error crosses to the UI as `{code, message}`.
    pub fn with<T>(&self, f: impl FnOnce(&mut Replica) -> remit_client::Result<T>) -> Result<T, CommandError> {
        // A panic in another command left the replica as SQLite left it: consistent.
        let mut replica = self.replica.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        Ok(f(&mut replica)?)
    }

    /// Runs an operation that waits on the network (login, sync) on a worker thread, so the
    /// window stays responsive; it gets the replica's folder, where the session is kept.
    pub async fn network<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Path, &mut Replica) -> remit_client::Result<T> + Send + 'static,
    ) -> Result<T, CommandError> {
        let replica = self.replica.clone();
        let dir = self.dir.clone();
        let joined = tauri::async_runtime::spawn_blocking(move || {
            let mut replica = replica.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            f(&dir, &mut replica)
        })
        .await;
        match joined {
            Ok(result) => Ok(result?),
            Err(e) => Err(CommandError { code: "internal".into(), message: format!("the operation stopped: {e}") }),
        }
    }
}
