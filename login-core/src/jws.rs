//! The one token codec: compact JWS with HS256, signed and checked by this crate.
//!
//! Tokens are standard compact JWS that any JWT library decodes. Opening one is
//! stricter than a general JWT library needs to be, and cheaper: the header segment
//! must be byte for byte the one this codec issues (so the algorithm is pinned and
//! `alg: none` or any other header cannot even be parsed), the HMAC-SHA256 signature is
//! checked in constant time with a key state prepared once, then the claims are parsed
//! once. The audience and the times are checked by [`check_claims`], with the caller's
//! audience, leeway and longest lifetime.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use hmac::{Hmac, Mac};
use serde::{de::DeserializeOwned, Serialize};
use sha2::Sha256;

use crate::error::TokenError;

/// The JOSE header of every token (what `jsonwebtoken` writes for HS256).
const JWS_HEADER: &str = r#"{"typ":"JWT","alg":"HS256"}"#;

/// The longest token opened, in bytes: far larger than any issued, so that obvious
/// garbage costs nothing.
const MAX_TOKEN_LEN: usize = 4096;

/// Signs and opens HS256 compact JWS with one key.
#[derive(Clone)]
pub(crate) struct JwsCodec {
    /// HMAC-SHA256 keyed once.
    mac: Hmac<Sha256>,
    /// The exact header segment of the tokens this codec issues.
    header: String,
}

impl JwsCodec {
    /// A codec for `key` (a purpose key derived from the app secret).
    pub(crate) fn new(key: &[u8]) -> Self {
        JwsCodec {
            // HMAC takes keys of any length.
            mac: crate::keys::hmac(key),
            header: URL_SAFE_NO_PAD.encode(JWS_HEADER),
        }
    }

    /// The token of `claims`.
    pub(crate) fn sign<T: Serialize>(&self, claims: &T) -> Result<String, TokenError> {
        let payload = serde_json::to_vec(claims).map_err(|e| TokenError::Encode(std::sync::Arc::new(e)))?;
        let mut token = String::with_capacity(self.header.len() + payload.len() * 4 / 3 + 48);
        token.push_str(&self.header);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(payload, &mut token);
        let mut mac = self.mac.clone();
        mac.update(token.as_bytes());
        let signature = mac.finalize().into_bytes();
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(signature, &mut token);
        Ok(token)
    }

    /// The claims of a token this codec signed; any other token is a [`TokenError`].
    pub(crate) fn open<T: DeserializeOwned>(&self, token: &str) -> Result<T, TokenError> {
        let invalid = TokenError::Invalid;
        if token.len() > MAX_TOKEN_LEN {
            return Err(invalid("token too long"));
        }
        let (signed, signature) = token.rsplit_once('.').ok_or_else(|| invalid("not a compact JWS"))?;
        let (header, payload) = signed.split_once('.').ok_or_else(|| invalid("not a compact JWS"))?;
        if header != self.header {
            return Err(invalid("unexpected header (only the HS256 header this codec issues is accepted)"));
        }
        let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| invalid("signature is not base64url"))?;
        let mut mac = self.mac.clone();
        mac.update(signed.as_bytes());
        mac.verify_slice(&signature).map_err(|_| invalid("bad signature"))?;
        let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| invalid("claims are not base64url"))?;
        serde_json::from_slice(&payload).map_err(|e| TokenError::Claims(std::sync::Arc::new(e)))
    }
}

/// The checks of a token's claims every kind shares, in this order: the audience is
/// `expected`; not expired (`exp` + `leeway` ≥ `now`); not issued in the future (beyond
/// the leeway); and, with a `max_age`, neither issued longer ago than it (plus the
/// leeway) nor made to last longer.
pub(crate) fn check_claims(
    aud: &str,
    expected: &str,
    (iat, exp): (u64, u64),
    now: u64,
    leeway: u64,
    max_age: Option<u64>,
) -> Result<(), TokenError> {
    if aud != expected {
        return Err(TokenError::Invalid("wrong audience"));
    }
    if exp.saturating_add(leeway) < now {
        return Err(TokenError::Expired);
    }
    let too_old = max_age
        .is_some_and(|max| now.saturating_sub(iat) > max.saturating_add(leeway) || exp.saturating_sub(iat) > max);
    if iat > now.saturating_add(leeway) || too_old {
        return Err(TokenError::IssuedAtOutOfRange);
    }
    Ok(())
}
