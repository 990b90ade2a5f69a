//! The current user: extractors and a method on the request.

use std::{fmt, ops::Deref, rc::Rc};

use actix_web::{dev::Payload, FromRequest, HttpRequest};
use login_core::AuthUser;

use crate::{
    dev::login_future::LoginFuture,
    error::LoginError,
    guard::refuse,
    refusal::unauthorized::UnauthorizedReason,
    state::{
        flow::{into_actix_error, Flow},
        outcome::{Authed, Outcome, Via},
    },
};

/// The logged-in user. As an extractor it refuses anonymous requests like
/// [`LoginRequired`](crate::guard::LoginRequired) does (redirect, or `401` in API mode).
///
/// Dereferences to the user. The loader runs at most once per request, however many
/// extractors ask.
///
/// ```
/// use actix_web::get;
/// use login_actix::{AuthUser, CurrentUser};
/// # #[derive(Clone)] struct User { id: i64, name: String }
/// # impl AuthUser for User { type Id = i64; fn id(&self) -> i64 { self.id } }
///
/// #[get("/dashboard")]
/// async fn dashboard(user: CurrentUser<User>) -> String {
///     format!("hi {}", user.name)
/// }
/// ```
pub struct CurrentUser<U> {
    user: Rc<U>,
    fresh: bool,
    via: Via,
}

impl<U> CurrentUser<U> {
    /// Whether a credential was checked in this session within `fresh_for` (sudo mode).
    /// Never after a remember restore, never for a bearer token.
    pub fn is_fresh(&self) -> bool {
        self.fresh
    }

    /// Whether this session was restored from a remember cookie (Flask-Login's
    /// `login_remembered`), and not confirmed by a credential since.
    pub fn is_remembered(&self) -> bool {
        self.via == Via::Remembered
    }

    /// Whether this request was authenticated by a bearer token.
    pub fn is_token(&self) -> bool {
        self.via == Via::Token
    }

    /// The shared user value.
    pub fn into_inner(self) -> Rc<U> {
        self.user
    }
}

impl<U> Clone for CurrentUser<U> {
    fn clone(&self) -> Self {
        CurrentUser { user: Rc::clone(&self.user), fresh: self.fresh, via: self.via }
    }
}

impl<U> Deref for CurrentUser<U> {
    type Target = U;
    fn deref(&self) -> &U {
        &self.user
    }
}

impl<U: fmt::Debug> fmt::Debug for CurrentUser<U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CurrentUser")
            .field("user", &self.user)
            .field("fresh", &self.fresh)
            .field("via", &self.via)
            .finish()
    }
}

fn downcast<U: AuthUser>(req: &HttpRequest, authed: Authed) -> Result<CurrentUser<U>, LoginError> {
    match authed.user.downcast::<U>() {
        Ok(user) => Ok(CurrentUser { user, fresh: authed.fresh, via: authed.via }),
        Err(_) => Err(Flow::of(req)?.expect_user_type::<U>().err().unwrap_or(LoginError::MiddlewareMissing)),
    }
}

pub(crate) fn to_user<U: AuthUser>(req: &HttpRequest, outcome: Outcome) -> Result<Option<CurrentUser<U>>, LoginError> {
    match outcome? {
        Some(authed) => downcast(req, authed).map(Some),
        // Nobody to downcast: the type is checked anyway, so that a wrong one shows
        // for visitors too.
        None => Flow::of(req)?.expect_user_type::<U>().map(|()| None),
    }
}

fn current_user_outcome<U: AuthUser>(req: &HttpRequest, outcome: Outcome) -> Result<CurrentUser<U>, actix_web::Error> {
    optional_user_outcome::<U>(req, outcome)?
        .0
        .ok_or_else(|| refuse(req, UnauthorizedReason::LoginRequired, None, None))
}

impl<U: AuthUser> FromRequest for CurrentUser<U> {
    type Error = actix_web::Error;
    type Future = LoginFuture<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        LoginFuture::new(req, current_user_outcome::<U>)
    }
}

/// The logged-in user if there is one: for pages that serve both visitors and members.
///
/// Anonymous is `OptionalUser(None)`; a loader or store failure is still an error
/// response (a database outage does not look like a logout).
pub struct OptionalUser<U>(pub Option<CurrentUser<U>>);

impl<U> OptionalUser<U> {
    /// The user, if logged in.
    pub fn into_inner(self) -> Option<CurrentUser<U>> {
        self.0
    }
}

impl<U> Deref for OptionalUser<U> {
    type Target = Option<CurrentUser<U>>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl<U: fmt::Debug> fmt::Debug for OptionalUser<U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("OptionalUser").field(&self.0).finish()
    }
}

fn optional_user_outcome<U: AuthUser>(
    req: &HttpRequest,
    outcome: Outcome,
) -> Result<OptionalUser<U>, actix_web::Error> {
    to_user::<U>(req, outcome).map(OptionalUser).map_err(|err| into_actix_error(req, err))
}

impl<U: AuthUser> FromRequest for OptionalUser<U> {
    type Error = actix_web::Error;
    type Future = LoginFuture<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        LoginFuture::new(req, optional_user_outcome::<U>)
    }
}
