//! Logins across a restart and across workers, over real HTTP: the demo restarted on the same secret and database, with the SQLite and the
//! memory registry; and an app whose `LoginConfig` is built inside `HttpServer::new`'s
//! closure, once per worker, served by two workers.

use std::{collections::HashSet, net::TcpListener, path::PathBuf, sync::mpsc, time::Duration};

use actix_session::{storage::CookieSessionStore, SessionMiddleware};
use actix_web::{cookie::Key, get, post, web, App, HttpResponse, HttpServer};
use login_actix::{guard::LoginRequired, CurrentUser, LoginConfig, LoginMiddleware, LoginSession, Remember};
use login_examples::settings::{RegistryKind, SessionStoreKind};
use login_tests::{
    demo::{test_settings, Browser, DemoServer},
    users_loader, User, Users,
};

fn temp_db(name: &str) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("login-restart-{name}-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let db = dir.join("users.db");
    (dir, db)
}

fn rand_suffix() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now())
}

/// Across a restart, with the SQLite registry in the `--db` file, cookies copied before
/// a logout stay dead and live logins (session and remember cookies) stay live.
#[test]
fn restart_with_the_sqlite_registry_keeps_live_logins_and_dead_copies() {
    let (dir, db) = temp_db("sqlite");
    let settings = test_settings(SessionStoreKind::Cookie, Some(db.clone()));
    assert_eq!(settings.registry, RegistryKind::Sqlite);
    let mut first = DemoServer::start(settings.clone()).expect("demo starts");
    let mut out = Browser::new(first.addr);
    out.login("alice", "wonderland", Some("on"));
    assert_eq!(out.get("/settings").status, 200);
    let copied = out.jar.clone();
    assert_eq!(out.post("/logout", &[]).status, 303);
    let mut live = Browser::new(first.addr);
    live.login("bob", "builder", Some("on"));
    assert_eq!(live.get("/dashboard").status, 200);
    first.stop();

    let second = DemoServer::start(settings).expect("demo restarts");
    let mut replay = Browser::new(second.addr);
    replay.jar = copied.without("_remember");
    assert_eq!(replay.get("/settings").status, 302, "copied session cookie after restart");
    assert_eq!(replay.get("/dashboard").status, 302);
    let mut replay = Browser::new(second.addr);
    replay.jar = copied.without("id");
    assert_eq!(replay.get("/dashboard").status, 302, "copied remember cookie after restart");

    let mut again = Browser::new(second.addr);
    again.jar = live.jar.without("_remember");
    let r = again.get("/dashboard");
    assert_eq!(r.status, 200, "live session after restart");
    assert!(r.body.contains("hi bob"));
    let mut again = Browser::new(second.addr);
    again.jar = live.jar.without("id");
    assert_eq!(again.get("/dashboard").status, 200, "live remember cookie after restart");
    drop(second);
    std::fs::remove_dir_all(dir).expect("clean up");
}

/// With the memory registry a restart logs everybody out: anonymous, never a 500.
#[test]
fn restart_with_the_memory_registry_logs_everybody_out_cleanly() {
    let (dir, db) = temp_db("memory");
    let mut settings = test_settings(SessionStoreKind::Cookie, Some(db));
    settings.registry = RegistryKind::Memory;
    let mut first = DemoServer::start(settings.clone()).expect("demo starts");
    let mut b = Browser::new(first.addr);
    b.login("alice", "wonderland", Some("on"));
    assert_eq!(b.get("/dashboard").status, 200);
    let jar = b.jar.clone();
    first.stop();

    let second = DemoServer::start(settings).expect("demo restarts");
    for cookies in [jar.clone(), jar.without("id"), jar.without("_remember")] {
        let mut b = Browser::new(second.addr);
        b.jar = cookies;
        for path in ["/", "/dashboard", "/settings", "/api/me", "/api/sessions"] {
            let r = b.get(path);
            assert!(r.status < 500, "{path}: {}", r.status);
        }
        assert_eq!(b.get("/dashboard").status, 302);
        assert!(b.get("/").body.contains("anonymous"));
    }
    drop(second);
    std::fs::remove_dir_all(dir).expect("clean up");
}

const SECRET: [u8; 64] = [9; 64];

#[post("/login")]
async fn login(auth: LoginSession<User>, users: web::Data<Users>) -> actix_web::Result<HttpResponse> {
    let user = users.get(1).ok_or_else(|| actix_web::error::ErrorInternalServerError("seeded"))?;
    Ok(auth.login_user(&user, Remember::Default).await?.into_response())
}

#[post("/logout")]
async fn logout(auth: LoginSession<User>) -> actix_web::Result<&'static str> {
    auth.logout_user().await?;
    Ok("bye")
}

/// Says which worker thread served the request.
#[get("/who")]
async fn who(_: LoginRequired, user: CurrentUser<User>) -> String {
    format!("{} on {:?}", user.name, std::thread::current().id())
}

#[get("/worker")]
async fn worker() -> String {
    format!("{:?}", std::thread::current().id())
}

/// A middleware built inside the server closure, per worker, shares the in-memory
/// store of its secret with every other worker: a logout holds on all of them.
#[test]
fn a_config_built_per_worker_still_shares_logouts() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = mpsc::channel();
    let users = Users::seeded();
    let thread = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = HttpServer::new(move || {
                // Built per worker, as is natural to write.
                let config = LoginConfig::builder(SECRET).cookie_secure(false).build().expect("config");
                App::new()
                    .app_data(users.clone())
                    .service(login)
                    .service(logout)
                    .service(who)
                    .service(worker)
                    .wrap(LoginMiddleware::new(users_loader(), config))
                    .wrap(
                        SessionMiddleware::builder(CookieSessionStore::default(), Key::derive_from(&SECRET))
                            .cookie_secure(false)
                            .build(),
                    )
            })
            .workers(2)
            .listen(listener)
            .expect("listen")
            .run();
            tx.send(server.handle()).expect("send handle");
            server.await.expect("server runs");
        });
    });
    let handle = rx.recv_timeout(Duration::from_secs(30)).expect("server started");

    // Each request on a new connection: the two workers take connections in turn.
    let fresh = || Browser::new_without_keep_alive(addr);
    let mut seen = HashSet::new();
    for _ in 0..8 {
        seen.insert(fresh().get("/worker").body);
    }
    assert_eq!(seen.len(), 2, "both workers answer: {seen:?}");

    let mut b = fresh();
    assert_eq!(b.post("/login", &[]).status, 303);
    let copy = b.jar.clone();
    let mut served_by = HashSet::new();
    for _ in 0..8 {
        let mut c = fresh();
        c.jar = copy.clone();
        let r = c.get("/who");
        assert_eq!(r.status, 200);
        served_by.insert(r.body);
    }
    assert_eq!(served_by.len(), 2, "both workers know the login: {served_by:?}");
    let mut b = fresh();
    b.jar = copy.clone();
    assert_eq!(b.post("/logout", &[]).status, 200);
    for cookies in [copy.clone(), copy.without("id"), copy.without("_remember")] {
        for _ in 0..6 {
            let mut c = fresh();
            c.jar = cookies.clone();
            assert_eq!(c.get("/who").status, 302, "a copy works on some worker after logout");
        }
    }
    futures_executor::block_on(handle.stop(false));
    thread.join().expect("server thread");
}
