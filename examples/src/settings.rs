//! Start-up settings: flags with environment fallbacks, checked before anything runs.

use std::{net::SocketAddr, path::PathBuf};

use clap::Parser;
use rand::RngCore;

/// The shortest accepted `--secret`, in bytes.
pub const MIN_SECRET_BYTES: usize = 64;

/// Flags of the demo. Each has an environment fallback.
#[derive(Debug, Clone, Parser)]
#[command(name = "demo", about = "login-actix demo: a small site with login, remember-me and fresh logins")]
pub struct Args {
    /// Listen address.
    #[arg(long, env = "LOGIN_DEMO_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// App secret (at least 64 bytes); signs session and remember cookies. Default:
    /// random per start (every restart logs everybody out).
    #[arg(long, env = "LOGIN_DEMO_SECRET", hide_env_values = true)]
    pub secret: Option<String>,
    /// `cookie`, or a `redis://host:port` URL for sessions (and, by default, logins) in Redis.
    #[arg(long, env = "LOGIN_DEMO_SESSION_STORE", default_value = "cookie")]
    pub session_store: String,
    /// SQLite file; default an in-memory database. Instances given the same file share users.
    #[arg(long, env = "LOGIN_DEMO_DB")]
    pub db: Option<PathBuf>,
    /// Where live logins are kept: `memory`, `sqlite` (in the `--db` file) or a
    /// `redis://host:port` URL. Default: `sqlite`, or Redis when `--session-store` is a
    /// Redis URL.
    #[arg(long, env = "LOGIN_DEMO_REGISTRY")]
    pub registry: Option<String>,
    /// End a login unused for this many seconds; `0` turns the idle timeout off.
    #[arg(long, env = "LOGIN_DEMO_IDLE_TIMEOUT", default_value_t = 0)]
    pub idle_timeout: u64,
    /// Drop the `Secure` cookie attribute (plain-http testing).
    #[arg(long, env = "LOGIN_DEMO_INSECURE_COOKIES", value_parser = clap::builder::FalseyValueParser::new())]
    pub insecure_cookies: bool,
}

/// Where sessions live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionStoreKind {
    /// actix-session's cookie store (default).
    Cookie,
    /// Redis at this URL, for sessions.
    Redis(String),
}

/// Where live logins are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistryKind {
    /// In process memory: everybody is logged out by a restart.
    Memory,
    /// In the `--db` SQLite file (in memory when there is none).
    Sqlite,
    /// In Redis at this URL.
    Redis(String),
}

/// Checked settings.
#[derive(Clone)]
pub struct Settings {
    /// Listen address.
    pub addr: SocketAddr,
    /// The app secret.
    pub secret: Vec<u8>,
    /// Whether the secret was generated at start.
    pub secret_is_random: bool,
    /// Session store.
    pub session_store: SessionStoreKind,
    /// SQLite file, `None` for in-memory.
    pub db: Option<PathBuf>,
    /// Whether cookies carry `Secure`.
    pub secure_cookies: bool,
    /// Where live logins are kept.
    pub registry: RegistryKind,
    /// The idle timeout, `None` for off.
    pub idle_timeout: Option<std::time::Duration>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("addr", &self.addr)
            .field("secret", &"<redacted>")
            .field("session_store", &self.session_store)
            .field("db", &self.db)
            .field("secure_cookies", &self.secure_cookies)
            .field("registry", &self.registry)
            .field("idle_timeout", &self.idle_timeout)
            .finish()
    }
}

/// A setting that cannot be used; the message names it.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SettingsError {
    /// Bad `--addr`.
    #[error("--addr: {0:?} is not a socket address like 127.0.0.1:8080")]
    Addr(String),
    /// Short `--secret`.
    #[error("--secret: must be at least {MIN_SECRET_BYTES} bytes, got {0}")]
    ShortSecret(usize),
    /// Bad `--registry`.
    #[error("--registry: expected `memory`, `sqlite` or a redis://host:port URL, got {0:?}")]
    Registry(String),
    /// Bad `--session-store`.
    #[error("--session-store: expected `cookie` or a redis://host:port URL, got {0:?}")]
    SessionStore(String),
}

