//! What users of Flask-Login and axum-login rely on, in process:
//! permissions, bearer tokens through a request loader, inactive users, events,
//! `is_remembered`, `confirm_login`, logins without freshness, `logout_user` telling
//! who, per-scope and re-authentication URLs, the `next` parameter's name, short
//! remember durations, the duplicate-`next` fix, and the `test_util` helpers.

use std::{
    cell::RefCell,
    rc::Rc,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};

use actix_session::{storage::CookieSessionStore, SessionMiddleware};
use actix_web::{
    cookie::Key,
    get, post,
    test::{self, TestRequest},
    web, App, HttpRequest, HttpResponse,
};
use login_actix::{
    events::{EndReason, LoginEvent, RefusalReason},
    fresh_login_required,
    guard::{LoginMode, LoginUrl},
    loader::request_loader_fn,
    login_required,
    registry::MemoryRegistry,
    test_util::{login_as, login_route, Jar, TestLogin},
    CurrentUser, LoginConfig, LoginError, LoginMiddleware, LoginSession, Remember,
};
use login_tests::{body, location, send, users_loader, User, Users};

const SECRET: [u8; 64] = [12; 64];
const START: u64 = 1_900_000_000;

// The test users (`login_tests::User`): alice (1) holds `admin` (not `audit`), bob (2)
// nothing; a user with a negative `epoch` is inactive.

#[get("/admin")]
#[login_required(permission = "admin")]
async fn admin(user: CurrentUser<User>) -> String {
    format!("admin {}", user.name)
}

#[post("/admin/act")]
#[fresh_login_required(permission = "admin", permission = "audit")]
async fn admin_act() -> &'static str {
    "done"
}

#[get("/me")]
#[login_required]
async fn me(user: CurrentUser<User>) -> String {
    format!("{} fresh={} remembered={} token={}", user.name, user.is_fresh(), user.is_remembered(), user.is_token())
}

#[get("/settings")]
#[fresh_login_required]
async fn settings() -> &'static str {
    "settings"
}

#[post("/login/{id}/{how}")]
async fn login(
    path: web::Path<(i64, String)>,
    auth: LoginSession<User>,
    users: web::Data<Users>,
) -> actix_web::Result<HttpResponse> {
    let (id, how) = path.into_inner();
    let user = users.get(id).ok_or_else(|| actix_web::error::ErrorNotFound("no user"))?;
    let result = match how.as_str() {
        "plain" => auth.login_user(&user, Remember::No).await,
        "hour" => auth.login(&user).remember(Remember::For(Duration::from_secs(3600))).await,
        "not-fresh" => auth.login(&user).fresh(false).await,
        "force" => auth.login(&user).force(true).await,
        _ => return Ok(HttpResponse::BadRequest().finish()),
    };
    match result {
        Ok(redirect) => Ok(redirect.into_response()),
        Err(LoginError::Inactive) => Ok(HttpResponse::Forbidden().body("account disabled")),
        Err(other) => Err(other.into()),
    }
}

#[post("/logout")]
async fn logout(auth: LoginSession<User>) -> actix_web::Result<String> {
    let out = auth.logout_user().await?;
    Ok(format!("{:?}", out.user_id()))
}

#[post("/confirm")]
async fn confirm(auth: LoginSession<User>) -> actix_web::Result<&'static str> {
    auth.confirm_login().await?;
    Ok("confirmed")
}

#[post("/deactivate/{id}")]
#[login_required(permission = "admin")]
async fn deactivate(
    path: web::Path<i64>,
    users: web::Data<Users>,
    auth: LoginSession<User>,
) -> actix_web::Result<String> {
    let mut user = users.get(*path).ok_or_else(|| actix_web::error::ErrorNotFound("no user"))?;
    user.epoch = -1;
    users.put(user.clone());
    Ok(auth.end_logins_of(&user.id).await?.to_string())
}

#[get("/me")]
async fn api_me(user: CurrentUser<User>, req: HttpRequest) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({
        "name": user.name,
        "fresh": user.is_fresh(),
        "token": user.is_token(),
        "sets_cookies": req.headers().contains_key("cookie"),
    }))
}

