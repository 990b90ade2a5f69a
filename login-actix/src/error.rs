//! The adapter's error type and its HTTP responses.

use std::rc::Rc;

use actix_web::{http::StatusCode, HttpResponse, ResponseError};
use login_core::{StoreError, TokenError};
use thiserror::Error;

use crate::loader::LoadError;

/// Why the login flow could not answer a request.
///
/// None of these is "the visitor is anonymous" (that is not an error). Each maps to a
/// server-side status; the body never carries details, which go to the log.
/// The middleware's [`error_handler`](crate::LoginMiddleware::error_handler) can
/// replace the response.
#[derive(Debug, Error, Clone)]
#[non_exhaustive]
pub enum LoginError {
    /// The user loader failed (`500`). The session is kept.
    #[error("user loader failed: {0}")]
    Loader(Rc<LoadError>),
    /// The login registry could not answer (`503`). Fails closed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No [`LoginMiddleware`](crate::LoginMiddleware) on this route (`500`).
    #[error("login-actix: LoginMiddleware is not wrapped around this route; add `.wrap(LoginMiddleware::new(loader, config))` to the App or scope")]
    MiddlewareMissing,
    /// No actix-session `SessionMiddleware` on this route (`500`).
    #[error("login-actix: actix-session's SessionMiddleware is missing; add `.wrap(SessionMiddleware::new(store, key))` to the App (either order with LoginMiddleware works)")]
    SessionMissing,
    /// The user type given to a call does not match the loader's user type (`500`).
    #[error("login-actix: user type mismatch: the loader returns `{expected}` but `{found}` was used")]
    UserTypeMismatch {
        /// The loader's user type.
        expected: &'static str,
        /// The type used by the caller.
        found: &'static str,
    },
    /// Writing the session failed (`500`).
    #[error("session write failed")]
    Session(#[source] Rc<actix_session::SessionInsertError>),
    /// Too many credential attempts (`429` with `Retry-After`); the password was not
    /// checked. See [`LoginThrottle`](crate::LoginThrottle).
    #[error("too many login attempts; retry after {retry_after} s")]
    Throttled {
        /// Seconds until the window ends.
        retry_after: u64,
    },
    /// `login_user` was given an inactive user ([`AuthUser::is_active`](crate::AuthUser::is_active)):
    /// nobody was logged in. `403` by default; apps show "this account is disabled"
    /// (only after checking the password, so as not to reveal which accounts exist).
    #[error("the account is inactive")]
    Inactive,
    /// `login_user` in a request that skipped cross-origin protection as a bearer-token
    /// request (`403`): such a request may not log a browser in.
    #[error("a bearer-token request may not log anyone in")]
    CrossOriginLogin,
    /// `login_user` (or a kin) after `logout_user` in the same request (`500`):
    /// actix-session ignores writes to a session purged in this request, so the login
    /// could not be kept. Log in in a new request (redirect after the logout).
    #[error("login-actix: login_user after logout_user in the same request; the session was purged and cannot be written again in this request: redirect, then log in")]
    SessionPurged,
    /// Hashing or verifying a password failed (`500`): a corrupt stored hash, or the
    /// blocking task died. Feature `password`.
    #[cfg(feature = "password")]
    #[error(transparent)]
    Password(PasswordError),
    /// `complete_second_factor` without a live pending login (`303`-worthy: the login
    /// must start over; `400` by default): it ended (5 wrong codes, the timeout, a
    /// logout) or a parallel request completed it. Feature `two-factor`.
    #[cfg(feature = "two-factor")]
    #[error("no pending login to complete")]
    NoPendingLogin,
    /// The request's `Cookie` header cannot be read (`400`), so the logins its cookies
    /// name are unknown: a logout refuses rather than report a logout that ended
    /// nothing. The browser keeps its cookies to retry with.
    #[error("the Cookie header cannot be read")]
    UnreadableCookies,
    /// Creating a remember token failed (`500`).
    #[error(transparent)]
    Token(#[from] TokenError),
}

impl LoginError {
    pub(crate) fn session(err: actix_session::SessionInsertError) -> Self {
        LoginError::Session(Rc::new(err))
    }

    pub(crate) fn loader(err: LoadError) -> Self {
        LoginError::Loader(Rc::new(err))
    }
}

#[cfg(feature = "password")]
impl From<PasswordError> for LoginError {
    fn from(err: PasswordError) -> Self {
        LoginError::Password(err)
    }
}

impl ResponseError for LoginError {
    fn status_code(&self) -> StatusCode {
        match self {
            LoginError::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
            LoginError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            LoginError::Inactive | LoginError::CrossOriginLogin => StatusCode::FORBIDDEN,
            LoginError::UnreadableCookies => StatusCode::BAD_REQUEST,
            #[cfg(feature = "two-factor")]
            LoginError::NoPendingLogin => StatusCode::BAD_REQUEST,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let mut res = HttpResponse::build(status);
        if let LoginError::Throttled { retry_after } = self {
            res.insert_header((actix_web::http::header::RETRY_AFTER, retry_after.to_string()));
            return res.content_type("text/html; charset=utf-8").body(format!(
                "<!doctype html><title>Too many attempts</title><p>Too many login attempts. Try again in {} minute(s).</p>",
                retry_after.div_ceil(60)
            ));
        }
        res.content_type("text/plain; charset=utf-8").body(status.canonical_reason().unwrap_or("error"))
    }
}

#[cfg(feature = "password")]
/// Why hashing or verifying a password failed (module [`password`](crate::password)).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum PasswordError {
    /// The password is longer than the configured cap (refused before hashing).
    #[error("password longer than {max} bytes")]
    TooLong {
        /// The cap.
        max: usize,
    },
    /// The stored hash is not a PHC string this hasher reads (a corrupt row).
    #[error("stored password hash is unreadable")]
    BadHash,
    /// Hashing failed, or its blocking task did not finish.
    #[error("password hashing failed: {0}")]
    Hashing(String),
}

/// A handler may return a [`PasswordError`] with `?`: it answers as the
/// [`LoginError`] it converts into (a `500` with a plain body, no detail).
#[cfg(feature = "password")]
impl ResponseError for PasswordError {
    fn status_code(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }

    fn error_response(&self) -> HttpResponse {
        tracing::error!(error = %self, "password check failed");
        LoginError::from(self.clone()).error_response()
    }
}
