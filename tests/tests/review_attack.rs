//! An outside review's reproductions against issue 25's fixes. Each test asserts the
//! secure behaviour; a failing test is a weakness.

use std::{sync::Arc, time::Instant};


use actix_web::test as atest;
use login_actix::{
    registry::{LoginRegistry, MemoryRegistry, SqliteRegistry},
    two_factor::TotpSecret,
};
use login_examples::settings::{SessionStoreKind, Settings};
use login_tests::{
    demo::{isolated_settings, Browser, DemoServer},
    location,
    routes::{dashboard, get, index, logout, post},
    send,
    two_factor::{alice_secret, routes, Steps},
    Harness, Jar,
};

// ---------------------------------------------------------------------------------
// Demo helpers (as in demo_two_factor.rs)

fn server_with(change: impl FnOnce(&mut Settings)) -> DemoServer {
    let mut settings = isolated_settings(SessionStoreKind::Cookie, None);
    change(&mut settings);
    DemoServer::start(settings).expect("demo starts")
}

fn text_of(body: &str, id: &str) -> String {
    let start = body.find(&format!(r#"id="{id}""#)).unwrap_or_else(|| panic!("no #{id} in {body}"));
    let rest = &body[start..];
    let open = rest.find('>').expect("tag end") + 1;
    let close = rest[open..].find('<').expect("text end");
    rest[open..open + close].to_owned()
}

fn recovery_codes(body: &str) -> Vec<String> {
    body.split(r#"<li class="recovery-code"><code>"#)
        .skip(1)
        .map(|s| s.split('<').next().expect("code").to_owned())
        .collect()
}

fn enrol(b: &mut Browser, user: &str, password: &str, steps: &mut Steps) -> (TotpSecret, Vec<String>) {
    assert_eq!(b.login(user, password, None).status, 303);
    let page = b.get("/settings/two-factor");
    assert_eq!(page.status, 200);
    let secret = TotpSecret::from_base32(&text_of(&page.body, "totp-secret")).expect("a base32 secret");
    let enabled = b.post("/settings/two-factor/enable", &[("code", &steps.code(&secret))]);
    assert_eq!(enabled.status, 200, "{}", enabled.body);
    let codes = recovery_codes(&enabled.body);
    assert_eq!(codes.len(), 10);
    (secret, codes)
}

fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("time").as_secs()
}

/// `n` six-digit codes that are none of `secret`'s codes within two minutes of now.
fn wrong_codes(secret: &TotpSecret, n: usize) -> Vec<String> {
    let now = unix_now();
    let near: Vec<String> = (0..9).map(|i| secret.code_at(now - 120 + i * 30)).collect();
    (0..).map(|i| format!("{i:06}")).filter(|c| !near.contains(c)).take(n).collect()
}

// ---------------------------------------------------------------------------------
// Finding: the demo's disable / regenerate routes check a TOTP code without any
// throttle, so a fresh session without the authenticator (the premise of issue 25's
// finding 4) can brute-force the 6-digit code, then turn the factor off or mint its own
// recovery codes. `/login/sudo` and `/login/two-factor` stop at 5 per (user, IP).

#[test]
fn disabling_the_factor_throttles_wrong_codes() {
    let server = server_with(|_| {});
    let mut steps = Steps::new();
    let mut b = Browser::new(server.addr);
    let (secret, _) = enrol(&mut b, "alice", "wonderland", &mut steps);
    let guesses = wrong_codes(&secret, 60);
    let started = Instant::now();
    let statuses: Vec<u16> =
        guesses.iter().map(|code| b.post("/settings/two-factor/disable", &[("code", code)]).status).collect();
    println!("60 disable guesses in {:?}", started.elapsed());
    // For contrast: sudo by code from the same browser and address is throttled.
    let sudo: Vec<u16> = wrong_codes(&secret, 8).iter().map(|c| b.post("/login/sudo", &[("code", c)]).status).collect();
    assert!(sudo.contains(&429), "sudo is throttled: {sudo:?}");
    assert!(
        statuses.contains(&429),
        "60 wrong codes at /settings/two-factor/disable, never refused unchecked (sudo stops at 5): {statuses:?}"
    );
}

#[test]
fn new_recovery_codes_throttle_wrong_codes() {
    let server = server_with(|_| {});
    let mut steps = Steps::new();
    let mut b = Browser::new(server.addr);
    let (secret, _) = enrol(&mut b, "alice", "wonderland", &mut steps);
    let statuses: Vec<u16> = wrong_codes(&secret, 60)
        .iter()
        .map(|code| b.post("/settings/two-factor/recovery-codes", &[("code", code)]).status)
        .collect();
    assert!(
        statuses.contains(&429),
        "60 wrong codes at /settings/two-factor/recovery-codes, never refused unchecked: {statuses:?}"
    );
    // And after all of them a right code still mints a new set: nothing ever locks.
    let r = b.post("/settings/two-factor/recovery-codes", &[("code", &steps.code(&secret))]);
    assert_eq!(recovery_codes(&r.body).len(), 10);
}

// ---------------------------------------------------------------------------------
// Finding: a password step refused at the pending cap (429) still ends every login the
// browser named and deletes its remember cookie first: with the cap filled by someone
// holding the password, the owner's live login in a browser the account no longer
// knows (after "forget every browser") ends when the owner re-enters the password.

const SECRET: [u8; 64] = [77; 64];

fn password_from(ip: &str, remember: bool) -> atest::TestRequest {
    let mut form = vec![("id", "1".to_owned()), ("password", "alice-pw".to_owned())];
    if remember {
        form.push(("remember", "on".to_owned()));
    }
    atest::TestRequest::post().uri("/login").peer_addr(format!("{ip}:4000").parse().expect("addr")).set_form(form)
}

fn code_from(ip: &str, code: &str) -> atest::TestRequest {
    atest::TestRequest::post()
        .uri("/login/two-factor")
        .peer_addr(format!("{ip}:4000").parse().expect("addr"))
        .set_form(vec![("code", code.to_owned())])
}

#[actix_rt::test]
async fn a_password_step_refused_at_the_pending_cap_ends_nothing() {
    let t = Harness::new();
    let registry: Arc<dyn LoginRegistry> = Arc::new(MemoryRegistry::new());
    let config = t.builder(SECRET).registry(registry.clone()).build().expect("config");
    let app = login_tests::test_app!(t.users, config, secret: SECRET, configure: routes, services: [
        dashboard, index, logout,
    ]);
    let mut owner = Jar::new();
    assert_eq!(location(&send(&app, &mut owner, password_from("192.0.2.1", true)).await), "/login/two-factor");
    let done = send(&app, &mut owner, code_from("192.0.2.1", &alice_secret().code_at(Harness::START))).await;
    assert_eq!(done.status(), 303);
    assert_eq!(send(&app, &mut owner, get("/dashboard")).await.status(), 200);
    // The owner suspects a leak and forgets every browser; this login stays live.
    send(&app, &mut owner, post("/forget-browsers", "")).await;
    assert_eq!(send(&app, &mut owner, get("/dashboard")).await.status(), 200);
    // Someone with the password fills the cap from ten addresses.
    for i in 0..10 {
        let r = send(&app, &mut Jar::new(), password_from(&format!("198.51.100.{i}"), false)).await;
        assert_eq!(location(&r), "/login/two-factor");
    }
    // The owner re-enters the password (e.g. for a fresh-only page): refused ...
    let r = send(&app, &mut owner, password_from("192.0.2.1", false)).await;
    assert_eq!(r.status(), 429);
    // ... and the refusal must have changed nothing.
    let live = registry.list_user("1", t.builder(SECRET).build().expect("config").now()).await.expect("list").len();
    let remember = owner.get("_remember").is_some();
    let dashboard = send(&app, &mut owner, get("/dashboard")).await.status().as_u16();
    assert_eq!(
        (live, remember, dashboard),
        (1, true, 200),
        "(live logins, remember cookie kept, /dashboard): the refused step ended the owner's login"
    );
}

// ---------------------------------------------------------------------------------
// Finding: the demo's enrolment secret is per account and kept until confirmed, across
// "log out everywhere" (and password changes, resets): whoever once saw the enrolment
// page (a session the owner later ended) knows the second factor the owner enrols
// afterwards.

#[test]
fn an_enrolment_secret_seen_by_an_ended_session_is_not_the_one_enrolled() {
    let server = server_with(|_| {});
    let mut steps = Steps::new();
    // Someone with the password (or a stolen fresh session) looks at the enrolment page.
    let mut attacker = Browser::new(server.addr);
    assert_eq!(attacker.login("alice", "wonderland", None).status, 303);
    let seen = text_of(&attacker.get("/settings/two-factor").body, "totp-secret");
    // The owner notices, logs out everywhere, and turns the second factor on.
    let mut owner = Browser::new(server.addr);
    assert_eq!(owner.login("alice", "wonderland", None).status, 303);
    assert_eq!(owner.post("/logout/all", &[]).status, 303);
    assert_ne!(attacker.get("/dashboard").status, 200, "the attacker's session ended");
    let (enrolled, _) = enrol(&mut owner, "alice", "wonderland", &mut steps);
    // The attacker comes back with the password and a code of the secret seen earlier.
    let mut again = Browser::new(server.addr);
    assert_eq!(again.login("alice", "wonderland", None).location, "/login/two-factor");
    let stolen = TotpSecret::from_base32(&seen).expect("base32");
    let r = again.post("/login/two-factor", &[("code", &steps.code(&stolen))]);
    assert_ne!(
        (r.status, r.location.as_str()),
        (303, "/"),
        "the second factor was completed with the secret an ended session saw (same secret: {})",
        enrolled == stolen
    );
}

// ---------------------------------------------------------------------------------
// Checks that held are listed in the report (and removed from this file).

#[actix_rt::test]
async fn parallel_password_steps_respect_the_pending_cap_sqlite() {
    let t = Harness::new();
    let registry: Arc<dyn LoginRegistry> = Arc::new(SqliteRegistry::open_in_memory().expect("sqlite"));
    let config = t.builder(SECRET).registry(registry.clone()).build().expect("config");
    let app = login_tests::test_app!(t.users, config, secret: SECRET, configure: routes, services: [
        dashboard, index, logout,
    ]);
    let mut jars: Vec<Jar> = (0..30).map(|_| Jar::new()).collect();
    let futures = jars
        .iter_mut()
        .enumerate()
        .map(|(i, jar)| jar.send(&app, password_from(&format!("198.51.100.{i}"), false)));
    let answers = futures_util::future::join_all(futures).await;
    let pending = answers.iter().filter(|r| location(r) == "/login/two-factor").count();
    let refused = answers.iter().filter(|r| r.status() == 429).count();
    assert_eq!((pending, refused), (10, 20));
}

#[test]
fn totp_vectors_drift_and_bad_input() {
    // RFC 6238 appendix B, SHA-1: secret "12345678901234567890".
    let s = TotpSecret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").expect("base32");
    for (t, eight) in [
        (59u64, "94287082"),
        (1_111_111_109, "07081804"),
        (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"),
        (2_000_000_000, "69279037"),
        (20_000_000_000, "65353130"),
    ] {
        assert_eq!(s.code_at(t), eight[2..], "t={t}");
        assert_eq!(s.matching_step(&eight[2..], t), Some(t / 30));
        assert_eq!(s.matching_step(&eight[2..], t + 30), Some(t / 30), "one step late");
        assert_eq!(s.matching_step(&eight[2..], t.saturating_sub(30)), Some(t / 30), "one step early");
        assert_eq!(s.matching_step(eight, t), None, "eight digits");
    }
    let now = 1_900_000_000u64;
    let c = s.code_at(now);
    let far: Vec<u64> = [now + 60, now + 90, now - 60, now - 90].to_vec();
    for at in far {
        let hit = s.matching_step(&c, at);
        assert!(hit.is_none() || hit != Some(now / 30), "two steps off accepted at {at}");
    }
    for t in [0, 1, 29, 30, u64::MAX, u64::MAX - 1] {
        let code = s.code_at(t);
        assert_eq!(code.len(), 6);
        assert!(s.matching_step(&code, t).is_some());
        let _ = s.matching_step("000000", t);
    }
    let long = "1".repeat(100_000);
    for bad in ["", "+12345", "-12345", "12345\0", "１２３４５６", "٠١٢٣٤٥", "1234567", "12.345", long.as_str()] {
        assert_eq!(s.matching_step(bad, now), None, "{bad:?}");
    }
    for bad in ["", "=", "0", "1", "8", "AAAAAAAAAAAAAAA", "ééééééééééééééééé", "AAAAAAAA\u{0}AAAAAAAA", "a=b=c=d=e=f=g=h=i"] {
        assert!(TotpSecret::from_base32(bad).is_none_or(|s| s.to_base32().len() >= 16), "{bad:?}");
    }
}
