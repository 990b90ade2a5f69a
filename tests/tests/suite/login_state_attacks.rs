//! The request's login state under attack: a remember restore that writes no session
//! (planted data, a fixated session id, logout, freshness, a password change in it),
//! logging in after logging out in one request, and the per-user cap (its event, a cap
//! above the memory store's old one, two logins at once, Redis).

use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc,
};

use actix_session::storage::{CookieSessionStore, RedisSessionStore};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use futures_util::future::BoxFuture;
use login_actix::{
    events::{EndReason, LoginEvent},
    guard::FreshLoginRequired,
    registry::{
        LiveLogin, LoginId, LoginRegistry, LoginTimes, MemoryRegistry, RedisRegistry, SecondFactorStore, StoreError,
    },
    two_factor::{AtCap, PendingLogin},
    CurrentUser, LoginSession, Remember,
};
use login_tests::{
    redis::redis_server,
    routes::{cart, dashboard, index, login, logout, my_cart, put_cart, put_my_cart, sessions},
    routes::{get, login_req, post},
    send, set_cookie_lines, text, Harness, Jar, User, Users,
};

// --- Handlers --------------------------------------------------------------------------

#[get("/sudo")]
async fn sudo(_: FreshLoginRequired, user: CurrentUser<User>) -> String {
    format!("sudo {}", user.name)
}

/// "Switch account": log out, then log in as bob, in one request; then who is current.
#[post("/switch")]
async fn switch(req: HttpRequest, auth: LoginSession<User>, users: web::Data<Users>) -> actix_web::Result<String> {
    use login_actix::dev::LoginRequestExt;
    auth.logout_user().await?;
    let bob = users.get(2).expect("bob");
    let _ = auth.login_user(&bob, Remember::No).await?;
    let who = req.current_user::<User>().await?;
    Ok(who.map_or_else(|| "anonymous".to_owned(), |u| u.name.clone()))
}

/// A password change of alice: her hash changes, this browser keeps its login.
#[post("/password")]
async fn password(req: HttpRequest, auth: LoginSession<User>, users: web::Data<Users>) -> actix_web::Result<String> {
    use login_actix::dev::LoginRequestExt;
    // The state first (as a handler taking `CurrentUser` has it), then the change.
    let Some(_) = req.current_user::<User>().await? else { return Ok("anonymous".into()) };
    let mut alice = users.get(1).expect("alice");
    alice.password = format!("{}!", alice.password);
    users.put(alice.clone());
    auth.refresh_auth_hash(&alice).await?;
    let who = req.current_user::<User>().await?;
    Ok(who.map_or_else(|| "anonymous".to_owned(), |u| u.name.clone()))
}

/// Logs bob in (no remember), whatever the request carried.
#[post("/login-bob")]
async fn login_bob(auth: LoginSession<User>, users: web::Data<Users>) -> actix_web::Result<HttpResponse> {
    let bob = users.get(2).expect("bob");
    Ok(auth.login_user(&bob, Remember::No).await?.into_response())
}

macro_rules! app {
    ($t:expr, $config:expr, $store:expr, $secret:expr, $hook:expr) => {
        login_tests::test_app!($t, $config, hook: $hook, store: $store, secret: $secret, services: [
            dashboard, index, login, logout, sessions, put_cart, cart, my_cart, put_my_cart, sudo, switch, password,
            login_bob,
        ])
    };
    ($t:expr, $config:expr, $secret:expr) => {
        app!($t, $config, CookieSessionStore::default(), $secret, |_: &HttpRequest, _: &LoginEvent| {})
    };
}

/// A jar holding only `remember` (a browser after a restart, or a script).
fn remember_only(remember: &str) -> Jar {
    let mut jar = Jar::new();
    jar.set("_remember", remember);
    jar
}

fn counter(reason: EndReason) -> (Arc<AtomicUsize>, impl Fn(&HttpRequest, &LoginEvent) + Clone + 'static) {
    let count = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&count);
    let hook = move |_: &HttpRequest, e: &LoginEvent| {
        if matches!(e, LoginEvent::Ended { reason: r, .. } if *r == reason) {
            seen.fetch_add(1, Ordering::SeqCst);
        }
    };
    (count, hook)
}

// --- The stateless remember restore ------------------------------------------------------