#[get("/admin")]
#[login_required(permission = "admin")]
async fn api_admin() -> &'static str {
    "api admin"
}

#[post("/change")]
#[login_required]
async fn api_change() -> &'static str {
    "changed"
}

#[get("/page")]
#[login_required]
async fn scoped_page() -> &'static str {
    "scoped"
}

/// A user type whose permissions and activity come from the test directory.
fn loader() -> impl login_actix::loader::UserLoader<User = User> {
    users_loader()
}

struct Harness {
    clock: Arc<AtomicU64>,
    users: web::Data<Users>,
    events: Rc<RefCell<Vec<LoginEvent>>>,
}

impl Harness {
    fn new() -> Self {
        Harness { clock: Arc::new(AtomicU64::new(START)), users: Users::seeded(), events: Rc::default() }
    }

    fn config(&self) -> LoginConfig {
        let clock = Arc::clone(&self.clock);
        LoginConfig::builder(SECRET)
            .login_url("/login?next=%2Fdashboard")
            .reauth_url("/reauth")
            .clock(move || clock.load(Ordering::SeqCst))
            .build()
            .expect("config")
    }

    fn advance(&self, secs: u64) {
        self.clock.fetch_add(secs, Ordering::SeqCst);
    }

    fn events(&self) -> Vec<LoginEvent> {
        std::mem::take(&mut *self.events.borrow_mut())
    }
}

macro_rules! app {
    ($h:expr) => {{
        let events = Rc::clone(&$h.events);
        test::init_service(
            App::new()
                .app_data($h.users.clone())
                .service(admin)
                .service(admin_act)
                .service(me)
                .service(settings)
                .service(login)
                .service(logout)
                .service(confirm)
                .service(deactivate)
                .service(login_route())
                .service(
                    web::scope("/api").app_data(LoginMode::Api).service(api_me).service(api_admin).service(api_change),
                )
                .service(web::scope("/members").app_data(LoginUrl::new("/members/login")).service(scoped_page))
                .wrap(
                    LoginMiddleware::new(loader(), $h.config())
                        .registry(Arc::new(MemoryRegistry::new()))
                        .request_loader(request_loader_fn(|token: String, req: HttpRequest| async move {
                            let users = req.app_data::<web::Data<Users>>().cloned().expect("users");
                            let id = match token.as_str() {
                                "alice-token" => 1,
                                "bob-token" => 2,
                                _ => return Ok::<_, std::io::Error>(None),
                            };
                            Ok(users.get(id))
                        }))
                        .on_event(move |_req, event| events.borrow_mut().push(event.clone())),
                )
                .wrap(
                    SessionMiddleware::builder(CookieSessionStore::default(), Key::derive_from(&SECRET))
                        .cookie_secure(false)
                        .build(),
                ),
        )
        .await
    }};
}

fn get(uri: &str) -> TestRequest {
    TestRequest::get().uri(uri)
}

fn bearer(uri: &str, token: &str) -> TestRequest {
    get(uri).insert_header(("authorization", format!("Bearer {token}")))
}

/// The route `login_as` logs in through answers no request a client sends: only one
/// carrying its login as a request extension, which no network client can set.
#[actix_rt::test]
async fn the_test_login_route_logs_in_no_client_request() {
    let h = Harness::new();
    let app = app!(h);
    let mut jar = Jar::new();
    let res = send(&app, &mut jar, TestRequest::post().uri("/__login_actix_test_login")).await;
    assert_eq!(res.status(), 404);
    assert_eq!(send(&app, &mut jar, get("/me")).await.status(), 302, "still anonymous");
    let mut alice = login_as(&app, &h.users.get(1).expect("alice"), TestLogin::Fresh).await;
    assert_eq!(send(&app, &mut alice, get("/me")).await.status(), 200);
}

