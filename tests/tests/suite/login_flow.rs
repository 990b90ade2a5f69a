//! The login flow through `actix_web::test`, with a browser-like cookie jar: every
//! bullet of the login-flow contract (seed parity plus the security rules).

use actix_session::{storage::CookieSessionStore, SessionMiddleware};
use actix_web::{
    cookie::Key,
    get, post,
    test::{self, TestRequest},
    web, App, HttpRequest, HttpResponse,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use login_actix::{
    dev::LoginRequestExt,
    guard::{ApiLoginRequired, FreshLoginRequired, LoginMode, LoginRequired, UnauthorizedReason},
    CurrentUser, LoginConfig, LoginMiddleware, LoginSession, OptionalUser, Remember,
};
use login_tests::{body, location, send, set_cookie_lines, FlakyRegistry, Harness, Jar, User, Users};
use serde::Deserialize;
use std::sync::Arc;

const SECRET: [u8; 64] = [42; 64];

/// The configuration of these tests, on the system clock (each test's [`Harness`]
/// gives its apps stores of their own).
fn config() -> LoginConfig {
    LoginConfig::new(SECRET).expect("valid config")
}

#[get("/dashboard")]
async fn dashboard(_: LoginRequired, user: CurrentUser<User>) -> String {
    format!("hi {}", user.name)
}

#[get("/settings")]
async fn settings(_: FreshLoginRequired, user: CurrentUser<User>) -> String {
    format!("settings of {}", user.name)
}

#[get("/")]
async fn index(user: OptionalUser<User>) -> String {
    match &*user {
        Some(u) => format!("user {} fresh={}", u.name, u.is_fresh()),
        None => "anonymous".into(),
    }
}

#[get("/plain")]
async fn plain() -> &'static str {
    "plain"
}

#[get("/many")]
async fn many(
    _: LoginRequired,
    a: CurrentUser<User>,
    b: OptionalUser<User>,
    req: HttpRequest,
) -> actix_web::Result<String> {
    let c = req.current_user::<User>().await?.expect("logged in");
    let b = b.0.expect("logged in");
    Ok(format!("{} {} {}", a.name, b.name, c.name))
}

#[get("/route-api")]
async fn route_api(_: ApiLoginRequired) -> &'static str {
    "api ok"
}

#[get("/me")]
async fn api_me(user: CurrentUser<User>) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "id": user.id, "name": user.name }))
}

#[get("/fresh")]
async fn api_fresh(_: FreshLoginRequired) -> &'static str {
    "fresh api"
}

async fn options_ok(_: LoginRequired) -> &'static str {
    "guard passed"
}

#[derive(Deserialize)]
struct LoginForm {
    id: i64,
    remember: Option<String>,
    next: Option<String>,
}

#[post("/login")]
async fn login(
    form: web::Form<LoginForm>,
    auth: LoginSession<User>,
    users: web::Data<Users>,
) -> actix_web::Result<HttpResponse> {
    let Some(user) = users.get(form.id) else {
        return Ok(HttpResponse::SeeOther().insert_header(("Location", "/login?error=1")).finish());
    };
    let remember = Remember::from_form_value(form.remember.as_deref());
    let redirect = auth.login_user(&user, remember).await?;
    Ok(redirect.next(form.next.as_deref()).fallback("/home").into_response())
}

#[post("/logout")]
async fn logout(auth: LoginSession<User>) -> actix_web::Result<HttpResponse> {
    auth.logout_user().await?;
    Ok(HttpResponse::SeeOther().insert_header(("Location", "/")).finish())
}

#[post("/password")]
async fn password(
    _: FreshLoginRequired,
    user: CurrentUser<User>,
    auth: LoginSession<User>,
    users: web::Data<Users>,
) -> actix_web::Result<&'static str> {
    let mut changed = (*user).clone();
    changed.password.push_str("-new");
    users.put(changed.clone());
    auth.refresh_auth_hash(&changed).await?;
    Ok("password changed")
}

