//! Attacks on the second factor, the browsers an account knows and the per-account
//! throttle: an attacker flooding an account cannot lock its owner out of the browsers
//! it knows (password change, "log out everywhere"), a restart does not undo "forget
//! every browser", cross-origin posts and bad codes get nothing.

use std::{sync::Arc, time::Duration};

use actix_web::test as atest;
use login_actix::{registry::MemoryRegistry, two_factor::TotpSecret};
use login_examples::settings::{SessionStoreKind, Settings};
use login_tests::{
    demo::{isolated_settings, Browser, DemoServer, Reply},
    routes::{dashboard, index, logout},
    send,
    two_factor::{alice_secret, routes, Steps},
    Harness, Jar,
};

// ---------------------------------------------------------------------------------
// Over HTTP (the demo)
// ---------------------------------------------------------------------------------

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

/// A form POST from client address `ip` (the server runs with `--trust-proxy`).
fn post_from(b: &mut Browser, ip: &str, path: &str, form: &[(&str, &str)]) -> Reply {
    let req = b.client().post(b.url(path)).header("x-forwarded-for", ip).form(form);
    b.send(req)
}

fn login_from(b: &mut Browser, ip: &str, username: &str, password: &str) -> Reply {
    post_from(b, ip, "/login", &[("username", username), ("password", password)])
}

/// The account `bob` pushed over its per-account limit (3) by three wrong passwords
/// from three addresses, none of them bob's.
fn flood_bob(server: &DemoServer) {
    for i in 0..3 {
        let r = login_from(&mut Browser::new(server.addr), &format!("198.51.100.{i}"), "bob", "wrong");
        assert_eq!(r.location, "/login?error=1");
    }
}

fn attacked_server() -> DemoServer {
    server_with(|s| {
        s.account_attempts = 3;
        s.trust_proxy = true;
    })
}

/// The owner, logged in and fresh in the browser the account knows, cannot change
/// their password while strangers flood the account: `POST /settings/password` uses
/// `LoginThrottle::attempt` (which refuses every browser over the per-account limit),
/// not `attempt_for`. The attacker locks the owner out of the one action they need.
#[test]
fn the_owner_changes_the_password_while_the_account_is_flooded() {
    let server = attacked_server();
    let mut bobs = Browser::new(server.addr);
    assert_eq!(login_from(&mut bobs, "192.0.2.1", "bob", "builder").location, "/");
    assert!(bobs.jar.get("_device").is_some(), "bob's browser is known to the account");
    flood_bob(&server);
    assert_eq!(login_from(&mut bobs, "192.0.2.1", "bob", "builder").location, "/", "known: /login lets it through");
    let r = post_from(
        &mut bobs,
        "192.0.2.1",
        "/settings/password",
        &[("current_password", "builder"), ("new_password", "a-new-password")],
    );
    assert_eq!(
        (r.status, r.location.as_str()),
        (303, "/settings?changed=1"),
        "the owner's own, fresh, known browser is refused a password change"
    );
}

/// "Log out everywhere" (the owner's reaction to an attack) ends the known status of
/// the owner's own browser too (the device cookie is bound to the session auth hash,
/// which holds the session epoch): with the account flooded, the owner can no longer
/// log in from the very browser they pressed the button in, although neither the
/// password changed nor "forget devices" was used, and `_device` should survive logout.
#[test]
fn log_out_everywhere_keeps_the_owners_browser_known_to_a_flooded_account() {
    let server = attacked_server();
    let mut bobs = Browser::new(server.addr);
    assert_eq!(login_from(&mut bobs, "192.0.2.1", "bob", "builder").location, "/");
    flood_bob(&server);
    assert_eq!(login_from(&mut bobs, "192.0.2.1", "bob", "builder").location, "/", "known: let through");
    assert_eq!(bobs.post("/logout/all", &[]).location, "/");
    let r = login_from(&mut bobs, "192.0.2.1", "bob", "builder");
    assert_eq!(
        (r.status, r.location.as_str()),
        (303, "/"),
        "the owner's browser is now an unknown browser of a flooded account"
    );
}

/// A password change leaves no browser known, not even the one that changed it (it
/// is not re-issued a `_device`): after changing the password under attack, the owner
/// is locked out of their own browser for the rest of the window.
#[test]
fn the_browser_that_changed_the_password_stays_known_to_a_flooded_account() {
    let server = attacked_server();
    let mut bobs = Browser::new(server.addr);
    assert_eq!(login_from(&mut bobs, "192.0.2.1", "bob", "builder").location, "/");
    let r = post_from(
        &mut bobs,
        "192.0.2.1",
        "/settings/password",
        &[("current_password", "builder"), ("new_password", "a-new-password")],
    );
    assert_eq!(r.location, "/settings?changed=1");
    flood_bob(&server);
    bobs.post("/logout", &[]);
    let r = login_from(&mut bobs, "192.0.2.1", "bob", "a-new-password");
    assert_eq!(
        (r.status, r.location.as_str()),
        (303, "/"),
        "the browser that changed the password is an unknown browser of its account"
    );
}

/// Cross-origin POSTs to every new route are refused.
#[test]
fn cross_origin_posts_to_the_second_factor_routes_are_refused() {
    let server = server_with(|_| {});
    let mut b = Browser::new(server.addr);
    assert_eq!(b.login("alice", "wonderland", None).status, 303);
    for path in [
        "/settings/two-factor/enable",
        "/settings/two-factor/disable",
        "/settings/two-factor/recovery-codes",
        "/settings/two-factor/forget-devices",
        "/login/sudo",
        "/login/two-factor",
    ] {
        let req = b.client().post(b.url(path)).header("origin", "https://evil.example").form(&[("code", "123456")]);
        assert_eq!(b.send(req).status, 403, "{path} with a foreign Origin");
        let req = b.client().post(b.url(path)).header("sec-fetch-site", "cross-site").form(&[("code", "123456")]);
        assert_eq!(b.send(req).status, 403, "{path} cross-site");
    }
}

