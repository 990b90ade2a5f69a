//! Recovery tokens: a password-reset (or email-confirmation) link that needs no table.
//!
//! A token is `<claims>.<tag>`: the claims (the user id and the issue time) in base64url
//! JSON, and an HMAC-SHA256 tag, keyed from the
//! app secret for this use only, over the purpose, the user id, the issue time, the
//! user's [session auth hash](crate::AuthUser::session_auth_hash) and the user's
//! [last login time](crate::AuthUser::last_login_at). So a token dies without being
//! stored anywhere:
//! - when it is used: a password reset changes the auth hash;
//! - at a password change by any route, for the same reason;
//! - at the user's next completed login (the last login time moves);
//! - when it is older than its lifetime (default one hour);
//! - for any other purpose (a reset token confirms no email address).
//!
//! The tag is compared in constant time; a blank, garbled or foreign token is simply
//! invalid. Tokens are secrets: keep them out of logs and send them only to the user.
//!
//! ```
//! # mod login_actix { pub use login_core::*; pub mod recovery { pub use login_core::recovery::*; } }
//! use login_actix::{recovery::RecoveryTokens, AuthUser, LoginConfig};
//!
//! #[derive(Clone)]
//! struct User { id: i64, password_hash: String, last_login: u64 }
//! impl AuthUser for User {
//!     type Id = i64;
//!     fn id(&self) -> i64 { self.id }
//!     fn session_auth_hash(&self) -> Option<Vec<u8>> { Some(self.password_hash.clone().into_bytes()) }
//!     fn last_login_at(&self) -> Option<u64> { Some(self.last_login) }
//! }
//!
//! let config = LoginConfig::new([9u8; 64]).expect("config");
//! let tokens = RecoveryTokens::new(&config);
//! let mut alice = User { id: 1, password_hash: "argon2:old".into(), last_login: 1_000 };
//! let now = 2_000_000_000;
//! let token = tokens.issue(&alice, "password-reset", now);
//!
//! // The reset page: find the user the token names, then verify it against them.
//! assert_eq!(tokens.user_id(&token), Some(1));
//! assert!(tokens.verify(&token, "password-reset", &alice, now + 60).is_ok());
//! assert!(tokens.verify(&token, "confirm-email", &alice, now + 60).is_err(), "another purpose");
//! assert!(tokens.verify(&token, "password-reset", &alice, now + 3_601).is_err(), "expired");
//!
//! // Using it changes the password: the same token is dead.
//! alice.password_hash = "argon2:new".into();
//! assert!(tokens.verify(&token, "password-reset", &alice, now + 61).is_err());
//! ```

use std::time::Duration;

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::{config::LoginConfig, user::AuthUser};

/// How long a recovery token lasts by default: one hour.
pub const DEFAULT_RECOVERY_LIFETIME: Duration = Duration::from_secs(3_600);

/// The longest token accepted, in bytes (far longer than any issued).
const MAX_TOKEN_LEN: usize = 1_024;

/// Why a recovery token was refused. The reasons are for logs; show the user one
/// message for all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecoveryError {
    /// Not a token this app issued, for this user and purpose, in the user's current
    /// state (used, password changed, logged in since), or blank or garbled.
    #[error("invalid recovery token")]
    Invalid,
    /// Older than its lifetime, or issued in the future.
    #[error("recovery token expired")]
    Expired,
}

#[derive(Serialize, Deserialize)]
struct Claims<Id> {
    uid: Id,
    iat: u64,
}

/// Issues and verifies recovery tokens of users of type `U` with a key derived from
/// the app secret.
pub struct RecoveryTokens<U> {
    mac: Hmac<Sha256>,
    lifetime: u64,
    leeway: u64,
    user: std::marker::PhantomData<fn() -> U>,
}

impl<U> Clone for RecoveryTokens<U> {
    fn clone(&self) -> Self {
        RecoveryTokens { mac: self.mac.clone(), lifetime: self.lifetime, leeway: self.leeway, user: self.user }
    }
}

