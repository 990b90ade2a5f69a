//! The actix-web scenarios: bare, session, identity, and ours.

use std::{
    collections::HashMap,
    sync::atomic::{AtomicU64, Ordering},
    time::{SystemTime, UNIX_EPOCH},
};

use actix_http::Request;
use actix_identity::{Identity, IdentityMiddleware};
use actix_session::{
    storage::{CookieSessionStore, RedisSessionStore},
    Session, SessionMiddleware,
};
use actix_web::{
    cookie::Key,
    dev::{Service, ServiceResponse},
    get,
    http::header,
    post,
    test::{self, TestRequest},
    web, App, HttpMessage, HttpRequest, HttpResponse,
};
use login_actix::{
    loader::{loader_fn, UserLoader},
    login_required, AuthUser, CurrentUser, LoginConfig, LoginMiddleware, LoginSession, Remember,
};

use crate::{users, BenchUser, Scenario};

const SECRET: [u8; 64] = [11; 64];

type Users = web::Data<HashMap<i64, BenchUser>>;

/// Our user without an auth hash (like the session and identity scenarios).
#[derive(Clone)]
struct Plain(BenchUser);
impl AuthUser for Plain {
    type Id = i64;
    fn id(&self) -> i64 {
        self.0.id
    }
}

/// Our user with an auth hash (checked with an HMAC on every request).
#[derive(Clone)]
struct Hashed(BenchUser);
impl AuthUser for Hashed {
    type Id = i64;
    fn id(&self) -> i64 {
        self.0.id
    }
    fn session_auth_hash(&self) -> Option<Vec<u8>> {
        Some(self.0.hash.clone())
    }
}

fn loader<U: AuthUser<Id = i64> + Clone>(wrap: fn(BenchUser) -> U) -> impl UserLoader<User = U> {
    loader_fn(move |id: i64, req: HttpRequest| {
        let user = req.app_data::<Users>().and_then(|u| u.get(&id).cloned()).map(wrap);
        async move { Ok::<_, std::convert::Infallible>(user) }
    })
}

#[get("/hello")]
async fn hello() -> &'static str {
    "hello"
}

#[get("/public")]
async fn public() -> &'static str {
    "public"
}

#[post("/session/login")]
async fn session_login(session: Session) -> actix_web::Result<&'static str> {
    session.insert("uid", 7i64)?;
    Ok("ok")
}

#[get("/session/protected")]
async fn session_protected(session: Session, users: Users) -> HttpResponse {
    match session.get::<i64>("uid").ok().flatten().and_then(|id| users.get(&id)) {
        Some(user) => HttpResponse::Ok().body(format!("hi {}", user.name)),
        None => HttpResponse::Unauthorized().finish(),
    }
}

#[post("/identity/login")]
async fn identity_login(req: HttpRequest) -> actix_web::Result<&'static str> {
    Identity::login(&req.extensions(), "7".into())?;
    Ok("ok")
}

#[get("/identity/protected")]
async fn identity_protected(identity: Option<Identity>, users: Users) -> HttpResponse {
    let user = identity.and_then(|i| i.id().ok()).and_then(|id| id.parse::<i64>().ok()).and_then(|id| users.get(&id));
    match user {
        Some(user) => HttpResponse::Ok().body(format!("hi {}", user.name)),
        None => HttpResponse::Unauthorized().finish(),
    }
}

#[post("/ours/login")]
async fn ours_login(auth: LoginSession<Plain>, users: Users) -> actix_web::Result<HttpResponse> {
    let user = Plain(users.get(&7).cloned().expect("user 7"));
    Ok(auth.login_user(&user, Remember::No).await?.into_response())
}