impl Settings {
    /// Checks the flags.
    pub fn from_args(args: Args) -> Result<Settings, SettingsError> {
        let addr = args.addr.parse().map_err(|_| SettingsError::Addr(args.addr.clone()))?;
        let (secret, secret_is_random) = match args.secret {
            Some(s) if s.len() >= MIN_SECRET_BYTES => (s.into_bytes(), false),
            Some(s) => return Err(SettingsError::ShortSecret(s.len())),
            None => {
                let mut bytes = vec![0u8; MIN_SECRET_BYTES];
                rand::thread_rng().fill_bytes(&mut bytes);
                (bytes, true)
            }
        };
        let session_store = match args.session_store.as_str() {
            "cookie" => SessionStoreKind::Cookie,
            url if url.starts_with("redis://") && url.len() > "redis://".len() => {
                SessionStoreKind::Redis(url.to_owned())
            }
            other => return Err(SettingsError::SessionStore(other.to_owned())),
        };
        let registry = match args.registry.as_deref() {
            None => match &session_store {
                SessionStoreKind::Redis(url) => RegistryKind::Redis(url.clone()),
                SessionStoreKind::Cookie => RegistryKind::Sqlite,
            },
            Some("memory") => RegistryKind::Memory,
            Some("sqlite") => RegistryKind::Sqlite,
            Some(url) if url.starts_with("redis://") && url.len() > "redis://".len() => {
                RegistryKind::Redis(url.to_owned())
            }
            Some(other) => return Err(SettingsError::Registry(other.to_owned())),
        };
        let idle_timeout = (args.idle_timeout > 0).then(|| std::time::Duration::from_secs(args.idle_timeout));
        Ok(Settings {
            registry,
            idle_timeout,
            addr,
            secret,
            secret_is_random,
            session_store,
            db: args.db,
            secure_cookies: !args.insecure_cookies,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(extra: &[&str]) -> Args {
        let mut v = vec!["demo"];
        v.extend_from_slice(extra);
        Args::parse_from(v)
    }

    #[test]
    fn defaults() {
        let s = Settings::from_args(args(&[])).unwrap();
        assert_eq!(s.addr.to_string(), "127.0.0.1:8080");
        assert!(s.secret_is_random);
        assert_eq!(s.secret.len(), 64);
        assert_eq!(s.session_store, SessionStoreKind::Cookie);
        assert!(s.secure_cookies);
        assert_eq!(s.registry, RegistryKind::Sqlite);
        assert_eq!(s.idle_timeout, None);
        let r = Settings::from_args(args(&["--session-store", "redis://127.0.0.1:1"])).unwrap();
        assert_eq!(r.registry, RegistryKind::Redis("redis://127.0.0.1:1".into()));
        let m = Settings::from_args(args(&["--registry", "memory", "--idle-timeout", "60"])).unwrap();
        assert_eq!(m.registry, RegistryKind::Memory);
        assert_eq!(m.idle_timeout, Some(std::time::Duration::from_secs(60)));
        assert!(!format!("{s:?}").contains(&format!("{:?}", s.secret)));
    }

    #[test]
    fn bad_values_name_the_setting() {
        let e = Settings::from_args(args(&["--secret", "short"])).unwrap_err();
        assert!(e.to_string().starts_with("--secret:"));
        let e = Settings::from_args(args(&["--addr", "nowhere"])).unwrap_err();
        assert!(e.to_string().starts_with("--addr:"));
        let e = Settings::from_args(args(&["--registry", "postgres://x"])).unwrap_err();
        assert!(e.to_string().starts_with("--registry:"));
        let e = Settings::from_args(args(&["--session-store", "memcached://x"])).unwrap_err();
        assert!(e.to_string().starts_with("--session-store:"));
    }
}
