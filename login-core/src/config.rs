//! Login configuration: a builder with documented defaults.

use std::{fmt, sync::Arc, time::Duration};

use crate::{
    error::ConfigError,
    keys::Keys,
    next::is_safe_next,
    revocation::{MemoryRevocationStore, RevocationStore},
};

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
/// | [`revoke_sessions`](LoginConfigBuilder::revoke_sessions) | on |
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
    revoke_sessions: bool,
    keys: Keys,
    store: Arc<dyn RevocationStore>,
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
            revoke_sessions: true,
            store: None,
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

    /// Whether logged-in sessions are checked against the revocation store on each
    /// request (needed with the cookie session store).
    pub fn revoke_sessions(&self) -> bool {
        self.inner.revoke_sessions
    }

    /// The derived keys.
    pub fn keys(&self) -> &Keys {
        &self.inner.keys
    }

    /// The revocation store shared by everything built from this configuration.
    pub fn revocation_store(&self) -> &Arc<dyn RevocationStore> {
        &self.inner.store
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
            .field("revoke_sessions", &i.revoke_sessions)
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
    revoke_sessions: bool,
    store: Option<Arc<dyn RevocationStore>>,
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

    /// Check each logged-in request's session against the revocation store, so that a
    /// copy of a session cookie replayed after logout is anonymous. Default `true`.
    ///
    /// Required with a cookie session store (the cookie *is* the session). With a
    /// server-side store (Redis) logout deletes the session itself, and turning this off
    /// saves a store look-up per request.
    pub fn revoke_sessions(mut self, on: bool) -> Self {
        self.revoke_sessions = on;
        self
    }

    /// Where revoked session and remember-token ids are kept. Default: a
    /// [`MemoryRevocationStore`], shared by every clone of the built configuration (so
    /// build the configuration once, outside `HttpServer::new`'s closure). Several
    /// instances of an app must share one store (Redis).
    pub fn revocation_store(mut self, store: Arc<dyn RevocationStore>) -> Self {
        self.store = Some(store);
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
                revoke_sessions: self.revoke_sessions,
                keys: self.keys,
                store: self.store.unwrap_or_else(|| Arc::new(MemoryRevocationStore::new())),
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
        assert!(c.revoke_sessions());
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
