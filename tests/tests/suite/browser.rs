//! The demo in a real browser: headless Chromium through WebDriver, with real cookie
//! handling (SameSite, HttpOnly, Secure on localhost, session cookies dropped when the
//! browser closes, persistent cookies kept in the profile).
//!
//! Skipped with a notice when Chromium is not installed; `.ci/run` installs it and sets
//! `LOGIN_REQUIRE_BROWSER=1`.

use std::{path::PathBuf, time::Duration};

use cookie::{Cookie, Expiration, SameSite};
use fantoccini::{Client, Locator};
use login_examples::settings::SessionStoreKind;
use login_tests::{
    browser::{browser, Driver},
    demo::{test_settings, DemoServer},
};

/// Bound on a whole browser test.
const TEST_LIMIT: Duration = Duration::from_secs(240);

fn out_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    dir
}

fn profile(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("login-browser-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("profile folder");
    dir
}

/// The demo with its default (Secure) cookies, reached as http://localhost:<port>, which
/// browsers treat as a secure context.
fn demo() -> (DemoServer, String) {
    let mut settings = test_settings(SessionStoreKind::Cookie, None);
    settings.secure_cookies = true;
    let server = DemoServer::start(settings).expect("demo starts");
    let base = format!("http://localhost:{}", server.addr.port());
    (server, base)
}

async fn screenshot(client: &Client, name: &str) {
    let png = client.screenshot().await.expect("screenshot");
    assert!(png.starts_with(b"\x89PNG"), "not a PNG");
    std::fs::write(out_dir().join(format!("{name}.png")), png).expect("screenshot written");
}

async fn path(client: &Client) -> String {
    let url = client.current_url().await.expect("url");
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    }
}

async fn text(client: &Client, css: &str) -> String {
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .expect(css)
        .text()
        .await
        .expect("text")
}

async fn cookies(client: &Client) -> Vec<Cookie<'static>> {
    client.get_all_cookies().await.expect("cookies")
}

fn find<'a>(jar: &'a [Cookie<'static>], name: &str) -> Option<&'a Cookie<'static>> {
    jar.iter().find(|c| c.name() == name)
}

fn assert_attributes(cookie: &Cookie<'_>) {
    assert_eq!(cookie.http_only(), Some(true), "{} not HttpOnly", cookie.name());
    assert_eq!(cookie.secure(), Some(true), "{} not Secure", cookie.name());
    assert_eq!(cookie.same_site(), Some(SameSite::Lax), "{} not SameSite=Lax", cookie.name());
    assert_eq!(cookie.path(), Some("/"), "{} path", cookie.name());
}

fn is_persistent(cookie: &Cookie<'_>) -> bool {
    matches!(cookie.expires(), Some(Expiration::DateTime(_)))
}

/// Fills and submits the login form on the current page.
async fn submit_login(client: &Client, username: &str, password: &str, remember: bool) {
    let form =
        client.wait().at_most(Duration::from_secs(10)).for_element(Locator::Id("login-username")).await.expect("form");
    form.send_keys(username).await.expect("username");
    client.find(Locator::Id("login-password")).await.expect("password").send_keys(password).await.expect("typed");
    if remember {
        client.find(Locator::Id("login-remember")).await.expect("remember").click().await.expect("ticked");
    }
    client.find(Locator::Id("login-submit")).await.expect("submit").click().await.expect("submitted");
    // The login page has a `main` too: wait until its document is gone (its form's field
    // is stale) before looking at the next page.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while form.tag_name().await.is_ok() {
        assert!(std::time::Instant::now() < deadline, "the login form was not submitted");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    client.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("main")).await.expect("next page");
}

