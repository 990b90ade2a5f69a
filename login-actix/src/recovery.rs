//! Recovery tokens: password-reset and email-confirmation links that need no table,
//! bound to the user's auth hash and last login, so that use, a password change, a
//! later login or the expiry (default one hour) kills them.
//!
//! They hold only if the app gives them something to bind to: a
//! [`session_auth_hash`](crate::AuthUser::session_auth_hash) (without one, using a token
//! does not kill it), and [`last_login_at`](crate::AuthUser::last_login_at) recorded at
//! every completed login (also after
//! `complete_second_factor` of feature `two-factor`). Set the new password only over the
//! hash the token was checked against (a compare-and-set), so that a link works once
//! even for two requests at once. A token's claims (the user id and the issue time) are
//! readable base64 JSON; only its MAC is secret-bound.
//!
//! ```
//! use login_actix::{recovery::RecoveryTokens, AuthUser, LoginConfig};
//!
//! #[derive(Clone)]
//! struct User { id: i64, password_hash: String, last_login: u64 }
//! impl AuthUser for User {
//!     type Id = i64;
//!     fn id(&self) -> i64 { self.id }
//!     fn session_auth_hash(&self) -> Option<Vec<u8>> { Some(self.password_hash.clone().into_bytes()) }
//!     fn last_login_at(&self) -> Option<u64> { Some(self.last_login) }
//! }
//!
//! let tokens = RecoveryTokens::new(&LoginConfig::new([9u8; 64]).expect("config"));
//! let mut alice = User { id: 1, password_hash: "argon2:old".into(), last_login: 1_000 };
//! let now = 2_000_000_000;
//! let token = tokens.issue(&alice, "password-reset", now); // mail it as a link
//! assert_eq!(tokens.user_id(&token), Some(1));      // the reset page finds the user,
//! assert!(tokens.verify(&token, "password-reset", &alice, now + 60).is_ok()); // then checks
//! alice.password_hash = "argon2:new".into();               // the reset itself
//! assert!(tokens.verify(&token, "password-reset", &alice, now + 61).is_err(), "used");
//! ```
//!
//! `docs/password-reset.md` and `examples/examples/password_reset.rs` show
//! the whole flow with routes and a mailer.
//!
//! After a completed password reset, end every login of the user
//! ([`LoginSession::end_logins_of`](crate::LoginSession::end_logins_of)): sessions and
//! remember cookies, on every instance.

pub use login_core::recovery::{RecoveryError, RecoveryTokens, DEFAULT_RECOVERY_LIFETIME};
