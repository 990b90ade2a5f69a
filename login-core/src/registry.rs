//! The registry of live logins: the server's list of who is logged in where.
//!
//! A credential login creates a [`LiveLogin`]; the session record and the remember
//! token name it by its [`LoginId`]. A request is authenticated only while its login is
//! in the registry (an allow-list): logout, "log out everywhere", a password change,
//! account deletion, the idle timeout and "end this session" remove logins. Whatever
//! forgets the registry (a restart of the memory store, a lost Redis key) logs people
//! out; nothing brings a dead login back.
//!
//! Implementations: [`MemoryRegistry`](crate::MemoryRegistry) here, and the SQLite and
//! Redis registries of `login-actix` (features `sqlite` and `redis`). An app can bring
//! its own (Postgres) by implementing [`LoginRegistry`] (and, for the second factor,
//! [`SecondFactorStore`](crate::SecondFactorStore)).

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};

use crate::{error::StoreError, login_id::LoginId};

/// The longest user-agent label kept with a login, in bytes.
pub const USER_AGENT_LABEL_MAX: usize = 120;

/// One browser's logged-in period, as the registry keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveLogin {
    /// The login's id.
    pub id: LoginId,
    /// The user's id as JSON text (`42`, `"alice"`): the key of "every login of a user".
    pub user_key: String,
    /// When the credential login happened, seconds since the Unix epoch.
    pub created_at: u64,
    /// Last request seen, written coarsely (see `LoginConfigBuilder::touch_interval`).
    pub last_seen_at: u64,
    /// The absolute end of the login, seconds since the Unix epoch.
    pub expires_at: u64,
    /// Whether a remember token names this login.
    pub remembered: bool,
    /// A short label of the browser (its `User-Agent`, cleaned and cut to
    /// [`USER_AGENT_LABEL_MAX`] bytes), for the sessions page.
    pub user_agent: String,
}

/// What a per-request check needs of a live login: copied out without allocating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginTimes {
    /// Last request seen.
    pub last_seen_at: u64,
    /// The absolute end of the login.
    pub expires_at: u64,
    /// The generation of the login's current remember token: `0` at the login, one more
    /// at each [`rotate`](LoginRegistry::rotate).
    pub remember_gen: u32,
    /// When the current generation replaced the one before (`0`: never rotated).
    pub rotated_at: u64,
}

impl LoginTimes {
    /// The times of a login never rotated.
    pub fn new(last_seen_at: u64, expires_at: u64) -> Self {
        LoginTimes { last_seen_at, expires_at, remember_gen: 0, rotated_at: 0 }
    }
}

impl LiveLogin {
    /// The times of this login as it is inserted (never rotated).
    pub fn times(&self) -> LoginTimes {
        LoginTimes::new(self.last_seen_at, self.expires_at)
    }
}

/// A random first device epoch, below 2^62, for a user whose store holds none: a store
/// that lost a user's epoch (a restart without persistence) starts somewhere new, so the
/// device cookies of the lost epochs, forgotten ones among them, never match again.
pub fn first_device_epoch() -> u64 {
    rand::random::<u64>() >> 2
}

/// The registry key of a user id: its JSON text (`42`, `"alice"`).
///
/// ```
/// # mod login_actix { pub use login_core::*; pub mod config { pub use login_core::*; } pub mod registry { pub use login_core::*; } pub mod next { pub use login_core::*; } pub mod throttle { pub use login_core::*; } }
/// assert_eq!(login_actix::registry::user_key(&42_i64), "42");
/// assert_eq!(login_actix::registry::user_key(&"alice"), "\"alice\"");
/// ```
pub fn user_key<Id: Serialize + ?Sized>(id: &Id) -> String {
    serde_json::to_string(id).unwrap_or_default()
}

