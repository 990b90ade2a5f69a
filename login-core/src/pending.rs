//! A pending login: the password was right, the second factor is still to come.
//!
//! Kept server-side (in the registry's store), so that a copied or replayed session
//! cookie cannot reset its count of wrong codes, and ended by a completed login, 5
//! wrong codes, its timeout (default 5 minutes), logout, another login in the browser,
//! a password change and "log out everywhere".

use serde::{Deserialize, Serialize};

use crate::login_id::LoginId;

/// Wrong codes after which a pending login ends.
pub const MAX_SECOND_FACTOR_FAILURES: u32 = 5;

/// What a store does with a new pending login when its user already holds
/// [`MAX_PENDING_PER_USER`](crate::MAX_PENDING_PER_USER) live ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtCap {
    /// A browser the account knows (its owner's): stored past the cap, up to
    /// [`MAX_PENDING_KNOWN`](crate::MAX_PENDING_KNOWN) in all, past which the oldest
    /// ends.
    Extend,
    /// Any other browser: the new one is refused and every pending login stays, so a
    /// stranger with the password never ends the owner's pending login.
    Refuse,
}

/// A pending login as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingLogin {
    /// Its id (the session names it).
    pub id: LoginId,
    /// The user's registry key (the user id as JSON text).
    pub user_key: String,
    /// The name the password step's throttle counted (the code step counts the same).
    pub username: String,
    /// When the password was checked, seconds since the Unix epoch.
    pub created_at: u64,
    /// When it ends unless completed.
    pub expires_at: u64,
    /// The remember duration asked for at the password step, in seconds.
    pub remember_secs: Option<u64>,
    /// The safe `next` of the password step.
    pub next: Option<String>,
    /// Wrong codes so far.
    pub failures: u32,
    /// The user's auth tag at the password step (a password change meanwhile ends it).
    pub auth_tag: Option<u64>,
}
