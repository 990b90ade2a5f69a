//! Every login event writes its log line in one place: the user id and the path where
//! known, never a cookie value or a token.

use std::{
    io::Write,
    sync::{Arc, Mutex},
};

use actix_web::{get, web, HttpResponse};
use login_actix::{login_required, LoginSession, Remember};
use login_tests::{
    routes::{dashboard, get, login, login_req, logout, logout_all, post},
    send, test_app, text, Harness, Jar, User, Users,
};

const SECRET: [u8; 64] = [0x4c; 64];

/// A log writer the test reads back.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// Captures this thread's log until the guard drops.
    fn install(&self) -> tracing::subscriber::DefaultGuard {
        let writer = self.clone();
        let subscriber =
            tracing_subscriber::fmt().with_writer(move || writer.clone()).with_ansi(false).without_time().finish();
        tracing::subscriber::set_default(subscriber)
    }

    fn lines(&self) -> Vec<String> {
        let text = String::from_utf8(self.0.lock().expect("log buffer").clone()).expect("utf-8 log");
        text.lines().map(str::to_owned).collect()
    }
}

#[actix_rt::test]
async fn each_login_event_is_logged_once_with_its_user_and_no_cookie_value() {
    let log = Captured::default();
    let _guard = log.install();
    let t = Harness::new();
    let config = t.builder(SECRET).build().expect("config");
    let app = test_app!(t, config, secret: SECRET, services: [dashboard, login, logout]);

    let mut jar = Jar::new();
    send(&app, &mut jar, login_req(1, Some("on"))).await;
    let remember = jar.get("_remember").expect("a remember cookie").to_owned();
    let session = jar.get("id").expect("a session cookie").to_owned();
    let mut restarted = jar.without("id");
    assert_eq!(send(&app, &mut restarted, get("/dashboard")).await.status(), 200);
    send(&app, &mut restarted, actix_web::test::TestRequest::post().uri("/logout")).await;
    let mut stale = Jar::new();
    stale.set("_remember", "not-a-token");
    send(&app, &mut stale, get("/dashboard")).await;

    let lines = log.lines();
    let with = |needle: &str| lines.iter().filter(|l| l.contains(needle)).cloned().collect::<Vec<_>>();
    let logged_in = with("user logged in");
    assert_eq!(logged_in.len(), 1, "{lines:#?}");
    assert!(logged_in[0].contains("user_id=1") && logged_in[0].contains("path=\"/login\""), "{}", logged_in[0]);
    let restored = with("login restored from remember cookie");
    assert_eq!(restored.len(), 1, "{lines:#?}");
    assert!(restored[0].contains("user_id=1") && restored[0].contains("path=\"/dashboard\""), "{}", restored[0]);
    let logged_out = with("user logged out");
    assert_eq!(logged_out.len(), 1, "{lines:#?}");
    assert!(logged_out[0].contains("user_id=1"), "{}", logged_out[0]);
    assert_eq!(with("refused: a remember cookie failed verification").len(), 1, "{lines:#?}");
    for line in &lines {
        for secret in [remember.as_str(), session.as_str(), "not-a-token"] {
            assert!(!line.contains(secret), "a cookie value in the log: {line}");
        }
    }
}

/// Bob's session cookie and alice's remember cookie in one browser.
async fn two_users_in_one_browser<S, B>(app: &S) -> Jar
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody + 'static,
{
    let (mut bob, mut alice) = (Jar::new(), Jar::new());
    send(app, &mut bob, login_req(2, None)).await;
    send(app, &mut alice, login_req(1, Some("on"))).await;
    let mut mixed = Jar::new();
    mixed.set("id", bob.get("id").expect("bob's session"));
    mixed.set("_remember", alice.get("_remember").expect("alice's remember cookie"));
    mixed
}

#[actix_rt::test]
async fn a_logout_that_ends_two_users_logins_logs_each_user() {
    let log = Captured::default();
    let _guard = log.install();
    let t = Harness::new();
    let config = t.builder(SECRET).build().expect("config");
    let app = test_app!(t, config, secret: SECRET, services: [dashboard, login, logout]);
    let mut mixed = two_users_in_one_browser(&app).await;
    send(&app, &mut mixed, post("/logout", "")).await;
    let lines = log.lines();
    let out: Vec<_> = lines.iter().filter(|l| l.contains("user logged out")).collect();
    assert!(out.iter().any(|l| l.contains("user_id=1")), "{out:#?}");
    assert!(out.iter().any(|l| l.contains("user_id=2")), "{out:#?}");
}

#[actix_rt::test]
async fn logging_out_everywhere_logs_the_logout_with_the_user() {
    let log = Captured::default();
    let _guard = log.install();
    let t = Harness::new();
    let config = t.builder(SECRET).build().expect("config");
    let app = test_app!(t, config, secret: SECRET, services: [dashboard, login, logout_all]);
    let (mut phone, mut laptop) = (Jar::new(), Jar::new());
    send(&app, &mut phone, login_req(1, None)).await;
    send(&app, &mut laptop, login_req(1, None)).await;
    assert_eq!(text(&app, &mut laptop, post("/logout/all", "")).await, (200, "2".into()), "both logins ended");
    let lines = log.lines();
    let out: Vec<_> = lines.iter().filter(|l| l.contains("user logged out")).collect();
    assert_eq!(out.len(), 1, "{lines:#?}");
    assert!(out[0].contains("user_id=1"), "{}", out[0]);
    assert_eq!(lines.iter().filter(|l| l.contains("login ended: ended everywhere")).count(), 1, "{lines:#?}");
}

#[get("/admin")]
#[login_required(permission = "admin")]
async fn admin_page() -> &'static str {
    "admin"
}

#[actix_rt::test]
async fn a_refusal_for_a_missing_permission_names_the_user() {
    let log = Captured::default();
    let _guard = log.install();
    let t = Harness::new();
    let config = t.builder(SECRET).build().expect("config");
    let app = test_app!(t, config, secret: SECRET, services: [login, admin_page]);
    let mut bob = Jar::new();
    send(&app, &mut bob, login_req(2, None)).await;
    assert_eq!(send(&app, &mut bob, get("/admin")).await.status(), 403);
    let lines = log.lines();
    let refused: Vec<_> = lines.iter().filter(|l| l.contains("without a required permission")).collect();
    assert_eq!(refused.len(), 1, "{lines:#?}");
    assert!(refused[0].contains("user_id=2"), "{}", refused[0]);
}

/// A magic-link login, its token in the path as many apps write it.
#[get("/magic/{token}")]
async fn magic(
    _token: web::Path<String>,
    auth: LoginSession<User>,
    users: web::Data<Users>,
) -> actix_web::Result<HttpResponse> {
    let alice = users.get(1).expect("alice");
    Ok(auth.login_user(&alice, Remember::No).await?.into_response())
}

#[actix_rt::test]
async fn the_log_names_the_route_pattern_never_a_token_in_the_path() {
    let log = Captured::default();
    let _guard = log.install();
    let t = Harness::new();
    let config = t.builder(SECRET).build().expect("config");
    let app = test_app!(t, config, secret: SECRET, services: [magic]);
    let token = "MAGICLINKSECRET0123456789abcdef";
    assert_eq!(send(&app, &mut Jar::new(), get(&format!("/magic/{token}"))).await.status(), 303);
    let lines = log.lines();
    assert!(lines.iter().any(|l| l.contains("user logged in") && l.contains("/magic/{token}")), "{lines:#?}");
    for line in &lines {
        assert!(!line.contains(token), "a token in the log: {line}");
    }
}