/// Ends the browser (session cookies go with it) and starts it again on the same profile.
async fn restart(driver: &Driver, client: Client, profile: &std::path::Path) -> Client {
    client.close().await.expect("browser closes");
    // The profile lock is released once the old browser has exited; retry briefly.
    let mut last = String::new();
    for _ in 0..20 {
        match driver.open(profile).await {
            Ok(client) => return client,
            Err(e) => last = e,
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("browser did not restart on its profile: {last}");
}

#[cfg_attr(not(has_browser), ignore = "needs chromium and chromedriver on PATH")]
#[tokio::test(flavor = "current_thread")]
async fn login_remember_fresh_and_logout_in_chromium() {
    let (chromium, chromedriver) = browser();
    tokio::time::timeout(TEST_LIMIT, async {
        let (server, base) = demo();
        let driver = Driver::start(&chromium, &chromedriver).expect("chromedriver");
        let profile = profile("main");
        let mut client = driver.open(&profile).await.expect("browser");

        // 1. /dashboard lands on the login form; a wrong password shows an error; the
        //    right one lands on /dashboard.
        client.goto(&format!("{base}/dashboard")).await.expect("goto");
        assert_eq!(path(&client).await, "/login?next=%2Fdashboard");
        submit_login(&client, "alice", "not-the-password", false).await;
        assert!(text(&client, "#error").await.contains("Wrong username or password"));
        assert!(path(&client).await.starts_with("/login?error=1"));
        screenshot(&client, "login-page-error").await;
        assert!(find(&cookies(&client).await, "id").is_none(), "a failed login made a session");
        submit_login(&client, "alice", "wonderland", true).await;
        assert_eq!(path(&client).await, "/dashboard");
        assert_eq!(text(&client, "#greeting").await, "hi alice");
        screenshot(&client, "dashboard").await;

        let jar = cookies(&client).await;
        let session = find(&jar, "id").expect("session cookie");
        let remember = find(&jar, "_remember").expect("remember cookie");
        assert_attributes(session);
        assert_attributes(remember);
        assert!(!is_persistent(session), "the session cookie outlives the browser");
        assert!(is_persistent(remember), "the remember cookie is not persistent");

        // 2. The browser closes and starts again on the same profile: the remember cookie
        //    survived, the session cookie did not; /dashboard opens without a login, and
        //    /settings asks for the password again.
        client = restart(&driver, client, &profile).await;
        client.goto(&format!("{base}/healthz")).await.expect("goto");
        let jar = cookies(&client).await;
        assert!(find(&jar, "_remember").is_some(), "remember cookie lost on restart");
        assert!(find(&jar, "id").is_none(), "session cookie kept across a restart");
        client.goto(&format!("{base}/dashboard")).await.expect("goto");
        assert_eq!(path(&client).await, "/dashboard");
        assert_eq!(text(&client, "#greeting").await, "hi alice");
        client.goto(&format!("{base}/settings")).await.expect("goto");
        assert_eq!(path(&client).await, "/login?next=%2Fsettings");
        assert!(text(&client, "main").await.contains("Enter your password again"));
        screenshot(&client, "login-page-reauthenticate").await;
        submit_login(&client, "alice", "wonderland", false).await;
        assert_eq!(path(&client).await, "/settings");
        assert!(text(&client, "main").await.contains("settings"));

        // 3. Logging out: /dashboard asks for a login, also after a restart.
        client.find(Locator::Id("logout")).await.expect("logout button").click().await.expect("clicked");
        let home = url::Url::parse(&format!("{base}/")).expect("url");
        client.wait().at_most(Duration::from_secs(10)).for_url(&home).await.expect("back home after logout");
        assert_eq!(path(&client).await, "/");
        assert_eq!(text(&client, "#username").await, "anonymous");
        let jar = cookies(&client).await;
        assert!(find(&jar, "_remember").is_none(), "remember cookie kept after logout");
        client.goto(&format!("{base}/dashboard")).await.expect("goto");
        assert_eq!(path(&client).await, "/login?next=%2Fdashboard");
        client = restart(&driver, client, &profile).await;
        client.goto(&format!("{base}/dashboard")).await.expect("goto");
        assert_eq!(path(&client).await, "/login?next=%2Fdashboard");
        client.close().await.expect("closes");
        drop(server);
    })
    .await
    .expect("browser test finished in time");
}

#[cfg_attr(not(has_browser), ignore = "needs chromium and chromedriver on PATH")]
#[tokio::test(flavor = "current_thread")]
async fn password_change_in_one_profile_logs_out_another() {
    let (chromium, chromedriver) = browser();
    tokio::time::timeout(TEST_LIMIT, async {
        let (server, base) = demo();
        let driver = Driver::start(&chromium, &chromedriver).expect("chromedriver");
        let (profile_a, profile_b) = (profile("a"), profile("b"));
        let mut a = driver.open(&profile_a).await.expect("browser A");
        let b = driver.open(&profile_b).await.expect("browser B");
        for client in [&a, &b] {
            client.goto(&format!("{base}/login")).await.expect("goto");
            submit_login(client, "bob", "builder", true).await;
            assert_eq!(path(client).await, "/");
            client.goto(&format!("{base}/dashboard")).await.expect("goto");
            assert_eq!(text(client, "#greeting").await, "hi bob");
        }

        b.goto(&format!("{base}/settings")).await.expect("goto");
        b.find(Locator::Id("current-password")).await.expect("field").send_keys("builder").await.expect("typed");
        b.find(Locator::Id("new-password")).await.expect("field").send_keys("can-we-fix-it").await.expect("typed");
        b.find(Locator::Id("change-password")).await.expect("button").click().await.expect("clicked");
        assert!(text(&b, "#changed").await.contains("Password changed"));
        screenshot(&b, "settings-password-changed").await;
        b.goto(&format!("{base}/dashboard")).await.expect("goto");
        assert_eq!(text(&b, "#greeting").await, "hi bob", "the changing profile stays logged in");

        a.goto(&format!("{base}/dashboard")).await.expect("goto");
        assert_eq!(path(&a).await, "/login?next=%2Fdashboard", "profile A still logged in");
        // Its remember cookie is dead too: after a restart it is still logged out.
        a = restart(&driver, a, &profile_a).await;
        a.goto(&format!("{base}/dashboard")).await.expect("goto");
        assert_eq!(path(&a).await, "/login?next=%2Fdashboard");
        a.close().await.expect("closes");
        b.close().await.expect("closes");
        drop(server);
    })
    .await
    .expect("browser test finished in time");
}

fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("time").as_secs()
}

/// The code of the TOTP step after the current one: the server accepts it for the
/// rest of this step and the two after (one step of drift), and it is always later than
/// any step a code typed before it used.
fn next_step_code(secret: &login_actix::two_factor::TotpSecret) -> String {
    secret.code_at(unix_now() + 30)
}

/// Waits for `locator`, or fails with the page the browser shows instead.
async fn wait_for(client: &Client, locator: Locator<'_>, what: &str) {
    if client.wait().at_most(Duration::from_secs(30)).for_element(locator).await.is_err() {
        let page = client.source().await.unwrap_or_default();
        panic!("{what}: not shown at {}; the page:\n{page}", path(client).await);
    }
}

#[cfg_attr(not(has_browser), ignore = "needs chromium and chromedriver on PATH")]
#[tokio::test(flavor = "current_thread")]
async fn two_factor_enrolment_and_login_in_chromium() {
    let (chromium, chromedriver) = browser();
    tokio::time::timeout(TEST_LIMIT, async {
        let (server, base) = demo();
        let driver = Driver::start(&chromium, &chromedriver).expect("chromedriver");
        let client = driver.open(&profile("two-factor")).await.expect("browser");

        // Enrol: the page shows the secret, its URI and a QR code; a code confirms it.
        client.goto(&format!("{base}/settings/two-factor")).await.expect("goto");
        submit_login(&client, "alice", "wonderland", false).await;
        assert_eq!(path(&client).await, "/settings/two-factor");
        let secret = text(&client, "#totp-secret").await;
        let qr = client.find(Locator::Css("svg#totp-qr")).await.expect("an inline SVG QR code");
        assert!(qr.is_displayed().await.expect("displayed"), "the QR code is shown");
        let uri = client.find(Locator::Css("a#totp-uri")).await.expect("uri").attr("href").await.expect("href");
        assert!(uri.is_some_and(|u| u.starts_with("otpauth://totp/")));
        screenshot(&client, "two-factor-enrolment").await;
        let secret = login_actix::two_factor::TotpSecret::from_base32(&secret).expect("base32");
        let enrol_code = secret.code_at(unix_now());
        client.find(Locator::Id("totp-code")).await.expect("code field").send_keys(&enrol_code).await.expect("typed");
        client.find(Locator::Id("totp-enable")).await.expect("button").click().await.expect("clicked");
        wait_for(&client, Locator::Css("li.recovery-code"), "the recovery codes").await;
        let codes = client.find_all(Locator::Css("li.recovery-code")).await.expect("codes");
        assert_eq!(codes.len(), 10);
        screenshot(&client, "two-factor-recovery-codes").await;

        // Log out, log in again: the password leads to the code step, the code to the page.
        client.goto(&format!("{base}/")).await.expect("goto");
        client.find(Locator::Id("logout")).await.expect("logout").click().await.expect("clicked");
        let home = url::Url::parse(&format!("{base}/")).expect("url");
        client.wait().at_most(Duration::from_secs(10)).for_url(&home).await.expect("home");
        client.goto(&format!("{base}/dashboard")).await.expect("goto");
        submit_login(&client, "alice", "wonderland", true).await;
        assert_eq!(path(&client).await, "/login/two-factor");
        assert!(find(&cookies(&client).await, "_remember").is_none(), "no remember cookie before the code");
        client
            .find(Locator::Id("two-factor-code"))
            .await
            .expect("field")
            .send_keys(&next_step_code(&secret))
            .await
            .expect("typed");
        screenshot(&client, "two-factor-code-step").await;
        client.find(Locator::Id("two-factor-submit")).await.expect("submit").click().await.expect("clicked");
        wait_for(&client, Locator::Id("greeting"), "the dashboard after the code").await;
        assert_eq!(path(&client).await, "/dashboard", "the next kept through the code step");
        let jar = cookies(&client).await;
        assert_attributes(find(&jar, "_remember").expect("remember cookie after the code"));
        assert_attributes(find(&jar, "_device").expect("device cookie"));
        client.close().await.expect("closes");
        drop(server);
    })
    .await
    .expect("browser test finished in time");
}
