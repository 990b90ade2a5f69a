//! Several demo instances behind one login: sessions and the login registry in a real Redis,
//! under load and with Redis stopped mid-run.

use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use login_examples::settings::SessionStoreKind;
use login_tests::{
    demo::{test_settings, Browser, DemoServer},
    redis::{redis_server, RedisServer},
};

/// Two instances sharing Redis, the secret and the user database.
fn two_instances(redis: &RedisServer, name: &str) -> (DemoServer, DemoServer, std::path::PathBuf) {
    let db = std::env::temp_dir().join(format!("login-users-{}-{name}.db", std::process::id()));
    let _ = std::fs::remove_file(&db);
    let store = SessionStoreKind::Redis(redis.url());
    let a = DemoServer::start(test_settings(store.clone(), Some(db.clone()))).expect("instance A");
    let b = DemoServer::start(test_settings(store, Some(db.clone()))).expect("instance B");
    (a, b, db)
}

/// The same browser (cookie jar) talking to another instance.
fn on(server: &DemoServer, jar: &login_tests::Jar) -> Browser {
    let mut b = Browser::new(server.addr);
    b.jar = jar.clone();
    b
}

#[cfg_attr(not(has_redis), ignore = "needs redis-server on PATH")]
#[test]
fn logins_and_logouts_hold_across_instances() {
    let redis = redis_server();
    let (a, b, db) = two_instances(&redis, "logout");
    let mut on_a = Browser::new(a.addr);
    on_a.login("alice", "wonderland", Some("on"));
    let mut on_b = on(&b, &on_a.jar);
    assert!(on_b.get("/dashboard").body.contains("hi alice"), "login on A seen by B");
    assert_eq!(on_b.get("/settings").status, 200, "fresh on B too");

    let copy = on_a.jar.clone();
    assert_eq!(on_a.post("/logout", &[]).status, 303);
    let mut replay = on(&b, &copy);
    assert_eq!(replay.get("/dashboard").status, 302, "session copy works on B after logout on A");
    let mut replay = on(&b, &copy);
    replay.jar.remove("id");
    assert_eq!(replay.get("/dashboard").status, 302, "remember copy works on B after logout on A");
    drop((a, b));
    let _ = std::fs::remove_file(db);
}

