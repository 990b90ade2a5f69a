//! The one unauthorized response: a redirect to the login page, or `401` for APIs.

use actix_web::{
    http::{header, StatusCode},
    HttpRequest, HttpResponse,
};
use login_core::login_redirect_url_with;

use crate::login_state::LoginState;

/// How a route answers an anonymous (or not fresh) visitor.
///
/// Set it for a whole scope with `app_data`:
///
/// ```
/// use actix_web::web;
/// use login_actix::guard::LoginMode;
///
/// let api = web::scope("/api").app_data(LoginMode::Api);
/// ```
///
/// A guard can also fix it for one route (`#[login_required(api)]`, or the
/// [`ApiLoginRequired`](crate::guard::ApiLoginRequired) extractor).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LoginMode {
    /// Redirect to `login_url?next=<path and query>` (`302`). The default.
    #[default]
    Redirect,
    /// Answer `401` with a JSON body, never a redirect.
    Api,
}

/// A login page for a scope, as `app_data` (`web::scope("/admin").app_data(LoginUrl::new("/admin/login"))`):
/// the guards of that scope redirect there instead of the configured `login_url` (a
/// route's own `redirect = ".."` still wins). Must be a local path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginUrl(&'static str);

impl LoginUrl {
    /// A scope's login URL.
    ///
    /// # Panics
    /// At start-up (never per request) when `url` is not a local path, as a bad route
    /// pattern does.
    pub fn new(url: &'static str) -> Self {
        assert!(login_core::is_safe_next(url), "LoginUrl must be a local path starting with one `/`, got {url:?}");
        LoginUrl(url)
    }

    /// The URL.
    pub fn as_str(&self) -> &'static str {
        self.0
    }
}

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

/// Builds the response for a refused request, with the app's handler when it has one.
pub(crate) fn unauthorized_response(
    req: &HttpRequest,
    state: &LoginState,
    reason: UnauthorizedReason,
    mode: Option<LoginMode>,
    login_url: Option<&str>,
) -> HttpResponse {
    let mode = mode.or_else(|| req.app_data::<LoginMode>().copied()).unwrap_or_default();
    let path_and_query = req.uri().path_and_query().map_or("/", |pq| pq.as_str());
    let config = &state.config;
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
    if let Some(handler) = &state.unauthorized_handler {
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
