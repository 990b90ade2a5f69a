//! Framework-agnostic core of [`login-actix`](https://docs.rs/login-actix): the
//! [`AuthUser`] trait, the registry of live logins, the login throttle's counters, the
//! cross-origin rule, the `next` redirect rule and the configuration with its defaults.
//! Apps depend on `login-actix`, which re-exports what they need from here.
//!
//! Nothing here knows about a web framework; the actix adapter (`login-actix`) builds
//! the middleware, extractors and cookies on top of it.
//!
//! Feature `flow` (default) is everything but the `next` rule: without it (as the
//! proc-macro crate uses it, to check a guard's `redirect` at compile time) this crate
//! builds no cryptography.
//!
//! ```
//! use std::time::Duration;
//! use login_core::{is_safe_next, LoginConfig, LoginId, LiveLogin, LoginRegistry, MemoryRegistry, Remember};
//!
//! let config = LoginConfig::builder([7u8; 64]).idle_timeout(Some(Duration::from_secs(600))).build()
//!     .expect("a 64-byte secret is long enough");
//! assert_eq!(Remember::Days(7).duration(&config), Some(Duration::from_secs(7 * 86_400)));
//! assert_eq!(config.touch_interval(), Duration::from_secs(60));
//!
//! // A login lives in the registry until it ends.
//! # futures_executor::block_on(async {
//! let registry = MemoryRegistry::new();
//! let id = LoginId::random();
//! registry.insert(LiveLogin {
//!     id, user_key: login_core::user_key(&42_i64), created_at: 0, last_seen_at: 0,
//!     expires_at: 3600, remembered: false, user_agent: String::new(),
//! }).await?;
//! assert!(registry.lookup(id, 10).await?.is_some());
//! # Ok::<(), login_core::StoreError>(()) }).expect("in memory");
//!
//! // Only local paths are accepted as `next`.
//! assert!(is_safe_next("/dashboard"));
//! assert!(!is_safe_next("//evil.example"));
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "flow")]
mod clock;
#[cfg(feature = "flow")]
mod config;
#[cfg(feature = "flow")]
mod cross_origin;
#[cfg(feature = "flow")]
pub mod device;
#[cfg(feature = "flow")]
mod error;
#[cfg(feature = "flow")]
mod jws;
#[cfg(feature = "flow")]
mod keys;
#[cfg(feature = "flow")]
mod login_id;
#[cfg(feature = "flow")]
mod memory_registry;
mod next;
#[cfg(feature = "flow")]
pub mod pending;
#[cfg(feature = "flow")]
mod process_scope;
#[cfg(feature = "flow")]
pub mod recovery;
#[cfg(feature = "two-factor")]
pub mod recovery_codes;
#[cfg(feature = "flow")]
mod registry;
#[cfg(feature = "flow")]
mod remember;
#[cfg(feature = "flow")]
mod remember_rotation;
#[cfg(feature = "flow")]
mod restore_limit;
#[cfg(feature = "flow")]
mod second_factor_store;
#[cfg(feature = "flow")]
mod session_record;
#[cfg(feature = "flow")]
mod stores;
#[cfg(feature = "flow")]
mod throttle;
#[cfg(feature = "two-factor")]
pub mod totp;
#[cfg(feature = "flow")]
mod user;

#[cfg(feature = "flow")]
pub use config::{
    Clock, CookieSettings, LoginConfig, LoginConfigBuilder, SameSite, ThrottleSettings, DEFAULT_REMEMBER_GRACE,
    MAX_REMEMBER_GRACE, MIN_SECRET_LEN,
};
#[cfg(feature = "flow")]
pub use cross_origin::{CrossOriginPolicy, CrossOriginRefusal};
#[cfg(feature = "flow")]
pub use error::{ConfigError, StoreError, TokenError};
#[cfg(feature = "flow")]
pub use login_id::{BadLoginId, LoginId};
#[cfg(feature = "flow")]
pub use memory_registry::{
    MemoryRegistry, DEFAULT_MAX_LOGINS, DEFAULT_MAX_LOGINS_PER_USER, MAX_LOGINS_PER_USER_BOUND, MAX_PENDING_KNOWN,
    MAX_PENDING_LOGINS, MAX_PENDING_PER_USER,
};
pub use next::{is_safe_next, login_redirect_url, login_redirect_url_with, next_form_value};
#[cfg(feature = "flow")]
pub use registry::{
    first_device_epoch, user_agent_label, user_key, LiveLogin, LoginRegistry, LoginTimes, USER_AGENT_LABEL_MAX,
};
#[cfg(feature = "flow")]
pub use remember::Remember;
#[cfg(feature = "flow")]
pub use remember_rotation::{token_standing, TokenStanding, RETIRED_IN_GRACE};
#[cfg(feature = "flow")]
pub use second_factor_store::{LoginStore, SecondFactorStore};
#[cfg(feature = "flow")]
pub use stores::LoginStores;
#[cfg(feature = "flow")]
pub use throttle::{
    attempt_keys, throttle_keys, AttemptKeys, Hit, MemoryThrottle, ThrottleStore, DEFAULT_MAX_THROTTLE_KEYS,
    NEW_COUNTER_SECS,
};
#[cfg(feature = "flow")]
pub use user::AuthUser;

/// What `login-actix` builds on and this crate's tests forge tokens with: the derived
/// keys, the remember-token codec, the session record. Not a stable API: these change
/// with the token and record formats.
#[doc(hidden)]
#[cfg(feature = "flow")]
pub mod internal {
    pub use crate::{
        clock::now_secs,
        keys::{derive_key, Keys, AUTH_HASH_PURPOSE, REGISTRY_SCOPE_PURPOSE, REMEMBER_TOKEN_PURPOSE},
        next::{choose_next, location_value},
        remember::{RememberClaims, RememberCodec, REMEMBER_AUDIENCE},
        restore_limit::{RestoreLimiter, MAX_TRACKED},
        session_record::{SessionRecord, FORMAT_VERSION, SESSION_KEY},
    };
}
