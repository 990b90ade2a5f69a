//! The macros at run time: macro-gated handlers behave exactly like the hand-wired
//! guards, in both attribute orders and with every argument; `#[user_loader]` loaders
//! get their extractors from the request.

use std::sync::atomic::Ordering;

use actix_session::{storage::CookieSessionStore, SessionMiddleware};
use actix_web::{
    body::MessageBody,
    cookie::Key,
    dev::{Service, ServiceResponse},
    get, post,
    test::{self, TestRequest},
    web, App, HttpResponse,
};
use login_actix::{
    fresh_login_required, login_required, user_loader, CurrentUser, LoginConfig, LoginMiddleware, LoginSession,
    Remember,
};
use login_tests::{location, Jar, User, Users};

const SECRET: [u8; 64] = [7; 64];

/// The directory is down when this says so.
#[derive(Debug)]
struct DbDown;

impl std::fmt::Display for DbDown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("database down")
    }
}

impl std::error::Error for DbDown {}

/// Loads users from the shared directory.
#[user_loader]
async fn load_user(id: i64, users: web::Data<Users>) -> Result<Option<User>, DbDown> {
    users.loads.fetch_add(1, Ordering::SeqCst);
    if users.fail.load(Ordering::SeqCst) {
        return Err(DbDown);
    }
    Ok(users.get(id))
}

// Route macro above.
#[get("/above")]
#[login_required]
async fn above(user: CurrentUser<User>) -> String {
    format!("above {}", user.name)
}

// Route macro below.
#[login_required]
#[get("/below")]
async fn below(user: CurrentUser<User>) -> String {
    format!("below {}", user.name)
}

#[get("/fresh-above")]
#[fresh_login_required]
async fn fresh_above() -> &'static str {
    "fresh above"
}

#[fresh_login_required]
#[get("/fresh-below")]
async fn fresh_below() -> &'static str {
    "fresh below"
}

#[get("/api")]
#[login_required(api)]
async fn api() -> &'static str {
    "api"
}

#[fresh_login_required(api)]
#[get("/fresh-api")]
async fn fresh_api() -> &'static str {
    "fresh api"
}

#[get("/signin-above")]
#[login_required(redirect = "/signin")]
async fn signin_above() -> &'static str {
    "signin above"
}

#[fresh_login_required(redirect = "/signin?fresh=1")]
#[get("/signin-below")]
async fn signin_below() -> &'static str {
    "signin below"
}

/// Early returns still work, and the doc comment is kept.
#[get("/early/{n}")]
#[login_required]
async fn early(path: web::Path<u32>) -> HttpResponse {
    if *path == 0 {
        return HttpResponse::BadRequest().body("zero");
    }
    HttpResponse::Ok().body(format!("n={path}"))
}

/// Generics and `where` clauses are kept (registered by hand below).
#[login_required]
async fn generic<T>(_data: web::Data<T>) -> String
where
    T: std::fmt::Debug + 'static,
{
    std::any::type_name::<T>().to_owned()
}

#[post("/login/{id}")]
async fn login(
    path: web::Path<i64>,
    auth: LoginSession<User>,
    users: web::Data<Users>,
) -> actix_web::Result<HttpResponse> {
    let user = users.get(*path).ok_or_else(|| actix_web::error::ErrorBadRequest("no such user"))?;
    Ok(auth.login_user(&user, Remember::Default).await?.into_response())
}

macro_rules! app {
    ($users:expr) => {
        test::init_service(
            App::new()
                .app_data($users.clone())
                .app_data(web::Data::new(5u8))
                .service(above)
                .service(below)
                .service(fresh_above)
                .service(fresh_below)
                .service(api)
                .service(fresh_api)
                .service(signin_above)
                .service(signin_below)
                .service(early)
                .route("/generic", web::get().to(generic::<u8>))
                .service(login)
                .wrap(LoginMiddleware::new(load_user, LoginConfig::new(SECRET).expect("config")))
                .wrap(
                    SessionMiddleware::builder(CookieSessionStore::default(), Key::derive_from(&SECRET))
                        .cookie_secure(false)
                        .build(),
                ),
        )
        .await
    };
}

async fn send<S, B>(app: &S, jar: &mut Jar, uri: &str) -> ServiceResponse<B>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
{
    let req = if uri.starts_with("/login") { TestRequest::post() } else { TestRequest::get() };
    let res = test::call_service(app, jar.attach(req.uri(uri)).to_request()).await;
    jar.store(&res);
    res
}

async fn text<B: MessageBody>(res: ServiceResponse<B>) -> String {
    String::from_utf8(test::read_body(res).await.to_vec()).expect("utf-8")
}

