//! The login handle: `login_user`, `logout_user`, `refresh_auth_hash` and the
//! sessions page (`logins`, `end_login`).

use std::{future::ready, marker::PhantomData, rc::Rc, time::Duration};

use actix_session::{Session, SessionExt, SessionStatus};
use actix_web::{dev::Payload, http::header, FromRequest, HttpMessage, HttpRequest};
use login_core::{
    internal::{RememberClaims, SessionRecord, SESSION_KEY},
    user_agent_label, user_key, AuthUser, LiveLogin, LoginId, Remember,
};

use crate::{
    error::LoginError,
    events::{id_value, EndReason, LoginEvent, RefusalReason},
    login::{
        info::{LoggedOut, LoginInfo},
        redirect::LoginRedirect,
    },
    state::{
        context::BearerExempt,
        flow::{into_actix_error, Flow},
        memo::{memoized, Memo},
        named_login::{named_logins, remember_cookie, session_record, standing, RememberCookie, Standing},
        outcome::LoginRef,
        remember_cookie,
        session_probe::ensure_session,
    },
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
/// async fn login(form: web::Form<LoginForm>, auth: LoginSession<User>) -> actix_web::Result<HttpResponse> {
///     let Some(user) = check_password(&form.username, &form.password) else {
///         return Ok(HttpResponse::SeeOther().insert_header(("Location", "/login?error=1")).finish());
///     };
///     let remember = Remember::from_form_value(form.remember.as_deref());
///     let redirect = auth.login_user(&user, remember).await?;
///     Ok(redirect.next(form.next.as_deref()).fallback("/").into_response())
/// }
///
/// #[post("/logout")]
/// async fn logout(auth: LoginSession<User>) -> actix_web::Result<HttpResponse> {
///     auth.logout_user().await?;
///     Ok(HttpResponse::SeeOther().insert_header(("Location", "/")).finish())
/// }
/// ```
pub struct LoginSession<U> {
    pub(crate) req: HttpRequest,
    pub(crate) state: Rc<Flow>,
    user: PhantomData<fn() -> U>,
}

impl<U> std::fmt::Debug for LoginSession<U> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LoginSession { .. }")
    }
}

impl<U: AuthUser> FromRequest for LoginSession<U> {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Self::of(req).map_err(|err| into_actix_error(req, err)))
    }
}

impl<U: AuthUser> LoginSession<U> {
    /// The handle of `req`: an error when the middleware is missing or its loader's
    /// user type is not `U`.
    pub(crate) fn of(req: &HttpRequest) -> Result<Self, LoginError> {
        let state = Flow::of(req)?;
        state.expect_user_type::<U>()?;
        Ok(LoginSession { req: req.clone(), state, user: PhantomData })
    }

    pub(crate) fn session(&self) -> Result<Session, LoginError> {
        ensure_session(&self.req, &self.state)?;
        Ok(self.req.get_session())
    }

