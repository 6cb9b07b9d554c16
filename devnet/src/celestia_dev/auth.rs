//! Auth tokens and permissions, as celestia-node has them.
//!
//! celestia-node signs HS256 JWTs whose claims are `{"Allow": [permissions], "Nonce": …,
//! "ExpiresAt": …}` (`libs/authtoken`, `api/rpc/perms`), and every RPC method needs one
//! permission: `blob.Submit` needs `write`, the readers (`blob.Get`, `blob.GetAll`,
//! `header.*`) need `read`. A request without a token holds only `public`; a token that is not
//! `Bearer …`, does not verify or has expired is refused with HTTP 401 before any method runs
//! (go-jsonrpc's `auth.Handler`). This server issues two such tokens at first start, one with
//! `read` and one with `read` + `write`, and keeps them (and the signing key) in its database.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// What every caller holds, with or without a token.
pub(crate) const PUBLIC: &str = "public";
/// Needed by the reading methods.
pub(crate) const READ: &str = "read";
/// Needed by `blob.Submit`.
pub(crate) const WRITE: &str = "write";

/// Permissions of a read token (celestia-node's `ReadPerms`).
pub(crate) const READ_PERMS: &[&str] = &[PUBLIC, READ];
/// Permissions of a write token (celestia-node's `ReadWritePerms`).
pub(crate) const READ_WRITE_PERMS: &[&str] = &[PUBLIC, READ, WRITE];

/// How long the issued tokens stay valid.
const TOKEN_TTL: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// The permissions a request holds; the auth layer puts them in the request's extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Permissions(pub(crate) Vec<String>);

impl Permissions {
    /// A request without a token: `public` only.
    pub(crate) fn anonymous() -> Self {
        Self(vec![PUBLIC.to_owned()])
    }

    /// Whether `permission` is held.
    pub(crate) fn allows(&self, permission: &str) -> bool {
        self.0.iter().any(|p| p == permission)
    }
}

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum TokenError {
    /// Not three base64url parts, or claims that are not JSON of the expected shape.
    #[error("malformed token: {0}")]
    Malformed(String),
    /// The signature does not verify with this server's key.
    #[error("token signature is invalid")]
    BadSignature,
    /// `ExpiresAt` has passed.
    #[error("token expired")]
    Expired,
}

#[derive(Serialize, Deserialize)]
struct Claims {
    #[serde(rename = "Allow")]
    allow: Vec<String>,
    /// Random bytes (base64, as Go encodes `[]byte`), so two tokens never collide.
    #[serde(rename = "Nonce", default)]
    nonce: String,
    /// RFC 3339 time after which the token is refused.
    #[serde(rename = "ExpiresAt")]
    expires_at: String,
}

/// Issues and verifies HS256 tokens with one secret key.
#[derive(Clone)]
pub(crate) struct TokenAuthority {
    key: [u8; 32],
}

impl std::fmt::Debug for TokenAuthority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenAuthority { key: <redacted> }")
    }
}

impl TokenAuthority {
    /// An authority signing with `key`.
    pub(crate) fn new(key: [u8; 32]) -> Self {
        Self { key }
    }

    fn mac(&self) -> Hmac<Sha256> {
        Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes keys of any length")
    }

