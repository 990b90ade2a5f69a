//! Framework-agnostic core of [`login-actix`](https://docs.rs/login-actix): the
//! [`AuthUser`] trait, the remember token codec, the `next` redirect rule, the
//! revocation store and the configuration with its defaults.
//!
//! Nothing here knows about a web framework; the actix adapter (`login-actix`) builds
//! the middleware, extractors and cookies on top of it.
//!
//! ```
//! use login_core::{is_safe_next, now_secs, LoginConfig, Remember, RememberCodec};
//!
//! let config = LoginConfig::new([7u8; 64]).expect("a 64-byte secret is long enough");
//! let codec = RememberCodec::new(&config);
//!
//! // Issue a 30-day remember token for user 42 and verify it.
//! let lifetime = Remember::Default.duration(&config).expect("remember requested");
//! let (token, _claims) = codec.issue(&42_i64, None, now_secs(), lifetime).expect("encodes");
//! let claims = codec.verify::<i64>(&token, now_secs()).expect("valid token");
//! assert_eq!(claims.uid, 42);
//!
//! // Only local paths are accepted as `next`.
//! assert!(is_safe_next("/dashboard"));
//! assert!(!is_safe_next("//evil.example"));
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod config;
mod error;
mod keys;
mod next;
mod remember;
mod revocation;
mod session_record;
mod user;

pub use config::{CookieSettings, LoginConfig, LoginConfigBuilder, SameSite, MIN_SECRET_LEN};
pub use error::{ConfigError, StoreError, TokenError};
pub use keys::{derive_key, Keys, AUTH_HASH_PURPOSE, REMEMBER_TOKEN_PURPOSE};
pub use next::{choose_next, is_safe_next, location_value, login_redirect_url};
pub use remember::{now_secs, random_id, Remember, RememberClaims, RememberCodec, REMEMBER_AUDIENCE};
pub use revocation::{MemoryRevocationStore, RevocationStore, RevokedId};
pub use session_record::{RememberRef, SessionRecord, SESSION_KEY};
pub use user::AuthUser;
