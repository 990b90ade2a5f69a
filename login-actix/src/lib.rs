//! The conventional username/password login flow for actix-web: route guards that
//! redirect to a login page, a current-user extractor, remember-me cookies, fresh
//! logins for sensitive routes, and logout that really logs out.
//!
//! ```
//! use actix_session::{storage::CookieSessionStore, SessionMiddleware};
//! use actix_web::{cookie::Key, get, post, test, web, App, HttpResponse};
//! use login_actix::{
//!     loader_fn, AuthUser, CurrentUser, LoginConfig, LoginMiddleware, LoginRequired, LoginSession, Remember,
//! };
//!
//! #[derive(Clone)]
//! struct User { id: i64, name: String }
//!
//! impl AuthUser for User {
//!     type Id = i64;
//!     fn id(&self) -> i64 { self.id }
//! }
//!
//! #[get("/dashboard")]
//! async fn dashboard(_: LoginRequired, user: CurrentUser<User>) -> String {
//!     format!("hi {}", user.name)
//! }
//!
//! #[post("/login")]
//! async fn login(auth: LoginSession) -> actix_web::Result<HttpResponse> {
//!     // A real app checks the submitted password here.
//!     let user = User { id: 1, name: "alice".into() };
//!     Ok(auth.login_user(&user, Remember::Default).await?.into_response())
//! }
//!
//! # #[actix_web::main]
//! # async fn main() {
//! let secret = [7u8; 64]; // load 64 random bytes from your secret store
//! let config = LoginConfig::new(&secret).expect("long enough secret");
//! let load_user = loader_fn(|id: i64, _req| async move {
//!     Ok::<_, std::io::Error>((id == 1).then(|| User { id, name: "alice".into() }))
//! });
//!
//! let app = test::init_service(
//!     App::new()
//!         .service(dashboard)
//!         .service(login)
//!         .wrap(LoginMiddleware::new(load_user, config))
//!         .wrap(SessionMiddleware::new(CookieSessionStore::default(), Key::derive_from(&secret))),
//! )
//! .await;
//!
//! // Anonymous: redirected to the login page, with the way back in `next`.
//! let res = test::call_service(&app, test::TestRequest::get().uri("/dashboard?tab=2").to_request()).await;
//! assert_eq!(res.status(), 302);
//! assert_eq!(res.headers().get("location").expect("redirect"), "/login?next=%2Fdashboard%3Ftab%3D2");
//!
//! // Log in, then carry the session cookie like a browser.
//! let res = test::call_service(&app, test::TestRequest::post().uri("/login").to_request()).await;
//! assert_eq!(res.status(), 303);
//! let session = res.response().cookies().find(|c| c.name() == "id").expect("session cookie");
//! let req = test::TestRequest::get().uri("/dashboard").cookie(session).to_request();
//! assert_eq!(test::call_and_read_body(&app, req).await, "hi alice");
//! # }
//! ```
//!
//! # Pieces
//! - [`LoginMiddleware`]: `App::wrap` it with a [`UserLoader`] and a [`LoginConfig`],
//!   together with actix-session's `SessionMiddleware` (either order).
//! - Guards: [`LoginRequired`], [`FreshLoginRequired`] (and `Api` forms answering `401`
//!   JSON); [`LoginMode::Api`] as `app_data` switches a whole scope to `401`.
//! - The user: [`CurrentUser`], [`OptionalUser`], [`LoginRequestExt::current_user`].
//! - Logging in and out: [`LoginSession`] with [`login_user`](LoginSession::login_user),
//!   [`logout_user`](LoginSession::logout_user) and
//!   [`refresh_auth_hash`](LoginSession::refresh_auth_hash).
//!
//! # Failure modes
//! - Anonymous or not fresh on a guarded route: `302` to `login_url?next=...`, or `401`
//!   JSON in API mode, or the app's [`unauthorized_handler`](LoginMiddleware::unauthorized_handler).
//! - Loader error: `500`, session kept. Revocation store down: `503`, nobody
//!   authenticated. Both replaceable with [`error_handler`](LoginMiddleware::error_handler).
//! - Missing `SessionMiddleware`: a logged error naming the fix, and a `500`.
//! - Garbled cookies and tokens: anonymous, the bad remember cookie deleted.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod current_user;
mod error;
mod guard;
mod loader;
mod login_session;
mod login_state;
mod middleware;
mod remember_cookie;
mod resolve;
mod session_probe;
mod unauthorized;

pub use current_user::{CurrentUser, LoginRequestExt, OptionalUser};
pub use error::LoginError;
pub use guard::{
    ApiLogin, ApiLoginRequired, FreshApiLogin, FreshApiLoginRequired, FreshLogin, FreshLoginRequired, Guard, GuardSpec,
    Login, LoginRequired,
};
pub use loader::{loader_fn, LoadError, LoaderFn, UserLoader};
pub use login_core::{
    is_safe_next, AuthUser, ConfigError, CookieSettings, LoginConfig, LoginConfigBuilder, MemoryRevocationStore,
    Remember, RevocationStore, RevokedId, SameSite, StoreError,
};
pub use login_session::{LoginRedirect, LoginSession};
pub use middleware::{LoginMiddleware, LoginService};
pub use unauthorized::{LoginMode, Unauthorized, UnauthorizedReason};

/// Items the macros' generated code names. Not a stable API.
#[doc(hidden)]
pub mod __private {
    pub use actix_web;
    pub use futures_util::future::LocalBoxFuture;
}
