//! The device cookie: a browser that completed a login for a user.
//!
//! Set at every completed login (when the app uses the second factor), signed (the one
//! token codec, a key of its own), naming one user, bound to the user's auth hash (a
//! password change forgets every browser) and to the user's device epoch in the
//! registry ("forget every browser" moves it), lasting 30 days by default. It can carry
//! "trust this browser" (skip the second factor here) until a time fixed when the user
//! ticked it; a later login keeps that time, never extends it.

use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::{
    config::{CookieSettings, LoginConfig},
    error::TokenError,
    jws::JwsCodec,
};

/// The `aud` claim of every device cookie.
pub const DEVICE_AUDIENCE: &str = "login-actix:device";

/// The device cookie's name; `__Host-_device` when the remember cookie's name has the
/// `__Host-` prefix (see [`device_cookie_name`]).
pub const DEVICE_COOKIE: &str = "_device";

/// The device cookie's name with the remember cookie's `settings`, whose attributes it
/// shares: [`DEVICE_COOKIE`], with the `__Host-` prefix when the remember cookie has it
/// ([`cookie_host_prefix`](crate::config::LoginConfigBuilder::cookie_host_prefix)).
pub fn device_cookie_name(settings: &CookieSettings) -> &'static str {
    if settings.name.starts_with("__Host-") {
        "__Host-_device"
    } else {
        DEVICE_COOKIE
    }
}

/// The claims of a device cookie.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceClaims<Id> {
    /// The user whose login this browser completed (claim `uid`).
    #[serde(rename = "uid")]
    pub user_id: Id,
    /// Issued at (the completed login), seconds since the Unix epoch.
    pub iat: u64,
    /// Expires at.
    pub exp: u64,
    /// Always [`DEVICE_AUDIENCE`].
    pub aud: String,
    /// The user's auth tag at the login (claim `sah`).
    #[serde(rename = "sah", default, skip_serializing_if = "Option::is_none")]
    pub auth_tag: Option<u64>,
    /// The user's device epoch at the login (claim `dep`).
    #[serde(rename = "dep", default)]
    pub epoch: u64,
    /// Until when the browser skips the second factor (claim `tru`), if it was trusted.
    #[serde(rename = "tru", default, skip_serializing_if = "Option::is_none")]
    pub trusted_until: Option<u64>,
}

/// Signs and verifies device cookies.
#[derive(Clone)]
pub struct DeviceCodec {
    jws: JwsCodec,
    leeway: u64,
}

impl std::fmt::Debug for DeviceCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeviceCodec { .. }")
    }
}

impl DeviceCodec {
    /// A codec with `config`'s device key and leeway.
    pub fn new(config: &LoginConfig) -> Self {
        DeviceCodec { jws: JwsCodec::new(config.keys().device_key()), leeway: config.leeway().as_secs() }
    }

    /// The cookie value of `claims`.
    pub fn sign<Id: Serialize>(&self, claims: &DeviceClaims<Id>) -> Result<String, TokenError> {
        self.jws.sign(claims)
    }

    /// The claims of a device cookie this app signed that has not expired at `now`.
    pub fn verify<Id: DeserializeOwned>(&self, token: &str, now: u64) -> Result<DeviceClaims<Id>, TokenError> {
        let claims: DeviceClaims<Id> = self.jws.open(token)?;
        crate::jws::check_claims(&claims.aud, DEVICE_AUDIENCE, (claims.iat, claims.exp), now, self.leeway, None)?;
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(uid: i64) -> DeviceClaims<i64> {
        DeviceClaims {
            user_id: uid,
            iat: 100,
            exp: 200,
            aud: DEVICE_AUDIENCE.into(),
            auth_tag: Some(7),
            epoch: 0,
            trusted_until: None,
        }
    }

    #[test]
    fn a_device_cookie_is_verified_by_its_own_key_only() {
        let config = LoginConfig::new([6u8; 64]).expect("config");
        let codec = DeviceCodec::new(&config);
        let token = codec.sign(&claims(1)).expect("sign");
        assert_eq!(codec.verify::<i64>(&token, 150).expect("valid").user_id, 1);
        assert!(codec.verify::<i64>(&token, 206).is_err(), "expired");
        let other = DeviceCodec::new(&LoginConfig::new([7u8; 64]).expect("config"));
        assert!(other.verify::<i64>(&token, 150).is_err(), "another app's key");
        let remember = crate::remember::RememberCodec::new(&config);
        assert!(remember.verify::<i64>(&token, 150).is_err(), "not a remember token");
    }
}
