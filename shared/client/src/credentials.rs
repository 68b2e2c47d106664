//! Where a device keeps its server credential. The OS keyring is the default (Secret Service
//! on Linux, the Keychain, the Windows Credential Manager); a file in the data directory
//! (owner-only permissions) is for headless machines and must be chosen explicitly.
//!
//! Either way `credentials.json` in the data directory says which server and which store; with
//! the keyring it holds no secret, only the name of the keyring entry (service `remit`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use keyring_core::CredentialStore;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

const FILE: &str = "credentials.json";
const SERVICE: &str = "remit";

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

/// A server credential: an API key, or a session's access token with its refresh token. The
/// tokens are never printed (Debug leaves them out).
#[derive(Clone, Serialize, Deserialize)]
pub struct Credential {
    pub server: String,
    pub token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential").field("server", &self.server).finish_non_exhaustive()
    }
}

/// `credentials.json`: the server, the store, and the secret (file store) or the keyring
/// entry's name (keyring).
#[derive(Serialize, Deserialize)]
struct Saved {
    server: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    keyring_entry: Option<String>,
}

/// What the keyring entry holds.
#[derive(Serialize, Deserialize)]
struct Secret {
    token: String,
    #[serde(default)]
    refresh_token: Option<String>,
}

fn path(dir: &Path) -> PathBuf {
    dir.join(FILE)
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Io { path: path.to_owned(), source }
}

fn keyring_error(e: impl std::fmt::Display) -> Error {
    Error::Credentials(format!(
        "the OS keyring is not usable here ({e}): unlock it, or pass --token-store file to keep the credential \
         in the data directory (readable by you only)"
    ))
}

#[cfg(all(unix, not(any(target_os = "macos", target_os = "ios", target_os = "android"))))]
fn native_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Ok(zbus_secret_service_keyring_store::Store::new()?)
}

#[cfg(target_os = "macos")]
fn native_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Ok(apple_native_keyring_store::keychain::Store::new()?)
}

#[cfg(target_os = "windows")]
fn native_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Ok(windows_native_keyring_store::Store::new()?)
}

#[cfg(not(any(unix, target_os = "windows")))]
fn native_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Err(keyring_core::Error::NotSupportedByStore("no OS keyring on this platform".into()))
}

/// The OS keyring, connected once per process.
fn keyring() -> Result<Arc<CredentialStore>> {
    static STORE: OnceLock<std::result::Result<Arc<CredentialStore>, String>> = OnceLock::new();
    STORE.get_or_init(|| native_store().map_err(|e| e.to_string())).clone().map_err(keyring_error)
}

fn entry(store: &Arc<CredentialStore>, name: &str) -> Result<keyring_core::Entry> {
    keyring_core::Entry::new_in_store(store, SERVICE, name).map_err(keyring_error)
}

/// Whether this machine can keep a credential in `store` (checked before anything is changed).
pub fn available(store: TokenStore) -> Result<()> {
    match store {
        TokenStore::Keyring => keyring().map(|_| ()),
        TokenStore::File => Ok(()),
    }
}

fn write_file(dir: &Path, saved: &Saved) -> Result<()> {
    let target = path(dir);
    let temp = dir.join(format!(".{FILE}.tmp"));
    let body = serde_json::to_vec(saved).map_err(|e| Error::Credentials(e.to_string()))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&temp).map_err(io(&temp))?;
    file.write_all(&body).and_then(|()| file.sync_all()).map_err(io(&temp))?;
    // Atomic: a crash leaves the old credential or the new one, never half of one.
    std::fs::rename(&temp, &target).map_err(io(&target))
}

pub fn save(dir: &Path, store: TokenStore, credential: &Credential) -> Result<()> {
    save_in(dir, store, credential, keyring)
}

/// `save` with the keyring given (tests pass an in-memory one).
pub fn save_in(
    dir: &Path,
    store: TokenStore,
    credential: &Credential,
    keyring: impl Fn() -> Result<Arc<CredentialStore>>,
) -> Result<()> {
    let saved = match store {
        TokenStore::File => Saved {
            server: credential.server.clone(),
            token: Some(credential.token.clone()),
            refresh_token: credential.refresh_token.clone(),
            keyring_entry: None,
        },
        TokenStore::Keyring => {
            // One entry per data directory: several replicas on one machine keep their own.
            let name = match read_saved(dir) {
                Ok(Some(Saved { keyring_entry: Some(name), .. })) => name,
                _ => format!("device-{}", uuid::Uuid::now_v7()),
            };
            let secret = Secret { token: credential.token.clone(), refresh_token: credential.refresh_token.clone() };
            let body = serde_json::to_string(&secret).map_err(|e| Error::Credentials(e.to_string()))?;
            entry(&keyring()?, &name)?.set_password(&body).map_err(keyring_error)?;
            Saved { server: credential.server.clone(), token: None, refresh_token: None, keyring_entry: Some(name) }
        }
    };
    write_file(dir, &saved)
}

