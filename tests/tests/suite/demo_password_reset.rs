//! The demo's account recovery over real HTTP: `/password/forgot` answers the same
//! whatever the name and mails a link through the outbox; `/password/reset` sets the
//! password once with it and ends every login of the user; the link dies at use, at a
//! login, at a password change and at its expiry; asking for links is throttled with
//! counters of its own.

use std::{path::PathBuf, time::Duration};

use login_examples::settings::{SessionStoreKind, Settings};
use login_tests::demo::{isolated_settings, Browser, DemoServer};

/// A demo with an outbox of its own; the directory is removed on drop.
struct Demo {
    server: DemoServer,
    outbox: PathBuf,
}

impl Drop for Demo {
    fn drop(&mut self) {
        self.server.stop();
        let _ = std::fs::remove_dir_all(&self.outbox);
    }
}

fn demo_with(change: impl FnOnce(&mut Settings)) -> Demo {
    let outbox = std::env::temp_dir().join(format!("demo-outbox-{}", login_actix::registry::LoginId::random()));
    let mut settings = isolated_settings(SessionStoreKind::Cookie, None);
    settings.outbox = Some(outbox.clone());
    change(&mut settings);
    Demo { server: DemoServer::start(settings).expect("demo starts"), outbox }
}

fn demo() -> Demo {
    demo_with(|_| {})
}

/// The messages in the outbox so far, oldest first, as text.
fn messages(demo: &Demo) -> Vec<String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(&demo.outbox)
        .map(|dir| {
            dir.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "txt")).collect()
        })
        .unwrap_or_default();
    files.sort();
    files.iter().map(|p| std::fs::read_to_string(p).expect("readable message")).collect()
}

/// The reset link's path (`/password/reset?token=...`) in a message.
fn link(message: &str) -> String {
    let start = message.find("/password/reset?token=").expect("a reset link in the message");
    message[start..].split_whitespace().next().expect("link").to_owned()
}

fn token(link: &str) -> String {
    link.split_once("token=").expect("token").1.to_owned()
}

