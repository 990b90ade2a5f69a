//! The user loader: from the id stored in the session to the application's user.

use std::{error::Error as StdError, fmt, future::Future, marker::PhantomData, rc::Rc};

use actix_web::HttpRequest;
use futures_util::future::LocalBoxFuture;
use login_core::AuthUser;

/// Loads a user by id, once per request at most.
///
/// - `Ok(Some(user))`: logged in.
/// - `Ok(None)`: the id is no longer valid (deleted account): the visitor is anonymous
///   and the session forgets the id.
/// - `Err(_)`: the loader could not answer (database down): the request gets a `500`
///   (or the middleware's error handler's response) and the session is **kept**.
///
/// Implement it with [`#[user_loader]`](macro@crate::user_loader) on an async fn, with
/// [`loader_fn`], or by hand. The request is available for extracting app state
/// (`web::Data<Pool>`).
pub trait UserLoader: 'static {
    /// The application's user type.
    type User: AuthUser;

    /// Loads the user with `id`.
    fn load(
        &self,
        id: <Self::User as AuthUser>::Id,
        req: &HttpRequest,
    ) -> LocalBoxFuture<'static, Result<Option<Self::User>, LoadError>>;
}

/// A loader failure: the original error, boxed. Shown in logs, never to the client.
pub struct LoadError(Box<dyn StdError + 'static>);

impl LoadError {
    /// Wraps any error (anything convertible into `Box<dyn Error>`, strings included).
    pub fn new(err: impl Into<Box<dyn StdError + 'static>>) -> Self {
        LoadError(err.into())
    }

    /// The wrapped error.
    pub fn inner(&self) -> &(dyn StdError + 'static) {
        &*self.0
    }
}

impl fmt::Debug for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl StdError for LoadError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&*self.0)
    }
}

impl From<actix_web::Error> for LoadError {
    fn from(err: actix_web::Error) -> Self {
        LoadError(Box::new(err))
    }
}

/// A [`UserLoader`] from a closure `Fn(id, HttpRequest) -> Future<Output = Result<Option<U>, E>>`.
///
/// ```
/// use login_actix::{AuthUser, loader::{loader_fn, UserLoader}};
/// # #[derive(Clone)] struct User { id: u32 }
/// # impl AuthUser for User { type Id = u32; fn id(&self) -> u32 { self.id } }
///
/// let loader = loader_fn(|id: u32, _req| async move {
///     Ok::<_, std::io::Error>(Some(User { id }))
/// });
/// # fn is_loader<L: UserLoader<User = User>>(_: &L) {}
/// # is_loader(&loader);
/// ```
pub fn loader_fn<F, Fut, U, E>(f: F) -> LoaderFn<F, Signature<Fut, U, E>>
where
    F: Fn(U::Id, HttpRequest) -> Fut + 'static,
    Fut: Future<Output = Result<Option<U>, E>> + 'static,
    U: AuthUser,
    E: Into<Box<dyn StdError + 'static>> + 'static,
{
    LoaderFn(Rc::new(f), PhantomData)
}

/// Records a [`LoaderFn`]'s future, user and error types.
pub type Signature<Fut, U, E> = fn() -> (Fut, U, E);

/// The loader made by [`loader_fn`]. `P` records the closure's future, user and error
/// types.
pub struct LoaderFn<F, P>(Rc<F>, PhantomData<P>);

impl<F, P> Clone for LoaderFn<F, P> {
    fn clone(&self) -> Self {
        LoaderFn(Rc::clone(&self.0), PhantomData)
    }
}

impl<F, P> fmt::Debug for LoaderFn<F, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LoaderFn")
    }
}

impl<F, Fut, U, E> UserLoader for LoaderFn<F, Signature<Fut, U, E>>
where
    F: Fn(U::Id, HttpRequest) -> Fut + 'static,
    Fut: Future<Output = Result<Option<U>, E>> + 'static,
    U: AuthUser,
    E: Into<Box<dyn StdError + 'static>> + 'static,
{
    type User = U;

    fn load(&self, id: U::Id, req: &HttpRequest) -> LocalBoxFuture<'static, Result<Option<U>, LoadError>> {
        let fut = (self.0)(id, req.clone());
        Box::pin(async move { fut.await.map_err(LoadError::new) })
    }
}

