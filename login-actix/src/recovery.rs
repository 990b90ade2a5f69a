//! Recovery tokens: password-reset and email-confirmation links that need no table,
//! bound to the user's auth hash and last login, so that use, a password change, a
//! later login or the expiry (default one hour) kills them. See
//! [`RecoveryTokens`] for an example.
//!
//! After a completed password reset, end every login of the user
//! ([`LoginSession::end_logins_of`](crate::LoginSession::end_logins_of)): sessions and
//! remember cookies, on every instance.

pub use login_core::recovery::{RecoveryError, RecoveryTokens, DEFAULT_RECOVERY_LIFETIME};
