//! The Redis stores against a real `redis-server`: what a remember restore writes, a
//! lost user index, a lost device epoch, and logouts across a Redis crash.

use login_actix::registry::{user_key, LiveLogin, LoginId, LoginRegistry, RedisRegistry, SecondFactorStore};
use login_examples::settings::SessionStoreKind;
use login_tests::{
    demo::{test_settings, Browser, DemoServer},
    redis::redis_server,
};

fn login(user: &str, now: u64) -> LiveLogin {
    LiveLogin {
        id: LoginId::random(),
        user_key: user_key(&user),
        created_at: now,
        last_seen_at: now,
        expires_at: now + 3_600,
        remembered: false,
        user_agent: "test".into(),
    }
}

fn wall_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs()
}

/// A client that keeps only the remember cookie (a script dropping the session cookie)
/// makes every request a restore. Counted in Redis keys per 1,000 such requests: before
/// the fix each wrote a new one-day session (+1,000 keys); now a login is restored into
/// a new session at most once per touch interval, and the other requests are
/// authenticated from the token alone.
#[cfg_attr(not(has_redis), ignore = "needs redis-server on PATH")]
#[test]
fn remember_only_requests_do_not_multiply_server_side_sessions() {
    let redis = redis_server();
    let server = DemoServer::start(test_settings(SessionStoreKind::Redis(redis.url()), None)).expect("demo");
    let mut browser = Browser::new(server.addr);
    assert_eq!(browser.login("alice", "wonderland", Some("on")).status, 303);
    let remember = browser.jar.get("_remember").expect("remember cookie").to_owned();
    let before = redis.dbsize();
    for i in 0..1_000 {
        let mut script = Browser::new(server.addr);
        script.jar.set("_remember", &remember);
        let r = script.get("/api/me");
        assert_eq!(r.status, 200, "request {i}: {}", r.body);
    }
    let written = redis.dbsize().saturating_sub(before);
    eprintln!("keys written by 1,000 remember-only requests: {written}");
    assert!(written <= 1, "{written} keys written by 1,000 remember-only requests");
}

/// Under `maxmemory` with an evicting policy Redis may drop a user's set of login ids.
/// The logins must not outlive their index: a login whose user set lost it is not
/// live, so "log out everywhere" can never miss one.
#[cfg_attr(not(has_redis), ignore = "needs redis-server on PATH")]
#[actix_rt::test]
async fn a_login_missing_from_its_users_index_is_not_live() {
    let redis = redis_server();
    let registry = RedisRegistry::connect(redis.url()).await.expect("connects");
    let now = wall_now();
    let (phone, laptop, bob) = (login("alice", now), login("alice", now), login("bob", now));
    for l in [&phone, &laptop, &bob] {
        registry.insert(l.clone()).await.expect("insert");
    }
    assert!(registry.lookup(phone.id, now).await.expect("lookup").is_some());
    // The eviction: alice's user set is gone, her login hashes are still there.
    assert_eq!(redis.command(&["DEL", &format!("login:u:{}", user_key(&"alice"))]), ":1");
    assert_eq!(redis.command(&["EXISTS", &format!("login:l:{}", phone.id)]), ":1");
    assert!(registry.lookup(phone.id, now).await.expect("lookup").is_none(), "an unindexed login is live");
    assert!(registry.lookup(laptop.id, now).await.expect("lookup").is_none());
    assert!(registry.list_user(&user_key(&"alice"), now).await.expect("list").is_empty());
    assert!(registry.lookup(bob.id, now).await.expect("lookup").is_some(), "other users untouched");
}

/// A user's device epoch holds in Redis as long as its key does. A lost key (a restart
/// without persistence, a flush) starts a new, random epoch, never the first one again:
/// the device cookies of the lost epochs, forgotten ones among them, never match again.
#[cfg_attr(not(has_redis), ignore = "needs redis-server on PATH")]
#[actix_rt::test]
async fn a_lost_device_epoch_never_comes_back() {
    let redis = redis_server();
    let registry = RedisRegistry::connect(redis.url()).await.expect("connects");
    let alice = user_key(&"alice");
    let first = registry.device_epoch(&alice).await.expect("epoch");
    assert_eq!(registry.device_epoch(&alice).await.expect("epoch"), first, "stable while kept");
    let forgotten = registry.forget_devices(&alice).await.expect("forget");
    assert_eq!(forgotten, first + 1, "forgetting moves the epoch on");
    assert_eq!(redis.command(&["DEL", &format!("login:f:{alice}")]), ":1");
    let fresh = registry.device_epoch(&alice).await.expect("epoch");
    assert!(fresh != first && fresh != forgotten, "a lost epoch came back: {fresh}");
    let bob = user_key(&"bob");
    assert_ne!(registry.forget_devices(&bob).await.expect("forget"), 1, "a first forget starts at random too");
}

/// With the documented persistence (`appendonly yes`, `appendfsync always`), a logout
/// holds across a Redis crash and restart: the logged-out copy stays anonymous.
#[cfg_attr(not(has_redis), ignore = "needs redis-server on PATH")]
#[test]
fn a_logout_survives_a_redis_crash_with_appendfsync_always() {
    let mut redis = redis_server();
    let server = DemoServer::start(test_settings(SessionStoreKind::Redis(redis.url()), None)).expect("demo");
    let mut browser = Browser::new(server.addr);
    browser.login("alice", "wonderland", Some("on"));
    let mut other = Browser::new(server.addr);
    other.login("alice", "wonderland", None);
    let copy = browser.jar.clone();
    assert_eq!(browser.post("/logout", &[]).status, 303);
    redis.crash();
    redis.restart().expect("redis restarts");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while other.get("/api/me").status != 200 {
        assert!(std::time::Instant::now() < deadline, "no recovery within 15 s");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let mut replay = Browser::new(server.addr);
    replay.jar = copy.clone();
    assert_eq!(replay.get("/api/me").status, 401, "the logged-out session copy is back");
    let mut replay = Browser::new(server.addr);
    replay.jar = copy;
    replay.jar.remove("id");
    assert_eq!(replay.get("/api/me").status, 401, "the logged-out remember copy is back");
}
