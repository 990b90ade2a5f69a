//! The login handle: `login_user`, `logout_user` and `refresh_auth_hash`.

use std::{any::TypeId, future::ready, rc::Rc, time::Duration};

use actix_session::{Session, SessionExt};
use actix_web::{
    body::BoxBody,
    dev::Payload,
    http::{header, StatusCode},
    FromRequest, HttpRequest, HttpResponse, Responder,
};
use login_core::{
    choose_next, location_value, now_secs, random_id, AuthUser, Remember, RememberRef, RevokedId, SessionRecord,
    SESSION_KEY,
};

use crate::{
    error::LoginError,
    login_state::{into_actix_error, LoginState},
    remember_cookie::{remember_cookie, CookieAction},
    resolve::{delete_remember_cookie, RequestAuth},
    session_probe::ensure_session,
};

/// Logs users in and out. An extractor; take it in the login and logout handlers.
///
/// ```
/// use actix_web::{post, web, HttpResponse};
/// use login_actix::{AuthUser, LoginSession, Remember};
/// # #[derive(Clone)] struct User { id: i64 }
/// # impl AuthUser for User { type Id = i64; fn id(&self) -> i64 { self.id } }
/// # fn check_password(_: &str, _: &str) -> Option<User> { Some(User { id: 1 }) }
///
/// #[derive(serde::Deserialize)]
/// struct LoginForm { username: String, password: String, remember: Option<String>, next: Option<String> }
///
/// #[post("/login")]
/// async fn login(form: web::Form<LoginForm>, auth: LoginSession) -> actix_web::Result<HttpResponse> {
///     let Some(user) = check_password(&form.username, &form.password) else {
///         return Ok(HttpResponse::SeeOther().insert_header(("Location", "/login?error=1")).finish());
///     };
///     let remember = Remember::from_form_value(form.remember.as_deref());
///     let redirect = auth.login_user(&user, remember).await?;
///     Ok(redirect.next(form.next.as_deref()).fallback("/").into_response())
/// }
///
/// #[post("/logout")]
/// async fn logout(auth: LoginSession) -> actix_web::Result<HttpResponse> {
///     auth.logout_user().await?;
///     Ok(HttpResponse::SeeOther().insert_header(("Location", "/")).finish())
/// }
/// ```
pub struct LoginSession {
    req: HttpRequest,
    state: Rc<LoginState>,
}

impl std::fmt::Debug for LoginSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LoginSession { .. }")
    }
}

impl FromRequest for LoginSession {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match LoginState::of(req) {
            Ok(state) => Ok(LoginSession { req: req.clone(), state }),
            Err(err) => Err(into_actix_error(req, err)),
        })
    }
}

impl LoginSession {
    fn session(&self) -> Result<Session, LoginError> {
        ensure_session(&self.req, &self.state)?;
        Ok(self.req.get_session())
    }

    fn check_user_type<U: AuthUser>(&self) -> Result<(), LoginError> {
        let (expected_id, expected) = self.state.resolver.user_type();
        if expected_id == TypeId::of::<U>() {
            Ok(())
        } else {
            Err(LoginError::UserTypeMismatch { expected, found: std::any::type_name::<U>() })
        }
    }

    fn issue_remember<U: AuthUser>(
        &self,
        uid: &U::Id,
        sah: Option<u64>,
        now: u64,
        lifetime: Duration,
    ) -> Result<RememberRef, LoginError> {
        let (token, reference) = self.state.codec.issue(uid, sah, now, lifetime)?;
        RequestAuth::set_cookie(
            &self.req,
            CookieAction::Set(remember_cookie(self.state.config.cookie(), token, lifetime)),
        );
        Ok(reference)
    }

    /// Logs `user` in: a fresh login in a renewed session (against fixation), with a
    /// remember cookie when asked (`true` or [`Remember::Default`] for the configured
    /// duration, [`Remember::Days`] for N days, capped).
    ///
    /// If another user was logged in, that user's session data is cleared first and
    /// their session and remember token are revoked. The same user logging in again
    /// (re-authentication for a fresh-only route) keeps the session data and, when no
    /// new remember cookie is asked for, the existing one.
    ///
    /// Returns the redirect to send: to the request's `next` when it is safe (see
    /// [`LoginRedirect`]), else to `/` or the given fallback.
    pub async fn login_user<U: AuthUser>(
        &self,
        user: &U,
        remember: impl Into<Remember>,
    ) -> Result<LoginRedirect, LoginError> {
        self.check_user_type::<U>()?;
        let session = self.session()?;
        let store = self.state.config.revocation_store();
        let now = now_secs();
        let uid = user.id();
        let previous = session.get::<SessionRecord<U::Id>>(SESSION_KEY).ok().flatten();
        let same_user = previous.as_ref().is_some_and(|p| p.uid == uid);
        let mut kept_remember = None;
        if let Some(prev) = previous {
            store.revoke(RevokedId::Session(prev.sid), prev.exp).await?;
            if same_user {
                kept_remember = prev.remember;
            } else {
                session.clear();
                if let Some(r) = &prev.remember {
                    store.revoke(RevokedId::Remember(r.jti), r.exp).await?;
                }
            }
        }
        let sah = self.state.config.keys().auth_tag(user.session_auth_hash().as_deref());
        let remember = match remember.into().duration(&self.state.config) {
            Some(lifetime) => {
                if let Some(old) = kept_remember.take() {
                    store.revoke(RevokedId::Remember(old.jti), old.exp).await?;
                }
                Some(self.issue_remember::<U>(&uid, sah, now, lifetime)?)
            }
            None if kept_remember.is_some() => kept_remember,
            None => {
                delete_remember_cookie(&self.state, &self.req);
                None
            }
        };
        let record = SessionRecord {
            uid,
            fresh: true,
            sid: random_id(),
            exp: now.saturating_add(self.state.config.session_lifetime().as_secs()),
            sah,
            remember,
        };
        session.renew();
        session.insert(SESSION_KEY, &record).map_err(|e| LoginError::Session(e.to_string()))?;
        RequestAuth::reset(&self.req);
        tracing::info!(user_id = ?record.uid, remember = record.remember.is_some(), "user logged in");
        Ok(LoginRedirect::new(self.req.clone()))
    }

