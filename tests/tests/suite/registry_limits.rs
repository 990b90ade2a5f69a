//! The registry's limits: a Redis extend keeps the login listed and reachable, one
//! account cannot evict other users, the per-user cap, a re-login and logout leave no
//! remembered login alive, idle and almost-expired logins end, and another user's login
//! in a remembered browser ends the remembered one.

use std::{
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};

use actix_web::test::TestRequest;
use login_actix::{
    registry::{LiveLogin, LoginId, LoginRegistry, MemoryRegistry, RedisRegistry},
    LoginConfig,
};
use login_tests::{
    redis::redis_server,
    routes::{dashboard, end, login, logout, logout_all, sessions},
    routes::{get, login_req},
    send, text, Harness, Jar,
};

const SECRET: [u8; 64] = [0x5a; 64];
const START: u64 = 1_900_000_000;
const DAY: u64 = 86_400;

macro_rules! service {
    ($t:expr, $config:expr) => {
        login_tests::test_app!($t, $config, secret: SECRET, services: [
            dashboard, login, logout, logout_all, sessions, end,
        ])
    };
}

fn manual_config(clock: &Arc<AtomicU64>, idle: Option<u64>) -> LoginConfig {
    let clock = Arc::clone(clock);
    LoginConfig::builder(SECRET)
        .idle_timeout(idle.map(Duration::from_secs))
        .clock(move || clock.load(Ordering::SeqCst))
        .build()
        .expect("valid config")
}

fn wall_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_secs()
}

// ---------------------------------------------------------------------------------
// Redis registry: a login extended past its user set's TTL stays in the set, visible to
// the sessions page, `logout_everywhere` and `refresh_auth_hash`'s `remove_user`.
// ---------------------------------------------------------------------------------

/// Alice logs in on her phone without "remember me" (login lives 7 days, so does her
/// Redis user set), later re-authenticates in the same session with "remember me"
/// (login extended to 30 days; user set TTL untouched). Once the 7 days are over, the
/// phone's login is still live but no longer in the user set: the sessions page of
/// her laptop does not list it and "log out everywhere" does not end it.
///
/// The clock runs 7 days minus 3 seconds behind the wall clock, so "7 days later" is
/// 4 real seconds (Redis expires keys on the wall clock).
#[cfg_attr(not(has_redis), ignore = "needs redis-server on PATH")]
#[actix_rt::test]
async fn a_redis_extended_login_stays_listed_and_ends_with_logout_everywhere() {
    let redis = redis_server();
    let registry = RedisRegistry::connect(redis.url()).await.expect("redis registry");
    let offset = 7 * DAY - 3;
    let config = LoginConfig::builder(SECRET).clock(move || wall_now() - offset).build().expect("valid config");
    let t = Harness::new().with_registry(Arc::new(registry));
    let app = service!(t, config);

    let mut phone = Jar::new();
    assert_eq!(send(&app, &mut phone, login_req(1, None)).await.status(), 303);
    // Re-authentication (e.g. for a fresh-only page), now ticking "remember me".
    assert_eq!(send(&app, &mut phone, login_req(1, Some("on"))).await.status(), 303);
    assert_eq!(send(&app, &mut phone.clone(), get("/dashboard")).await.status(), 200);

    // "7 days" later (4 real seconds): the user set of alice has expired in Redis.
    actix_rt::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(send(&app, &mut phone.clone(), get("/dashboard")).await.status(), 200, "the phone is still live");

    let mut laptop = Jar::new();
    send(&app, &mut laptop, login_req(1, None)).await;
    let (_, listed) = text(&app, &mut laptop, get("/sessions")).await;
    let logins: Vec<serde_json::Value> = serde_json::from_str(&listed).expect("json");
    let (_, ended) = text(&app, &mut laptop, TestRequest::post().uri("/logout/all")).await;
    let phone_after = send(&app, &mut phone.clone(), get("/dashboard")).await.status().as_u16();
    let phone_remember_after = send(&app, &mut phone.without("id"), get("/dashboard")).await.status().as_u16();
    assert_eq!(
        (logins.len(), ended.as_str(), phone_after, phone_remember_after),
        (2, "2", 302, 302),
        "sessions page listed {listed}; logout_everywhere ended {ended}; the phone's session and remember \
         cookies still answer {phone_after}/{phone_remember_after} after 'log out everywhere'"
    );
}