/// The first `n` messages, once the outbox's thread has written them (it writes after
/// the answer, in the order queued); panics after ten seconds without them.
fn wait_messages(demo: &Demo, n: usize) -> Vec<String> {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let sent = messages(demo);
        if sent.len() >= n {
            return sent;
        }
        assert!(std::time::Instant::now() < deadline, "{n} messages expected, {} written", sent.len());
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Asks for a link for `username` and returns the link of the message it queued.
fn ask_link(demo: &Demo, username: &str) -> String {
    let before = messages(demo).len();
    let mut b = Browser::new(demo.server.addr);
    assert_eq!(b.post("/password/forgot", &[("username", username)]).status, 200);
    let sent = wait_messages(demo, before + 1);
    assert!(sent[before].starts_with(&format!("To: {username}\n")), "the next message is {username}'s");
    link(&sent[before])
}

#[test]
fn the_forgot_page_answers_the_same_whether_or_not_the_account_exists() {
    let demo = demo();
    let mut b = Browser::new(demo.server.addr);
    let page = b.get("/password/forgot");
    assert_eq!(page.status, 200);
    assert!(page.body.contains(r#"name="username""#) && page.body.contains(r#"action="/password/forgot""#));
    let known = b.post("/password/forgot", &[("username", "alice")]);
    let unknown = b.post("/password/forgot", &[("username", "mallory")]);
    assert_eq!((known.status, unknown.status), (200, 200));
    assert_eq!(known.body, unknown.body, "the answer tells nothing about the account");
    assert_eq!(known.set_cookies.len(), unknown.set_cookies.len());
    // The outbox writes in order: with bob's message written, any for mallory would be too.
    assert_eq!(b.post("/password/forgot", &[("username", "bob")]).status, 200);
    let sent = wait_messages(&demo, 2);
    assert_eq!(sent.len(), 2, "no message for the unknown name");
    assert!(sent[1].starts_with("To: bob\n"), "{}", sent[1]);
    let mut lines = sent[0].lines();
    assert_eq!(lines.next(), Some("To: alice"));
    assert!(lines.next().is_some_and(|l| l.starts_with("Subject: ")));
    assert_eq!(lines.next(), Some(""));
    assert!(link(&sent[0]).starts_with("/password/reset?token="));
}

#[test]
fn a_deactivated_user_gets_no_message_and_the_same_page() {
    let demo = demo();
    let mut admin = Browser::new(demo.server.addr);
    assert_eq!(admin.login("alice", "wonderland", None).status, 303);
    assert_eq!(admin.post("/admin/users/bob/deactivate", &[]).status, 303);
    let mut b = Browser::new(demo.server.addr);
    let bob = b.post("/password/forgot", &[("username", "bob")]);
    let nobody = b.post("/password/forgot", &[("username", "nobody")]);
    assert_eq!((bob.status, bob.body), (200, nobody.body));
    ask_link(&demo, "alice");
    assert_eq!(messages(&demo).len(), 1, "alice's is the only message: none for a deactivated account");
}

#[test]
fn a_reset_sets_the_password_ends_every_login_and_does_not_log_in() {
    let demo = demo();
    let addr = demo.server.addr;
    let mut laptop = Browser::new(addr);
    assert_eq!(laptop.login("alice", "wonderland", Some("on")).status, 303);
    let remember_only = laptop.jar.get("_remember").expect("remember").to_owned();
    let link = ask_link(&demo, "alice");

    let mut b = Browser::new(addr);
    let form = b.get(&link);
    assert_eq!(form.status, 200);
    assert!(form.body.contains(r#"name="new_password""#));
    assert!(form.body.contains(&format!(r#"name="token" value="{}""#, token(&link))));
    let r = b.post("/password/reset", &[("token", &token(&link)), ("new_password", "looking-glass")]);
    assert_eq!((r.status, r.location.as_str()), (303, "/login"));
    assert_eq!(b.get("/dashboard").status, 302, "a reset logs nobody in");

    assert_eq!(laptop.get("/dashboard").status, 302, "the laptop's session ended");
    let mut restored = Browser::new(addr);
    restored.jar.set("_remember", &remember_only);
    assert_eq!(restored.get("/dashboard").status, 302, "the remember cookie ended");

    let mut fresh = Browser::new(addr);
    assert_eq!(fresh.login("alice", "wonderland", None).location, "/login?error=1", "the old password is gone");
    assert_eq!(fresh.login("alice", "looking-glass", None).location, "/");

    // Used: dead for the form and for the post.
    assert_eq!(Browser::new(addr).get(&link).status, 400);
    let again = Browser::new(addr).post("/password/reset", &[("token", &token(&link)), ("new_password", "x")]);
    assert_eq!(again.status, 400);
    assert_eq!(Browser::new(addr).login("alice", "x", None).location, "/login?error=1");
}

#[test]
fn an_empty_new_password_is_refused_and_the_link_keeps_working() {
    let demo = demo();
    let link = ask_link(&demo, "bob");
    let mut b = Browser::new(demo.server.addr);
    let r = b.post("/password/reset", &[("token", &token(&link)), ("new_password", "")]);
    assert_eq!(r.status, 400);
    assert_eq!(b.get(&link).status, 200, "the link still works");
    assert_eq!(Browser::new(demo.server.addr).login("bob", "builder", None).location, "/", "nothing changed");
}

#[test]
fn blank_garbled_and_forged_tokens_are_refused() {
    let demo = demo();
    let good = token(&ask_link(&demo, "bob"));
    let (claims, tag) = good.split_once('.').expect("claims.tag");
    let mut forged_tag = tag.to_owned();
    forged_tag.replace_range(0..1, if tag.starts_with('A') { "B" } else { "A" });
    // Claims naming alice with bob's tag.
    let alice_claims = {
        use base64::Engine as _;
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let json = String::from_utf8(engine.decode(claims).expect("base64")).expect("json");
        engine.encode(json.replacen(r#""uid":2"#, r#""uid":1"#, 1))
    };
    let mut b = Browser::new(demo.server.addr);
    for bad in ["", ".", "garbage", "%00", &format!("{claims}.{forged_tag}"), &format!("{alice_claims}.{tag}"), claims]
    {
        assert_eq!(b.get(&format!("/password/reset?token={bad}")).status, 400, "{bad:?}");
        let r = b.post("/password/reset", &[("token", bad), ("new_password", "owned")]);
        assert_eq!(r.status, 400, "{bad:?}");
    }
    assert_eq!(b.get("/password/reset").status, 400, "no token at all");
    assert_eq!(Browser::new(demo.server.addr).login("alice", "wonderland", None).location, "/");
    assert_eq!(Browser::new(demo.server.addr).login("bob", "builder", None).location, "/");
}

#[test]
fn a_completed_login_kills_the_link() {
    let demo = demo();
    let link = ask_link(&demo, "bob");
    assert_eq!(Browser::new(demo.server.addr).login("bob", "builder", None).status, 303);
    assert_eq!(Browser::new(demo.server.addr).get(&link).status, 400);
}

#[test]
fn a_failed_login_leaves_the_link_alive() {
    let demo = demo();
    let link = ask_link(&demo, "bob");
    assert_eq!(Browser::new(demo.server.addr).login("bob", "wrong", None).location, "/login?error=1");
    assert_eq!(Browser::new(demo.server.addr).get(&link).status, 200);
}

#[test]
fn a_password_change_kills_the_link() {
    let demo = demo();
    let link = ask_link(&demo, "bob");
    let mut b = Browser::new(demo.server.addr);
    b.login("bob", "builder", None);
    // The login itself already kills it; a newer link dies with the password change.
    let newer = ask_link(&demo, "bob");
    assert_eq!(Browser::new(demo.server.addr).get(&newer).status, 200);
    let r = b.post("/settings/password", &[("current_password", "builder"), ("new_password", "bricks")]);
    assert_eq!(r.location, "/settings?changed=1");
    assert_eq!(Browser::new(demo.server.addr).get(&newer).status, 400);
    assert_eq!(Browser::new(demo.server.addr).get(&link).status, 400);
}

#[test]
fn a_link_expires_after_the_reset_timeout() {
    let demo = demo_with(|s| s.reset_timeout = Duration::from_secs(1));
    let link = ask_link(&demo, "bob");
    assert_eq!(Browser::new(demo.server.addr).get(&link).status, 200);
    // Past the timeout (and the verifier's few seconds of leeway for clock skew).
    std::thread::sleep(Duration::from_millis(2_100));
    let r =
        Browser::new(demo.server.addr).post("/password/reset", &[("token", &token(&link)), ("new_password", "late")]);
    assert_eq!(r.status, 400);
    assert_eq!(Browser::new(demo.server.addr).login("bob", "builder", None).location, "/");
}

#[test]
fn asking_for_links_is_throttled_with_counters_of_its_own() {
    let demo = demo();
    let mut b = Browser::new(demo.server.addr);
    for _ in 0..5 {
        assert_eq!(b.post("/password/forgot", &[("username", "alice")]).status, 200);
    }
    let over = b.post("/password/forgot", &[("username", "alice")]);
    assert_eq!(over.status, 429, "every request counts, none resets the count");
    assert!(over.body.contains("retry-after"), "the same 429 page as /login");
    wait_messages(&demo, 5);
    ask_link(&demo, "bob");
    let sent = messages(&demo);
    assert_eq!(sent.len(), 6, "the throttled request wrote no message before bob's");
    for _ in 0..5 {
        assert_eq!(b.post("/password/forgot", &[("username", "mallory")]).status, 200);
    }
    assert_eq!(b.post("/password/forgot", &[("username", "mallory")]).status, 429, "the same for unknown names");
    // Logins have counters of their own: alice logs in from the same address.
    assert_eq!(b.login("alice", "wonderland", None).location, "/");
}

/// Asks for a link for `username` from client address `ip` (the demo trusts its proxy).
fn forgot_from(b: &mut Browser, ip: &str, username: &str) -> u16 {
    let req = b.client().post(b.url("/password/forgot")).header("x-forwarded-for", ip).form(&[("username", username)]);
    b.send(req).status
}

/// Asking for links for one account from many addresses stops at the per-account limit
/// (the login's account counter is another: the owner still logs in).
#[test]
fn reset_links_for_one_account_stop_at_the_per_account_limit() {
    let demo = demo_with(|s| {
        s.trust_proxy = true;
        s.account_attempts = 3;
    });
    let mut b = Browser::new(demo.server.addr);
    let statuses: Vec<u16> = (0..4)
        .flat_map(|i| [format!("198.51.100.{i}"), format!("198.51.100.{i}")])
        .map(|ip| forgot_from(&mut b, &ip, "alice"))
        .collect();
    assert_eq!(statuses, [200, 200, 200, 429, 429, 429, 429, 429], "three requests from any addresses, then 429");
    assert_eq!(forgot_from(&mut b, "203.0.113.9", "bob"), 200, "other accounts are not limited by alice's");
    let sent = wait_messages(&demo, 4);
    assert_eq!(sent.len(), 4, "three links for alice, one for bob");
    assert!(sent[3].starts_with("To: bob\n"));
    assert_eq!(b.login("alice", "wonderland", None).location, "/", "logins count apart");
}

/// The answer for an existing account takes no measurably longer than for an unknown
/// name: both look the name up and make a token; a message only joins the outbox's
/// queue. Medians of 400 interleaved rounds, from 200 client addresses (the demo trusts
/// its proxy), within 5 % of each other.
#[test]
fn the_forgot_answer_takes_as_long_for_an_unknown_name() {
    let demo = demo_with(|s| {
        s.trust_proxy = true;
        s.account_attempts = 1_000;
    });
    let mut b = Browser::new(demo.server.addr);
    b.get("/healthz");
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for round in 0..400 {
        let ip = format!("198.51.100.{}", round % 200);
        for (name, times) in [("alice", &mut known), (&*format!("nobody-{round}"), &mut unknown)] {
            let start = std::time::Instant::now();
            assert_eq!(forgot_from(&mut b, &ip, name), 200);
            times.push(start.elapsed());
        }
    }
    known.sort();
    unknown.sort();
    let (k, u) = (known[200], unknown[200]);
    println!("forgot medians over 400 rounds: existing account {k:?}, unknown name {u:?}");
    let gap = k.abs_diff(u);
    assert!(gap * 20 <= u, "median for an existing account {k:?} against {u:?} for an unknown name");
    assert_eq!(wait_messages(&demo, 400).len(), 400, "every request for alice queued her a link");
}

#[test]
fn of_two_resets_at_once_with_one_link_one_wins() {
    let demo = demo();
    let token = token(&ask_link(&demo, "bob"));
    let addr = demo.server.addr;
    let handles: Vec<_> = ["first-pass", "second-pass"]
        .into_iter()
        .map(|pw| {
            let token = token.clone();
            std::thread::spawn(move || {
                Browser::new(addr).post("/password/reset", &[("token", &token), ("new_password", pw)]).status
            })
        })
        .collect();
    let mut statuses: Vec<u16> = handles.into_iter().map(|h| h.join().expect("thread")).collect();
    statuses.sort();
    assert_eq!(statuses, vec![303, 400]);
    let ok = ["first-pass", "second-pass"]
        .iter()
        .filter(|pw| Browser::new(addr).login("bob", pw, None).location == "/")
        .count();
    assert_eq!(ok, 1);
}

#[test]
fn the_forgot_answer_is_alike_and_bad_reset_input_is_never_a_server_error() {
    let demo = demo();
    let mut b = Browser::new(demo.server.addr);
    let known = b.post("/password/forgot", &[("username", "alice")]);
    let unknown = b.post("/password/forgot", &[("username", "zed")]);
    let inactive_like = b.post("/password/forgot", &[("username", " alice ")]);
    assert_eq!((known.status, unknown.status, inactive_like.status), (200, 200, 200));
    assert_eq!(known.body, unknown.body);
    assert_eq!(known.set_cookies, unknown.set_cookies);
    assert_eq!(known.content_type, unknown.content_type);
    for path in [
        "/password/reset",
        "/password/reset?token=",
        "/password/reset?token=.",
        "/password/reset?token=%FF%FE",
        "/password/reset?token=a&token=b",
        "/password/reset?token=eyJ1aWQiOi0xLCJpYXQiOjF9.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "/password/reset?token=eyJ1aWQiOiJhIiwiaWF0IjoxfQ.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ] {
        let s = b.get(path).status;
        assert!((400..500).contains(&s), "{path}: {s}");
    }
    let big = "A".repeat(100_000);
    for form in [vec![("token", "")], vec![("new_password", "x")], vec![("token", big.as_str()), ("new_password", "x")]]
    {
        let s = b.post("/password/reset", &form).status;
        assert!((400..500).contains(&s), "{form:?}: {s}");
    }
    let s = b.post("/password/forgot", &[("username", big.as_str())]).status;
    assert!(s < 500, "{s}");
}

#[test]
fn a_link_dies_at_logout_everywhere_and_resets_only_its_own_user() {
    let demo = demo();
    let addr = demo.server.addr;
    let link = ask_link(&demo, "alice");
    let mut b = Browser::new(addr);
    assert_eq!(b.login("alice", "wonderland", Some("on")).location, "/");
    assert_eq!(Browser::new(addr).get(&link).status, 400);
    let link = ask_link(&demo, "alice");
    assert_eq!(b.post("/logout/all", &[]).status, 303);
    assert_eq!(Browser::new(addr).get(&link).status, 400);
    // A token for alice cannot reset bob, whatever the form says.
    let link = ask_link(&demo, "alice");
    let r =
        Browser::new(addr).post("/password/reset", &[("token", &token(&link)), ("new_password", "p"), ("user", "bob")]);
    assert_eq!(r.status, 303);
    assert_eq!(Browser::new(addr).login("bob", "builder", None).location, "/");
}
