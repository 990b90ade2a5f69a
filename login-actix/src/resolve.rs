//! Who is logged in: the session record, else the remember cookie; checked against the
//! registry of live logins, loaded once per request and memoized in the request
//! extensions.
//!
//! 1. Session record (`_login`): its login must be live in the registry (one lookup),
//!    not idle for longer than the idle timeout; then the loader runs once. `Ok(None)`
//!    (deleted user) or a changed auth hash ends the login. A loader error is returned
//!    and the session is left as it was. Whenever a record is dropped, for any reason,
//!    the whole session is cleared, so nothing of the previous user survives.
//! 2. Else the remember cookie: verified (HS256, derived key, times), its login must be
//!    live, the user loaded and the auth hash checked; a token failing any step is
//!    ignored and its cookie deleted. On success the same login continues in a new
//!    session (new id), never fresh.
//! 3. Activity is written to the registry at most once per touch interval.

use std::{
    any::{Any, TypeId},
    future::Future,
    pin::Pin,
    rc::Rc,
    task::{ready, Context, Poll, Waker},
};

use actix_session::{Session, SessionExt};
use actix_web::{HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;
use login_core::{
    internal::{SessionRecord, SESSION_KEY},
    AuthUser, LoginId, LoginTimes,
};

use crate::{
    error::LoginError,
    event::{id_value, EndReason, LoginEvent, RefusalReason},
    loader_adapter::{bearer_token, RequestLoader, UserLoader},
    login_state::{LoginState, Resolver},
    remember_cookie::CookieAction,
    session_probe::ensure_session,
    unauthorized::LoginMode,
};

/// A logged-in user, type-erased.
#[derive(Clone)]
pub(crate) struct Authed {
    pub(crate) user: Rc<dyn Any>,
    /// Whether a credential was checked within `fresh_for`.
    pub(crate) fresh: bool,
    /// How the request was authenticated.
    pub(crate) via: Via,
}

/// How a request was authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Via {
    /// The session of a credential login.
    Session,
    /// A session restored from a remember cookie (now or earlier in this session).
    Remembered,
    /// A bearer token (API routes).
    Token,
}

/// The outcome of resolving a request's user.
pub(crate) type Resolution = Result<Option<Authed>, LoginError>;

/// Per-request state, created in the request extensions on first use only (routes that
/// never ask for the user carry none): the memoized resolution and the pending
/// remember-cookie change.
///
/// It holds no future and no request, so nothing here can keep a request alive.
#[derive(Default)]
pub(crate) struct RequestAuth {
    memo: Memo,
    cookie: Option<CookieAction>,
}

/// Single-flight memo: the first extractor to ask resolves, the others wait for it.
#[derive(Default)]
enum Memo {
    #[default]
    Empty,
    Running(Vec<Waker>),
    Done(Resolution),
}

impl RequestAuth {
    fn with<R>(req: &HttpRequest, f: impl FnOnce(&mut RequestAuth) -> R) -> R {
        let mut ext = req.extensions_mut();
        f(ext.get_or_insert_with(RequestAuth::default))
    }

    /// Schedules a remember-cookie change for the response (the last one wins).
    pub(crate) fn set_cookie(req: &HttpRequest, action: CookieAction) {
        Self::with(req, |auth| auth.cookie = Some(action));
    }

    /// The pending remember-cookie change, taken (for the response).
    pub(crate) fn take_cookie(req: &HttpRequest) -> Option<CookieAction> {
        let mut ext = req.extensions_mut();
        ext.get_mut::<RequestAuth>()?.cookie.take()
    }

    /// Forgets the memoized resolution (after a login: the next ask loads again).
    pub(crate) fn reset(req: &HttpRequest) {
        Self::with(req, |auth| auth.memo = Memo::Empty);
    }

    /// Replaces the memoized resolution and wakes whoever waited for it.
    pub(crate) fn settle(req: &HttpRequest, outcome: Resolution) {
        let previous = Self::with(req, |auth| std::mem::replace(&mut auth.memo, Memo::Done(outcome)));
        if let Memo::Running(wakers) = previous {
            wakers.into_iter().for_each(Waker::wake);
        }
    }
}

/// What a poll of the memo found.
enum Step {
    Ready(Resolution),
    Wait,
    Lead,
}

