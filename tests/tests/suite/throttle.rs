//! The login throttle's limits against a flood (its own counters, key sizes, a client
//! forging `X-Forwarded-For`, case variants of a username, Redis key growth, the
//! demo's password change), sudo mode under clock skew, and the guards and cross-origin
//! check against every method, header variant and garbage on the wire.

use std::{
    io::{Read, Write},
    net::TcpStream,
    sync::{
        atomic::{AtomicU64, AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};

use actix_session::storage::CookieSessionStore;
use actix_web::{
    cookie::Key,
    http::Method,
    test::{self, TestRequest},
    web,
};
use login_actix::{
    fresh_login_required, login_required, registry::MemoryRegistry, throttle::MemoryThrottle, LoginConfig,
};
use login_tests::{body, routes::password_login, send, Harness, Jar, User};

const SECRET: [u8; 64] = [42; 64];
const START: u64 = Harness::START;
const ATTACKER: &str = "203.0.113.7:5000";

static GUARDED_RUNS: AtomicUsize = AtomicUsize::new(0);

#[login_required]
async fn guarded_any_method() -> &'static str {
    GUARDED_RUNS.fetch_add(1, Ordering::SeqCst);
    "guarded body ran"
}

#[fresh_login_required]
async fn fresh_report(user: login_actix::CurrentUser<User>) -> String {
    format!("sensitive data of {}", user.name)
}

async fn hook() -> &'static str {
    "hook ran"
}

macro_rules! service {
    ($t:expr, $config:expr) => {
        login_tests::test_app!($t, $config, secret: SECRET, services: [
            password_login,
            web::resource("/guarded").to(guarded_any_method),
            web::resource("/fresh-report").to(fresh_report),
            web::resource("/hooks/payment").to(hook),
        ])
    };
}

fn login_from(peer: &str, username: &str, password: &str) -> TestRequest {
    TestRequest::post()
        .uri("/login")
        .peer_addr(peer.parse().expect("addr"))
        .set_form([("username", username), ("password", password)])
}

fn login_req(username: &str, password: &str) -> TestRequest {
    login_from(ATTACKER, username, password)
}

// ---------------------------------------------------------------------------------
// Finding: throttled requests still create counters, and at the cap the oldest
// counters (the attacker's own) are evicted: a flood of cheap 429s resets the throttle.
// ---------------------------------------------------------------------------------

/// One client guesses alice's password 5 times (then 429), then floods throttled
/// attempts under fresh usernames. Before the fix each refused attempt still created a
/// counter, so the flood pushed the client's own counters out of the bounded store and
/// bought new guesses. Now a client over its per-IP limit creates no counter at all.
#[actix_rt::test]
async fn a_flood_of_throttled_attempts_creates_no_counters_and_buys_no_guesses() {
    let t = Harness::new();
    let store = Arc::new(MemoryThrottle::with_max_keys(50));
    let app =
        service!(t.with_throttle(store.clone()), t.builder(SECRET).login_attempts_per_ip(20).build().expect("config"));
    for _ in 0..5 {
        assert_eq!(send(&app, &mut Jar::new(), login_req("alice", "guess")).await.status(), 303);
    }
    assert_eq!(send(&app, &mut Jar::new(), login_req("alice", "alice-pw")).await.status(), 429, "throttled");
    t.set(START + 1);
    for i in 0..1_000 {
        send(&app, &mut Jar::new(), login_req(&format!("j{i}"), "x")).await;
    }
    // The IP counter, alice's, and the junk names tried before the per-IP limit (each
    // name two: per address and, with feature two-factor, per account).
    assert!(store.len() <= 3 + 2 * 20, "{} counters: refused attempts created counters", store.len());
    t.set(START + 10);
    for _ in 0..5 {
        assert_eq!(send(&app, &mut Jar::new(), login_req("alice", "guess")).await.status(), 429);
    }
}

