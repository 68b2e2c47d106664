//! Bearer tokens and passwords.
//!
//! A token is `<kind>_<tenant id, 32 hex>_<secret, 64 hex>`: `rk` an API key, `rs` a session
//! (after a password login), `rr` the refresh token of a session. 256 random bits, shown once,
//! stored only as a SHA-256 (a token has full entropy, so a fast hash is enough; passwords get
//! Argon2id). The tenant id in the token lets the server set the tenant before it looks the
//! token up, which row-level security requires. The visible prefix is the first 8 secret digits.

use std::fmt;

use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
use argon2::{Argon2, PasswordHash, PasswordVerifier};
use remit_core::TenantId;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::{Error, Result};

/// What a token stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    ApiKey,
    Session,
    Refresh,
}

impl Kind {
    fn prefix(self) -> &'static str {
        match self {
            Kind::ApiKey => "rk",
            Kind::Session => "rs",
            Kind::Refresh => "rr",
        }
    }
}

/// A plaintext token. `Debug` hides the secret so it never reaches a log.
#[derive(Clone, PartialEq, Eq)]
pub struct Token {
    kind: Kind,
    tenant: TenantId,
    secret: String,
}

impl Token {
    /// A new API key.
    pub fn generate(tenant: TenantId) -> Result<Self> {
        Self::generate_kind(Kind::ApiKey, tenant)
    }

    pub fn generate_kind(kind: Kind, tenant: TenantId) -> Result<Self> {
        Ok(Self { kind, tenant, secret: random_secret()? })
    }

    /// Parses `<kind>_<tenant>_<secret>`; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        let (prefix, rest) = s.split_once('_')?;
        let kind = [Kind::ApiKey, Kind::Session, Kind::Refresh].into_iter().find(|k| k.prefix() == prefix)?;
        let (tenant, secret) = rest.split_once('_')?;
        let lower_hex = |s: &str| s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        let tenant = Uuid::try_parse(tenant).ok().filter(|_| tenant.len() == 32 && lower_hex(tenant))?;
        let hex_ok = secret.len() == 64 && secret.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
        hex_ok.then(|| Self { kind, tenant: TenantId::from_uuid(tenant), secret: secret.to_owned() })
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    pub fn tenant(&self) -> TenantId {
        self.tenant
    }

    /// The full token, to show the user exactly once.
    pub fn expose(&self) -> String {
        format!("{}_{}_{}", self.kind.prefix(), self.tenant.as_uuid().simple(), self.secret)
    }

    /// What lists show: enough to recognise a token, useless to an attacker.
    pub fn prefix(&self) -> String {
        format!("{}_…_{}", self.kind.prefix(), &self.secret[..8])
    }

    pub fn hash(&self) -> String {
        sha256_hex(&self.expose())
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token({})", self.prefix())
    }
}

/// An OAuth2 client id: `rc_<tenant, 32 hex>_<client, 32 hex>` (public, not a secret).
pub fn client_id(tenant: TenantId, client: Uuid) -> String {
    format!("rc_{}_{}", tenant.as_uuid().simple(), client.simple())
}

pub fn parse_client_id(s: &str) -> Option<(TenantId, Uuid)> {
    let rest = s.strip_prefix("rc_")?;
    let (tenant, client) = rest.split_once('_')?;
    let hex32 = |p: &str| p.len() == 32 && p.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !hex32(tenant) || !hex32(client) {
        return None;
    }
    Some((TenantId::from_uuid(Uuid::try_parse(tenant).ok()?), Uuid::try_parse(client).ok()?))
}

/// 256 random bits as 64 hex digits.
pub fn random_secret() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| Error::Internal(format!("no randomness: {e}")))?;
    Ok(hex::encode(bytes))
}

pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Argon2id with the crate's defaults (19 MiB, 2 passes), salted per password.
pub fn hash_password(password: &str) -> Result<String> {
    if password.chars().count() < 12 {
        return Err(Error::BadRequest("a password needs at least 12 characters".into()));
    }
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("cannot hash password: {e}")))
}

pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_hide_their_secret() {
        let tenant = TenantId::from_uuid(Uuid::now_v7());
        let key = Token::generate(tenant).unwrap();
        let shown = key.expose();
        assert_eq!(Token::parse(&shown), Some(key.clone()));
        assert_eq!(key.hash().len(), 64);
        assert!(!format!("{key:?}").contains(&key.secret));
        assert_ne!(Token::generate(tenant).unwrap(), key, "keys are random");
        for bad in
            ["", "rk_", "rk_abc_def", &shown.to_uppercase(), &format!("{shown}0"), &shown.replacen("rk_", "sk_", 1)]
        {
            assert_eq!(Token::parse(bad), None, "{bad}");
        }
        let (prefix, rest) = shown.split_at(3);
        let (tenant_part, secret_part) = rest.split_at(32);
        assert_eq!(Token::parse(&format!("{prefix}{}{secret_part}", tenant_part.to_uppercase())), None);
        assert_eq!(Token::parse(&format!("{prefix}{tenant_part}{}", secret_part.to_uppercase())), None);
        let session = Token::generate_kind(Kind::Session, tenant).unwrap();
        assert!(session.expose().starts_with("rs_"));
        assert_eq!(Token::parse(&session.expose()).unwrap().kind(), Kind::Session);
        let as_key = Token { kind: Kind::ApiKey, ..session.clone() };
        assert_ne!(session.hash(), as_key.hash(), "the kind is part of the hash");
    }

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("wrong horse battery", &h));
        assert!(hash_password("short").is_err());
    }
}
