//! Where the second factor keeps its state: the last TOTP step each user spent, each
//! user's device epoch (the known browsers) and the pending logins waiting for a code.
//!
//! A store of its own concern, beside the [`LoginRegistry`] of live logins. The
//! memory, SQLite and Redis registries keep both; a registry given to the
//! configuration must keep both when the `two-factor` feature is on (see
//! [`LoginStore`]), so a store of the app's own that lacks the second factor's state
//! does not compile, instead of refusing every login at run time. The contract is
//! `login_actix::test_util::second_factor_contract`.

use futures_util::future::BoxFuture;

use crate::{
    error::StoreError,
    login_id::LoginId,
    pending::{AtCap, PendingLogin},
    registry::LoginRegistry,
};

/// The second factor's state. One instance serves every worker (and, for shared
/// stores, every instance of an app); the same rules as [`LoginRegistry`]'s hold: fail
/// closed, expiry at read time, bounded.
pub trait SecondFactorStore: Send + Sync + 'static {
    /// Records that the user used TOTP time step `step`: `true` when `step` is later than
    /// every step accepted for the user before (it is now the last one), `false` for a
    /// step already used or older (a replayed code). Atomic across instances.
    fn use_totp_step(&self, user_key: &str, step: u64) -> BoxFuture<'_, Result<bool, StoreError>>;

    /// The user's device epoch. A user the store holds none for starts at a
    /// [`first_device_epoch`](crate::first_device_epoch), kept from then on.
    fn device_epoch(&self, user_key: &str) -> BoxFuture<'_, Result<u64, StoreError>>;

    /// Moves the user's device epoch on ("forget every browser"); returns the new one.
    fn forget_devices(&self, user_key: &str) -> BoxFuture<'_, Result<u64, StoreError>>;

    /// Adds a pending login (dropping expired ones as it goes); `true` when it was
    /// stored. A user holds at most [`MAX_PENDING_PER_USER`](crate::MAX_PENDING_PER_USER)
    /// live ones: past that, `at_cap` says whether the oldest ends or the new one is
    /// refused (`false`, nothing changed).
    fn insert_pending(&self, pending: PendingLogin, at_cap: AtCap) -> BoxFuture<'_, Result<bool, StoreError>>;

    /// The pending login `id` when it has not expired at `now`.
    fn pending(&self, id: LoginId, now: u64) -> BoxFuture<'_, Result<Option<PendingLogin>, StoreError>>;

    /// Counts a wrong code against pending login `id`, atomically; at `max` failures it
    /// ends. Returns the failures counted so far, `None` when it is not pending (or no
    /// longer: ended, expired at `now`).
    fn fail_pending(&self, id: LoginId, max: u32, now: u64) -> BoxFuture<'_, Result<Option<u32>, StoreError>>;

    /// Ends pending login `id`; `true` when it was pending. Of two completions at once,
    /// one gets `true`.
    fn remove_pending(&self, id: LoginId) -> BoxFuture<'_, Result<bool, StoreError>>;

    /// Ends every pending login of the user; returns how many.
    fn remove_pending_of(&self, user_key: &str) -> BoxFuture<'_, Result<usize, StoreError>>;
}

/// What [`LoginStores::with_registry`](crate::LoginStores::with_registry) takes:
/// the live logins, and with the `two-factor` feature the second factor's state too.
/// Implemented for every type that keeps them.
#[cfg(feature = "two-factor")]
pub trait LoginStore: LoginRegistry + SecondFactorStore {}

#[cfg(feature = "two-factor")]
impl<T: LoginRegistry + SecondFactorStore> LoginStore for T {}

/// What [`LoginStores::with_registry`](crate::LoginStores::with_registry) takes:
/// the live logins (with the `two-factor` feature, the second factor's state too).
/// Implemented for every type that keeps them.
#[cfg(not(feature = "two-factor"))]
pub trait LoginStore: LoginRegistry {}

#[cfg(not(feature = "two-factor"))]
impl<T: LoginRegistry> LoginStore for T {}
