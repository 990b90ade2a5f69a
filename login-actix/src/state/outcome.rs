//! What a request's login state is once computed: anonymous, or logged in (by the
//! session, a remember restore or a bearer token; fresh or not; of which live login),
//! or an error the response must show. Where the next computation reads from after this
//! request changed the login is its [`Source`].

use std::{any::Any, rc::Rc};

use login_core::LoginId;

use crate::error::LoginError;

/// A logged-in user, type-erased.
#[derive(Clone)]
pub(crate) struct Authed {
    pub(crate) user: Rc<dyn Any>,
    /// Whether a credential was checked within `fresh_for`.
    pub(crate) fresh: bool,
    /// How the request was authenticated.
    pub(crate) via: Via,
    /// The live login the request belongs to; `None` for a bearer token.
    pub(crate) login: Option<LoginRef>,
}

/// The live login a cookie-authenticated request belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LoginRef {
    /// The login's id in the registry.
    pub(crate) id: LoginId,
    /// When a credential was last checked in this session (`None`: never).
    pub(crate) authenticated_at: Option<u64>,
    /// Whether the session was restored from a remember cookie.
    pub(crate) restored: bool,
    /// Whether the login was forced (`is_active` not checked).
    pub(crate) forced: bool,
    /// The generation of the login's current remember token (what a token issued for
    /// this login now carries).
    pub(crate) remember_gen: u32,
}

/// Where the request's login state comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// The request as it came: a bearer token, the session record, the remember cookie.
    Request,
    /// The session alone: this request changed the login (`login_user`,
    /// `confirm_login`, `refresh_auth_hash`) and wrote the new record there; the
    /// request's own cookies are out of date.
    Session,
}

/// How a request was authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Via {
    /// The session of a credential login.
    Session,
    /// A session restored from a remember cookie (now or earlier in this session).
    Remembered,
    /// A bearer token (API routes).
    Token,
}

/// What authenticating a request found: a user, anonymous (`None`), or an error the
/// response must show (never a silent logout). Matched once, by each extractor.
pub(crate) type Outcome = Result<Option<Authed>, LoginError>;