/// DESIGN.md: "any login whose previous record is missing, dropped or another
/// user's starts from an empty session, whatever the login continues (a remember token
/// included)". A normal restore clears the session; a restore inside the window (the
/// same login was restored into a session less than a touch interval ago in this
/// process) authenticates from the token alone and leaves data planted in an anonymous
/// session in place: alice is logged in and the page shows the planted cart.
#[actix_rt::test]
async fn a_stateless_restore_starts_from_an_empty_session() {
    const SECRET: [u8; 64] = [71; 64];
    let t = Harness::new();
    let app = app!(t, t.builder(SECRET).build().expect("config"), SECRET);
    let mut alice = Jar::new();
    send(&app, &mut alice, login_req(1, Some("on"))).await;
    let token = alice.get("_remember").expect("remember").to_owned();

    // Control, outside the window: the restore starts from an empty session.
    let mut planted = Jar::new();
    send(&app, &mut planted, post("/cart", "planted")).await;
    planted.set("_remember", &token);
    assert_eq!(text(&app, &mut planted, get("/my-cart")).await.1, "alice:empty", "control");

    // The window is now open (that request restored the login). Another browser holding
    // an anonymous session with planted data and alice's remember cookie:
    t.advance(5);
    let mut planted = Jar::new();
    send(&app, &mut planted, post("/cart", "planted")).await;
    planted.set("_remember", &token);
    assert_eq!(
        text(&app, &mut planted, get("/my-cart")).await.1,
        "alice:empty",
        "a stateless restore kept the anonymous session's planted data"
    );
}

/// The same, with a server-side session store: an attacker's own anonymous
/// session id tossed into alice's browser (sibling subdomain, no `__Host-`) is not
/// renewed by a stateless restore, so what alice's logged-in pages store in the
/// session lands in a session the attacker holds (session fixation, DESIGN.md: "Login
/// renews the session id").
#[actix_rt::test]
#[cfg_attr(not(has_redis), ignore = "needs redis-server on PATH")]
async fn a_stateless_restore_never_writes_into_a_fixated_session_id() {
    const SECRET: [u8; 64] = [72; 64];
    let redis = redis_server();
    let store = RedisSessionStore::new(redis.url()).await.expect("redis session store");
    let t = Harness::new();
    let config = t.builder(SECRET).build().expect("config");
    let app = app!(t, config, store, SECRET, |_: &HttpRequest, _: &LoginEvent| {});

    let mut alice = Jar::new();
    send(&app, &mut alice, login_req(1, Some("on"))).await;
    let token = alice.get("_remember").expect("remember").to_owned();
    // Alice's browser restarts: its first request restores the login.
    let mut browser = remember_only(&token);
    assert_eq!(text(&app, &mut browser, get("/my-cart")).await.1, "alice:empty");

    // The attacker makes an anonymous session of his own and tosses its id into alice's
    // browser a few seconds later.
    let mut attacker = Jar::new();
    send(&app, &mut attacker, post("/cart", "attacker")).await;
    let fixed = attacker.get("id").expect("session id").to_owned();
    t.advance(5);
    browser.set("id", &fixed);
    assert_eq!(text(&app, &mut browser, get("/my-cart")).await.1.split(':').next(), Some("alice"));
    send(&app, &mut browser, post("/my-cart", "alice's card 4111")).await;
    assert_ne!(
        text(&app, &mut attacker, get("/cart")).await.1,
        "alice's card 4111",
        "alice's logged-in data was written into the attacker's session id"
    );
}

/// In a request authenticated from the token alone, logout ends the login: the
/// token and the session restored earlier are anonymous afterwards.
#[actix_rt::test]
async fn a_logout_in_a_stateless_restore_ends_the_login_everywhere() {
    const SECRET: [u8; 64] = [73; 64];
    let t = Harness::new();
    let app = app!(t, t.builder(SECRET).build().expect("config"), SECRET);
    let mut alice = Jar::new();
    send(&app, &mut alice, login_req(1, Some("on"))).await;
    let token = alice.get("_remember").expect("remember").to_owned();
    let mut restored = remember_only(&token);
    assert_eq!(text(&app, &mut restored, get("/dashboard")).await.1, "hi alice");
    assert!(restored.get("id").is_some(), "the first restore wrote a session");
    let mut stateless = remember_only(&token);
    let res = send(&app, &mut stateless, get("/dashboard")).await;
    assert!(set_cookie_lines(&res, "id").is_empty(), "inside the window no session is written");
    assert_eq!(send(&app, &mut remember_only(&token), post("/logout", "")).await.status(), 200);
    assert_eq!(send(&app, &mut remember_only(&token), get("/dashboard")).await.status(), 302);
    assert_eq!(send(&app, &mut restored, get("/dashboard")).await.status(), 302);
    assert_eq!(send(&app, &mut alice, get("/dashboard")).await.status(), 302);
}

