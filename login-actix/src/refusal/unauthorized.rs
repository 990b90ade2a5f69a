//! The one unauthorized response: a redirect to the login page, or `401` for APIs.

use actix_web::{
    http::{header, StatusCode},
    HttpRequest, HttpResponse,
};
use login_core::{login_redirect_url_with, LoginConfig};

use crate::refusal::mode::{LoginMode, LoginUrl};

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnauthorizedReason {
    /// Nobody is logged in.
    LoginRequired,
    /// A user is logged in, but from a remember cookie, and the route needs a fresh login.
    FreshLoginRequired,
}

impl UnauthorizedReason {
    fn code(self) -> &'static str {
        match self {
            UnauthorizedReason::LoginRequired => "login_required",
            UnauthorizedReason::FreshLoginRequired => "fresh_login_required",
        }
    }
}

/// What a refused request is told; given to a custom
/// [`unauthorized_handler`](crate::LoginMiddleware::unauthorized_handler).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unauthorized {
    /// Why the request was refused.
    pub reason: UnauthorizedReason,
    /// The mode in force for the route.
    pub mode: LoginMode,
    /// The default redirect target: `login_url?next=<percent-encoded path and query>`.
    pub login_redirect: String,
}

/// The app's replacement for the unauthorized response.
pub(crate) type UnauthorizedHandler = std::rc::Rc<dyn Fn(&HttpRequest, &Unauthorized) -> HttpResponse>;

/// Builds the response for a refused request, with the app's handler when it has one.
pub(crate) fn unauthorized_response(
    req: &HttpRequest,
    config: &LoginConfig,
    handler: Option<&UnauthorizedHandler>,
    reason: UnauthorizedReason,
    mode: Option<LoginMode>,
    login_url: Option<&str>,
) -> HttpResponse {
    let mode = mode.or_else(|| req.app_data::<LoginMode>().copied()).unwrap_or_default();
    let path_and_query = req.uri().path_and_query().map_or("/", |pq| pq.as_str());
    let target = login_url.or_else(|| req.app_data::<LoginUrl>().map(LoginUrl::as_str)).unwrap_or(match reason {
        UnauthorizedReason::LoginRequired => config.login_url(),
        UnauthorizedReason::FreshLoginRequired => config.reauth_url(),
    });
    let refusal = Unauthorized {
        reason,
        mode,
        login_redirect: login_redirect_url_with(target, config.next_param(), path_and_query),
    };
    tracing::debug!(reason = reason.code(), path = req.path(), "refused anonymous or non-fresh request");
    if let Some(handler) = handler {
        return handler(req, &refusal);
    }
    match refusal.mode {
        LoginMode::Redirect => HttpResponse::build(StatusCode::FOUND)
            .insert_header((header::LOCATION, refusal.login_redirect))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish(),
        LoginMode::Api => HttpResponse::build(StatusCode::UNAUTHORIZED)
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(serde_json::json!({ "error": reason.code() })),
    }
}