    /// Issues a remember token for `login` (its current generation), lasting
    /// `lifetime` from `now`, and schedules its cookie; returns the token's expiry.
    fn issue_remember<Id: serde::Serialize + Clone + 'static>(
        &self,
        user_id: &Id,
        login: LoginRef,
        auth_tag: Option<u64>,
        now: u64,
        lifetime: Duration,
    ) -> Result<u64, LoginError> {
        let claims = RememberClaims {
            forced: login.forced,
            remember_gen: login.remember_gen,
            ..RememberClaims::new(user_id.clone(), login.id, auth_tag, now, lifetime)
        };
        remember_cookie::schedule_token(&self.state, &self.req, &claims, now)?;
        Ok(claims.exp)
    }

    /// The claims of the request's valid remember token.
    fn remember_claims<Id: serde::de::DeserializeOwned>(&self, now: u64) -> Option<RememberClaims<Id>> {
        remember_cookie(&self.state, &self.req, now).claims()
    }

    /// The request's login state, as every extractor sees it: the user and the live
    /// login, `None` when anonymous (a dead or missing record included) or logged in by
    /// a bearer token (no login to manage).
    async fn current(&self) -> Result<Option<(Rc<U>, LoginRef)>, LoginError> {
        let Some(authed) = memoized(&self.req).await? else { return Ok(None) };
        // The handle's type is the loader's (checked when it was extracted).
        Ok(authed.login.zip(authed.user.downcast::<U>().ok()).map(|(login, user)| (user, login)))
    }

    /// The current user's id and login (see [`current`](Self::current)).
    async fn current_login(&self) -> Result<Option<(U::Id, LoginRef)>, LoginError> {
        Ok(self.current().await?.map(|(user, login)| (user.id(), login)))
    }

    /// Writes the login record of `user`'s `login` into a renewed session and makes it
    /// the request's login state.
    fn write_record(
        &self,
        session: &Session,
        user_id: U::Id,
        login: LoginRef,
        auth_tag: Option<u64>,
    ) -> Result<SessionRecord<U::Id>, LoginError> {
        let record = SessionRecord {
            user_id,
            login_id: login.id,
            authenticated_at: login.authenticated_at,
            auth_tag,
            forced: login.forced,
            restored: login.restored,
        };
        session.renew();
        session.insert(SESSION_KEY, &record).map_err(LoginError::session)?;
        Memo::changed(&self.req);
        Ok(record)
    }

    /// Logs `user` in after the app checked a credential: a fresh login in a renewed
    /// session (against fixation), with a remember cookie when asked (`true` or
    /// [`Remember::Default`] for the configured duration, [`Remember::Days`] for N days,
    /// capped).
    ///
    /// A new *login* is created in the registry (the sessions page lists it). The one
    /// exception: the same user logging in again in a session whose login is still
    /// live (re-authentication for a fresh-only route) continues that login, keeps the
    /// session data and, when no new remember cookie is asked for, the existing one.
    /// In every other case (no record, a record whose login ended, another user's, a
    /// login continued from the remember cookie alone) the session starts empty, and
    /// another user's live login in this browser ends.
    ///
    /// For the rest of the request the user is the current user, whatever cookies the
    /// request carried.
    ///
    /// Returns the redirect to send: to the request's `next` when it is safe (see
    /// [`LoginRedirect`]), else to `/` or the given fallback.
    pub async fn login_user(&self, user: &U, remember: impl Into<Remember>) -> Result<LoginRedirect, LoginError> {
        self.login(user).remember(remember).await
    }

    /// A login with options: [`remember`](LoginBuilder::remember),
    /// [`fresh`](LoginBuilder::fresh) (default `true`), [`force`](LoginBuilder::force)
    /// (log in an inactive user; default `false`). Await it.
    ///
    /// ```
    /// # use login_actix::{AuthUser, LoginSession, Remember};
    /// # #[derive(Clone)] struct User { id: i64 }
    /// # impl AuthUser for User { type Id = i64; fn id(&self) -> i64 { self.id } }
    /// async fn after_magic_link(auth: LoginSession<User>, user: User) -> actix_web::Result<()> {
    ///     // Logged in, but not fresh: sensitive routes still ask for the password.
    ///     auth.login(&user).remember(Remember::No).fresh(false).await?;
    ///     Ok(())
    /// }
    /// ```
    pub fn login<'a>(&'a self, user: &'a U) -> LoginBuilder<'a, U> {
        LoginBuilder { auth: self, user, options: LoginOptions::default() }
    }

    /// Makes a credential login of `user` with `options`: see
    /// [`login_user`](LoginSession::login_user) for what it does.
    pub(crate) async fn log_in(&self, user: &U, options: LoginOptions) -> Result<LoginRedirect, LoginError> {
        self.refuse_login(user, options.force)?;
        let session = self.writable_session()?;
        let config = &self.state.config;
        let now = config.now();
        let user_id = user.id();
        let auth_tag = config.keys().auth_tag(user.session_auth_hash().as_deref());

        let named = self.settle_named_logins(&session, Some((&user_id, auth_tag)), now).await?;
        let NamedLogins { continued, remember_gen, record_login, token_login } = named;
        // What a login starts from: the session's data survives only when its own record
        // names the login that continues (a live login of this user). A login continuing
        // the remember token's login, replacing another user's, or after a missing or
        // dropped record starts from an empty session.
        let keeps_session = continued.is_some() && record_login == continued;
        #[cfg(feature = "two-factor")]
        crate::two_factor::pending_user::end_browsers_pending(&self.state, &session).await?;
        if !keeps_session {
            session.clear();
        }
        let id = continued.unwrap_or_else(LoginId::random);
        let (authenticated_at, forced) = (options.fresh.then_some(now), options.force);
        let login = LoginRef { id, authenticated_at, restored: false, forced, remember_gen };
        let remember_end = match options.remember.duration(config) {
            Some(lifetime) => Some(self.issue_remember(&user_id, login, auth_tag, now, lifetime)?),
            None => {
                // Keep the browser's remember cookie only when it names the continued login.
                if token_login.as_ref().is_none_or(|claims| Some(claims.login_id) != continued) {
                    remember_cookie::delete_if_present(&self.state, &self.req);
                }
                None
            }
        };
        let lifetime_end = now.saturating_add(config.session_lifetime().as_secs());
        let expires_at = remember_end.map_or(lifetime_end, |end| end.max(lifetime_end));
        let remembered = remember_end.is_some();
        if continued.is_some() {
            // A credential re-login renews the login: last seen now, lifetime from now.
            self.state.stores.registry().touch(id, now).await?;
            self.state.stores.registry().extend(id, expires_at, remembered).await?;
        } else {
            self.insert_live_login(&user_id, id, now, expires_at, remembered).await?;
        }
        #[cfg(feature = "two-factor")]
        crate::two_factor::device_cookie::renew(&self.state, &self.req, user, options.trust_browser, now).await?;
        let record = self.write_record(&session, user_id, login, auth_tag)?;
        self.state.emit(&self.req, &LoginEvent::LoggedIn { user_id: id_value(&record.user_id), remembered });
        Ok(LoginRedirect::new(self.req.clone()))
    }

    /// Refuses a login this request may not make: from a bearer request that skipped
    /// cross-origin protection, or of an inactive user unless `force`d.
    fn refuse_login(&self, user: &U, force: bool) -> Result<(), LoginError> {
        if self.req.extensions().contains::<BearerExempt>() {
            let event = LoginEvent::Refused { user_id: None, reason: RefusalReason::CrossOrigin };
            self.state.emit(&self.req, &event);
            return Err(LoginError::CrossOriginLogin);
        }
        if !force && !user.is_active() {
            let event =
                LoginEvent::Refused { user_id: Some(id_value(&user.id())), reason: RefusalReason::InactiveUser };
            self.state.emit(&self.req, &event);
            return Err(LoginError::Inactive);
        }
        Ok(())
    }

    /// The session a login writes into; an error when it was purged earlier in this
    /// request (actix-session ignores every write to it then: a login now would exist
    /// in the registry with no cookie naming it).
    fn writable_session(&self) -> Result<Session, LoginError> {
        let session = self.session()?;
        if session.status() == SessionStatus::Purged {
            tracing::error!("{}", LoginError::SessionPurged);
            return Err(LoginError::SessionPurged);
        }
        Ok(session)
    }

    /// Inserts the new login `id` of `user_id`, made at `now` from this request's
    /// browser, and holds the user to the per-user cap.
    async fn insert_live_login<Id>(
        &self,
        user_id: &Id,
        id: LoginId,
        now: u64,
        expires_at: u64,
        remembered: bool,
    ) -> Result<(), LoginError>
    where
        Id: serde::Serialize + std::fmt::Debug,
    {
        let user_agent = self.req.headers().get(header::USER_AGENT).map(|v| v.as_bytes()).unwrap_or_default();
        let (user_agent, user_key) = (user_agent_label(user_agent), user_key(user_id));
        let login = LiveLogin { id, user_key, created_at: now, last_seen_at: now, expires_at, remembered, user_agent };
        let key = login.user_key.clone();
        self.state.stores.registry().insert(login).await?;
        self.enforce_cap(user_id, &key, id, now).await
    }

    /// The logins this browser's cookies name (its session record's and its remember
    /// token's): one continues when it is `continue_as`'s user's, live, not idle, of the
    /// current auth tag and not named by a reused remember token (re-authentication);
    /// every other one ends, so that no login this browser held outlives a new login
    /// or a logout here.
    pub(crate) async fn settle_named_logins(
        &self,
        session: &Session,
        continue_as: Option<(&U::Id, Option<u64>)>,
        now: u64,
    ) -> Result<NamedLogins<U::Id>, LoginError> {
        let registry = self.state.stores.registry();
        let token_login = self.remember_claims::<U::Id>(now);
        let record = session_record::<U::Id>(session);
        let record_login = record.as_ref().map(|r| r.login_id);
        let mut continued: Option<LoginId> = None;
        let mut remember_gen = 0;
        for named in named_logins(record.as_ref(), token_login.as_ref()) {
            let standing = standing(&self.state, &named, now).await?;
            let same_user = continue_as.is_some_and(|(id, tag)| named.user_id == *id && named.auth_tag == tag);
            if let (None, true, Standing::Live(times)) = (continued, same_user, &standing) {
                continued = Some(named.login_id);
                remember_gen = times.remember_gen;
                continue;
            }
            // A retired remember token past its window names a login a copy of the
            // cookie restored: it ends (for the copy's holder too), as at a restore.
            if registry.remove(named.login_id).await? {
                let reason = match standing {
                    Standing::Reused => EndReason::RememberTokenReused,
                    Standing::Idle => EndReason::Idle,
                    _ => EndReason::Replaced,
                };
                self.state.emit(&self.req, &LoginEvent::Ended { user_id: id_value(&named.user_id), reason });
            }
        }
        Ok(NamedLogins { continued, remember_gen, record_login, token_login })
    }

    /// The per-user cap, for every store: past
    /// [`max_logins_per_user`](crate::config::LoginConfigBuilder::max_logins_per_user),
    /// the user's oldest logins end (never `new`, the one logging in).
    async fn enforce_cap<Id: serde::Serialize + std::fmt::Debug>(
        &self,
        user_id: &Id,
        user_key: &str,
        new: LoginId,
        now: u64,
    ) -> Result<(), LoginError> {
        let config = &self.state.config;
        let registry = self.state.stores.registry();
        let mut logins = registry.list_user(user_key, now).await?;
        let excess = logins.len().saturating_sub(config.max_logins_per_user());
        // Oldest first, by creation time and then by id (ids are in creation order, also
        // within a second), whatever order the store answers in. Only logins older than
        // this one may go, so that two logins at once never end each other: the later
        // one survives.
        logins.sort_by_key(|l| (l.created_at, l.id));
        for login in logins.iter().take_while(|l| l.id != new).take(excess) {
            if registry.remove(login.id).await? {
                let event = LoginEvent::Ended { user_id: id_value(user_id), reason: EndReason::TooManyLogins };
                self.state.emit(&self.req, &event);
            }
        }
        Ok(())
    }

    /// Logs the current user out: the login leaves the registry (so a copy of the
    /// session or remember cookie replayed later is anonymous, on every instance and
    /// after a restart), the session is purged and the remember cookie deleted (same
    /// name, Path, Domain and attributes).
    ///
    /// Safe to call when nobody is logged in. A logout either holds or leaves a way to
    /// retry: when the registry cannot record it, the call returns
    /// [`LoginError::Store`] (a `503`) and changes nothing in this browser, which keeps
    /// both cookies to retry with; it never reports a logout while the login is live.
    pub async fn logout_user(&self) -> Result<LoggedOut<U::Id>, LoginError> {
        let token = match remember_cookie::<serde_json::Value>(&self.state, &self.req, self.state.config.now()) {
            // Cookies nobody can read name logins nobody can tell: no logout is reported.
            RememberCookie::Unreadable => return Err(LoginError::UnreadableCookies),
            cookie => cookie.claims(),
        };
        let session = self.session()?;
        let record = session_record::<serde_json::Value>(&session);

        // The registry first: only once the logins are gone does the browser forget them.
        let registry = self.state.stores.registry();
        // Who logged out: the owner of a login this logout really ended (a logged-out
        // copy of the cookies names a user, but logs nobody out).
        let mut ended = Vec::with_capacity(2);
        for named in named_logins(record.as_ref(), token.as_ref()) {
            if registry.remove(named.login_id).await? {
                ended.push(named.user_id);
            }
        }
        #[cfg(feature = "two-factor")]
        crate::two_factor::pending_user::end_browsers_pending(&self.state, &session).await?;
        session.purge();
        remember_cookie::schedule_delete(&self.state, &self.req);
        Memo::settle(&self.req, Ok(None));
        // One event per login this logout ended (the session's and another user's
        // remember cookie may name two), one without a user when it ended none.
        if ended.is_empty() {
            self.state.emit(&self.req, &LoginEvent::LoggedOut { user_id: None });
        }
        for user_id in &ended {
            self.state.emit(&self.req, &LoginEvent::LoggedOut { user_id: Some(user_id.clone()) });
        }
        let user_id = ended.into_iter().next().and_then(|id| serde_json::from_value(id).ok());
        Ok(LoggedOut { user_id })
    }

    /// Marks this session fresh again without a password (Flask-Login's
    /// `confirm_login`), after the app checked the user another way (a second factor,
    /// a WebAuthn assertion). Does nothing when nobody is logged in.
    pub async fn confirm_login(&self) -> Result<(), LoginError> {
        let Some((user, login)) = self.current().await? else { return Ok(()) };
        let session = self.session()?;
        let now = self.state.config.now();
        let auth_tag = self.state.config.keys().auth_tag(user.session_auth_hash().as_deref());
        let login = LoginRef { authenticated_at: Some(now), restored: false, ..login };
        let record = self.write_record(&session, user.id(), login, auth_tag)?;
        tracing::info!(user_id = ?record.user_id, "login confirmed: the session is fresh again");
        Ok(())
    }

    /// Ends every login of the user with `user_id` but `except`, and (with the second
    /// factor) every pending login of the user: the number of logins ended.
    async fn end_user_logins<Id: serde::Serialize>(
        &self,
        user_id: &Id,
        except: Option<LoginId>,
    ) -> Result<usize, LoginError> {
        let (registry, key) = (self.state.stores.registry(), user_key(user_id));
        let ended = registry.remove_user(&key, except).await?;
        #[cfg(feature = "two-factor")]
        self.state.stores.second_factor().remove_pending_of(&key).await?;
        Ok(ended)
    }

    /// Ends every login of the user with `user_id` (an administrator deactivating or
    /// deleting an account): each is anonymous at its next request, on every instance.
    /// Returns how many ended.
    pub async fn end_logins_of(&self, user_id: &U::Id) -> Result<usize, LoginError> {
        let ended = self.end_user_logins(user_id, None).await?;
        if ended > 0 {
            let event = LoginEvent::Ended { user_id: id_value(user_id), reason: EndReason::EndedByRequest };
            self.state.emit(&self.req, &event);
        }
        Ok(ended)
    }

    /// Ends every login of the current user, this one included ("log out everywhere"),
    /// and clears this browser like [`logout_user`](LoginSession::logout_user). Returns
    /// how many ended; `0` when nobody is logged in (a logged-out copy of a session
    /// ends nothing).
    pub async fn logout_everywhere(&self) -> Result<usize, LoginError> {
        let others = match self.current_login().await? {
            Some((user_id, login)) => {
                let others = self.end_user_logins(&user_id, Some(login.id)).await?;
                if others > 0 {
                    let event = LoginEvent::Ended { user_id: id_value(&user_id), reason: EndReason::EndedEverywhere };
                    self.state.emit(&self.req, &event);
                }
                others
            }
            None => 0,
        };
        // This browser's own login ends as a logout, with its event.
        let this_one = usize::from(self.logout_user().await?.user_id.is_some());
        Ok(others + this_one)
    }

    /// Keeps this session logged in after the user's
    /// [`session_auth_hash`](AuthUser::session_auth_hash) changed (password change):
    /// every other login of the user ends now, in the registry; this one gets the new
    /// hash, a renewed session id and, if it had a remember cookie, a new one with the
    /// same expiry.
    ///
    /// Pass the user as it is *after* the change (reloaded, or with the new hash set):
    /// given the old value, this session would keep the old hash and be logged out at
    /// its next request. That mistake is logged as a warning.
    pub async fn refresh_auth_hash(&self, user: &U) -> Result<(), LoginError> {
        let Some((user_id, login)) = self.current_login().await? else { return Ok(()) };
        let session = self.session()?;
        let config = &self.state.config;
        let now = config.now();
        let old_tag = session_record::<U::Id>(&session).filter(|r| r.login_id == login.id).and_then(|r| r.auth_tag);
        let auth_tag = config.keys().auth_tag(user.session_auth_hash().as_deref());
        if auth_tag.is_some() && auth_tag == old_tag {
            tracing::warn!(
                user_id = ?user_id,
                "refresh_auth_hash was given a user whose auth hash did not change: pass the user after the \
                 password change, or this browser is logged out at its next request"
            );
        }
        let ended = self.end_user_logins(&user_id, Some(login.id)).await?;
        if ended > 0 {
            let event = LoginEvent::Ended { user_id: id_value(&user_id), reason: EndReason::EndedEverywhere };
            self.state.emit(&self.req, &event);
        }
        if let Some(claims) = self.remember_claims::<U::Id>(now) {
            if claims.login_id == login.id && claims.exp > now {
                let lifetime = Duration::from_secs(claims.exp - now);
                self.issue_remember(&user_id, login, auth_tag, now, lifetime)?;
            }
        }
        #[cfg(feature = "two-factor")]
        crate::two_factor::device_cookie::keep_known(&self.state, &self.req, user, now).await?;
        let record = self.write_record(&session, user_id, login, auth_tag)?;
        tracing::info!(user_id = ?record.user_id, other_logins_ended = ended, "auth hash refreshed; other logins ended");
        Ok(())
    }

    /// The live logins of the current user (the sessions page), oldest first, the
    /// current one marked. Empty when nobody is logged in.
    pub async fn logins(&self) -> Result<Vec<LoginInfo>, LoginError> {
        let Some((user_id, current)) = self.current_login().await? else { return Ok(Vec::new()) };
        let config = &self.state.config;
        let now = config.now();
        let mut logins = self.state.stores.registry().list_user(&user_key(&user_id), now).await?;
        if config.idle_timeout().is_some() {
            // Logins past the idle timeout are over, even if their cookie never came back.
            let (over, live): (Vec<_>, Vec<_>) = logins.into_iter().partition(|l| config.is_idle(l.last_seen_at, now));
            for login in over {
                self.state.stores.registry().remove(login.id).await?;
            }
            logins = live;
        }
        Ok(logins.into_iter().map(|login| LoginInfo::new(login, current.id)).collect())
    }

    /// Ends one login of the current user, by the id [`logins`](LoginSession::logins)
    /// gave (`"end this session"`); it is anonymous at its next request, both cookies,
    /// on every instance. An id that is not one of the current user's live logins
    /// (another user's, garbled), or a request that is not logged in, ends nothing and
    /// returns `false`. Ending the current login logs this browser out.
    pub async fn end_login(&self, id: &str) -> Result<bool, LoginError> {
        let Ok(id) = id.parse::<LoginId>() else { return Ok(false) };
        let Some((user_id, current)) = self.current_login().await? else { return Ok(false) };
        let now = self.state.config.now();
        let registry = self.state.stores.registry();
        let owned = registry.list_user(&user_key(&user_id), now).await?.iter().any(|l| l.id == id);
        if !owned {
            tracing::info!(user_id = ?user_id, "refused to end a login that is not the user's");
            return Ok(false);
        }
        if id == current.id {
            self.logout_user().await?;
        } else {
            registry.remove(id).await?;
            let event = LoginEvent::Ended { user_id: id_value(&user_id), reason: EndReason::EndedByRequest };
            self.state.emit(&self.req, &event);
        }
        Ok(true)
    }
}