    /// A token granting `allow`, valid for a century.
    pub(crate) fn issue(&self, allow: &[&str]) -> String {
        let expires_at = (OffsetDateTime::now_utc() + TOKEN_TTL)
            .format(&Rfc3339)
            .expect("a UTC time formats as RFC 3339");
        let claims = Claims {
            allow: allow.iter().map(|p| (*p).to_owned()).collect(),
            nonce: STANDARD.encode(rand::random::<[u8; 32]>()),
            expires_at,
        };
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let claims = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).expect("claims serialize"));
        let signing_input = format!("{header}.{claims}");
        let mut mac = self.mac();
        mac.update(signing_input.as_bytes());
        let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{signing_input}.{signature}")
    }

    /// The permissions `token` grants, if it was signed by this authority and has not expired.
    pub(crate) fn verify(&self, token: &str) -> Result<Permissions, TokenError> {
        let mut parts = token.split('.');
        let (Some(header), Some(claims), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed("a JWT has three parts".into()));
        };
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|e| TokenError::Malformed(format!("signature: {e}")))?;
        let mut mac = self.mac();
        mac.update(header.as_bytes());
        mac.update(b".");
        mac.update(claims.as_bytes());
        mac.verify_slice(&signature).map_err(|_| TokenError::BadSignature)?;
        let header: serde_json::Value = decode_part(header)?;
        if header["alg"] != "HS256" {
            return Err(TokenError::Malformed(format!("algorithm {}", header["alg"])));
        }
        let claims: Claims = decode_part(claims)?;
        let expires_at = OffsetDateTime::parse(&claims.expires_at, &Rfc3339)
            .map_err(|e| TokenError::Malformed(format!("ExpiresAt: {e}")))?;
        if expires_at <= OffsetDateTime::now_utc() {
            return Err(TokenError::Expired);
        }
        Ok(Permissions(claims.allow))
    }
}

fn decode_part<T: serde::de::DeserializeOwned>(part: &str) -> Result<T, TokenError> {
    let bytes = URL_SAFE_NO_PAD.decode(part).map_err(|e| TokenError::Malformed(e.to_string()))?;
    serde_json::from_slice(&bytes).map_err(|e| TokenError::Malformed(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_tokens_verify_with_their_permissions() {
        let authority = TokenAuthority::new([7; 32]);
        let write = authority.issue(READ_WRITE_PERMS);
        let read = authority.issue(READ_PERMS);
        assert_ne!(write, read);
        let perms = authority.verify(&write).unwrap();
        assert!(perms.allows(WRITE) && perms.allows(READ) && perms.allows(PUBLIC));
        let perms = authority.verify(&read).unwrap();
        assert!(perms.allows(READ) && !perms.allows(WRITE));
        assert!(!Permissions::anonymous().allows(READ));
        assert!(Permissions::anonymous().allows(PUBLIC));
    }

    #[test]
    fn claims_have_celestia_nodes_shape() {
        let token = TokenAuthority::new([1; 32]).issue(READ_PERMS);
        let claims: serde_json::Value = decode_part(token.split('.').nth(1).unwrap()).unwrap();
        assert_eq!(claims["Allow"], serde_json::json!(["public", "read"]));
        assert_eq!(STANDARD.decode(claims["Nonce"].as_str().unwrap()).unwrap().len(), 32);
        assert!(claims["ExpiresAt"].as_str().unwrap().ends_with('Z'), "{claims}");
    }

    #[test]
    fn foreign_tampered_and_expired_tokens_are_refused() {
        let authority = TokenAuthority::new([7; 32]);
        let other = TokenAuthority::new([8; 32]);
        let read = authority.issue(READ_PERMS);
        assert_eq!(other.verify(&read), Err(TokenError::BadSignature));
        // Swap in claims granting write: the signature no longer matches.
        let write = authority.issue(READ_WRITE_PERMS);
        let mut parts: Vec<&str> = read.split('.').collect();
        parts[1] = write.split('.').nth(1).unwrap();
        assert_eq!(authority.verify(&parts.join(".")), Err(TokenError::BadSignature));
        assert!(matches!(authority.verify("not-a-jwt"), Err(TokenError::Malformed(_))));

        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let claims = URL_SAFE_NO_PAD.encode(
            br#"{"Allow":["public","read"],"Nonce":"","ExpiresAt":"2001-01-01T00:00:00Z"}"#,
        );
        let input = format!("{header}.{claims}");
        let mut mac = authority.mac();
        mac.update(input.as_bytes());
        let expired = format!("{input}.{}", URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()));
        assert_eq!(authority.verify(&expired), Err(TokenError::Expired));
    }
}
