//! Login throttling: [`LoginThrottle`], the extractor the login handler calls around
//! its own credential check, its [`LoginAttempt`], and the counter stores.

use std::{future::ready, net::IpAddr, rc::Rc};

#[cfg(feature = "redis")]
mod redis_throttle;

pub use login_core::{
    attempt_keys, throttle_keys, AttemptKeys, Hit, MemoryThrottle, ThrottleStore, DEFAULT_MAX_THROTTLE_KEYS,
    NEW_COUNTER_SECS,
};
#[cfg(feature = "redis")]
pub use redis_throttle::RedisThrottle;

use actix_web::{dev::Payload, FromRequest, HttpRequest};

use crate::{
    error::LoginError,
    events::LoginEvent,
    state::flow::{into_actix_error, Flow},
};

/// Counts credential attempts per (username, client IP) and per client IP, and refuses
/// them over the limits (see [`login_attempts`](login_core::LoginConfigBuilder::login_attempts)).
///
/// ```
/// use actix_web::{post, web, HttpResponse};
/// use login_actix::{AuthUser, LoginSession, LoginThrottle, Remember};
/// # #[derive(Clone)] struct User { id: i64 }
/// # impl AuthUser for User { type Id = i64; fn id(&self) -> i64 { self.id } }
/// # async fn check_password(_: &str, _: &str) -> Option<User> { Some(User { id: 1 }) }
///
/// #[derive(serde::Deserialize)]
/// struct LoginForm { username: String, password: String }
///
/// #[post("/login")]
/// async fn login(form: web::Form<LoginForm>, throttle: LoginThrottle, auth: LoginSession<User>) -> actix_web::Result<HttpResponse> {
///     // Over the limit: `429 Too Many Requests` with `Retry-After`, before any password work.
///     let attempt = throttle.attempt(&form.username).await?;
///     let Some(user) = check_password(&form.username, &form.password).await else {
///         attempt.failed();
///         return Ok(HttpResponse::SeeOther().insert_header(("Location", "/login?error=1")).finish());
///     };
///     attempt.succeeded().await?;
///     Ok(auth.login_user(&user, Remember::No).await?.into_response())
/// }
/// ```
pub struct LoginThrottle {
    req: HttpRequest,
    state: Rc<Flow>,
    /// Counters of their own for another kind of request (see [`LoginThrottle::purpose`]).
    purpose: Option<&'static str>,
}

impl std::fmt::Debug for LoginThrottle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginThrottle").field("client_ip", &self.client_ip()).finish()
    }
}

impl FromRequest for LoginThrottle {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match Flow::of(req) {
            Ok(state) => Ok(LoginThrottle { req: req.clone(), state, purpose: None }),
            Err(err) => Err(into_actix_error(req, err)),
        })
    }
}

/// One counted credential attempt. Tell it how the check went: it is counted from the
/// start, and only [`succeeded`](LoginAttempt::succeeded) takes it back. Dropping it
/// without a word leaves it counted (and logs a warning).
#[must_use = "finish the attempt: `succeeded()` (a completed login), `failed()` (a wrong credential), \
              `pending()` (the second factor is to come) or `keep()` (every request counts)"]
pub struct LoginAttempt {
    state: Rc<Flow>,
    user_key: String,
    ip_key: String,
    /// The account's counter, when this attempt counted in it.
    account_key: Option<String>,
    /// Whether one of the finishing calls was made.
    finished: bool,
}

impl Drop for LoginAttempt {
    fn drop(&mut self) {
        if !self.finished {
            tracing::warn!(
                client = %self.ip_key,
                "a login attempt was dropped without succeeded(), failed(), pending() or keep(): it stays counted"
            );
        }
    }
}

impl std::fmt::Debug for LoginAttempt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginAttempt").field("client", &self.ip_key).finish_non_exhaustive()
    }
}

