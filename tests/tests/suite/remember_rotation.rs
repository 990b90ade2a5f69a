//! Rotating remember tokens: every restore answers with the login's next token; the
//! token it retires still restores within the grace window (answered with the current
//! token, never a further rotation); presented after it, it ends the login for
//! everyone holding it. In every store, across a restart on SQLite, with parallel
//! requests.

use std::sync::{Arc, Mutex};

use login_actix::{
    events::{EndReason, LoginEvent},
    registry::{LoginStore, SqliteRegistry},
};
use login_tests::{
    routes::{dashboard, index, login, logout},
    routes::{get, login_req},
    send, set_cookie_lines, text, Harness, Jar,
};

const SECRET: [u8; 64] = [91; 64];
/// actix-session's cookie name.
const SESSION: &str = "id";

type Events = Arc<Mutex<Vec<LoginEvent>>>;

macro_rules! service {
    ($t:expr, $config:expr) => {
        service!($t, $config, Events::default())
    };
    ($t:expr, $config:expr, $events:expr) => {{
        let events = $events.clone();
        let hook = move |_: &actix_web::HttpRequest, e: &LoginEvent| events.lock().expect("events").push(e.clone());
        login_tests::test_app!($t, $config, hook: hook, secret: SECRET, services: [dashboard, index, login, logout])
    }};
}

/// A browser holding only the remember cookie `token` (its session is gone: the
/// browser restarted).
fn restarted_browser(token: &str) -> Jar {
    let mut jar = Jar::new();
    jar.set("_remember", token);
    jar
}

/// The `_remember` value a response sets, if any (a removal counts as `""`).
fn set_remember<B>(res: &actix_web::dev::ServiceResponse<B>) -> Option<String> {
    let line = set_cookie_lines(res, "_remember").into_iter().next()?;
    let cookie = actix_web::cookie::Cookie::parse(line).expect("a cookie");
    Some(cookie.value().to_owned())
}

/// Logs alice in with a remember cookie; returns her jar and the first token.
async fn remembered_login<S, B>(app: &S) -> (Jar, String)
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody + 'static,
{
    let mut jar = Jar::new();
    assert_eq!(send(app, &mut jar, login_req(1, Some("on"))).await.status(), 303);
    let token = jar.get("_remember").expect("a remember cookie").to_owned();
    (jar, token)
}

#[actix_rt::test]
async fn a_restore_answers_with_the_logins_next_token() {
    let t = Harness::new();
    let app = service!(t, t.builder(SECRET).build().expect("config"));
    let (_, first) = remembered_login(&app).await;
    let mut browser = restarted_browser(&first);
    let res = send(&app, &mut browser, get("/dashboard")).await;
    assert_eq!(res.status(), 200);
    let next = set_remember(&res).expect("the restore sets a new remember cookie");
    assert!(!next.is_empty() && next != first, "a new token, not the one presented");
    // The new token restores in turn, and rotates again.
    let mut later = restarted_browser(&next);
    let res = send(&app, &mut later, get("/dashboard")).await;
    assert_eq!(res.status(), 200);
    let third = set_remember(&res).expect("rotated again");
    assert!(third != next && third != first);
}

#[actix_rt::test]
async fn a_client_that_keeps_the_rotated_cookie_stays_logged_in() {
    let t = Harness::new();
    let app = service!(t, t.builder(SECRET).build().expect("config"));
    let (_, first) = remembered_login(&app).await;
    let mut token = first;
    for _ in 0..6 {
        // No session cookie kept, only the remember cookie (a script's cookie file).
        let mut client = restarted_browser(&token);
        let (status, body) = text(&app, &mut client, get("/dashboard")).await;
        assert_eq!((status, body.as_str()), (200, "hi alice"));
        token = client.get("_remember").expect("the rotated cookie").to_owned();
        t.advance(20);
    }
}