/// What [`LoginSession::settle_named_logins`] left.
pub(crate) struct NamedLogins<Id> {
    /// The login that continues, if one does.
    pub(crate) continued: Option<LoginId>,
    /// Its remember generation.
    pub(crate) remember_gen: u32,
    /// The login the session record named.
    pub(crate) record_login: Option<LoginId>,
    /// The claims of the request's valid remember token.
    pub(crate) token_login: Option<RememberClaims<Id>>,
}

/// A login in preparation: set its options, then `.await` it. See [`LoginSession::login`].
#[must_use = "a login does nothing until it is awaited"]
pub struct LoginBuilder<'a, U> {
    auth: &'a LoginSession<U>,
    user: &'a U,
    options: LoginOptions,
}

/// How a credential login is made: what [`LoginBuilder`] and the code step ask for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LoginOptions {
    /// The remember cookie asked for.
    pub(crate) remember: Remember,
    /// Whether the session is fresh after the login.
    pub(crate) fresh: bool,
    /// Whether an inactive user is logged in.
    pub(crate) force: bool,
    /// Whether this browser becomes a known one (the code step's "trust this browser").
    #[cfg(feature = "two-factor")]
    pub(crate) trust_browser: bool,
}

impl Default for LoginOptions {
    fn default() -> Self {
        LoginOptions {
            remember: Remember::No,
            fresh: true,
            force: false,
            #[cfg(feature = "two-factor")]
            trust_browser: false,
        }
    }
}

impl<U> std::fmt::Debug for LoginBuilder<'_, U> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginBuilder").field("options", &self.options).finish_non_exhaustive()
    }
}

impl<'a, U: AuthUser> LoginBuilder<'a, U> {
    /// Issue a remember cookie (default: none).
    pub fn remember(mut self, remember: impl Into<Remember>) -> Self {
        self.options.remember = remember.into();
        self
    }

    /// Whether the session is fresh (sudo mode) after this login. Default `true`; `false`
    /// for logins that did not check a password (a magic link, an impersonation).
    pub fn fresh(mut self, fresh: bool) -> Self {
        self.options.fresh = fresh;
        self
    }

    /// Log the user in even when [`is_active`](AuthUser::is_active) says no (an
    /// administrator's "log in as"): the login holds at later requests, and when
    /// restored from its remember cookie, until it is ended. Default `false`.
    pub fn force(mut self, force: bool) -> Self {
        self.options.force = force;
        self
    }
}

impl<'a, U: AuthUser> std::future::IntoFuture for LoginBuilder<'a, U> {
    type Output = Result<LoginRedirect, LoginError>;
    type IntoFuture = futures_util::future::LocalBoxFuture<'a, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.auth.log_in(self.user, self.options))
    }
}
