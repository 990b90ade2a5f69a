//! The registry of live logins, in process: what needs no real server (remember token in the leeway after its expiry, a dropped record leaking
//! the previous user's data, the memory store's bound), the idle timeout on a clock the
//! test moves, the sessions page support, and how a login record of another format is
//! treated.

use std::sync::{
    atomic::{AtomicU64, Ordering},
    Arc,
};

use actix_session::Session;
use actix_web::{get, post, test::TestRequest, web};
use login_actix::{
    loader::UserLoader,
    registry::{LoginRegistry, MemoryRegistry},
    LoginConfig, LoginMiddleware,
};
use login_tests::{
    routes::{dashboard, end, index, login, logout, sessions},
    routes::{get, login_req},
    send, text, users_loader, Jar, User, Users,
};

const SECRET: [u8; 64] = [7; 64];
const START: u64 = 1_900_000_000;

#[post("/cart")]
async fn put_cart(session: Session) -> actix_web::Result<&'static str> {
    session.insert("cart", "alice's 3 apples")?;
    Ok("ok")
}

#[get("/cart")]
async fn cart(session: Session) -> actix_web::Result<String> {
    Ok(session.get::<String>("cart")?.unwrap_or_else(|| "empty".into()))
}

/// Puts a raw value under the login record's key, as an older version would have.
#[post("/plant")]
async fn plant(session: Session, body: String) -> actix_web::Result<&'static str> {
    let value: serde_json::Value = serde_json::from_str(&body)?;
    session.insert("_login", value)?;
    session.insert("cart", "kept?")?;
    Ok("planted")
}

/// A test app on its own registry and a clock the test moves.
struct TestApp {
    clock: Arc<AtomicU64>,
    registry: Arc<MemoryRegistry>,
    users: web::Data<Users>,
}

impl TestApp {
    fn new() -> Self {
        TestApp {
            clock: Arc::new(AtomicU64::new(START)),
            registry: Arc::new(MemoryRegistry::new()),
            users: Users::seeded(),
        }
    }

    /// The login middleware of this app, on its registry.
    fn middleware(&self, config: LoginConfig) -> LoginMiddleware<impl UserLoader<User = User>> {
        LoginMiddleware::new(users_loader(), config).registry(self.registry.clone())
    }

    fn config(&self, idle: Option<u64>) -> LoginConfig {
        let clock = Arc::clone(&self.clock);
        LoginConfig::builder(SECRET)
            .idle_timeout(idle.map(std::time::Duration::from_secs))
            .clock(move || clock.load(Ordering::SeqCst))
            .build()
            .expect("valid config")
    }

    fn advance(&self, secs: u64) {
        self.clock.fetch_add(secs, Ordering::SeqCst);
    }
}

macro_rules! service {
    ($t:expr, $idle:expr) => {
        login_tests::test_app!($t, $t.config($idle), secret: SECRET, services: [
            dashboard, index, login, logout, sessions, end, put_cart, cart, plant,
        ])
    };
}

/// A remember token is valid only while its login is live: after a logout, also in the
/// `leeway` seconds after its `exp`.
#[actix_rt::test]
async fn a_remember_token_is_dead_after_logout_also_in_the_leeway_after_exp() {
    let t = TestApp::new();
    let app = service!(t, None);
    let mut jar = Jar::new();
    send(&app, &mut jar, login_req(1, Some("1"))).await; // one day
    let copy = jar.without("id");
    send(&app, &mut jar, TestRequest::post().uri("/logout")).await;
    // Just past `exp`, inside the 5-second leeway the verifier allows.
    t.advance(86_400 + 2);
    let mut replay = copy.clone();
    assert_eq!(send(&app, &mut replay, get("/dashboard")).await.status(), 302);

    // Without a logout, a remembered login (30 days, longer than the 7-day session
    // lifetime) ends at its token's `exp`: the verifier's leeway is for clock skew in
    // the token's times, it gives the login no extra life.
    let t = TestApp::new();
    let app = service!(t, None);
    let mut jar = Jar::new();
    send(&app, &mut jar, login_req(1, Some("on"))).await;
    let mut remember_only = jar.without("id");
    t.advance(30 * 86_400 - 10);
    assert_eq!(send(&app, &mut remember_only.clone(), get("/dashboard")).await.status(), 200);
    t.advance(12);
    assert_eq!(send(&app, &mut remember_only, get("/dashboard")).await.status(), 302);
}

