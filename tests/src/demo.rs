//! The demo app on a real `HttpServer` (free loopback port), and a cookie-keeping HTTP
//! client that does not follow redirects.

use std::{net::SocketAddr, sync::mpsc, thread::JoinHandle, time::Duration};

use actix_web::dev::ServerHandle;
use login_examples::{
    server::bind,
    settings::{RegistryKind, SessionStoreKind, Settings},
};

use crate::Jar;

/// A secret of the right length for tests.
pub const TEST_SECRET: &str = "test-secret-test-secret-test-secret-test-secret-test-secret-0123";

/// Settings for a test instance: loopback port 0, plain-http cookies, the registry the
/// demo picks by default (SQLite in `db`, or Redis with a Redis session store).
pub fn test_settings(store: SessionStoreKind, db: Option<std::path::PathBuf>) -> Settings {
    let registry = match &store {
        SessionStoreKind::Redis(url) => RegistryKind::Redis(url.clone()),
        SessionStoreKind::Cookie => RegistryKind::Sqlite,
    };
    Settings {
        registry,
        idle_timeout: None,
        fresh_for: None,
        login_attempts: 5,
        login_window: Duration::from_secs(900),
        trust_proxy: false,
        addr: "127.0.0.1:0".parse().expect("valid address"),
        secret: TEST_SECRET.as_bytes().to_vec(),
        secret_is_random: false,
        session_store: store,
        db,
        secure_cookies: false,
        outbox: None,
        reset_timeout: Duration::from_secs(3600),
        remember_grace: Duration::from_secs(10),
        two_factor_timeout: Duration::from_secs(300),
        device_lifetime: Duration::from_secs(30 * 86_400),
        account_attempts: 20,
    }
}

/// [`test_settings`] with a secret of this server's own: the demo's in-memory throttle
/// and registry are shared per process and secret, so servers of tests running side by
/// side in one process would otherwise count each other's login attempts.
pub fn isolated_settings(store: SessionStoreKind, db: Option<std::path::PathBuf>) -> Settings {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let mut settings = test_settings(store, db);
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    settings.secret = format!("{TEST_SECRET}-{}-{n}", std::process::id()).into_bytes();
    settings
}

/// A running demo server; stopped on drop.
pub struct DemoServer {
    /// Where it listens.
    pub addr: SocketAddr,
    handle: ServerHandle,
    thread: Option<JoinHandle<()>>,
}

impl DemoServer {
    /// Starts the demo with `settings` on its own thread and runtime.
    pub fn start(settings: Settings) -> Result<DemoServer, String> {
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                match bind(settings).await {
                    Ok((server, addrs)) => {
                        let _ = tx.send(Ok((addrs[0], server.handle())));
                        let _ = server.await;
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e.to_string()));
                    }
                }
            })
        });
        let (addr, handle) =
            rx.recv_timeout(Duration::from_secs(60)).map_err(|e| format!("server did not start: {e}"))??;
        Ok(DemoServer { addr, handle, thread: Some(thread) })
    }

    /// The base URL.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Stops the server and waits for its thread.
    pub fn stop(&mut self) {
        futures_executor::block_on(self.handle.stop(false));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// `Location`, or empty.
    pub location: String,
    /// `Set-Cookie` lines.
    pub set_cookies: Vec<String>,
    /// `Content-Type`, or empty.
    pub content_type: String,
    /// Body text.
    pub body: String,
}

impl Reply {
    /// The `Set-Cookie` lines of cookie `name`.
    pub fn cookie_lines(&self, name: &str) -> Vec<&str> {
        self.set_cookies.iter().filter(|l| l.starts_with(&format!("{name}="))).map(String::as_str).collect()
    }
}

/// A browser stand-in: keeps cookies, never follows redirects, bounded timeouts.
pub struct Browser {
    client: reqwest::blocking::Client,
    base: String,
    /// The cookies it holds.
    pub jar: Jar,
}

impl Browser {
    /// A browser with an empty jar for the server at `addr`.
    pub fn new(addr: SocketAddr) -> Browser {
        let client = reqwest::blocking::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .expect("client builds");
        Browser { client, base: format!("http://{addr}"), jar: Jar::new() }
    }

    /// Sends a request and keeps the cookies of the reply.
    pub fn send(&mut self, req: reqwest::blocking::RequestBuilder) -> Reply {
        let req = match self.jar.header() {
            Some(cookies) => req.header("cookie", cookies),
            None => req,
        };
        let res = req.send().expect("request succeeds");
        let header = |name: &str| res.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let location = header("location");
        let content_type = header("content-type");
        let set_cookies: Vec<String> =
            res.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).map(str::to_owned).collect();
        self.jar.store_lines(set_cookies.iter().map(String::as_str));
        let status = res.status().as_u16();
        let body = res.text().unwrap_or_default();
        Reply { status, location, set_cookies, content_type, body }
    }

    /// A browser that opens a new connection for every request (so that a server's
    /// workers, which take connections in turn, all get some).
    pub fn new_without_keep_alive(addr: SocketAddr) -> Browser {
        let client = reqwest::blocking::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .pool_max_idle_per_host(0)
            .build()
            .expect("client builds");
        Browser { client, base: format!("http://{addr}"), jar: Jar::new() }
    }

    /// The HTTP client, for requests with headers of their own (send them with
    /// [`send`](Browser::send)).
    pub fn client(&self) -> &reqwest::blocking::Client {
        &self.client
    }

    /// The full URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// `GET path`.
    pub fn get(&mut self, path: &str) -> Reply {
        let req = self.client.get(format!("{}{}", self.base, path));
        self.send(req)
    }

    /// `POST path` with a form body.
    pub fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Reply {
        let body: String = form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
        let req = self
            .client
            .post(format!("{}{}", self.base, path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        self.send(req)
    }

    /// Logs in through the form.
    pub fn login(&mut self, username: &str, password: &str, remember: Option<&str>) -> Reply {
        let mut form = vec![("username", username), ("password", password)];
        if let Some(r) = remember {
            form.push(("remember", r));
        }
        self.post("/login", &form)
    }
}
