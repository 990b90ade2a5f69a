//! Login configuration: a builder with documented defaults.

use std::{fmt, sync::Arc, time::Duration};

use crate::{
    error::ConfigError, keys::Keys, memory_registry::MemoryRegistry, next::is_safe_next, registry::LoginRegistry,
};

/// The clock of the login flow: seconds since the Unix epoch.
pub type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

/// The shortest accepted application secret, in bytes.
pub const MIN_SECRET_LEN: usize = 32;

const DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// The `SameSite` attribute of the remember cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SameSite {
    /// `SameSite=Strict`.
    Strict,
    /// `SameSite=Lax` (the default).
    Lax,
    /// `SameSite=None` (requires `Secure` in browsers).
    None,
}

/// Attributes of the remember cookie. Deleting the cookie uses the same attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieSettings {
    /// Cookie name. Default `_remember`.
    pub name: String,
    /// `Path` attribute. Default `/`.
    pub path: String,
    /// `Domain` attribute. Default none (host-only cookie).
    pub domain: Option<String>,
    /// `Secure` attribute. Default `true`.
    pub secure: bool,
    /// `HttpOnly` attribute. Default `true`.
    pub http_only: bool,
    /// `SameSite` attribute. Default [`SameSite::Lax`].
    pub same_site: SameSite,
}

impl Default for CookieSettings {
    fn default() -> Self {
        CookieSettings {
            name: "_remember".to_owned(),
            path: "/".to_owned(),
            domain: None,
            secure: true,
            http_only: true,
            same_site: SameSite::Lax,
        }
    }
}

/// The login configuration, built once at start-up and shared by every worker.
///
/// Cheap to clone (an `Arc`). `Debug` shows no key material.
///
/// | setting | default |
/// |---|---|
/// | [`login_url`](LoginConfigBuilder::login_url) | `/login` |
/// | [`remember_cookie_name`](LoginConfigBuilder::remember_cookie_name) | `_remember` |
/// | [`remember_duration`](LoginConfigBuilder::remember_duration) | 30 days |
/// | [`max_remember_duration`](LoginConfigBuilder::max_remember_duration) | 365 days |
/// | [`session_lifetime`](LoginConfigBuilder::session_lifetime) | 7 days |
/// | [`leeway`](LoginConfigBuilder::leeway) | 5 seconds |
/// | cookie `Secure` / `HttpOnly` / `SameSite` / `Path` / `Domain` | on / on / `Lax` / `/` / none |
/// | [`registry`](LoginConfigBuilder::registry) | in memory, one per process and secret |
/// | [`fresh_for`](LoginConfigBuilder::fresh_for) | 30 minutes |
/// | [`idle_timeout`](LoginConfigBuilder::idle_timeout) | off |
/// | [`touch_interval`](LoginConfigBuilder::touch_interval) | 60 seconds (and at most a tenth of the idle timeout) |
///
/// ```
/// use std::time::Duration;
/// use login_core::LoginConfig;
///
/// let config = LoginConfig::builder(&[42u8; 64])
///     .login_url("/signin")
///     .remember_duration(Duration::from_secs(14 * 24 * 3600))
///     .build()
///     .expect("valid configuration");
/// assert_eq!(config.login_url(), "/signin");
/// assert_eq!(config.cookie().name, "_remember");
/// assert!(config.cookie().secure);
/// ```
#[derive(Clone)]
pub struct LoginConfig {
    inner: Arc<ConfigInner>,
}

struct ConfigInner {
    login_url: String,
    cookie: CookieSettings,
    remember_duration: Duration,
    max_remember_duration: Duration,
    session_lifetime: Duration,
    leeway: Duration,
    idle_timeout: Option<Duration>,
    touch_interval: Duration,
    fresh_for: Duration,
    keys: Keys,
    registry: Arc<dyn LoginRegistry>,
    clock: Option<Clock>,
}

impl LoginConfig {
    /// Starts a configuration from the application secret (at least
    /// [`MIN_SECRET_LEN`] bytes; 64 random bytes recommended).
    pub fn builder(secret: impl AsRef<[u8]>) -> LoginConfigBuilder {
        LoginConfigBuilder {
            secret_len: secret.as_ref().len(),
            keys: Keys::derive(secret.as_ref()),
            login_url: "/login".to_owned(),
            cookie: CookieSettings::default(),
            remember_duration: 30 * DAY,
            max_remember_duration: 365 * DAY,
            session_lifetime: 7 * DAY,
            leeway: Duration::from_secs(5),
            idle_timeout: None,
            touch_interval: Duration::from_secs(60),
            fresh_for: Duration::from_secs(30 * 60),
            registry: None,
            clock: None,
            registry_scope: crate::keys::derive_key(secret.as_ref(), crate::keys::REGISTRY_SCOPE_PURPOSE),
        }
    }

