//! The request's login state: what a login starts from, what the rest of a request sees
//! after `login_user` / `logout_user`, what the sessions-page calls act on, forced
//! logins, the per-user cap every store gets from the library, and a logout while the
//! registry cannot write.

use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc,
};

use actix_web::{
    get, post,
    test::{self, TestRequest},
    web, HttpResponse,
};
use login_actix::{
    events::{EndReason, LoginEvent},
    registry::{LoginStore, MemoryRegistry, SqliteRegistry},
    LoginSession, Remember,
};
use login_tests::{
    routes::{cart, dashboard, index, login, logout, logout_all, put_cart, sessions},
    routes::{get, login_req, post},
    send, text, FlakyRegistry, Harness, Jar, User, Users,
};

const SECRET: [u8; 64] = [19; 64];

/// Logs the user in, then asks who the current user is in the same request.
#[post("/login-then-who")]
async fn login_then_who(
    req: actix_web::HttpRequest,
    auth: LoginSession<User>,
    users: web::Data<Users>,
) -> actix_web::Result<String> {
    use login_actix::dev::LoginRequestExt;
    let alice = users.get(1).expect("alice");
    let _redirect = auth.login_user(&alice, Remember::No).await?;
    let who = req.current_user::<User>().await?;
    Ok(who.map_or_else(|| "anonymous".to_owned(), |u| u.name.clone()))
}

/// Logs out, then asks the sessions-page questions in the same request.
#[post("/logout-then-logins")]
async fn logout_then_logins(auth: LoginSession<User>) -> actix_web::Result<String> {
    auth.logout_user().await?;
    Ok(auth.logins().await?.len().to_string())
}

/// The sessions-page calls on a handler that takes only `LoginSession`, as a typical
/// `/logout` or settings page does (no guard).
#[get("/unguarded/sessions")]
async fn unguarded_sessions(auth: LoginSession<User>) -> actix_web::Result<String> {
    Ok(auth.logins().await?.len().to_string())
}

#[derive(serde::Deserialize)]
struct End {
    id: String,
}

#[post("/unguarded/end")]
async fn unguarded_end(auth: LoginSession<User>, form: web::Form<End>) -> actix_web::Result<String> {
    Ok(auth.end_login(&form.id).await?.to_string())
}

#[post("/unguarded/logout-everywhere")]
async fn unguarded_logout_everywhere(auth: LoginSession<User>) -> actix_web::Result<String> {
    Ok(auth.logout_everywhere().await?.to_string())
}

/// An administrator's "log in as": forced, not fresh.
#[post("/impersonate")]
async fn impersonate(
    auth: LoginSession<User>,
    users: web::Data<Users>,
    body: String,
) -> actix_web::Result<HttpResponse> {
    let id: i64 = body.trim().parse().map_err(actix_web::error::ErrorBadRequest)?;
    let user = users.get(id).ok_or_else(|| actix_web::error::ErrorBadRequest("no such user"))?;
    Ok(auth.login(&user).remember(Remember::Default).fresh(false).force(true).await?.into_response())
}

macro_rules! service {
    ($t:expr, $config:expr) => {
        service!($t, $config, |_: &actix_web::HttpRequest, _: &LoginEvent| {})
    };
    ($t:expr, $config:expr, $hook:expr) => {
        login_tests::test_app!($t, $config, hook: $hook, secret: SECRET, services: [
            dashboard, index, login, logout, logout_all, sessions, put_cart, cart, login_then_who,
            logout_then_logins, unguarded_sessions, unguarded_end, unguarded_logout_everywhere, impersonate,
        ])
    };
}

/// The ids of the user's live logins, as the sessions page lists them.
async fn login_ids<S, B>(app: &S, jar: &mut Jar) -> Vec<String>
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody + 'static,
{
    let (status, json) = text(app, jar, get("/sessions")).await;
    assert_eq!(status, 200, "{json}");
    let logins: Vec<serde_json::Value> = serde_json::from_str(&json).expect("json");
    logins.iter().map(|l| l["id"].as_str().expect("id").to_owned()).collect()
}

// --- What a login starts from ---------------------------------------------------------

