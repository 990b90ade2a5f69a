//! The demo's contract over real HTTP: a real `HttpServer` on a free loopback port and
//! a cookie-keeping client. Login, next, remember, fresh, logout, password change,
//! account deletion, log out everywhere, the API's 401.

use login_examples::settings::SessionStoreKind;
use login_tests::demo::{isolated_settings, Browser, DemoServer};

fn server() -> DemoServer {
    DemoServer::start(isolated_settings(SessionStoreKind::Cookie, None)).expect("demo starts")
}

#[test]
fn health_home_and_login_page() {
    let server = server();
    let mut b = Browser::new(server.addr);
    let r = b.get("/healthz");
    assert_eq!((r.status, r.body.as_str()), (200, "ok"));
    let r = b.get("/");
    assert_eq!(r.status, 200);
    assert!(r.body.contains("anonymous"));
    let r = b.get("/login?next=%2Fdashboard%22%3E%3Cscript%3E");
    assert_eq!(r.status, 200);
    for field in [r#"name="username""#, r#"name="password""#, r#"name="remember""#, r#"type="checkbox""#] {
        assert!(r.body.contains(field), "{field} missing");
    }
    assert!(r.body.contains(r#"name="next" value="/dashboard&quot;&gt;&lt;script&gt;""#), "{}", r.body);
}

#[test]
fn login_with_next_then_logout() {
    let server = server();
    let mut b = Browser::new(server.addr);
    let r = b.get("/dashboard?tab=1");
    assert_eq!(r.status, 302);
    assert_eq!(r.location, "/login?next=%2Fdashboard%3Ftab%3D1");

    // Wrong password: not logged in, back to the form with an error and the same next.
    let r = b.post("/login", &[("username", "alice"), ("password", "nope"), ("next", "/dashboard?tab=1")]);
    assert_eq!(r.status, 303);
    assert_eq!(r.location, "/login?error=1&next=%2Fdashboard%3Ftab%3D1");
    assert!(b.get("/login?error=1").body.contains("Wrong username or password"));
    assert_eq!(b.get("/dashboard").status, 302);

    let r = b.post("/login", &[("username", "alice"), ("password", "wonderland"), ("next", "/dashboard?tab=1")]);
    assert_eq!(r.status, 303);
    assert_eq!(r.location, "/dashboard?tab=1");
    let session = r.cookie_lines("id");
    assert_eq!(session.len(), 1);
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(session[0].contains(attr), "{attr}: {}", session[0]);
    }
    assert!(!session[0].contains("Domain"));
    let r = b.get("/dashboard");
    assert_eq!(r.status, 200);
    assert!(r.body.contains("hi alice"));
    assert!(b.get("/").body.contains("alice"));

    let copy = b.jar.clone();
    let r = b.post("/logout", &[]);
    assert_eq!((r.status, r.location.as_str()), (303, "/"));
    assert_eq!(b.get("/dashboard").status, 302);
    assert!(b.get("/").body.contains("anonymous"));
    // The old session cookie, replayed, is anonymous.
    let mut replay = Browser::new(server.addr);
    replay.jar = copy;
    assert_eq!(replay.get("/dashboard").status, 302);
}

#[test]
fn unsafe_next_goes_home() {
    let server = server();
    for next in ["//evil.example/", "https://evil.example/", "/\\evil.example", "/ok\r\nX: y", "javascript:alert(1)"] {
        let mut b = Browser::new(server.addr);
        let r = b.post("/login", &[("username", "bob"), ("password", "builder"), ("next", next)]);
        assert_eq!(r.status, 303, "{next:?}");
        assert_eq!(r.location, "/", "{next:?}");
    }
    // From the query string too, when the form has none.
    let mut b = Browser::new(server.addr);
    let r = b.post("/login?next=%2F%2Fevil.example", &[("username", "bob"), ("password", "builder")]);
    assert_eq!(r.location, "/");
    let mut b = Browser::new(server.addr);
    let r = b.post("/login?next=%2Fsettings", &[("username", "bob"), ("password", "builder")]);
    assert_eq!(r.location, "/settings");
}

#[test]
fn remember_me_survives_a_browser_restart_but_is_not_fresh() {
    let server = server();
    let mut b = Browser::new(server.addr);
    let r = b.login("alice", "wonderland", Some("on"));
    let remember = r.cookie_lines("_remember");
    assert_eq!(remember.len(), 1);
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=2592000"] {
        assert!(remember[0].contains(attr), "{attr}: {}", remember[0]);
    }
    let token = b.jar.get("_remember").expect("set").to_owned();
    assert_eq!(token.split('.').count(), 3, "a compact JWT");
    assert!(b.get("/settings").body.contains("settings"));

    b.jar.remove("id"); // the browser closed
    let r = b.get("/dashboard");
    assert_eq!(r.status, 200);
    assert!(r.body.contains("hi alice"));
    let r = b.get("/settings");
    assert_eq!((r.status, r.location.as_str()), (302, "/login?next=%2Fsettings"));
    let r = b.post("/settings/password", &[("new_password", "x")]);
    assert_eq!(r.status, 302);
    let r = b.post("/account/delete", &[]);
    assert_eq!(r.status, 302);

    // Typing the password again makes it fresh.
    let r = b.post("/login", &[("username", "alice"), ("password", "wonderland"), ("next", "/settings")]);
    assert_eq!(r.location, "/settings");
    assert_eq!(b.get("/settings").status, 200);

    // N days.
    let mut c = Browser::new(server.addr);
    let r = c.login("bob", "builder", Some("7"));
    assert!(r.cookie_lines("_remember")[0].contains("Max-Age=604800"));
    let mut d = Browser::new(server.addr);
    let r = d.login("bob", "builder", Some("false"));
    assert!(r.cookie_lines("_remember").is_empty());
}