/// A stateless restore is never fresh, and a login of another user in such a
/// request ends the remembered login (no login this browser held outlives it).
#[actix_rt::test]
async fn a_stateless_restore_is_not_fresh_and_a_login_over_it_ends_the_remembered_login() {
    const SECRET: [u8; 64] = [74; 64];
    let t = Harness::new();
    let app = app!(t, t.builder(SECRET).build().expect("config"), SECRET);
    let mut alice = Jar::new();
    send(&app, &mut alice, login_req(1, Some("on"))).await;
    let token = alice.get("_remember").expect("remember").to_owned();
    send(&app, &mut remember_only(&token), get("/")).await; // opens the window
    assert_eq!(send(&app, &mut remember_only(&token), get("/sudo")).await.status(), 302, "fresh");
    let mut browser = remember_only(&token);
    assert_eq!(send(&app, &mut browser, post("/login-bob", "")).await.status(), 303);
    assert_eq!(text(&app, &mut browser, get("/dashboard")).await.1, "hi bob");
    assert_eq!(send(&app, &mut remember_only(&token), get("/dashboard")).await.status(), 302);
}

/// `refresh_auth_hash` in a stateless request: this browser keeps the login
/// (a new remember cookie with the new hash), every other login of alice ends.
#[actix_rt::test]
async fn refresh_auth_hash_in_a_stateless_restore_keeps_this_login_only() {
    const SECRET: [u8; 64] = [75; 64];
    let t = Harness::new();
    let app = app!(t, t.builder(SECRET).build().expect("config"), SECRET);
    let mut alice = Jar::new();
    send(&app, &mut alice, login_req(1, Some("on"))).await;
    let mut laptop = Jar::new();
    send(&app, &mut laptop, login_req(1, None)).await;
    let token = alice.get("_remember").expect("remember").to_owned();
    send(&app, &mut remember_only(&token), get("/")).await; // opens the window
    let mut browser = remember_only(&token);
    assert_eq!(text(&app, &mut browser, post("/password", "")).await.1, "alice");
    assert_ne!(browser.get("_remember"), Some(token.as_str()), "a new remember cookie");
    assert_eq!(text(&app, &mut browser, get("/dashboard")).await.1, "hi alice");
    assert_eq!(text(&app, &mut browser.without("id"), get("/dashboard")).await.1, "hi alice");
    assert_eq!(send(&app, &mut laptop, get("/dashboard")).await.status(), 302, "other login ended");
}

// --- The request's login state after logout_user -----------------------------------------

/// A "switch account" handler (logout, then login as bob, in one request): actix-session
/// ignores every write after `purge()`, so the login cannot be kept. It is refused with
/// `LoginError::SessionPurged` before a login exists (none is left in the registry with
/// no cookie naming it), never reported as a success.
#[actix_rt::test]
async fn a_login_after_logout_in_the_same_request_is_refused_not_lost() {
    const SECRET: [u8; 64] = [76; 64];
    let t = Harness::new();
    let app = app!(t, t.builder(SECRET).build().expect("config"), SECRET);
    let mut jar = Jar::new();
    send(&app, &mut jar, login_req(1, None)).await;
    // The logout holds; the login after it in the same request is refused loudly (a
    // 500 naming the fix), before any login is created, never a silent success.
    let (status, _) = text(&app, &mut jar, post("/switch", "")).await;
    assert_eq!(status, 500, "a login into a session purged in the same request");
    assert_eq!(text(&app, &mut jar, get("/")).await.1, "anonymous");
}

// --- The per-user cap ----------------------------------------------------------------------

/// The cap's event, as the config docs say ("emits
/// `Ended` with reason `TooManyLogins`"). With the defaults (memory registry, cap 100)
/// the memory store drops the oldest login itself on the 101st insert, before the
/// library looks: the login ends silently.
#[actix_rt::test]
async fn reaching_the_default_cap_ends_the_oldest_login_with_an_event() {
    const SECRET: [u8; 64] = [77; 64];
    let t = Harness::new();
    let (ended, hook) = counter(EndReason::TooManyLogins);
    let config = t.builder(SECRET).build().expect("config");
    assert_eq!(config.max_logins_per_user(), 100);
    let app = app!(t, config, CookieSessionStore::default(), SECRET, hook);
    let mut first = Jar::new();
    send(&app, &mut first, login_req(1, None)).await;
    for _ in 0..100 {
        t.advance(1);
        send(&app, &mut Jar::new(), login_req(1, None)).await;
    }
    assert_eq!(send(&app, &mut first, get("/dashboard")).await.status(), 302, "the oldest went");
    assert_eq!(ended.load(Ordering::SeqCst), 1, "the oldest login ended without a TooManyLogins event");
}

