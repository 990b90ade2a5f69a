//! The second factor in process: a right password of an enrolled user is a pending
//! login (no login, no remember cookie, refused by every guard); a right code, once
//! per time step, completes it; five wrong codes, the timeout, a logout end it; the
//! device cookie trusts a browser and lets the account's own browsers through its
//! per-account limit, and is worth nothing for another user.

use std::{sync::Arc, time::Duration};

use actix_web::test;
use login_actix::registry::{LoginStore, MemoryRegistry, SqliteRegistry};
use login_tests::{
    location,
    routes::{dashboard, get, index, logout, post},
    send, set_cookie_lines, text,
    two_factor::{alice_secret, routes},
    Harness, Jar,
};

const SECRET: [u8; 64] = [121; 64];

struct Setup {
    t: Harness,
    registry: Arc<dyn LoginStore>,
}

impl Setup {
    fn new() -> Self {
        Setup::on(Arc::new(MemoryRegistry::new()))
    }

    /// With the SQLite store, whose calls run on blocking threads: requests sent at
    /// once interleave.
    fn sqlite() -> Self {
        Setup::on(Arc::new(SqliteRegistry::open_in_memory().expect("sqlite")))
    }

    fn on(registry: Arc<dyn LoginStore>) -> Self {
        Setup { t: Harness::new().with_registry(registry.clone()), registry }
    }

    fn config(&self) -> login_actix::LoginConfig {
        self.t.builder(SECRET).device_lifetime(Duration::from_secs(86_400)).build().expect("config")
    }

    fn now(&self) -> u64 {
        self.config().now()
    }

    fn code(&self) -> String {
        alice_secret().code_at(self.now())
    }
}

macro_rules! app {
    ($s:expr) => {
        login_tests::test_app!($s.t, $s.config(), secret: SECRET, configure: routes, services: [
            dashboard, index, logout,
        ])
    };
}

fn password(id: i64, password: &str, remember: bool) -> test::TestRequest {
    let mut form = vec![("id", id.to_string()), ("password", password.to_owned()), ("next", "/dashboard".to_owned())];
    if remember {
        form.push(("remember", "on".to_owned()));
    }
    test::TestRequest::post().uri("/login").set_form(form)
}

fn code_req(code: &str, trust: bool) -> test::TestRequest {
    let mut form = vec![("code", code.to_owned())];
    if trust {
        form.push(("trust", "on".to_owned()));
    }
    test::TestRequest::post().uri("/login/two-factor").set_form(form)
}

#[actix_rt::test]
async fn a_right_password_of_an_enrolled_user_is_a_pending_login_and_nothing_more() {
    let s = Setup::new();
    let app = app!(s);
    let mut jar = Jar::new();
    let res = send(&app, &mut jar, password(1, "alice-pw", true)).await;
    assert_eq!((res.status().as_u16(), location(&res)), (303, "/login/two-factor".to_owned()));
    assert!(jar.get("_remember").is_none(), "no remember cookie before the code");
    assert!(jar.get("_device").is_none(), "no device cookie before the code");
    assert_eq!(send(&app, &mut jar, get("/dashboard")).await.status(), 302, "guards refuse a pending login");
    assert_eq!(text(&app, &mut jar, get("/")).await.1, "anonymous");
    assert!(s.registry.list_user("1", s.now()).await.expect("list").is_empty(), "no live login yet");
}

#[actix_rt::test]
async fn a_right_code_completes_the_login_fresh_with_a_new_session_and_the_remember_cookie() {
    let s = Setup::new();
    let app = app!(s);
    let mut jar = Jar::new();
    send(&app, &mut jar, password(1, "alice-pw", true)).await;
    let pending_session = jar.get("id").expect("a session").to_owned();
    let res = send(&app, &mut jar, code_req(&s.code(), false)).await;
    assert_eq!((res.status().as_u16(), location(&res)), (303, "/dashboard".to_owned()), "the kept next");
    assert_ne!(jar.get("id"), Some(pending_session.as_str()), "a new session id");
    assert!(jar.get("_remember").is_some(), "the remember cookie asked for at the password step");
    assert!(jar.get("_device").is_some(), "the device cookie");
    assert_eq!(text(&app, &mut jar, get("/dashboard")).await, (200, "hi alice".to_owned()));
    assert_eq!(s.registry.list_user("1", s.now()).await.expect("list").len(), 1);
    // A copy of the pending session cookie is anonymous and completes nothing.
    let mut copy = Jar::new();
    copy.set("id", &pending_session);
    assert_eq!(text(&app, &mut copy, get("/")).await.1, "anonymous");
    let res = send(&app, &mut copy, code_req(&s.code(), false)).await;
    assert_eq!(location(&res), "/login");
}