impl<U> std::fmt::Debug for RecoveryTokens<U> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecoveryTokens").field("lifetime", &self.lifetime).finish_non_exhaustive()
    }
}

impl<U: AuthUser> RecoveryTokens<U> {
    /// Tokens keyed from `config`'s secret, lasting [`DEFAULT_RECOVERY_LIFETIME`].
    pub fn new(config: &LoginConfig) -> Self {
        RecoveryTokens {
            // HMAC takes keys of any length.
            mac: crate::keys::hmac(config.keys().recovery_key()),
            lifetime: DEFAULT_RECOVERY_LIFETIME.as_secs(),
            leeway: config.leeway().as_secs(),
            user: std::marker::PhantomData,
        }
    }

    /// How long a token lasts (at least one second).
    #[must_use]
    pub fn lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime.as_secs().max(1);
        self
    }

    /// A token for `user` and `purpose` (`"password-reset"`, `"confirm-email"`), issued
    /// at `now` (seconds since the Unix epoch).
    pub fn issue(&self, user: &U, purpose: &str, now: u64) -> String {
        let claims = Claims { uid: user.id(), iat: now };
        // Serialising an id and a number cannot fail for the id types `AuthUser` allows.
        let json = serde_json::to_vec(&claims).unwrap_or_default();
        let mut token = URL_SAFE_NO_PAD.encode(&json);
        let tag = self.tag(purpose, &json, user);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(tag, &mut token);
        token
    }

    /// The id of the user a token names, without verifying it: to look the user up,
    /// then [`verify`](RecoveryTokens::verify) the token against them.
    pub fn user_id(&self, token: &str) -> Option<U::Id> {
        let (claims, _) = split(token)?;
        serde_json::from_slice::<Claims<U::Id>>(&claims).ok().map(|c| c.uid)
    }

    /// Whether `token` is valid for `user` and `purpose` at `now`: issued by this app
    /// for this user and purpose, within its lifetime, and the user's auth hash and
    /// last login time unchanged since.
    pub fn verify(&self, token: &str, purpose: &str, user: &U, now: u64) -> Result<(), RecoveryError> {
        let (json, tag) = split(token).ok_or(RecoveryError::Invalid)?;
        let claims: Claims<U::Id> = serde_json::from_slice(&json).map_err(|_| RecoveryError::Invalid)?;
        let mut mac = self.mac.clone();
        feed(&mut mac, purpose, &json, user);
        mac.verify_slice(&tag).map_err(|_| RecoveryError::Invalid)?;
        if claims.uid != user.id() {
            return Err(RecoveryError::Invalid);
        }
        if claims.iat > now.saturating_add(self.leeway) || now.saturating_sub(claims.iat) > self.lifetime {
            return Err(RecoveryError::Expired);
        }
        Ok(())
    }

    fn tag(&self, purpose: &str, claims: &[u8], user: &U) -> Vec<u8> {
        let mut mac = self.mac.clone();
        feed(&mut mac, purpose, claims, user);
        mac.finalize().into_bytes().to_vec()
    }
}

/// The tag's input: each part length-prefixed, so no two inputs run together.
fn feed<U: AuthUser>(mac: &mut Hmac<Sha256>, purpose: &str, claims: &[u8], user: &U) {
    let hash = user.session_auth_hash().unwrap_or_default();
    let last_login = user.last_login_at().unwrap_or(0).to_be_bytes();
    for part in [purpose.as_bytes(), claims, &hash, &last_login] {
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part);
    }
}