#[post("/logout-everywhere")]
async fn logout_everywhere(
    user: CurrentUser<User>,
    auth: LoginSession<User>,
    users: web::Data<Users>,
) -> actix_web::Result<&'static str> {
    let mut changed = (*user).clone();
    changed.epoch += 1;
    users.put(changed);
    auth.logout_user().await?;
    Ok("everyone out")
}

macro_rules! app {
    ($t:expr, $config:expr) => {
        app!($t, $config, |m| m)
    };
    ($t:expr, $config:expr, $customize:expr) => {{
        let harness: &Harness = &$t;
        test::init_service(
            App::new()
                .app_data(harness.users.clone())
                .service(dashboard)
                .service(settings)
                .service(index)
                .service(plain)
                .service(many)
                .service(route_api)
                .service(login)
                .service(logout)
                .service(password)
                .service(logout_everywhere)
                .service(web::resource("/opts").route(web::route().to(options_ok)))
                .service(web::scope("/api").app_data(LoginMode::Api).service(api_me).service(api_fresh))
                .wrap(($customize)(harness.middleware($config)))
                .wrap(
                    SessionMiddleware::builder(CookieSessionStore::default(), Key::derive_from(&SECRET))
                        .cookie_secure(false)
                        .build(),
                ),
        )
        .await
    }};
}

fn login_req(id: i64, remember: Option<&str>, next: Option<&str>) -> TestRequest {
    let mut form = vec![("id", id.to_string())];
    if let Some(r) = remember {
        form.push(("remember", r.to_owned()));
    }
    if let Some(n) = next {
        form.push(("next", n.to_owned()));
    }
    TestRequest::post().uri("/login").set_form(form)
}

fn get(uri: &str) -> TestRequest {
    TestRequest::get().uri(uri)
}

#[actix_rt::test]
async fn anonymous_is_redirected_with_next_of_path_and_query() {
    let t = Harness::new();
    let app = app!(t, config());
    let mut jar = Jar::new();
    let res = send(&app, &mut jar, get("/dashboard?tab=2&x=%2F")).await;
    assert_eq!(res.status(), 302);
    assert_eq!(location(&res), "/login?next=%2Fdashboard%3Ftab%3D2%26x%3D%252F");
    // The Host header plays no part.
    let res = send(&app, &mut jar, get("/dashboard").insert_header(("Host", "evil.example"))).await;
    assert_eq!(location(&res), "/login?next=%2Fdashboard");
}

