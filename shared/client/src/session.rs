//! Connecting a replica to a sync server and the session it syncs with afterwards: what
//! `remit login` and the desktop app's Settings both do, so neither has its own copy.

use std::path::Path;
use std::sync::Arc;

use remit_core::{TenantId, UserId};

use crate::credentials::{self, Credential, TokenStore};
use crate::error::{Error, Result};
use crate::remote::{self, KeepTokens, Remote, Tokens};
use crate::replica::{Device, Replica};

/// How the user proves who they are.
pub enum Secret {
    ApiKey(String),
    Password { tenant: String, email: String, password: String },
}

impl std::fmt::Debug for Secret {
    // Never the key or the password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Secret::ApiKey(_) => f.write_str("ApiKey(..)"),
            Secret::Password { tenant, email, .. } => write!(f, "Password {{ tenant: {tenant:?}, email: {email:?} }}"),
        }
    }
}

#[derive(Debug)]
pub struct Login {
    pub server: String,
    pub secret: Secret,
    pub token_store: TokenStore,
    pub device_name: String,
}

/// Signs in, registers this device and binds the replica to the account (the first login takes
/// over what was made here before); only then is the credential kept, so a refused login
/// never leaves a replica syncing with another tenant's key.
pub fn login(dir: &Path, replica: &mut Replica, l: Login) -> Result<Device> {
    // What can be checked here first: a bad URL or an unusable keyring opens no session.
    remote::base_url(&l.server)?;
    credentials::available(l.token_store)?;
    let device_id = replica.device().device_id.to_string();
    let credential = match l.secret {
        Secret::ApiKey(key) => Credential { server: l.server.clone(), token: key, refresh_token: None },
        Secret::Password { tenant, email, password } => {
            let tokens = remote::sign_in(&l.server, &tenant, &email, &password)?;
            Credential {
                server: l.server.clone(),
                token: tokens.access_token,
                refresh_token: Some(tokens.refresh_token),
            }
        }
    };
    // Until the credential is saved below, a refresh has nowhere to go; none is due.
    let remote = Remote::new(&l.server, &credential.token, &device_id)?;
    let me = remote.me()?;
    remote.register_device(&l.device_name)?;
    replica.login(&l.server, TenantId::parse(&me.tenant.id)?, UserId::parse(&me.user.id)?)?;
    credentials::save(dir, l.token_store, &credential)?;
    Ok(replica.device().clone())
}

/// The session kept by the last login; a renewed access token is kept before it is used.
pub fn remote(dir: &Path, replica: &Replica) -> Result<Remote> {
    let (c, store) = credentials::load_with_store(dir)?;
    let device = replica.device().device_id.to_string();
    let Some(refresh) = c.refresh_token.clone() else { return Remote::new(&c.server, &c.token, &device) };
    let tokens = Tokens { access_token: c.token.clone(), refresh_token: refresh };
    let dir = dir.to_owned();
    let server = c.server.clone();
    let keep: KeepTokens = Arc::new(move |t: &Tokens| {
        let renewed = Credential {
            server: server.clone(),
            token: t.access_token.clone(),
            refresh_token: Some(t.refresh_token.clone()),
        };
        credentials::save(&dir, store, &renewed)
    });
    Remote::with_session(&c.server, &tokens, &device, keep)
}

/// Issues a draft: on the device when it can number it (its lease, or its standalone series
/// before it ever connected), then syncs at once when logged in (offline, the number goes with
/// the next sync); else, logged in, by the server (the draft pushed, issued there, pulled back).
pub fn issue(dir: &Path, replica: &mut Replica, id: &str) -> Result<serde_json::Value> {
    let logged_in = credentials::load(dir).is_ok();
    match replica.issue_invoice(id) {
        Ok(view) if !logged_in => Ok(view),
        Ok(_) => {
            let remote = remote(dir, replica)?;
            match replica.sync_once(&remote, 0) {
                Ok(_) | Err(Error::Network(_)) => replica.invoice(id),
                Err(e) => Err(e),
            }
        }
        Err(needs @ Error::IssueNeedsServer(..)) if logged_in => {
            let remote = remote(dir, replica)?;
            match replica.sync_once(&remote, 0) {
                Err(Error::Network(_)) => return Err(needs),
                other => other?,
            };
            remote.issue(id)?;
            replica.sync_once(&remote, 0)?;
            replica.invoice(id)
        }
        Err(e) => Err(e),
    }
}

/// What only the server does to an invoice (`void`, `send`): what this device made is pushed
/// first (the server must see the draft's last edit, or a payment, before it acts), then the
/// server acts through the REST API, then the answer is pulled so the device shows it.
pub fn on_server(
    dir: &Path,
    replica: &mut Replica,
    id: &str,
    action: &str,
    body: &serde_json::Value,
) -> Result<serde_json::Value> {
    let what = match action {
        "void" => "voiding an invoice",
        "send" => "e-mailing an invoice",
        other => return Err(Error::BadArgument(format!("no invoice action {other:?} (void or send)"))),
    };
    if credentials::load(dir).is_err() {
        return Err(Error::NeedsServer(what.to_owned()));
    }
    let key = remit_core::InvoiceId::parse(id).map_err(|_| Error::Unknown { what: "invoice", id: id.to_owned() })?;
    let remote = remote(dir, replica)?;
    replica.sync_once(&remote, 0)?;
    let done = remote.post_json(&format!("/v1/invoices/{key}/{action}"), body)?;
    // Done on the server: if bringing it back fails, the next sync will, and the server's
    // answer (the same shape) is what is true now; an error here would say it failed.
    match replica.sync_once(&remote, 0) {
        Ok(_) => replica.invoice(id),
        Err(_) => Ok(done),
    }
}

/// The customer portal's address of an invoice, on the server this device syncs with.
pub fn portal_link(replica: &Replica, id: &str) -> Result<String> {
    let view = replica.invoice(id)?;
    let server = replica.device().server_url.clone().ok_or_else(|| Error::NeedsServer("a portal link".into()))?;
    let path =
        view["links"]["public"].as_str().ok_or_else(|| Error::Store(format!("invoice {id} has no portal link")))?;
    Ok(format!("{}{path}", server.trim_end_matches('/')))
}
