//! A real `redis-server` on a free loopback port, for the multi-instance tests.
//!
//! Without the binary the tests that need it are ignored (see `build.rs`); with
//! `LOGIN_REQUIRE_REDIS=1` (set by `.ci/run`) a missing binary fails the build.

use std::{
    io::{Read, Write},
    net::{TcpListener, TcpStream},
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// A running Redis; killed on drop.
pub struct RedisServer {
    /// Its port on 127.0.0.1.
    pub port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

fn binary() -> Option<PathBuf> {
    std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|p| p.join("redis-server")).find(|p| p.is_file()))
}

/// A running Redis for a test. The tests that call this are ignored at build time where
/// `redis-server` is not on PATH (see `build.rs`); one that vanished since is a failure.
pub fn redis_server() -> RedisServer {
    assert!(binary().is_some(), "redis-server is not on PATH (it was when the tests were built)");
    RedisServer::start().expect("redis-server starts")
}

impl RedisServer {
    /// Starts Redis on a free loopback port with an append-only file in a fresh folder,
    /// synced at every write (`appendfsync always`: what makes a logout survive a Redis
    /// restart, as the store table in `docs/stores.md` says).
    pub fn start() -> Result<RedisServer, String> {
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| e.to_string())?.port();
        let dir = std::env::temp_dir().join(format!("login-redis-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let mut server = RedisServer { port, dir, child: None };
        server.restart()?;
        Ok(server)
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// (Re)starts the server on the same port and data folder and waits until it answers.
    pub fn restart(&mut self) -> Result<(), String> {
        let binary = binary().ok_or("redis-server not found")?;
        let child = Command::new(binary)
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1", "--appendonly", "yes"])
            .args(["--appendfsync", "always", "--save", ""])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| e.to_string())?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.ping() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err("redis-server did not answer within 10 s".into())
    }

    /// Whether Redis answers `PING`.
    pub fn ping(&self) -> bool {
        let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) else { return false };
        let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
        let mut buf = [0u8; 7];
        s.write_all(b"PING\r\n").is_ok() && s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n"
    }

    /// Sends one command and returns the reply's first line (`:3`, `+OK`, `$-1`, ...).
    pub fn command(&self, args: &[&str]) -> String {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("redis connects");
        let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
        let mut req = format!("*{}\r\n", args.len());
        for a in args {
            req.push_str(&format!("${}\r\n{a}\r\n", a.len()));
        }
        s.write_all(req.as_bytes()).expect("redis write");
        let mut reply = Vec::new();
        let mut byte = [0u8; 1];
        while s.read_exact(&mut byte).is_ok() && byte[0] != b'\n' {
            reply.push(byte[0]);
        }
        String::from_utf8_lossy(&reply).trim_end().to_owned()
    }

    /// The number of keys in database 0.
    pub fn dbsize(&self) -> u64 {
        let reply = self.command(&["DBSIZE"]);
        reply.trim_start_matches(':').parse().unwrap_or_else(|_| panic!("DBSIZE answered {reply}"))
    }

    /// Kills the server without warning (SIGKILL: a crash or a power cut; nothing is
    /// flushed that was not already) and waits for it.
    pub fn crash(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops the server (SIGTERM, so the append-only file is flushed) and waits for it.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
