//! The demo's rotating remember cookie over real HTTP: a restore answers with a new
//! `_remember`; the old value restores within `--remember-grace`; after it, the old
//! value ends the login (its new value and its session are anonymous too) and the
//! user's activity says so; two requests at once with one cookie both succeed.

use std::time::Duration;

use login_examples::settings::SessionStoreKind;
use login_tests::demo::{isolated_settings, Browser, DemoServer};

fn server(grace_secs: u64) -> DemoServer {
    let mut settings = isolated_settings(SessionStoreKind::Cookie, None);
    settings.remember_grace = Duration::from_secs(grace_secs);
    DemoServer::start(settings).expect("demo starts")
}

/// A browser holding only `token` as its remember cookie.
fn with_remember(server: &DemoServer, token: &str) -> Browser {
    let mut b = Browser::new(server.addr);
    b.jar.set("_remember", token);
    b
}

fn remembered_login(server: &DemoServer) -> String {
    let mut b = Browser::new(server.addr);
    assert_eq!(b.login("alice", "wonderland", Some("on")).status, 303);
    b.jar.get("_remember").expect("remember cookie").to_owned()
}

#[test]
fn a_restore_sets_a_new_remember_cookie_and_the_old_one_works_within_the_grace() {
    let server = server(10);
    let old = remembered_login(&server);
    let mut browser = with_remember(&server, &old);
    let r = browser.get("/dashboard");
    assert_eq!(r.status, 200);
    let line = r.cookie_lines("_remember");
    assert_eq!(line.len(), 1, "the restore sets a new remember cookie");
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(line[0].contains(attr), "{attr}: {}", line[0]);
    }
    let new = browser.jar.get("_remember").expect("kept").to_owned();
    assert_ne!(new, old);
    // A restored tab with the old value, inside the grace window: still logged in, and
    // given the current value.
    let mut tab = with_remember(&server, &old);
    assert_eq!(tab.get("/dashboard").status, 200);
    assert_eq!(tab.jar.get("_remember"), Some(new.as_str()));
    assert_eq!(browser.get("/dashboard").status, 200, "the owner's session is untouched");
}

#[test]
fn the_old_cookie_after_the_grace_ends_the_login_for_both_holders() {
    let server = server(1);
    let stolen = remembered_login(&server);
    let mut owner = with_remember(&server, &stolen);
    assert_eq!(owner.get("/dashboard").status, 200);
    let owners_token = owner.jar.get("_remember").expect("rotated").to_owned();
    std::thread::sleep(Duration::from_millis(2_100));
    let mut thief = with_remember(&server, &stolen);
    let r = thief.get("/dashboard");
    assert_eq!((r.status, r.location.as_str()), (302, "/login?next=%2Fdashboard"));
    assert!(thief.jar.get("_remember").is_none(), "the reused cookie is deleted");
    assert_eq!(owner.get("/dashboard").status, 302, "the owner's session of that login ended");
    assert_eq!(with_remember(&server, &owners_token).get("/dashboard").status, 302, "so did the new value");
    // The owner sees it in the activity log.
    let mut again = Browser::new(server.addr);
    again.login("alice", "wonderland", None);
    let activity = again.get("/settings/activity");
    assert!(activity.body.contains("remember_token_reused"), "{}", activity.body);
}

#[test]
fn two_requests_at_once_with_one_cookie_both_succeed() {
    let server = server(10);
    let token = remembered_login(&server);
    let answers: Vec<(u16, Option<String>)> = std::thread::scope(|scope| {
        let tabs: Vec<_> = (0..2)
            .map(|_| {
                let token = token.clone();
                let server = &server;
                scope.spawn(move || {
                    let mut tab = with_remember(server, &token);
                    let status = tab.get("/dashboard").status;
                    (status, tab.jar.get("_remember").map(str::to_owned))
                })
            })
            .collect();
        tabs.into_iter().map(|t| t.join().expect("tab")).collect()
    });
    assert!(answers.iter().all(|(status, _)| *status == 200), "{answers:?}");
    // Whatever each kept, it goes on working after the grace window's start.
    for (_, kept) in &answers {
        let kept = kept.as_deref().expect("a remember cookie");
        assert_eq!(with_remember(&server, kept).get("/dashboard").status, 200);
    }
}

/// The owner's restarted browser, holding only the copied (now retired) cookie, logs in
/// with the password: the copy's login ends.
#[test]
fn a_password_login_with_a_retired_cookie_logs_the_copy_out() {
    let server = server(1);
    let copied = remembered_login(&server);
    let mut thief = with_remember(&server, &copied);
    assert_eq!(thief.get("/dashboard").status, 200, "the copy restores first");
    std::thread::sleep(Duration::from_millis(2_100));
    let mut owner = with_remember(&server, &copied);
    assert_eq!(owner.login("alice", "wonderland", Some("on")).location, "/");
    assert_eq!(thief.get("/dashboard").status, 302, "the copy's login ended");
    assert_eq!(owner.get("/dashboard").status, 200);
}
