//! Shared helpers of the end-to-end tests: a browser-like cookie jar for
//! `actix_web::test`, a small user directory with a loader that can be told to fail, and
//! the demo server on a real loopback port with an HTTP client that keeps cookies.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod browser;
pub mod demo;
pub mod redis;
pub mod routes;
pub mod two_factor;

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Mutex,
    },
};

use actix_web::{dev::ServiceResponse, http::header, web, HttpRequest};
use futures_util::future::BoxFuture;
use login_actix::{
    loader::{loader_fn, LoadError, UserLoader},
    AuthUser,
};

/// A user of the test directory.
#[derive(Clone, Debug, PartialEq)]
pub struct User {
    /// Id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Stand-in for a password hash.
    pub password: String,
    /// Incremented by "log out everywhere".
    pub epoch: i64,
}

impl AuthUser for User {
    type Id = i64;
    fn id(&self) -> i64 {
        self.id
    }
    fn session_auth_hash(&self) -> Option<Vec<u8>> {
        Some(format!("{}:{}", self.password, self.epoch.max(0)).into_bytes())
    }

    /// A negative epoch marks a deactivated user.
    fn is_active(&self) -> bool {
        self.epoch >= 0
    }

    /// alice (1) holds `admin`.
    fn has_permission(&self, permission: &str) -> bool {
        self.id == 1 && permission == "admin"
    }
}

/// An in-memory user directory, shared as `web::Data<Users>`.
#[derive(Debug, Default)]
pub struct Users {
    users: Mutex<HashMap<i64, User>>,
    /// When set, the loader fails (a database outage).
    pub fail: AtomicBool,
    /// How many times the loader ran.
    pub loads: AtomicUsize,
}

impl Users {
    /// A directory with alice (1), bob (2) and zero (0).
    pub fn seeded() -> web::Data<Users> {
        let users = Users::default();
        for (id, name) in [(1, "alice"), (2, "bob"), (0, "zero")] {
            users.put(User { id, name: name.into(), password: format!("{name}-pw"), epoch: 0 });
        }
        web::Data::new(users)
    }

    /// Inserts or replaces a user.
    pub fn put(&self, user: User) {
        self.users.lock().expect("lock").insert(user.id, user);
    }

    /// A user by id.
    pub fn get(&self, id: i64) -> Option<User> {
        self.users.lock().expect("lock").get(&id).cloned()
    }

    /// Deletes a user.
    pub fn delete(&self, id: i64) {
        self.users.lock().expect("lock").remove(&id);
    }

    /// Loader calls so far.
    pub fn load_count(&self) -> usize {
        self.loads.load(Ordering::SeqCst)
    }
}

/// The loader of the test apps: reads `web::Data<Users>` from the request.
pub fn users_loader() -> impl UserLoader<User = User> {
    loader_fn(|id: i64, req: HttpRequest| async move {
        let users = req.app_data::<web::Data<Users>>().ok_or_else(|| LoadError::new("no Users app data"))?;
        users.loads.fetch_add(1, Ordering::SeqCst);
        if users.fail.load(Ordering::SeqCst) {
            return Err(LoadError::new("database unavailable"));
        }
        Ok(users.get(id))
    })
}

/// The browser-like cookie jar of `login-actix`'s test helpers.
pub use login_actix::test_util::Jar;

/// The in-process test app the tests build on a [`Harness`] `t`: its users as app data,
/// the routes of `configure` when given and the `services`, the harness's
/// [`middleware`](Harness::middleware) with `config` (and `on_event(hook)` when given), and a session
/// middleware keyed by `secret`, with cookie sessions unless a `store` is given, its
/// cookie not `Secure`.
///
/// ```
/// use login_tests::{routes::{dashboard, get, login, login_req}, send, test_app, Harness, Jar};
/// # actix_web::rt::System::new().block_on(async {
/// const SECRET: [u8; 64] = [1; 64];
/// let t = Harness::new();
/// let config = t.builder(SECRET).build().expect("config");
/// let hook = |_: &actix_web::HttpRequest, _: &login_actix::events::LoginEvent| {};
/// let app = test_app!(t, config, hook: hook, secret: SECRET, services: [dashboard, login]);
/// let mut jar = Jar::new();
/// send(&app, &mut jar, login_req(1, None)).await;
/// assert_eq!(send(&app, &mut jar, get("/dashboard")).await.status(), 200);
/// # });
/// ```
#[macro_export]
macro_rules! test_app {
    ($t:expr, $config:expr, $(hook: $hook:expr,)? $(store: $store:expr,)? secret: $secret:expr, $(configure: $configure:expr,)? services: [$($service:expr),* $(,)?]) => {{
        let harness = &$t;
        let login_middleware = harness.middleware($config);
        $(let login_middleware = login_middleware.on_event($hook);)?
        let session_store = ::actix_session::storage::CookieSessionStore::default();
        $(let session_store = $store;)?
        ::actix_web::test::init_service(
            ::actix_web::App::new()
                .app_data(harness.users.clone())
                $(.configure($configure))?
                $(.service($service))*
                .wrap(login_middleware)
                .wrap(
                    ::actix_session::SessionMiddleware::builder(session_store, ::actix_web::cookie::Key::derive_from(&$secret))
                        .cookie_secure(false)
                        .build(),
                ),
        )
        .await
    }};
}

