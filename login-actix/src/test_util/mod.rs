//! Test helpers (feature `test-util`): a browser-like cookie jar for
//! `actix_web::test`, a one-line login as any user, and the contract suites every store
//! keeps, one test per rule per store ([`contract`]): a login registry
//! ([`registry_contract`](mod@registry_contract)), a throttle store
//! ([`throttle_contract`](mod@throttle_contract)) and, with `two-factor`, the second
//! factor's store.
//!
//! ```
//! use actix_session::{storage::CookieSessionStore, SessionMiddleware};
//! use actix_web::{cookie::Key, get, test, App};
//! use login_actix::{test_util::{login_as, login_route, TestLogin}, AuthUser, CurrentUser, LoginConfig, LoginMiddleware, loader::loader_fn};
//!
//! #[derive(Clone)]
//! struct User { id: i64 }
//! impl AuthUser for User { type Id = i64; fn id(&self) -> i64 { self.id } }
//!
//! #[get("/me")]
//! async fn me(user: CurrentUser<User>) -> String {
//!     format!("{} fresh={}", user.id, user.is_fresh())
//! }
//!
//! # #[actix_web::main]
//! # async fn main() {
//! let loader = loader_fn(|id: i64, _req| async move { Ok::<_, std::io::Error>(Some(User { id })) });
//! let app = test::init_service(
//!     App::new()
//!         .service(me)
//!         .service(login_route())
//!         .wrap(LoginMiddleware::new(loader, LoginConfig::new([1u8; 64]).expect("config")))
//!         .wrap(SessionMiddleware::new(CookieSessionStore::default(), Key::generate())),
//! )
//! .await;
//! let mut jar = login_as(&app, &User { id: 7 }, TestLogin::Fresh).await;
//! let res = jar.send(&app, test::TestRequest::get().uri("/me")).await;
//! assert_eq!(test::read_body(res).await, "7 fresh=true");
//! # }
//! ```

use std::collections::BTreeMap;

use actix_http::HttpMessage as _;
use actix_web::{
    body::{BoxBody, MessageBody},
    cookie::Cookie,
    dev::{Service, ServiceResponse},
    http::header,
    test::TestRequest,
};
use login_core::{AuthUser, Remember};

mod login_route;

/// The request type of `actix_web::test::init_service`'s service (actix-http's), for
/// helpers generic over a test app:
/// `async fn log_in<S, B>(app: &S) where S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>, B: MessageBody + 'static`.
pub use actix_http::Request;
pub mod contract;
pub mod registry_contract;
#[cfg(feature = "two-factor")]
pub mod second_factor_contract;
pub mod throttle_contract;

pub use registry_contract::registry_contract;
#[cfg(feature = "two-factor")]
pub use second_factor_contract::second_factor_contract;
pub use throttle_contract::throttle_contract;

pub use contract::Rule;
pub use login_route::login_route;

use crate::login::session::LoginSession;
use login_route::{TestLoginRequest, LOGIN_PATH};

/// A browser-like cookie jar: applies `Set-Cookie` (removals included) and sends the
/// cookies back.
#[derive(Debug, Default, Clone)]
pub struct Jar {
    cookies: BTreeMap<String, String>,
}

impl Jar {
    /// An empty jar.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores the response's cookies, dropping those it deletes.
    pub fn store<B>(&mut self, res: &ServiceResponse<B>) {
        self.store_lines(res.headers().get_all(header::SET_COOKIE).filter_map(|v| v.to_str().ok()));
    }