#[actix_rt::test]
async fn a_code_is_accepted_once_for_its_time_step() {
    let s = Setup::new();
    let app = app!(s);
    let code = s.code();
    let mut first = Jar::new();
    send(&app, &mut first, password(1, "alice-pw", false)).await;
    assert_eq!(send(&app, &mut first, code_req(&code, false)).await.status(), 303);
    let mut second = Jar::new();
    send(&app, &mut second, password(1, "alice-pw", false)).await;
    assert_eq!(send(&app, &mut second, code_req(&code, false)).await.status(), 400, "a replayed code");
    s.t.advance(30);
    assert_eq!(send(&app, &mut second, code_req(&s.code(), false)).await.status(), 303, "the next step's code");
}

#[actix_rt::test]
async fn five_wrong_codes_end_the_pending_login_whatever_comes_after() {
    let s = Setup::new();
    let app = app!(s);
    let mut jar = Jar::new();
    send(&app, &mut jar, password(1, "alice-pw", false)).await;
    let copy = jar.clone();
    for wrong in ["000000", "", "12345", "abcdef"] {
        assert_eq!(text(&app, &mut jar, code_req(wrong, false)).await, (400, "wrong code".to_owned()), "{wrong:?}");
    }
    // The fifth, from a copy of the cookie on another address (this one has reached its
    // limit of five failures, the unfinished password step among them): the count of
    // wrong codes is server-side.
    let mut copy = copy;
    let elsewhere = code_req("999999", false).peer_addr("198.51.100.7:4000".parse().expect("addr"));
    assert_eq!(text(&app, &mut copy, elsewhere).await, (400, "start over".to_owned()));
    let res = send(&app, &mut jar, code_req(&s.code(), false)).await;
    assert_eq!(location(&res), "/login", "a right code after the fifth wrong one logs nobody in");
    assert_eq!(send(&app, &mut jar, get("/dashboard")).await.status(), 302);
}

#[actix_rt::test]
async fn a_pending_login_ends_after_its_timeout() {
    let s = Setup::new();
    let app = app!(s);
    let mut jar = Jar::new();
    send(&app, &mut jar, password(1, "alice-pw", false)).await;
    s.t.advance(300);
    let res = send(&app, &mut jar, code_req(&s.code(), false)).await;
    assert_eq!(location(&res), "/login");
}

#[actix_rt::test]
async fn a_logout_ends_a_pending_login() {
    let s = Setup::new();
    let app = app!(s);
    let mut jar = Jar::new();
    send(&app, &mut jar, password(1, "alice-pw", false)).await;
    let copy = jar.clone();
    send(&app, &mut jar, post("/logout", "")).await;
    let mut copy = copy;
    assert_eq!(location(&send(&app, &mut copy, code_req(&s.code(), false)).await), "/login");
}

/// The peers' bypass: deleting the session cookie while pending, keeping a remember
/// cookie from before.
#[actix_rt::test]
async fn the_password_step_deletes_an_earlier_remember_cookie_and_a_dropped_session_gives_nothing() {
    let s = Setup::new();
    let app = app!(s);
    let mut jar = Jar::new();
    send(&app, &mut jar, password(1, "alice-pw", true)).await;
    send(&app, &mut jar, code_req(&s.code(), false)).await;
    let old_remember = jar.get("_remember").expect("remembered").to_owned();
    s.t.advance(60);
    // The password step again in this (untrusted) browser: pending, the old login ends.
    send(&app, &mut jar, password(1, "alice-pw", true)).await;
    assert!(jar.get("_remember").is_none(), "the remember cookie the request carried is deleted");
    jar.remove("id");
    assert_eq!(send(&app, &mut jar, get("/dashboard")).await.status(), 302);
    let mut replay = Jar::new();
    replay.set("_remember", &old_remember);
    assert_eq!(text(&app, &mut replay, get("/")).await.1, "anonymous", "the earlier login ended");
}

