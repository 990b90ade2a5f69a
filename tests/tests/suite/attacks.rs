//! Attacks from other sites and from scripts, in process: guards without
//! exemptions, the macro trusting no type by its name, cross-origin protection with its
//! opt-outs, the login throttle, and sudo mode on a clock the test moves.

use std::{
    future::{ready, Ready},
    sync::Arc,
    time::Duration,
};

use actix_session::{storage::CookieSessionStore, SessionMiddleware};
use actix_web::{
    cookie::Key,
    dev::Payload,
    get, post,
    test::{self, TestRequest},
    web, App, FromRequest, HttpRequest, HttpResponse,
};
use login_actix::{fresh_login_required, guard::Forbidden, login_required, LoginError, LoginMiddleware};
use login_tests::{body, routes::password_login, send, Harness, Jar, User, Users};

const SECRET: [u8; 64] = [11; 64];

/// An app's own type that happens to be called `CurrentUser`.
struct CurrentUser<T>(std::marker::PhantomData<T>);

impl<T> FromRequest for CurrentUser<T> {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;
    fn from_request(_: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(CurrentUser(std::marker::PhantomData)))
    }
}

#[login_required]
async fn report() -> &'static str {
    "members-only report"
}

#[fresh_login_required]
async fn fresh_report(user: login_actix::CurrentUser<User>) -> String {
    format!("sensitive data of {}", user.name)
}

#[get("/own-type")]
#[login_required]
async fn own_type(_: CurrentUser<u8>) -> &'static str {
    "members only, behind an app type named CurrentUser"
}

#[post("/account/delete")]
#[fresh_login_required]
async fn delete_account(user: login_actix::CurrentUser<User>, users: web::Data<Users>) -> &'static str {
    users.delete(user.id);
    "deleted"
}

#[post("/hooks/payment")]
async fn hook() -> &'static str {
    "hook ran"
}

