//! Debian's Chromium driven through chromedriver (WebDriver), headless, with a profile
//! folder of its own, for the browser tests.
//!
//! Without `chromium` and `chromedriver` the tests that need them are ignored (see
//! `build.rs`); with `LOGIN_REQUIRE_BROWSER=1` (set by `.ci/run`) a missing browser
//! fails the build. Every
//! wait is bounded.

use std::{
    net::{TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use fantoccini::{Client, ClientBuilder};

/// Paths of the browser and its driver, if installed.
pub fn browser_binaries() -> Option<(PathBuf, PathBuf)> {
    let find = |names: &[&str]| {
        let paths = std::env::var_os("PATH")?;
        std::env::split_paths(&paths).flat_map(|dir| names.iter().map(move |n| dir.join(n))).find(|p| p.is_file())
    };
    Some((find(&["chromium", "chromium-browser"])?, find(&["chromedriver"])?))
}

/// The Chromium and ChromeDriver binaries for a test. The tests that call this are
/// ignored at build time where they are not on PATH (see `build.rs`); binaries that
/// vanished since are a failure.
pub fn browser() -> (PathBuf, PathBuf) {
    browser_binaries().expect("chromium and chromedriver are not on PATH (they were when the tests were built)")
}

/// A running chromedriver; killed on drop.
pub struct Driver {
    child: Child,
    /// Its WebDriver URL.
    pub url: String,
    chromium: PathBuf,
}

impl Driver {
    /// Starts chromedriver on a free loopback port and waits (bounded) until it listens.
    pub fn start(chromium: &Path, chromedriver: &Path) -> Result<Driver, String> {
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| e.to_string())?.port();
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("chromedriver: {e}"))?;
        let driver = Driver { child, url: format!("http://127.0.0.1:{port}"), chromium: chromium.to_owned() };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                return Err("chromedriver did not listen within 20 s".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(driver)
    }

    /// Opens a headless Chromium on the profile folder `profile` (kept between sessions,
    /// like a person's browser profile).
    pub async fn open(&self, profile: &Path) -> Result<Client, String> {
        let args = [
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--window-size=1000,800".to_owned(),
            format!("--user-data-dir={}", profile.display()),
        ];
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "chrome".into());
        caps.insert("goog:chromeOptions".into(), serde_json::json!({ "binary": self.chromium, "args": args }));
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let mut builder = ClientBuilder::new(connector);
        builder.capabilities(caps);
        let connect = builder.connect(&self.url);
        let client = tokio::time::timeout(Duration::from_secs(60), connect)
            .await
            .map_err(|_| "starting Chromium took over 60 s".to_owned())?
            .map_err(|e| format!("starting Chromium: {e}"))?;
        let timeouts = fantoccini::wd::TimeoutConfiguration::new(
            Some(Duration::from_secs(10)),
            Some(Duration::from_secs(20)),
            Some(Duration::from_secs(0)),
        );
        client.update_timeouts(timeouts).await.map_err(|e| e.to_string())?;
        Ok(client)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