#[actix_rt::test]
async fn trust_skips_the_code_in_that_browser_until_it_ends_and_a_later_login_never_extends_it() {
    let s = Setup::new();
    let app = app!(s);
    let mut jar = Jar::new();
    send(&app, &mut jar, password(1, "alice-pw", false)).await;
    send(&app, &mut jar, code_req(&s.code(), true)).await;
    send(&app, &mut jar, post("/logout", "")).await;
    assert!(jar.get("_device").is_some(), "the device cookie survives logout");
    s.t.advance(12 * 3_600);
    let res = send(&app, &mut jar, password(1, "alice-pw", false)).await;
    assert_eq!(location(&res), "/dashboard", "a trusted browser logs in with the password alone");
    send(&app, &mut jar, post("/logout", "")).await;
    s.t.advance(12 * 3_600 + 1);
    let res = send(&app, &mut jar, password(1, "alice-pw", false)).await;
    assert_eq!(location(&res), "/login/two-factor", "the trust ended a day after it was given");
    // Another browser was never trusted.
    let mut other = Jar::new();
    assert_eq!(location(&send(&app, &mut other, password(1, "alice-pw", false)).await), "/login/two-factor");
}

/// With `cookie_host_prefix`, the device cookie is `__Host-_device`, like the remember
/// cookie whose attributes it shares, and a trusted browser is known by it.
#[actix_rt::test]
async fn the_device_cookie_takes_the_host_prefix_of_the_remember_cookie() {
    let s = Setup::new();
    let config = s.t.builder(SECRET).cookie_host_prefix(true).build().expect("config");
    let app = login_tests::test_app!(s.t, config, secret: SECRET, configure: routes, services: [
        dashboard, index, logout,
    ]);
    let mut jar = Jar::new();
    send(&app, &mut jar, password(1, "alice-pw", false)).await;
    send(&app, &mut jar, code_req(&s.code(), true)).await;
    assert!(jar.get("__Host-_device").is_some(), "the prefixed device cookie");
    assert!(jar.get("_device").is_none(), "no unprefixed one");
    send(&app, &mut jar, post("/logout", "")).await;
    let res = send(&app, &mut jar, password(1, "alice-pw", false)).await;
    assert_eq!(location(&res), "/dashboard", "the trusted browser is known by its prefixed cookie");
}

/// A restarted browser's remember-only restores within the touch interval are
/// authenticated from the token alone after the first: its device cookie is the
/// library's own, not a session id it brought, so it buys no further sessions.
#[actix_rt::test]
async fn the_device_cookie_buys_a_restoring_browser_no_further_sessions() {
    let s = Setup::new();
    let app = app!(s);
    let mut jar = Jar::new();
    send(&app, &mut jar, password(1, "alice-pw", true)).await;
    send(&app, &mut jar, code_req(&s.code(), false)).await;
    let device = jar.get("_device").expect("the device cookie").to_owned();
    let mut token = jar.get("_remember").expect("the remember cookie").to_owned();
    for restore in 1..=3 {
        let mut restarted = Jar::new();
        restarted.set("_remember", &token);
        restarted.set("_device", &device);
        let res = send(&app, &mut restarted, get("/dashboard")).await;
        assert_eq!(res.status(), 200, "restore {restore}");
        let sessions = set_cookie_lines(&res, "id").len();
        assert_eq!(sessions, usize::from(restore == 1), "restore {restore} wrote a session");
        token = restarted.get("_remember").expect("the rotated token").to_owned();
    }
}

/// Asks who is here, starts a pending login of alice, and asks again: who is here, and
/// how many logins the sessions page lists.
#[actix_web::post("/pending-then-who")]
async fn pending_then_who(
    req: actix_web::HttpRequest,
    auth: login_actix::LoginSession<login_tests::User>,
    users: actix_web::web::Data<login_tests::Users>,
) -> actix_web::Result<String> {
    use login_actix::dev::LoginRequestExt;
    let before = req.current_user::<login_tests::User>().await?;
    let alice = users.get(1).expect("alice");
    auth.begin_second_factor(&alice, false, "alice", None).await?;
    let after = req.current_user::<login_tests::User>().await?;
    let logins = auth.logins().await?.len();
    let name = |u: Option<&login_tests::User>| u.map_or_else(|| "anonymous".to_owned(), |u| u.name.clone());
    Ok(format!("{} then {} with {logins} logins", name(before.as_deref()), name(after.as_deref())))
}

