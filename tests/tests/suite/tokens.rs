//! Bearer tokens and permissions at their edges: no login CSRF through an HTTP-auth
//! `Authorization` header, the cross-origin exemption only on API routes, a stale login
//! without a permission gets 403, malformed `Authorization` headers are never a 5xx, a
//! bearer request is never fresh and sets no cookie, and permissions per handler.

use std::sync::{
    atomic::{AtomicU64, Ordering},
    Arc,
};

use actix_session::storage::CookieSessionStore;
use actix_web::{
    body::MessageBody,
    cookie::Key,
    dev::{Service, ServiceResponse},
    http::header::HeaderValue,
    test::{self, TestRequest},
};
use login_actix::{registry::MemoryRegistry, throttle::MemoryThrottle, LoginConfig};
use login_examples::{db::Db, server};
use login_tests::{body, send, Jar};

const SECRET: [u8; 64] = [91; 64];
const START: u64 = 1_900_000_000;
const PEER: &str = "198.51.100.20:4000";

/// The demo app in process, on a clock the test moves.
macro_rules! demo {
    ($clock:expr) => {{
        let c = Arc::clone(&$clock);
        let config = LoginConfig::builder(SECRET)
            .cookie_secure(false)
            .clock(move || c.load(Ordering::SeqCst))
            .build()
            .expect("config");
        let mut parts = server::AppParts::new(Db::open(None).expect("db"), config, Key::derive_from(&SECRET), false);
        parts.stores =
            parts.stores.with_registry(Arc::new(MemoryRegistry::new())).with_throttle(Arc::new(MemoryThrottle::new()));
        test::init_service(server::app(parts, CookieSessionStore::default())).await
    }};
}

fn login_req(username: &str, password: &str) -> TestRequest {
    TestRequest::post()
        .uri("/login")
        .peer_addr(PEER.parse().expect("addr"))
        .set_form([("username", username), ("password", password)])
}

fn location<B>(res: &ServiceResponse<B>) -> String {
    login_tests::location(res)
}

fn set_cookie_names<B>(res: &ServiceResponse<B>) -> Vec<String> {
    res.headers()
        .get_all("set-cookie")
        .filter_map(|v| v.to_str().ok())
        .filter_map(|l| l.split('=').next().map(str::to_owned))
        .collect()
}