/// "One documented per-user cap, the same in memory, SQLite and Redis":
/// `max_logins_per_user(150)` is "the most live logins one user may hold, in any
/// store", but the memory registry keeps its own cap of 100 and ends the 101st login's
/// oldest sibling anyway.
#[actix_rt::test]
async fn a_configured_cap_above_100_is_the_cap_the_memory_store_keeps() {
    const SECRET: [u8; 64] = [78; 64];
    let t = Harness::new();
    let config = t.builder(SECRET).max_logins_per_user(150).build().expect("config");
    let app = app!(t, config, SECRET);
    let mut first = Jar::new();
    send(&app, &mut first, login_req(1, None)).await;
    let mut last = Jar::new();
    for _ in 0..119 {
        t.advance(1);
        last = Jar::new();
        send(&app, &mut last, login_req(1, None)).await;
    }
    let (status, json) = text(&app, &mut last, get("/sessions")).await;
    assert_eq!(status, 200);
    let listed = serde_json::from_str::<Vec<serde_json::Value>>(&json).expect("json").len();
    assert_eq!(
        (listed, send(&app, &mut first, get("/dashboard")).await.status().as_u16()),
        (120, 200),
        "120 logins under a cap of 150: (listed, first login's status)"
    );
}

/// A memory registry that yields before every call, as a networked store (Redis,
/// Postgres) does: concurrent requests interleave.
#[derive(Debug, Default)]
struct YieldingRegistry(MemoryRegistry);

macro_rules! yielding {
    ($self:ident . $method:ident ( $($arg:expr),* )) => {
        Box::pin(async move {
            tokio::task::yield_now().await;
            $self.0.$method($($arg),*).await
        })
    };
}

impl LoginRegistry for YieldingRegistry {
    fn insert(&self, entry: LiveLogin) -> BoxFuture<'_, Result<(), StoreError>> {
        yielding!(self.insert(entry))
    }
    fn lookup(&self, id: LoginId, now: u64) -> BoxFuture<'_, Result<Option<LoginTimes>, StoreError>> {
        yielding!(self.lookup(id, now))
    }
    fn touch(&self, id: LoginId, now: u64) -> BoxFuture<'_, Result<(), StoreError>> {
        yielding!(self.touch(id, now))
    }
    fn extend(&self, id: LoginId, expires_at: u64, remembered: bool) -> BoxFuture<'_, Result<(), StoreError>> {
        yielding!(self.extend(id, expires_at, remembered))
    }
    fn rotate(&self, id: LoginId, from: u32, now: u64) -> BoxFuture<'_, Result<Option<LoginTimes>, StoreError>> {
        yielding!(self.rotate(id, from, now))
    }
    fn remove(&self, id: LoginId) -> BoxFuture<'_, Result<bool, StoreError>> {
        yielding!(self.remove(id))
    }
    fn remove_user(&self, user_key: &str, keep: Option<LoginId>) -> BoxFuture<'_, Result<usize, StoreError>> {
        let user_key = user_key.to_owned();
        Box::pin(async move {
            tokio::task::yield_now().await;
            self.0.remove_user(&user_key, keep).await
        })
    }
    fn list_user(&self, user_key: &str, now: u64) -> BoxFuture<'_, Result<Vec<LiveLogin>, StoreError>> {
        let user_key = user_key.to_owned();
        Box::pin(async move {
            tokio::task::yield_now().await;
            self.0.list_user(&user_key, now).await
        })
    }
}

/// The second factor's state: the memory store's, without yielding.
impl SecondFactorStore for YieldingRegistry {
    fn use_totp_step(&self, user_key: &str, step: u64) -> BoxFuture<'_, Result<bool, StoreError>> {
        self.0.use_totp_step(user_key, step)
    }
    fn device_epoch(&self, user_key: &str) -> BoxFuture<'_, Result<u64, StoreError>> {
        self.0.device_epoch(user_key)
    }
    fn forget_devices(&self, user_key: &str) -> BoxFuture<'_, Result<u64, StoreError>> {
        self.0.forget_devices(user_key)
    }
    fn insert_pending(&self, pending: PendingLogin, at_cap: AtCap) -> BoxFuture<'_, Result<bool, StoreError>> {
        self.0.insert_pending(pending, at_cap)
    }
    fn pending(&self, id: LoginId, now: u64) -> BoxFuture<'_, Result<Option<PendingLogin>, StoreError>> {
        self.0.pending(id, now)
    }
    fn fail_pending(&self, id: LoginId, max: u32, now: u64) -> BoxFuture<'_, Result<Option<u32>, StoreError>> {
        self.0.fail_pending(id, max, now)
    }
    fn remove_pending(&self, id: LoginId) -> BoxFuture<'_, Result<bool, StoreError>> {
        self.0.remove_pending(id)
    }
    fn remove_pending_of(&self, user_key: &str) -> BoxFuture<'_, Result<usize, StoreError>> {
        self.0.remove_pending_of(user_key)
    }
}