/// Alice's session data never survives bob's login in the same browser, also when
/// alice's login record was dropped first (her password changed elsewhere).
#[actix_rt::test]
async fn a_dropped_login_leaves_nothing_for_the_next_user() {
    let t = TestApp::new();
    let app = service!(t, None);
    let mut jar = Jar::new();
    send(&app, &mut jar, login_req(1, None)).await;
    send(&app, &mut jar, TestRequest::post().uri("/cart")).await;
    assert_eq!(text(&app, &mut jar, get("/cart")).await.1, "alice's 3 apples");
    // Alice's password changes elsewhere: her next request drops the login record.
    let mut alice = t.users.get(1).expect("alice");
    alice.password.push_str("-changed");
    t.users.put(alice);
    assert_eq!(text(&app, &mut jar, get("/")).await.1, "anonymous");
    // The whole session went with it, before anyone logs in again.
    assert_eq!(text(&app, &mut jar, get("/cart")).await.1, "empty");
    send(&app, &mut jar, login_req(2, None)).await;
    assert_eq!(text(&app, &mut jar, get("/dashboard")).await.1, "hi bob");
    assert_eq!(text(&app, &mut jar, get("/cart")).await.1, "empty");
}

/// The same for a deleted user and for a login ended elsewhere.
#[actix_rt::test]
async fn every_way_a_record_is_dropped_clears_the_session() {
    let t = TestApp::new();
    let app = service!(t, None);
    // Ended from another browser (the sessions page).
    let mut first = Jar::new();
    let mut second = Jar::new();
    send(&app, &mut first, login_req(1, None)).await;
    send(&app, &mut first, TestRequest::post().uri("/cart")).await;
    send(&app, &mut second, login_req(1, None)).await;
    let (_, listed) = text(&app, &mut second, get("/sessions")).await;
    let logins: Vec<serde_json::Value> = serde_json::from_str(&listed).expect("json");
    let other = logins.iter().find(|l| l["current"] == false).expect("the first browser's login");
    let form = [("id", other["id"].as_str().expect("id"))];
    assert_eq!(text(&app, &mut second, TestRequest::post().uri("/sessions/end").set_form(form)).await.1, "true");
    assert_eq!(send(&app, &mut first, get("/dashboard")).await.status(), 302);
    assert_eq!(text(&app, &mut first, get("/cart")).await.1, "empty");
    // A deleted user.
    let mut jar = Jar::new();
    send(&app, &mut jar, login_req(2, None)).await;
    send(&app, &mut jar, TestRequest::post().uri("/cart")).await;
    t.users.delete(2);
    assert_eq!(text(&app, &mut jar, get("/")).await.1, "anonymous");
    assert_eq!(text(&app, &mut jar, get("/cart")).await.1, "empty");
    assert!(t.registry.list_user("2", START).await.expect("list").is_empty(), "the deleted user's login ended");
}

/// Entries leave with their login, so a million logouts leave nothing behind.
#[actix_rt::test]
async fn logouts_leave_no_entries_behind() {
    let t = TestApp::new();
    let app = service!(t, None);
    for _ in 0..200 {
        let mut jar = Jar::new();
        send(&app, &mut jar, login_req(1, Some("on"))).await;
        send(&app, &mut jar, TestRequest::post().uri("/logout")).await;
    }
    assert!(t.registry.is_empty(), "{} entries left", t.registry.len());
}

#[actix_rt::test]
async fn the_idle_timeout_ends_unused_logins_and_activity_keeps_them() {
    let t = TestApp::new();
    let app = service!(t, Some(600));
    let mut busy = Jar::new();
    let mut idle = Jar::new();
    let mut idle_remembered = Jar::new();
    send(&app, &mut busy, login_req(1, None)).await;
    send(&app, &mut idle, login_req(2, None)).await;
    send(&app, &mut idle_remembered, login_req(0, Some("on"))).await;
    // The busy browser comes back every 5 minutes for 50 minutes: it stays logged in.
    for _ in 0..10 {
        t.advance(300);
        assert_eq!(send(&app, &mut busy, get("/dashboard")).await.status(), 200);
    }
    // The others were idle for 50 minutes: both cookies are anonymous, and the remember
    // cookie is deleted.
    assert_eq!(send(&app, &mut idle, get("/dashboard")).await.status(), 302);
    let res = send(&app, &mut idle_remembered.without("id"), get("/dashboard")).await;
    assert_eq!(res.status(), 302);
    assert!(login_tests::set_cookie_lines(&res, "_remember")[0].contains("Max-Age=0"));
    assert_eq!(send(&app, &mut idle_remembered, get("/dashboard")).await.status(), 302);
    // Right at the edge: idle for exactly the timeout is still alive, one second more is not.
    t.advance(600);
    assert_eq!(send(&app, &mut busy, get("/dashboard")).await.status(), 200);
    t.advance(601);
    assert_eq!(send(&app, &mut busy, get("/dashboard")).await.status(), 302);
}