/// Resolves the current user of a request, at most once per request: the future behind
/// every login extractor. Not boxed; the only allocation is the leader's resolution.
pub(crate) struct Resolve {
    pub(crate) req: HttpRequest,
    lead: Option<LocalBoxFuture<'static, Resolution>>,
}

impl Resolve {
    pub(crate) fn new(req: HttpRequest) -> Self {
        Resolve { req, lead: None }
    }
}

impl Future for Resolve {
    type Output = Resolution;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Resolution> {
        let this = &mut *self;
        loop {
            if let Some(lead) = &mut this.lead {
                let outcome = ready!(lead.as_mut().poll(cx));
                this.lead = None;
                RequestAuth::settle(&this.req, outcome.clone());
                return Poll::Ready(outcome);
            }
            let step = RequestAuth::with(&this.req, |auth| match &mut auth.memo {
                Memo::Done(outcome) => Step::Ready(outcome.clone()),
                Memo::Running(wakers) => {
                    wakers.push(cx.waker().clone());
                    Step::Wait
                }
                Memo::Empty => {
                    auth.memo = Memo::Running(Vec::new());
                    Step::Lead
                }
            });
            match step {
                Step::Ready(outcome) => return Poll::Ready(outcome),
                Step::Wait => return Poll::Pending,
                Step::Lead => match LoginState::of(&this.req) {
                    Ok(state) => this.lead = Some(state.resolver.resolve(Rc::clone(&state), this.req.clone())),
                    Err(err) => {
                        RequestAuth::settle(&this.req, Err(err.clone()));
                        return Poll::Ready(Err(err));
                    }
                },
            }
        }
    }
}

impl Drop for Resolve {
    /// A leader dropped unfinished (the request was cancelled, or a sibling extractor
    /// failed first) hands the memo back, so a waiting extractor can lead.
    fn drop(&mut self) {
        if self.lead.is_some() {
            let previous = RequestAuth::with(&self.req, |auth| std::mem::take(&mut auth.memo));
            if let Memo::Running(wakers) = previous {
                wakers.into_iter().for_each(Waker::wake);
            }
        }
    }
}

/// The current user of `req`, resolved at most once per request.
pub(crate) fn current(req: &HttpRequest) -> Resolve {
    Resolve::new(req.clone())
}

/// The resolver of a concrete loader (and, for API routes, its request loader).
pub(crate) struct LoaderResolver<L: UserLoader> {
    pub(crate) loader: Rc<L>,
    pub(crate) request_loader: Option<Rc<dyn RequestLoader<User = L::User>>>,
}

impl<L: UserLoader> Resolver for LoaderResolver<L> {
    fn resolve(&self, state: Rc<LoginState>, req: HttpRequest) -> LocalBoxFuture<'static, Resolution> {
        let loader = Rc::clone(&self.loader);
        let request_loader = self.request_loader.clone();
        Box::pin(async move {
            if let Some(request_loader) = request_loader {
                if req.app_data::<LoginMode>() == Some(&LoginMode::Api) {
                    if let Some(token) = bearer_token(&req) {
                        return from_bearer(&*request_loader, &state, &req, token).await;
                    }
                }
            }
            resolve(&*loader, &state, &req).await
        })
    }

    fn user_type(&self) -> (TypeId, &'static str) {
        (TypeId::of::<L::User>(), std::any::type_name::<L::User>())
    }

    fn has_permission(&self, user: &dyn Any, permission: &str) -> bool {
        user.downcast_ref::<L::User>().is_some_and(|u| u.has_permission(permission))
    }
}

/// A bearer-token request: the request loader alone decides; no session, no cookies.
async fn from_bearer<U: AuthUser>(
    loader: &dyn RequestLoader<User = U>,
    state: &LoginState,
    req: &HttpRequest,
    token: Result<&str, ()>,
) -> Resolution {
    let refuse = |why: &str| {
        tracing::info!(reason = why, "rejected a bearer token");
        state.emit(req, &LoginEvent::Refused { user_id: None, reason: RefusalReason::BadBearerToken });
        Ok(None)
    };
    let Ok(token) = token else { return refuse("malformed Authorization header") };
    let user = loader.load(token, req).await.map_err(|e| LoginError::Loader(Rc::new(e)))?;
    match user {
        Some(user) if user.is_active() => {
            tracing::debug!(user_id = ?user.id(), "request authenticated by bearer token");
            Ok(Some(Authed { user: Rc::new(user), fresh: false, via: Via::Token }))
        }
        Some(_) => refuse("token of an inactive user"),
        None => refuse("unknown or revoked token"),
    }
}

