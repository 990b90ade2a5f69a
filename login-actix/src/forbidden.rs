//! The one forbidden response: `403` for a request refused for what it is, not for who
//! is (or is not) logged in.

use actix_web::{
    http::{header, StatusCode},
    HttpRequest, HttpResponse,
};
use login_core::CrossOriginRefusal;

use crate::login_state::LoginState;

/// Why a request was refused with `403`; given to a custom
/// [`forbidden_handler`](crate::LoginMiddleware::forbidden_handler).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Forbidden {
    /// A state-changing request a browser sent from another origin (see
    /// [`CrossOriginPolicy`](login_core::CrossOriginPolicy)).
    CrossOrigin(CrossOriginRefusal),
}

impl Forbidden {
    /// A short code for logs and bodies.
    pub fn code(&self) -> &'static str {
        match self {
            Forbidden::CrossOrigin(refusal) => refusal.code(),
        }
    }
}

/// Builds the response for a forbidden request, with the app's handler when it has one.
pub(crate) fn forbidden_response(req: &HttpRequest, state: &LoginState, forbidden: &Forbidden) -> HttpResponse {
    if let Some(handler) = &state.forbidden_handler {
        return handler(req, forbidden);
    }
    HttpResponse::build(StatusCode::FORBIDDEN)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .content_type("text/plain; charset=utf-8")
        .body(match forbidden {
            Forbidden::CrossOrigin(_) => "Forbidden: cross-origin request refused",
        })
}