/// Authenticates a request by its bearer token (`Authorization: Bearer <token>`), for
/// API routes: Flask-Login's `request_loader`.
///
/// - `Ok(Some(user))`: authenticated for this request only: never fresh, no session,
///   no cookies read or set.
/// - `Ok(None)`: the token is unknown or revoked: `401`, never a fall-through to cookies.
/// - `Err(_)`: the loader could not answer: `500`.
///
/// Bearer tokens are read only on routes in [`LoginMode::Api`](crate::guard::LoginMode::Api)
/// (a scope's `app_data`); elsewhere the header is ignored. Register it with
/// [`LoginMiddleware::request_loader`](crate::LoginMiddleware::request_loader).
pub trait RequestLoader: 'static {
    /// The application's user type (the same as the user loader's).
    type User: AuthUser;

    /// Loads the user a token belongs to.
    fn load(&self, token: &str, req: &HttpRequest) -> LocalBoxFuture<'static, Result<Option<Self::User>, LoadError>>;
}

/// A [`RequestLoader`] from a closure `Fn(token, HttpRequest) -> Future<Output = Result<Option<U>, E>>`.
///
/// ```
/// use login_actix::{AuthUser, loader::{request_loader_fn, RequestLoader}};
/// # #[derive(Clone)] struct User { id: u32 }
/// # impl AuthUser for User { type Id = u32; fn id(&self) -> u32 { self.id } }
///
/// let by_token = request_loader_fn(|token: String, _req| async move {
///     Ok::<_, std::io::Error>((token == "let-me-in").then(|| User { id: 1 }))
/// });
/// # fn is_loader<L: RequestLoader<User = User>>(_: &L) {}
/// # is_loader(&by_token);
/// ```
pub fn request_loader_fn<F, Fut, U, E>(f: F) -> RequestLoaderFn<F, Signature<Fut, U, E>>
where
    F: Fn(String, HttpRequest) -> Fut + 'static,
    Fut: Future<Output = Result<Option<U>, E>> + 'static,
    U: AuthUser,
    E: Into<Box<dyn StdError + 'static>> + 'static,
{
    RequestLoaderFn(Rc::new(f), PhantomData)
}

/// The request loader made by [`request_loader_fn`].
pub struct RequestLoaderFn<F, P>(Rc<F>, PhantomData<P>);

impl<F, P> fmt::Debug for RequestLoaderFn<F, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RequestLoaderFn")
    }
}

impl<F, Fut, U, E> RequestLoader for RequestLoaderFn<F, Signature<Fut, U, E>>
where
    F: Fn(String, HttpRequest) -> Fut + 'static,
    Fut: Future<Output = Result<Option<U>, E>> + 'static,
    U: AuthUser,
    E: Into<Box<dyn StdError + 'static>> + 'static,
{
    type User = U;

    fn load(&self, token: &str, req: &HttpRequest) -> LocalBoxFuture<'static, Result<Option<U>, LoadError>> {
        let fut = (self.0)(token.to_owned(), req.clone());
        Box::pin(async move { fut.await.map_err(LoadError::new) })
    }
}

/// The token of an `Authorization: Bearer <token>` header: `None` when there is no
/// such header, `Some(Err(()))` when it is there but malformed (another scheme, empty,
/// characters outside RFC 6750's `b64token`, longer than 4 KB).
pub(crate) fn bearer_token(req: &HttpRequest) -> Option<Result<&str, ()>> {
    let value = req.headers().get(actix_web::http::header::AUTHORIZATION)?;
    let Ok(text) = value.to_str() else { return Some(Err(())) };
    let Some((scheme, token)) = text.split_once(' ') else { return Some(Err(())) };
    let b64token = |t: &str| {
        let body = t.trim_end_matches('=');
        !body.is_empty() && body.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
    };
    if !scheme.eq_ignore_ascii_case("bearer") || token.len() > 4096 || !b64token(token) {
        return Some(Err(()));
    }
    Some(Ok(token))
}