#[actix_rt::test]
async fn anonymous_requests_are_refused_like_the_hand_wired_guards() {
    let users = Users::seeded();
    let app = app!(users);
    let mut jar = Jar::new();
    for (uri, status, loc) in [
        ("/above?x=1", 302, "/login?next=%2Fabove%3Fx%3D1"),
        ("/below", 302, "/login?next=%2Fbelow"),
        ("/fresh-above", 302, "/login?next=%2Ffresh-above"),
        ("/fresh-below", 302, "/login?next=%2Ffresh-below"),
        ("/signin-above", 302, "/signin?next=%2Fsignin-above"),
        ("/signin-below", 302, "/signin?fresh=1&next=%2Fsignin-below"),
        ("/early/0", 302, "/login?next=%2Fearly%2F0"),
        ("/generic", 302, "/login?next=%2Fgeneric"),
        ("/api", 401, ""),
        ("/fresh-api", 401, ""),
    ] {
        let res = send(&app, &mut jar, uri).await;
        assert_eq!(res.status(), status, "{uri}");
        assert_eq!(location(&res), loc, "{uri}");
    }
}

#[actix_rt::test]
async fn logged_in_requests_pass_in_both_orders() {
    let users = Users::seeded();
    let app = app!(users);
    let mut jar = Jar::new();
    assert_eq!(send(&app, &mut jar, "/login/1").await.status(), 303);
    for (uri, body) in [
        ("/above", "above alice"),
        ("/below", "below alice"),
        ("/fresh-above", "fresh above"),
        ("/fresh-below", "fresh below"),
        ("/api", "api"),
        ("/fresh-api", "fresh api"),
        ("/signin-above", "signin above"),
        ("/signin-below", "signin below"),
        ("/early/3", "n=3"),
        ("/generic", "u8"),
    ] {
        let res = send(&app, &mut jar, uri).await;
        assert_eq!(res.status(), 200, "{uri}");
        assert_eq!(text(res).await, body, "{uri}");
    }
    let res = send(&app, &mut jar, "/early/0").await;
    assert_eq!(res.status(), 400);
    assert_eq!(text(res).await, "zero");
}

#[actix_rt::test]
async fn fresh_routes_refuse_a_remembered_session_in_both_orders() {
    let users = Users::seeded();
    let app = app!(users);
    let mut jar = Jar::new();
    send(&app, &mut jar, "/login/1").await;
    jar.remove("id");
    assert_eq!(send(&app, &mut jar, "/above").await.status(), 200);
    assert_eq!(send(&app, &mut jar, "/below").await.status(), 200);
    for (uri, status, loc) in [
        ("/fresh-above", 302, "/login?next=%2Ffresh-above"),
        ("/fresh-below", 302, "/login?next=%2Ffresh-below"),
        ("/signin-below", 302, "/signin?fresh=1&next=%2Fsignin-below"),
        ("/fresh-api", 401, ""),
    ] {
        let res = send(&app, &mut jar, uri).await;
        assert_eq!(res.status(), status, "{uri}");
        assert_eq!(location(&res), loc, "{uri}");
    }
    // A not-fresh user passes the non-fresh redirect guard.
    assert_eq!(send(&app, &mut jar, "/signin-above").await.status(), 200);
}

#[actix_rt::test]
async fn the_macro_loader_extracts_app_data_and_maps_errors() {
    let users = Users::seeded();
    let app = app!(users);
    let mut jar = Jar::new();
    send(&app, &mut jar, "/login/2").await;
    let before = users.load_count();
    assert_eq!(text(send(&app, &mut jar, "/above").await).await, "above bob");
    assert_eq!(users.load_count(), before + 1);
    users.fail.store(true, Ordering::SeqCst);
    assert_eq!(send(&app, &mut jar, "/above").await.status(), 500);
    users.fail.store(false, Ordering::SeqCst);
    assert_eq!(send(&app, &mut jar, "/above").await.status(), 200);
}

#[actix_rt::test]
async fn a_loader_whose_extractor_fails_is_a_500_not_a_logout() {
    // Same loader, but the app forgot `web::Data<Users>`: extraction fails inside the loader.
    let users = Users::seeded();
    let app = test::init_service(
        App::new()
            .service(above)
            .service(web::resource("/login/{id}").route(web::post().to(
                |path: web::Path<i64>, auth: LoginSession<User>| async move {
                    let user = User { id: *path, name: "x".into(), password: "x-pw".into(), epoch: 0 };
                    auth.login_user(&user, false).await.map(|r| r.into_response())
                },
            )))
            .wrap(LoginMiddleware::new(load_user, LoginConfig::new(SECRET).expect("config")))
            .wrap(
                SessionMiddleware::builder(CookieSessionStore::default(), Key::derive_from(&SECRET))
                    .cookie_secure(false)
                    .build(),
            ),
    )
    .await;
    let _ = users;
    let mut jar = Jar::new();
    assert_eq!(send(&app, &mut jar, "/login/1").await.status(), 303);
    assert_eq!(send(&app, &mut jar, "/above").await.status(), 500);
}
