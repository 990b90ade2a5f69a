//! What the middleware shares with the extractors: configuration, codec, handlers and
//! the type-erased user resolution.

use std::{cell::Cell, rc::Rc};

use actix_web::{HttpRequest, HttpResponse};
use login_core::{internal::RememberCodec, LoginConfig};

use crate::{
    authenticator::Authenticator,
    error::LoginError,
    event::{EventHook, LoginEvent},
    forbidden::Forbidden,
    unauthorized::Unauthorized,
};

/// A replacement for the unauthorized response.
pub(crate) type UnauthorizedHandler = Rc<dyn Fn(&HttpRequest, &Unauthorized) -> HttpResponse>;
/// A replacement for the forbidden response.
pub(crate) type ForbiddenHandler = Rc<dyn Fn(&HttpRequest, &Forbidden) -> HttpResponse>;
/// A replacement for the error response.
pub(crate) type ErrorHandler = Rc<dyn Fn(&HttpRequest, &LoginError) -> HttpResponse>;

/// Per-worker state of one `LoginMiddleware`.
pub(crate) struct LoginState {
    pub(crate) config: LoginConfig,
    pub(crate) codec: RememberCodec,
    pub(crate) authenticator: Box<dyn Authenticator>,
    pub(crate) unauthorized_handler: Option<UnauthorizedHandler>,
    pub(crate) forbidden_handler: Option<ForbiddenHandler>,
    pub(crate) event_hook: Option<EventHook>,
    pub(crate) error_handler: Option<ErrorHandler>,
    /// Set once a request showed that `SessionMiddleware` is in place.
    pub(crate) session_seen: Cell<bool>,
    /// Whether bearer tokens are read on API routes.
    pub(crate) has_request_loader: bool,
    /// Requests of this worker with a remember-cookie change scheduled and not yet
    /// applied (a request dropped before its response leaves it high: then every
    /// response looks, which is only slower).
    pub(crate) pending_cookies: Cell<usize>,
}

impl LoginState {
    /// The state the middleware made reachable for this request.
    pub(crate) fn of(req: &HttpRequest) -> Result<Rc<LoginState>, LoginError> {
        req.app_data::<Rc<LoginState>>().cloned().ok_or(LoginError::MiddlewareMissing)
    }

    /// Gives an event to the app's hook, if it has one.
    pub(crate) fn emit(&self, req: &HttpRequest, event: &LoginEvent) {
        if let Some(hook) = &self.event_hook {
            hook(req, event);
        }
    }

    /// The response for an error, with the app's handler when it has one.
    pub(crate) fn error_response(&self, req: &HttpRequest, err: &LoginError) -> HttpResponse {
        match &self.error_handler {
            Some(handler) => handler(req, err),
            None => actix_web::ResponseError::error_response(err),
        }
    }
}

/// Turns a login error into an actix error carrying the right response.
pub(crate) fn into_actix_error(req: &HttpRequest, err: LoginError) -> actix_web::Error {
    let response = match LoginState::of(req) {
        Ok(state) => state.error_response(req, &err),
        Err(_) => actix_web::ResponseError::error_response(&err),
    };
    log_error(&err);
    actix_web::error::InternalError::from_response(err, response).into()
}

/// Logs a login error at the level it deserves.
pub(crate) fn log_error(err: &LoginError) {
    match err {
        LoginError::Store(e) => tracing::warn!(error = %e, "login store unavailable; failing closed"),
        LoginError::Throttled { .. } | LoginError::Inactive | LoginError::CrossOriginLogin => {}
        other => tracing::error!(error = %other, "login flow error"),
    }
}