    /// Stores cookies from `Set-Cookie` header values, dropping those they delete.
    pub fn store_lines<'a>(&mut self, lines: impl IntoIterator<Item = &'a str>) {
        for text in lines {
            let Ok(cookie) = Cookie::parse(text.to_owned()) else { continue };
            let removed = cookie.max_age().is_some_and(|age| age.is_zero() || age.is_negative());
            if removed {
                self.cookies.remove(cookie.name());
            } else {
                self.cookies.insert(cookie.name().to_owned(), cookie.value().to_owned());
            }
        }
    }

    /// Adds the jar's cookies to a request.
    pub fn attach(&self, req: TestRequest) -> TestRequest {
        match self.header() {
            Some(value) => req.insert_header((header::COOKIE, value)),
            None => req,
        }
    }

    /// Sends `req` with the jar's cookies through `app` and keeps the response's cookies.
    /// A refusal the app returns as an error (a cross-origin `403`) comes back as its
    /// response, as a browser would see it.
    pub async fn send<S, B>(&mut self, app: &S, req: TestRequest) -> ServiceResponse<BoxBody>
    where
        S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
        B: MessageBody + 'static,
    {
        let res = match app.call(self.attach(req).to_request()).await {
            Ok(res) => res.map_into_boxed_body(),
            Err(err) => ServiceResponse::new(TestRequest::default().to_http_request(), err.error_response()),
        };
        self.store(&res);
        res
    }

    /// The `Cookie` header value, `None` when the jar is empty.
    pub fn header(&self) -> Option<String> {
        if self.cookies.is_empty() {
            return None;
        }
        Some(self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; "))
    }

    /// A cookie's value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.cookies.get(name).map(String::as_str)
    }

    /// Sets a cookie by hand (a tampered or copied one).
    pub fn set(&mut self, name: &str, value: &str) {
        self.cookies.insert(name.to_owned(), value.to_owned());
    }

    /// Forgets a cookie (the browser closed: session cookies go).
    pub fn remove(&mut self, name: &str) {
        self.cookies.remove(name);
    }

    /// A copy of the jar without cookie `name` (a copied cookie replayed on its own).
    pub fn without(&self, name: &str) -> Jar {
        let mut copy = self.clone();
        copy.remove(name);
        copy
    }
}

/// How [`login_as`] logs the user in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestLogin {
    /// A credential login: fresh.
    Fresh,
    /// Logged in, but not fresh (as after `fresh_for` ran out).
    Stale,
    /// Only a remember cookie, as a browser restarted after "remember me": the next
    /// request restores a non-fresh login from it.
    Remembered,
}

/// Logs `user` in through `app` and returns the browser's cookies, in one line. The
/// app mounts [`login_route`] (`.service(login_route())`) beside its `LoginMiddleware`
/// and `SessionMiddleware` (in either wrap order); the login then goes through both,
/// as a real one does.
///
/// # Panics
/// When the login fails (the route is not mounted, the user type is not the loader's,
/// the registry is down): it is a test helper.
pub async fn login_as<S, B, U>(app: &S, user: &U, how: TestLogin) -> Jar
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    U: AuthUser + Clone,
{
    let user = user.clone();
    let remember = if how == TestLogin::Remembered { Remember::Default } else { Remember::No };
    let fresh = how == TestLogin::Fresh;
    let login = TestLoginRequest(Box::new(move |req: actix_web::HttpRequest| {
        Box::pin(async move {
            let auth = LoginSession::<U>::of(&req)?;
            auth.login(&user).remember(remember).fresh(fresh).force(true).await.map(drop)
        })
    }));
    let req = TestRequest::post().uri(LOGIN_PATH).to_request();
    req.extensions_mut().insert(login);
    let res = app.call(req).await.unwrap_or_else(|e| panic!("login_as: the test login failed: {e}"));
    assert!(
        res.status() == actix_web::http::StatusCode::NO_CONTENT,
        "login_as: the test login answered {} (mount `login_actix::test_util::login_route()` in the test app)",
        res.status()
    );
    let mut jar = Jar::new();
    jar.store(&res);
    if how == TestLogin::Remembered {
        let session_cookies: Vec<String> = res
            .headers()
            .get_all(header::SET_COOKIE)
            .filter_map(|v| v.to_str().ok())
            .filter_map(|l| Cookie::parse(l.to_owned()).ok())
            .filter(|c| c.max_age().is_none())
            .map(|c| c.name().to_owned())
            .collect();
        for name in session_cookies {
            jar.remove(&name);
        }
    }
    jar
}