/// Logs in user `?id=` with remember-me (a query, not a path segment: a dynamic path
/// would make the router match a pattern on every request).
#[post("/ours/login-remember")]
async fn ours_login_remember(
    auth: LoginSession<Plain>,
    users: Users,
    req: HttpRequest,
) -> actix_web::Result<HttpResponse> {
    let id = req.query_string().strip_prefix("id=").and_then(|id| id.parse::<i64>().ok()).unwrap_or(7);
    let user = Plain(users.get(&id).cloned().ok_or_else(|| actix_web::error::ErrorNotFound("no user"))?);
    Ok(auth.login_user(&user, Remember::Default).await?.into_response())
}

#[get("/ours/protected")]
#[login_required]
async fn ours_protected(user: CurrentUser<Plain>) -> HttpResponse {
    HttpResponse::Ok().body(format!("hi {}", user.0.name))
}

#[post("/hashed/login")]
async fn hashed_login(auth: LoginSession<Hashed>, users: Users) -> actix_web::Result<HttpResponse> {
    let user = Hashed(users.get(&7).cloned().expect("user 7"));
    Ok(auth.login_user(&user, Remember::No).await?.into_response())
}

#[get("/hashed/protected")]
#[login_required]
async fn hashed_protected(user: CurrentUser<Hashed>) -> HttpResponse {
    HttpResponse::Ok().body(format!("hi {}", user.0.name))
}

struct ActixScenario<S> {
    sys: actix_rt::SystemRunner,
    svc: S,
    path: &'static str,
    /// The `Cookie` header of each browser (none: no login); requests go round robin.
    browsers: Vec<Option<String>>,
    turn: usize,
    status: u16,
    /// A cookie each browser keeps up to date from its responses (the rotating remember
    /// cookie), as a browser does.
    keep: Option<&'static str>,
    /// The login configuration's clock, when it moves one second per request.
    clock: Option<&'static AtomicU64>,
}

/// The clock of `ours_remember`: one second passes per request, so that each browser,
/// back once per round of `BROWSERS` requests, returns long after its last visit (past
/// the touch interval, as a browser back the next day is).
static RETURNING_CLOCK: AtomicU64 = AtomicU64::new(0);

impl<S, B> Scenario for ActixScenario<S>
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
{
    fn request(&mut self) {
        let browser = self.turn % self.browsers.len();
        self.turn += 1;
        if let Some(clock) = self.clock {
            clock.fetch_add(1, Ordering::Relaxed);
        }
        let mut req = TestRequest::get().uri(self.path);
        if let Some(c) = &self.browsers[browser] {
            req = req.insert_header((header::COOKIE, c.clone()));
        }
        let res = self.sys.block_on(test::call_service(&self.svc, req.to_request()));
        assert_eq!(res.status().as_u16(), self.status, "{}", self.path);
        if let Some(name) = self.keep {
            // As a browser's cookie store would, without a full cookie parse (which
            // would add the client's work to the figure): `name=value;` of the first
            // `Set-Cookie` for `name`.
            let fresh = res.headers().get_all(header::SET_COOKIE).find_map(|v| {
                let text = v.to_str().ok()?;
                let pair = text.split(';').next()?;
                pair.strip_prefix(name)?.strip_prefix('=').map(|_| pair.to_owned())
            });
            if let Some(pair) = fresh {
                self.browsers[browser] = Some(pair);
            }
        }
    }
}

fn cookies<B>(res: &ServiceResponse<B>, only: Option<&str>) -> String {
    res.response()
        .cookies()
        .filter(|c| only.is_none_or(|n| c.name() == n))
        .map(|c| format!("{}={}", c.name(), c.value()))
        .collect::<Vec<_>>()
        .join("; ")
}

fn session_mw<St: actix_session::storage::SessionStore + 'static>(store: St) -> SessionMiddleware<St> {
    SessionMiddleware::builder(store, Key::derive_from(&SECRET)).cookie_secure(false).build()
}

