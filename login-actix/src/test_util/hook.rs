//! The test hook of [`login_as`](crate::test_util::login_as): a request carrying a login
//! as an extension (which no client can set over the network) is logged in by the
//! middleware before it goes on to the app. Compiled only with feature `test-util`; the
//! production service calls [`intercept`] under that feature alone.

use std::rc::Rc;

use actix_web::{
    dev::{Service, ServiceRequest, ServiceResponse},
    Error, FromRequest, HttpMessage,
};
use futures_util::future::LocalBoxFuture;

use crate::{error::LoginError, login::session::LoginSession};

/// The login a `login_as` request carries.
pub(crate) struct TestLoginRequest(
    pub(crate) Box<dyn FnOnce(LoginSession) -> LocalBoxFuture<'static, Result<(), LoginError>>>,
);

/// The future of a test login's request, from [`intercept`].
pub(crate) type Intercepted<B> = LocalBoxFuture<'static, Result<ServiceResponse<B>, Error>>;

/// When `req` carries a test login: the future that logs it in and then passes the
/// request on to `service` (an unknown path: `404`, so that the session layers around
/// write the new session's cookies on the way out). Any other request is given back.
pub(crate) fn intercept<S, B>(service: &Rc<S>, req: ServiceRequest) -> Result<Intercepted<B>, ServiceRequest>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    let Some(login) = req.extensions_mut().remove::<TestLoginRequest>() else { return Err(req) };
    let service = Rc::clone(service);
    Ok(Box::pin(async move {
        let auth = LoginSession::extract(req.request()).await?;
        (login.0)(auth).await?;
        service.call(req).await
    }))
}