/// A pending login started in a request replaces the login the request began with for
/// the rest of it: asked again, the request is anonymous and lists no logins.
#[actix_rt::test]
async fn after_begin_second_factor_the_request_is_anonymous() {
    let s = Setup::new();
    let app = login_tests::test_app!(s.t, s.config(), secret: SECRET, configure: routes, services: [
        dashboard, logout, pending_then_who,
    ]);
    let mut jar = Jar::new();
    send(&app, &mut jar, password(1, "alice-pw", false)).await;
    send(&app, &mut jar, code_req(&s.code(), false)).await;
    let (status, body) = text(&app, &mut jar, post("/pending-then-who", "")).await;
    assert_eq!(status, 200);
    assert_eq!(body, "alice then anonymous with 0 logins");
    assert_eq!(location(&send(&app, &mut jar, get("/dashboard")).await), "/login?next=%2Fdashboard");
}

#[actix_rt::test]
async fn forgetting_browsers_and_a_password_change_end_every_trust() {
    let s = Setup::new();
    let app = app!(s);
    let mut jar = Jar::new();
    send(&app, &mut jar, password(1, "alice-pw", false)).await;
    send(&app, &mut jar, code_req(&s.code(), true)).await;
    send(&app, &mut Jar::new(), post("/forget-browsers", "")).await;
    assert_eq!(location(&send(&app, &mut jar, password(1, "alice-pw", false)).await), "/login/two-factor");
    s.t.advance(30);
    send(&app, &mut jar, code_req(&s.code(), true)).await;
    assert_eq!(location(&send(&app, &mut jar, password(1, "alice-pw", false)).await), "/dashboard", "trusted again");
    let mut alice = s.t.users.get(1).expect("alice");
    alice.password = "new-pw".into();
    s.t.users.put(alice);
    assert_eq!(location(&send(&app, &mut jar, password(1, "new-pw", false)).await), "/login/two-factor");
}

/// Twenty failed passwords for bob from twenty addresses: the account is over its
/// limit. A browser bob logged in from before still may try; one holding alice's
/// device cookie gets 429 without a password check, like any unknown browser.
#[actix_rt::test]
async fn over_the_account_limit_only_the_accounts_own_browsers_may_try() {
    let s = Setup::new();
    let app = app!(s);
    let mut bobs = Jar::new();
    send(&app, &mut bobs, password(2, "bob-pw", false)).await;
    assert!(bobs.get("_device").is_some(), "every completed login sets the device cookie");
    let mut alices = Jar::new();
    send(&app, &mut alices, password(1, "alice-pw", false)).await;
    send(&app, &mut alices, code_req(&s.code(), true)).await;
    for i in 0..20 {
        let req = password(2, "guess", false).peer_addr(format!("198.51.100.{i}:4000").parse().expect("addr"));
        assert_eq!(location(&send(&app, &mut Jar::new(), req).await), "/login?error=1");
    }
    let from = |i: u8| password(2, "bob-pw", false).peer_addr(format!("203.0.113.{i}:4000").parse().expect("addr"));
    let res = send(&app, &mut Jar::new(), from(1)).await;
    assert_eq!(res.status(), 429, "an unknown browser, even with the right password");
    assert!(res.headers().contains_key("retry-after"));
    let mut with_alices_device = Jar::new();
    with_alices_device.set("_device", alices.get("_device").expect("alice's device cookie"));
    assert_eq!(send(&app, &mut with_alices_device, from(2)).await.status(), 429, "alice's cookie is nothing for bob");
    assert_eq!(location(&send(&app, &mut bobs, from(3)).await), "/dashboard", "bob's own browser gets through");
    // Unknown names are counted alike: the limit says nothing about who exists.
    for i in 0..20 {
        let req = password(77, "x", false).peer_addr(format!("192.0.2.{i}:4000").parse().expect("addr"));
        assert_eq!(send(&app, &mut Jar::new(), req).await.status(), 303);
    }
    let req = password(77, "x", false).peer_addr("192.0.2.99:4000".parse().expect("addr"));
    assert_eq!(send(&app, &mut Jar::new(), req).await.status(), 429);
}

/// A wrong code is a failed login, and a password step counts until its code step
/// completes: three wrong passwords, the right one and a wrong code from one address
/// reach the (username, IP) limit of five; the next code is refused with 429 without
/// being checked.
#[actix_rt::test]
async fn wrong_codes_count_as_failed_logins() {
    let s = Setup::new();
    let app = app!(s);
    let mut jar = Jar::new();
    for _ in 0..3 {
        send(&app, &mut jar, password(1, "nope", false)).await;
    }
    send(&app, &mut jar, password(1, "alice-pw", false)).await;
    assert_eq!(send(&app, &mut jar, code_req("000000", false)).await.status(), 400);
    let res = send(&app, &mut jar, code_req(&s.code(), false)).await;
    assert_eq!(res.status(), 429, "over the limit: the code is not checked");
}

