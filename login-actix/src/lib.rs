//! The conventional username/password login flow for actix-web: route guards that
//! redirect to a login page, a current-user extractor, remember-me cookies, fresh
//! logins for sensitive routes, and logout that really logs out.
//!
//! ```
//! use actix_session::{storage::CookieSessionStore, SessionMiddleware};
//! use actix_web::{cookie::Key, get, post, test, web, App, HttpResponse};
//! use login_actix::{
//!     fresh_login_required, login_required, user_loader, AuthUser, CurrentUser, LoginConfig, LoginMiddleware,
//!     LoginSession, Remember,
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
//! struct Db; // your connection pool
//! impl Db {
//!     async fn user(&self, id: i64) -> Result<Option<User>, std::io::Error> {
//!         Ok((id == 1).then(|| User { id, name: "alice".into() }))
//!     }
//! }
//!
//! // The loader: the stored id in, the user out. Further arguments are extractors.
//! #[user_loader]
//! async fn load_user(id: i64, db: web::Data<Db>) -> Result<Option<User>, std::io::Error> {
//!     db.user(id).await
//! }
//!
//! #[get("/dashboard")]
//! #[login_required]
//! async fn dashboard(user: CurrentUser<User>) -> String {
//!     format!("hi {}", user.name)
//! }
//!
//! #[post("/account/delete")]
//! #[fresh_login_required]
//! async fn delete_account(user: CurrentUser<User>) -> String {
//!     format!("bye {}", user.name)
//! }
//!
//! #[post("/login")]
//! async fn login(auth: LoginSession<User>, db: web::Data<Db>) -> actix_web::Result<HttpResponse> {
//!     // A real app checks the submitted password here.
//!     let user = db.user(1).await?.expect("alice exists");
//!     Ok(auth.login_user(&user, Remember::Default).await?.into_response())
//! }
//!
//! # #[actix_web::main]
//! # async fn main() {
//! let secret = [7u8; 64]; // load 64 random bytes from your secret store
//! let config = LoginConfig::new(&secret).expect("long enough secret");
//!
//! let app = test::init_service(
//!     App::new()
//!         .app_data(web::Data::new(Db))
//!         .service(dashboard)
//!         .service(delete_account)
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
//! The macros only add a guard extractor to the handler; without them the same reads
//! `async fn dashboard(_: guard::LoginRequired, user: CurrentUser<User>)`. Generated
//! code names `::login_actix`, so depend on this crate under its own name.
//!
//! # The root and the modules
//! The root holds what a typical app writes: the macros, [`AuthUser`],
//! [`CurrentUser`] / [`OptionalUser`], [`LoginSession`] (log in and out),
//! [`LoginConfig`], [`LoginMiddleware`], [`Remember`], [`LoginThrottle`] and
//! [`LoginError`]. The rest is grouped: [`guard`] (guard extractors), [`refusal`] (the
//! unauthorized and forbidden responses and their modes),
//! [`config`], [`registry`] (live logins and their stores), [`throttle`], [`loader`],
//! [`login`] (what `LoginSession` returns), [`events`], [`next`] (the redirect rule),
//! [`dev`] (plumbing for middleware authors) and, with feature `test-util`, `test_util`.
//!
//! # `wrap` order and failure modes
//! - `LoginMiddleware` and actix-session's `SessionMiddleware` work in either order,
//!   `test_util::login_as` included.
//! - Anonymous or not fresh on a guarded route: `302` to `login_url?next=...`, or `401`
//!   JSON in API mode, or the app's [`unauthorized_handler`](LoginMiddleware::unauthorized_handler).
//!   Logged in without a permission: `403`. A cross-origin state-changing request:
//!   `403` before anything runs ([`forbidden_handler`](LoginMiddleware::forbidden_handler)).
//! - Loader error: `500`, session kept. Login registry down: `503`, nobody
//!   authenticated. Both replaceable with [`error_handler`](LoginMiddleware::error_handler).
//! - Missing `SessionMiddleware`: a logged error naming the fix, and a `500`.
//! - Garbled cookies and tokens: anonymous, the bad remember cookie deleted.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod config;
mod current_user;
pub mod dev;
mod error;
pub mod events;
pub mod guard;
pub mod loader;
pub mod login;
pub mod middleware;
pub mod next;
#[cfg(feature = "password")]
pub mod password;
pub mod recovery;
#[cfg(feature = "redis")]
mod redis_connection;
pub mod refusal;
pub mod registry;
mod state;
#[cfg(feature = "test-util")]
pub mod test_util;
pub mod throttle;
#[cfg(feature = "two-factor")]
pub mod two_factor;

pub use current_user::{CurrentUser, OptionalUser};
pub use error::LoginError;
pub use login::session::LoginSession;
pub use login_core::{AuthUser, LoginConfig, LoginStores, Remember};
pub use login_macros::{fresh_login_required, login_required, user_loader};
pub use middleware::LoginMiddleware;
pub use throttle::LoginThrottle;

/// Items the macros' generated code names. Not a stable API.
#[doc(hidden)]
pub mod __private {
    pub use actix_web;
    pub use futures_util::future::LocalBoxFuture;

    /// The id a loader receives, as the type its function declares; compiles only when
    /// they are the same type.
    pub fn loader_id<U: crate::AuthUser<Id = I>, I>(id: U::Id) -> I {
        id
    }
}