async fn redis_store(url: &str) -> RedisSessionStore {
    let pool =
        deadpool_redis::Config::from_url(url).create_pool(Some(deadpool_redis::Runtime::Tokio1)).expect("redis pool");
    RedisSessionStore::new_pooled(pool).await.expect("redis store")
}

/// A SQLite registry file holding 100,000 other live logins (made once, then reused),
/// as the demo's default store would at that size.
fn sqlite_registry_with_100k_logins() -> login_actix::registry::SqliteRegistry {
    use login_actix::registry::{rusqlite, SqliteRegistry};
    let path = std::env::temp_dir().join("login-bench-registry-100k.db");
    let registry = SqliteRegistry::open(&path).expect("sqlite registry");
    let mut conn = rusqlite::Connection::open(&path).expect("sqlite");
    let rows: i64 = conn.query_row("SELECT COUNT(*) FROM login_registry", [], |r| r.get(0)).expect("count");
    if rows < 100_000 {
        let far = 4_000_000_000_i64; // the year 2096: live for any run
        let tx = conn.transaction().expect("transaction");
        {
            let mut insert = tx
                .prepare(
                    "INSERT OR REPLACE INTO login_registry
                     (id, user_key, created_at, last_seen_at, expires_at, remembered, user_agent)
                     VALUES (?1, ?2, 0, 0, ?3, 0, 'bench')",
                )
                .expect("prepare");
            for i in 0..100_000_i64 {
                let id = login_actix::registry::LoginId::random().to_string();
                insert.execute(rusqlite::params![id, (i % 5_000 + 1_000).to_string(), far]).expect("insert");
            }
        }
        tx.commit().expect("commit");
    }
    registry
}

/// The login of a single browser.
fn one(login: &str) -> Vec<String> {
    vec![login.to_owned()]
}

/// How many returning browsers `ours_remember` has, spread over the 100 users.
const BROWSERS: usize = 4096;

/// The remember-me logins of `BROWSERS` browsers, user by user in turn.
fn remembered_browsers() -> Vec<String> {
    (0..BROWSERS).map(|i| format!("/ours/login-remember?id={}", i % 100 + 1)).collect()
}