#[actix_rt::test]
async fn permissions_refuse_with_403_never_the_login_page() {
    let h = Harness::new();
    let app = app!(h);
    let mut alice = login_as(&app, &h.users.get(1).expect("alice"), TestLogin::Fresh).await;
    let mut bob = login_as(&app, &h.users.get(2).expect("bob"), TestLogin::Fresh).await;
    assert_eq!(body(send(&app, &mut alice, get("/admin")).await).await, "admin alice");
    let res = send(&app, &mut bob, get("/admin")).await;
    assert_eq!(res.status(), 403);
    assert!(location(&res).is_empty(), "never a redirect to the login page");
    assert!(body(res).await.contains("permission"));
    // JSON in API mode, with the missing permission named.
    let res = send(&app, &mut bob, get("/api/admin")).await;
    assert_eq!(res.status(), 403);
    let json: serde_json::Value = serde_json::from_str(&body(res).await).expect("json");
    assert_eq!(json, serde_json::json!({ "error": "missing_permission", "permission": "admin" }));
    // Anonymous: the usual redirect or 401.
    assert_eq!(send(&app, &mut Jar::new(), get("/admin")).await.status(), 302);
    assert_eq!(send(&app, &mut Jar::new(), get("/api/admin")).await.status(), 401);
    // Several permissions: all are required (alice has admin, not audit).
    assert_eq!(send(&app, &mut alice, TestRequest::post().uri("/admin/act")).await.status(), 403);
    assert!(h
        .events()
        .iter()
        .any(|e| matches!(e, LoginEvent::Refused { reason: RefusalReason::MissingPermission, .. })));
}

#[actix_rt::test]
async fn bearer_tokens_on_api_routes_only_never_fresh_never_cookies() {
    let h = Harness::new();
    let app = app!(h);
    // A valid token: authenticated, not fresh, no cookie set, no session made.
    let res = send(&app, &mut Jar::new(), bearer("/api/me", "alice-token")).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("set-cookie").is_none(), "a bearer request sets no cookie");
    let json: serde_json::Value = serde_json::from_str(&body(res).await).expect("json");
    assert_eq!(
        (json["name"].as_str(), json["fresh"].as_bool(), json["token"].as_bool()),
        (Some("alice"), Some(false), Some(true))
    );
    // Permissions apply to the token's user.
    assert_eq!(send(&app, &mut Jar::new(), bearer("/api/admin", "bob-token")).await.status(), 403);
    // Unknown, revoked or malformed: 401, never a fall-through to the cookies.
    let mut alice = login_as(&app, &h.users.get(1).expect("alice"), TestLogin::Fresh).await;
    for bad in [
        "Bearer nope",
        "Bearer ",
        "Basic YWxpY2U6cHc=",
        "Bearer a b",
        "bearer",
        &format!("Bearer {}", "x".repeat(5000)),
    ] {
        let req = get("/api/me").insert_header(("authorization", bad.to_owned()));
        let res = send(&app, &mut alice.clone(), req).await;
        assert_eq!(res.status(), 401, "{bad:?}");
    }
    assert_eq!(send(&app, &mut alice, get("/api/me")).await.status(), 200, "cookies alone still work");
    // On a non-API route the header is ignored: cookies decide.
    assert_eq!(send(&app, &mut Jar::new(), bearer("/me", "alice-token")).await.status(), 302);
    // Cross-origin protection does not apply to a bearer request without cookies...
    let post = TestRequest::post()
        .uri("/api/change")
        .insert_header(("authorization", "Bearer alice-token"))
        .insert_header(("origin", "https://tool.example"))
        .insert_header(("sec-fetch-site", "cross-site"));
    assert_eq!(body(send(&app, &mut Jar::new(), post).await).await, "changed");
    // ... but does when the browser attaches cookies to it.
    let post = TestRequest::post()
        .uri("/api/change")
        .insert_header(("authorization", "Bearer alice-token"))
        .insert_header(("sec-fetch-site", "cross-site"));
    assert_eq!(send(&app, &mut alice, post).await.status(), 403);
    assert!(h.events().iter().any(|e| matches!(e, LoginEvent::Refused { reason: RefusalReason::BadBearerToken, .. })));
}