/// The claims' JSON and the tag's bytes of a well-formed token.
fn split(token: &str) -> Option<(Vec<u8>, Vec<u8>)> {
    if token.is_empty() || token.len() > MAX_TOKEN_LEN {
        return None;
    }
    let (claims, tag) = token.split_once('.')?;
    let claims = URL_SAFE_NO_PAD.decode(claims).ok()?;
    let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
    (tag.len() == 32).then_some((claims, tag))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone)]
    struct User {
        id: String,
        hash: Option<&'static str>,
        last: Option<u64>,
    }

    impl AuthUser for User {
        type Id = String;
        fn id(&self) -> String {
            self.id.clone()
        }
        fn session_auth_hash(&self) -> Option<Vec<u8>> {
            self.hash.map(|h| h.as_bytes().to_vec())
        }
        fn last_login_at(&self) -> Option<u64> {
            self.last
        }
    }

    fn tokens(secret: u8) -> RecoveryTokens<User> {
        RecoveryTokens::new(&LoginConfig::new([secret; 64]).expect("config"))
    }

    fn alice() -> User {
        User { id: "alice".into(), hash: Some("h1"), last: Some(10) }
    }

    #[test]
    fn a_token_dies_with_a_password_change_a_later_login_or_its_lifetime() {
        let t = tokens(1);
        let token = t.issue(&alice(), "password-reset", 1_000);
        assert_eq!(t.verify(&token, "password-reset", &alice(), 1_000), Ok(()));
        assert_eq!(t.verify(&token, "password-reset", &alice(), 4_600), Ok(()), "at the end of its hour");
        assert_eq!(t.verify(&token, "password-reset", &alice(), 4_601), Err(RecoveryError::Expired));
        let changed = User { hash: Some("h2"), ..alice() };
        assert_eq!(t.verify(&token, "password-reset", &changed, 1_001), Err(RecoveryError::Invalid));
        let logged_in = User { last: Some(11), ..alice() };
        assert_eq!(t.verify(&token, "password-reset", &logged_in, 1_001), Err(RecoveryError::Invalid));
        let short = tokens(1).lifetime(Duration::from_secs(60));
        assert_eq!(short.verify(&token, "password-reset", &alice(), 1_061), Err(RecoveryError::Expired));
        assert_eq!(t.verify(&token, "password-reset", &alice(), 900), Err(RecoveryError::Expired), "from the future");
    }

    #[test]
    fn a_token_is_bound_to_its_user_purpose_and_app() {
        let t = tokens(1);
        let token = t.issue(&alice(), "password-reset", 1_000);
        let bob = User { id: "bob".into(), ..alice() };
        assert_eq!(t.verify(&token, "password-reset", &bob, 1_001), Err(RecoveryError::Invalid));
        assert_eq!(t.verify(&token, "confirm-email", &alice(), 1_001), Err(RecoveryError::Invalid));
        assert_eq!(tokens(2).verify(&token, "password-reset", &alice(), 1_001), Err(RecoveryError::Invalid));
        // The claims cannot be moved to another user: the tag covers them.
        let (_, tag) = token.split_once('.').expect("two parts");
        let forged = format!("{}.{tag}", URL_SAFE_NO_PAD.encode(br#"{"uid":"bob","iat":1000}"#));
        assert_eq!(t.verify(&forged, "password-reset", &bob, 1_001), Err(RecoveryError::Invalid));
        assert_eq!(t.user_id(&token).as_deref(), Some("alice"));
    }

    #[test]
    fn blank_and_garbled_tokens_are_invalid_never_a_panic() {
        let t = tokens(1);
        let long = "a".repeat(5_000);
        for bad in ["", ".", "a.b", "..", "x", "\u{0}.\u{0}", "eyJ1aWQiOiJhbGljZSIsImlhdCI6MX0.", long.as_str()] {
            assert_eq!(t.verify(bad, "password-reset", &alice(), 1_000), Err(RecoveryError::Invalid), "{bad:?}");
            assert!(t.user_id(bad).is_none());
        }
        // A user with no auth hash and no login time still gets working tokens.
        let plain = User { hash: None, last: None, ..alice() };
        let token = t.issue(&plain, "confirm-email", 5);
        assert_eq!(t.verify(&token, "confirm-email", &plain, 6), Ok(()));
    }
}