#[actix_rt::test]
async fn login_then_access_then_logout() {
    let t = Harness::new();
    let app = app!(t, config());
    let mut jar = Jar::new();
    let res = send(&app, &mut jar, login_req(1, None, None)).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/home");
    let res = send(&app, &mut jar, get("/dashboard")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(body(res).await, "hi alice");
    assert_eq!(body(send(&app, &mut jar, get("/")).await).await, "user alice fresh=true");

    let res = send(&app, &mut jar, TestRequest::post().uri("/logout")).await;
    assert_eq!(res.status(), 303);
    let res = send(&app, &mut jar, get("/dashboard")).await;
    assert_eq!(res.status(), 302);
    assert_eq!(location(&res), "/login?next=%2Fdashboard");
    assert_eq!(body(send(&app, &mut jar, get("/")).await).await, "anonymous");
}

#[actix_rt::test]
async fn login_redirects_to_a_safe_next_only() {
    let t = Harness::new();
    let app = app!(t, config());
    let cases: [(&str, Option<&str>, &str); 8] = [
        ("/login?next=%2Fdashboard%3Ftab%3D2", None, "/dashboard?tab=2"),
        ("/login?next=%2F%2Fevil.example", None, "/home"),
        ("/login?next=https%3A%2F%2Fevil.example", None, "/home"),
        ("/login?next=%2F%5Cevil.example", None, "/home"),
        ("/login?next=%2Fok%0D%0ASet-Cookie%3A%20x%3D1", None, "/home"),
        ("/login?next=%2Fquery", Some("/form"), "/form"),
        ("/login?next=%2Fquery", Some("//evil"), "/query"),
        ("/login?next=%2F%C3%A9%20x%252F", None, "/%C3%A9%20x%2F"),
    ];
    for (uri, form_next, expected) in cases {
        let mut jar = Jar::new();
        let mut form = vec![("id", "1".to_owned())];
        if let Some(n) = form_next {
            form.push(("next", n.to_owned()));
        }
        let res = send(&app, &mut jar, TestRequest::post().uri(uri).set_form(form)).await;
        assert_eq!(res.status(), 303, "{uri}");
        assert_eq!(location(&res), expected, "{uri} {form_next:?}");
    }
}

#[actix_rt::test]
async fn remember_cookie_restores_a_non_fresh_session() {
    let t = Harness::new();
    let app = app!(t, config());
    let mut jar = Jar::new();
    let res = send(&app, &mut jar, login_req(1, Some("on"), None)).await;
    let lines = set_cookie_lines(&res, "_remember");
    assert_eq!(lines.len(), 1, "{lines:?}");
    let line = &lines[0];
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/", "Secure", "Max-Age=2592000"] {
        assert!(line.contains(attr), "{attr} missing in {line}");
    }
    assert!(!line.contains("Domain"), "{line}");
    assert_eq!(body(send(&app, &mut jar, get("/settings")).await).await, "settings of alice");

    // The browser closes: the session cookie goes, the remember cookie stays.
    jar.remove("id");
    let res = send(&app, &mut jar, get("/dashboard")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(body(res).await, "hi alice");
    assert_eq!(body(send(&app, &mut jar, get("/")).await).await, "user alice fresh=false");
    // Not fresh: the fresh-only route sends to the login page.
    let res = send(&app, &mut jar, get("/settings")).await;
    assert_eq!(res.status(), 302);
    assert_eq!(location(&res), "/login?next=%2Fsettings");

    // The restore was written to the session: without the remember cookie it still works.
    let remember = jar.get("_remember").expect("kept").to_owned();
    jar.remove("_remember");
    assert_eq!(body(send(&app, &mut jar, get("/dashboard")).await).await, "hi alice");
    jar.set("_remember", &remember);

    // An explicit login makes it fresh again.
    send(&app, &mut jar, login_req(1, None, None)).await;
    assert_eq!(body(send(&app, &mut jar, get("/settings")).await).await, "settings of alice");
    // Re-authenticating without ticking "remember" keeps the remember cookie.
    assert!(jar.get("_remember").is_some());
}

#[actix_rt::test]
async fn remember_days_are_honoured_and_capped() {
    let t = Harness::new();
    let app = app!(t, config());
    for (value, max_age) in [
        ("7", Some(7 * 86400)),
        ("true", Some(30 * 86400)),
        ("99999999999", Some(365 * 86400)),
        ("0", None),
        ("false", None),
    ] {
        let mut jar = Jar::new();
        let res = send(&app, &mut jar, login_req(1, Some(value), None)).await;
        let lines = set_cookie_lines(&res, "_remember");
        match max_age {
            Some(age) => assert!(lines[0].contains(&format!("Max-Age={age}")), "{value}: {lines:?}"),
            None => assert!(lines.is_empty(), "{value}: {lines:?}"),
        }
    }
}

#[actix_rt::test]
async fn a_loader_returning_none_makes_the_session_anonymous() {
    let t = Harness::new();
    let users = t.users.clone();
    let app = app!(t, config());
    let mut jar = Jar::new();
    send(&app, &mut jar, login_req(2, Some("on"), None)).await;
    users.delete(2);
    let res = send(&app, &mut jar, get("/dashboard")).await;
    assert_eq!(res.status(), 302);
    // The remember cookie of the deleted user is deleted too.
    assert!(jar.get("_remember").is_none());
    // Even if the user comes back, this session stays logged out.
    users.put(User { id: 2, name: "bob".into(), password: "bob-pw".into(), epoch: 0 });
    assert_eq!(send(&app, &mut jar, get("/dashboard")).await.status(), 302);
}

#[actix_rt::test]
async fn ids_zero_and_empty_are_valid() {
    let t = Harness::new();
    let app = app!(t, config());
    let mut jar = Jar::new();
    send(&app, &mut jar, login_req(0, Some("on"), None)).await;
    assert_eq!(body(send(&app, &mut jar, get("/dashboard")).await).await, "hi zero");
    jar.remove("id");
    assert_eq!(body(send(&app, &mut jar, get("/dashboard")).await).await, "hi zero");
}

fn forge(claims: serde_json::Value, key: &[u8], alg: jsonwebtoken::Algorithm) -> String {
    jsonwebtoken::encode(&jsonwebtoken::Header::new(alg), &claims, &jsonwebtoken::EncodingKey::from_secret(key))
        .expect("encodes")
}

#[actix_rt::test]
async fn bad_remember_tokens_are_ignored_and_deleted() {
    let t = Harness::new();
    let app = app!(t, config());
    let mut jar = Jar::new();
    send(&app, &mut jar, login_req(1, Some("on"), None)).await;
    let good = jar.get("_remember").expect("set").to_owned();
    let now = login_core::internal::now_secs();
    let key = login_core::internal::derive_key(&SECRET, login_core::internal::REMEMBER_TOKEN_PURPOSE);
    // Forged tokens name the live login of the good one, so each fails for its own defect.
    let good_claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(good.split('.').nth(1).expect("payload")).expect("base64url"))
            .expect("json");
    let lid = good_claims["lid"].clone();
    let claims = |uid: i64, iat: u64, exp: u64| serde_json::json!({"uid": uid, "iat": iat, "exp": exp, "aud": login_core::internal::REMEMBER_AUDIENCE, "lid": lid});
    let mut parts: Vec<&str> = good.split('.').collect();
    let forged_payload = URL_SAFE_NO_PAD.encode(claims(2, now, now + 3600).to_string());
    parts[1] = &forged_payload;
    let tampered = parts.join(".");
    let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let alg_none = format!("{none_header}.{forged_payload}.");
    let expired = forge(claims(1, now - 7200, now - 3600), &key, jsonwebtoken::Algorithm::HS256);
    let foreign = forge(claims(1, now, now + 3600), &[9u8; 64], jsonwebtoken::Algorithm::HS256);
    let raw_secret = forge(claims(1, now, now + 3600), &SECRET, jsonwebtoken::Algorithm::HS256);
    let hs512 = forge(claims(1, now, now + 3600), &key, jsonwebtoken::Algorithm::HS512);
    let wrong_id_type = forge(
        serde_json::json!({"uid": "1", "iat": now, "exp": now + 60, "aud": login_core::internal::REMEMBER_AUDIENCE, "lid": good_claims["lid"]}),
        &key,
        jsonwebtoken::Algorithm::HS256,
    );
    let huge = "A".repeat(3000);
    for bad in
        [&tampered, &alg_none, &expired, &foreign, &raw_secret, &hs512, &wrong_id_type, "garbage", "a.b.c", &huge]
    {
        let mut jar = Jar::new();
        jar.set("_remember", bad);
        let res = send(&app, &mut jar, get("/dashboard")).await;
        assert_eq!(res.status(), 302, "token accepted: {bad}");
        let lines = set_cookie_lines(&res, "_remember");
        assert_eq!(lines.len(), 1, "bad cookie not deleted: {bad}");
        assert!(lines[0].contains("Max-Age=0") && lines[0].contains("Path=/"), "{lines:?}");
        assert!(jar.get("_remember").is_none());
    }
    // Sanity: the untouched token works.
    let mut jar = Jar::new();
    jar.set("_remember", &good);
    assert_eq!(send(&app, &mut jar, get("/dashboard")).await.status(), 200);
}

