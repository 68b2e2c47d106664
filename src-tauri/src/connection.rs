//! Settings: the company profile, and connecting this device to a sync server (a later
//! choice; the app works fully offline without one). Tokens go to the OS keyring, or to a
//! private file where `REMIT_TOKEN_STORE=file` says so (a headless machine with no keyring).

use remit_client::credentials::TokenStore;
use remit_client::replica::{Conflict, Device, SyncReport};
use remit_client::session::{self, Login, Secret};
use remit_core::pdf::Seller;
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Emitter, State};
use ts_rs::TS;

use crate::CommandError;
use crate::engine::Engine;
use crate::events;

#[tauri::command]
pub fn company_profile(engine: State<'_, Engine>) -> Result<Option<Seller>, CommandError> {
    engine.with(|r| r.company_profile())
}

#[tauri::command]
pub fn set_company_profile(engine: State<'_, Engine>, profile: Seller) -> Result<Seller, CommandError> {
    engine.with(|r| r.set_company_profile(profile))
}

/// The login form: an API key, or the tenant, e-mail and password of a user. No `Debug`: it
/// holds secrets (see the impl below).
#[derive(Deserialize, TS)]
pub struct ConnectInput {
    pub server: String,
    pub api_key: Option<String>,
    pub tenant: Option<String>,
    pub email: Option<String>,
    pub password: Option<String>,
}

impl std::fmt::Debug for ConnectInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectInput")
            .field("server", &self.server)
            .field("tenant", &self.tenant)
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

fn filled(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

impl TryFrom<ConnectInput> for Login {
    type Error = remit_client::Error;

    fn try_from(i: ConnectInput) -> remit_client::Result<Login> {
        let secret = match (filled(i.api_key), filled(i.tenant), filled(i.email), i.password.filter(|p| !p.is_empty()))
        {
            (Some(key), None, None, None) => Secret::ApiKey(key),
            (None, Some(tenant), Some(email), Some(password)) => Secret::Password { tenant, email, password },
            _ => {
                return Err(remit_client::Error::BadArgument(
                    "give either an API key, or the tenant, e-mail and password of your account".into(),
                ));
            }
        };
        let token_store = match std::env::var("REMIT_TOKEN_STORE") {
            Ok(s) if !s.is_empty() => s.parse()?,
            _ => TokenStore::Keyring,
        };
        Ok(Login { server: i.server.trim().to_owned(), secret, token_store, device_name: "Remit desktop".into() })
    }
}

/// Logs in, registers this device and syncs once: what was made here before goes up.
#[tauri::command]
pub async fn connect(
    app: AppHandle,
    engine: State<'_, Engine>,
    input: ConnectInput,
) -> Result<SyncReport, CommandError> {
    let login = Login::try_from(input)?;
    let _ = app.emit(events::SYNCING, ());
    let result = engine
        .network(move |dir, r| {
            session::login(dir, r, login)?;
            r.sync_once(&session::remote(dir, r)?, 0)
        })
        .await;
    events::announce(&app, &result);
    result
}

#[tauri::command]
pub async fn sync_now(app: AppHandle, engine: State<'_, Engine>) -> Result<SyncReport, CommandError> {
    let _ = app.emit(events::SYNCING, ());
    let result = engine.network(|dir, r| r.sync_once(&session::remote(dir, r)?, 0)).await;
    events::announce(&app, &result);
    result
}

/// Who this device is and which server it syncs with (none on a standalone device).
#[derive(Debug, Serialize, TS)]
pub struct Connection {
    pub device: Device,
    pub conflicts: Vec<Conflict>,
}

#[tauri::command]
pub fn connection(engine: State<'_, Engine>) -> Result<Connection, CommandError> {
    engine.with(|r| Ok(Connection { device: r.device().clone(), conflicts: r.conflict_list()? }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(api_key: Option<&str>, email: Option<&str>) -> ConnectInput {
        ConnectInput {
            server: " http://127.0.0.1:8080 ".into(),
            api_key: api_key.map(Into::into),
            tenant: email.map(|_| "acme".into()),
            email: email.map(Into::into),
            password: email.map(|_| "secret".into()),
        }
    }

    #[test]
    fn the_login_form_takes_a_key_or_a_password_never_both_or_neither() {
        let login = Login::try_from(input(Some("rk_live_x"), None)).unwrap();
        assert_eq!(login.server, "http://127.0.0.1:8080");
        assert!(matches!(login.secret, Secret::ApiKey(ref k) if k == "rk_live_x"));
        let login = Login::try_from(input(None, Some("me@acme.example"))).unwrap();
        assert!(matches!(login.secret, Secret::Password { ref email, .. } if email == "me@acme.example"));
        let shown = format!("{:?}", input(Some("rk_live_x"), Some("me@acme.example")));
        assert!(!shown.contains("rk_live_x") && !shown.contains("secret"), "secrets in Debug: {shown}");
        for bad in [input(None, None), input(Some("k"), Some("me@acme.example")), input(Some("  "), None)] {
            let err = Login::try_from(bad).unwrap_err();
            assert_eq!(err.code(), "invalid_request", "{err}");
        }
    }
}