macro_rules! service {
    ($t:expr, $config:expr) => {
        service!($t, $config, |m| m)
    };
    ($t:expr, $config:expr, $customize:expr) => {{
        let harness: &Harness = &$t;
        test::init_service(
            App::new()
                .app_data(harness.users.clone())
                .service(web::resource("/report").to(report))
                .service(web::resource("/fresh-report").to(fresh_report))
                .service(own_type)
                .service(password_login)
                .service(delete_account)
                .service(hook)
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

fn login_req(username: &str, password: &str) -> TestRequest {
    TestRequest::post().uri("/login").peer_addr("203.0.113.7:5000".parse().expect("addr")).set_form([
        ("username", username),
        ("password", password),
        ("remember", "on"),
    ])
}

fn method(name: &str, uri: &str) -> TestRequest {
    TestRequest::default().method(actix_web::http::Method::from_bytes(name.as_bytes()).expect("method")).uri(uri)
}

/// `OPTIONS` goes through every guard: an anonymous OPTIONS never reads a members-only
/// body, and a remember cookie never runs a fresh-only handler.
#[actix_rt::test]
async fn options_runs_no_guarded_handler() {
    let t = Harness::new();
    let app = service!(t, t.builder(SECRET).build().expect("config"));
    for m in ["OPTIONS", "HEAD", "GET", "POST"] {
        let res = send(&app, &mut Jar::new(), method(m, "/report")).await;
        assert_eq!(res.status(), 302, "{m}");
        assert!(!body(res).await.contains("members-only"), "{m}");
    }
    // A remember cookie alone (stolen): not fresh, whatever the method.
    let mut jar = Jar::new();
    send(&app, &mut jar, login_req("alice", "alice-pw")).await;
    let mut stolen = jar.without("id");
    for m in ["OPTIONS", "GET", "POST"] {
        let res = send(&app, &mut stolen.clone(), method(m, "/fresh-report")).await;
        assert_eq!(res.status(), 302, "{m}");
        assert!(!body(res).await.contains("sensitive"), "{m}");
    }
    assert_eq!(send(&app, &mut stolen, method("GET", "/report")).await.status(), 200);
    assert_eq!(body(send(&app, &mut jar, method("OPTIONS", "/fresh-report")).await).await, "sensitive data of alice");
}

/// The macro adds its guard even when a handler takes an app type whose last path
/// segment is `CurrentUser`.
#[actix_rt::test]
async fn an_app_type_named_current_user_does_not_open_the_route() {
    let t = Harness::new();
    let app = service!(t, t.builder(SECRET).build().expect("config"));
    let res = send(&app, &mut Jar::new(), method("GET", "/own-type")).await;
    assert_eq!(res.status(), 302);
    assert!(!body(res).await.contains("members only"));
}

/// Another site cannot log the victim into the attacker's account (login CSRF), and a
/// sibling subdomain cannot delete the victim's account.
#[actix_rt::test]
async fn other_sites_and_sibling_origins_cannot_post() {
    let t = Harness::new();
    let app = service!(t, t.builder(SECRET).build().expect("config"));
    // Login CSRF: the attacker's credentials posted from another site.
    for (site, origin) in [(Some("cross-site"), "https://evil.example"), (None, "https://evil.example")] {
        let mut victim = Jar::new();
        let mut req =
            login_req("bob", "bob-pw").insert_header(("origin", origin)).insert_header(("host", "app.example"));
        if let Some(site) = site {
            req = req.insert_header(("sec-fetch-site", site));
        }
        let res = send(&app, &mut victim, req).await;
        assert_eq!(res.status(), 403, "{site:?} {origin}");
        assert!(victim.get("id").is_none() && victim.get("_remember").is_none(), "no login cookies set");
    }
    // A sibling subdomain posts the victim's own (fresh) cookies to delete the account.
    let mut victim = Jar::new();
    send(&app, &mut victim, login_req("alice", "alice-pw")).await;
    for (site, origin) in [(Some("same-site"), "https://blog.app.example"), (None, "https://blog.app.example")] {
        let mut req =
            method("POST", "/account/delete").insert_header(("origin", origin)).insert_header(("host", "app.example"));
        if let Some(site) = site {
            req = req.insert_header(("sec-fetch-site", site));
        }
        assert_eq!(send(&app, &mut victim.clone(), req).await.status(), 403, "{site:?}");
    }
    assert!(t.users.get(1).is_some(), "the account is still there");
    // The site's own form works.
    let req = method("POST", "/account/delete")
        .insert_header(("origin", "https://app.example"))
        .insert_header(("host", "app.example"))
        .insert_header(("sec-fetch-site", "same-origin"));
    assert_eq!(body(send(&app, &mut victim, req).await).await, "deleted");
    assert!(t.users.get(1).is_none());
}

#[actix_rt::test]
async fn cross_origin_opt_outs_trusted_origins_and_a_replaced_403() {
    let t = Harness::new();
    let config = t
        .builder(SECRET)
        .trusted_origin("https://partner.example")
        .cross_origin_exempt("/hooks")
        .build()
        .expect("config");
    let app = service!(t, config, |m: LoginMiddleware<_>| m.forbidden_handler(|_, why: &Forbidden| {
        HttpResponse::Forbidden().insert_header(("x-refused", why.code())).body("custom 403")
    }));
    let cross = |uri: &str, origin: &str| {
        method("POST", uri).insert_header(("sec-fetch-site", "cross-site")).insert_header(("origin", origin.to_owned()))
    };
    assert_eq!(
        body(send(&app, &mut Jar::new(), cross("/hooks/payment", "https://psp.example")).await).await,
        "hook ran"
    );
    let res = send(&app, &mut Jar::new(), cross("/login", "https://evil.example")).await;
    assert_eq!(res.status(), 403);
    assert_eq!(res.headers().get("x-refused").expect("custom handler"), "cross_origin_sec_fetch_site");
    assert_eq!(body(res).await, "custom 403");
    let res = send(
        &app,
        &mut Jar::new(),
        cross("/login", "https://partner.example").set_form([("username", "x"), ("password", "y")]),
    )
    .await;
    assert_eq!(res.status(), 303, "a trusted origin may post");
    // Turned off entirely.
    let t = Harness::new();
    let app = service!(t, t.builder(SECRET).cross_origin_protection(false).build().expect("config"));
    assert_eq!(send(&app, &mut Jar::new(), cross("/hooks/payment", "https://evil.example")).await.status(), 200);
}

/// Brute force stops at 5 attempts per (username, IP): then 429 with Retry-After, also
/// for the right password, until the window ends.
#[actix_rt::test]
async fn the_throttle_stops_guessing_and_hides_the_right_password() {
    let t = Harness::new();
    let app = service!(t, t.builder(SECRET).build().expect("config"));
    for _ in 0..5 {
        assert_eq!(send(&app, &mut Jar::new(), login_req("alice", "guess")).await.status(), 303);
    }
    for password in ["guess", "alice-pw"] {
        let res = send(&app, &mut Jar::new(), login_req("Alice ", password)).await;
        assert_eq!(res.status(), 429, "{password}");
        let retry: u64 =
            res.headers().get("retry-after").expect("Retry-After").to_str().expect("ascii").parse().expect("secs");
        assert!((1..=900).contains(&retry), "{retry}");
        assert!(res.headers().get("set-cookie").is_none(), "no login while throttled");
    }
    // Another user from the same address, and alice from another address, are not held up.
    assert_eq!(send(&app, &mut Jar::new(), login_req("bob", "bob-pw")).await.status(), 303);
    let elsewhere = login_req("alice", "alice-pw").peer_addr("198.51.100.1:1".parse().expect("addr"));
    assert_eq!(send(&app, &mut Jar::new(), elsewhere).await.status(), 303);
    // The window ends: alice logs in, and a success resets her counter.
    t.advance(900);
    assert_eq!(send(&app, &mut Jar::new(), login_req("alice", "alice-pw")).await.status(), 303);
    for _ in 0..4 {
        send(&app, &mut Jar::new(), login_req("alice", "guess")).await;
    }
    assert_eq!(send(&app, &mut Jar::new(), login_req("alice", "alice-pw")).await.status(), 303);
}

#[actix_rt::test]
async fn the_per_ip_limit_covers_many_usernames_and_the_proxy_is_trusted_only_when_told() {
    let t = Harness::new();
    let app = service!(t, t.builder(SECRET).login_attempts_per_ip(10).build().expect("config"));
    for i in 0..10 {
        assert_eq!(send(&app, &mut Jar::new(), login_req(&format!("user{i}"), "x")).await.status(), 303);
    }
    assert_eq!(send(&app, &mut Jar::new(), login_req("bob", "bob-pw")).await.status(), 429);
    // X-Forwarded-For is ignored unless the proxy is trusted: it cannot buy new tries.
    let spoofed = login_req("bob", "bob-pw").insert_header(("x-forwarded-for", "192.0.2.99"));
    assert_eq!(send(&app, &mut Jar::new(), spoofed).await.status(), 429);

    let t = Harness::new();
    let app = service!(t, t.builder(SECRET).trust_proxy(true).login_attempts(2).build().expect("config"));
    let via =
        |client: &str| login_req("alice", "guess").insert_header(("x-forwarded-for", format!("10.0.0.1, {client}")));
    for _ in 0..2 {
        send(&app, &mut Jar::new(), via("192.0.2.1")).await;
    }
    assert_eq!(send(&app, &mut Jar::new(), via("192.0.2.1")).await.status(), 429);
    assert_eq!(send(&app, &mut Jar::new(), via("192.0.2.2")).await.status(), 303, "another client behind the proxy");
}

#[actix_rt::test]
async fn a_throttle_store_outage_refuses_the_attempt() {
    struct Down;
    impl login_actix::throttle::ThrottleStore for Down {
        fn hit(
            &self,
            _: &str,
            _: u64,
            _: u64,
        ) -> futures_util::future::BoxFuture<'_, Result<login_core::Hit, login_actix::registry::StoreError>> {
            Box::pin(ready(Err(login_actix::registry::StoreError::new("down"))))
        }
        fn undo(&self, _: &str) -> futures_util::future::BoxFuture<'_, Result<(), login_actix::registry::StoreError>> {
            Box::pin(ready(Err(login_actix::registry::StoreError::new("down"))))
        }
        fn forget(
            &self,
            _: &str,
        ) -> futures_util::future::BoxFuture<'_, Result<(), login_actix::registry::StoreError>> {
            Box::pin(ready(Err(login_actix::registry::StoreError::new("down"))))
        }
    }
    let t = Harness::new();
    let app = service!(t.with_throttle(Arc::new(Down)), t.builder(SECRET).build().expect("config"));
    let res = send(&app, &mut Jar::new(), login_req("alice", "alice-pw")).await;
    assert_eq!(res.status(), 503, "fail closed: no uncounted guess");
    assert!(res.headers().get("set-cookie").is_none());
}

/// A session is fresh for `fresh_for` after the password, then goes back to the login
/// page with `next`; the password renews it.
#[actix_rt::test]
async fn sudo_mode_expires_and_the_password_renews_it() {
    let t = Harness::new();
    let app = service!(t, t.builder(SECRET).fresh_for(Duration::from_secs(600)).build().expect("config"));
    let mut jar = Jar::new();
    send(&app, &mut jar, login_req("alice", "alice-pw")).await;
    t.advance(600);
    assert_eq!(send(&app, &mut jar, method("GET", "/fresh-report")).await.status(), 200, "at the edge: still fresh");
    t.advance(1);
    let res = send(&app, &mut jar, method("GET", "/fresh-report?x=1")).await;
    assert_eq!(res.status(), 302);
    assert_eq!(login_tests::location(&res), "/login?next=%2Ffresh-report%3Fx%3D1");
    let res = send(&app, &mut jar, method("POST", "/account/delete")).await;
    assert_eq!(res.status(), 302, "a stale session cannot delete the account");
    assert!(t.users.get(1).is_some());
    assert_eq!(send(&app, &mut jar, method("GET", "/report")).await.status(), 200, "still logged in");
    // Typing the password again makes it fresh.
    send(&app, &mut jar, login_req("alice", "alice-pw")).await;
    assert_eq!(send(&app, &mut jar, method("GET", "/fresh-report")).await.status(), 200);
    // Six days after the password, as in the report: not fresh.
    t.advance(6 * 86_400);
    assert_eq!(send(&app, &mut jar, method("POST", "/account/delete")).await.status(), 302);
}

#[actix_rt::test]
async fn the_host_prefix_names_the_remember_cookie() {
    let t = Harness::new();
    let app = service!(t, t.builder(SECRET).cookie_host_prefix(true).build().expect("config"));
    let res = send(&app, &mut Jar::new(), login_req("alice", "alice-pw")).await;
    let lines = login_tests::set_cookie_lines(&res, "__Host-_remember");
    assert_eq!(lines.len(), 1);
    for attr in ["Secure", "Path=/", "HttpOnly"] {
        assert!(lines[0].contains(attr), "{attr}: {}", lines[0]);
    }
    assert!(!lines[0].contains("Domain"));
    // And it is the one read back.
    let mut jar = Jar::new();
    jar.store(&res);
    assert_eq!(send(&app, &mut jar.without("id"), method("GET", "/report")).await.status(), 200);
}

#[test]
fn throttled_is_a_429_with_retry_after() {
    let res = actix_web::ResponseError::error_response(&LoginError::Throttled { retry_after: 61 });
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers().get("retry-after").expect("header"), "61");
}
