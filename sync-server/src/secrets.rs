//! Tenants' secrets the server has to keep readable (a bank feed's access token) are sealed
//! before they are stored: AES-256-GCM under the server's sealing key, with the tenant and
//! what the secret is for as associated data, so a sealed value copied to another tenant or
//! field does not open. The key is `REMIT_SECRETS_KEY` (64 hex digits) when the operator sets
//! it, so that a copy of the database alone reveals no token; otherwise one the server made
//! and keeps in `server_secrets` (which still keeps tokens out of settings dumps and logs).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use remit_core::TenantId;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};

use crate::AppState;
use crate::error::Error;

/// What a sealed value starts with (and its format's version).
pub const PREFIX: &str = "sealed:v1:";

/// The operator's key, if `REMIT_SECRETS_KEY` is set; an error says what a valid one is.
pub fn key_from_env() -> Result<Option<Vec<u8>>, String> {
    let Ok(text) = std::env::var("REMIT_SECRETS_KEY") else { return Ok(None) };
    let key = hex::decode(text.trim()).ok().filter(|k| k.len() == 32);
    key.map(Some)
        .ok_or_else(|| "REMIT_SECRETS_KEY: 64 hex digits (32 random bytes, e.g. `openssl rand -hex 32`)".into())
}

fn cipher(key: &[u8]) -> Result<LessSafeKey, Error> {
    UnboundKey::new(&AES_256_GCM, key)
        .map(LessSafeKey::new)
        .map_err(|_| Error::Internal("the sealing key is not 32 bytes".into()))
}

fn associated(tenant: TenantId, purpose: &str) -> String {
    format!("{tenant}:{purpose}")
}

/// `plain` sealed for `tenant` and `purpose` (`bank_feed.access_token`).
pub async fn seal(state: &AppState, tenant: TenantId, purpose: &str, plain: &str) -> Result<String, Error> {
    seal_with(state.sealing_key().await?, tenant, purpose, plain)
}

/// The server's own key (`server_secrets`), used when the operator sets none.
pub const STORED_KEY: &str = "seal-aes256";

/// The secret `stored` holds. A value from before sealing (no prefix) is returned as it is;
/// the next write seals it. A value sealed under the server's own key before the operator set
/// `REMIT_SECRETS_KEY` still opens with it (the next write seals it under the new key). One
/// that does not open (another key, tenant or purpose, or altered) is an error, never a guess.
pub async fn open(state: &AppState, tenant: TenantId, purpose: &str, stored: &str) -> Result<String, Error> {
    if !stored.starts_with(PREFIX) {
        return Ok(stored.to_owned());
    }
    let key = state.sealing_key().await?;
    match open_with(key, tenant, purpose, stored) {
        Ok(plain) => Ok(plain),
        Err(e) => {
            let own = state.store.server_secret(STORED_KEY).await?;
            if own.as_slice() == key {
                return Err(e);
            }
            open_with(&own, tenant, purpose, stored).map_err(|_| e)
        }
    }
}

fn seal_with(key: &[u8], tenant: TenantId, purpose: &str, plain: &str) -> Result<String, Error> {
    let key = cipher(key)?;
    let mut nonce = [0u8; NONCE_LEN];
    getrandom::fill(&mut nonce).map_err(|e| Error::Internal(format!("no randomness: {e}")))?;
    let mut sealed = plain.as_bytes().to_vec();
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(associated(tenant, purpose).as_bytes()),
        &mut sealed,
    )
    .map_err(|_| Error::Internal("sealing failed".into()))?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    Ok(format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(out)))
}

fn open_with(key: &[u8], tenant: TenantId, purpose: &str, stored: &str) -> Result<String, Error> {
    let broken = || Error::Internal(format!("the stored {purpose} does not open with this server's sealing key"));
    let body = stored.strip_prefix(PREFIX).ok_or_else(broken)?;
    let bytes = URL_SAFE_NO_PAD.decode(body).map_err(|_| broken())?;
    if bytes.len() < NONCE_LEN {
        return Err(broken());
    }
    let (nonce, sealed) = bytes.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| broken())?;
    let mut buffer = sealed.to_vec();
    let plain = cipher(key)?
        .open_in_place(nonce, Aad::from(associated(tenant, purpose).as_bytes()), &mut buffer)
        .map_err(|_| broken())?;
    String::from_utf8(plain.to_vec()).map_err(|_| broken())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]
    use super::*;

    const KEY: [u8; 32] = [7; 32];

    fn tenant() -> TenantId {
        TenantId::from_uuid(uuid::Uuid::now_v7())
    }

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_tenant_and_purpose() {
        let t = tenant();
        let sealed = seal_with(&KEY, t, "bank_feed.access_token", "access-sandbox-1").unwrap();
        assert!(sealed.starts_with(PREFIX) && !sealed.contains("access-sandbox"), "{sealed}");
        assert_ne!(sealed, seal_with(&KEY, t, "bank_feed.access_token", "access-sandbox-1").unwrap(), "fresh nonce");
        assert_eq!(open_with(&KEY, t, "bank_feed.access_token", &sealed).unwrap(), "access-sandbox-1");
        assert!(open_with(&[8; 32], t, "bank_feed.access_token", &sealed).is_err(), "another key");
        assert!(open_with(&KEY, tenant(), "bank_feed.access_token", &sealed).is_err(), "another tenant");
        assert!(open_with(&KEY, t, "gateway.secret", &sealed).is_err(), "another purpose");
        let mut altered = sealed.clone().into_bytes();
        let last = altered.len() - 1;
        altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
        assert!(open_with(&KEY, t, "bank_feed.access_token", std::str::from_utf8(&altered).unwrap()).is_err());
        assert!(open_with(&KEY, t, "bank_feed.access_token", "sealed:v1:AAAA").is_err(), "too short");
        assert!(cipher(&[1; 16]).is_err(), "a key of another size is refused");
    }
}