/// Logs `user` in (fresh) and creates a personal access token; returns the jar and token.
async fn with_token<S, B>(app: &S, user: &str, password: &str) -> (Jar, String)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody + 'static,
{
    let mut jar = Jar::new();
    assert_eq!(send(app, &mut jar, login_req(user, password)).await.status(), 303);
    let res = send(app, &mut jar, TestRequest::post().uri("/settings/tokens").set_form([("name", "ci")])).await;
    assert_eq!(res.status(), 200);
    let page = body(res).await;
    let token = page
        .split(r#"<pre id="new-token">"#)
        .nth(1)
        .and_then(|r| r.split("</pre>").next())
        .expect("new token shown")
        .to_owned();
    (jar, token)
}

// ---------------------------------------------------------------------------------
// Finding (medium): the cross-origin exemption for "bearer requests" is taken for ANY
// `Authorization` header (Basic, Negotiate, empty) on ANY route, not for bearer tokens
// on API routes. A browser attaches cached HTTP-auth credentials by itself (a site
// behind a basic-auth proxy, intranet Negotiate/NTLM), and a cross-site form POST
// carries no SameSite=Lax cookie, so the "no Cookie header" condition holds: a
// cross-site form logs the victim into the attacker's account (login CSRF), which the
// design says this check covers.
// ---------------------------------------------------------------------------------

#[actix_rt::test]
async fn an_http_auth_authorization_header_does_not_exempt_a_cross_site_login() {
    let clock = Arc::new(AtomicU64::new(START));
    let app = demo!(clock);
    let cross_site_login = || {
        login_req("bob", "builder")
            .insert_header(("origin", "https://evil.example"))
            .insert_header(("sec-fetch-site", "cross-site"))
            .insert_header(("sec-fetch-mode", "navigate"))
    };
    // Control: the same cross-site form POST without the header is refused.
    let res = Jar::new().send(&app, cross_site_login()).await;
    assert_eq!(res.status(), 403, "control: cross-site login refused");

    // The browser adds the site's cached Basic credentials on its own.
    let res =
        Jar::new().send(&app, cross_site_login().insert_header(("authorization", "Basic c3RhZ2luZzpzdGFnaW5n"))).await;
    let status = res.status().as_u16();
    let cookies = set_cookie_names(&res);
    assert_eq!(
        status,
        403,
        "cross-site login POST with `Authorization: Basic` and no Cookie passed the cross-origin check: {status} {} set {cookies:?} (victim now logged in as bob)",
        location(&res)
    );
}

// The same hole with the exemption's own scheme on a non-API route: bearer tokens are
// ignored there, so the exemption protects nothing and only removes the check.
#[actix_rt::test]
async fn the_bearer_exemption_applies_on_api_routes_only() {
    let clock = Arc::new(AtomicU64::new(START));
    let app = demo!(clock);
    let res = Jar::new()
        .send(
            &app,
            login_req("bob", "builder")
                .insert_header(("origin", "https://evil.example"))
                .insert_header(("sec-fetch-site", "cross-site"))
                .insert_header(("authorization", "Bearer x")),
        )
        .await;
    assert_eq!(
        res.status().as_u16(),
        403,
        "cross-site POST /login (a non-API route, where bearer tokens are not read) with `Authorization: Bearer x` passed: {} {:?}",
        location(&res),
        set_cookie_names(&res)
    );
}

// ---------------------------------------------------------------------------------
// Finding (low): logged in but lacking the permission, on a fresh-only route, with a
// login that is not fresh (past `fresh_for`, or restored from a remember cookie): the
// guard checks freshness before permissions and redirects to the login page. The issue
// says: logged in but lacking, 403, never a redirect to the login page. Bob is sent to
// type his password only to get the 403 afterwards.
// ---------------------------------------------------------------------------------

#[actix_rt::test]
async fn a_stale_login_without_the_permission_gets_403_not_the_login_page() {
    let clock = Arc::new(AtomicU64::new(START));
    let app = demo!(clock);
    let mut bob = Jar::new();
    assert_eq!(send(&app, &mut bob, login_req("bob", "builder")).await.status(), 303);
    // Fresh: 403 as the contract says.
    let res = send(&app, &mut bob, TestRequest::post().uri("/admin/users/alice/deactivate")).await;
    assert_eq!(res.status(), 403, "fresh bob: 403");
    // 31 minutes later (fresh_for is 30 minutes): still logged in, still without admin.
    clock.fetch_add(31 * 60, Ordering::SeqCst);
    assert_eq!(send(&app, &mut bob, TestRequest::get().uri("/admin")).await.status(), 403, "logged in, lacking");
    let res = send(&app, &mut bob, TestRequest::post().uri("/admin/users/alice/deactivate")).await;
    assert_eq!(
        (res.status().as_u16(), location(&res)),
        (403, String::new()),
        "logged-in bob without `admin` on a fresh-only admin route is redirected to the login page"
    );
}

// ---------------------------------------------------------------------------------
// Probes that held.
// ---------------------------------------------------------------------------------

#[actix_rt::test]
async fn malformed_authorization_headers_are_never_a_5xx() {
    let clock = Arc::new(AtomicU64::new(START));
    let app = demo!(clock);
    let (alice, token) = with_token(&app, "alice", "wonderland").await;
    let long = format!("Bearer {}", "a".repeat(5000));
    let values: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"Bearer".to_vec(),
        b"Bearer ".to_vec(),
        b"Bearer  x".to_vec(),
        b"bearer\tx".to_vec(),
        b"Bearer =".to_vec(),
        b"Bearer a=b".to_vec(),
        b"Bearer \xff\xfe".to_vec(),
        b"Basic YTpi".to_vec(),
        b"Bearer lat_\xc3\xa9".to_vec(),
        long.into_bytes(),
        format!("Bearer {token}=").into_bytes(),
        format!("BEARER {token}").into_bytes(),
    ];
    for path in ["/api/me", "/api/admin/users", "/api/sessions", "/dashboard", "/settings/tokens", "/"] {
        for v in &values {
            for jar in [Jar::new(), alice.clone()] {
                let req = jar
                    .attach(TestRequest::get().uri(path))
                    .insert_header(("authorization", HeaderValue::from_bytes(v).expect("header")));
                let res = Jar::new().send(&app, req).await;
                assert!(res.status().as_u16() < 500, "{path} {v:?}: {}", res.status());
                assert!(!res.headers().contains_key("set-cookie") || !path.starts_with("/api"), "{path} {v:?}");
            }
        }
    }
}

