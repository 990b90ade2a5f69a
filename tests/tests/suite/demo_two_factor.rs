//! The demo's second factor over real HTTP: enrolment (the same secret in a session until it is
//! confirmed, a QR code, ten recovery codes), the code step of a login, a code
//! accepted once (also on another instance sharing Redis and after a restart on the
//! same SQLite file), recovery codes once, disabling, forgetting browsers, and the
//! per-account limit that lets only the account's browsers through.

use login_actix::two_factor::TotpSecret;
use login_examples::settings::{RegistryKind, SessionStoreKind, Settings};
use login_tests::{
    demo::{isolated_settings, Browser, DemoServer},
    two_factor::Steps,
};

fn server_with(change: impl FnOnce(&mut Settings)) -> DemoServer {
    let mut settings = isolated_settings(SessionStoreKind::Cookie, None);
    change(&mut settings);
    DemoServer::start(settings).expect("demo starts")
}

fn server() -> DemoServer {
    server_with(|_| {})
}

/// The text of the element with this id (`id="x">text<`).
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

/// Logs `user` in with the password and enrols the second factor; returns its secret
/// and recovery codes (the code that confirmed used the first of `steps`).
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

#[test]
fn enrolment_shows_one_secret_until_confirmed_then_never_again() {
    let server = server();
    let mut b = Browser::new(server.addr);
    assert_eq!(b.login("alice", "wonderland", None).status, 303);
    let first = b.get("/settings/two-factor");
    assert_eq!(first.status, 200);
    let secret = text_of(&first.body, "totp-secret");
    assert!(first.body.contains(r#"<svg id="totp-qr""#), "an inline QR code");
    let uri_start = first.body.find(r#"id="totp-uri" href=""#).expect("the URI link") + r#"id="totp-uri" href=""#.len();
    assert!(first.body[uri_start..].starts_with("otpauth://totp/"), "an otpauth URI");
    assert!(first.body.contains(r#"action="/settings/two-factor/enable""#) && first.body.contains(r#"name="code""#));
    assert_eq!(text_of(&b.get("/settings/two-factor").body, "totp-secret"), secret, "the same secret again");
    let wrong = b.post("/settings/two-factor/enable", &[("code", "000000")]);
    assert_eq!(wrong.status, 400);
    assert!(!wrong.body.contains(r#">enabled<"#));
    let mut steps = Steps::new();
    let secret = TotpSecret::from_base32(&secret).expect("base32");
    let done = b.post("/settings/two-factor/enable", &[("code", &steps.code(&secret))]);
    assert_eq!(done.status, 200);
    assert_eq!(recovery_codes(&done.body).len(), 10);
    let page = b.get("/settings/two-factor");
    assert!(page.body.contains("enabled"));
    assert!(!page.body.contains("totp-secret") && !page.body.contains(&secret.to_base32()), "never shown again");
}

#[test]
fn a_login_of_an_enrolled_user_waits_for_the_code() {
    let server = server();
    let mut steps = Steps::new();
    let mut setup = Browser::new(server.addr);
    let (secret, _) = enrol(&mut setup, "alice", "wonderland", &mut steps);

    let mut b = Browser::new(server.addr);
    assert_eq!(b.get("/login/two-factor").location, "/login", "no pending login yet");
    let r = b.post(
        "/login",
        &[("username", "alice"), ("password", "wonderland"), ("remember", "on"), ("next", "/settings")],
    );
    assert_eq!((r.status, r.location.as_str()), (303, "/login/two-factor"));
    assert!(r.cookie_lines("_remember").is_empty(), "no remember cookie while pending");
    assert_eq!(b.get("/dashboard").location, "/login?next=%2Fdashboard");
    assert_eq!(b.get("/api/me").status, 401);
    let form = b.get("/login/two-factor");
    assert_eq!(form.status, 200);
    assert!(form.body.contains(r#"name="code""#) && form.body.contains(r#"name="trust_device""#));
    assert_eq!(b.post("/login/two-factor", &[("code", "000000")]).status, 400);
    assert_eq!(b.post("/login/two-factor", &[("code", "")]).status, 400, "an empty code is a wrong code");
    let before = b.jar.get("id").expect("session").to_owned();
    let done = b.post("/login/two-factor", &[("code", &steps.code(&secret))]);
    assert_eq!((done.status, done.location.as_str()), (303, "/settings"), "the next kept");
    assert_ne!(b.jar.get("id"), Some(before.as_str()), "a new session id");
    assert_eq!(done.cookie_lines("_remember").len(), 1, "the remember cookie asked for at the password step");
    assert_eq!(done.cookie_lines("_device").len(), 1);
    assert_eq!(b.get("/settings").status, 200, "fresh");
}

#[test]
fn a_code_is_refused_the_second_time_for_login_sudo_and_disable() {
    let server = server();
    let mut steps = Steps::new();
    let mut b = Browser::new(server.addr);
    let (secret, _) = enrol(&mut b, "alice", "wonderland", &mut steps);
    let code = steps.code(&secret);
    let mut other = Browser::new(server.addr);
    other.login("alice", "wonderland", None);
    assert_eq!(other.post("/login/two-factor", &[("code", &code)]).status, 303);
    assert_eq!(b.post("/login/sudo", &[("code", &code)]).status, 400, "sudo with a used code");
    assert_eq!(b.post("/settings/two-factor/disable", &[("code", &code)]).status, 400, "disable with a used code");
    let mut third = Browser::new(server.addr);
    third.login("alice", "wonderland", None);
    assert_eq!(third.post("/login/two-factor", &[("code", &code)]).status, 400, "login with a used code");
    let r = b.post("/login/sudo", &[("code", &steps.code(&secret)), ("next", "/settings")]);
    assert_eq!((r.status, r.location.as_str()), (303, "/settings"), "sudo by a fresh code");
}

#[test]
fn a_recovery_code_works_once_and_new_ones_replace_the_old() {
    let server = server();
    let mut steps = Steps::new();
    let mut b = Browser::new(server.addr);
    let (_, codes) = enrol(&mut b, "alice", "wonderland", &mut steps);
    let mut phone = Browser::new(server.addr);
    phone.login("alice", "wonderland", None);
    let typed = codes[3].to_uppercase().replace('-', " ");
    assert_eq!(phone.post("/login/two-factor", &[("code", &typed)]).status, 303, "case, spaces, hyphens ignored");
    let mut again = Browser::new(server.addr);
    again.login("alice", "wonderland", None);
    assert_eq!(again.post("/login/two-factor", &[("code", &codes[3])]).status, 400, "spent");
    let fresh = b.post("/settings/two-factor/recovery-codes", &[("code", &codes[5])]);
    let new_codes = recovery_codes(&fresh.body);
    assert_eq!(new_codes.len(), 10);
    assert_eq!(again.post("/login/two-factor", &[("code", &codes[4])]).status, 400, "the old set is gone");
    assert_eq!(again.post("/login/two-factor", &[("code", &new_codes[0])]).status, 303);
}

#[test]
fn disabling_needs_a_code_and_forgetting_browsers_ends_their_trust() {
    let server = server();
    let mut steps = Steps::new();
    let mut b = Browser::new(server.addr);
    let (secret, codes) = enrol(&mut b, "alice", "wonderland", &mut steps);
    // Trust this browser at a code step.
    let mut laptop = Browser::new(server.addr);
    laptop.login("alice", "wonderland", None);
    assert_eq!(laptop.post("/login/two-factor", &[("code", &steps.code(&secret)), ("trust_device", "on")]).status, 303);
    laptop.post("/logout", &[]);
    assert_eq!(laptop.login("alice", "wonderland", None).location, "/", "trusted: no code");
    assert_eq!(b.post("/settings/two-factor/forget-devices", &[]).location, "/settings/two-factor");
    laptop.post("/logout", &[]);
    assert_eq!(laptop.login("alice", "wonderland", None).location, "/login/two-factor", "forgotten");

    assert_eq!(b.post("/settings/two-factor/disable", &[("code", "000000")]).status, 400);
    assert!(b.get("/settings/two-factor").body.contains("enabled"), "still enabled");
    let r = b.post("/settings/two-factor/disable", &[("code", &codes[0])]);
    assert_eq!((r.status, r.location.as_str()), (303, "/settings/two-factor"));
    assert!(b.get("/settings/two-factor").body.contains("totp-secret"), "off: a new enrolment page");
    assert_eq!(Browser::new(server.addr).login("alice", "wonderland", None).location, "/", "no code asked");
}

/// Logs in through the form from client address `ip` (the demo runs with
/// `--trust-proxy` here, so `X-Forwarded-For` names the client).
fn login_from(b: &mut Browser, ip: &str, username: &str, password: &str) -> login_tests::demo::Reply {
    let req = b
        .client()
        .post(b.url("/login"))
        .header("x-forwarded-for", ip)
        .form(&[("username", username), ("password", password)]);
    b.send(req)
}

#[test]
fn over_the_account_limit_only_the_accounts_browsers_may_try() {
    let server = server_with(|s| {
        s.account_attempts = 3;
        s.trust_proxy = true;
    });
    let mut bobs = Browser::new(server.addr);
    assert_eq!(login_from(&mut bobs, "192.0.2.1", "bob", "builder").location, "/");
    bobs.post("/logout", &[]);
    // Three guesses from three addresses (each under its per-(username, IP) limit)
    // reach the account's limit of three.
    for i in 0..3 {
        let r = login_from(&mut Browser::new(server.addr), &format!("198.51.100.{i}"), "bob", "wrong");
        assert_eq!(r.location, "/login?error=1");
    }
    let stranger = login_from(&mut Browser::new(server.addr), "203.0.113.1", "bob", "builder");
    assert_eq!(stranger.status, 429, "an unknown browser, with the right password");
    assert!(!stranger.body.contains("Wrong username"), "nothing tells whether the password was right");
    let mut alices = Browser::new(server.addr);
    assert_eq!(login_from(&mut alices, "203.0.113.2", "alice", "wonderland").location, "/");
    let mut with_alices = Browser::new(server.addr);
    with_alices.jar.set("_device", alices.jar.get("_device").expect("alice's device cookie"));
    let r = login_from(&mut with_alices, "203.0.113.3", "bob", "builder");
    assert_eq!(r.status, 429, "alice's device cookie is nothing for bob");
    assert_eq!(login_from(&mut bobs, "203.0.113.4", "bob", "builder").location, "/", "bob's own browser gets through");
}

/// A password step from client address `ip`: where it went (`/login/two-factor` for a
/// pending login) or `429`.
fn password_step(b: &mut Browser, ip: &str) -> String {
    let r = login_from(b, ip, "alice", "wonderland");
    if r.status == 429 {
        "429".to_owned()
    } else {
        r.location
    }
}

#[test]
fn a_stranger_with_the_password_never_ends_the_owners_pending_login() {
    let server = server_with(|s| s.trust_proxy = true);
    let mut steps = Steps::new();
    let (secret, _) = enrol(&mut Browser::new(server.addr), "alice", "wonderland", &mut steps);
    // The owner's laptop completed a login before: the account knows it.
    let mut laptop = Browser::new(server.addr);
    assert_eq!(password_step(&mut laptop, "192.0.2.7"), "/login/two-factor");
    assert_eq!(laptop.post("/login/two-factor", &[("code", &steps.code(&secret))]).location, "/");
    laptop.post("/logout", &[]);
    let mut owner = Browser::new(server.addr);
    assert_eq!(password_step(&mut owner, "192.0.2.1"), "/login/two-factor");
    // Strangers with the leaked password, each from an address of its own.
    let strangers: Vec<String> =
        (0..12).map(|i| password_step(&mut Browser::new(server.addr), &format!("198.51.100.{i}"))).collect();
    assert_eq!(strangers.iter().filter(|r| *r == "/login/two-factor").count(), 9, "up to ten pending: {strangers:?}");
    assert!(strangers[9..].iter().all(|r| r == "429"), "then refused, ending nothing: {strangers:?}");
    // A browser the account knows still starts one (ending the oldest stranger's).
    assert_eq!(password_step(&mut laptop, "192.0.2.7"), "/login/two-factor");
    let done = owner.post("/login/two-factor", &[("code", &steps.code(&secret))]);
    assert_eq!((done.status, done.location.as_str()), (303, "/"), "the owner's pending login lived on");
}

#[test]
fn password_steps_that_never_finish_count_toward_the_limits() {
    let server = server_with(|s| {
        s.trust_proxy = true;
        s.account_attempts = 4;
    });
    let mut steps = Steps::new();
    let (secret, _) = enrol(&mut Browser::new(server.addr), "alice", "wonderland", &mut steps);
    // A completed code step takes its password step back.
    let mut owner = Browser::new(server.addr);
    assert_eq!(password_step(&mut owner, "192.0.2.1"), "/login/two-factor");
    assert_eq!(owner.post("/login/two-factor", &[("code", &steps.code(&secret))]).location, "/");
    // Per client: five password steps from one address, then 429.
    let from_one: Vec<String> = (0..6).map(|_| password_step(&mut Browser::new(server.addr), "203.0.113.5")).collect();
    assert_eq!(from_one[..4], ["/login/two-factor"; 4], "{from_one:?}");
    assert!(from_one[4..].iter().all(|r| r == "429"), "the account's limit (4) came first: {from_one:?}");
    // Per account: unknown browsers from any address are refused over its limit.
    assert_eq!(password_step(&mut Browser::new(server.addr), "198.51.100.9"), "429");
    assert_eq!(password_step(&mut owner, "192.0.2.1"), "/login/two-factor", "the owner's browser is known");
}

#[test]
fn password_steps_from_one_client_stop_at_its_limit() {
    let server = server_with(|s| s.trust_proxy = true);
    let mut steps = Steps::new();
    enrol(&mut Browser::new(server.addr), "alice", "wonderland", &mut steps);
    let results: Vec<String> = (0..6).map(|_| password_step(&mut Browser::new(server.addr), "203.0.113.5")).collect();
    assert_eq!(results[..5], ["/login/two-factor"; 5], "{results:?}");
    assert_eq!(results[5], "429", "the sixth right password from one address, never completed");
}

#[test]
fn new_recovery_codes_need_a_code() {
    let server = server();
    let mut steps = Steps::new();
    let mut b = Browser::new(server.addr);
    let (secret, codes) = enrol(&mut b, "alice", "wonderland", &mut steps);
    for bad in [vec![], vec![("code", "000000")]] {
        let r = b.post("/settings/two-factor/recovery-codes", &bad);
        assert_eq!(r.status, 400, "{bad:?}");
        assert!(recovery_codes(&r.body).is_empty(), "no new codes shown");
    }
    let mut phone = Browser::new(server.addr);
    phone.login("alice", "wonderland", None);
    assert_eq!(phone.post("/login/two-factor", &[("code", &codes[0])]).status, 303, "the old codes still work");
    let r = b.post("/settings/two-factor/recovery-codes", &[("code", &steps.code(&secret))]);
    assert_eq!((r.status, recovery_codes(&r.body).len()), (200, 10), "with a current code");
}

#[test]
fn turning_the_factor_off_and_enrolling_again_forgets_every_trusted_browser() {
    let server = server();
    let mut steps = Steps::new();
    let mut b = Browser::new(server.addr);
    let (secret, codes) = enrol(&mut b, "alice", "wonderland", &mut steps);
    let mut laptop = Browser::new(server.addr);
    laptop.login("alice", "wonderland", None);
    assert_eq!(laptop.post("/login/two-factor", &[("code", &steps.code(&secret)), ("trust_device", "on")]).status, 303);
    laptop.post("/logout", &[]);
    assert_eq!(laptop.login("alice", "wonderland", None).location, "/", "trusted under the first authenticator");
    laptop.post("/logout", &[]);
    assert_eq!(b.post("/settings/two-factor/disable", &[("code", &codes[0])]).status, 303);
    let page = b.get("/settings/two-factor");
    let second = TotpSecret::from_base32(&text_of(&page.body, "totp-secret")).expect("a new secret");
    assert_eq!(b.post("/settings/two-factor/enable", &[("code", &steps.code(&second))]).status, 200);
    assert_eq!(laptop.login("alice", "wonderland", None).location, "/login/two-factor", "the new factor is asked");
}

#[test]
fn the_code_step_is_cross_origin_protected() {
    let server = server();
    let mut b = Browser::new(server.addr);
    let req =
        b.client().post(b.url("/login/two-factor")).header("origin", "https://evil.example").form(&[("code", "1")]);
    assert_eq!(b.send(req).status, 403);
}

/// A code used on one instance is refused on another sharing Redis; one used before a
/// restart is refused after it, on the same SQLite file.
#[test]
#[cfg_attr(not(has_redis), ignore = "needs redis-server on PATH")]
fn a_used_code_is_refused_on_another_instance_and_after_a_restart() {
    let redis = login_tests::redis::redis_server();
    let shared = |s: &mut Settings| {
        s.session_store = SessionStoreKind::Redis(redis.url());
        s.registry = RegistryKind::Redis(redis.url());
        s.secret = b"a shared secret of at least sixty-four bytes for both demo instances!!".to_vec();
    };
    let dir = std::env::temp_dir().join(format!("demo-2fa-{}", login_actix::registry::LoginId::random()));
    std::fs::create_dir_all(&dir).expect("dir");
    let db = dir.join("demo.db");
    let one = server_with(|s| {
        shared(s);
        s.db = Some(db.clone());
    });
    let two = server_with(|s| {
        shared(s);
        s.db = Some(db.clone());
    });
    let mut steps = Steps::new();
    let mut b = Browser::new(one.addr);
    let (secret, _) = enrol(&mut b, "alice", "wonderland", &mut steps);
    let code = steps.code(&secret);
    let mut first = Browser::new(one.addr);
    first.login("alice", "wonderland", None);
    assert_eq!(first.post("/login/two-factor", &[("code", &code)]).status, 303);
    let mut second = Browser::new(two.addr);
    second.login("alice", "wonderland", None);
    assert_eq!(second.post("/login/two-factor", &[("code", &code)]).status, 400, "refused on the other instance");
    drop((one, two));

    // SQLite, across a restart.
    let sqlite = |s: &mut Settings| {
        s.registry = RegistryKind::Sqlite;
        s.db = Some(db.clone());
        s.secret = b"another secret of at least sixty-four bytes, kept across the restart".to_vec();
    };
    let before = server_with(sqlite);
    let code = steps.code(&secret);
    let mut first = Browser::new(before.addr);
    first.login("alice", "wonderland", None);
    assert_eq!(first.post("/login/two-factor", &[("code", &code)]).status, 303);
    drop(before);
    let after = server_with(sqlite);
    let mut again = Browser::new(after.addr);
    again.login("alice", "wonderland", None);
    assert_eq!(again.post("/login/two-factor", &[("code", &code)]).status, 400, "refused after the restart");
    drop(after);
    let _ = std::fs::remove_dir_all(&dir);
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

/// Wrong codes at `path` from one client, after enrolment: the first five are checked
/// (`400`), the rest refused unchecked (`429`), and then a right code too.
fn wrong_codes_stop_at_the_limit(path: &str) {
    let server = server_with(|_| {});
    let mut steps = Steps::new();
    let mut b = Browser::new(server.addr);
    let (secret, _) = enrol(&mut b, "alice", "wonderland", &mut steps);
    let statuses: Vec<u16> =
        wrong_codes(&secret, 8).iter().map(|code| b.post(path, &[("code", code)]).status).collect();
    assert_eq!(statuses, [400, 400, 400, 400, 400, 429, 429, 429], "{path}");
    let right = b.post(path, &[("code", &steps.code(&secret))]);
    assert_eq!(right.status, 429, "{path}: a right code is not checked either");
    assert!(recovery_codes(&right.body).is_empty());
    assert!(b.get("/settings/two-factor").body.contains("enabled"), "the factor is still on");
}

#[test]
fn wrong_codes_at_disabling_count_toward_the_limit() {
    wrong_codes_stop_at_the_limit("/settings/two-factor/disable");
}

#[test]
fn wrong_codes_for_new_recovery_codes_count_toward_the_limit() {
    wrong_codes_stop_at_the_limit("/settings/two-factor/recovery-codes");
}

#[test]
fn an_enrolment_secret_belongs_to_the_session_it_was_shown_to() {
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
