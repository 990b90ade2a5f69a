//! The app's replacements for the refusal responses, kept together per middleware.

use std::rc::Rc;

use actix_web::{HttpRequest, HttpResponse};

use crate::{
    error::LoginError,
    refusal::{forbidden::ForbiddenHandler, unauthorized::UnauthorizedHandler},
};

/// The app's replacement for the error response.
pub(crate) type ErrorHandler = Rc<dyn Fn(&HttpRequest, &LoginError) -> HttpResponse>;

/// The handlers an app set on its `LoginMiddleware` (each `None`: the default response).
#[derive(Clone, Default)]
pub(crate) struct Refusals {
    pub(crate) unauthorized: Option<UnauthorizedHandler>,
    pub(crate) forbidden: Option<ForbiddenHandler>,
    pub(crate) error: Option<ErrorHandler>,
}

impl Refusals {
    /// The response for an error, with the app's handler when it has one.
    pub(crate) fn error_response(&self, req: &HttpRequest, err: &LoginError) -> HttpResponse {
        match &self.error {
            Some(handler) => handler(req, err),
            None => actix_web::ResponseError::error_response(err),
        }
    }
}