    /// A configuration with every default, from the application secret.
    pub fn new(secret: impl AsRef<[u8]>) -> Result<Self, ConfigError> {
        Self::builder(secret).build()
    }

    /// Where unauthenticated requests are sent.
    pub fn login_url(&self) -> &str {
        &self.inner.login_url
    }

    /// The remember cookie's name and attributes.
    pub fn cookie(&self) -> &CookieSettings {
        &self.inner.cookie
    }

    /// How long a remember cookie lasts when the app asks for the default.
    pub fn remember_duration(&self) -> Duration {
        self.inner.remember_duration
    }

    /// The longest remember duration accepted; longer requests are capped to it.
    pub fn max_remember_duration(&self) -> Duration {
        self.inner.max_remember_duration
    }

    /// The absolute lifetime of a login session, counted from the login (or restore).
    pub fn session_lifetime(&self) -> Duration {
        self.inner.session_lifetime
    }

    /// Clock leeway allowed when checking token times.
    pub fn leeway(&self) -> Duration {
        self.inner.leeway
    }

    /// How long after a credential check a session counts as fresh (sudo mode).
    pub fn fresh_for(&self) -> Duration {
        self.inner.fresh_for
    }

    /// Whether a session whose credential was checked at `authenticated_at` (`0`: never,
    /// a remember restore) is fresh at `now`.
    pub fn is_fresh(&self, authenticated_at: u64, now: u64) -> bool {
        authenticated_at != 0 && now.saturating_sub(authenticated_at) <= self.inner.fresh_for.as_secs()
    }

    /// How long a login may go unused before it ends; `None` (the default) for never.
    pub fn idle_timeout(&self) -> Option<Duration> {
        self.inner.idle_timeout
    }

    /// How often, at most, a login's last-seen time is written: the configured
    /// [`touch_interval`](LoginConfigBuilder::touch_interval), lowered to a tenth of
    /// the idle timeout when one is set.
    pub fn touch_interval(&self) -> Duration {
        match self.inner.idle_timeout {
            Some(idle) => self.inner.touch_interval.min(idle / 10),
            None => self.inner.touch_interval,
        }
    }

    /// The derived keys.
    pub fn keys(&self) -> &Keys {
        &self.inner.keys
    }

    /// The registry of live logins shared by everything built from this configuration.
    pub fn registry(&self) -> &Arc<dyn LoginRegistry> {
        &self.inner.registry
    }

    /// Now, in seconds since the Unix epoch, from the configured [`clock`](LoginConfigBuilder::clock).
    pub fn now(&self) -> u64 {
        match &self.inner.clock {
            Some(clock) => clock(),
            None => crate::remember::now_secs(),
        }
    }
}

impl fmt::Debug for LoginConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("LoginConfig")
            .field("login_url", &i.login_url)
            .field("cookie", &i.cookie)
            .field("remember_duration", &i.remember_duration)
            .field("max_remember_duration", &i.max_remember_duration)
            .field("session_lifetime", &i.session_lifetime)
            .field("leeway", &i.leeway)
            .field("idle_timeout", &i.idle_timeout)
            .field("touch_interval", &i.touch_interval)
            .field("fresh_for", &i.fresh_for)
            .finish_non_exhaustive()
    }
}

/// Builds a [`LoginConfig`]; every setter documents its default.
#[must_use]
pub struct LoginConfigBuilder {
    secret_len: usize,
    keys: Keys,
    login_url: String,
    cookie: CookieSettings,
    remember_duration: Duration,
    max_remember_duration: Duration,
    session_lifetime: Duration,
    leeway: Duration,
    idle_timeout: Option<Duration>,
    touch_interval: Duration,
    fresh_for: Duration,
    registry: Option<Arc<dyn LoginRegistry>>,
    clock: Option<Clock>,
    registry_scope: [u8; 32],
}

impl fmt::Debug for LoginConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginConfigBuilder").field("login_url", &self.login_url).finish_non_exhaustive()
    }
}