#[actix_rt::test]
async fn the_sessions_page_lists_marks_and_ends_only_the_users_own_logins() {
    let t = TestApp::new();
    let app = service!(t, None);
    let mut phone = Jar::new();
    let mut laptop = Jar::new();
    let mut bob = Jar::new();
    send(&app, &mut phone, login_req(1, Some("on"))).await;
    t.advance(10);
    send(&app, &mut laptop, login_req(1, None)).await;
    send(&app, &mut bob, login_req(2, None)).await;
    let (status, listed) = text(&app, &mut laptop, get("/sessions")).await;
    assert_eq!(status, 200);
    let logins: Vec<serde_json::Value> = serde_json::from_str(&listed).expect("json");
    assert_eq!(logins.len(), 2, "{listed}");
    assert_eq!((logins[0]["current"].as_bool(), logins[1]["current"].as_bool()), (Some(false), Some(true)));
    assert_eq!(logins[0]["remembered"], true);
    assert_eq!(logins[0]["created_at"], START);
    assert_eq!(logins[1]["created_at"], START + 10);
    assert_eq!(logins[0]["user_agent"], "browser-1");
    let phone_id = logins[0]["id"].as_str().expect("id").to_owned();
    // Bob cannot end alice's login by its id, nor can garbage end anything.
    for id in [phone_id.as_str(), "garbage", ""] {
        assert_eq!(
            text(&app, &mut bob, TestRequest::post().uri("/sessions/end").set_form([("id", id)])).await.1,
            "false"
        );
    }
    assert_eq!(send(&app, &mut phone.clone(), get("/dashboard")).await.status(), 200);
    // Alice ends the phone from the laptop: both of the phone's cookies are anonymous.
    let form = [("id", phone_id.as_str())];
    assert_eq!(text(&app, &mut laptop, TestRequest::post().uri("/sessions/end").set_form(form)).await.1, "true");
    assert_eq!(send(&app, &mut phone.without("_remember"), get("/dashboard")).await.status(), 302);
    assert_eq!(send(&app, &mut phone.without("id"), get("/dashboard")).await.status(), 302);
    assert_eq!(send(&app, &mut laptop, get("/dashboard")).await.status(), 200);
    // Ending the current login logs this browser out.
    let (_, listed) = text(&app, &mut laptop, get("/sessions")).await;
    let logins: Vec<serde_json::Value> = serde_json::from_str(&listed).expect("json");
    let form = [("id", logins[0]["id"].as_str().expect("id"))];
    assert_eq!(text(&app, &mut laptop, TestRequest::post().uri("/sessions/end").set_form(form)).await.1, "true");
    assert_eq!(send(&app, &mut laptop, get("/dashboard")).await.status(), 302);
}

/// The login record of version 0.1 (`[uid, fresh, sid, exp, ...]`), and any other
/// format version, is anonymous, never a 500, and clears the session.
#[actix_rt::test]
async fn records_of_other_format_versions_are_anonymous() {
    let t = TestApp::new();
    let app = service!(t, None);
    for record in [
        "[1,1,42,1900000000]",
        "[2,1,42,1900000000]",
        "[1,1,42,1900000000,5,6,1900000000]",
        "[3,1,\"AAAAAAAAAAAAAAAAAAAAAA\",1900000000]",
        // A 0.1 record (`[uid, fresh, sid, exp, sah]`) of user 3 reads as this format,
        // and names no live login.
        "[3,1,42,1900000000,5]",
        "{\"v\":2}",
        "\"garbage\"",
    ] {
        let mut jar = Jar::new();
        assert_eq!(text(&app, &mut jar, TestRequest::post().uri("/plant").set_payload(record)).await.1, "planted");
        let (status, body) = text(&app, &mut jar, get("/")).await;
        assert_eq!((status, body.as_str()), (200, "anonymous"), "{record}");
        assert_eq!(send(&app, &mut jar, get("/dashboard")).await.status(), 302, "{record}");
        assert_eq!(text(&app, &mut jar, get("/cart")).await.1, "empty", "{record}");
    }
}
