//! A cross-origin refusal is a response the app's own middlewares see (a version that
//! returned it as an error lost their headers and could become an empty 500), and an
//! API-only app without a session store answers a request with a stray cookie 401.

use std::{net::TcpListener, sync::mpsc, thread, time::Duration};

use actix_session::{storage::CookieSessionStore, SessionMiddleware};
use actix_web::{
    body::MessageBody,
    cookie::Key,
    dev::{ServiceRequest, ServiceResponse},
    get,
    middleware::{from_fn, DefaultHeaders, Next},
    post,
    test::{self, TestRequest},
    web, App, HttpResponse, HttpServer,
};
use login_actix::{
    guard::LoginMode, loader::request_loader_fn, login_required, CurrentUser, LoginConfig, LoginMiddleware,
};
use login_tests::{users_loader, User, Users};

const SECRET: [u8; 64] = [13; 64];

#[get("/me")]
#[login_required]
async fn me(user: CurrentUser<User>) -> HttpResponse {
    HttpResponse::Ok().body(user.name.clone())
}

#[post("/transfer")]
async fn transfer() -> HttpResponse {
    HttpResponse::Ok().body("transferred")
}

/// The shape of `examples/api_tokens.rs`: an API only, bearer tokens, no session store.
fn api_only_app() -> App<
    impl actix_web::dev::ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let by_token = request_loader_fn(|token: String, req: actix_web::HttpRequest| async move {
        let users = req.app_data::<web::Data<Users>>().cloned().ok_or("no users")?;
        Ok::<_, &'static str>(if token == "good" { users.get(1) } else { None })
    });
    App::new()
        .app_data(Users::seeded())
        .service(web::scope("/api").app_data(LoginMode::Api).service(me))
        .wrap(LoginMiddleware::new(users_loader(), LoginConfig::new(SECRET).expect("config")).request_loader(by_token))
}

/// An API-only app (documented: "no cookies, no session store") answers a request
/// that merely carries some unrelated cookie (analytics, another app on the domain, or an
/// attacker adding one) with a 500 instead of the 401 it gives without the cookie.
#[actix_web::test]
async fn api_only_app_request_with_any_cookie_is_401_not_500() {
    let app = test::init_service(api_only_app()).await;
    let plain = test::call_service(&app, TestRequest::get().uri("/api/me").to_request()).await;
    assert_eq!(plain.status(), 401, "baseline: anonymous API request");
    for extra in [
        vec![("cookie", "theme=dark")],
        vec![("cookie", "theme=dark"), ("authorization", "Basic YTpi")],
        vec![("cookie", "")],
    ] {
        let mut req = TestRequest::get().uri("/api/me");
        for h in &extra {
            req = req.insert_header(*h);
        }
        let res = test::call_service(&app, req.to_request()).await;
        assert_eq!(res.status(), 401, "API-only app, headers {extra:?}: expected 401, got {}", res.status());
    }
}

/// A logging middleware of the common shape: look at the error's response for the log
/// line, pass the error on. `InternalError::from_response` hands its response out once;
/// the server's own `error_response()` call then gets an empty 500.
async fn log_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    match next.call(req).await {
        Ok(res) => Ok(res),
        Err(err) => {
            let status = err.error_response().status();
            eprintln!("request failed with {status}");
            Err(err)
        }
    }
}

fn spawn_server(with_logging: bool) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = HttpServer::new(move || {
                App::new()
                    .app_data(Users::seeded())
                    .service(transfer)
                    .wrap(LoginMiddleware::new(users_loader(), LoginConfig::new(SECRET).expect("config")))
                    .wrap(SessionMiddleware::new(CookieSessionStore::default(), Key::derive_from(&SECRET)))
                    .wrap(actix_web::middleware::Condition::new(with_logging, from_fn(log_errors)))
                    .wrap(DefaultHeaders::new().add(("x-frame-options", "DENY")))
            })
            .workers(1)
            .listen(listener)
            .expect("listen")
            .run();
            tx.send(()).expect("ready");
            server.await.expect("server");
        });
    });
    rx.recv_timeout(Duration::from_secs(10)).expect("server started");
    format!("http://{addr}")
}

fn cross_site_post(base: &str) -> reqwest::blocking::Response {
    reqwest::blocking::Client::new()
        .post(format!("{base}/transfer"))
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .send()
        .expect("send")
}

/// Over real HTTP: with an app's error-logging middleware outside the login
/// middleware, the cross-origin refusal arrives as an empty 500, not the 403.
#[test]
fn refusal_through_error_logging_middleware_is_still_403() {
    let base = spawn_server(true);
    let res = cross_site_post(&base);
    let status = res.status().as_u16();
    let body = res.text().unwrap_or_default();
    assert_ne!(body, "transferred", "the handler must never run");
    assert_eq!(status, 403, "expected the 403 refusal, got {status} with body {body:?}");
}

/// Over real HTTP: the app's `DefaultHeaders` (security headers) no longer reach
/// the 403 page, because the refusal passes the app's middlewares as an `Err`.
#[test]
fn refusal_keeps_the_apps_default_headers() {
    let base = spawn_server(false);
    let res = cross_site_post(&base);
    assert_eq!(res.status().as_u16(), 403);
    assert_eq!(
        res.headers().get("x-frame-options").map(|v| v.to_str().unwrap_or("").to_owned()),
        Some("DENY".to_owned()),
        "the app's DefaultHeaders are missing from the refusal"
    );
}
