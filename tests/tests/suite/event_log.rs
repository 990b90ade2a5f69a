//! Every login event writes its log line in one place: the user id and the path where
//! known, never a cookie value or a token.

use std::{
    io::Write,
    sync::{Arc, Mutex},
};

use login_tests::{
    routes::{dashboard, get, login, login_req, logout},
    send, test_app, Harness, Jar,
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
    fn lines(&self) -> Vec<String> {
        let text = String::from_utf8(self.0.lock().expect("log buffer").clone()).expect("utf-8 log");
        text.lines().map(str::to_owned).collect()
    }
}

#[actix_rt::test]
async fn each_login_event_is_logged_once_with_its_user_and_no_cookie_value() {
    let log = Captured::default();
    let writer = log.clone();
    let subscriber =
        tracing_subscriber::fmt().with_writer(move || writer.clone()).with_ansi(false).without_time().finish();
    let _guard = tracing::subscriber::set_default(subscriber);
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
