//! Login configuration: a builder with documented defaults.

use std::{fmt, sync::Arc, time::Duration};

pub use crate::clock::Clock;
use crate::{
    cross_origin::{is_origin, CrossOriginPolicy},
    error::ConfigError,
    keys::Keys,
    next::is_safe_next,
};

/// The shortest accepted application secret, in bytes.
pub const MIN_SECRET_LEN: usize = 32;

/// The default [`remember_grace`](LoginConfigBuilder::remember_grace): 10 seconds.
pub const DEFAULT_REMEMBER_GRACE: Duration = Duration::from_secs(10);

/// The longest accepted [`remember_grace`](LoginConfigBuilder::remember_grace): 5 minutes.
pub const MAX_REMEMBER_GRACE: Duration = Duration::from_secs(300);

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
/// Settings only: cheap to clone (an `Arc`), `Debug` without key material. The stores
/// (live logins, throttle counters) are handed to the middleware apart, as
/// [`LoginStores`](crate::LoginStores).
///
/// | setting | default |
/// |---|---|
/// | [`login_url`](LoginConfigBuilder::login_url) | `/login` |
/// | [`reauth_url`](LoginConfigBuilder::reauth_url) | the login URL |
/// | [`next_param`](LoginConfigBuilder::next_param) | `next` |
/// | [`remember_cookie_name`](LoginConfigBuilder::remember_cookie_name) | `_remember` |
/// | [`remember_duration`](LoginConfigBuilder::remember_duration) | 30 days |
/// | [`max_remember_duration`](LoginConfigBuilder::max_remember_duration) | 365 days |
/// | [`session_lifetime`](LoginConfigBuilder::session_lifetime) | 7 days |
/// | [`leeway`](LoginConfigBuilder::leeway) | 5 seconds |
/// | cookie `Secure` / `HttpOnly` / `SameSite` / `Path` / `Domain` | on / on / `Lax` / `/` / none |
/// | [`fresh_for`](LoginConfigBuilder::fresh_for) | 30 minutes |
/// | [`idle_timeout`](LoginConfigBuilder::idle_timeout) | off |
/// | [`cross_origin_protection`](LoginConfigBuilder::cross_origin_protection) | on, no trusted origins, no exempt paths |
/// | [`login_attempts`](LoginConfigBuilder::login_attempts) / [`login_attempts_per_ip`](LoginConfigBuilder::login_attempts_per_ip) | 5 / 100 |
/// | [`login_window`](LoginConfigBuilder::login_window) | 15 minutes |
/// | [`trust_proxy`](LoginConfigBuilder::trust_proxy) | off (the client IP is the peer address) |
/// | [`cookie_host_prefix`](LoginConfigBuilder::cookie_host_prefix) | off |
/// | [`touch_interval`](LoginConfigBuilder::touch_interval) | 60 seconds (and at most a tenth of the idle timeout) |
/// | [`max_logins_per_user`](LoginConfigBuilder::max_logins_per_user) | 100 (the oldest login ends) |
/// | [`remember_grace`](LoginConfigBuilder::remember_grace) | 10 seconds |
/// | [`two_factor_timeout`](LoginConfigBuilder::two_factor_timeout) / [`device_lifetime`](LoginConfigBuilder::device_lifetime) / [`login_attempts_per_account`](LoginConfigBuilder::login_attempts_per_account) | 5 minutes / 30 days / 20 (feature `two-factor`) |
///
/// ```
/// # mod login_actix { pub use login_core::*; pub mod config { pub use login_core::*; } pub mod registry { pub use login_core::*; } pub mod next { pub use login_core::*; } pub mod throttle { pub use login_core::*; } }
/// use std::time::Duration;
/// use login_actix::LoginConfig;
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
    urls: Urls,
    cookie: CookieSettings,
    lifetimes: Lifetimes,
    max_logins_per_user: usize,
    keys: Keys,
    scope: [u8; 32],
    clock: Option<Clock>,
    cross_origin: CrossOriginPolicy,
    throttle: ThrottleSettings,
}

/// Where the login flow sends people, and the name of its `next` parameter.
#[derive(Clone)]
struct Urls {
    login_url: String,
    reauth_url: Option<String>,
    next_param: String,
}

