//! What the login flow keeps in the session: one JSON record under one key.

use serde::{Deserialize, Serialize};

/// The session key of the login record.
pub const SESSION_KEY: &str = "_login";

/// The login record stored in the session.
///
/// One key, parsed once per request. It holds ids and an HMAC, never a secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionRecord<Id> {
    /// The logged-in user's id.
    pub uid: Id,
    /// `true` after an explicit login, `false` after a remember-cookie restore.
    pub fresh: bool,
    /// Random id of this login session (the key of its revocation entry).
    pub sid: String,
    /// End of this login session, seconds since the Unix epoch.
    pub exp: u64,
    /// Session auth tag of the user at login (see [`AuthUser::session_auth_hash`](crate::AuthUser::session_auth_hash)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sah: Option<String>,
    /// The remember token issued or used by this session, so that logout revokes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remember: Option<RememberRef>,
}

/// A reference to a remember token: its id and expiry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RememberRef {
    /// The token's `jti`.
    pub jti: String,
    /// The token's `exp`.
    pub exp: u64,
}