/// Looks a login up in the registry, without a future when the registry answers at once.
pub(crate) async fn lookup(state: &LoginState, id: LoginId, now: u64) -> Result<Option<LoginTimes>, LoginError> {
    let registry = state.config.registry();
    match registry.lookup_now(id, now) {
        Some(answer) => Ok(answer?),
        None => Ok(registry.lookup(id, now).await?),
    }
}

fn end_message(reason: EndReason) -> &'static str {
    match reason {
        EndReason::Idle => "login ended: idle for longer than the idle timeout",
        EndReason::UserDeleted => "login ended: the user no longer exists",
        EndReason::AuthHashChanged => "login ended: auth hash changed (password change or logout everywhere)",
        EndReason::Inactive => "login ended: the user is inactive",
        _ => "login ended",
    }
}

/// Checks a live login's idle time; ends it when over the timeout.
async fn check_idle(state: &LoginState, id: LoginId, times: LoginTimes, now: u64) -> Result<bool, LoginError> {
    let Some(idle) = state.config.idle_timeout() else { return Ok(true) };
    if now.saturating_sub(times.last_seen_at) <= idle.as_secs() {
        return Ok(true);
    }
    state.config.registry().remove(id).await?;
    Ok(false)
}

/// Loads the user and checks its auth hash and `is_active`; on failure ends the login.
async fn load_checked<L: UserLoader>(
    loader: &L,
    state: &LoginState,
    req: &HttpRequest,
    user_id: <L::User as AuthUser>::Id,
    auth_tag: Option<u64>,
    login_id: LoginId,
) -> Result<Result<L::User, EndReason>, LoginError> {
    let ended = match load(loader, req, user_id).await? {
        None => EndReason::UserDeleted,
        Some(user) if !state.config.keys().auth_tag_matches(auth_tag, user.session_auth_hash().as_deref()) => {
            EndReason::AuthHashChanged
        }
        Some(user) if !user.is_active() => EndReason::Inactive,
        Some(user) => return Ok(Ok(user)),
    };
    state.config.registry().remove(login_id).await?;
    Ok(Err(ended))
}

/// Writes activity when the last write is older than the touch interval.
async fn touch(state: &LoginState, id: LoginId, times: LoginTimes, now: u64) -> Result<(), LoginError> {
    if now.saturating_sub(times.last_seen_at) >= state.config.touch_interval().as_secs() {
        state.config.registry().touch(id, now).await?;
    }
    Ok(())
}

/// Forgets everything the session held (the login record and the app's data) and
/// gives it a new id.
pub(crate) fn clear_session(session: &Session) {
    session.clear();
    session.renew();
}

async fn resolve<L: UserLoader>(loader: &L, state: &LoginState, req: &HttpRequest) -> Resolution {
    ensure_session(req, state)?;
    let session = req.get_session();
    let now = state.config.now();
    match session.get::<SessionRecord<<L::User as AuthUser>::Id>>(SESSION_KEY) {
        Ok(Some(record)) => match from_session(loader, state, req, &session, record, now).await? {
            SessionOutcome::User(authed) => return Ok(Some(authed)),
            SessionOutcome::Anonymous => return Ok(None),
            SessionOutcome::TryRemember => {}
        },
        Ok(None) => {}
        Err(_) => {
            tracing::debug!("unreadable login record (garbled, or of another format version); session cleared");
            clear_session(&session);
        }
    }
    from_remember(loader, state, req, &session, now).await
}

enum SessionOutcome {
    User(Authed),
    Anonymous,
    TryRemember,
}

