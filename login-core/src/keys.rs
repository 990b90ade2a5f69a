//! Keys derived from the application secret, one per purpose.
//!
//! The raw secret is used only as an HMAC-SHA256 key to derive the purpose keys, so
//! the remember-token key is never the session cookie key, and a value signed for one
//! purpose is useless for another.

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// Purpose label of the remember-token signing key.
pub const REMEMBER_TOKEN_PURPOSE: &str = "login-actix/v1/remember-token";
/// Purpose label of the session-auth-hash key.
pub const AUTH_HASH_PURPOSE: &str = "login-actix/v1/session-auth-hash";
/// Purpose label of the recovery-token key (password reset, email confirmation).
pub const RECOVERY_TOKEN_PURPOSE: &str = "login-actix/v1/recovery-token";
/// Purpose label of the recovery codes' hashing key.
pub const RECOVERY_CODES_PURPOSE: &str = "login-actix/v1/recovery-codes";
/// Purpose label of the device cookie's signing key.
pub const DEVICE_COOKIE_PURPOSE: &str = "login-actix/v1/device-cookie";
/// Purpose label of the scope that names an app's process-wide memory registry.
pub const REGISTRY_SCOPE_PURPOSE: &str = "login-actix/v1/registry-scope";
/// Purpose label of the remember tokens' rotation tag key (derived from the remember
/// key, not from the secret).
const ROTATION_PURPOSE: &str = "login-actix/v1/remember-rotation";

/// An HMAC-SHA256 keyed with `key`.
pub(crate) fn hmac(key: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail.
    <HmacSha256 as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!())
}

/// Derives a 32-byte key for `purpose` from `secret` (HMAC-SHA256 of the label).
pub fn derive_key(secret: &[u8], purpose: &str) -> [u8; 32] {
    let mut mac = hmac(secret);
    mac.update(purpose.as_bytes());
    mac.finalize().into_bytes().into()
}

/// The keys the login flow uses, derived once at start-up.
///
/// `Debug` never shows key material.
#[derive(Clone)]
pub struct Keys {
    remember: [u8; 32],
    rotation: [u8; 32],
    recovery: [u8; 32],
    recovery_codes: [u8; 32],
    device: [u8; 32],
    auth_hash: HmacSha256,
}

impl Keys {
    /// Derives every purpose key from the application secret.
    pub fn derive(secret: &[u8]) -> Self {
        let auth_key = derive_key(secret, AUTH_HASH_PURPOSE);
        let remember = derive_key(secret, REMEMBER_TOKEN_PURPOSE);
        Keys {
            rotation: derive_key(&remember, ROTATION_PURPOSE),
            remember,
            recovery: derive_key(secret, RECOVERY_TOKEN_PURPOSE),
            recovery_codes: derive_key(secret, RECOVERY_CODES_PURPOSE),
            device: derive_key(secret, DEVICE_COOKIE_PURPOSE),
            auth_hash: hmac(&auth_key),
        }
    }

    /// The HMAC key of recovery codes' stored hashes.
    pub fn recovery_codes_key(&self) -> &[u8; 32] {
        &self.recovery_codes
    }

    /// The HS256 key of device cookies.
    pub fn device_key(&self) -> &[u8; 32] {
        &self.device
    }

    /// The HMAC key of recovery tokens.
    pub fn recovery_key(&self) -> &[u8; 32] {
        &self.recovery
    }

    /// The HS256 key of remember tokens.
    pub fn remember_key(&self) -> &[u8; 32] {
        &self.remember
    }

    /// The HMAC key of remember tokens' rotation tags.
    pub fn rotation_key(&self) -> &[u8; 32] {
        &self.rotation
    }

    /// The session auth tag of a user's [`session_auth_hash`](crate::AuthUser::session_auth_hash):
    /// an HMAC-SHA256 truncated to 64 bits. `None` when the user has no auth hash.
    ///
    /// The tag is not what authenticates a session (the session cookie's AEAD and the
    /// remember token's signature do that); it only has to change when the hash changes,
    /// and 64 bits make an accidental match after a change a 2^-64 event. It is short
    /// because a cookie session store decodes every byte of it on every request.
    pub fn auth_tag(&self, auth_hash: Option<&[u8]>) -> Option<u64> {
        let bytes = auth_hash?;
        let mut mac = self.auth_hash.clone();
        mac.update(bytes);
        let full = mac.finalize().into_bytes();
        let mut tag = [0u8; 8];
        tag.copy_from_slice(&full[..8]);
        Some(u64::from_le_bytes(tag))
    }

    /// Whether a stored tag matches the user's current auth hash, compared in constant
    /// time. No hash and no stored tag match; one without the other does not.
    pub fn auth_tag_matches(&self, stored: Option<u64>, auth_hash: Option<&[u8]>) -> bool {
        match (stored, self.auth_tag(auth_hash)) {
            (None, None) => true,
            (Some(stored), Some(current)) => bool::from(stored.to_le_bytes().ct_eq(&current.to_le_bytes())),
            _ => false,
        }
    }
}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Keys { .. }")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purposes_give_different_keys() {
        let secret = [7u8; 64];
        assert_ne!(derive_key(&secret, REMEMBER_TOKEN_PURPOSE), derive_key(&secret, AUTH_HASH_PURPOSE));
        assert_ne!(derive_key(&secret, REMEMBER_TOKEN_PURPOSE), derive_key(&[8u8; 64], REMEMBER_TOKEN_PURPOSE));
    }

    #[test]
    fn auth_tags_match_only_the_same_hash() {
        let keys = Keys::derive(&[1u8; 64]);
        let tag = keys.auth_tag(Some(b"hash-1"));
        assert!(keys.auth_tag_matches(tag, Some(b"hash-1")));
        assert!(!keys.auth_tag_matches(tag, Some(b"hash-2")));
        assert!(!keys.auth_tag_matches(tag, None));
        assert!(!keys.auth_tag_matches(None, Some(b"hash-1")));
        assert!(keys.auth_tag_matches(None, None));
        // Another secret gives another tag for the same hash.
        let other = Keys::derive(&[2u8; 64]);
        assert!(!other.auth_tag_matches(tag, Some(b"hash-1")));
    }

    #[test]
    fn debug_shows_no_key_material() {
        let keys = Keys::derive(&[1u8; 64]);
        assert_eq!(format!("{keys:?}"), "Keys { .. }");
    }
}
