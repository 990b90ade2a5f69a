//! The demo's admin features over real HTTP: the admin pages and API
//! (permissions), personal access tokens on `/api/*`, deactivation, and the activity log.

use login_examples::settings::SessionStoreKind;
use login_tests::demo::{isolated_settings, Browser, DemoServer};

fn server() -> DemoServer {
    DemoServer::start(isolated_settings(SessionStoreKind::Cookie, None)).expect("demo starts")
}

fn logged_in(server: &DemoServer, user: &str, password: &str) -> Browser {
    let mut b = Browser::new(server.addr);
    assert_eq!(b.login(user, password, None).status, 303);
    b
}

fn with_bearer(b: &mut Browser, path: &str, token: &str) -> login_tests::demo::Reply {
    let req = b.client().get(b.url(path)).header("authorization", format!("Bearer {token}"));
    b.send(req)
}

#[test]
fn admin_pages_need_the_admin_permission() {
    let server = server();
    let mut alice = logged_in(&server, "alice", "wonderland");
    let mut bob = logged_in(&server, "bob", "builder");
    let r = alice.get("/admin");
    assert_eq!(r.status, 200);
    assert!(r.body.contains(r#"action="/admin/users/bob/deactivate""#), "{}", r.body);
    let r = bob.get("/admin");
    assert_eq!((r.status, r.location.as_str()), (403, ""), "logged in without admin: 403, not the login page");
    assert_eq!(Browser::new(server.addr).get("/admin").status, 302);

    let r = alice.get("/api/admin/users");
    assert_eq!(r.status, 200);
    let users: Vec<serde_json::Value> = serde_json::from_str(&r.body).expect("json");
    assert!(users.iter().any(|u| u["username"] == "bob" && u["active"] == true && u["id"].is_i64()));
    let r = bob.get("/api/admin/users");
    assert_eq!(r.status, 403);
    assert!(r.content_type.starts_with("application/json"));
    assert_eq!(Browser::new(server.addr).get("/api/admin/users").status, 401);
    // Deactivation needs a fresh login with admin.
    assert_eq!(bob.post("/admin/users/alice/deactivate", &[]).status, 403);
}

#[test]
fn personal_access_tokens_work_on_api_routes_only_and_can_be_revoked() {
    let server = server();
    let mut alice = logged_in(&server, "alice", "wonderland");
    assert_eq!(alice.get("/settings/tokens").status, 200);
    let r = alice.post("/settings/tokens", &[("name", "ci")]);
    assert_eq!(r.status, 200);
    let token = r
        .body
        .split(r#"<pre id="new-token">"#)
        .nth(1)
        .and_then(|rest| rest.split("</pre>").next())
        .expect("the new token, shown once")
        .to_owned();
    assert!(token.starts_with("lat_") && token.len() == 4 + 64, "{token}");
    assert!(!alice.get("/settings/tokens").body.contains(&token), "shown only once");

    let mut client = Browser::new(server.addr); // no cookies at all
    let r = with_bearer(&mut client, "/api/me", &token);
    assert_eq!(r.status, 200);
    assert!(r.set_cookies.is_empty(), "a bearer request sets no cookie: {:?}", r.set_cookies);
    assert!(r.body.contains("alice"));
    assert_eq!(with_bearer(&mut client, "/api/admin/users", &token).status, 200, "alice's token has admin");
    assert_eq!(with_bearer(&mut client, "/dashboard", &token).status, 302, "bearer tokens only on /api/*");
    for bad in ["lat_nope", "", "a b"] {
        assert_eq!(with_bearer(&mut client, "/api/me", bad).status, 401, "{bad:?}");
    }
    // With cookies too: a bad token is 401, not a fall-through to the session.
    assert_eq!(with_bearer(&mut alice, "/api/me", "lat_nope").status, 401);

    let mut bob = logged_in(&server, "bob", "builder");
    let r = bob.post("/settings/tokens", &[("name", "bob's")]);
    let bob_token = r
        .body
        .split(r#"<pre id="new-token">"#)
        .nth(1)
        .and_then(|x| x.split("</pre>").next())
        .expect("token")
        .to_owned();
    assert_eq!(with_bearer(&mut client, "/api/admin/users", &bob_token).status, 403);

    // Revoked: 401 from then on. Bob cannot revoke alice's token.
    let page = alice.get("/settings/tokens").body;
    let id = page.split(r#"data-id=""#).nth(1).and_then(|x| x.split('"').next()).expect("token row").to_owned();
    assert_eq!(bob.post(&format!("/settings/tokens/{id}/revoke"), &[]).status, 303);
    assert_eq!(with_bearer(&mut client, "/api/me", &token).status, 200, "bob revoked nothing of alice's");
    let r = alice.post(&format!("/settings/tokens/{id}/revoke"), &[]);
    assert_eq!((r.status, r.location.as_str()), (303, "/settings/tokens"));
    assert_eq!(with_bearer(&mut client, "/api/me", &token).status, 401);
}

#[test]
fn a_deactivated_user_is_logged_out_and_told_the_account_is_disabled() {
    let server = server();
    let mut alice = logged_in(&server, "alice", "wonderland");
    let mut bob = logged_in(&server, "bob", "builder");
    let mut bob_remembered = Browser::new(server.addr);
    bob_remembered.login("bob", "builder", Some("on"));
    bob_remembered.jar.remove("id");
    assert_eq!(bob.get("/dashboard").status, 200);

    let r = alice.post("/admin/users/bob/deactivate", &[]);
    assert_eq!((r.status, r.location.as_str()), (303, "/admin"));
    assert!(alice.get("/admin").body.contains("disabled"));
    assert_eq!(bob.get("/dashboard").status, 302, "the live login ended");
    assert_eq!(bob_remembered.get("/dashboard").status, 302, "the remember cookie too");
    let mut again = Browser::new(server.addr);
    let r = again.login("bob", "builder", None);
    assert_eq!(r.location, "/login?error=disabled");
    assert!(again.get("/login?error=disabled").body.contains("This account is disabled"));
    assert!(again.jar.get("id").is_none() || again.get("/dashboard").status == 302);
    // A wrong password says nothing about the account.
    assert_eq!(Browser::new(server.addr).login("bob", "wrong", None).location, "/login?error=1");

    assert_eq!(alice.post("/admin/users/bob/reactivate", &[]).status, 303);
    assert_eq!(Browser::new(server.addr).login("bob", "builder", None).location, "/");
}

#[test]
fn the_activity_log_lists_the_users_events_newest_first() {
    let server = server();
    let mut b = Browser::new(server.addr);
    b.login("bob", "builder", Some("on"));
    let mut restored = Browser::new(server.addr);
    restored.jar = b.jar.without("id");
    assert_eq!(restored.get("/dashboard").status, 200);
    assert_eq!(restored.post("/logout", &[]).status, 303);
    let mut b = logged_in(&server, "bob", "builder");
    // The log is written off the request; poll it, bounded.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let body = loop {
        let r = b.get("/settings/activity");
        assert_eq!(r.status, 200);
        if r.body.matches("<li").count() >= 4 || std::time::Instant::now() > deadline {
            break r.body;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let kinds: Vec<&str> = body.split(r#"data-kind=""#).skip(1).filter_map(|x| x.split('"').next()).collect();
    assert_eq!(kinds, ["logged_in", "logged_out", "restored_from_remember_cookie", "logged_in"], "{body}");
    assert!(!Browser::new(server.addr).get("/settings/activity").body.contains("data-kind"), "needs a login");
}