#[actix_rt::test]
async fn inactive_users_are_refused_and_their_logins_end() {
    let h = Harness::new();
    let app = app!(h);
    let mut alice = login_as(&app, &h.users.get(1).expect("alice"), TestLogin::Fresh).await;
    let mut bob = Jar::new();
    send(&app, &mut bob, TestRequest::post().uri("/login/2/plain")).await;
    let mut bob_elsewhere = login_as(&app, &h.users.get(2).expect("bob"), TestLogin::Remembered).await;
    // Deactivated by an administrator: every login of bob ends at once.
    assert_eq!(body(send(&app, &mut alice, TestRequest::post().uri("/deactivate/2")).await).await, "2");
    assert_eq!(send(&app, &mut bob, get("/me")).await.status(), 302);
    assert_eq!(send(&app, &mut bob_elsewhere, get("/me")).await.status(), 302);
    // The right password: a distinct refusal the app can show, nobody logged in.
    let res = send(&app, &mut Jar::new(), TestRequest::post().uri("/login/2/plain")).await;
    assert_eq!((res.status().as_u16(), body(res).await.as_str()), (403, "account disabled"));
    // `force` logs an inactive user in (Flask-Login's `force=True`)...
    let mut forced = Jar::new();
    assert_eq!(send(&app, &mut forced, TestRequest::post().uri("/login/2/force")).await.status(), 303);
    // ... and the login holds at later requests until it is ended (an admin's "log in as").
    assert_eq!(send(&app, &mut forced, get("/me")).await.status(), 200);
    assert_eq!(send(&app, &mut forced, get("/me")).await.status(), 200);
    let events = h.events();
    assert!(events.iter().any(|e| matches!(e, LoginEvent::Refused { reason: RefusalReason::InactiveUser, .. })));
    assert!(events.iter().any(|e| matches!(e, LoginEvent::Ended { reason: EndReason::EndedByRequest, .. })));
}

#[actix_rt::test]
async fn events_tell_the_whole_story() {
    let h = Harness::new();
    let app = app!(h);
    let mut jar = Jar::new();
    send(&app, &mut jar, TestRequest::post().uri("/login/1/hour")).await;
    let mut restored = jar.without("id");
    send(&app, &mut restored, get("/me")).await;
    send(&app, &mut jar, TestRequest::post().uri("/logout")).await;
    send(&app, &mut restored, get("/me")).await; // its login is gone
    let mut bad = Jar::new();
    bad.set("_remember", "garbage");
    send(&app, &mut bad, get("/me")).await;
    let events = h.events();
    let alice = serde_json::json!(1);
    assert_eq!(events[0], LoginEvent::LoggedIn { user_id: alice.clone(), remembered: true });
    assert_eq!(events[1], LoginEvent::Restored { user_id: alice.clone() });
    assert_eq!(events[2], LoginEvent::LoggedOut { user_id: Some(alice.clone()) });
    // The replayed session cookie and the remember cookie both name the ended login.
    assert_eq!(events[3], LoginEvent::Refused { user_id: Some(alice.clone()), reason: RefusalReason::LoginNotLive });
    assert_eq!(events[4], LoginEvent::Refused { user_id: Some(alice), reason: RefusalReason::LoginNotLive });
    assert_eq!(events[5], LoginEvent::Refused { user_id: None, reason: RefusalReason::BadRememberToken });
    assert_eq!(events.len(), 6, "{events:#?}");
}