/// The sessions page on one instance lists logins made on both, and ending one there
/// makes both of that browser's cookies anonymous on the other instance at once.
#[cfg_attr(not(has_redis), ignore = "needs redis-server on PATH")]
#[test]
fn the_sessions_page_works_across_instances() {
    let redis = redis_server();
    let (a, b, db) = two_instances(&redis, "sessions");
    let mut phone = Browser::new(a.addr);
    phone.login("alice", "wonderland", Some("on"));
    let mut laptop = Browser::new(b.addr);
    laptop.login("alice", "wonderland", None);
    Browser::new(b.addr).login("bob", "builder", None);

    let r = laptop.get("/api/sessions");
    assert_eq!(r.status, 200);
    let logins: Vec<serde_json::Value> = serde_json::from_str(&r.body).expect("json");
    assert_eq!(logins.len(), 2, "alice's two logins, not bob's: {}", r.body);
    for login in &logins {
        for field in ["id", "current", "created_at", "last_seen_at", "remembered", "user_agent"] {
            assert!(login.get(field).is_some(), "{field} missing: {login}");
        }
    }
    let phone_login = logins.iter().find(|l| l["current"] == false).expect("the phone's login");
    assert_eq!(phone_login["remembered"], true);
    let phone_id = phone_login["id"].as_str().expect("id").to_owned();
    let page = laptop.get("/settings/sessions");
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&phone_id), "a row per login");
    assert!(page.body.contains(r#"class="current""#), "the current row is marked");
    assert!(page.body.contains(r#"action="/settings/sessions/end""#));

    let phone_remember = phone.jar.without("id");
    let r = laptop.post("/settings/sessions/end", &[("id", &phone_id)]);
    assert_eq!((r.status, r.location.as_str()), (303, "/settings/sessions"));
    assert_eq!(phone.get("/dashboard").status, 302, "the ended login's session, on A");
    assert_eq!(on(&a, &phone_remember).get("/dashboard").status, 302, "its remember cookie, on A");
    assert_eq!(on(&b, &phone_remember).get("/dashboard").status, 302, "its remember cookie, on B");
    assert_eq!(laptop.get("/dashboard").status, 200, "the laptop stays");
    let r = laptop.get("/api/sessions");
    let logins: Vec<serde_json::Value> = serde_json::from_str(&r.body).expect("json");
    assert_eq!(logins.len(), 1);
    drop((a, b));
    let _ = std::fs::remove_file(db);
}

/// The login throttle counts on both instances together: spreading guesses over them
/// buys nothing, and the right password while throttled is a 429 on either.
#[cfg_attr(not(has_redis), ignore = "needs redis-server on PATH")]
#[test]
fn login_throttling_is_shared_across_instances() {
    let redis = redis_server();
    let (a, b, db) = two_instances(&redis, "throttle");
    for i in 0..5 {
        let server = if i % 2 == 0 { &a } else { &b };
        assert_eq!(Browser::new(server.addr).login("alice", "guess", None).status, 303);
    }
    for server in [&a, &b] {
        let r = Browser::new(server.addr).login("alice", "wonderland", None);
        assert_eq!(r.status, 429, "right password while throttled");
        assert!(r.cookie_lines("id").is_empty());
    }
    assert_eq!(Browser::new(b.addr).login("bob", "builder", None).status, 303, "other users are not held up");
    drop((a, b));
    let _ = std::fs::remove_file(db);
}

/// An administrator deactivating bob on A ends bob's live login on B at once.
#[cfg_attr(not(has_redis), ignore = "needs redis-server on PATH")]
#[test]
fn deactivation_ends_a_live_login_on_another_instance() {
    let redis = redis_server();
    let (a, b, db) = two_instances(&redis, "deactivate");
    let mut bob = Browser::new(b.addr);
    bob.login("bob", "builder", Some("on"));
    assert_eq!(bob.get("/dashboard").status, 200);
    let mut alice = Browser::new(a.addr);
    alice.login("alice", "wonderland", None);
    assert_eq!(alice.post("/admin/users/bob/deactivate", &[]).status, 303);
    assert_eq!(bob.get("/dashboard").status, 302, "bob's login on B ended");
    assert_eq!(on(&b, &bob.jar.without("id")).get("/dashboard").status, 302, "and his remember cookie");
    assert_eq!(Browser::new(b.addr).login("bob", "builder", None).location, "/login?error=disabled");
    drop((a, b));
    let _ = std::fs::remove_file(db);
}

#[cfg_attr(not(has_redis), ignore = "needs redis-server on PATH")]
#[test]
fn password_change_and_logout_everywhere_hold_across_instances() {
    let redis = redis_server();
    let (a, b, db) = two_instances(&redis, "password");
    let mut first = Browser::new(a.addr);
    first.login("alice", "wonderland", Some("on"));
    let mut first_remember = on(&b, &first.jar);
    first_remember.jar.remove("id");
    let mut second = Browser::new(b.addr);
    second.login("alice", "wonderland", None);

    // Password changed on B: A refuses the first browser's session and remember cookie.
    assert_eq!(
        second
            .post("/settings/password", &[("current_password", "wonderland"), ("new_password", "looking-glass")])
            .status,
        303
    );
    assert_eq!(on(&a, &first.jar).get("/dashboard").status, 302);
    assert_eq!(first_remember.get("/dashboard").status, 302);
    assert_eq!(on(&a, &second.jar).get("/dashboard").status, 200, "the changing session stays, on A too");

    // Log out everywhere on A: B refuses every session of bob.
    let mut bob_a = Browser::new(a.addr);
    bob_a.login("bob", "builder", Some("on"));
    let mut bob_b = Browser::new(b.addr);
    bob_b.login("bob", "builder", Some("on"));
    let mut bob_b_remember = on(&b, &bob_b.jar);
    bob_b_remember.jar.remove("id");
    assert_eq!(bob_a.post("/logout/all", &[]).status, 303);
    assert_eq!(bob_b.get("/dashboard").status, 302);
    assert_eq!(bob_b_remember.get("/dashboard").status, 302);
    drop((a, b));
    let _ = std::fs::remove_file(db);
}

#[cfg_attr(not(has_redis), ignore = "needs redis-server on PATH")]
#[test]
fn the_session_id_before_login_is_dead_after_it() {
    let redis = redis_server();
    let (a, b, db) = two_instances(&redis, "fixation");
    let mut browser = Browser::new(a.addr);
    browser.login("alice", "wonderland", Some("on"));
    // A restored session (new session id from the remember cookie) ...
    browser.jar.remove("id");
    assert_eq!(browser.get("/dashboard").status, 200);
    let before = browser.jar.get("id").expect("session id").to_owned();
    // ... then an explicit login: the id changes and the old one is dead everywhere.
    let r = browser.post("/login", &[("username", "alice"), ("password", "wonderland")]);
    assert_eq!(r.status, 303);
    let after = browser.jar.get("id").expect("session id").to_owned();
    assert_ne!(before, after);
    for server in [&a, &b] {
        let mut old = Browser::new(server.addr);
        old.jar.set("id", &before);
        assert_eq!(old.get("/dashboard").status, 302, "pre-login session id still works");
        let mut new = Browser::new(server.addr);
        new.jar.set("id", &after);
        assert_eq!(new.get("/settings").status, 200);
    }
    drop((a, b));
    let _ = std::fs::remove_file(db);
}

#[cfg_attr(not(has_redis), ignore = "needs redis-server on PATH")]
#[test]
fn redis_stopped_mid_run_fails_closed_and_recovers() {
    let mut redis = redis_server();
    let (a, b, db) = two_instances(&redis, "outage");
    let mut logged_in = Browser::new(a.addr);
    logged_in.login("alice", "wonderland", Some("on"));
    let mut remembered = on(&b, &logged_in.jar);
    remembered.jar.remove("id");
    let mut anonymous = Browser::new(b.addr);

    redis.stop();
    let limit = Duration::from_secs(3);
    for (who, browser) in [("session", &mut logged_in), ("remember", &mut remembered)] {
        for path in ["/dashboard", "/settings", "/api/me"] {
            let started = Instant::now();
            let r = browser.get(path);
            assert!(r.status >= 500, "{who} {path}: {} during the outage", r.status);
            assert!(started.elapsed() < limit, "{who} {path}: took {:?}", started.elapsed());
        }
    }
    // Nobody is let in by the outage; public routes still answer.
    assert_eq!(anonymous.get("/dashboard").status, 302);
    assert_eq!(anonymous.get("/healthz").status, 200);
    let r = Browser::new(a.addr).login("alice", "wonderland", None);
    assert!(r.status >= 500, "login during the outage: {}", r.status);

    redis.restart().expect("redis restarts");
    // The connection managers reconnect by themselves; bounded wait for the first success.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let r = logged_in.get("/dashboard");
        if r.status == 200 {
            assert!(r.body.contains("hi alice"));
            break;
        }
        assert!(r.status == 500 || r.status == 503, "unexpected {} while recovering", r.status);
        assert!(Instant::now() < deadline, "no recovery within 15 s");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(remembered.get("/dashboard").status, 200);
    assert_eq!(Browser::new(b.addr).login("bob", "builder", None).status, 303);
    drop((a, b));
    let _ = std::fs::remove_file(db);
}

#[cfg_attr(not(has_redis), ignore = "needs redis-server on PATH")]
#[test]
fn load_many_clients_on_two_instances() {
    let redis = redis_server();
    let (a, b, db) = two_instances(&redis, "load");
    const CLIENTS: usize = 8;
    const ITERATIONS: usize = 15;
    let requests = Arc::new(AtomicUsize::new(0));
    let addrs = [a.addr, b.addr];
    let started = Instant::now();
    let handles: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let requests = Arc::clone(&requests);
            std::thread::spawn(move || -> Result<(), String> {
                let (user, password) = if i % 2 == 0 { ("alice", "wonderland") } else { ("bob", "builder") };
                for n in 0..ITERATIONS {
                    // Each request goes to one of the instances, round robin.
                    let pick = |k: usize| addrs[(i + n + k) % 2];
                    let mut browser = Browser::new(pick(0));
                    let mut count = 0;
                    let mut check = |status: u16, what: &str| -> Result<(), String> {
                        count += 1;
                        if status >= 500 {
                            return Err(format!("client {i} iteration {n}: {what} gave {status}"));
                        }
                        Ok(())
                    };
                    let r = browser.login(user, password, if n % 3 == 0 { Some("on") } else { None });
                    check(r.status, "login")?;
                    if r.status != 303 || r.location != "/" {
                        return Err(format!("client {i}: login answered {} {}", r.status, r.location));
                    }
                    for k in 0..3 {
                        let mut other = Browser::new(pick(k + 1));
                        other.jar = browser.jar.clone();
                        let r = other.get("/dashboard");
                        check(r.status, "dashboard")?;
                        if r.status != 200 || !r.body.contains(&format!("hi {user}")) {
                            return Err(format!(
                                "client {i}: wrong authentication: {} {:?}",
                                r.status,
                                r.body.get(..80)
                            ));
                        }
                        browser.jar = other.jar;
                    }
                    let r = browser.get("/api/me");
                    check(r.status, "api")?;
                    if !r.body.contains(&format!("\"username\":\"{user}\"")) {
                        return Err(format!("client {i}: api says {}", r.body));
                    }
                    let copy = browser.jar.clone();
                    let r = browser.post("/logout", &[]);
                    check(r.status, "logout")?;
                    for k in 0..2 {
                        let mut replay = Browser::new(pick(k));
                        replay.jar = copy.clone();
                        let r = replay.get("/dashboard");
                        check(r.status, "replay")?;
                        if r.status != 302 {
                            return Err(format!("client {i}: logout not honoured: {}", r.status));
                        }
                    }
                    requests.fetch_add(count, Ordering::Relaxed);
                }
                Ok(())
            })
        })
        .collect();
    let mut failures = Vec::new();
    for h in handles {
        match h.join() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => failures.push(e),
            Err(_) => failures.push("client thread panicked".into()),
        }
    }
    let elapsed = started.elapsed();
    let total = requests.load(Ordering::Relaxed);
    eprintln!(
        "load: {CLIENTS} clients x {ITERATIONS} iterations, {total} requests in {:.2?} = {:.0} requests/s (two instances, Redis sessions)",
        elapsed,
        total as f64 / elapsed.as_secs_f64()
    );
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(total, CLIENTS * ITERATIONS * 8);
    drop((a, b));
    let _ = std::fs::remove_file(db);
}