/// Cleans a `User-Agent` header into a label: printable ASCII only (anything else
/// becomes `?`), at most [`USER_AGENT_LABEL_MAX`] bytes.
///
/// ```
/// # mod login_actix { pub use login_core::*; pub mod config { pub use login_core::*; } pub mod registry { pub use login_core::*; } pub mod next { pub use login_core::*; } pub mod throttle { pub use login_core::*; } }
/// use login_actix::registry::user_agent_label;
/// assert_eq!(user_agent_label(b"Mozilla/5.0\r\nX: y"), "Mozilla/5.0??X: y");
/// assert_eq!(user_agent_label(&[b'a'; 500]).len(), 120);
/// ```
pub fn user_agent_label(raw: &[u8]) -> String {
    raw.iter().take(USER_AGENT_LABEL_MAX).map(|&b| if (0x20..0x7f).contains(&b) { b as char } else { '?' }).collect()
}

/// Where live logins are kept. One instance serves every worker of a process (and,
/// for shared stores, every instance of an app).
///
/// Rules for implementations:
/// - **Fail closed**: when the store cannot answer, return a [`StoreError`] (the
///   request gets a `503`), never "live".
/// - A login whose `expires_at` is not after `now` is not live; stores may drop it
///   lazily.
/// - [`touch`](LoginRegistry::touch) and [`extend`](LoginRegistry::extend) of a login
///   that is gone do nothing: they never bring it back.
/// - Bounded: entries leave with their login; no operation may scan every entry.
pub trait LoginRegistry: Send + Sync + 'static {
    /// Adds a new login.
    fn insert(&self, login: LiveLogin) -> BoxFuture<'_, Result<(), StoreError>>;

    /// The times of login `id` when it is live at `now`, `None` when it is not.
    fn lookup(&self, id: LoginId, now: u64) -> BoxFuture<'_, Result<Option<LoginTimes>, StoreError>>;

    /// [`lookup`](LoginRegistry::lookup) answered without waiting, for in-process
    /// stores; `None` makes the caller await `lookup`. Spares a future per request.
    fn lookup_now(&self, id: LoginId, now: u64) -> Option<Result<Option<LoginTimes>, StoreError>> {
        let _ = (id, now);
        None
    }

    /// Records activity: sets `last_seen_at` of a live login to `now`.
    fn touch(&self, id: LoginId, now: u64) -> BoxFuture<'_, Result<(), StoreError>>;

    /// Lengthens a live login (a credential re-login, perhaps asking for a remember
    /// cookie): its expiry becomes the later of the current one and `expires_at`, and it
    /// is remembered if it was or `remembered` is set. Never shortens, never forgets.
    fn extend(&self, id: LoginId, expires_at: u64, remembered: bool) -> BoxFuture<'_, Result<(), StoreError>>;

    /// Rotates the remember token of live login `id`: when its
    /// [`remember_gen`](LoginTimes::remember_gen) is `from`, it becomes `from + 1` with
    /// [`rotated_at`](LoginTimes::rotated_at) `now`, atomically (a compare-and-set:
    /// of two rotations from the same generation, on any instance, one moves it).
    /// Otherwise nothing changes. Returns the login's times after the call, `None`
    /// when it is not live at `now`. Never touches the expiry.
    fn rotate(&self, id: LoginId, from: u32, now: u64) -> BoxFuture<'_, Result<Option<LoginTimes>, StoreError>>;

    /// Ends login `id`; `true` when it was live.
    fn remove(&self, id: LoginId) -> BoxFuture<'_, Result<bool, StoreError>>;

    /// Ends every login of the user with `user_key`, except `keep`; returns how many
    /// ended.
    fn remove_user(&self, user_key: &str, keep: Option<LoginId>) -> BoxFuture<'_, Result<usize, StoreError>>;

    /// The live logins of the user with `user_key` at `now`, oldest first.
    fn list_user(&self, user_key: &str, now: u64) -> BoxFuture<'_, Result<Vec<LiveLogin>, StoreError>>;
}