/// Two right codes sent at once from two copies of the pending session (two time
/// steps, each accepted once): one completes the login, the other finds nothing to
/// complete (a `400` when the pending login ends while it is checked, the code step's
/// redirect to `/login` when it had ended before); one login exists.
#[actix_rt::test]
async fn two_completions_of_one_pending_login_at_once_make_one_login() {
    let s = Setup::sqlite();
    let app = app!(s);
    let mut a = Jar::new();
    send(&app, &mut a, password(1, "alice-pw", false)).await;
    let mut b = a.clone();
    let (now_code, next_code) = (s.code(), alice_secret().code_at(s.now() + 30));
    let (ra, rb) =
        futures_util::future::join(a.send(&app, code_req(&now_code, false)), b.send(&app, code_req(&next_code, false)))
            .await;
    let answers = [(ra.status().as_u16(), location(&ra)), (rb.status().as_u16(), location(&rb))];
    let completed = |(status, to): &(u16, String)| *status == 303 && to != "/login";
    let found_none = |(status, to): &(u16, String)| *status == 400 || (*status == 303 && to == "/login");
    assert!(
        answers.iter().filter(|a| completed(a)).count() == 1 && answers.iter().any(found_none),
        "one completes, the other finds no pending login: {answers:?}"
    );
    assert_eq!(s.registry.list_user("1", s.now()).await.expect("list").len(), 1, "one login");
}

/// One code sent at once from two browsers, each with a pending login of the same user:
/// its time step is accepted once, so one browser logs in and the other is told the
/// code is wrong.
#[actix_rt::test]
async fn one_code_sent_at_once_from_two_browsers_logs_in_one() {
    let s = Setup::sqlite();
    let app = app!(s);
    let (mut a, mut b) = (Jar::new(), Jar::new());
    send(&app, &mut a, password(1, "alice-pw", false)).await;
    send(&app, &mut b, password(1, "alice-pw", false)).await;
    let code = s.code();
    let (ra, rb) =
        futures_util::future::join(a.send(&app, code_req(&code, false)), b.send(&app, code_req(&code, false))).await;
    let mut answers = [(ra.status().as_u16(), location(&ra)), (rb.status().as_u16(), location(&rb))];
    answers.sort();
    assert_eq!(answers, [(303, "/dashboard".to_owned()), (400, String::new())], "one login, one wrong code");
    assert_eq!(s.registry.list_user("1", s.now()).await.expect("list").len(), 1, "one login");
}

fn password_from(ip: &str, remember: bool) -> test::TestRequest {
    let mut form = vec![("id", "1".to_owned()), ("password", "alice-pw".to_owned())];
    if remember {
        form.push(("remember", "on".to_owned()));
    }
    test::TestRequest::post().uri("/login").peer_addr(format!("{ip}:4000").parse().expect("addr")).set_form(form)
}

fn code_from(ip: &str, code: &str) -> test::TestRequest {
    test::TestRequest::post()
        .uri("/login/two-factor")
        .peer_addr(format!("{ip}:4000").parse().expect("addr"))
        .set_form(vec![("code", code.to_owned())])
}

/// A password step refused at the pending cap (429) leaves the browser as it was: its
/// login, its remember cookie. The owner, logged in on a browser the account no longer
/// knows (after "forget every browser"), re-enters the password while someone holding it
/// has filled the cap.
#[actix_rt::test]
async fn a_password_step_refused_at_the_pending_cap_changes_nothing_in_the_browser() {
    let s = Setup::new();
    let app = app!(s);
    let mut owner = Jar::new();
    assert_eq!(location(&send(&app, &mut owner, password_from("192.0.2.1", true)).await), "/login/two-factor");
    let done = send(&app, &mut owner, code_from("192.0.2.1", &s.code())).await;
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
    let live = s.registry.list_user("1", s.now()).await.expect("list").len();
    let remember = owner.get("_remember").is_some();
    let page = send(&app, &mut owner, get("/dashboard")).await.status().as_u16();
    assert_eq!(
        (live, remember, page),
        (1, true, 200),
        "(live logins, remember cookie kept, /dashboard): the refused step ended the owner's login"
    );
}
