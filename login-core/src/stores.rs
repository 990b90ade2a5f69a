//! The stores a login middleware works with, apart from its settings: live logins
//! (and, with `two-factor`, the second factor's state) and the throttle's counters.

use std::{fmt, sync::Arc};

use crate::{
    config::LoginConfig, memory_registry::MemoryRegistry, registry::LoginRegistry, restore_limit::RestoreLimiter,
    second_factor_store::LoginStore, throttle::MemoryThrottle, throttle::ThrottleStore,
};

/// The stores of one app: where live logins, the second factor's state and the login
/// throttle's counters are kept. The defaults are in memory, one set per process and
/// secret, so middlewares built per worker from the same secret share them.
///
/// ```
/// # mod login_actix { pub use login_core::*; pub mod registry { pub use login_core::*; } pub mod throttle { pub use login_core::*; } }
/// use std::sync::Arc;
/// use login_actix::{LoginConfig, LoginStores, registry::MemoryRegistry, throttle::MemoryThrottle};
///
/// let config = LoginConfig::new([7u8; 64]).expect("a long secret");
/// let registry = Arc::new(MemoryRegistry::new());
/// let stores = LoginStores::memory(&config)
///     .with_registry(registry.clone())
///     .with_throttle(Arc::new(MemoryThrottle::new()));
/// # let _ = stores;
/// ```
#[derive(Clone)]
pub struct LoginStores {
    logins: Arc<dyn LoginRegistry>,
    #[cfg(feature = "two-factor")]
    second_factor: Arc<dyn crate::SecondFactorStore>,
    throttle: Arc<dyn ThrottleStore>,
    restore_limiter: Arc<RestoreLimiter>,
    logins_in_memory: bool,
}

impl LoginStores {
    /// The in-memory stores of `config`'s secret in this process: a restart forgets
    /// every login, remember-me cookies included.
    pub fn memory(config: &LoginConfig) -> Self {
        let scope = config.scope();
        let registry: Arc<dyn LoginStore> = MemoryRegistry::for_scope(scope);
        LoginStores {
            #[cfg(feature = "two-factor")]
            second_factor: registry.clone(),
            logins: registry,
            throttle: MemoryThrottle::for_scope(scope),
            restore_limiter: RestoreLimiter::for_scope(scope),
            logins_in_memory: true,
        }
    }

    /// Keeps live logins (and, with `two-factor`, the second factor's state) in
    /// `store`: for one machine the SQLite registry, for several instances the Redis
    /// one (both in `login-actix`). With `two-factor` the store must implement
    /// [`SecondFactorStore`](crate::SecondFactorStore) too: one without it does not
    /// compile.
    pub fn with_registry(mut self, store: Arc<dyn LoginStore>) -> Self {
        #[cfg(feature = "two-factor")]
        {
            self.second_factor = store.clone();
        }
        self.logins = store;
        self.logins_in_memory = false;
        self
    }

    /// Whether live logins are in the process's default memory registry (a restart
    /// forgets them).
    pub fn logins_in_memory(&self) -> bool {
        self.logins_in_memory
    }

    /// Keeps the login throttle's counters in `store` (shared by every instance when
    /// the store is).
    pub fn with_throttle(mut self, store: Arc<dyn ThrottleStore>) -> Self {
        self.throttle = store;
        self
    }

    /// The registry of live logins.
    pub fn registry(&self) -> &Arc<dyn LoginRegistry> {
        &self.logins
    }

    /// The second factor's state, kept by the same store as the registry.
    #[cfg(feature = "two-factor")]
    pub fn second_factor(&self) -> &Arc<dyn crate::SecondFactorStore> {
        &self.second_factor
    }

    /// The store of the login throttle's counters.
    pub fn throttle(&self) -> &Arc<dyn ThrottleStore> {
        &self.throttle
    }

    /// The process-wide limit on restoring one login into new sessions.
    #[doc(hidden)]
    pub fn restore_limiter(&self) -> &RestoreLimiter {
        &self.restore_limiter
    }
}

impl fmt::Debug for LoginStores {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginStores").finish_non_exhaustive()
    }
}
