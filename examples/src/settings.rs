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
    /// Seconds after a password login during which the session is fresh (sudo mode).
    /// Default: the library's (1800).
    #[arg(long, env = "LOGIN_DEMO_FRESH_FOR")]
    pub fresh_for: Option<u64>,
    /// Failed logins allowed per (username, client IP) in the window.
    #[arg(long, env = "LOGIN_DEMO_LOGIN_ATTEMPTS", default_value_t = 5)]
    pub login_attempts: u32,
    /// The login throttle's window, in seconds.
    #[arg(long, env = "LOGIN_DEMO_LOGIN_WINDOW", default_value_t = 900)]
    pub login_window: u64,
    /// Take the client IP from `X-Forwarded-For` (only behind a proxy that sets it).
    #[arg(long, env = "LOGIN_DEMO_TRUST_PROXY", value_parser = clap::builder::FalseyValueParser::new())]
    pub trust_proxy: bool,
    /// A directory: every message the demo would mail (password-reset links) is written
    /// there as one new `.txt` file. Default: none (messages are only logged, without
    /// their links).
    #[arg(long, env = "LOGIN_DEMO_OUTBOX")]
    pub outbox: Option<PathBuf>,
    /// Seconds a password-reset link lasts.
    #[arg(long, env = "LOGIN_DEMO_RESET_TIMEOUT", default_value_t = 3600)]
    pub reset_timeout: u64,
    /// Seconds a retired remember token still works (0 to 300).
    #[arg(long, env = "LOGIN_DEMO_REMEMBER_GRACE", default_value_t = 10)]
    pub remember_grace: u64,
    /// Seconds a pending login (password right, code to come) lasts (1 to 3600).
    #[arg(long, env = "LOGIN_DEMO_TWO_FACTOR_TIMEOUT", default_value_t = 300)]
    pub two_factor_timeout: u64,
    /// Days the `_device` cookie (a browser the account knows) and "trust this browser"
    /// last.
    #[arg(long, env = "LOGIN_DEMO_DEVICE_DAYS", default_value_t = 30)]
    pub device_days: u64,
    /// Failed logins per account (any IP) in `--login-window` before browsers the
    /// account does not know are refused.
    #[arg(long, env = "LOGIN_DEMO_ACCOUNT_ATTEMPTS", default_value_t = 20)]
    pub account_attempts: u32,
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
    /// Sudo mode's length, `None` for the library default.
    pub fresh_for: Option<std::time::Duration>,
    /// Failed logins per (username, IP) in the window.
    pub login_attempts: u32,
    /// The throttle window.
    pub login_window: std::time::Duration,
    /// Whether the client IP comes from `X-Forwarded-For`.
    pub trust_proxy: bool,
    /// Where mail goes, `None` for the log only.
    pub outbox: Option<PathBuf>,
    /// How long a reset link lasts.
    pub reset_timeout: std::time::Duration,
    /// How long a retired remember token still works.
    pub remember_grace: std::time::Duration,
    /// How long a pending login lasts.
    pub two_factor_timeout: std::time::Duration,
    /// How long the device cookie lasts.
    pub device_lifetime: std::time::Duration,
    /// Failed logins per account before unknown browsers are refused.
    pub account_attempts: u32,
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
            .field("fresh_for", &self.fresh_for)
            .field("login_attempts", &self.login_attempts)
            .field("login_window", &self.login_window)
            .field("trust_proxy", &self.trust_proxy)
            .field("outbox", &self.outbox)
            .field("reset_timeout", &self.reset_timeout)
            .field("remember_grace", &self.remember_grace)
            .field("two_factor_timeout", &self.two_factor_timeout)
            .field("device_lifetime", &self.device_lifetime)
            .field("account_attempts", &self.account_attempts)
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
    /// A number out of range.
    #[error("{0}: must be at least 1")]
    Zero(&'static str),
    /// A number out of its range.
    #[error("{0}: must be from {1} to {2}")]
    Range(&'static str, u64, u64),
    /// A number above its maximum.
    #[error("{0}: must be at most {1}")]
    TooLarge(&'static str, u64),
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
        if args.login_attempts == 0 {
            return Err(SettingsError::Zero("--login-attempts"));
        }
        if args.login_window == 0 {
            return Err(SettingsError::Zero("--login-window"));
        }
        if args.fresh_for == Some(0) {
            return Err(SettingsError::Zero("--fresh-for"));
        }
        if args.reset_timeout == 0 {
            return Err(SettingsError::Zero("--reset-timeout"));
        }
        if !(1..=3600).contains(&args.two_factor_timeout) {
            return Err(SettingsError::Range("--two-factor-timeout", 1, 3600));
        }
        if !(1..=3650).contains(&args.device_days) {
            return Err(SettingsError::Range("--device-days", 1, 3650));
        }
        if args.account_attempts == 0 {
            return Err(SettingsError::Zero("--account-attempts"));
        }
        let max_grace = login_actix::config::MAX_REMEMBER_GRACE.as_secs();
        if args.remember_grace > max_grace {
            return Err(SettingsError::TooLarge("--remember-grace", max_grace));
        }
        Ok(Settings {
            registry,
            idle_timeout,
            fresh_for: args.fresh_for.map(std::time::Duration::from_secs),
            login_attempts: args.login_attempts,
            login_window: std::time::Duration::from_secs(args.login_window),
            trust_proxy: args.trust_proxy,
            outbox: args.outbox,
            reset_timeout: std::time::Duration::from_secs(args.reset_timeout),
            remember_grace: std::time::Duration::from_secs(args.remember_grace),
            two_factor_timeout: std::time::Duration::from_secs(args.two_factor_timeout),
            device_lifetime: std::time::Duration::from_secs(args.device_days * 86_400),
            account_attempts: args.account_attempts,
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
        assert_eq!((s.fresh_for, s.login_attempts, s.login_window.as_secs(), s.trust_proxy), (None, 5, 900, false));
        let r = Settings::from_args(args(&["--session-store", "redis://127.0.0.1:1"])).unwrap();
        assert_eq!(r.registry, RegistryKind::Redis("redis://127.0.0.1:1".into()));
        let m = Settings::from_args(args(&["--registry", "memory", "--idle-timeout", "60"])).unwrap();
        assert_eq!(m.registry, RegistryKind::Memory);
        assert_eq!(m.idle_timeout, Some(std::time::Duration::from_secs(60)));
        assert!(!format!("{s:?}").contains(&format!("{:?}", s.secret)));
        assert_eq!((s.outbox, s.reset_timeout.as_secs(), s.remember_grace.as_secs()), (None, 3600, 10));
        assert_eq!(
            (s.two_factor_timeout.as_secs(), s.device_lifetime.as_secs(), s.account_attempts),
            (300, 30 * 86_400, 20)
        );
    }

    /// Tests of an app want short pending logins: any whole second counts.
    #[test]
    fn the_two_factor_timeout_takes_any_second_from_one() {
        let s = Settings::from_args(args(&["--two-factor-timeout", "1"])).unwrap();
        assert_eq!(s.two_factor_timeout.as_secs(), 1);
        let s = Settings::from_args(args(&["--two-factor-timeout", "3600"])).unwrap();
        assert_eq!(s.two_factor_timeout.as_secs(), 3600);
    }

    #[test]
    fn bad_values_name_the_setting() {
        let e = Settings::from_args(args(&["--secret", "short"])).unwrap_err();
        assert!(e.to_string().starts_with("--secret:"));
        let e = Settings::from_args(args(&["--addr", "nowhere"])).unwrap_err();
        assert!(e.to_string().starts_with("--addr:"));
        let e = Settings::from_args(args(&["--login-attempts", "0"])).unwrap_err();
        assert!(e.to_string().starts_with("--login-attempts:"));
        let e = Settings::from_args(args(&["--registry", "postgres://x"])).unwrap_err();
        assert!(e.to_string().starts_with("--registry:"));
        let e = Settings::from_args(args(&["--reset-timeout", "0"])).unwrap_err();
        assert!(e.to_string().starts_with("--reset-timeout:"));
        let e = Settings::from_args(args(&["--two-factor-timeout", "0"])).unwrap_err();
        assert!(e.to_string().starts_with("--two-factor-timeout:"));
        let e = Settings::from_args(args(&["--two-factor-timeout", "3601"])).unwrap_err();
        assert!(e.to_string().starts_with("--two-factor-timeout:"));
        let e = Settings::from_args(args(&["--account-attempts", "0"])).unwrap_err();
        assert!(e.to_string().starts_with("--account-attempts:"));
        let e = Settings::from_args(args(&["--remember-grace", "301"])).unwrap_err();
        assert!(e.to_string().starts_with("--remember-grace:"));
        let e = Settings::from_args(args(&["--session-store", "memcached://x"])).unwrap_err();
        assert!(e.to_string().starts_with("--session-store:"));
    }
}