impl LoginThrottle {
    /// The throttle of the request `req` (the login handle's own use).
    #[cfg(feature = "two-factor")]
    pub(crate) fn for_request(req: &HttpRequest, state: &Rc<Flow>) -> LoginThrottle {
        LoginThrottle { req: req.clone(), state: Rc::clone(state), purpose: None }
    }

    /// The same limits, counted in counters of their own for `purpose` (a short label,
    /// such as `"password-reset"`): for requests that must not be repeated at will but
    /// must never lock anyone out of logging in, such as asking for a password-reset
    /// link. Pair it with [`LoginAttempt::keep`] when every request counts.
    ///
    /// ```
    /// use actix_web::{post, web, HttpResponse};
    /// use login_actix::LoginThrottle;
    ///
    /// #[derive(serde::Deserialize)]
    /// struct Forgot { username: String }
    ///
    /// #[post("/password/forgot")]
    /// async fn forgot(form: web::Form<Forgot>, throttle: LoginThrottle) -> actix_web::Result<HttpResponse> {
    ///     // 429 over the limit, whether or not the user exists.
    ///     throttle.purpose("password-reset").attempt(&form.username).await?.keep();
    ///     // ... mail a link if the user exists; answer the same page either way.
    ///     Ok(HttpResponse::Ok().body("If that account exists, a link is on its way."))
    /// }
    /// ```
    pub fn purpose(mut self, purpose: &'static str) -> Self {
        self.purpose = Some(purpose);
        self
    }

    /// The client IP the throttle counts: the peer address, or with
    /// [`trust_proxy`](login_core::LoginConfigBuilder::trust_proxy) the last valid
    /// `X-Forwarded-For` entry.
    pub fn client_ip(&self) -> Option<IpAddr> {
        if self.state.config.throttle().trust_proxy {
            // The last entry is the one the trusted proxy appended; anything before it
            // was written by the client. Never fall back to an earlier entry.
            let last = self
                .req
                .headers()
                .get_all("x-forwarded-for")
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .last()
                .map(str::trim);
            if let Some(ip) = last.and_then(parse_forwarded_ip) {
                return Some(ip);
            }
        }
        self.req.peer_addr().map(|addr| addr.ip())
    }

    /// Counts an attempt to log in as `username`. Over a limit it is
    /// [`LoginError::Throttled`] (`429` with `Retry-After`): do not check the password.
    /// A store that cannot count is [`LoginError::Store`] (`503`): fail closed.
    ///
    /// With feature `two-factor`, attempts are also counted per account, and over
    /// [`login_attempts_per_account`](login_core::LoginConfigBuilder::login_attempts_per_account)
    /// this refuses every browser: use `attempt_for` (of that feature), which lets the
    /// account's known browsers through.
    pub async fn attempt(&self, username: &str) -> Result<LoginAttempt, LoginError> {
        self.count(username, || async { Ok(false) }).await
    }

    /// [`attempt`](LoginThrottle::attempt) for the account of `user` (`None` for an
    /// unknown name, which is counted just the same: the limit tells nothing): over
    /// the per-account limit, only a browser with a valid device cookie of this user
    /// may try (the others get `429`, the password unchecked, whether it was right or
    /// not). The per-(username, IP) and per-IP limits hold for every browser.
    #[cfg(feature = "two-factor")]
    pub async fn attempt_for<U: login_core::AuthUser>(
        &self,
        username: &str,
        user: Option<&U>,
    ) -> Result<LoginAttempt, LoginError> {
        let now = self.state.config.now();
        self.count(username, || async move {
            match user {
                Some(user) => {
                    Ok(crate::two_factor::device_cookie::valid_for(&self.state, &self.req, user, now).await?.is_some())
                }
                None => Ok(false),
            }
        })
        .await
    }

