//! The one forbidden response: `403` for a request refused for what it is, not for who
//! is (or is not) logged in.

use actix_web::{
    http::{header, StatusCode},
    HttpRequest, HttpResponse,
};
use login_core::CrossOriginRefusal;

use crate::refusal::mode::LoginMode;

/// The app's replacement for the forbidden response.
pub(crate) type ForbiddenHandler = std::rc::Rc<dyn Fn(&HttpRequest, &Forbidden) -> HttpResponse>;

/// Why a request was refused with `403`; given to a custom
/// [`forbidden_handler`](crate::LoginMiddleware::forbidden_handler).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Forbidden {
    /// A state-changing request a browser sent from another origin (see
    /// [`CrossOriginPolicy`](login_core::CrossOriginPolicy)).
    CrossOrigin(CrossOriginRefusal),
    /// Logged in, but without a permission the route requires.
    MissingPermission {
        /// The first permission missing.
        permission: &'static str,
    },
}

impl Forbidden {
    /// A short code for logs and bodies.
    pub fn code(&self) -> &'static str {
        match self {
            Forbidden::CrossOrigin(refusal) => refusal.code(),
            Forbidden::MissingPermission { .. } => "missing_permission",
        }
    }
}

/// Builds the response for a forbidden request, with the app's handler when it has one:
/// by default `403` as JSON in API mode (the route's, else the scope's
/// [`LoginMode`]), else as plain text.
pub(crate) fn forbidden_response(
    req: &HttpRequest,
    handler: Option<&ForbiddenHandler>,
    forbidden: &Forbidden,
    mode: Option<LoginMode>,
) -> HttpResponse {
    if let Some(handler) = handler {
        return handler(req, forbidden);
    }
    let mut res = HttpResponse::build(StatusCode::FORBIDDEN);
    res.insert_header((header::CACHE_CONTROL, "no-store"));
    let mode = mode.or_else(|| req.app_data::<LoginMode>().copied()).unwrap_or_default();
    match (mode, forbidden) {
        (LoginMode::Api, Forbidden::MissingPermission { permission }) => {
            res.json(serde_json::json!({ "error": forbidden.code(), "permission": permission }))
        }
        (LoginMode::Api, _) => res.json(serde_json::json!({ "error": forbidden.code() })),
        (LoginMode::Redirect, Forbidden::MissingPermission { .. }) => res
            .content_type("text/html; charset=utf-8")
            .body("<!doctype html><title>Forbidden</title><p>You do not have permission to see this page.</p>"),
        (LoginMode::Redirect, _) => {
            res.content_type("text/plain; charset=utf-8").body("Forbidden: cross-origin request refused")
        }
    }
}