/// The `Set-Cookie` header lines of a response for cookie `name`.
pub fn set_cookie_lines<B>(res: &ServiceResponse<B>, name: &str) -> Vec<String> {
    res.headers()
        .get_all(header::SET_COOKIE)
        .filter_map(|v| v.to_str().ok())
        .filter(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_owned)
        .collect()
}

/// The `Location` header of a response.
pub fn location<B>(res: &ServiceResponse<B>) -> String {
    res.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

/// A memory registry that can be switched off, like a store that went down: while
/// down, every call fails.
#[derive(Debug, Default)]
pub struct FlakyRegistry {
    inner: login_actix::registry::MemoryRegistry,
    down: AtomicBool,
}

impl FlakyRegistry {
    /// Takes the registry down or brings it back.
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    fn check(&self) -> Result<(), login_actix::registry::StoreError> {
        if self.down.load(Ordering::SeqCst) {
            Err(login_actix::registry::StoreError::new("connection refused"))
        } else {
            Ok(())
        }
    }
}

macro_rules! flaky {
    ($self:ident . $method:ident ( $($arg:expr),* )) => {
        match $self.check() {
            Ok(()) => $self.inner.$method($($arg),*),
            Err(e) => Box::pin(std::future::ready(Err(e))),
        }
    };
}

use login_actix::{
    registry::{LoginId, StoreError},
    two_factor::{AtCap, PendingLogin},
};

impl login_actix::registry::LoginRegistry for FlakyRegistry {
    fn insert(
        &self,
        login: login_actix::registry::LiveLogin,
    ) -> BoxFuture<'_, Result<(), login_actix::registry::StoreError>> {
        flaky!(self.insert(login))
    }
    fn lookup(
        &self,
        id: login_actix::registry::LoginId,
        now: u64,
    ) -> BoxFuture<'_, Result<Option<login_actix::registry::LoginTimes>, login_actix::registry::StoreError>> {
        flaky!(self.lookup(id, now))
    }
    fn touch(
        &self,
        id: login_actix::registry::LoginId,
        now: u64,
    ) -> BoxFuture<'_, Result<(), login_actix::registry::StoreError>> {
        flaky!(self.touch(id, now))
    }
    fn extend(
        &self,
        id: login_actix::registry::LoginId,
        expires_at: u64,
        remembered: bool,
    ) -> BoxFuture<'_, Result<(), login_actix::registry::StoreError>> {
        flaky!(self.extend(id, expires_at, remembered))
    }
    fn rotate(
        &self,
        id: login_actix::registry::LoginId,
        from: u32,
        now: u64,
    ) -> BoxFuture<'_, Result<Option<login_actix::registry::LoginTimes>, login_actix::registry::StoreError>> {
        flaky!(self.rotate(id, from, now))
    }
    fn remove(
        &self,
        id: login_actix::registry::LoginId,
    ) -> BoxFuture<'_, Result<bool, login_actix::registry::StoreError>> {
        flaky!(self.remove(id))
    }
    fn remove_user(
        &self,
        user_key: &str,
        keep: Option<login_actix::registry::LoginId>,
    ) -> BoxFuture<'_, Result<usize, login_actix::registry::StoreError>> {
        flaky!(self.remove_user(user_key, keep))
    }
    fn list_user(
        &self,
        user_key: &str,
        now: u64,
    ) -> BoxFuture<'_, Result<Vec<login_actix::registry::LiveLogin>, login_actix::registry::StoreError>> {
        flaky!(self.list_user(user_key, now))
    }
}