impl LoginConfigBuilder {
    /// Where the guards send unauthenticated requests. Default `/login`. Must be a
    /// local path (it may carry a query string).
    pub fn login_url(mut self, url: impl Into<String>) -> Self {
        self.login_url = url.into();
        self
    }

    /// Name of the remember cookie. Default `_remember`.
    pub fn remember_cookie_name(mut self, name: impl Into<String>) -> Self {
        self.cookie.name = name.into();
        self
    }

    /// `Path` of the remember cookie. Default `/`.
    pub fn cookie_path(mut self, path: impl Into<String>) -> Self {
        self.cookie.path = path.into();
        self
    }

    /// `Domain` of the remember cookie. Default none (host-only).
    pub fn cookie_domain(mut self, domain: Option<String>) -> Self {
        self.cookie.domain = domain;
        self
    }

    /// `Secure` attribute of the remember cookie. Default `true`; turn off only for
    /// plain-http development.
    pub fn cookie_secure(mut self, secure: bool) -> Self {
        self.cookie.secure = secure;
        self
    }

    /// `HttpOnly` attribute of the remember cookie. Default `true`.
    pub fn cookie_http_only(mut self, http_only: bool) -> Self {
        self.cookie.http_only = http_only;
        self
    }

    /// `SameSite` attribute of the remember cookie. Default `Lax`.
    pub fn cookie_same_site(mut self, same_site: SameSite) -> Self {
        self.cookie.same_site = same_site;
        self
    }

    /// Lifetime of a remember cookie when the app asks for the default. Default 30 days.
    pub fn remember_duration(mut self, duration: Duration) -> Self {
        self.remember_duration = duration;
        self
    }

    /// Cap on remember durations (a requested `N` days above it is lowered to it), and
    /// the oldest `iat` a remember token may have. Default 365 days.
    pub fn max_remember_duration(mut self, duration: Duration) -> Self {
        self.max_remember_duration = duration;
        self
    }

    /// Absolute lifetime of a login session from the login or remember restore. After
    /// it the session is anonymous (or restored again from a remember cookie). Default
    /// 7 days.
    pub fn session_lifetime(mut self, duration: Duration) -> Self {
        self.session_lifetime = duration;
        self
    }

    /// Clock leeway for token times. Default 5 seconds, at most 60.
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Where live logins are kept. Default: the process-wide
    /// [`MemoryRegistry`] of this secret ([`MemoryRegistry::for_secret`]), shared by
    /// every configuration built from the same secret in this process, so every worker
    /// sees every logout however the configuration is built. It is empty after a
    /// restart (everybody logged out). For logins that survive a restart use the SQLite
    /// registry; for several instances, the Redis one (both in `login-actix`).
    pub fn registry(mut self, registry: Arc<dyn LoginRegistry>) -> Self {
        self.registry = Some(registry);
        self
    }

    /// How long after a credential check (a `login_user`) a session counts as fresh for
    /// `#[fresh_login_required]` routes: "sudo mode". Default 30 minutes.
    ///
    /// Why 30 minutes: fresh-only routes are where a session left open on a shared
    /// computer, or a stolen session cookie, does the most harm (password, account
    /// deletion, tokens). GitHub's sudo mode lasts 2 hours; a settings visit rarely needs
    /// more than a few minutes, so we keep the window shorter and let the user type the
    /// password again. A remember-cookie restore is never fresh, whatever this says.
    pub fn fresh_for(mut self, fresh_for: Duration) -> Self {
        self.fresh_for = fresh_for;
        self
    }

    /// End a login unused for longer than this (its next request is anonymous).
    /// Default: off. The absolute lifetime applies either way.
    pub fn idle_timeout(mut self, idle: Option<Duration>) -> Self {
        self.idle_timeout = idle;
        self
    }

    /// Write a login's last-seen time at most this often. Default 60 seconds; with an
    /// idle timeout, at most a tenth of it (so activity always keeps a login alive).
    pub fn touch_interval(mut self, interval: Duration) -> Self {
        self.touch_interval = interval;
        self
    }