/// Bob's cart is in the session; alice's remember cookie is in the same browser (a
/// shared computer, or a cookie tossed in from a sibling subdomain). Alice logs in with
/// her password, without remember: the session starts empty, although the login
/// continues the remember cookie's.
#[actix_rt::test]
async fn a_login_continuing_the_remember_cookies_login_starts_from_an_empty_session() {
    let t = Harness::new();
    let app = service!(t, t.builder(SECRET).build().expect("config"));
    let mut alice = Jar::new();
    send(&app, &mut alice, login_req(1, Some("on"))).await;
    let alice_remember = alice.get("_remember").expect("remember cookie").to_owned();

    let mut browser = Jar::new();
    send(&app, &mut browser, login_req(2, None)).await;
    send(&app, &mut browser, post("/cart", "bob's cart")).await;
    assert_eq!(text(&app, &mut browser, get("/cart")).await.1, "bob's cart");
    browser.set("_remember", &alice_remember);
    assert_eq!(send(&app, &mut browser, login_req(1, None)).await.status(), 303);
    assert_eq!(text(&app, &mut browser, get("/dashboard")).await.1, "hi alice");
    assert_eq!(text(&app, &mut browser, get("/cart")).await.1, "empty", "bob's cart crossed to alice");
}

/// The same with data planted in an anonymous session before alice logs in.
#[actix_rt::test]
async fn anonymous_session_data_does_not_survive_a_login_that_continues_a_remembered_login() {
    let t = Harness::new();
    let app = service!(t, t.builder(SECRET).build().expect("config"));
    let mut alice = Jar::new();
    send(&app, &mut alice, login_req(1, Some("on"))).await;
    let mut browser = Jar::new();
    send(&app, &mut browser, post("/cart", "planted")).await;
    browser.set("_remember", alice.get("_remember").expect("remember"));
    send(&app, &mut browser, login_req(1, None)).await;
    assert_eq!(text(&app, &mut browser, get("/cart")).await.1, "empty");
}

/// Re-authentication of the same live login (a fresh-only route asked for the
/// password) keeps the session data: its record names a live login of the same user.
#[actix_rt::test]
async fn a_relogin_of_the_sessions_own_live_login_keeps_the_session_data() {
    let t = Harness::new();
    let app = service!(t, t.builder(SECRET).build().expect("config"));
    let mut jar = Jar::new();
    send(&app, &mut jar, login_req(1, Some("on"))).await;
    send(&app, &mut jar, post("/cart", "alice's cart")).await;
    send(&app, &mut jar, login_req(1, None)).await;
    assert_eq!(text(&app, &mut jar, get("/cart")).await.1, "alice's cart");
}

// --- The rest of the request after login_user / logout_user ---------------------------

/// `login_user`, then the current user in the same request, with no `Cookie` header at
/// all: the user just logged in (as in microdot and Flask-Login).
#[actix_rt::test]
async fn the_user_logged_in_by_a_request_is_current_for_the_rest_of_it_without_cookies() {
    let t = Harness::new();
    let app = service!(t, t.builder(SECRET).build().expect("config"));
    let res = test::call_service(&app, TestRequest::post().uri("/login-then-who").to_request()).await;
    assert_eq!(res.status(), 200);
    assert_eq!(login_tests::body(res).await, "alice");
    // And with cookies too.
    let mut jar = Jar::new();
    send(&app, &mut jar, login_req(2, None)).await;
    assert_eq!(text(&app, &mut jar, post("/login-then-who", "")).await.1, "alice");
}

/// After `logout_user`, the sessions-page questions of the same request are anonymous.
#[actix_rt::test]
async fn after_logout_user_the_request_lists_no_logins() {
    let t = Harness::new();
    let app = service!(t, t.builder(SECRET).build().expect("config"));
    let mut jar = Jar::new();
    send(&app, &mut jar, login_req(1, None)).await;
    send(&app, &mut Jar::new(), login_req(1, None)).await;
    assert_eq!(text(&app, &mut jar, post("/logout-then-logins", "")).await.1, "0");
}

/// A logged-out copy of a session, on handlers that take only `LoginSession`: it lists
/// nothing, ends nothing, and "log out everywhere" ends none of the user's live logins.
#[actix_rt::test]
async fn a_logged_out_copy_of_a_session_cannot_list_or_end_the_users_logins() {
    let t = Harness::new();
    let app = service!(t, t.builder(SECRET).build().expect("config"));
    let mut phone = Jar::new();
    send(&app, &mut phone, login_req(1, Some("on"))).await;
    let mut laptop = Jar::new();
    send(&app, &mut laptop, login_req(1, None)).await;
    let ids = login_ids(&app, &mut laptop).await;
    assert_eq!(ids.len(), 2);
    let copy = laptop.clone();
    send(&app, &mut laptop, post("/logout", "")).await;

    let mut stolen = copy.clone();
    assert_eq!(text(&app, &mut stolen, get("/unguarded/sessions")).await.1, "0", "a dead copy listed logins");
    let mut stolen = copy.clone();
    for id in &ids {
        let req = TestRequest::post().uri("/unguarded/end").set_form([("id", id.as_str())]);
        assert_eq!(text(&app, &mut stolen, req).await.1, "false", "a dead copy ended a login");
    }
    let mut stolen = copy.clone();
    assert_eq!(text(&app, &mut stolen, post("/unguarded/logout-everywhere", "")).await.1, "0");
    assert_eq!(text(&app, &mut phone, get("/dashboard")).await.1, "hi alice", "the phone was logged out");
}