#[test]
fn logout_deletes_the_remember_cookie_and_revokes_copies() {
    let server = server();
    let mut b = Browser::new(server.addr);
    b.login("alice", "wonderland", Some("on"));
    let copy = b.jar.clone();
    let r = b.post("/logout", &[]);
    let deleted = r.cookie_lines("_remember");
    assert_eq!(deleted.len(), 1);
    for attr in ["Max-Age=0", "Path=/", "HttpOnly", "SameSite=Lax"] {
        assert!(deleted[0].contains(attr), "{attr}: {}", deleted[0]);
    }
    b.jar.remove("id");
    assert_eq!(b.get("/dashboard").status, 302);
    let mut replay = Browser::new(server.addr);
    replay.jar = copy.without("id");
    assert_eq!(replay.get("/dashboard").status, 302, "copied remember cookie still works");
}

#[test]
fn password_change_logs_out_every_other_session() {
    let server = server();
    let mut a = Browser::new(server.addr);
    let mut b = Browser::new(server.addr);
    a.login("alice", "wonderland", Some("on"));
    b.login("alice", "wonderland", None);
    let mut a_remember = Browser::new(server.addr);
    a_remember.jar = a.jar.without("id");

    let r = b.post("/settings/password", &[("current_password", "wonderland"), ("new_password", "looking-glass")]);
    assert_eq!(r.status, 303);
    assert_eq!(r.location, "/settings?changed=1");
    assert!(b.get("/settings?changed=1").body.contains("Password changed"));
    assert_eq!(b.get("/dashboard").status, 200, "this session stays");
    assert_eq!(a.get("/dashboard").status, 302, "other session still works");
    assert_eq!(a_remember.get("/dashboard").status, 302, "remember cookie still works");

    let mut c = Browser::new(server.addr);
    assert_eq!(c.login("alice", "wonderland", None).location, "/login?error=1");
    assert_eq!(c.login("alice", "looking-glass", None).location, "/");
}

#[test]
fn logout_everywhere_ends_all_sessions() {
    let server = server();
    let mut a = Browser::new(server.addr);
    let mut b = Browser::new(server.addr);
    a.login("bob", "builder", Some("on"));
    b.login("bob", "builder", None);
    let r = b.post("/logout/all", &[]);
    assert_eq!((r.status, r.location.as_str()), (303, "/"));
    assert_eq!(b.get("/dashboard").status, 302);
    assert_eq!(a.get("/dashboard").status, 302);
    a.jar.remove("id");
    assert_eq!(a.get("/dashboard").status, 302);
    // Anonymous: the route needs a login.
    assert_eq!(Browser::new(server.addr).post("/logout/all", &[]).status, 302);
}

#[test]
fn account_deletion_ends_all_sessions_without_errors() {
    let server = server();
    let mut a = Browser::new(server.addr);
    let mut b = Browser::new(server.addr);
    a.login("bob", "builder", Some("on"));
    b.login("bob", "builder", None);
    let r = b.post("/account/delete", &[]);
    assert_eq!((r.status, r.location.as_str()), (303, "/"));
    for path in ["/dashboard", "/", "/api/me"] {
        let r = a.get(path);
        assert!(r.status < 500, "{path}: {}", r.status);
    }
    assert_eq!(a.get("/dashboard").status, 302);
    a.jar.remove("id");
    assert_eq!(a.get("/dashboard").status, 302);
    assert_eq!(b.get("/dashboard").status, 302);
    assert_eq!(Browser::new(server.addr).login("bob", "builder", None).location, "/login?error=1");
}