/// "Which login goes when it is reached: the oldest, not the one logging in."
/// With `max_logins_per_user(1)` (one session per user) and two logins of alice at
/// once (two tabs, a phone and a laptop), each login's cap check sees the other new
/// login and ends it: both answer 303 "logged in", neither is.
#[actix_rt::test]
async fn two_logins_at_once_at_the_cap_never_end_the_ones_logging_in() {
    const SECRET: [u8; 64] = [79; 64];
    let t = Harness::new();
    let registry = Arc::new(YieldingRegistry::default());
    let config = t.builder(SECRET).max_logins_per_user(1).build().expect("config");
    let app = app!(t.with_registry(registry), config, SECRET);
    let mut old = Jar::new();
    send(&app, &mut old, login_req(1, None)).await;
    assert_eq!(text(&app, &mut old, get("/dashboard")).await.1, "hi alice", "a yielding store works alone");
    t.advance(1);
    let mut c = Jar::new();
    send(&app, &mut c, login_req(1, None)).await;
    assert_eq!(text(&app, &mut c, get("/dashboard")).await.1, "hi alice", "one login at a time: it stays");
    assert_eq!(send(&app, &mut old, get("/dashboard")).await.status(), 302, "and the older one went");
    old = c;
    t.advance(1);
    let (mut a, mut b) = (Jar::new(), Jar::new());
    let (ra, rb) = tokio::join!(a.send(&app, login_req(1, None)), b.send(&app, login_req(1, None)));
    assert_eq!((ra.status().as_u16(), rb.status().as_u16()), (303, 303));
    let sa = send(&app, &mut a, get("/dashboard")).await.status().as_u16();
    let sb = send(&app, &mut b, get("/dashboard")).await.status().as_u16();
    assert!(sa == 200 || sb == 200, "both concurrent logins were ended by the cap: a={sa} b={sb}");
    assert_eq!(send(&app, &mut old, get("/dashboard")).await.status(), 302, "the oldest goes");
}

/// The library's cap on the Redis registry: the oldest goes, not the one logging
/// in, other users untouched, one event each.
#[actix_rt::test]
#[cfg_attr(not(has_redis), ignore = "needs redis-server on PATH")]
async fn the_redis_registry_holds_at_most_the_per_user_cap_and_the_oldest_login_goes() {
    const SECRET: [u8; 64] = [80; 64];
    let redis = redis_server();
    let registry = Arc::new(RedisRegistry::connect(redis.url()).await.expect("redis"));
    let t = Harness::new();
    let (ended, hook) = counter(EndReason::TooManyLogins);
    let config = t.builder(SECRET).max_logins_per_user(3).build().expect("config");
    let app = app!(t.with_registry(registry), config, CookieSessionStore::default(), SECRET, hook);
    let mut first = Jar::new();
    send(&app, &mut first, login_req(1, Some("on"))).await;
    let mut bob = Jar::new();
    send(&app, &mut bob, login_req(2, None)).await;
    let mut newest = Jar::new();
    for _ in 0..5 {
        t.advance(1);
        newest = Jar::new();
        send(&app, &mut newest, login_req(1, Some("on"))).await;
    }
    let json = text(&app, &mut newest, get("/sessions")).await.1;
    assert_eq!(serde_json::from_str::<Vec<serde_json::Value>>(&json).expect("json").len(), 3);
    assert_eq!(ended.load(Ordering::SeqCst), 3);
    assert_eq!(send(&app, &mut first, get("/dashboard")).await.status(), 302);
    assert_eq!(send(&app, &mut first.without("id"), get("/dashboard")).await.status(), 302);
    assert_eq!(text(&app, &mut newest, get("/dashboard")).await.1, "hi alice");
    assert_eq!(text(&app, &mut bob, get("/dashboard")).await.1, "hi bob");
}
