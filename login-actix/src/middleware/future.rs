//! The response future of [`LoginService`](crate::middleware::LoginService): on the way out,
//! the remember cookie set or deleted as the request decided.

use std::{
    future::Future,
    pin::Pin,
    rc::Rc,
    task::{ready, Context, Poll},
};

use actix_web::{body::EitherBody, dev::ServiceResponse, Error};

use crate::state::{flow::Flow, remember_cookie};

pin_project_lite::pin_project! {
    /// The response future of [`LoginService`](crate::middleware::LoginService): the inner response, with the remember
    /// cookie set or deleted when the request decided so; or the refusal of a
    /// cross-origin request, made before anything else ran.
    pub struct LoginResponse<F: Future> {
        #[pin]
        state: ResponseState<F>,
        login: Rc<Flow>,
    }
}

pin_project_lite::pin_project! {
    #[project = ResponseStateProj]
    enum ResponseState<F: Future> {
        Inner { #[pin] inner: F },
        Refused { response: Option<ServiceResponse> },
    }
}

impl<F: Future> LoginResponse<F> {
    /// The inner service's response, with the remember cookie applied on the way out.
    pub(crate) fn inner(inner: F, login: Rc<Flow>) -> Self {
        LoginResponse { state: ResponseState::Inner { inner }, login }
    }

    /// A refusal made before anything else ran.
    pub(crate) fn refused(response: ServiceResponse, login: Rc<Flow>) -> Self {
        LoginResponse { state: ResponseState::Refused { response: Some(response) }, login }
    }
}

impl<F, B> Future for LoginResponse<F>
where
    F: Future<Output = Result<ServiceResponse<B>, Error>>,
{
    type Output = Result<ServiceResponse<EitherBody<B>>, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut res = match this.state.project() {
            ResponseStateProj::Inner { inner } => ready!(inner.poll(cx))?,
            ResponseStateProj::Refused { response } => {
                return Poll::Ready(match response.take() {
                    Some(refused) => Ok(refused.map_into_right_body()),
                    None => Err(actix_web::error::ErrorInternalServerError("login-actix: refusal polled twice")),
                })
            }
        };
        for cookie in remember_cookie::take(this.login, res.request()) {
            apply_cookie(&mut res, &cookie);
        }
        Poll::Ready(Ok(res.map_into_left_body()))
    }
}

/// On the way out: sets or deletes a login cookie as the request decided. The values
/// are this crate's own (base64url tokens, or empty for a removal), which need no
/// percent-encoding: the header is written as the cookie displays.
fn apply_cookie<B>(res: &mut ServiceResponse<B>, cookie: &actix_web::cookie::Cookie<'static>) {
    match actix_web::http::header::HeaderValue::from_str(&remember_cookie::header_text(cookie)) {
        Ok(value) => {
            res.response_mut().headers_mut().append(actix_web::http::header::SET_COOKIE, value);
        }
        Err(err) => tracing::error!(error = %err, cookie = cookie.name(), "could not set a login cookie header"),
    }
}