#[actix_rt::test]
async fn garbled_cookies_are_anonymous_never_500() {
    let t = Harness::new();
    let app = app!(t, config());
    for (name, value) in [
        ("id", "%%%"),
        ("id", "AAAA"),
        ("_remember", "{\"uid\":1}"),
        ("_remember", "eyJhbGciOiJub25lIn0.e30."),
        ("id", &"x".repeat(5000)),
    ] {
        let mut jar = Jar::new();
        jar.set(name, value);
        let res = send(&app, &mut jar, get("/dashboard")).await;
        assert_eq!(res.status(), 302, "{name}={value}");
        let res = send(&app, &mut jar, get("/")).await;
        assert_eq!(res.status(), 200);
    }
}

#[actix_rt::test]
async fn replayed_cookies_after_logout_are_anonymous() {
    let t = Harness::new();
    let app = app!(t, config());
    let mut jar = Jar::new();
    send(&app, &mut jar, login_req(1, Some("on"), None)).await;
    assert_eq!(send(&app, &mut jar, get("/dashboard")).await.status(), 200);
    let copy = jar.clone();
    let res = send(&app, &mut jar, TestRequest::post().uri("/logout")).await;
    let lines = set_cookie_lines(&res, "_remember");
    assert_eq!(lines.len(), 1);
    for attr in ["Max-Age=0", "Path=/", "HttpOnly", "SameSite=Lax", "Secure"] {
        assert!(lines[0].contains(attr), "{attr} missing in {}", lines[0]);
    }
    assert!(jar.get("_remember").is_none());

    // Both cookies replayed together.
    let mut replay = copy.clone();
    assert_eq!(send(&app, &mut replay, get("/dashboard")).await.status(), 302);
    // The session cookie alone.
    let mut replay = copy.without("_remember");
    assert_eq!(send(&app, &mut replay, get("/dashboard")).await.status(), 302);
    // The remember cookie alone.
    let mut replay = copy.without("id");
    assert_eq!(send(&app, &mut replay, get("/dashboard")).await.status(), 302);
}

