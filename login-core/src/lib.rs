//! Framework-agnostic core of [`login-actix`](https://docs.rs/login-actix): the
//! [`AuthUser`] trait, the registry of live logins, the remember token codec, the
//! `next` redirect rule and the configuration with its defaults.
//!
//! Nothing here knows about a web framework; the actix adapter (`login-actix`) builds
//! the middleware, extractors and cookies on top of it.
//!
//! ```
//! use login_core::{is_safe_next, now_secs, LoginConfig, LoginId, Remember, RememberCodec};
//!
//! let config = LoginConfig::new([7u8; 64]).expect("a 64-byte secret is long enough");
//! let codec = RememberCodec::new(&config);
//!
//! // Issue a 30-day remember token for user 42's login and verify it.
//! let lifetime = Remember::Default.duration(&config).expect("remember requested");
//! let login = LoginId::random();
//! let (token, _expires) = codec.issue(&42_i64, login, None, now_secs(), lifetime).expect("encodes");
//! let claims = codec.verify::<i64>(&token, now_secs()).expect("valid token");
//! assert_eq!((claims.user_id, claims.login_id), (42, login));
//!
//! // Only local paths are accepted as `next`.
//! assert!(is_safe_next("/dashboard"));
//! assert!(!is_safe_next("//evil.example"));
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod config;
mod cross_origin;
mod error;
mod keys;
mod login_id;
mod memory_registry;
mod next;
mod registry;
mod remember;
mod session_record;
mod throttle;
mod user;

pub use config::{Clock, CookieSettings, LoginConfig, LoginConfigBuilder, SameSite, ThrottleSettings, MIN_SECRET_LEN};
pub use cross_origin::{CrossOriginPolicy, CrossOriginRefusal};
pub use error::{ConfigError, StoreError, TokenError};
pub use keys::{derive_key, Keys, AUTH_HASH_PURPOSE, REGISTRY_SCOPE_PURPOSE, REMEMBER_TOKEN_PURPOSE};
pub use login_id::{BadLoginId, LoginId};
pub use memory_registry::{MemoryRegistry, DEFAULT_MAX_LOGINS, DEFAULT_MAX_LOGINS_PER_USER};
pub use next::{choose_next, is_safe_next, location_value, login_redirect_url, login_redirect_url_with};
pub use registry::{user_agent_label, user_key, LiveLogin, LoginRegistry, LoginTimes, USER_AGENT_LABEL_MAX};
pub use remember::{now_secs, Remember, RememberClaims, RememberCodec, REMEMBER_AUDIENCE};
pub use session_record::{SessionRecord, FORMAT_VERSION, SESSION_KEY};
pub use throttle::{throttle_keys, Hit, MemoryThrottle, ThrottleStore, DEFAULT_MAX_THROTTLE_KEYS};
pub use user::AuthUser;