/// Builds an actix scenario.
pub(crate) fn build(name: &str, redis: Option<String>) -> Box<dyn Scenario> {
    let sys = actix_rt::System::new();
    let data = web::Data::new(users());
    macro_rules! scenario {
        ($app:expr, $login:expr, $only:expr, $path:expr) => {
            scenario!($app, $login, $only, $path, None)
        };
        ($app:expr, $login:expr, $only:expr, $path:expr, $keep:expr) => {
            scenario!($app, $login, $only, $path, $keep, None)
        };
        ($app:expr, $login:expr, $only:expr, $path:expr, $keep:expr, $clock:expr) => {{
            let svc = sys.block_on(test::init_service($app));
            let browsers: Vec<Option<String>> = match $login {
                Some(logins) => logins
                    .into_iter()
                    .map(|login: String| {
                        let res = sys.block_on(test::call_service(&svc, TestRequest::post().uri(&login).to_request()));
                        assert!(
                            res.status().is_success() || res.status().is_redirection(),
                            "{login}: {}",
                            res.status()
                        );
                        Some(cookies(&res, $only))
                    })
                    .collect(),
                None => vec![None],
            };
            let mut s =
                ActixScenario { sys, svc, path: $path, browsers, turn: 0, status: 200, keep: $keep, clock: $clock };
            // One round before the measured ones: every browser comes back with a
            // token it was given at its last visit (rotated, when remembered).
            for _ in 0..s.browsers.len() {
                s.request();
            }
            Box::new(s) as Box<dyn Scenario>
        }};
    }
    let config = || LoginConfig::builder(SECRET).cookie_secure(false).build().expect("config");
    let returning_config = || {
        let start = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        RETURNING_CLOCK.store(start, Ordering::Relaxed);
        LoginConfig::builder(SECRET)
            .cookie_secure(false)
            .clock(|| RETURNING_CLOCK.load(Ordering::Relaxed))
            .build()
            .expect("config")
    };
    match name {
        "hello" => scenario!(App::new().service(hello), None::<Vec<String>>, None, "/hello"),
        "session_public" => scenario!(
            App::new().service(public).wrap(session_mw(CookieSessionStore::default())),
            None::<Vec<String>>,
            None,
            "/public"
        ),
        "session_bare" => scenario!(
            App::new()
                .app_data(data.clone())
                .service(session_login)
                .service(session_protected)
                .wrap(session_mw(CookieSessionStore::default())),
            Some(one("/session/login")),
            None,
            "/session/protected"
        ),
        "identity" => scenario!(
            App::new()
                .app_data(data.clone())
                .service(identity_login)
                .service(identity_protected)
                .wrap(IdentityMiddleware::default())
                .wrap(session_mw(CookieSessionStore::default())),
            Some(one("/identity/login")),
            None,
            "/identity/protected"
        ),
        "ours" | "ours_public" | "ours_remember" | "ours_remember_one" => {
            let (login, only, path, keep) = match name {
                "ours" => (Some(one("/ours/login")), Some("id"), "/ours/protected", None),
                "ours_public" => (None, None, "/public", None),
                // Each restore rotates the token: every browser sends the latest one
                // it was given, once per round; its previous restore was a round ago.
                "ours_remember" => {
                    (Some(remembered_browsers()), Some("_remember"), "/ours/protected", Some("_remember"))
                }
                _ => (Some(one("/ours/login-remember?id=7")), Some("_remember"), "/ours/protected", Some("_remember")),
            };
            let (config, clock) = match name {
                "ours_remember" => (returning_config(), Some(&RETURNING_CLOCK)),
                _ => (config(), None),
            };
            scenario!(
                App::new()
                    .app_data(data.clone())
                    .service(public)
                    .service(ours_login)
                    .service(ours_login_remember)
                    .service(ours_protected)
                    .wrap(LoginMiddleware::new(loader(Plain), config))
                    .wrap(session_mw(CookieSessionStore::default())),
                login,
                only,
                path,
                keep,
                clock
            )
        }
        "ours_authhash" => scenario!(
            App::new()
                .app_data(data.clone())
                .service(hashed_login)
                .service(hashed_protected)
                .wrap(LoginMiddleware::new(loader(Hashed), config()))
                .wrap(session_mw(CookieSessionStore::default())),
            Some(one("/hashed/login")),
            Some("id"),
            "/hashed/protected"
        ),
        "ours_redis" => {
            let url = redis.expect("redis url");
            let store = sys.block_on(redis_store(&url));
            let registry =
                sys.block_on(login_actix::registry::RedisRegistry::connect(url.as_str())).expect("redis registry");
            let config = LoginConfig::builder(SECRET).cookie_secure(false).build().expect("config");
            scenario!(
                App::new()
                    .app_data(data.clone())
                    .service(ours_login)
                    .service(ours_protected)
                    .wrap(LoginMiddleware::new(loader(Plain), config).registry(std::sync::Arc::new(registry)))
                    .wrap(session_mw(store)),
                Some(one("/ours/login")),
                Some("id"),
                "/ours/protected"
            )
        }
        "ours_sqlite" => {
            let registry = sqlite_registry_with_100k_logins();
            let config = LoginConfig::builder(SECRET).cookie_secure(false).build().expect("config");
            scenario!(
                App::new()
                    .app_data(data.clone())
                    .service(ours_login)
                    .service(ours_protected)
                    .wrap(LoginMiddleware::new(loader(Plain), config).registry(std::sync::Arc::new(registry)))
                    .wrap(session_mw(CookieSessionStore::default())),
                Some(one("/ours/login")),
                Some("id"),
                "/ours/protected"
            )
        }
        other => panic!("unknown actix scenario {other}"),
    }
}