#[actix_rt::test]
async fn a_restored_session_is_revoked_by_logout_too() {
    let t = Harness::new();
    let app = app!(t, config());
    let mut jar = Jar::new();
    send(&app, &mut jar, login_req(1, Some("on"), None)).await;
    jar.remove("id");
    assert_eq!(send(&app, &mut jar, get("/dashboard")).await.status(), 200);
    let copy = jar.clone();
    send(&app, &mut jar, TestRequest::post().uri("/logout")).await;
    let mut replay = copy.without("_remember");
    assert_eq!(send(&app, &mut replay, get("/dashboard")).await.status(), 302);
    let mut replay = copy.without("id");
    assert_eq!(send(&app, &mut replay, get("/dashboard")).await.status(), 302);
}

#[actix_rt::test]
async fn password_change_ends_every_other_session() {
    let t = Harness::new();
    let app = app!(t, config());
    let mut a = Jar::new();
    let mut b = Jar::new();
    send(&app, &mut a, login_req(1, Some("on"), None)).await;
    send(&app, &mut b, login_req(1, Some("on"), None)).await;
    let mut a_remember_only = a.without("id");
    let b_before = b.clone();

    let res = send(&app, &mut b, TestRequest::post().uri("/password")).await;
    assert_eq!(res.status(), 200);
    // B stays logged in, with a fresh remember cookie of its own.
    assert_eq!(body(send(&app, &mut b, get("/settings")).await).await, "settings of alice");
    let mut b_remember_only = b.without("id");
    assert_eq!(send(&app, &mut b_remember_only, get("/dashboard")).await.status(), 200);
    // A's session and A's remember cookie are dead, and so are B's old cookies.
    assert_eq!(send(&app, &mut a, get("/dashboard")).await.status(), 302);
    assert_eq!(send(&app, &mut a_remember_only, get("/dashboard")).await.status(), 302);
    let mut old = b_before;
    assert_eq!(send(&app, &mut old, get("/dashboard")).await.status(), 302);
}