/// Every counter key has the same small size, whatever username is typed (the name
/// is hashed): a full store is bounded in bytes, not only in keys.
#[test]
fn memory_throttle_keys_are_small_whatever_the_username() {
    let ip = Some("2001:db8:1:2::7".parse().expect("ip"));
    let long = "\u{10FFFD}".repeat(10_000);
    let (huge, _) = login_core::throttle_keys(&long, ip);
    let (short, _) = login_core::throttle_keys("a", ip);
    assert_eq!(huge.len(), short.len());
    assert!(huge.len() <= 64, "{} bytes", huge.len());
}

// ---------------------------------------------------------------------------------
// Finding: with trust_proxy, the *last valid* X-Forwarded-For entry is taken, so when
// the proxy's own entry does not parse as a bare IP (ip:port, as some proxies write),
// the client-supplied entry before it becomes the key.
// ---------------------------------------------------------------------------------

#[actix_rt::test]
async fn a_trusted_proxy_never_falls_back_to_a_client_supplied_forwarded_entry() {
    let t = Harness::new();
    let app = service!(t, t.builder(SECRET).trust_proxy(true).build().expect("config"));
    let mut checked = 0;
    for i in 0..30 {
        // The client forged "198.51.100.<i>"; the proxy appended the real client as ip:port.
        let req = login_from("10.0.0.2:443", "alice", "guess")
            .insert_header(("x-forwarded-for", format!("198.51.100.{i}, 192.0.2.50:41234")));
        checked += usize::from(send(&app, &mut Jar::new(), req).await.status() == 303);
    }
    assert_eq!(checked, 5, "one real client got {checked} password checks on alice in one window (limit 5)");
}

// ---------------------------------------------------------------------------------
// Finding (left as designed, bounded): the (username, IP) key folds case, while an
// app's accounts may not. A success on the attacker's own account `Alice` forgets the
// counter of `alice`; the per-IP limit still bounds the guesses from one client.
// ---------------------------------------------------------------------------------

#[actix_rt::test]
async fn a_case_variant_account_resets_only_a_bounded_number_of_guesses() {
    let t = Harness::new();
    // The attacker registered "Alice" (a different account in a case-sensitive app).
    t.users.put(User { id: 3, name: "Alice".into(), password: "mallory-pw".into(), epoch: 0 });
    let app = service!(t, t.builder(SECRET).build().expect("config"));
    let mut checked = 0;
    'rounds: for _ in 0..100 {
        for _ in 0..4 {
            let status = send(&app, &mut Jar::new(), login_req("alice", "guess")).await.status();
            if status == 429 {
                break 'rounds;
            }
            checked += 1;
        }
        send(&app, &mut Jar::new(), login_req("Alice", "mallory-pw")).await;
    }
    assert!(checked <= 100, "{checked} password checks on alice from one IP in one window (per-IP limit 100)");
}

// ---------------------------------------------------------------------------------
// Finding: Redis throttle keys grow without bound from one client that is already
// throttled: each 429 still INCRs a new 256-character (username, IP) key.
// ---------------------------------------------------------------------------------