// ---------------------------------------------------------------------------------
// Memory registry: at the cap, one account logging in with long remember durations
// evicts only its own logins, never everybody else's.
// ---------------------------------------------------------------------------------

#[actix_rt::test]
async fn one_account_flooding_logins_evicts_only_its_own_from_the_memory_registry() {
    let clock = Arc::new(AtomicU64::new(START));
    let registry = Arc::new(MemoryRegistry::with_max_logins(50));
    let t = Harness::new().with_registry(registry.clone());
    let app = service!(t, manual_config(&clock, None));

    let mut bob = Jar::new();
    send(&app, &mut bob, login_req(2, None)).await;
    assert_eq!(send(&app, &mut bob.clone(), get("/dashboard")).await.status(), 200);
    // Alice (the attacker's own account) logs in 50 times, remembered for 365 days.
    for _ in 0..50 {
        let mut jar = Jar::new();
        assert_eq!(send(&app, &mut jar, login_req(1, Some("365"))).await.status(), 303);
    }
    assert_eq!(
        send(&app, &mut bob, get("/dashboard")).await.status(),
        200,
        "bob was logged out by alice's logins: {} of {} registry entries are alice's",
        futures_executor::block_on(registry.list_user("1", START)).expect("list").len(),
        registry.len()
    );
}

/// The per-user operations are O(logins of that user) under the mutex every logged-in
/// request takes, so that count is capped in the store itself too (its backstop, for
/// direct use; behind the middleware the configuration's cap acts first): one account
/// cannot hold 200k logins.
#[test]
fn one_user_holds_at_most_the_memory_stores_own_cap() {
    const CAP: usize = 100;
    let registry = MemoryRegistry::new().max_logins_per_user(CAP);
    let live = |user: &str, t: u64| LiveLogin {
        id: LoginId::random(),
        user_key: user.into(),
        created_at: START + t,
        last_seen_at: START + t,
        expires_at: START + 365 * DAY,
        remembered: true,
        user_agent: "x".repeat(120),
    };
    let bob = live("2", 0);
    futures_executor::block_on(registry.insert(bob.clone())).expect("insert");
    for t in 0..5_000 {
        futures_executor::block_on(registry.insert(live("1", t))).expect("insert");
    }
    let listed = futures_executor::block_on(registry.list_user("1", START + 5_000)).expect("list");
    assert_eq!(listed.len(), CAP);
    assert_eq!(listed[0].created_at, START + 5_000 - CAP as u64, "the newest ones stay");
    assert!(futures_executor::block_on(registry.lookup(bob.id, START + 1)).expect("lookup").is_some());
    assert_eq!(registry.len(), CAP + 1);
}

// ---------------------------------------------------------------------------------
// A credential login in a browser that carries only a remember cookie ends the
// remembered login it replaces, so no copy of that cookie lives on.
// ---------------------------------------------------------------------------------

#[actix_rt::test]
async fn a_logout_after_a_relogin_ends_the_browsers_remembered_login_too() {
    let clock = Arc::new(AtomicU64::new(START));
    let registry = Arc::new(MemoryRegistry::new());
    let t = Harness::new().with_registry(registry.clone());
    let app = service!(t, manual_config(&clock, None));

    let mut browser = Jar::new();
    send(&app, &mut browser, login_req(1, Some("on"))).await;
    // The remember cookie is copied (malware, a synced profile, a shared computer) ...
    let stolen = browser.without("id");
    // ... the browser restarts (session cookie gone) and the user logs in again with
    // the form straight away, without ticking "remember me" ...
    browser.remove("id");
    assert_eq!(send(&app, &mut browser, login_req(1, None)).await.status(), 303);
    // The re-login continues the login the remember cookie names (same user, live).
    assert_eq!(futures_executor::block_on(registry.list_user("1", START)).expect("list").len(), 1);
    // ... and then logs out, expecting this browser to be logged out everywhere it was.
    send(&app, &mut browser, TestRequest::post().uri("/logout")).await;
    let live = futures_executor::block_on(registry.list_user("1", START)).expect("list");
    let replay = send(&app, &mut stolen.clone(), get("/dashboard")).await.status().as_u16();
    assert_eq!(
        (replay, live.len()),
        (302, 0),
        "after logout the copied remember cookie answers {replay}; {} login(s) of alice left in the registry",
        live.len()
    );
}