#[actix_rt::test]
async fn logout_everywhere_ends_all_sessions() {
    let t = Harness::new();
    let app = app!(t, config());
    let mut a = Jar::new();
    let mut b = Jar::new();
    send(&app, &mut a, login_req(1, Some("on"), None)).await;
    send(&app, &mut b, login_req(1, None, None)).await;
    assert_eq!(send(&app, &mut b, TestRequest::post().uri("/logout-everywhere")).await.status(), 200);
    assert_eq!(send(&app, &mut a, get("/dashboard")).await.status(), 302);
    assert_eq!(send(&app, &mut b, get("/dashboard")).await.status(), 302);
}

#[actix_rt::test]
async fn a_loader_error_is_a_500_and_keeps_the_session() {
    let t = Harness::new();
    let users = t.users.clone();
    let app = app!(t, config());
    let mut jar = Jar::new();
    send(&app, &mut jar, login_req(1, None, None)).await;
    users.fail.store(true, std::sync::atomic::Ordering::SeqCst);
    let res = send(&app, &mut jar, get("/dashboard")).await;
    assert_eq!(res.status(), 500);
    assert!(!body(res).await.contains("database"), "error details leaked");
    assert_eq!(send(&app, &mut jar, get("/")).await.status(), 500);
    users.fail.store(false, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(body(send(&app, &mut jar, get("/dashboard")).await).await, "hi alice");
}

#[actix_rt::test]
async fn the_error_response_can_be_replaced() {
    let t = Harness::new();
    let users = t.users.clone();
    let app = app!(t, config(), |m: LoginMiddleware<_>| m
        .error_handler(|_req, _err| HttpResponse::ServiceUnavailable().body("try again soon")));
    let mut jar = Jar::new();
    send(&app, &mut jar, login_req(1, None, None)).await;
    users.fail.store(true, std::sync::atomic::Ordering::SeqCst);
    let res = send(&app, &mut jar, get("/dashboard")).await;
    assert_eq!(res.status(), 503);
    assert_eq!(body(res).await, "try again soon");
}

#[actix_rt::test]
async fn the_loader_runs_once_per_request_and_never_on_routes_that_do_not_ask() {
    let t = Harness::new();
    let users = t.users.clone();
    let app = app!(t, config());
    let mut jar = Jar::new();
    send(&app, &mut jar, login_req(1, Some("on"), None)).await;
    let before = users.load_count();
    assert_eq!(body(send(&app, &mut jar, get("/many")).await).await, "alice alice alice");
    assert_eq!(users.load_count(), before + 1);
    assert_eq!(body(send(&app, &mut jar, get("/plain")).await).await, "plain");
    assert_eq!(users.load_count(), before + 1);
    // The restore path too: one load for guard + extractors.
    jar.remove("id");
    send(&app, &mut jar, get("/many")).await;
    assert_eq!(users.load_count(), before + 2);
}

#[actix_rt::test]
async fn api_routes_answer_401_json() {
    let t = Harness::new();
    let app = app!(t, config());
    let mut jar = Jar::new();
    for uri in ["/api/me", "/route-api"] {
        let res = send(&app, &mut jar, get(uri)).await;
        assert_eq!(res.status(), 401, "{uri}");
        assert!(res.headers().get("location").is_none());
        let json: serde_json::Value = serde_json::from_str(&body(res).await).expect("json");
        assert_eq!(json["error"], "login_required");
    }
    send(&app, &mut jar, login_req(1, Some("on"), None)).await;
    let res = send(&app, &mut jar, get("/api/me")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(body(res).await, r#"{"id":1,"name":"alice"}"#);
    jar.remove("id");
    let res = send(&app, &mut jar, get("/api/fresh")).await;
    assert_eq!(res.status(), 401);
    assert!(body(res).await.contains("fresh_login_required"));
}

#[actix_rt::test]
async fn the_unauthorized_response_can_be_replaced() {
    let t = Harness::new();
    let app = app!(t, config(), |m: LoginMiddleware<_>| m.unauthorized_handler(|_req, refusal| {
        let text = match refusal.reason {
            UnauthorizedReason::LoginRequired => "please log in",
            UnauthorizedReason::FreshLoginRequired => "please confirm",
        };
        HttpResponse::Forbidden().insert_header(("x-login", refusal.login_redirect.clone())).body(text)
    }));
    let mut jar = Jar::new();
    let res = send(&app, &mut jar, get("/dashboard?a=1")).await;
    assert_eq!(res.status(), 403);
    assert_eq!(res.headers().get("x-login").expect("header"), "/login?next=%2Fdashboard%3Fa%3D1");
    assert_eq!(body(res).await, "please log in");
}

/// An OPTIONS request meets the guards like any other method: the handler never runs.
#[actix_rt::test]
async fn no_method_skips_the_guard() {
    let t = Harness::new();
    let app = app!(t, config());
    for method in ["OPTIONS", "HEAD", "GET", "POST", "PUT", "DELETE", "PATCH", "PROPFIND"] {
        let mut jar = Jar::new();
        let method = actix_web::http::Method::from_bytes(method.as_bytes()).expect("method");
        let res = send(&app, &mut jar, TestRequest::default().method(method.clone()).uri("/opts")).await;
        assert_eq!(res.status(), 302, "{method}");
        assert!(!body(res).await.contains("guard passed"), "{method} ran the handler");
    }
}

#[actix_rt::test]
async fn login_renews_the_session_and_switching_users_clears_data() {
    #[post("/put")]
    async fn put(session: actix_session::Session) -> actix_web::Result<&'static str> {
        session.insert("cart", "3 apples")?;
        Ok("ok")
    }
    #[get("/cart")]
    async fn cart(session: actix_session::Session) -> actix_web::Result<String> {
        Ok(session.get::<String>("cart")?.unwrap_or_else(|| "empty".into()))
    }
    let t = Harness::new();
    let users = t.users.clone();
    let app = test::init_service(
        App::new()
            .app_data(users.clone())
            .service(login)
            .service(dashboard)
            .service(put)
            .service(cart)
            .wrap(t.middleware(config()))
            .wrap(
                SessionMiddleware::builder(CookieSessionStore::default(), Key::derive_from(&SECRET))
                    .cookie_secure(false)
                    .build(),
            ),
    )
    .await;
    let mut jar = Jar::new();
    send(&app, &mut jar, TestRequest::post().uri("/put")).await;
    let anonymous_cookie = jar.get("id").expect("session").to_owned();
    send(&app, &mut jar, login_req(1, None, None)).await;
    assert_ne!(jar.get("id"), Some(anonymous_cookie.as_str()));
    // A login with no live login record before it starts from an empty session
    // (DESIGN.md: nothing of an earlier visitor survives a login).
    assert_eq!(body(send(&app, &mut jar, get("/cart")).await).await, "empty");
    // Data put while logged in survives the same user's re-login (re-authentication).
    send(&app, &mut jar, TestRequest::post().uri("/put")).await;
    send(&app, &mut jar, login_req(1, None, None)).await;
    assert_eq!(body(send(&app, &mut jar, get("/cart")).await).await, "3 apples");
    // Another user logging in on the same browser does not inherit it.
    send(&app, &mut jar, login_req(2, None, None)).await;
    assert_eq!(body(send(&app, &mut jar, get("/cart")).await).await, "empty");
    assert_eq!(body(send(&app, &mut jar, get("/dashboard")).await).await, "hi bob");
}

#[actix_rt::test]
async fn a_missing_session_middleware_is_a_clear_500() {
    let t = Harness::new();
    let users = t.users.clone();
    let app = test::init_service(
        App::new().app_data(users.clone()).service(dashboard).service(login).wrap(t.middleware(config())),
    )
    .await;
    let res = test::call_service(&app, get("/dashboard").to_request()).await;
    assert_eq!(res.status(), 500);
    let err = res.response().error().expect("carries the error").to_string();
    assert!(err.contains("SessionMiddleware"), "{err}");
    let res = test::call_service(&app, login_req(1, None, None).to_request()).await;
    assert_eq!(res.status(), 500);
}

#[actix_rt::test]
async fn a_missing_login_middleware_is_a_clear_500() {
    let app = test::init_service(App::new().service(dashboard)).await;
    let res = test::call_service(&app, get("/dashboard").to_request()).await;
    assert_eq!(res.status(), 500);
    let err = res.response().error().expect("carries the error").to_string();
    assert!(err.contains("LoginMiddleware"), "{err}");
}

#[actix_rt::test]
async fn either_wrap_order_works() {
    let t = Harness::new();
    let users = t.users.clone();
    let app = test::init_service(
        App::new()
            .app_data(users.clone())
            .service(login)
            .service(dashboard)
            .service(logout)
            .wrap(
                SessionMiddleware::builder(CookieSessionStore::default(), Key::derive_from(&SECRET))
                    .cookie_secure(false)
                    .build(),
            )
            .wrap(t.middleware(config())),
    )
    .await;
    let mut jar = Jar::new();
    send(&app, &mut jar, login_req(1, Some("on"), None)).await;
    assert_eq!(body(send(&app, &mut jar, get("/dashboard")).await).await, "hi alice");
    jar.remove("id");
    assert_eq!(body(send(&app, &mut jar, get("/dashboard")).await).await, "hi alice");
    send(&app, &mut jar, TestRequest::post().uri("/logout")).await;
    assert_eq!(send(&app, &mut jar, get("/dashboard")).await.status(), 302);
}

#[actix_rt::test]
async fn a_registry_outage_fails_closed_with_503_and_recovers() {
    let t = Harness::new();
    let registry = Arc::new(FlakyRegistry::default());
    let app = app!(t.with_registry(registry.clone()), config());
    let mut jar = Jar::new();
    assert_eq!(send(&app, &mut jar, login_req(1, Some("on"), None)).await.status(), 303);
    assert_eq!(send(&app, &mut jar, get("/dashboard")).await.status(), 200);
    registry.set_down(true);
    // Checking the login needs the registry: 503, not a login and not a logout.
    assert_eq!(send(&app, &mut jar, get("/dashboard")).await.status(), 503);
    // The remember path needs it too.
    let mut remember_only = jar.without("id");
    assert_eq!(send(&app, &mut remember_only, get("/dashboard")).await.status(), 503);
    // Logging in needs it: no login is created that the registry does not know.
    assert_eq!(send(&app, &mut Jar::new(), login_req(2, None, None)).await.status(), 503);
    // A public route does not touch the registry.
    assert_eq!(send(&app, &mut jar, get("/plain")).await.status(), 200);
    // Back up: the same cookies work again, no restart.
    registry.set_down(false);
    assert_eq!(send(&app, &mut jar, get("/dashboard")).await.status(), 200);
    assert_eq!(send(&app, &mut remember_only, get("/dashboard")).await.status(), 200);
}

#[derive(Clone, Debug)]
struct Other {
    id: i64,
}

impl login_actix::AuthUser for Other {
    type Id = i64;
    fn id(&self) -> i64 {
        self.id
    }
}

#[get("/other/me")]
async fn other_me(user: OptionalUser<Other>) -> String {
    user.as_ref().map_or_else(|| "anonymous".to_owned(), |u| format!("other {}", u.id))
}

/// An extractor of another user type than the loader's is a 500 for everybody, also
/// for an anonymous visitor: the mistake shows on the first request, not the first login.
#[actix_rt::test]
async fn an_extractor_of_another_user_type_is_an_error_also_for_visitors() {
    let t = Harness::new();
    let app = test::init_service(
        App::new().app_data(t.users.clone()).service(login).service(other_me).wrap(t.middleware(config())).wrap(
            SessionMiddleware::builder(CookieSessionStore::default(), Key::derive_from(&SECRET))
                .cookie_secure(false)
                .build(),
        ),
    )
    .await;
    assert_eq!(send(&app, &mut Jar::new(), get("/other/me")).await.status(), 500, "anonymous");
    let mut jar = Jar::new();
    send(&app, &mut jar, login_req(2, None, None)).await;
    assert_eq!(send(&app, &mut jar, get("/other/me")).await.status(), 500, "logged in");
}
