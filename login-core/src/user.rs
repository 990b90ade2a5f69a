//! The trait an application's user type implements.

use std::fmt::Debug;

use serde::{de::DeserializeOwned, Serialize};

/// A user that can log in.
///
/// Only [`id`](AuthUser::id) is required. The id is stored in the session and in the
/// remember token, so it must be serde-serialisable; any such type works: integers,
/// strings, UUIDs. Every value is a valid id, `0` and `""` included.
///
/// ```
/// # mod login_actix { pub use login_core::*; pub mod config { pub use login_core::*; } pub mod registry { pub use login_core::*; } pub mod next { pub use login_core::*; } pub mod throttle { pub use login_core::*; } }
/// use login_actix::AuthUser;
///
/// #[derive(Clone)]
/// struct User { id: i64, password_hash: String, session_epoch: i64 }
///
/// impl AuthUser for User {
///     type Id = i64;
///     fn id(&self) -> i64 { self.id }
///     fn session_auth_hash(&self) -> Option<Vec<u8>> {
///         // Changing either value logs the user out of every other session.
///         Some(format!("{}:{}", self.password_hash, self.session_epoch).into_bytes())
///     }
/// }
/// # assert_eq!(User { id: 0, password_hash: "x".into(), session_epoch: 1 }.id(), 0);
/// ```
pub trait AuthUser: 'static {
    /// The type of the user id.
    type Id: Serialize + DeserializeOwned + Clone + PartialEq + Debug + Send + Sync + 'static;

    /// The id the user loader is later called with.
    fn id(&self) -> Self::Id;

    /// Bytes that change when every session of this user must end.
    ///
    /// Return something derived from the password hash (and, for "log out everywhere",
    /// a counter the application increments). The library never stores these bytes:
    /// it keeps an HMAC of them (keyed from the app secret) in the session and in the
    /// remember token and compares it in constant time after each load. A mismatch makes
    /// that session and that remember cookie anonymous.
    ///
    /// The default, `None`, turns the check off.
    fn session_auth_hash(&self) -> Option<Vec<u8>> {
        None
    }

    /// Whether the account may be logged in. An inactive user's logins end at their
    /// next request, and `login_user` refuses them with a distinct error. Default `true`.
    fn is_active(&self) -> bool {
        true
    }

    /// When the user last completed a credential login (seconds since the Unix epoch),
    /// as the app records it. Recovery tokens are bound to it, so that a later login
    /// kills a password-reset link issued before (see [`recovery`](crate::recovery)).
    /// Default `None` (links then die only by use, password change and expiry).
    fn last_login_at(&self) -> Option<u64> {
        None
    }

    /// What the device cookie (feature `two-factor` of login-actix) is bound to: when
    /// it changes, every browser of the user is forgotten (neither trusted nor known
    /// to the per-account throttle). Default: the
    /// [`session_auth_hash`](AuthUser::session_auth_hash). When the auth hash also
    /// changes at "log out everywhere" (a session epoch), return the password hash
    /// alone here, so that logging out everywhere keeps the owner's browsers known.
    fn device_auth_hash(&self) -> Option<Vec<u8>> {
        self.session_auth_hash()
    }

    /// Whether the user holds `permission` (`#[login_required(permission = "admin")]`).
    ///
    /// Answer from the user value the loader returned (load the permissions with the
    /// user), so that they are loaded at most once per request. Default: no permission.
    fn has_permission(&self, permission: &str) -> bool {
        let _ = permission;
        false
    }
}
