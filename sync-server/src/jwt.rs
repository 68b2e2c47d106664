//! JSON Web Tokens for OAuth2 client credentials: HS256 (RFC 7519 / RFC 7518), signed with a
//! server-wide key kept in the database so every node verifies what any node issued.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// Access tokens live one hour.
pub const LIFETIME_SECONDS: i64 = 3600;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    /// The client id.
    pub sub: String,
    /// The tenant id.
    pub tid: String,
    /// Granted permission strings, space-separated.
    pub scope: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
}

const HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

fn mac(key: &[u8], data: &str) -> Option<Vec<u8>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).ok()?;
    mac.update(data.as_bytes());
    Some(mac.finalize().into_bytes().to_vec())
}

pub fn sign(key: &[u8], claims: &Claims) -> Option<String> {
    let payload = serde_json::to_vec(claims).ok()?;
    let signing_input = format!("{}.{}", URL_SAFE_NO_PAD.encode(HEADER), URL_SAFE_NO_PAD.encode(payload));
    let signature = mac(key, &signing_input)?;
    Some(format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature)))
}

/// The claims of a token this server signed and that has not expired at `now`; `None` for
/// anything else (another algorithm, a bad signature, expired, malformed).
pub fn verify(key: &[u8], token: &str, now: i64) -> Option<Claims> {
    let (signing_input, signature) = token.rsplit_once('.')?;
    let (header, payload) = signing_input.split_once('.')?;
    // Only the one header this server writes: no "alg": "none", no algorithm confusion.
    if URL_SAFE_NO_PAD.decode(header).ok()? != HEADER.as_bytes() {
        return None;
    }
    let given = URL_SAFE_NO_PAD.decode(signature).ok()?;
    let mut check = Hmac::<Sha256>::new_from_slice(key).ok()?;
    check.update(signing_input.as_bytes());
    check.verify_slice(&given).ok()?;
    let claims: Claims = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    (claims.iss == "remit" && now < claims.exp).then_some(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> Claims {
        Claims {
            iss: "remit".into(),
            sub: "client".into(),
            tid: "tenant".into(),
            scope: "invoice.read.all".into(),
            iat: 0,
            exp,
            jti: "1".into(),
        }
    }

    #[test]
    fn signs_and_verifies_and_refuses_forgeries() {
        let key = b"0123456789abcdef0123456789abcdef";
        let token = sign(key, &claims(100)).unwrap();
        assert_eq!(verify(key, &token, 99), Some(claims(100)));
        assert_eq!(verify(key, &token, 100), None, "expired");
        assert_eq!(verify(b"another key, just as long........", &token, 0), None, "wrong key");
        let (head, rest) = token.split_once('.').unwrap();
        let (_, sig) = rest.split_once('.').unwrap();
        let forged_payload = URL_SAFE_NO_PAD
            .encode(serde_json::to_vec(&Claims { scope: "billing.manage".into(), ..claims(100) }).unwrap());
        assert_eq!(verify(key, &format!("{head}.{forged_payload}.{sig}"), 0), None, "changed claims");
        let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
        let unsigned = format!("{none_header}.{}.", rest.split_once('.').unwrap().0);
        assert_eq!(verify(key, &unsigned, 0), None, "alg none");
        assert_eq!(verify(key, "not.a.jwt", 0), None);
    }
}
