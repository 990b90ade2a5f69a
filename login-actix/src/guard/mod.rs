//! Route guards: the extractors the macros add, their specs, and (re-exported from
//! [`refusal`](crate::refusal), where they live) how refusals look.
//!
//! `#[login_required]` and `#[fresh_login_required]` add one of these as a hidden
//! first argument of the handler; they can also be written by hand:
//!
//! ```
//! use actix_web::{get, HttpResponse};
//! use login_actix::guard::{FreshLoginRequired, LoginRequired};
//!
//! #[get("/dashboard")]
//! async fn dashboard(_: LoginRequired) -> HttpResponse {
//!     HttpResponse::Ok().body("members only")
//! }
//!
//! #[get("/settings")]
//! async fn settings(_: FreshLoginRequired) -> HttpResponse {
//!     HttpResponse::Ok().body("typed your password just now")
//! }
//! ```
//!
//! A guard refuses whatever the method: `OPTIONS` and `HEAD` included. (CORS preflights
//! carry no cookies and are answered before routing by a CORS middleware such as
//! actix-cors; an exemption here would only ever help an attacker.)

use std::{fmt, marker::PhantomData};

use actix_web::{dev::Payload, FromRequest, HttpRequest};

pub use crate::refusal::{Forbidden, LoginMode, LoginUrl, Unauthorized, UnauthorizedReason};
use crate::{
    dev::login_future::LoginFuture,
    events::{LoginEvent, RefusalReason},
    refusal::{forbidden::forbidden_response, unauthorized::unauthorized_response},
    state::{
        flow::{into_actix_error, Flow},
        outcome::{Authed, Outcome},
    },
};

/// What a [`Guard`] demands. Implemented by the marker types below; the macros
/// generate one when given a `redirect = "..."` argument.
pub trait GuardSpec: 'static {
    /// Whether the login must be fresh (not restored from a remember cookie).
    const FRESH: bool;
    /// The mode of the refusal; `None` follows the scope's [`LoginMode`] app data.
    const MODE: Option<LoginMode> = None;
    /// A login URL for this route instead of the configured one.
    const LOGIN_URL: Option<&'static str> = None;
    /// Permissions the user must all hold ([`AuthUser::has_permission`](crate::AuthUser::has_permission)).
    /// Logged in without one: `403`, never the login page.
    const PERMISSIONS: &'static [&'static str] = &[];
}

/// Marker: any login.
#[derive(Debug)]
pub enum Login {}
impl GuardSpec for Login {
    const FRESH: bool = false;
}

/// Marker: a fresh login.
#[derive(Debug)]
pub enum FreshLogin {}
impl GuardSpec for FreshLogin {
    const FRESH: bool = true;
}

/// Marker: any login, refusal as `401` JSON.
#[derive(Debug)]
pub enum ApiLogin {}
impl GuardSpec for ApiLogin {
    const FRESH: bool = false;
    const MODE: Option<LoginMode> = Some(LoginMode::Api);
}

/// Marker: a fresh login, refusal as `401` JSON.
#[derive(Debug)]
pub enum FreshApiLogin {}
impl GuardSpec for FreshApiLogin {
    const FRESH: bool = true;
    const MODE: Option<LoginMode> = Some(LoginMode::Api);
}

/// A guard extractor: present only when the request passed `S`'s check.
///
/// It cannot be built any other way, so a handler taking one cannot be called without
/// the check.
pub struct Guard<S: GuardSpec> {
    _spec: PhantomData<S>,
}

impl<S: GuardSpec> fmt::Debug for Guard<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Guard").field("fresh", &S::FRESH).finish()
    }
}

/// Requires a logged-in user (a redirect to the login page otherwise).
pub type LoginRequired = Guard<Login>;
/// Requires a fresh login: an explicit login, not a remember-cookie restore.
pub type FreshLoginRequired = Guard<FreshLogin>;
/// Requires a logged-in user; `401` JSON otherwise, never a redirect.
pub type ApiLoginRequired = Guard<ApiLogin>;
/// Requires a fresh login; `401` JSON otherwise.
pub type FreshApiLoginRequired = Guard<FreshApiLogin>;

impl<S: GuardSpec> FromRequest for Guard<S> {
    type Error = actix_web::Error;
    type Future = LoginFuture<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        LoginFuture::new(req, guard_outcome::<S>)
    }
}

fn guard_outcome<S: GuardSpec>(req: &HttpRequest, outcome: Outcome) -> Result<Guard<S>, actix_web::Error> {
    let reason = match outcome {
        Err(err) => return Err(into_actix_error(req, err)),
        Ok(Some(authed)) => {
            // Permissions first: a user without one gets 403 whether fresh or not, never
            // a detour through the login page that ends in a 403 anyway.
            if !S::PERMISSIONS.is_empty() {
                check_permissions(req, &authed, S::PERMISSIONS, S::MODE)?;
            }
            if authed.fresh || !S::FRESH {
                return Ok(Guard { _spec: PhantomData });
            }
            UnauthorizedReason::FreshLoginRequired
        }
        Ok(None) => UnauthorizedReason::LoginRequired,
    };
    Err(refuse(req, reason, S::MODE, S::LOGIN_URL))
}

/// `Ok` when the user holds every permission in `wanted`; else the `403`.
pub(crate) fn check_permissions(
    req: &HttpRequest,
    authed: &Authed,
    wanted: &'static [&'static str],
    mode: Option<LoginMode>,
) -> Result<(), actix_web::Error> {
    let state = Flow::of(req).map_err(|err| into_actix_error(req, err))?;
    let Some(missing) = wanted.iter().find(|p| !state.authenticator.has_permission(&*authed.user, p)) else {
        return Ok(());
    };
    let user_id = state.authenticator.user_id(&*authed.user);
    state.emit(req, &LoginEvent::Refused { user_id, reason: RefusalReason::MissingPermission });
    let forbidden = Forbidden::MissingPermission { permission: missing };
    let response = forbidden_response(req, state.refusals.forbidden.as_ref(), &forbidden, mode);
    Err(actix_web::error::InternalError::from_response("missing permission", response).into())
}

/// The refusal as an actix error carrying the unauthorized response.
pub(crate) fn refuse(
    req: &HttpRequest,
    reason: UnauthorizedReason,
    mode: Option<LoginMode>,
    login_url: Option<&'static str>,
) -> actix_web::Error {
    let response = match Flow::of(req) {
        Ok(state) => {
            unauthorized_response(req, &state.config, state.refusals.unauthorized.as_ref(), reason, mode, login_url)
        }
        Err(err) => return into_actix_error(req, err),
    };
    let message = match reason {
        UnauthorizedReason::LoginRequired => "login required",
        UnauthorizedReason::FreshLoginRequired => "fresh login required",
    };
    actix_web::error::InternalError::from_response(message, response).into()
}