/// How long things last.
#[derive(Clone, Copy)]
struct Lifetimes {
    remember_duration: Duration,
    max_remember_duration: Duration,
    session_lifetime: Duration,
    leeway: Duration,
    idle_timeout: Option<Duration>,
    touch_interval: Duration,
    remember_grace: Duration,
    two_factor_timeout: Duration,
    device_lifetime: Duration,
    fresh_for: Duration,
}

/// The login throttle's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleSettings {
    /// Attempts per (username, client IP) in a window.
    pub per_user_ip: u32,
    /// Attempts per client IP in a window.
    pub per_ip: u32,
    /// Failed attempts per account (any IP) in a window before only browsers the
    /// account knows may try (feature `two-factor` of login-actix).
    pub per_account: u32,
    /// The window, in seconds.
    pub window: u64,
    /// Whether the client IP comes from `X-Forwarded-For` (a trusted proxy in front).
    pub trust_proxy: bool,
}

impl LoginConfig {
    /// Starts a configuration from the application secret (at least
    /// [`MIN_SECRET_LEN`] bytes; 64 random bytes recommended).
    pub fn builder(secret: impl AsRef<[u8]>) -> LoginConfigBuilder {
        let settings = ConfigInner {
            urls: Urls { login_url: "/login".to_owned(), reauth_url: None, next_param: "next".to_owned() },
            cookie: CookieSettings::default(),
            lifetimes: Lifetimes {
                remember_duration: 30 * DAY,
                max_remember_duration: 365 * DAY,
                session_lifetime: 7 * DAY,
                leeway: Duration::from_secs(5),
                idle_timeout: None,
                touch_interval: Duration::from_secs(60),
                remember_grace: DEFAULT_REMEMBER_GRACE,
                two_factor_timeout: Duration::from_secs(300),
                device_lifetime: 30 * DAY,
                fresh_for: Duration::from_secs(30 * 60),
            },
            max_logins_per_user: crate::memory_registry::DEFAULT_MAX_LOGINS_PER_USER,
            keys: Keys::derive(secret.as_ref()),
            scope: crate::keys::derive_key(secret.as_ref(), crate::keys::REGISTRY_SCOPE_PURPOSE),
            clock: None,
            cross_origin: CrossOriginPolicy::default(),
            throttle: ThrottleSettings {
                per_user_ip: 5,
                per_ip: 100,
                per_account: 20,
                window: 15 * 60,
                trust_proxy: false,
            },
        };
        LoginConfigBuilder { secret_len: secret.as_ref().len(), settings, bad_origins: Vec::new(), host_prefix: false }
    }

    /// A configuration with every default, from the application secret.
    ///
    /// The secret must be at least [`MIN_SECRET_LEN`] (32) bytes; use 64 random bytes,
    /// which is also what actix-web's `Key::from` wants for the session cookie (the
    /// examples derive both from one 64-byte secret; purpose-bound keys are derived from
    /// it, so the session key is never the remember token's key).
    pub fn new(secret: impl AsRef<[u8]>) -> Result<Self, ConfigError> {
        Self::builder(secret).build()
    }

    /// Where unauthenticated requests are sent.
    pub fn login_url(&self) -> &str {
        &self.inner.urls.login_url
    }

    /// Where sessions that are logged in but not fresh enough are sent to type their
    /// password again (defaults to the login URL).
    pub fn reauth_url(&self) -> &str {
        self.inner.urls.reauth_url.as_deref().unwrap_or(&self.inner.urls.login_url)
    }

    /// The query parameter that carries the way back (`next`).
    pub fn next_param(&self) -> &str {
        &self.inner.urls.next_param
    }

    /// The remember cookie's name and attributes.
    pub fn cookie(&self) -> &CookieSettings {
        &self.inner.cookie
    }

    /// How long a remember cookie lasts when the app asks for the default.
    pub fn remember_duration(&self) -> Duration {
        self.inner.lifetimes.remember_duration
    }

    /// The longest remember duration accepted; longer requests are capped to it.
    pub fn max_remember_duration(&self) -> Duration {
        self.inner.lifetimes.max_remember_duration
    }