/// Empty, malformed, non-ASCII, duplicated and huge codes never cause a 5xx;
/// the enrolment code counts as a use of its step; an unsafe `next` kept through the
/// code step is dropped.
#[test]
fn bad_codes_a_replayed_enrolment_code_and_an_unsafe_next_get_nothing() {
    let server = server_with(|_| {});
    let mut steps = Steps::new();
    let mut b = Browser::new(server.addr);
    let secret = TotpSecret::from_base32(&{
        assert_eq!(b.login("alice", "wonderland", None).status, 303);
        text_of(&b.get("/settings/two-factor").body, "totp-secret")
    })
    .expect("secret");
    let enrol_code = steps.code(&secret);
    for bad in ["", "\u{0}", "１２３４５６", "12345\u{7f}", "-----", &"9".repeat(5000)] {
        let r = b.post("/settings/two-factor/enable", &[("code", bad)]);
        assert!(r.status < 500 && r.status != 200, "enable {bad:?}: {}", r.status);
    }
    assert_eq!(b.post("/settings/two-factor/enable", &[("code", &enrol_code)]).status, 200);

    let mut p = Browser::new(server.addr);
    let r = p.post(
        "/login?next=https://evil.example/",
        &[("username", "alice"), ("password", "wonderland"), ("next", "/\\evil.example")],
    );
    assert_eq!(r.location, "/login/two-factor");
    let huge = "1".repeat(100_000);
    for bad in ["\u{0}１２３４５６", huge.as_str()] {
        let r = p.post("/login/two-factor", &[("code", bad)]);
        assert!(r.status < 500, "code step {:?}: {}", bad.chars().take(8).collect::<String>(), r.status);
    }
    let dup = p.client().post(p.url("/login/two-factor")).header("content-type", "application/x-www-form-urlencoded");
    let r = p.send(dup.body("code=1&code=2"));
    assert!(r.status < 500, "a duplicated field: {}", r.status);
    let r = p.post("/login/two-factor", &[("code", &enrol_code)]);
    assert_eq!(r.status, 400, "the code that confirmed enrolment is used");
    let r = p.post("/login/two-factor?next=//evil.example", &[("code", &steps.code(&secret))]);
    assert_eq!(r.status, 303);
    assert!(r.location.starts_with('/') && !r.location.starts_with("//"), "{}", r.location);
    assert!(!r.location.contains("evil"), "{}", r.location);
}

// ---------------------------------------------------------------------------------
// In process (the library)
// ---------------------------------------------------------------------------------

const SECRET: [u8; 64] = [121; 64];

fn config(t: &Harness) -> login_actix::LoginConfig {
    t.builder(SECRET).device_lifetime(Duration::from_secs(86_400)).build().expect("config")
}

macro_rules! app {
    ($t:expr, $registry:expr) => {
        login_tests::test_app!($t.with_registry($registry), config(&$t), secret: SECRET, configure: routes, services: [
            dashboard, index, logout,
        ])
    };
}

fn password(id: i64, password: &str) -> atest::TestRequest {
    let form = vec![("id", id.to_string()), ("password", password.to_owned()), ("next", "/dashboard".to_owned())];
    atest::TestRequest::post().uri("/login").set_form(form)
}

fn code_req(code: &str, trust: bool) -> atest::TestRequest {
    let mut form = vec![("code", code.to_owned())];
    if trust {
        form.push(("trust", "on".to_owned()));
    }
    atest::TestRequest::post().uri("/login/two-factor").set_form(form)
}

/// With the library's default registry (in memory), "forget every browser" does not
/// survive a restart: the device epoch goes back to 0, so every cookie issued before
/// the forget (epoch 0) is valid again, trust included. A browser the user removed
/// (a stolen laptop) skips the second factor again after the next deploy.
#[actix_rt::test]
async fn forgotten_browsers_stay_forgotten_after_a_restart_with_the_memory_registry() {
    let t = Harness::new();
    let before = Arc::new(MemoryRegistry::new());
    let app = app!(t, before.clone());
    let now = config(&t).now();
    let mut laptop = Jar::new();
    send(&app, &mut laptop, password(1, "alice-pw")).await;
    let res = send(&app, &mut laptop, code_req(&alice_secret().code_at(now), true)).await;
    assert_eq!(login_tests::location(&res), "/dashboard");
    send(&app, &mut laptop, login_tests::routes::post("/logout", "")).await;
    // The laptop is stolen: alice forgets every browser.
    send(&app, &mut Jar::new(), login_tests::routes::post("/forget-browsers", "")).await;
    let res = send(&app, &mut laptop.clone(), password(1, "alice-pw")).await;
    assert_eq!(login_tests::location(&res), "/login/two-factor", "forgotten before the restart");
    drop(app);
    drop(before);

    // The process restarts (a new default registry); the cookies and the secret stay.
    t.advance(60);
    let after = Arc::new(MemoryRegistry::new());
    let app = app!(t, after.clone());
    let res = send(&app, &mut laptop, password(1, "alice-pw")).await;
    assert_eq!(
        login_tests::location(&res),
        "/login/two-factor",
        "the forgotten laptop skips the second factor again after a restart"
    );
}