#[actix_rt::test]
async fn bearer_is_never_fresh_sets_no_cookie_and_does_not_mix_users() {
    let clock = Arc::new(AtomicU64::new(START));
    let app = demo!(clock);
    let (mut alice, alice_token) = with_token(&app, "alice", "wonderland").await;
    let (_bob, bob_token) = with_token(&app, "bob", "builder").await;
    let bearer = |t: &str| ("authorization", format!("Bearer {t}"));
    // Bob's token with alice's (admin, fresh) cookies: bob, 403; no cookie written.
    let req = alice.attach(TestRequest::get().uri("/api/admin/users")).insert_header(bearer(&bob_token));
    let res = Jar::new().send(&app, req).await;
    assert_eq!(res.status(), 403);
    assert!(set_cookie_names(&res).is_empty());
    // A bogus remember cookie next to a valid token: not touched.
    let req = TestRequest::get()
        .uri("/api/me")
        .insert_header(("cookie", "remember_token=garbage; id=garbage"))
        .insert_header(bearer(&alice_token));
    let res = Jar::new().send(&app, req).await;
    assert_eq!(res.status(), 200);
    assert!(set_cookie_names(&res).is_empty(), "{:?}", set_cookie_names(&res));
    // Fresh-only pages never see a bearer request (the header is ignored off /api).
    let res =
        Jar::new().send(&app, TestRequest::get().uri("/settings/tokens").insert_header(bearer(&alice_token))).await;
    assert_eq!(res.status(), 302);
    // Cross-site with cookies AND a bearer header: the exemption is not taken.
    let req = alice
        .attach(TestRequest::post().uri("/admin/users/bob/deactivate"))
        .insert_header(("origin", "https://evil.example"))
        .insert_header(("sec-fetch-site", "cross-site"))
        .insert_header(bearer(&alice_token));
    assert_eq!(Jar::new().send(&app, req).await.status(), 403);
    // Deactivation by GET does nothing; bob's token still works.
    let res = send(&app, &mut alice, TestRequest::get().uri("/admin/users/bob/deactivate")).await;
    assert!(res.status().is_client_error(), "{}", res.status());
    let res = Jar::new().send(&app, TestRequest::get().uri("/api/me").insert_header(bearer(&bob_token))).await;
    assert_eq!(res.status(), 200);
    // Deactivated: bob's token is refused.
    assert_eq!(send(&app, &mut alice, TestRequest::post().uri("/admin/users/bob/deactivate")).await.status(), 303);
    let res = Jar::new().send(&app, TestRequest::get().uri("/api/me").insert_header(bearer(&bob_token))).await;
    assert_eq!(res.status(), 401);
    // Token listing shows no secret and no hash.
    let page = body(send(&app, &mut alice, TestRequest::get().uri("/settings/tokens")).await).await;
    assert!(!page.contains(&alice_token) && !page.contains("lat_"), "{page}");
}

mod probe_a {
    use actix_web::get;
    use login_actix::login_required;
    #[get("/probe-a")]
    #[login_required(permission = "admin")]
    pub async fn page() -> &'static str {
        "a"
    }
}

mod probe_b {
    use actix_web::get;
    use login_actix::login_required;
    #[login_required(permission = "audit")]
    #[get("/probe-b")]
    pub async fn page() -> &'static str {
        "b"
    }
}

#[actix_rt::test]
async fn same_handler_name_in_two_modules_keeps_each_permission() {
    use actix_session::SessionMiddleware;
    use actix_web::App;
    use login_actix::{
        test_util::{login_as, login_route, TestLogin},
        LoginMiddleware,
    };
    let users = login_tests::Users::seeded();
    let app = test::init_service(
        App::new()
            .app_data(users.clone())
            .service(probe_a::page)
            .service(probe_b::page)
            .service(login_route())
            .wrap(
                LoginMiddleware::new(login_tests::users_loader(), LoginConfig::new(SECRET).expect("config"))
                    .registry(Arc::new(MemoryRegistry::new())),
            )
            .wrap(SessionMiddleware::new(CookieSessionStore::default(), Key::derive_from(&SECRET))),
    )
    .await;
    let alice = users.get(1).expect("alice");
    let mut jar = login_as(&app, &alice, TestLogin::Fresh).await;
    assert_eq!(jar.send(&app, TestRequest::get().uri("/probe-a")).await.status(), 200);
    assert_eq!(jar.send(&app, TestRequest::get().uri("/probe-b")).await.status(), 403);
}
