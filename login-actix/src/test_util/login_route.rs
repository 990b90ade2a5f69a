//! The route [`login_as`](crate::test_util::login_as) logs in through. The test app
//! mounts it (`App::new().service(test_util::login_route())`); it answers only the
//! requests `login_as` makes, which carry their login as a request extension that no
//! client can set over the network. The production middleware knows nothing of it.

use actix_web::{web, HttpMessage, HttpRequest, HttpResponse, Resource};
use futures_util::future::LocalBoxFuture;

use crate::error::LoginError;

/// Where `login_as` posts.
pub(crate) const LOGIN_PATH: &str = "/__login_actix_test_login";

/// The login a `login_as` request carries.
pub(crate) struct TestLoginRequest(
    pub(crate) Box<dyn FnOnce(HttpRequest) -> LocalBoxFuture<'static, Result<(), LoginError>>>,
);

/// The route of [`login_as`](crate::test_util::login_as): add it to the test app, inside
/// the login and session middlewares. A request that does not come from `login_as` gets
/// a `404`.
pub fn login_route() -> Resource {
    web::resource(LOGIN_PATH).route(web::post().to(log_in))
}

async fn log_in(req: HttpRequest) -> Result<HttpResponse, LoginError> {
    let login = req.extensions_mut().remove::<TestLoginRequest>();
    let Some(login) = login else { return Ok(HttpResponse::NotFound().finish()) };
    (login.0)(req).await?;
    Ok(HttpResponse::NoContent().finish())
}