    /// The absolute lifetime of a login session, counted from the login (or restore).
    pub fn session_lifetime(&self) -> Duration {
        self.inner.lifetimes.session_lifetime
    }

    /// Clock leeway allowed when checking token times.
    pub fn leeway(&self) -> Duration {
        self.inner.lifetimes.leeway
    }

    /// How long after a credential check a session counts as fresh (sudo mode).
    pub fn fresh_for(&self) -> Duration {
        self.inner.lifetimes.fresh_for
    }

    /// Whether a session whose credential was checked at `authenticated_at` (`None`:
    /// never, as after a remember restore) is fresh at `now`.
    ///
    /// A time in the future (another instance's clock running ahead) is fresh only
    /// within the clock [`leeway`](LoginConfig::leeway), so skew cannot stretch sudo mode.
    pub fn is_fresh(&self, authenticated_at: Option<u64>, now: u64) -> bool {
        authenticated_at.is_some_and(|at| {
            at <= now.saturating_add(self.inner.lifetimes.leeway.as_secs())
                && now.saturating_sub(at) <= self.inner.lifetimes.fresh_for.as_secs()
        })
    }

    /// How long a login may go unused before it ends; `None` (the default) for never.
    pub fn idle_timeout(&self) -> Option<Duration> {
        self.inner.lifetimes.idle_timeout
    }

    /// The idle rule: whether a login last seen at `last_seen_at` is over at `now`
    /// (unused for longer than the [`idle_timeout`](LoginConfigBuilder::idle_timeout);
    /// never, without one).
    ///
    /// ```
    /// # mod login_actix { pub use login_core::*; }
    /// use std::time::Duration;
    /// let config = login_actix::LoginConfig::builder([1u8; 64]).idle_timeout(Some(Duration::from_secs(600))).build()?;
    /// assert!(!config.is_idle(1_000, 1_600), "exactly the timeout: still live");
    /// assert!(config.is_idle(1_000, 1_601));
    /// # Ok::<(), login_actix::ConfigError>(())
    /// ```
    pub fn is_idle(&self, last_seen_at: u64, now: u64) -> bool {
        self.inner.lifetimes.idle_timeout.is_some_and(|idle| now.saturating_sub(last_seen_at) > idle.as_secs())
    }

    /// [`max_logins_per_user`](LoginConfigBuilder::max_logins_per_user).
    pub fn max_logins_per_user(&self) -> usize {
        self.inner.max_logins_per_user
    }

    /// [`touch_interval`](LoginConfigBuilder::touch_interval), lowered to a tenth of
    /// the idle timeout when one is set.
    pub fn touch_interval(&self) -> Duration {
        match self.inner.lifetimes.idle_timeout {
            Some(idle) => self.inner.lifetimes.touch_interval.min(idle / 10),
            None => self.inner.lifetimes.touch_interval,
        }
    }

    /// How long a retired remember token still restores its login (see
    /// [`remember_grace`](LoginConfigBuilder::remember_grace)).
    pub fn remember_grace(&self) -> Duration {
        self.inner.lifetimes.remember_grace
    }

    /// How long a pending login waits for its second factor (see
    /// [`two_factor_timeout`](LoginConfigBuilder::two_factor_timeout)).
    pub fn two_factor_timeout(&self) -> Duration {
        self.inner.lifetimes.two_factor_timeout
    }

    /// How long a device cookie lasts (see
    /// [`device_lifetime`](LoginConfigBuilder::device_lifetime)).
    pub fn device_lifetime(&self) -> Duration {
        self.inner.lifetimes.device_lifetime
    }

    /// The derived keys.
    #[doc(hidden)]
    pub fn keys(&self) -> &Keys {
        &self.inner.keys
    }

    /// Which process-wide default stores this configuration's secret shares.
    pub(crate) fn scope(&self) -> [u8; 32] {
        self.inner.scope
    }

    /// The cross-origin policy.
    pub fn cross_origin(&self) -> &CrossOriginPolicy {
        &self.inner.cross_origin
    }

    /// The login throttle's limits.
    pub fn throttle(&self) -> ThrottleSettings {
        self.inner.throttle
    }

