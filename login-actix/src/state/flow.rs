//! The per-worker state of one `LoginMiddleware` as the extractors reach it: the rules'
//! context, the type-erased user resolution and the app's refusal handlers.

use std::{
    any::{type_name, TypeId},
    ops::Deref,
    rc::Rc,
};

use actix_web::HttpRequest;

use crate::{
    error::LoginError,
    refusal::handlers::Refusals,
    state::{authenticator::Authenticator, context::LoginContext},
};

/// Per-worker state of one `LoginMiddleware`, reachable from each request's app data.
pub(crate) struct Flow {
    pub(crate) ctx: Rc<LoginContext>,
    pub(crate) authenticator: Box<dyn Authenticator>,
    pub(crate) refusals: Refusals,
}

impl Deref for Flow {
    type Target = LoginContext;

    fn deref(&self) -> &LoginContext {
        &self.ctx
    }
}

impl Flow {
    /// The state the middleware made reachable for this request.
    pub(crate) fn of(req: &HttpRequest) -> Result<Rc<Flow>, LoginError> {
        req.app_data::<Rc<Flow>>().cloned().ok_or(LoginError::MiddlewareMissing)
    }

    /// `Ok` when `U` is the user type of this middleware's loader: the one check behind
    /// every typed handle and extractor.
    pub(crate) fn expect_user_type<U: 'static>(&self) -> Result<(), LoginError> {
        let (expected_id, expected) = self.authenticator.user_type();
        if expected_id == TypeId::of::<U>() {
            Ok(())
        } else {
            Err(LoginError::UserTypeMismatch { expected, found: type_name::<U>() })
        }
    }
}

/// Turns a login error into an actix error carrying the right response.
pub(crate) fn into_actix_error(req: &HttpRequest, err: LoginError) -> actix_web::Error {
    let response = match Flow::of(req) {
        Ok(flow) => flow.refusals.error_response(req, &err),
        Err(_) => actix_web::ResponseError::error_response(&err),
    };
    log_error(&err);
    actix_web::error::InternalError::from_response(err, response).into()
}

/// Logs a login error at the level it deserves.
pub(crate) fn log_error(err: &LoginError) {
    match err {
        LoginError::Store(e) => tracing::warn!(error = %e, "login store unavailable; failing closed"),
        // Already logged where it was found, with the fix.
        LoginError::SessionMissing | LoginError::SessionPurged => {}
        LoginError::Throttled { .. } | LoginError::Inactive | LoginError::CrossOriginLogin => {}
        other => tracing::error!(error = %other, "login flow error"),
    }
}
