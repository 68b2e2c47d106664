//! Where a device keeps its server credential. The OS keyring is the default; a file in the
//! data directory (owner-only permissions) is for headless machines and must be chosen
//! explicitly.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

const FILE: &str = "credentials.json";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenStore {
    Keyring,
    File,
}

impl std::str::FromStr for TokenStore {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "keyring" => Ok(TokenStore::Keyring),
            "file" => Ok(TokenStore::File),
            other => Err(Error::BadArgument(format!("--token-store {other:?}: keyring or file"))),
        }
    }
}

/// The credential in the file store; the token is never printed (Debug leaves it out).
#[derive(Clone, Serialize, Deserialize)]
pub struct Credential {
    pub server: String,
    pub token: String,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential").field("server", &self.server).finish_non_exhaustive()
    }
}

fn path(dir: &Path) -> PathBuf {
    dir.join(FILE)
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Io { path: path.to_owned(), source }
}

/// Whether this build can keep a credential in `store`.
pub fn available(store: TokenStore) -> Result<()> {
    match store {
        TokenStore::Keyring => Err(keyring_missing()),
        TokenStore::File => Ok(()),
    }
}

pub fn save(dir: &Path, store: TokenStore, credential: &Credential) -> Result<()> {
    available(store)?;
    let target = path(dir);
    let temp = dir.join(format!(".{FILE}.tmp"));
    let body = serde_json::to_vec(credential).map_err(|e| Error::Credentials(e.to_string()))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&temp).map_err(io(&temp))?;
    file.write_all(&body).and_then(|()| file.sync_all()).map_err(io(&temp))?;
    // Atomic: a crash leaves the old credential or the new one, never half of one.
    std::fs::rename(&temp, &target).map_err(io(&target))
}

/// The stored credential, or `NotLoggedIn`.
pub fn load(dir: &Path) -> Result<Credential> {
    let p = path(dir);
    match std::fs::read(&p) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| Error::Credentials(format!("{}: {e}", p.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::NotLoggedIn),
        Err(e) => Err(Error::Io { path: p, source: e }),
    }
}

fn keyring_missing() -> Error {
    Error::Credentials(
        "this build of remit cannot use the OS keyring yet: pass --token-store file to keep the credential in \
         the data directory (readable by you only)"
            .into(),
    )
}