async fn from_session<L: UserLoader>(
    loader: &L,
    state: &LoginState,
    req: &HttpRequest,
    session: &Session,
    record: SessionRecord<<L::User as AuthUser>::Id>,
    now: u64,
) -> Result<SessionOutcome, LoginError> {
    let login_id = record.login_id;
    let Some(times) = lookup(state, login_id, now).await? else {
        tracing::info!(user_id = ?record.user_id, "rejected a session whose login is not live (logged out, ended or expired)");
        state.emit(
            req,
            &LoginEvent::Refused { user_id: Some(id_value(&record.user_id)), reason: RefusalReason::LoginNotLive },
        );
        clear_session(session);
        return Ok(SessionOutcome::TryRemember);
    };
    let user_id = record.user_id.clone();
    let ended = if check_idle(state, login_id, times, now).await? {
        match load_checked(loader, state, req, record.user_id, record.auth_tag, login_id).await? {
            Ok(user) => {
                touch(state, login_id, times, now).await?;
                let fresh = state.config.is_fresh(record.authenticated_at, now);
                let via = if record.authenticated_at == 0 { Via::Remembered } else { Via::Session };
                return Ok(SessionOutcome::User(Authed { user: Rc::new(user), fresh, via }));
            }
            Err(ended) => ended,
        }
    } else {
        EndReason::Idle
    };
    tracing::info!(user_id = ?user_id, "{}", end_message(ended));
    state.emit(req, &LoginEvent::Ended { user_id: id_value(&user_id), reason: ended });
    clear_session(session);
    delete_remember_cookie(state, req);
    Ok(SessionOutcome::Anonymous)
}

async fn from_remember<L: UserLoader>(
    loader: &L,
    state: &LoginState,
    req: &HttpRequest,
    session: &Session,
    now: u64,
) -> Resolution {
    let verified = {
        // Borrow the parsed cookies rather than copying the token out.
        let Ok(jar) = req.cookies() else { return Ok(None) };
        let Some(cookie) = jar.iter().find(|c| c.name() == state.config.cookie().name) else { return Ok(None) };
        state.codec.verify::<<L::User as AuthUser>::Id>(cookie.value(), now)
    };
    let claims = match verified {
        Ok(claims) => claims,
        Err(err) => {
            tracing::debug!(reason = %err, "ignoring a bad remember cookie");
            state.emit(req, &LoginEvent::Refused { user_id: None, reason: RefusalReason::BadRememberToken });
            RequestAuth::set_cookie(req, CookieAction::Delete);
            return Ok(None);
        }
    };
    let login_id = claims.login_id;
    let Some(times) = lookup(state, login_id, now).await? else {
        tracing::info!(user_id = ?claims.user_id, "rejected a remember cookie whose login is not live (logged out, ended or expired)");
        state.emit(
            req,
            &LoginEvent::Refused { user_id: Some(id_value(&claims.user_id)), reason: RefusalReason::LoginNotLive },
        );
        RequestAuth::set_cookie(req, CookieAction::Delete);
        return Ok(None);
    };
    let user_id = claims.user_id.clone();
    let ended = if check_idle(state, login_id, times, now).await? {
        match load_checked(loader, state, req, claims.user_id, claims.auth_tag, login_id).await? {
            Ok(user) => {
                let record =
                    SessionRecord { user_id: user.id(), login_id, authenticated_at: 0, auth_tag: claims.auth_tag };
                clear_session(session);
                session.insert(SESSION_KEY, &record).map_err(LoginError::session)?;
                touch(state, login_id, times, now).await?;
                tracing::info!(user_id = ?user_id, "login restored from remember cookie (not fresh)");
                state.emit(req, &LoginEvent::Restored { user_id: id_value(&user_id) });
                return Ok(Some(Authed { user: Rc::new(user), fresh: false, via: Via::Remembered }));
            }
            Err(ended) => ended,
        }
    } else {
        EndReason::Idle
    };
    tracing::info!(user_id = ?user_id, "{} (remember cookie)", end_message(ended));
    state.emit(req, &LoginEvent::Ended { user_id: id_value(&user_id), reason: ended });
    RequestAuth::set_cookie(req, CookieAction::Delete);
    Ok(None)
}

async fn load<L: UserLoader>(
    loader: &L,
    req: &HttpRequest,
    id: <L::User as AuthUser>::Id,
) -> Result<Option<L::User>, LoginError> {
    loader.load(id, req).await.map_err(|e| LoginError::Loader(Rc::new(e)))
}

/// Deletes the remember cookie on the response if the request carries one.
pub(crate) fn delete_remember_cookie(state: &LoginState, req: &HttpRequest) {
    let present = req.cookies().is_ok_and(|jar| jar.iter().any(|c| c.name() == state.config.cookie().name));
    if present {
        RequestAuth::set_cookie(req, CookieAction::Delete);
    }
}