    /// Logs the current user out: the session is purged, the remember cookie deleted
    /// (same name, Path, Domain and attributes), and both the login session and the
    /// remember token revoked, so a copy of either cookie replayed later is anonymous.
    ///
    /// Safe to call when nobody is logged in. When the revocation store is down, the
    /// session and cookie are still cleared in this browser and the call returns
    /// [`LoginError::Store`] (a `503`).
    pub async fn logout_user(&self) -> Result<(), LoginError> {
        let session = self.session()?;
        let record = session.get::<SessionRecord<serde_json::Value>>(SESSION_KEY).ok().flatten();
        let token = self.req.cookie(&self.state.config.cookie().name);
        session.purge();
        RequestAuth::set_cookie(&self.req, CookieAction::Delete);
        RequestAuth::settle(&self.req, Ok(None));

        let store = self.state.config.revocation_store();
        let mut user_id = None;
        if let Some(record) = record {
            store.revoke(RevokedId::Session(record.sid), record.exp).await?;
            if let Some(r) = &record.remember {
                store.revoke(RevokedId::Remember(r.jti), r.exp).await?;
            }
            user_id = Some(record.uid);
        }
        if let Some(cookie) = token {
            if let Ok(claims) = self.state.codec.verify::<serde_json::Value>(cookie.value(), now_secs()) {
                store.revoke(RevokedId::Remember(claims.jti), claims.exp).await?;
                user_id = user_id.or(Some(claims.uid));
            }
        }
        tracing::info!(user_id = ?user_id, "user logged out");
        Ok(())
    }

    /// Keeps this session logged in after the user's
    /// [`session_auth_hash`](AuthUser::session_auth_hash) changed (password change,
    /// "log out everywhere"). Every other session and remember cookie of the user stops
    /// working at its next request; this one gets the new hash, a renewed session id
    /// and, if it had a remember cookie, a new one with the same expiry.
    pub async fn refresh_auth_hash<U: AuthUser>(&self, user: &U) -> Result<(), LoginError> {
        self.check_user_type::<U>()?;
        let session = self.session()?;
        let Some(mut record) = session.get::<SessionRecord<U::Id>>(SESSION_KEY).ok().flatten() else {
            return Ok(());
        };
        let store = self.state.config.revocation_store();
        let now = now_secs();
        store.revoke(RevokedId::Session(record.sid), record.exp).await?;
        record.sid = random_id();
        record.sah = self.state.config.keys().auth_tag(user.session_auth_hash().as_deref());
        if let Some(old) = record.remember.take() {
            store.revoke(RevokedId::Remember(old.jti), old.exp).await?;
            if old.exp > now {
                record.remember =
                    Some(self.issue_remember::<U>(&record.uid, record.sah, now, Duration::from_secs(old.exp - now))?);
            }
        }
        session.renew();
        session.insert(SESSION_KEY, &record).map_err(|e| LoginError::Session(e.to_string()))?;
        RequestAuth::reset(&self.req);
        tracing::info!(user_id = ?record.uid, "session auth hash refreshed; other sessions end");
        Ok(())
    }
}

/// The redirect after a login: `303 See Other` to a safe `next`, else to the fallback.
///
/// Candidates, in order: the value given to [`next`](LoginRedirect::next) (a form
/// field), then the request's `?next=` query parameter. A candidate is used only if it
/// passes [`is_safe_next`](login_core::is_safe_next) as decoded once; bytes outside
/// printable ASCII are percent-encoded in the `Location`.
#[must_use]
#[derive(Debug)]
pub struct LoginRedirect {
    req: HttpRequest,
    next: Option<String>,
    fallback: String,
}

impl LoginRedirect {
    fn new(req: HttpRequest) -> Self {
        LoginRedirect { req, next: None, fallback: "/".to_owned() }
    }

    /// A `next` taken from the login form; preferred over the query string.
    pub fn next(mut self, next: Option<&str>) -> Self {
        self.next = next.map(str::to_owned);
        self
    }

    /// Where to go when no safe `next` is given. Default `/`.
    pub fn fallback(mut self, url: impl Into<String>) -> Self {
        self.fallback = url.into();
        self
    }

    /// The target chosen by the rules above.
    pub fn target(&self) -> String {
        let query_next = form_urlencoded::parse(self.req.query_string().as_bytes())
            .find(|(k, _)| k == "next")
            .map(|(_, v)| v.into_owned());
        location_value(choose_next([self.next.as_deref(), query_next.as_deref()], &self.fallback))
    }

    /// The redirect response.
    pub fn into_response(self) -> HttpResponse {
        HttpResponse::build(StatusCode::SEE_OTHER)
            .insert_header((header::LOCATION, self.target()))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish()
    }
}

impl Responder for LoginRedirect {
    type Body = BoxBody;

    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        self.into_response()
    }
}
