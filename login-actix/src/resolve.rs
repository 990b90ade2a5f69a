//! Who is logged in: the session record, else the remember cookie; loaded once per
//! request and memoized in the request extensions.
//!
//! 1. Session record (`_login`): expired -> dropped; revoked (a copied cookie replayed
//!    after logout) -> session purged; then the loader runs once. `Ok(None)` (deleted
//!    user) or a changed session auth hash -> anonymous, record dropped, remember cookie
//!    deleted. A loader error is returned and the session is left as it was.
//! 2. Else the remember cookie: verified (HS256, derived key, times), checked against
//!    the revocation store, the user loaded and the auth hash checked; a token failing
//!    any step is ignored and its cookie deleted. On success a non-fresh record is
//!    written back to the session, so the token is verified once per browser session.

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
use login_core::{now_secs, random_id, AuthUser, RememberRef, RevokedId, SessionRecord, SESSION_KEY};

use crate::{
    error::LoginError,
    loader::UserLoader,
    login_state::{LoginState, Resolver},
    remember_cookie::CookieAction,
    session_probe::ensure_session,
};

/// A logged-in user, type-erased.
#[derive(Clone)]
pub(crate) struct Authed {
    pub(crate) user: Rc<dyn Any>,
    pub(crate) fresh: bool,
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

/// The resolver of a concrete loader.
pub(crate) struct LoaderResolver<L>(pub(crate) Rc<L>);

impl<L: UserLoader> Resolver for LoaderResolver<L> {
    fn resolve(&self, state: Rc<LoginState>, req: HttpRequest) -> LocalBoxFuture<'static, Resolution> {
        let loader = Rc::clone(&self.0);
        Box::pin(async move { resolve(&*loader, &state, &req).await })
    }

    fn user_type(&self) -> (TypeId, &'static str) {
        (TypeId::of::<L::User>(), std::any::type_name::<L::User>())
    }
}

/// Asks the revocation store, without a future when the store answers at once.
async fn is_revoked(state: &LoginState, id: RevokedId) -> Result<bool, LoginError> {
    let store = state.config.revocation_store();
    match store.is_revoked_now(id) {
        Some(answer) => Ok(answer?),
        None => Ok(store.is_revoked(id).await?),
    }
}

async fn resolve<L: UserLoader>(loader: &L, state: &LoginState, req: &HttpRequest) -> Resolution {
    ensure_session(req, state)?;
    let session = req.get_session();
    let now = now_secs();
    match session.get::<SessionRecord<<L::User as AuthUser>::Id>>(SESSION_KEY) {
        Ok(Some(record)) => match from_session(loader, state, req, &session, record, now).await? {
            SessionOutcome::User(authed) => return Ok(Some(authed)),
            SessionOutcome::Anonymous => return Ok(None),
            SessionOutcome::TryRemember => {}
        },
        Ok(None) => {}
        Err(_) => {
            tracing::debug!("ignoring an unreadable login record in the session");
            session.remove(SESSION_KEY);
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
    if record.exp <= now {
        tracing::debug!(user_id = ?record.uid, "login session expired");
        session.remove(SESSION_KEY);
        return Ok(SessionOutcome::TryRemember);
    }
    if state.config.revoke_sessions() && is_revoked(state, RevokedId::Session(record.sid)).await? {
        tracing::info!(user_id = ?record.uid, "rejected a revoked login session (cookie replayed after logout)");
        session.purge();
        return Ok(SessionOutcome::TryRemember);
    }
    let uid = record.uid.clone();
    let Some(user) = load(loader, req, record.uid).await? else {
        tracing::info!(user_id = ?uid, "user no longer exists; logging the session out");
        session.remove(SESSION_KEY);
        delete_remember_cookie(state, req);
        return Ok(SessionOutcome::Anonymous);
    };
    let hash = user.session_auth_hash();
    if !state.config.keys().auth_tag_matches(record.sah, hash.as_deref()) {
        tracing::info!(user_id = ?uid, "session auth hash changed (password change or logout everywhere); session ended");
        session.remove(SESSION_KEY);
        delete_remember_cookie(state, req);
        return Ok(SessionOutcome::Anonymous);
    }
    Ok(SessionOutcome::User(Authed { user: Rc::new(user), fresh: record.fresh }))
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
            RequestAuth::set_cookie(req, CookieAction::Delete);
            return Ok(None);
        }
    };
    if is_revoked(state, RevokedId::Remember(claims.jti)).await? {
        tracing::info!(user_id = ?claims.uid, "rejected a revoked remember cookie (replayed after logout)");
        RequestAuth::set_cookie(req, CookieAction::Delete);
        return Ok(None);
    }
    let uid = claims.uid.clone();
    let Some(user) = load(loader, req, claims.uid).await? else {
        tracing::info!(user_id = ?uid, "remember cookie of a user that no longer exists");
        RequestAuth::set_cookie(req, CookieAction::Delete);
        return Ok(None);
    };
    let hash = user.session_auth_hash();
    if !state.config.keys().auth_tag_matches(claims.sah, hash.as_deref()) {
        tracing::info!(user_id = ?uid, "remember cookie predates a password change or logout everywhere");
        RequestAuth::set_cookie(req, CookieAction::Delete);
        return Ok(None);
    }
    let record = SessionRecord {
        uid: user.id(),
        fresh: false,
        sid: random_id(),
        exp: now.saturating_add(state.config.session_lifetime().as_secs()).min(claims.exp),
        sah: claims.sah,
        remember: Some(RememberRef { jti: claims.jti, exp: claims.exp }),
    };
    session.renew();
    session.insert(SESSION_KEY, &record).map_err(|e| LoginError::Session(e.to_string()))?;
    tracing::info!(user_id = ?uid, "login restored from remember cookie (not fresh)");
    Ok(Some(Authed { user: Rc::new(user), fresh: false }))
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