#[actix_rt::test]
async fn remembered_confirmed_not_fresh_and_who_logged_out() {
    let h = Harness::new();
    let app = app!(h);
    // A remember restore: remembered, not fresh.
    let mut jar = login_as(&app, &h.users.get(1).expect("alice"), TestLogin::Remembered).await;
    assert_eq!(body(send(&app, &mut jar, get("/me")).await).await, "alice fresh=false remembered=true token=false");
    // confirm_login makes it fresh without a password (after a second factor).
    send(&app, &mut jar, TestRequest::post().uri("/confirm")).await;
    assert_eq!(body(send(&app, &mut jar, get("/me")).await).await, "alice fresh=true remembered=false token=false");
    // A login without freshness.
    let mut magic = Jar::new();
    send(&app, &mut magic, TestRequest::post().uri("/login/2/not-fresh")).await;
    // A login without a credential check is not fresh, and it was no remember restore.
    assert_eq!(body(send(&app, &mut magic, get("/me")).await).await, "bob fresh=false remembered=false token=false");
    let res = send(&app, &mut magic, get("/settings")).await;
    assert_eq!(location(&res), "/reauth?next=%2Fsettings", "the re-authentication URL");
    // logout_user tells who logged out.
    assert_eq!(body(send(&app, &mut magic, TestRequest::post().uri("/logout")).await).await, "Some(2)");
    assert_eq!(body(send(&app, &mut Jar::new(), TestRequest::post().uri("/logout")).await).await, "None");
    // Stale: logged in, not fresh.
    let mut stale = login_as(&app, &h.users.get(2).expect("bob"), TestLogin::Stale).await;
    assert_eq!(body(send(&app, &mut stale, get("/me")).await).await, "bob fresh=false remembered=false token=false");
    let mut remembered = login_as(&app, &h.users.get(2).expect("bob"), TestLogin::Remembered).await;
    assert_eq!(
        body(send(&app, &mut remembered, get("/me")).await).await,
        "bob fresh=false remembered=true token=false"
    );
    assert_eq!(
        body(send(&app, &mut remembered, get("/me")).await).await,
        "bob fresh=false remembered=true token=false",
        "the restored session stays a remembered one"
    );
}

#[actix_rt::test]
async fn login_urls_per_scope_and_no_duplicate_next() {
    let h = Harness::new();
    let app = app!(h);
    // The configured login URL carries a `next` of its own: it is replaced, not repeated.
    let res = send(&app, &mut Jar::new(), get("/me?x=1")).await;
    assert_eq!(location(&res), "/login?next=%2Fme%3Fx%3D1");
    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct LoginPage {
        next: Option<String>,
    }
    let query = location(&res).split_once('?').map(|(_, q)| q.to_owned()).unwrap_or_default();
    let parsed = web::Query::<LoginPage>::from_query(&query).expect("one `next`: no duplicate field error");
    assert_eq!(parsed.next.as_deref(), Some("/me?x=1"));
    // A scope's own login page.
    let res = send(&app, &mut Jar::new(), get("/members/page")).await;
    assert_eq!(location(&res), "/members/login?next=%2Fmembers%2Fpage");
}

#[actix_rt::test]
async fn remember_durations_under_a_day_and_another_next_param() {
    let h = Harness::new();
    let app = app!(h);
    let mut jar = Jar::new();
    let res = send(&app, &mut jar, TestRequest::post().uri("/login/1/hour")).await;
    let line = login_tests::set_cookie_lines(&res, "_remember").pop().expect("remember cookie");
    assert!(line.contains("Max-Age=3600"), "{line}");
    let mut remembered = jar.without("id");
    h.advance(3599);
    assert_eq!(send(&app, &mut remembered.clone(), get("/me")).await.status(), 200);
    h.advance(10); // past the token's exp and the verifier's 5-second leeway
    assert_eq!(send(&app, &mut remembered, get("/me")).await.status(), 302, "the hour is over");

    let config = LoginConfig::builder(SECRET).next_param("return_to").build().expect("config");
    let app = test::init_service(
        App::new()
            .service(me)
            .wrap(LoginMiddleware::new(users_loader(), config))
            .wrap(SessionMiddleware::new(CookieSessionStore::default(), Key::derive_from(&SECRET))),
    )
    .await;
    assert_eq!(location(&send(&app, &mut Jar::new(), get("/me")).await), "/login?return_to=%2Fme");
    assert!(LoginConfig::builder(SECRET).next_param("a b").build().is_err());
}