#[test]
fn api_answers_json_and_401() {
    let server = server();
    let mut b = Browser::new(server.addr);
    let r = b.get("/api/me");
    assert_eq!(r.status, 401);
    assert!(r.location.is_empty());
    assert!(r.content_type.starts_with("application/json"));
    b.login("alice", "wonderland", None);
    let r = b.get("/api/me");
    assert_eq!(r.status, 200);
    let json: serde_json::Value = serde_json::from_str(&r.body).expect("json");
    assert_eq!(json["username"], "alice");
    assert!(json["id"].is_i64());
}

#[test]
fn garbage_input_never_gives_a_500() {
    let server = server();
    let mut b = Browser::new(server.addr);
    b.jar.set("id", "garbage%%%");
    b.jar.set("_remember", "eyJhbGciOiJub25lIn0.eyJ1aWQiOjF9.");
    for path in ["/", "/dashboard", "/settings", "/api/me", "/login?next=%FF%FE", "/dashboard?%00=%0D%0A"] {
        let r = b.get(path);
        assert!(r.status < 500, "{path}: {}", r.status);
    }
    let r = b.post(
        "/login",
        &[("username", "\u{0}"), ("password", &"x".repeat(10_000)), ("remember", "99999999999999999999")],
    );
    assert_eq!(r.status, 303);
    let r = b.post("/login", &[]);
    assert_eq!(r.status, 303);
}

/// Over HTTP: login CSRF and a sibling subdomain's post.
#[test]
fn cross_origin_posts_are_refused_before_anything_runs() {
    let server = server();
    let host = server.addr.to_string();
    let mut victim = Browser::new(server.addr);
    let post = |b: &mut Browser, path: &str, headers: &[(&str, &str)], form: &[(&str, &str)]| {
        let body: String = form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
        let mut req =
            b.client().post(b.url(path)).header("content-type", "application/x-www-form-urlencoded").body(body);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        b.send(req)
    };
    // The attacker's credentials, posted from another site into the victim's browser.
    let evil = [("origin", "https://evil.example"), ("sec-fetch-site", "cross-site")];
    let r = post(&mut victim, "/login", &evil, &[("username", "bob"), ("password", "builder")]);
    assert_eq!(r.status, 403);
    assert!(r.set_cookies.is_empty(), "no login cookie set: {:?}", r.set_cookies);
    let r = post(
        &mut victim,
        "/login",
        &[("origin", "https://evil.example")],
        &[("username", "bob"), ("password", "builder")],
    );
    assert_eq!(r.status, 403, "Origin alone, without Sec-Fetch-Site");
    // The victim logs in on the site itself (same-origin form post).
    let own_origin = format!("http://{host}");
    let own = [("origin", own_origin.as_str()), ("sec-fetch-site", "same-origin")];
    let r = post(&mut victim, "/login", &own, &[("username", "alice"), ("password", "wonderland")]);
    assert_eq!(r.status, 303);
    // A sibling subdomain posts the account deletion with the victim's cookies.
    let sibling = [("origin", "http://blog.localhost"), ("sec-fetch-site", "same-site")];
    assert_eq!(post(&mut victim, "/account/delete", &sibling, &[]).status, 403);
    assert_eq!(post(&mut victim, "/logout", &sibling, &[]).status, 403);
    assert_eq!(victim.get("/dashboard").status, 200, "still logged in, account still there");
}

/// The demo's throttle answers with a 429 page, and its password change asks for the
/// current password.
#[test]
fn throttled_logins_get_a_429_page_and_password_changes_need_the_current_password() {
    let server = server();
    let mut b = Browser::new(server.addr);
    for _ in 0..5 {
        assert_eq!(b.login("alice", "guess", None).status, 303);
    }
    let r = b.login("alice", "wonderland", None);
    assert_eq!(r.status, 429, "the right password while throttled");
    assert!(r.content_type.starts_with("text/html"));
    assert!(r.body.contains("Try again in 15 minutes"), "{}", r.body);
    assert!(r.cookie_lines("id").is_empty());

    let mut bob = Browser::new(server.addr);
    assert_eq!(bob.login("bob", "builder", None).status, 303);
    let r = bob.post("/settings/password", &[("current_password", "wrong"), ("new_password", "hacked")]);
    assert_eq!((r.status, r.location.as_str()), (303, "/settings?error=current"));
    assert!(bob.get("/settings?error=current").body.contains("current password is wrong"));
    let r = bob.post("/settings/password", &[("new_password", "hacked")]);
    assert_eq!(r.location, "/settings?error=current", "a missing current password");
    assert_eq!(Browser::new(server.addr).login("bob", "hacked", None).location, "/login?error=1", "nothing changed");
    assert_eq!(Browser::new(server.addr).login("bob", "builder", None).location, "/");
}
