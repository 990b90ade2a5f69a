//! The error types of `login-core`.

use std::sync::Arc;

use thiserror::Error;

/// A configuration value that cannot be used.
///
/// Returned by [`LoginConfigBuilder::build`](crate::LoginConfigBuilder::build); these are
/// start-up errors, never caused by a request.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// The application secret is shorter than [`MIN_SECRET_LEN`](crate::MIN_SECRET_LEN) bytes.
    #[error("the login secret must be at least {min} bytes long, got {got}")]
    SecretTooShort {
        /// The minimum length in bytes.
        min: usize,
        /// The length that was given.
        got: usize,
    },
    /// A URL setting (`login_url`) is not a local absolute path.
    #[error("{setting} must be a local path starting with a single `/`, got {value:?}")]
    NotALocalPath {
        /// The name of the setting.
        setting: &'static str,
        /// The rejected value.
        value: String,
    },
    /// A cookie setting is not a valid cookie name or attribute value.
    #[error("{setting} is not a valid cookie token: {value:?}")]
    BadCookieValue {
        /// The name of the setting.
        setting: &'static str,
        /// The rejected value.
        value: String,
    },
    /// A trusted origin is not `http(s)://host[:port]`, or an exempt path does not
    /// start with `/`.
    #[error("not a valid origin (https://host[:port]) or path prefix: {value:?}")]
    BadOrigin {
        /// The rejected value.
        value: String,
    },
    /// A duration setting is zero or out of range.
    #[error("{setting} is out of range: {detail}")]
    BadDuration {
        /// The name of the setting.
        setting: &'static str,
        /// What is wrong with it.
        detail: String,
    },
}

/// Why a remember token was rejected.
///
/// A rejected token is never an error for the request: the caller treats the visitor
/// as anonymous and deletes the cookie. The variants exist for logs and tests.
#[derive(Debug, Error, Clone)]
#[non_exhaustive]
pub enum TokenError {
    /// The token is not a well-formed HS256 JWT signed with our key, or its audience
    /// is wrong.
    #[error("token is invalid: {0}")]
    Invalid(&'static str),
    /// The claims are not the ones this codec issues (a required claim is missing or
    /// of the wrong type).
    #[error("token claims are invalid")]
    Claims(#[source] Arc<serde_json::Error>),
    /// The token's `exp` is in the past.
    #[error("token has expired")]
    Expired,
    /// The token was issued in the future, or longer ago than the maximum remember
    /// duration allows.
    #[error("token issue time is out of range")]
    IssuedAtOutOfRange,
    /// The token could not be created (serialising the user id failed).
    #[error("token could not be encoded")]
    Encode(#[source] Arc<serde_json::Error>),
}

/// A login registry (or throttle store) could not answer.
///
/// Stores fail closed: a request whose check cannot be answered gets this error (a
/// `503` in the actix adapter), never an authenticated response. The message is for
/// logs; the underlying error, when there is one, is its [`source`](std::error::Error::source).
#[derive(Debug, Error, Clone)]
#[error("login store unavailable: {message}")]
pub struct StoreError {
    message: String,
    #[source]
    source: Option<Arc<dyn std::error::Error + Send + Sync + 'static>>,
}

impl StoreError {
    /// An error with a message only.
    pub fn new(message: impl Into<String>) -> Self {
        StoreError { message: message.into(), source: None }
    }

    /// An error caused by `source` (kept as the error's source).
    pub fn with_source(message: impl Into<String>, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        StoreError { message: message.into(), source: Some(Arc::new(source)) }
    }
}