    /// Counts the attempt in every counter; `known_browser` is asked only when the
    /// account is over its limit.
    async fn count<F, Fut>(&self, username: &str, known_browser: F) -> Result<LoginAttempt, LoginError>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<bool, LoginError>>,
    {
        let settings = self.state.config.throttle();
        let store = self.state.stores.throttle();
        let now = self.state.config.now();
        let AttemptKeys { user_ip: user_key, ip: ip_key, account: account_key } =
            attempt_keys(username, self.client_ip(), self.purpose);
        // Every purpose has its per-account counter; logins only with the second factor,
        // which lets the account's known browsers through when it is over.
        let per_account = cfg!(feature = "two-factor") || self.purpose.is_some();
        // The IP first: a client over its limit creates no per-username counter.
        let per_ip = store.hit(&ip_key, now, settings.window).await?;
        let mut over = if per_ip.count > settings.per_ip {
            Some(per_ip)
        } else {
            let per_user = store.hit(&user_key, now, settings.window).await?;
            (per_user.count > settings.per_user_ip).then_some(per_user)
        };
        let mut counted_account = false;
        if over.is_none() && per_account {
            let account = store.hit(&account_key, now, settings.window).await?;
            counted_account = true;
            if account.count > settings.per_account && !known_browser().await? {
                tracing::info!(
                    "login attempt refused: the account is over its limit and this browser is unknown to it"
                );
                over = Some(account);
            }
        }
        if let Some(hit) = over {
            let retry_after = hit.window_end.saturating_sub(now).max(1);
            self.state.emit(&self.req, &LoginEvent::Throttled { client: ip_key, retry_after });
            return Err(LoginError::Throttled { retry_after });
        }
        let account_key = counted_account.then_some(account_key);
        Ok(LoginAttempt { state: Rc::clone(&self.state), user_key, ip_key, account_key, finished: false })
    }
}

impl LoginAttempt {
    /// The credential was wrong: the attempt stays counted.
    pub fn failed(mut self) {
        self.finished = true;
        tracing::info!(client = %self.ip_key, "login failed: bad credentials");
    }

    /// The attempt stays counted, whatever came of it: for requests where no outcome
    /// resets the count (asking for a password-reset link).
    pub fn keep(mut self) {
        self.finished = true;
    }

    /// The credential was right and the login is complete: the (username, IP) counter
    /// is forgotten, and the attempt taken back from the IP's and the account's counts
    /// (a success never resets the account's count: its failures stand).
    pub async fn succeeded(mut self) -> Result<(), LoginError> {
        self.finished = true;
        let store = self.state.stores.throttle();
        store.forget(&self.user_key).await?;
        store.undo(&self.ip_key).await?;
        if let Some(account) = &self.account_key {
            store.undo(account).await?;
        }
        Ok(())
    }

    /// The password was right but the second factor is to come: the attempt stays
    /// counted in every counter until the code step completes the login
    /// (`LoginSession::complete_second_factor`, with the `two-factor` feature, takes
    /// it back), so password steps that never finish are limited like wrong passwords.
    pub fn pending(mut self) {
        self.finished = true;
        tracing::info!(client = %self.ip_key, "password accepted; counted until the second factor completes");
    }
}

impl LoginThrottle {
    /// Takes back the attempt of a password step that became a login after its code
    /// step, as [`LoginAttempt::succeeded`] does: the client's (username, IP) counter
    /// forgotten, one attempt taken from the IP's and the account's counts.
    #[cfg(feature = "two-factor")]
    pub(crate) async fn take_back_password_step(&self, username: &str) -> Result<(), LoginError> {
        let store = self.state.stores.throttle();
        let keys = attempt_keys(username, self.client_ip(), self.purpose);
        store.forget(&keys.user_ip).await?;
        store.undo(&keys.ip).await?;
        store.undo(&keys.account).await?;
        Ok(())
    }
}

/// An `X-Forwarded-For` entry as an IP: `203.0.113.9`, `2001:db8::1`, and the
/// `ip:port` / `[v6]:port` forms some proxies write.
fn parse_forwarded_ip(entry: &str) -> Option<IpAddr> {
    if let Ok(ip) = entry.parse::<IpAddr>() {
        return Some(ip);
    }
    entry.parse::<std::net::SocketAddr>().ok().map(|addr| addr.ip())
}