    /// Replaces the clock (seconds since the Unix epoch). For tests that move time
    /// forward; the default is the system clock.
    pub fn clock(mut self, clock: impl Fn() -> u64 + Send + Sync + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Checks every setting and builds the configuration.
    pub fn build(self) -> Result<LoginConfig, ConfigError> {
        if self.secret_len < MIN_SECRET_LEN {
            return Err(ConfigError::SecretTooShort { min: MIN_SECRET_LEN, got: self.secret_len });
        }
        if !is_safe_next(&self.login_url) {
            return Err(ConfigError::NotALocalPath { setting: "login_url", value: self.login_url });
        }
        check_cookie_token("remember_cookie_name", &self.cookie.name)?;
        if !self.cookie.path.starts_with('/') || !is_cookie_attr(&self.cookie.path) {
            return Err(ConfigError::BadCookieValue { setting: "cookie_path", value: self.cookie.path });
        }
        if let Some(domain) = &self.cookie.domain {
            if domain.is_empty() || !is_cookie_attr(domain) {
                return Err(ConfigError::BadCookieValue { setting: "cookie_domain", value: domain.clone() });
            }
        }
        for (setting, d) in [
            ("remember_duration", self.remember_duration),
            ("max_remember_duration", self.max_remember_duration),
            ("session_lifetime", self.session_lifetime),
        ] {
            if d.as_secs() == 0 {
                return Err(ConfigError::BadDuration { setting, detail: "must be at least one second".into() });
            }
        }
        if self.remember_duration > self.max_remember_duration {
            return Err(ConfigError::BadDuration {
                setting: "remember_duration",
                detail: "longer than max_remember_duration".into(),
            });
        }
        if self.idle_timeout.is_some_and(|idle| idle.as_secs() == 0) {
            return Err(ConfigError::BadDuration {
                setting: "idle_timeout",
                detail: "must be at least one second".into(),
            });
        }
        if self.leeway > Duration::from_secs(60) {
            return Err(ConfigError::BadDuration { setting: "leeway", detail: "at most 60 seconds".into() });
        }
        Ok(LoginConfig {
            inner: Arc::new(ConfigInner {
                login_url: self.login_url,
                cookie: self.cookie,
                remember_duration: self.remember_duration,
                max_remember_duration: self.max_remember_duration,
                session_lifetime: self.session_lifetime,
                leeway: self.leeway,
                idle_timeout: self.idle_timeout,
                touch_interval: self.touch_interval,
                fresh_for: self.fresh_for,
                keys: self.keys,
                registry: match self.registry {
                    Some(registry) => registry,
                    None => MemoryRegistry::for_scope(self.registry_scope),
                },
                clock: self.clock,
            }),
        })
    }
}

fn check_cookie_token(setting: &'static str, value: &str) -> Result<(), ConfigError> {
    let ok = !value.is_empty() && value.bytes().all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(ConfigError::BadCookieValue { setting, value: value.to_owned() })
    }
}

fn is_cookie_attr(value: &str) -> bool {
    value.bytes().all(|b| (0x20..0x7f).contains(&b) && b != b';')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_documented_ones() {
        let c = LoginConfig::new([0u8; 32]).expect("test fixture");
        assert_eq!(c.login_url(), "/login");
        assert_eq!(c.cookie(), &CookieSettings::default());
        assert_eq!(c.cookie().name, "_remember");
        assert_eq!(c.remember_duration(), Duration::from_secs(30 * 86400));
        assert_eq!(c.leeway(), Duration::from_secs(5));
        assert_eq!(c.idle_timeout(), None);
        assert_eq!(c.touch_interval(), Duration::from_secs(60));
        let idle = LoginConfig::builder([0u8; 32]).idle_timeout(Some(Duration::from_secs(300))).build().expect("valid");
        assert_eq!(idle.touch_interval(), Duration::from_secs(30));
    }

    #[test]
    fn bad_settings_are_errors() {
        assert!(matches!(LoginConfig::new([0u8; 31]), Err(ConfigError::SecretTooShort { got: 31, .. })));
        let b = || LoginConfig::builder([0u8; 64]);
        assert!(b().login_url("https://evil.example/").build().is_err());
        assert!(b().login_url("//evil.example/").build().is_err());
        assert!(b().remember_cookie_name("a b").build().is_err());
        assert!(b().remember_cookie_name("").build().is_err());
        assert!(b().cookie_path("x").build().is_err());
        assert!(b().cookie_domain(Some("a;b".into())).build().is_err());
        assert!(b().remember_duration(Duration::ZERO).build().is_err());
        assert!(b().leeway(Duration::from_secs(3600)).build().is_err());
        assert!(b().login_url("/login?x=1").build().is_ok());
    }

    #[test]
    fn debug_hides_secrets() {
        let c = LoginConfig::new([0xAB; 64]).expect("test fixture");
        let s = format!("{c:?}");
        assert!(!s.to_lowercase().contains("abab"), "{s}");
    }
}
