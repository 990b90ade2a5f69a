//! The future of the login extractors: one type for the guards, `CurrentUser` and
//! `OptionalUser`, so that extracting them allocates nothing of its own.

use std::{
    fmt,
    future::Future,
    pin::Pin,
    task::{ready, Context, Poll},
};

use actix_web::HttpRequest;

use crate::state::{
    memo::{memoized, MemoFuture},
    outcome::Outcome,
};

/// Turns the request's resolution into the extractor's value.
type Extract<T> = fn(&HttpRequest, Outcome) -> Result<T, actix_web::Error>;

/// The future of [`Guard`](crate::guard::Guard), [`CurrentUser`](crate::CurrentUser) and
/// [`OptionalUser`](crate::OptionalUser) extraction.
pub struct LoginFuture<T> {
    resolve: MemoFuture,
    outcome: Extract<T>,
}

impl<T> LoginFuture<T> {
    /// A future that resolves the user and maps the result.
    pub(crate) fn new(req: &HttpRequest, outcome: Extract<T>) -> Self {
        LoginFuture { resolve: memoized(req), outcome }
    }
}

impl<T> fmt::Debug for LoginFuture<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LoginFuture")
    }
}

impl<T> Future for LoginFuture<T> {
    type Output = Result<T, actix_web::Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let resolution = ready!(Pin::new(&mut this.resolve).poll(cx));
        Poll::Ready((this.outcome)(&this.resolve.req, resolution))
    }
}