impl login_actix::registry::SecondFactorStore for FlakyRegistry {
    fn use_totp_step(&self, user_key: &str, step: u64) -> BoxFuture<'_, Result<bool, StoreError>> {
        flaky!(self.use_totp_step(user_key, step))
    }
    fn device_epoch(&self, user_key: &str) -> BoxFuture<'_, Result<u64, StoreError>> {
        flaky!(self.device_epoch(user_key))
    }
    fn forget_devices(&self, user_key: &str) -> BoxFuture<'_, Result<u64, StoreError>> {
        flaky!(self.forget_devices(user_key))
    }
    fn insert_pending(&self, pending: PendingLogin, at_cap: AtCap) -> BoxFuture<'_, Result<bool, StoreError>> {
        flaky!(self.insert_pending(pending, at_cap))
    }
    fn pending(&self, id: LoginId, now: u64) -> BoxFuture<'_, Result<Option<PendingLogin>, StoreError>> {
        flaky!(self.pending(id, now))
    }
    fn fail_pending(&self, id: LoginId, max: u32, now: u64) -> BoxFuture<'_, Result<Option<u32>, StoreError>> {
        flaky!(self.fail_pending(id, max, now))
    }
    fn remove_pending(&self, id: LoginId) -> BoxFuture<'_, Result<bool, StoreError>> {
        flaky!(self.remove_pending(id))
    }
    fn remove_pending_of(&self, user_key: &str) -> BoxFuture<'_, Result<usize, StoreError>> {
        flaky!(self.remove_pending_of(user_key))
    }
}

/// Sends `req` through `app` with the jar's cookies and keeps the response's cookies.
pub async fn send<S, B>(app: &S, jar: &mut Jar, req: actix_web::test::TestRequest) -> ServiceResponse
where
    S: actix_web::dev::Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody + 'static,
{
    jar.send(app, req).await
}

/// A response's body as text.
pub async fn body<B: actix_web::body::MessageBody>(res: ServiceResponse<B>) -> String {
    String::from_utf8(actix_web::test::read_body(res).await.to_vec()).expect("utf-8 body")
}

/// [`send`], then the status and the body as text.
pub async fn text<S, B>(app: &S, jar: &mut Jar, req: actix_web::test::TestRequest) -> (u16, String)
where
    S: actix_web::dev::Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody + 'static,
{
    let res = send(app, jar, req).await;
    let status = res.status().as_u16();
    (status, body(res).await)
}

/// An in-process test app's moving parts: a clock the test moves, starting at
/// [`Harness::START`], the seeded users, and a registry and a throttle of its own (tests
/// running side by side share nothing; apps of one harness share them, like the
/// workers of one server).
pub struct Harness {
    clock: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// The user directory, for `app_data`.
    pub users: web::Data<Users>,
    /// The harness's registry of live logins (in memory unless [`with_registry`](Self::with_registry)).
    pub registry: std::sync::Arc<dyn login_actix::registry::LoginStore>,
    /// The harness's throttle counters (in memory unless [`with_throttle`](Self::with_throttle)).
    pub throttle: std::sync::Arc<dyn login_actix::throttle::ThrottleStore>,
}

impl Default for Harness {
    fn default() -> Self {
        Self::new()
    }
}

impl Harness {
    /// Where the clock starts: 2030-03-17.
    pub const START: u64 = 1_900_000_000;

    /// A harness at [`Harness::START`] with alice, bob and zero.
    pub fn new() -> Self {
        Harness {
            clock: std::sync::Arc::new(std::sync::atomic::AtomicU64::new(Self::START)),
            users: Users::seeded(),
            registry: std::sync::Arc::new(login_actix::registry::MemoryRegistry::new()),
            throttle: std::sync::Arc::new(login_actix::throttle::MemoryThrottle::new()),
        }
    }

    /// This harness (its clock, its users, its throttle) on another registry.
    pub fn with_registry(&self, registry: std::sync::Arc<dyn login_actix::registry::LoginStore>) -> Harness {
        Harness { registry, ..self.share() }
    }

    /// This harness (its clock, its users, its registry) on another throttle store.
    pub fn with_throttle(&self, throttle: std::sync::Arc<dyn login_actix::throttle::ThrottleStore>) -> Harness {
        Harness { throttle, ..self.share() }
    }

    fn share(&self) -> Harness {
        Harness {
            clock: self.clock.clone(),
            users: self.users.clone(),
            registry: self.registry.clone(),
            throttle: self.throttle.clone(),
        }
    }

    /// A configuration on this clock.
    pub fn builder(&self, secret: [u8; 64]) -> login_actix::config::LoginConfigBuilder {
        let clock = std::sync::Arc::clone(&self.clock);
        login_actix::LoginConfig::builder(secret).clock(move || clock.load(Ordering::SeqCst))
    }

    /// The login middleware of the test apps: `config` over [`users_loader`], with the
    /// harness's registry and throttle.
    pub fn middleware(
        &self,
        config: login_actix::LoginConfig,
    ) -> login_actix::LoginMiddleware<impl UserLoader<User = User>> {
        login_actix::LoginMiddleware::new(users_loader(), config)
            .registry(self.registry.clone())
            .throttle(self.throttle.clone())
    }

    /// Moves the clock forward.
    pub fn advance(&self, secs: u64) {
        self.clock.fetch_add(secs, Ordering::SeqCst);
    }

    /// Sets the clock.
    pub fn set(&self, now: u64) {
        self.clock.store(now, Ordering::SeqCst);
    }
}