#[actix_rt::test]
async fn a_retired_token_within_the_grace_window_gets_the_current_token_without_rotating() {
    let t = Harness::new();
    let app = service!(t, t.builder(SECRET).build().expect("config"));
    let (_, first) = remembered_login(&app).await;
    let res = send(&app, &mut restarted_browser(&first), get("/dashboard")).await;
    let current = set_remember(&res).expect("rotated");
    t.advance(10); // the default grace window's last second
    let mut tab = restarted_browser(&first);
    let res = send(&app, &mut tab, get("/dashboard")).await;
    assert_eq!(res.status(), 200, "a restored tab's old token still restores");
    let answered = set_remember(&res).expect("answered with a token");
    // Same generation and claims as `current` (iat and exp kept): the same token.
    assert_eq!(answered, current, "the current token, not a further rotation");
    assert_eq!(text(&app, &mut restarted_browser(&current), get("/dashboard")).await.0, 200);
}

#[actix_rt::test]
async fn a_retired_token_after_the_grace_window_ends_the_login_for_everyone() {
    let t = Harness::new();
    let events = Events::default();
    let app = service!(t, t.builder(SECRET).build().expect("config"), events);
    let (_, stolen) = remembered_login(&app).await;
    // The owner's browser restarts and restores: a new token and a session.
    let mut owner = restarted_browser(&stolen);
    assert_eq!(text(&app, &mut owner, get("/dashboard")).await.0, 200);
    let owners_token = owner.get("_remember").expect("rotated").to_owned();
    t.advance(11);
    // The thief presents the copy taken before the rotation.
    let mut thief = restarted_browser(&stolen);
    let res = send(&app, &mut thief, get("/")).await;
    assert_eq!(login_tests::body(res).await, "anonymous");
    assert!(thief.get("_remember").is_none(), "the copied cookie is deleted");
    let ended =
        events.lock().expect("events").iter().any(
            |e| matches!(e, LoginEvent::Ended { user_id, reason: EndReason::RememberTokenReused } if user_id == 1),
        );
    assert!(ended, "an event says the token was reused");
    // The owner's session and current token are anonymous too: the login is over.
    assert_eq!(text(&app, &mut owner, get("/")).await.1, "anonymous");
    assert_eq!(text(&app, &mut restarted_browser(&owners_token), get("/")).await.1, "anonymous");
}

#[actix_rt::test]
async fn a_token_more_than_a_few_generations_old_is_reuse_even_inside_the_grace_window() {
    let t = Harness::new();
    let app = service!(t, t.builder(SECRET).build().expect("config"));
    let (_, first) = remembered_login(&app).await;
    let mut token = first.clone();
    for _ in 0..=login_actix::registry::RETIRED_IN_GRACE {
        token = set_remember(&send(&app, &mut restarted_browser(&token), get("/")).await).expect("rotated");
    }
    assert_eq!(text(&app, &mut restarted_browser(&first), get("/")).await.1, "anonymous");
    assert_eq!(text(&app, &mut restarted_browser(&token), get("/")).await.1, "anonymous", "the login ended");
}

#[actix_rt::test]
async fn a_grace_window_of_its_own_is_honoured() {
    let t = Harness::new();
    let config = t.builder(SECRET).remember_grace(std::time::Duration::from_secs(60)).build().expect("config");
    let app = service!(t, config);
    let (_, first) = remembered_login(&app).await;
    send(&app, &mut restarted_browser(&first), get("/")).await;
    t.advance(60);
    assert_eq!(text(&app, &mut restarted_browser(&first), get("/")).await.1, "user alice");
    t.advance(1);
    assert_eq!(text(&app, &mut restarted_browser(&first), get("/")).await.1, "anonymous");
}

#[actix_rt::test]
async fn a_rotated_cookie_keeps_the_logins_original_expiry() {
    let t = Harness::new();
    let app = service!(t, t.builder(SECRET).build().expect("config"));
    let mut jar = Jar::new();
    let res = send(&app, &mut jar, login_req(1, Some("on"))).await;
    let max_age = |line: &str| actix_web::cookie::Cookie::parse(line.to_owned()).expect("cookie").max_age();
    let first_age = max_age(&set_cookie_lines(&res, "_remember")[0]).expect("Max-Age").whole_seconds();
    let first = jar.get("_remember").expect("remember").to_owned();
    t.advance(3_600);
    let res = send(&app, &mut restarted_browser(&first), get("/")).await;
    let rotated_age = max_age(&set_cookie_lines(&res, "_remember")[0]).expect("Max-Age").whole_seconds();
    assert_eq!(rotated_age, first_age - 3_600, "the rotated cookie ends when the first one would have");
}

