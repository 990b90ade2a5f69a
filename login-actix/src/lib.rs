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
//! async fn login(auth: LoginSession, db: web::Data<Db>) -> actix_web::Result<HttpResponse> {
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
//! `async fn dashboard(_: LoginRequired, user: CurrentUser<User>)`. Generated code
//! names `::login_actix`, so depend on this crate under its own name.
//!
//! # Pieces
//! - Macros: [`macro@login_required`] / [`macro@fresh_login_required`] (arguments `api`,
//!   `redirect = "/path"`) and [`macro@user_loader`].
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
//! - Loader error: `500`, session kept. Login registry down: `503`, nobody
//!   authenticated. Both replaceable with [`error_handler`](LoginMiddleware::error_handler).
//! - Missing `SessionMiddleware`: a logged error naming the fix, and a `500`.
//! - Garbled cookies and tokens: anonymous, the bad remember cookie deleted.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "redis")]
mod bounded_session_store;
mod current_user;
mod error;
mod events;
mod forbidden;
mod guard;
mod loader;
mod login_future;
mod login_session;
mod login_state;
mod middleware;
#[cfg(feature = "redis")]
mod redis_connection;
#[cfg(feature = "redis")]
mod redis_registry;
#[cfg(feature = "redis")]
mod redis_throttle;
mod remember_cookie;
mod resolve;
mod session_probe;
#[cfg(feature = "sqlite")]
mod sqlite_registry;
#[cfg(feature = "test-util")]
pub mod test_util;
mod throttle;
mod unauthorized;

#[cfg(feature = "redis")]
pub use bounded_session_store::BoundedSessionStore;
pub use current_user::{CurrentUser, LoginRequestExt, OptionalUser};
pub use error::LoginError;
pub use events::{EndReason, LoginEvent, RefusalReason};
pub use forbidden::Forbidden;
pub use guard::{
    ApiLogin, ApiLoginRequired, FreshApiLogin, FreshApiLoginRequired, FreshLogin, FreshLoginRequired, Guard, GuardSpec,
    Login, LoginRequired,
};
pub use loader::{loader_fn, request_loader_fn, LoadError, LoaderFn, RequestLoader, RequestLoaderFn, UserLoader};
pub use login_core::{
    is_safe_next, login_redirect_url, AuthUser, ConfigError, CookieSettings, CrossOriginPolicy, CrossOriginRefusal,
    LoginConfig, LoginConfigBuilder, MemoryThrottle, Remember, SameSite, StoreError, ThrottleStore,
};
pub use login_future::LoginFuture;
pub use login_macros::{fresh_login_required, login_required, user_loader};
pub use login_session::{LoggedOut, LoginBuilder, LoginInfo, LoginRedirect, LoginSession};
pub use middleware::{LoginMiddleware, LoginResponse, LoginService};
#[cfg(feature = "redis")]
pub use redis_throttle::RedisThrottle;
pub use throttle::{LoginAttempt, LoginThrottle};
pub use unauthorized::{LoginMode, LoginUrl, Unauthorized, UnauthorizedReason};

pub mod registry {
    //! The registry of live logins and its stores.
    //!
    //! A request is authenticated only while its login is live here. The stores:
    //!
    //! | store | survives a restart | several instances | how |
    //! |---|---|---|---|
    //! | [`MemoryRegistry`] (default) | no: everybody is logged out | no | process memory, bounded |
    //! | `SqliteRegistry` (feature `sqlite`) | yes | processes on one machine, one file | a table in a SQLite file |
    //! | `RedisRegistry` (feature `redis`) | yes (as Redis persists) | yes | hashes in Redis, bounded timeouts |
    //!
    //! Bring your own (Postgres) by implementing [`LoginRegistry`].

    pub use login_core::{
        user_agent_label, user_key, LiveLogin, LoginId, LoginRegistry, LoginTimes, MemoryRegistry, StoreError,
        DEFAULT_MAX_LOGINS, DEFAULT_MAX_LOGINS_PER_USER,
    };

    #[cfg(feature = "redis")]
    pub use crate::redis_registry::{RedisRegistry, RedisRegistryBuilder};
    #[cfg(feature = "sqlite")]
    pub use crate::sqlite_registry::SqliteRegistry;
}

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
