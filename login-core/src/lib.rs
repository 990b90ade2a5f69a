//! Framework-agnostic core of [`login-actix`](https://docs.rs/login-actix): the
//! [`AuthUser`] trait, the registry of live logins, the login throttle's counters, the
//! cross-origin rule, the `next` redirect rule and the configuration with its defaults.
//! Apps depend on `login-actix`, which re-exports what they need from here.
//!
//! Nothing here knows about a web framework; the actix adapter (`login-actix`) builds
//! the middleware, extractors and cookies on top of it.
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

mod clock;
mod config;
mod cross_origin;
mod error;
mod keys;
mod login_id;
mod memory_registry;
mod next;
mod process_scope;
mod registry;
mod remember;
mod restore_limit;
mod session_record;
mod throttle;
mod user;

pub use config::{Clock, CookieSettings, LoginConfig, LoginConfigBuilder, SameSite, ThrottleSettings, MIN_SECRET_LEN};
pub use cross_origin::{CrossOriginPolicy, CrossOriginRefusal};
pub use error::{ConfigError, StoreError, TokenError};

pub use login_id::{BadLoginId, LoginId};
pub use memory_registry::{MemoryRegistry, DEFAULT_MAX_LOGINS, DEFAULT_MAX_LOGINS_PER_USER, MAX_LOGINS_PER_USER_BOUND};
pub use next::{is_safe_next, login_redirect_url, login_redirect_url_with};
pub use registry::{user_agent_label, user_key, LiveLogin, LoginRegistry, LoginTimes, USER_AGENT_LABEL_MAX};
pub use remember::Remember;
pub use throttle::{throttle_keys, Hit, MemoryThrottle, ThrottleStore, DEFAULT_MAX_THROTTLE_KEYS};
pub use user::AuthUser;

/// What `login-actix` builds on and this crate's tests forge tokens with: the derived
/// keys, the remember-token codec, the session record. Not a stable API: these change
/// with the token and record formats.
#[doc(hidden)]
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