// ---------------------------------------------------------------------------------
// A re-login into a session whose login is idle-expired (not yet noticed) starts a
// login that the very next request keeps.
// ---------------------------------------------------------------------------------

#[actix_rt::test]
async fn a_credential_relogin_after_idle_is_logged_out_at_the_next_request() {
    let clock = Arc::new(AtomicU64::new(START));
    let registry = Arc::new(MemoryRegistry::new());
    let t = Harness::new().with_registry(registry.clone());
    let app = service!(t, manual_config(&clock, Some(600)));

    let mut jar = Jar::new();
    send(&app, &mut jar, login_req(1, None)).await;
    clock.fetch_add(700, Ordering::SeqCst); // idle longer than the timeout
    assert_eq!(send(&app, &mut jar, login_req(1, None)).await.status(), 303, "password accepted");
    clock.fetch_add(1, Ordering::SeqCst);
    assert_eq!(send(&app, &mut jar, get("/dashboard")).await.status(), 200, "logged out right after logging in");
}

/// Same mechanism for the absolute lifetime: a credential re-login one minute before
/// the login's end keeps that end, so the fresh login dies a minute later.
#[actix_rt::test]
async fn a_credential_relogin_near_the_absolute_end_dies_with_the_old_login() {
    let clock = Arc::new(AtomicU64::new(START));
    let registry = Arc::new(MemoryRegistry::new());
    let t = Harness::new().with_registry(registry.clone());
    let app = service!(t, manual_config(&clock, None));

    let mut jar = Jar::new();
    send(&app, &mut jar, login_req(1, None)).await; // session lifetime: 7 days
    clock.fetch_add(7 * DAY - 60, Ordering::SeqCst);
    assert_eq!(send(&app, &mut jar, login_req(1, None)).await.status(), 303, "password accepted");
    clock.fetch_add(120, Ordering::SeqCst);
    assert_eq!(send(&app, &mut jar, get("/dashboard")).await.status(), 200, "logged out 2 minutes after a login");
}

/// Idle-ended logins are never removed unless their own cookie comes back: they stay in
/// the registry (counting towards the cap) and the sessions page lists them as live.
#[actix_rt::test]
async fn idle_logins_are_not_listed_and_leave_the_registry() {
    let clock = Arc::new(AtomicU64::new(START));
    let registry = Arc::new(MemoryRegistry::new());
    let t = Harness::new().with_registry(registry.clone());
    let app = service!(t, manual_config(&clock, Some(600)));

    let mut abandoned = Jar::new();
    send(&app, &mut abandoned, login_req(1, None)).await;
    clock.fetch_add(3600, Ordering::SeqCst);
    let mut laptop = Jar::new();
    send(&app, &mut laptop, login_req(1, None)).await;
    let (_, listed) = text(&app, &mut laptop, get("/sessions")).await;
    let logins: Vec<serde_json::Value> = serde_json::from_str(&listed).expect("json");
    assert_eq!(
        (logins.len(), registry.len()),
        (1, 1),
        "an hour-idle login (timeout 10 min) is listed as live: {listed}"
    );
}

/// Bob logging in on a browser that holds only alice's remember cookie ends alice's
/// remembered login, so a copy of her cookie dies with it.
#[actix_rt::test]
async fn another_users_login_in_a_remembered_browser_ends_the_remembered_login() {
    let clock = Arc::new(AtomicU64::new(START));
    let registry = Arc::new(MemoryRegistry::new());
    let t = Harness::new().with_registry(registry.clone());
    let app = service!(t, manual_config(&clock, None));
    let mut browser = Jar::new();
    send(&app, &mut browser, login_req(1, Some("on"))).await;
    let copy = browser.without("id");
    browser.remove("id");
    let res = send(&app, &mut browser, login_req(2, None)).await;
    assert!(login_tests::set_cookie_lines(&res, "_remember").iter().any(|l| l.contains("Max-Age=0")));
    assert!(futures_executor::block_on(registry.list_user("1", START)).expect("list").is_empty());
    assert_eq!(send(&app, &mut copy.clone(), get("/dashboard")).await.status(), 302);
    assert_eq!(text(&app, &mut browser, get("/dashboard")).await.1, "hi bob");
}