    /// Now, in seconds since the Unix epoch, from the configured [`clock`](LoginConfigBuilder::clock).
    pub fn now(&self) -> u64 {
        match &self.inner.clock {
            Some(clock) => clock(),
            None => crate::clock::now_secs(),
        }
    }
}

impl fmt::Debug for LoginConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("LoginConfig")
            .field("login_url", &i.urls.login_url)
            .field("reauth_url", &i.urls.reauth_url)
            .field("next_param", &i.urls.next_param)
            .field("cookie", &i.cookie)
            .field("remember_duration", &i.lifetimes.remember_duration)
            .field("max_remember_duration", &i.lifetimes.max_remember_duration)
            .field("session_lifetime", &i.lifetimes.session_lifetime)
            .field("leeway", &i.lifetimes.leeway)
            .field("idle_timeout", &i.lifetimes.idle_timeout)
            .field("touch_interval", &i.lifetimes.touch_interval)
            .field("remember_grace", &i.lifetimes.remember_grace)
            .field("fresh_for", &i.lifetimes.fresh_for)
            .field("cross_origin", &i.cross_origin)
            .field("throttle", &i.throttle)
            .finish_non_exhaustive()
    }
}

/// Builds a [`LoginConfig`]; every setter documents its default.
#[must_use]
pub struct LoginConfigBuilder {
    secret_len: usize,
    settings: ConfigInner,
    bad_origins: Vec<String>,
    host_prefix: bool,
}

impl fmt::Debug for LoginConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginConfigBuilder").field("login_url", &self.settings.urls.login_url).finish_non_exhaustive()
    }
}

impl LoginConfigBuilder {
    /// Where the guards send unauthenticated requests. Default `/login`. Must be a
    /// local path (it may carry a query string).
    pub fn login_url(mut self, url: impl Into<String>) -> Self {
        self.settings.urls.login_url = url.into();
        self
    }

    /// Where the fresh-login guards send sessions that are logged in but not fresh
    /// (stale sudo mode, remember restores). Default: the login URL. A scope can
    /// override it with `LoginUrl` app data in `login-actix`.
    pub fn reauth_url(mut self, url: impl Into<String>) -> Self {
        self.settings.urls.reauth_url = Some(url.into());
        self
    }

    /// The query parameter of the way back in the guard's redirect and in
    /// `LoginRedirect`. Default `next`.
    pub fn next_param(mut self, name: impl Into<String>) -> Self {
        self.settings.urls.next_param = name.into();
        self
    }

    /// Name of the remember cookie. Default `_remember`.
    pub fn remember_cookie_name(mut self, name: impl Into<String>) -> Self {
        self.settings.cookie.name = name.into();
        self
    }

    /// `Path` of the remember cookie. Default `/`.
    pub fn cookie_path(mut self, path: impl Into<String>) -> Self {
        self.settings.cookie.path = path.into();
        self
    }

    /// `Domain` of the remember cookie. Default none (host-only).
    pub fn cookie_domain(mut self, domain: Option<String>) -> Self {
        self.settings.cookie.domain = domain;
        self
    }

    /// `Secure` attribute of the remember cookie. Default `true`; turn off only for
    /// plain-http development.
    pub fn cookie_secure(mut self, secure: bool) -> Self {
        self.settings.cookie.secure = secure;
        self
    }

    /// `HttpOnly` attribute of the remember cookie. Default `true`.
    pub fn cookie_http_only(mut self, http_only: bool) -> Self {
        self.settings.cookie.http_only = http_only;
        self
    }

    /// `SameSite` attribute of the remember cookie. Default `Lax`.
    pub fn cookie_same_site(mut self, same_site: SameSite) -> Self {
        self.settings.cookie.same_site = same_site;
        self
    }

    /// Lifetime of a remember cookie when the app asks for the default. Default 30 days.
    pub fn remember_duration(mut self, duration: Duration) -> Self {
        self.settings.lifetimes.remember_duration = duration;
        self
    }

    /// Cap on remember durations (a requested `N` days above it is lowered to it), and
    /// the oldest `iat` a remember token may have. Default 365 days.
    pub fn max_remember_duration(mut self, duration: Duration) -> Self {
        self.settings.lifetimes.max_remember_duration = duration;
        self
    }