/// Two requests sent at once with the same cookie (a restarted browser reopening its
/// tabs): both restore, both are answered with the same new token. The SQLite store
/// runs its calls on blocking threads, so the two requests interleave.
#[actix_rt::test]
async fn two_restores_at_once_with_one_token_both_succeed() {
    let t = Harness::new();
    let registry: Arc<dyn LoginStore> = Arc::new(SqliteRegistry::open_in_memory().expect("sqlite"));
    let app = service!(t.with_registry(registry), t.builder(SECRET).build().expect("config"));
    let (_, first) = remembered_login(&app).await;
    let (mut a, mut b) = (restarted_browser(&first), restarted_browser(&first));
    let (ra, rb) = futures_util::future::join(a.send(&app, get("/dashboard")), b.send(&app, get("/dashboard"))).await;
    assert_eq!((ra.status().as_u16(), rb.status().as_u16()), (200, 200));
    let (ta, tb) = (set_remember(&ra).expect("a token"), set_remember(&rb).expect("a token"));
    assert_eq!(ta, tb, "both answered with the login's one current token");
    t.advance(30);
    assert_eq!(text(&app, &mut restarted_browser(&ta), get("/")).await.1, "user alice");
}

#[actix_rt::test]
async fn rotation_survives_a_restart_on_sqlite() {
    let dir = std::env::temp_dir().join(format!("rotation-{}", login_actix::registry::LoginId::random()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("logins.db");
    let t = Harness::new();
    let (first, second) = {
        let registry = Arc::new(SqliteRegistry::open(&file).expect("sqlite"));
        let app = service!(t.with_registry(registry), t.builder(SECRET).build().expect("config"));
        let (_, first) = remembered_login(&app).await;
        let second = set_remember(&send(&app, &mut restarted_browser(&first), get("/")).await).expect("rotated");
        (first, second)
    };
    // A new process on the same file.
    let registry = Arc::new(SqliteRegistry::open(&file).expect("sqlite again"));
    let app = service!(t.with_registry(registry), t.builder(SECRET).build().expect("config"));
    t.advance(11);
    let res = send(&app, &mut restarted_browser(&second), get("/")).await;
    assert_eq!(res.status(), 200);
    let third = set_remember(&res).expect("rotated after the restart");
    assert_eq!(login_tests::body(res).await, "user alice", "the current token survived the restart");
    t.advance(11);
    assert_eq!(text(&app, &mut restarted_browser(&first), get("/")).await.1, "anonymous");
    assert_eq!(text(&app, &mut restarted_browser(&third), get("/")).await.1, "anonymous", "reuse ended the login");
    std::fs::remove_dir_all(&dir).expect("clean up");
}

/// A password login in a browser whose login was restored continues that login: the
/// token it issues is of the login's current generation, not a retired one.
#[actix_rt::test]
async fn a_relogin_after_a_restore_issues_a_token_of_the_current_generation() {
    let t = Harness::new();
    let app = service!(t, t.builder(SECRET).build().expect("config"));
    let (_, first) = remembered_login(&app).await;
    let mut browser = restarted_browser(&first);
    assert_eq!(text(&app, &mut browser, get("/dashboard")).await.0, 200);
    assert_eq!(send(&app, &mut browser, login_req(1, Some("on"))).await.status(), 303);
    let reissued = browser.get("_remember").expect("a remember cookie").to_owned();
    t.advance(60);
    assert_eq!(text(&app, &mut restarted_browser(&reissued), get("/")).await.1, "user alice");
}

#[actix_rt::test]
async fn a_session_request_does_not_rotate() {
    let t = Harness::new();
    let app = service!(t, t.builder(SECRET).build().expect("config"));
    let (mut jar, _) = remembered_login(&app).await;
    let res = send(&app, &mut jar, get("/dashboard")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(set_remember(&res), None, "a request of the session sets no remember cookie");
    assert!(jar.get(SESSION).is_some());
}

/// A password login in a browser that still holds a retired remember token (a copy
/// restored the login first, the owner's browser restarted): the token is reuse, so
/// the login it names ends (the copy's holder is out) instead of being continued.
#[actix_rt::test]
async fn a_password_login_with_a_reused_remember_token_ends_the_copied_login() {
    let t = Harness::new();
    let events = Events::default();
    let app = service!(t, t.builder(SECRET).build().expect("config"), events);
    let (_, copied) = remembered_login(&app).await;
    let mut thief = restarted_browser(&copied);
    assert_eq!(text(&app, &mut thief, get("/dashboard")).await, (200, "hi alice".to_owned()));
    t.advance(30);
    let mut owner = restarted_browser(&copied);
    assert_eq!(send(&app, &mut owner, login_req(1, Some("on"))).await.status(), 303);
    assert_eq!(text(&app, &mut owner, get("/")).await.1, "user alice", "the owner is logged in anew");
    assert_eq!(text(&app, &mut thief, get("/")).await.1, "anonymous", "the copied login ended");
    let reused = events
        .lock()
        .expect("events")
        .iter()
        .any(|e| matches!(e, LoginEvent::Ended { reason: EndReason::RememberTokenReused, .. }));
    assert!(reused, "an event says the token was reused");
}

/// One client that keeps only its remember cookie sends two requests at once with T0;
/// the first is answered with T1, its next request rotates to T2, and then the other
/// one arrives with T0: a few generations back, inside the window, it still restores.
#[actix_rt::test]
async fn a_request_overtaken_by_the_same_clients_next_ones_still_restores() {
    let t = Harness::new();
    let app = service!(t, t.builder(SECRET).build().expect("config"));
    let (_, t0) = remembered_login(&app).await;
    let t1 = set_remember(&send(&app, &mut restarted_browser(&t0), get("/dashboard")).await).expect("rotated");
    let t2 = set_remember(&send(&app, &mut restarted_browser(&t1), get("/dashboard")).await).expect("rotated");
    t.advance(1);
    let mut straggler = restarted_browser(&t0);
    assert_eq!(text(&app, &mut straggler, get("/dashboard")).await, (200, "hi alice".to_owned()));
    assert_eq!(straggler.get("_remember"), Some(t2.as_str()), "answered with the current token");
}

/// A garbled rotated token (its `~generation~tag` suffix cut, forged, overlong, or with
/// an impossible generation), a cookie header that is not UTF-8, or two remember
/// cookies is anonymous, never an error; and none of them ends the login, whose own
/// token goes on restoring.
#[actix_rt::test]
async fn garbled_rotated_tokens_and_cookie_headers_are_anonymous_and_end_nothing() {
    use actix_web::http::header::{HeaderValue, COOKIE};
    let t = Harness::new();
    let app = service!(t, t.builder(SECRET).build().expect("config"));
    let (_, first) = remembered_login(&app).await;
    let mut browser = restarted_browser(&first);
    send(&app, &mut browser, get("/dashboard")).await;
    let rotated = browser.get("_remember").expect("the rotated token").to_owned();
    let (base, suffix) = rotated.split_once('~').expect("a rotation suffix");
    let (gen, tag) = suffix.split_once('~').expect("generation and tag");
    let mut flipped = tag.to_owned().into_bytes();
    flipped[0] = if flipped[0] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).expect("ascii");
    let garbled = [
        format!("{base}~"),
        format!("{base}~{gen}"),
        format!("{base}~{gen}~"),
        format!("{base}~{gen}~{flipped}"),
        format!("{base}~99999999999999999999~{tag}"),
        format!("{base}~-1~{tag}"),
        format!("{base}~0{gen}~{tag}"),
        format!("{base}~{gen}~{tag}~{gen}"),
        format!("{base}~{gen}~{}", "A".repeat(10_000)),
        format!("{rotated}{rotated}"),
        "~~~".to_owned(),
    ];
    for token in &garbled {
        let (status, body) = text(&app, &mut restarted_browser(token), get("/")).await;
        assert_eq!((status, body.as_str()), (200, "anonymous"), "{token:.80}");
    }
    for header in [&b"_remember=\xff\xfe; id=\xc3"[..], format!("_remember=x; _remember={rotated}").as_bytes()] {
        let req = get("/").insert_header((COOKIE, HeaderValue::from_bytes(header).expect("a header value")));
        let res = actix_web::test::call_service(&app, req.to_request()).await;
        assert_eq!(res.status(), 200, "{}", String::from_utf8_lossy(header));
    }
    let (status, body) = text(&app, &mut restarted_browser(&rotated), get("/dashboard")).await;
    assert_eq!((status, body.as_str()), (200, "hi alice"), "the login lives on");
}