// --- Forced logins --------------------------------------------------------------------

/// `force(true)` logs an inactive user in, and the login holds at later requests, also
/// restored from its remember cookie, until it is ended.
#[actix_rt::test]
async fn a_forced_login_of_an_inactive_user_lasts_until_it_is_ended() {
    let t = Harness::new();
    let ended_inactive = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&ended_inactive);
    let hook = move |_: &actix_web::HttpRequest, e: &LoginEvent| {
        if matches!(e, LoginEvent::Ended { reason: EndReason::Inactive, .. }) {
            seen.fetch_add(1, Ordering::SeqCst);
        }
    };
    let app = service!(t, t.builder(SECRET).build().expect("config"), hook);
    // An unforced login of bob ends at its next request once bob is deactivated.
    let mut plain = Jar::new();
    send(&app, &mut plain, login_req(2, None)).await;
    let mut bob = t.users.get(2).expect("bob");
    bob.epoch = -1; // deactivated
    t.users.put(bob);
    assert_eq!(send(&app, &mut plain, get("/dashboard")).await.status(), 302);
    assert_eq!(ended_inactive.load(Ordering::SeqCst), 1);
    let mut jar = Jar::new();
    assert_eq!(send(&app, &mut jar, post("/impersonate", "2")).await.status(), 303);
    assert_eq!(text(&app, &mut jar, get("/dashboard")).await.1, "hi bob");
    assert_eq!(text(&app, &mut jar, get("/dashboard")).await.1, "hi bob");
    let mut remembered = jar.without("id");
    assert_eq!(text(&app, &mut remembered, get("/dashboard")).await.1, "hi bob", "restored forced login");
    send(&app, &mut jar, post("/logout", "")).await;
    assert_eq!(send(&app, &mut jar, get("/dashboard")).await.status(), 302);
    assert_eq!(send(&app, &mut remembered, get("/dashboard")).await.status(), 302);
    // An unforced login of an inactive user is still refused.
    assert_eq!(send(&app, &mut Jar::new(), login_req(2, None)).await.status(), 403);
    assert_eq!(ended_inactive.load(Ordering::SeqCst), 1, "the forced login never ended as inactive");
}

// --- The per-user cap, in every store ---------------------------------------------------

async fn per_user_cap_holds(registry: Arc<dyn LoginStore>) {
    let t = Harness::new();
    let ended = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&ended);
    let hook = move |_: &actix_web::HttpRequest, e: &LoginEvent| {
        if matches!(e, LoginEvent::Ended { reason: EndReason::TooManyLogins, .. }) {
            seen.fetch_add(1, Ordering::SeqCst);
        }
    };
    let config = t.builder(SECRET).max_logins_per_user(3).build().expect("config");
    let app = service!(t.with_registry(registry), config, hook);
    let mut first = Jar::new();
    send(&app, &mut first, login_req(1, Some("99999"))).await;
    let mut bob = Jar::new();
    send(&app, &mut bob, login_req(2, None)).await;
    let mut jars = Vec::new();
    for _ in 0..5 {
        t.advance(1);
        let mut jar = Jar::new();
        send(&app, &mut jar, login_req(1, Some("99999"))).await;
        jars.push(jar);
    }
    let mut newest = jars.pop().expect("a jar");
    assert_eq!(login_ids(&app, &mut newest).await.len(), 3, "at most the cap");
    assert_eq!(ended.load(Ordering::SeqCst), 3, "an event for each login the cap ended");
    assert_eq!(send(&app, &mut first, get("/dashboard")).await.status(), 302, "the oldest goes");
    assert_eq!(send(&app, &mut first.without("id"), get("/dashboard")).await.status(), 302);
    assert_eq!(text(&app, &mut newest, get("/dashboard")).await.1, "hi alice", "not the one logging in");
    assert_eq!(text(&app, &mut bob, get("/dashboard")).await.1, "hi bob", "other users untouched");
}