fn read_saved(dir: &Path) -> Result<Option<Saved>> {
    let p = path(dir);
    match std::fs::read(&p) {
        Ok(bytes) => {
            serde_json::from_slice(&bytes).map(Some).map_err(|e| Error::Credentials(format!("{}: {e}", p.display())))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::Io { path: p, source: e }),
    }
}

/// The stored credential, or `NotLoggedIn`.
pub fn load(dir: &Path) -> Result<Credential> {
    load_with_store(dir).map(|(c, _)| c)
}

/// The stored credential and where it is kept.
pub fn load_with_store(dir: &Path) -> Result<(Credential, TokenStore)> {
    load_in(dir, keyring)
}

/// `load_with_store` with the keyring given (tests pass an in-memory one).
pub fn load_in(dir: &Path, keyring: impl Fn() -> Result<Arc<CredentialStore>>) -> Result<(Credential, TokenStore)> {
    let saved = read_saved(dir)?.ok_or(Error::NotLoggedIn)?;
    match (saved.keyring_entry, saved.token) {
        (Some(name), _) => {
            let body = match entry(&keyring()?, &name)?.get_password() {
                Ok(body) => body,
                Err(keyring_core::Error::NoEntry) => {
                    return Err(Error::Credentials(format!(
                        "the keyring has no entry {SERVICE}/{name} any more: run `remit login` again"
                    )));
                }
                Err(e) => return Err(keyring_error(e)),
            };
            let secret: Secret = serde_json::from_str(&body).map_err(|e| Error::Credentials(e.to_string()))?;
            let credential =
                Credential { server: saved.server, token: secret.token, refresh_token: secret.refresh_token };
            Ok((credential, TokenStore::Keyring))
        }
        (None, Some(token)) => {
            Ok((Credential { server: saved.server, token, refresh_token: saved.refresh_token }, TokenStore::File))
        }
        (None, None) => Err(Error::Credentials(format!("{} holds no credential", path(dir).display()))),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code")]
    use super::*;

    fn scratch() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("remit-cred-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn session() -> Credential {
        Credential {
            server: "https://r.example".into(),
            token: "access-1".into(),
            refresh_token: Some("refresh-1".into()),
        }
    }

    #[test]
    fn a_file_store_is_private_and_round_trips() {
        let dir = scratch();
        save(&dir, TokenStore::File, &session()).unwrap();
        let (c, store) = load_with_store(&dir).unwrap();
        assert_eq!(
            (c.token.as_str(), c.refresh_token.as_deref(), store),
            ("access-1", Some("refresh-1"), TokenStore::File)
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path(&dir)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(!format!("{c:?}").contains("access-1"), "Debug never shows a token");
    }

    #[test]
    fn the_keyring_holds_the_secret_and_the_file_only_its_name() {
        let dir = scratch();
        let mock: Arc<CredentialStore> = keyring_core::mock::Store::new().unwrap();
        let store = || Ok(mock.clone());
        save_in(&dir, TokenStore::Keyring, &session(), store).unwrap();
        let file = std::fs::read_to_string(path(&dir)).unwrap();
        assert!(!file.contains("access-1") && !file.contains("refresh-1"), "no secret on disk: {file}");
        let (c, kind) = load_in(&dir, store).unwrap();
        assert_eq!((c.token.as_str(), kind), ("access-1", TokenStore::Keyring));
        // A renewed session replaces the secret in the same entry.
        let renewed = Credential { token: "access-2".into(), refresh_token: Some("refresh-2".into()), ..session() };
        save_in(&dir, TokenStore::Keyring, &renewed, store).unwrap();
        assert_eq!(std::fs::read_to_string(path(&dir)).unwrap(), file, "same entry name");
        assert_eq!(load_in(&dir, store).unwrap().0.refresh_token.as_deref(), Some("refresh-2"));
        // The entry removed behind our back: a clear error, not a crash.
        let name: Saved = serde_json::from_str(&file).unwrap();
        entry(&mock, &name.keyring_entry.unwrap()).unwrap().delete_credential().unwrap();
        let gone = load_in(&dir, store).unwrap_err();
        assert!(gone.to_string().contains("remit login"), "{gone}");
    }

    #[test]
    fn an_unreachable_keyring_points_to_the_file_store_and_writes_nothing() {
        let dir = scratch();
        let broken = || Err(keyring_error("no D-Bus session"));
        let err = save_in(&dir, TokenStore::Keyring, &session(), broken).unwrap_err();
        assert!(err.to_string().contains("--token-store file"), "{err}");
        assert!(!path(&dir).exists());
        assert!(matches!(load(&dir), Err(Error::NotLoggedIn)));
    }
}