    /// Absolute lifetime of a login session from the login or remember restore. After
    /// it the session is anonymous (or restored again from a remember cookie). Default
    /// 7 days.
    pub fn session_lifetime(mut self, duration: Duration) -> Self {
        self.settings.lifetimes.session_lifetime = duration;
        self
    }

    /// Clock leeway for token times. Default 5 seconds, at most 60.
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.settings.lifetimes.leeway = leeway;
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
        self.settings.lifetimes.fresh_for = fresh_for;
        self
    }

    /// Refuse (`403`) state-changing requests that a browser sends from another origin:
    /// unsafe methods whose `Sec-Fetch-Site` is not `same-origin`/`none`, or, without
    /// it, whose `Origin` is not the request's `Host`. Default on. See
    /// [`CrossOriginPolicy`] for the exact rule.
    pub fn cross_origin_protection(mut self, on: bool) -> Self {
        self.settings.cross_origin.set_enabled(on);
        self
    }

    /// An origin (`https://host[:port]`) allowed to send unsafe requests, such as a
    /// front end on another host. Default: none.
    pub fn trusted_origin(mut self, origin: impl AsRef<str>) -> Self {
        let origin = origin.as_ref();
        if is_origin(origin) {
            self.settings.cross_origin.trust(origin);
        } else {
            self.bad_origins.push(origin.to_owned());
        }
        self
    }

    /// A path prefix (whole segments) where cross-origin protection does not apply:
    /// endpoints meant to be posted from elsewhere (webhooks). Such routes must not
    /// rely on cookies. Default: none.
    pub fn cross_origin_exempt(mut self, path_prefix: impl AsRef<str>) -> Self {
        let prefix = path_prefix.as_ref();
        if prefix.starts_with('/') {
            self.settings.cross_origin.exempt(prefix);
        } else {
            self.bad_origins.push(format!("exempt path {prefix:?}"));
        }
        self
    }

    /// Credential attempts allowed per (username, client IP) in a
    /// [`login_window`](LoginConfigBuilder::login_window). Default 5.
    pub fn login_attempts(mut self, attempts: u32) -> Self {
        self.settings.throttle.per_user_ip = attempts;
        self
    }

    /// Credential attempts allowed per client IP (any usernames) in a window. Default 100.
    pub fn login_attempts_per_ip(mut self, attempts: u32) -> Self {
        self.settings.throttle.per_ip = attempts;
        self
    }

    /// The window the attempt limits count in, from a key's first attempt. Default 15
    /// minutes.
    pub fn login_window(mut self, window: Duration) -> Self {
        self.settings.throttle.window = window.as_secs();
        self
    }

    /// Take the client IP from the last `X-Forwarded-For` entry (the one your proxy
    /// appended) instead of the peer address. Default off: turn it on only behind a
    /// proxy that sets the header, or clients choose their own IP.
    pub fn trust_proxy(mut self, trust: bool) -> Self {
        self.settings.throttle.trust_proxy = trust;
        self
    }

    /// Prefix the remember cookie's name with `__Host-`: browsers then accept it only
    /// with `Secure`, `Path=/` and no `Domain`, so a sibling subdomain or a plain-http
    /// page cannot set or overwrite it. Requires those settings (checked by `build`).
    /// The device cookie of the second factor, which shares the remember cookie's
    /// attributes, is then `__Host-_device`. Default off. The session cookie is actix-session's: give it a `__Host-` name with
    /// `SessionMiddleware::builder(..).cookie_name("__Host-id".into())`.
    pub fn cookie_host_prefix(mut self, on: bool) -> Self {
        self.host_prefix = on;
        self
    }

    /// End a login unused for longer than this (its next request is anonymous).
    /// Default: off. The absolute lifetime applies either way.
    pub fn idle_timeout(mut self, idle: Option<Duration>) -> Self {
        self.settings.lifetimes.idle_timeout = idle;
        self
    }

    /// Write a login's last-seen time at most this often. Default 60 seconds; with an
    /// idle timeout, at most a tenth of it (so activity always keeps a login alive).
    pub fn touch_interval(mut self, interval: Duration) -> Self {
        self.settings.lifetimes.touch_interval = interval;
        self
    }

    /// How long a retired remember token still works. Every remember restore rotates
    /// the token (a new one for the same login, keeping its expiry); the one presented
    /// is retired. Within this window after the rotation it still restores the login
    /// and is answered with the current token (parallel requests, a restored tab);
    /// presented after it, it is taken for a stolen copy: the login ends, for the
    /// thief and the owner alike, with `Ended` reason `RememberTokenReused`. Default 10
    /// seconds; at most 5 minutes.
    pub fn remember_grace(mut self, grace: Duration) -> Self {
        self.settings.lifetimes.remember_grace = grace;
        self
    }

    /// How long a pending login (the password was right, the second factor is to come)
    /// lasts. Default 5 minutes; from 1 second to an hour.
    pub fn two_factor_timeout(mut self, timeout: Duration) -> Self {
        self.settings.lifetimes.two_factor_timeout = timeout;
        self
    }

    /// How long the device cookie (`_device`: a browser that completed a login for a
    /// user) lasts from each completed login, and how long "trust this browser" lasts
    /// from when it was ticked. Default 30 days.
    pub fn device_lifetime(mut self, lifetime: Duration) -> Self {
        self.settings.lifetimes.device_lifetime = lifetime;
        self
    }

    /// Failed credential attempts per account, from any IP, in the window; over it only
    /// browsers with a valid device cookie of that account may try (the others get
    /// `429`, the password unchecked). Feature `two-factor` of login-actix. Default 20.
    pub fn login_attempts_per_account(mut self, attempts: u32) -> Self {
        self.settings.throttle.per_account = attempts;
        self
    }

    /// The most live logins one user may hold, in any store. A login beyond it ends the
    /// user's oldest login (by creation time), never the one logging in, and emits
    /// `Ended` with reason `TooManyLogins`. The library enforces it after every
    /// credential login, so a store of the app's own gets it too. Default 100; from 1
    /// to 10,000.
    pub fn max_logins_per_user(mut self, max: usize) -> Self {
        self.settings.max_logins_per_user = max;
        self
    }

    /// Replaces the clock (seconds since the Unix epoch). For tests that move time
    /// forward; the default is the system clock.
    pub fn clock(mut self, clock: impl Fn() -> u64 + Send + Sync + 'static) -> Self {
        self.settings.clock = Some(Arc::new(clock));
        self
    }

    /// Checks every setting and builds the configuration.
    pub fn build(self) -> Result<LoginConfig, ConfigError> {
        if self.secret_len < MIN_SECRET_LEN {
            return Err(ConfigError::SecretTooShort { min: MIN_SECRET_LEN, got: self.secret_len });
        }
        self.check_urls()?;
        self.check_durations()?;
        self.check_limits()?;
        let cookie = self.checked_cookie()?;
        Ok(LoginConfig { inner: Arc::new(ConfigInner { cookie, ..self.settings }) })
    }

    /// The login and re-authentication URLs are local paths; the origins parsed.
    fn check_urls(&self) -> Result<(), ConfigError> {
        if !is_safe_next(&self.settings.urls.login_url) {
            return Err(ConfigError::NotALocalPath {
                setting: "login_url",
                value: self.settings.urls.login_url.clone(),
            });
        }
        if let Some(url) = self.settings.urls.reauth_url.as_ref().filter(|u| !is_safe_next(u)) {
            return Err(ConfigError::NotALocalPath { setting: "reauth_url", value: url.clone() });
        }
        match self.bad_origins.first() {
            Some(bad) => Err(ConfigError::BadOrigin { value: bad.clone() }),
            None => Ok(()),
        }
    }

    /// Every duration is within its range.
    fn check_durations(&self) -> Result<(), ConfigError> {
        let bad = |setting, detail: &str| Err(ConfigError::BadDuration { setting, detail: detail.into() });
        for (setting, d) in [
            ("remember_duration", Some(self.settings.lifetimes.remember_duration)),
            ("max_remember_duration", Some(self.settings.lifetimes.max_remember_duration)),
            ("session_lifetime", Some(self.settings.lifetimes.session_lifetime)),
            ("idle_timeout", self.settings.lifetimes.idle_timeout),
        ] {
            if d.is_some_and(|d| d.as_secs() == 0) {
                return bad(setting, "must be at least one second");
            }
        }
        if self.settings.lifetimes.remember_duration > self.settings.lifetimes.max_remember_duration {
            return bad("remember_duration", "longer than max_remember_duration");
        }
        if !(Duration::from_secs(1)..=Duration::from_secs(3_600)).contains(&self.settings.lifetimes.two_factor_timeout)
        {
            return bad("two_factor_timeout", "from 1 second to an hour");
        }
        if self.settings.lifetimes.device_lifetime < Duration::from_secs(60) {
            return bad("device_lifetime", "at least a minute");
        }
        if self.settings.lifetimes.remember_grace > MAX_REMEMBER_GRACE {
            return bad("remember_grace", "at most 5 minutes");
        }
        if self.settings.lifetimes.leeway > Duration::from_secs(60) {
            return bad("leeway", "at most 60 seconds");
        }
        Ok(())
    }

    /// The per-user cap of logins and the attempt limits are within their ranges.
    fn check_limits(&self) -> Result<(), ConfigError> {
        let max = crate::memory_registry::MAX_LOGINS_PER_USER_BOUND;
        if !(1..=max).contains(&self.settings.max_logins_per_user) {
            let detail = format!("must be from 1 to {max}");
            return Err(ConfigError::BadDuration { setting: "max_logins_per_user", detail });
        }
        let t = &self.settings.throttle;
        if t.per_user_ip == 0 || t.per_ip == 0 || t.per_account == 0 || t.window == 0 {
            return Err(ConfigError::BadDuration {
                setting: "login_attempts",
                detail: "attempt limits and the window must be at least 1".into(),
            });
        }
        Ok(())
    }

    /// The remember cookie's settings, checked, with the `__Host-` prefix when asked.
    fn checked_cookie(&self) -> Result<CookieSettings, ConfigError> {
        check_cookie_token("next_param", &self.settings.urls.next_param)?;
        check_cookie_token("remember_cookie_name", &self.settings.cookie.name)?;
        let mut cookie = self.settings.cookie.clone();
        if !cookie.path.starts_with('/') || !is_cookie_attr(&cookie.path) {
            return Err(ConfigError::BadCookieValue { setting: "cookie_path", value: cookie.path });
        }
        if let Some(domain) = cookie.domain.as_ref().filter(|d| d.is_empty() || !is_cookie_attr(d)) {
            return Err(ConfigError::BadCookieValue { setting: "cookie_domain", value: domain.clone() });
        }
        if self.host_prefix {
            if !cookie.secure || cookie.path != "/" || cookie.domain.is_some() {
                return Err(ConfigError::BadCookieValue {
                    setting: "cookie_host_prefix",
                    value: "__Host- needs Secure, Path=/ and no Domain".into(),
                });
            }
            if !cookie.name.starts_with("__Host-") {
                cookie.name = format!("__Host-{}", cookie.name);
            }
        }
        Ok(cookie)
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
        assert!(matches!(b().trusted_origin("evil.example").build(), Err(ConfigError::BadOrigin { .. })));
        assert!(b().cross_origin_exempt("hooks").build().is_err());
        assert!(b().login_attempts(0).build().is_err());
        assert!(b().cookie_host_prefix(true).cookie_secure(false).build().is_err());
        assert!(b().cookie_host_prefix(true).cookie_domain(Some("a.example".into())).build().is_err());
        let prefixed = b().cookie_host_prefix(true).build().expect("valid");
        assert_eq!(prefixed.cookie().name, "__Host-_remember");
        assert!(b().two_factor_timeout(Duration::ZERO).build().is_err());
        assert!(b().two_factor_timeout(Duration::from_secs(3_601)).build().is_err());
        let short = b().two_factor_timeout(Duration::from_secs(1)).build().expect("a second is enough for tests");
        assert_eq!(short.two_factor_timeout(), Duration::from_secs(1));
    }

    #[test]
    fn debug_hides_secrets() {
        let c = LoginConfig::new([0xAB; 64]).expect("test fixture");
        let s = format!("{c:?}");
        assert!(!s.to_lowercase().contains("abab"), "{s}");
    }
}