#[actix_rt::test]
async fn the_memory_registry_holds_at_most_the_per_user_cap_and_the_oldest_login_goes() {
    per_user_cap_holds(Arc::new(MemoryRegistry::new())).await;
}

#[actix_rt::test]
async fn the_sqlite_registry_holds_at_most_the_per_user_cap_and_the_oldest_login_goes() {
    per_user_cap_holds(Arc::new(SqliteRegistry::open_in_memory().expect("sqlite"))).await;
}

/// A store written by someone else (no cap of its own) gets the cap from the library.
#[actix_rt::test]
async fn an_apps_own_store_gets_the_per_user_cap_from_the_library() {
    per_user_cap_holds(Arc::new(FlakyRegistry::default())).await;
}

// --- Logout while the registry cannot write -------------------------------------------

/// The registry stalls at logout: the answer is 503 and the browser keeps both cookies
/// to retry with; the retry, once the registry is back, logs out for real.
#[actix_rt::test]
async fn a_logout_the_registry_cannot_record_keeps_the_cookies_to_retry_with() {
    let t = Harness::new();
    let registry = Arc::new(FlakyRegistry::default());
    let app = service!(t.with_registry(registry.clone()), t.builder(SECRET).build().expect("config"));
    let mut jar = Jar::new();
    send(&app, &mut jar, login_req(1, Some("on"))).await;
    let copy = jar.clone();
    registry.set_down(true);
    let res = send(&app, &mut jar, post("/logout", "")).await;
    assert_eq!(res.status(), 503);
    assert!(login_tests::set_cookie_lines(&res, "_remember").is_empty(), "remember cookie deleted on a failed logout");
    assert!(jar.get("_remember").is_some() && jar.get("id").is_some());
    registry.set_down(false);
    assert_eq!(text(&app, &mut jar, get("/dashboard")).await.1, "hi alice", "still logged in: the logout failed");
    assert_eq!(send(&app, &mut jar, post("/logout", "")).await.status(), 200);
    assert_eq!(send(&app, &mut copy.clone(), get("/dashboard")).await.status(), 302);
    assert_eq!(send(&app, &mut copy.without("id"), get("/dashboard")).await.status(), 302);
}

/// A logout names the user only when it ended a live login: a logged-out copy of the
/// cookies posting `/logout` logs nobody out, and the event says so.
#[actix_rt::test]
async fn a_logout_from_a_logged_out_copy_names_nobody() {
    let t = Harness::new();
    let named = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = Arc::clone(&named);
    let hook = move |_: &actix_web::HttpRequest, e: &LoginEvent| {
        if let LoginEvent::LoggedOut { user_id } = e {
            seen.lock().expect("lock").push(user_id.clone());
        }
    };
    let app = service!(t, t.builder(SECRET).build().expect("config"), hook);
    let mut jar = Jar::new();
    send(&app, &mut jar, login_req(1, Some("on"))).await;
    let copy = jar.clone();
    send(&app, &mut jar, post("/logout", "")).await;
    send(&app, &mut copy.clone(), post("/logout", "")).await;
    let named = named.lock().expect("lock").clone();
    assert_eq!(named, vec![Some(serde_json::json!(1)), None]);
}

/// A `Cookie` header the server cannot read (a byte that is not UTF-8, from another app
/// on the domain) names logins nobody can tell: the logout answers `400` and ends
/// nothing it cannot see, so the browser keeps its cookies to retry with, and it never
/// reports a logout while the login is live.
#[actix_rt::test]
async fn a_logout_with_an_unreadable_cookie_header_is_refused_not_reported() {
    let t = Harness::new();
    let app = service!(t, t.builder(SECRET).build().expect("config"));
    let mut jar = Jar::new();
    send(&app, &mut jar, login_req(1, Some("on"))).await;
    let mut raw = jar.header().expect("cookies").into_bytes();
    raw.extend_from_slice(b"; lang=caf\xe9");
    let cookie = actix_web::http::header::HeaderValue::from_bytes(&raw).expect("obs-text is a valid header value");
    let res = send(&app, &mut Jar::new(), post("/logout", "").insert_header(("cookie", cookie))).await;
    assert_eq!(res.status(), 400);
    assert_eq!(text(&app, &mut jar.clone(), get("/")).await.1, "user alice", "the login is live, as the answer says");
    assert_eq!(send(&app, &mut jar, post("/logout", "")).await.status(), 200, "a readable retry logs out");
    assert_eq!(send(&app, &mut jar, get("/dashboard")).await.status(), 302);
}