fn redis_cmd(port: u16, cmd: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("redis");
    s.set_read_timeout(Some(Duration::from_secs(2))).expect("timeout");
    s.write_all(cmd.as_bytes()).expect("write");
    let mut buf = vec![0u8; 64 * 1024];
    let n = s.read(&mut buf).expect("read");
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

fn redis_dbsize(port: u16) -> u64 {
    redis_cmd(port, "DBSIZE\r\n").trim().trim_start_matches(':').parse().expect("dbsize")
}

fn redis_used_memory(port: u16) -> u64 {
    let info = redis_cmd(port, "INFO memory\r\n");
    info.lines().find_map(|l| l.strip_prefix("used_memory:")).and_then(|v| v.trim().parse().ok()).expect("used_memory")
}

#[cfg_attr(not(has_redis), ignore = "needs redis-server on PATH")]
#[actix_rt::test]
async fn redis_throttle_keys_grow_without_bound_from_one_throttled_client() {
    let redis = login_tests::redis::redis_server();
    let store = login_actix::throttle::RedisThrottle::connect(&redis.url()).await.expect("connect");
    let t = Harness::new();
    let app = service!(t.with_throttle(Arc::new(store)), t.builder(SECRET).build().expect("config"));
    // Use up the per-IP budget (100) so that everything after is a cheap 429.
    for i in 0..101 {
        send(&app, &mut Jar::new(), login_req(&format!("warmup{i}"), "x")).await;
    }
    let (keys_before, mem_before) = (redis_dbsize(redis.port), redis_used_memory(redis.port));
    let n = 5_000;
    let mut throttled = 0;
    for i in 0..n {
        let name = format!("{i:06}{}", "\u{10FFFD}".repeat(250));
        throttled += usize::from(send(&app, &mut Jar::new(), login_req(&name, "x")).await.status() == 429);
    }
    let (keys_after, mem_after) = (redis_dbsize(redis.port), redis_used_memory(redis.port));
    eprintln!(
        "{throttled}/{n} attempts were 429; Redis keys {keys_before} -> {keys_after}, used_memory {} KiB -> {} KiB",
        mem_before / 1024,
        mem_after / 1024
    );
    assert_eq!(throttled, n);
    assert!(
        keys_after - keys_before < 100,
        "a client over its per-IP limit created {} Redis keys ({} KiB) in one window with 429s alone",
        keys_after - keys_before,
        (mem_after.saturating_sub(mem_before)) / 1024
    );
}

// ---------------------------------------------------------------------------------
// Finding (demo): the password change checks `current_password` with argon2 and no
// throttle: a hijacked fresh session can guess the current password without limit.
// ---------------------------------------------------------------------------------

#[actix_rt::test]
async fn the_demos_password_change_throttles_the_current_password() {
    use login_examples::{db::Db, server};
    let clock = Arc::new(AtomicU64::new(START));
    let c = Arc::clone(&clock);
    let secret = [7u8; 64];
    let config = LoginConfig::builder(secret)
        .cookie_secure(false)
        .clock(move || c.load(Ordering::SeqCst))
        .build()
        .expect("config");
    let mut parts = server::AppParts::new(Db::open(None).expect("db"), config, Key::derive_from(&secret), false);
    parts.stores =
        parts.stores.with_registry(Arc::new(MemoryRegistry::new())).with_throttle(Arc::new(MemoryThrottle::new()));
    let app = test::init_service(server::app(parts, CookieSessionStore::default())).await;
    let mut jar = Jar::new();
    let res = send(&app, &mut jar, login_req("alice", "wonderland")).await;
    assert_eq!(res.status(), 303);
    let change = |current: &str| {
        TestRequest::post()
            .uri("/settings/password")
            .peer_addr(ATTACKER.parse().expect("addr"))
            .set_form([("current_password", current), ("new_password", "owned")])
    };
    let mut checked = 0;
    for i in 0..20 {
        let res = send(&app, &mut jar, change(&format!("guess{i}"))).await;
        if login_tests::location(&res) == "/settings?error=current" {
            checked += 1;
        }
    }
    let res = send(&app, &mut jar, change("wonderland")).await;
    eprintln!("right current password after {checked} wrong ones: {} {}", res.status(), login_tests::location(&res));
    assert!(checked <= 5, "{checked} current-password guesses were checked with argon2 (the login form allows 5)");
}

// ---------------------------------------------------------------------------------
// Finding (low): a credential time in the future (clock skew between instances) counts
// as fresh until now passes it by fresh_for.
// ---------------------------------------------------------------------------------

#[actix_rt::test]
async fn a_future_credential_time_does_not_stretch_sudo_mode() {
    let t = Harness::new();
    let app = service!(t, t.builder(SECRET).fresh_for(Duration::from_secs(600)).build().expect("config"));
    // Logged in on an instance whose clock is one day ahead.
    t.set(START + 86_400);
    let mut jar = Jar::new();
    assert_eq!(send(&app, &mut jar, login_req("alice", "alice-pw")).await.status(), 303);
    // Read on an instance with the right clock, an hour of real time later.
    t.set(START + 3_600);
    let res = send(&app, &mut jar, TestRequest::get().uri("/fresh-report")).await;
    assert_eq!(
        res.status(),
        302,
        "an hour after the password, with fresh_for = 10 min, the session is still fresh (skewed authenticated_at)"
    );
}

// ---------------------------------------------------------------------------------
// Probes that held up.
// ---------------------------------------------------------------------------------

/// A guarded handler body never runs for a refused request, whatever the method.
#[actix_rt::test]
async fn guarded_body_never_runs_for_any_method() {
    let t = Harness::new();
    let app = service!(t, t.builder(SECRET).build().expect("config"));
    let before = GUARDED_RUNS.load(Ordering::SeqCst);
    for m in ["GET", "HEAD", "OPTIONS", "POST", "PUT", "DELETE", "PATCH", "TRACE", "PROPFIND", "get", "options", "X"] {
        let req = TestRequest::default().method(Method::from_bytes(m.as_bytes()).expect("method")).uri("/guarded");
        let res = send(&app, &mut Jar::new(), req).await;
        assert!(res.status() == 302 || res.status() == 403, "{m}: {}", res.status());
        assert!(!body(res).await.contains("ran"), "{m}");
    }
    assert_eq!(GUARDED_RUNS.load(Ordering::SeqCst), before);
}

/// Cross-origin variants: header case and spacing, several Origins, default ports,
/// lowercase methods, dot segments and percent-encoding against an exempt prefix,
/// HTTP/1.0 without Host, absolute-form URIs.
#[actix_rt::test]
async fn every_cross_origin_header_variant_is_refused() {
    let t = Harness::new();
    let app = service!(t, t.builder(SECRET).cross_origin_exempt("/hooks").build().expect("config"));
    let post = |uri: &str| {
        TestRequest::post()
            .uri(uri)
            .insert_header(("host", "app.example"))
            .set_form([("username", "bob"), ("password", "bob-pw")])
    };
    let cases: Vec<(&str, TestRequest)> = vec![
        ("SFS mixed case", post("/login").insert_header(("Sec-Fetch-Site", "Same-Origin"))),
        ("SFS padded", post("/login").insert_header(("sec-fetch-site", "same-origin ,cross-site"))),
        (
            "SFS two headers",
            post("/login")
                .append_header(("sec-fetch-site", "cross-site"))
                .append_header(("sec-fetch-site", "same-origin")),
        ),
        ("Origin default port", post("/login").insert_header(("origin", "https://app.example:443"))),
        ("Origin trailing dot", post("/login").insert_header(("origin", "https://app.example."))),
        ("Origin userinfo", post("/login").insert_header(("origin", "https://app.example@evil.example"))),
        ("Origin null", post("/login").insert_header(("origin", "null"))),
        (
            "two Origins, evil first",
            post("/login")
                .append_header(("origin", "https://evil.example"))
                .append_header(("origin", "https://app.example")),
        ),
        ("dot segments under exempt", post("/hooks/../login").insert_header(("sec-fetch-site", "cross-site"))),
        ("percent-encoded exempt", post("/%68ooks/payment").insert_header(("sec-fetch-site", "cross-site"))),
        ("absolute-form", post("http://app.example/login").insert_header(("origin", "https://evil.example"))),
        (
            "lowercase method",
            TestRequest::default()
                .method(Method::from_bytes(b"post").expect("m"))
                .uri("/guarded")
                .insert_header(("sec-fetch-site", "cross-site")),
        ),
        (
            "HTTP/1.0 no Host",
            TestRequest::post()
                .uri("/login")
                .version(actix_web::http::Version::HTTP_10)
                .insert_header(("origin", "http://app.example")),
        ),
    ];
    for (name, req) in cases {
        let res = send(&app, &mut Jar::new(), req).await;
        let status = res.status().as_u16();
        assert!(status == 403 || status == 404, "{name}: {status}");
    }
}

/// The demo over real HTTP: raw requests a browser-like attacker could shape, and
/// garbage a script could send. Never a 5xx, and the cross-origin ones are refused.
#[test]
fn the_demo_refuses_raw_cross_origin_requests_and_survives_garbage() {
    use login_examples::settings::SessionStoreKind;
    use login_tests::demo::{test_settings, DemoServer};
    let mut settings = test_settings(SessionStoreKind::Cookie, None);
    settings.trust_proxy = true;
    let demo = DemoServer::start(settings).expect("demo");
    let raw = |req: &str| -> String {
        let mut s = TcpStream::connect(demo.addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
        s.write_all(req.as_bytes()).expect("write");
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        String::from_utf8_lossy(&out).lines().next().unwrap_or_default().to_owned()
    };
    let body = "username=alice&password=wonderland";
    let form = |head: &str| {
        format!(
            "{head}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    };
    let host = format!("Host: {}", demo.addr);
    let refused = [
        format!("POST /login HTTP/1.0\r\nOrigin: http://{}", demo.addr),
        format!("POST http://{0}/login HTTP/1.1\r\nHost: evil.example\r\nOrigin: http://{0}", demo.addr),
        format!("POST /login HTTP/1.1\r\n{host}\r\nOrigin: http://evil.example\r\nOrigin: http://{}", demo.addr),
        format!("POST /login HTTP/1.1\r\n{host}\r\nSEC-FETCH-SITE: cross-site"),
        format!("POST /login HTTP/1.1\r\n{host}\r\nSec-Fetch-Site:   same-site   "),
        format!("post /login HTTP/1.1\r\n{host}\r\nSec-Fetch-Site: cross-site"),
        format!("POST /settings/password HTTP/1.1\r\n{host}\r\nOrigin: http://{}.evil.example", demo.addr.ip()),
    ];
    for head in &refused {
        let status = raw(&form(head));
        assert!(status.contains(" 403") || status.contains(" 400") || status.contains(" 404"), "{head:?}: {status}");
    }
    let garbage = [
        format!("POST /login HTTP/1.1\r\n{host}\r\nOrigin: http://\u{00ff}\u{00fe}"),
        format!(
            "POST /login HTTP/1.1\r\n{host}\r\nX-Forwarded-For: \u{00ff}, ::ffff:1.2.3.4%eth0, [::1]:80, 999.1.1.1"
        ),
        format!("POST /login HTTP/1.1\r\n{host}\r\nSec-Fetch-Site: {}", "x".repeat(6000)),
        format!("POST /login?next=%ff%00 HTTP/1.1\r\n{host}\r\nCookie: id=%ff; _remember=\u{00ff}"),
        format!("PROPFIND /login HTTP/1.1\r\n{host}"),
    ];
    for head in &garbage {
        let status = raw(&form(head));
        assert!(!status.contains(" 5"), "{head:?}: {status}");
    }
}

/// Interleaving successful logins of one's own account gives no extra per-IP tries
/// (the success's own hit is what is taken back).
#[actix_rt::test]
async fn own_successes_buy_no_per_ip_tries() {
    let t = Harness::new();
    let app = service!(t, t.builder(SECRET).login_attempts_per_ip(10).build().expect("config"));
    let mut checked = 0;
    for i in 0..40 {
        let status = send(&app, &mut Jar::new(), login_req(&format!("victim{i}"), "guess")).await.status();
        checked += usize::from(status == 303);
        if i % 2 == 0 {
            send(&app, &mut Jar::new(), login_req("bob", "bob-pw")).await;
        }
    }
    assert!(checked <= 10, "{checked} failures checked with a per-IP limit of 10");
}
