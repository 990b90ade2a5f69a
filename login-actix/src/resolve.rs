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
    cell::RefCell,
    rc::Rc,
    task::{Poll, Waker},
};

use actix_session::{Session, SessionExt};
use actix_web::{HttpMessage, HttpRequest};
use futures_util::future::{poll_fn, LocalBoxFuture};
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

/// Per-request state: the memoized resolution and the pending remember-cookie change.
///
/// The memo holds no future and no request, so nothing here can keep a request alive
/// (a future stored in the request's own extensions would form a cycle when cancelled).
#[derive(Default)]
pub(crate) struct RequestAuth {
    memo: RefCell<Memo>,
    pub(crate) cookie: RefCell<Option<CookieAction>>,
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
    /// This request's state, created on first use.
    pub(crate) fn of(req: &HttpRequest) -> Rc<RequestAuth> {
        if let Some(auth) = req.extensions().get::<Rc<RequestAuth>>() {
            return Rc::clone(auth);
        }
        let auth = Rc::new(RequestAuth::default());
        req.extensions_mut().insert(Rc::clone(&auth));
        auth
    }

    /// Schedules a remember-cookie change for the response (the last one wins).
    pub(crate) fn set_cookie(&self, action: CookieAction) {
        *self.cookie.borrow_mut() = Some(action);
    }

    /// Forgets the memoized resolution (after a login: the next ask loads again).
    pub(crate) fn reset(&self) {
        *self.memo.borrow_mut() = Memo::Empty;
    }

    /// Replaces the memoized resolution (after a login or logout in this request).
    pub(crate) fn settle(&self, outcome: Resolution) {
        let previous = std::mem::replace(&mut *self.memo.borrow_mut(), Memo::Done(outcome));
        if let Memo::Running(wakers) = previous {
            wakers.into_iter().for_each(Waker::wake);
        }
    }

    /// Waits until no other extractor of this request is resolving; `Some` when a
    /// result is there, `None` when the caller must resolve (it is then the leader).
    async fn claim(&self) -> Option<Resolution> {
        poll_fn(|cx| {
            let mut memo = self.memo.borrow_mut();
            match &mut *memo {
                Memo::Done(result) => Poll::Ready(Some(result.clone())),
                Memo::Running(wakers) => {
                    wakers.push(cx.waker().clone());
                    Poll::Pending
                }
                Memo::Empty => {
                    *memo = Memo::Running(Vec::new());
                    Poll::Ready(None)
                }
            }
        })
        .await
    }
}

/// Puts the memo back to empty if the leading resolution is dropped unfinished.
struct LeaderGuard<'a>(&'a RequestAuth);

impl Drop for LeaderGuard<'_> {
    fn drop(&mut self) {
        let mut memo = self.0.memo.borrow_mut();
        if let Memo::Running(_) = &*memo {
            if let Memo::Running(wakers) = std::mem::take(&mut *memo) {
                wakers.into_iter().for_each(Waker::wake);
            }
        }
    }
}

/// The current user of `req`, resolved at most once per request.
pub(crate) async fn current(req: &HttpRequest) -> Resolution {
    let state = LoginState::of(req)?;
    let auth = RequestAuth::of(req);
    if let Some(result) = auth.claim().await {
        return result;
    }
    let guard = LeaderGuard(&auth);
    let result = state.resolver.resolve(&state, req, &auth).await;
    auth.settle(result.clone());
    drop(guard);
    result
}

/// The resolver of a concrete loader.
pub(crate) struct LoaderResolver<L>(pub(crate) Rc<L>);

impl<L: UserLoader> Resolver for LoaderResolver<L> {
    fn resolve<'a>(
        &'a self,
        state: &'a LoginState,
        req: &'a HttpRequest,
        auth: &'a RequestAuth,
    ) -> LocalBoxFuture<'a, Resolution> {
        Box::pin(resolve(&*self.0, state, req, auth))
    }

    fn user_type(&self) -> (TypeId, &'static str) {
        (TypeId::of::<L::User>(), std::any::type_name::<L::User>())
    }
}

async fn resolve<L: UserLoader>(loader: &L, state: &LoginState, req: &HttpRequest, auth: &RequestAuth) -> Resolution {
    ensure_session(req, state)?;
    let session = req.get_session();
    let now = now_secs();
    match session.get::<SessionRecord<<L::User as AuthUser>::Id>>(SESSION_KEY) {
        Ok(Some(record)) => match from_session(loader, state, req, auth, &session, record, now).await? {
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
    from_remember(loader, state, req, auth, &session, now).await
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
    auth: &RequestAuth,
    session: &Session,
    record: SessionRecord<<L::User as AuthUser>::Id>,
    now: u64,
) -> Result<SessionOutcome, LoginError> {
    if record.exp <= now {
        tracing::debug!(user_id = ?record.uid, "login session expired");
        session.remove(SESSION_KEY);
        return Ok(SessionOutcome::TryRemember);
    }
    if state.config.revoke_sessions()
        && state.config.revocation_store().is_revoked(RevokedId::Session(&record.sid)).await?
    {
        tracing::info!(user_id = ?record.uid, "rejected a revoked login session (cookie replayed after logout)");
        session.purge();
        return Ok(SessionOutcome::TryRemember);
    }
    let uid = record.uid.clone();
    let Some(user) = load(loader, req, record.uid).await? else {
        tracing::info!(user_id = ?uid, "user no longer exists; logging the session out");
        session.remove(SESSION_KEY);
        delete_remember_cookie(state, req, auth);
        return Ok(SessionOutcome::Anonymous);
    };
    let hash = user.session_auth_hash();
    if !state.config.keys().auth_tag_matches(record.sah.as_deref(), hash.as_deref()) {
        tracing::info!(user_id = ?uid, "session auth hash changed (password change or logout everywhere); session ended");
        session.remove(SESSION_KEY);
        delete_remember_cookie(state, req, auth);
        return Ok(SessionOutcome::Anonymous);
    }
    Ok(SessionOutcome::User(Authed { user: Rc::new(user), fresh: record.fresh }))
}

async fn from_remember<L: UserLoader>(
    loader: &L,
    state: &LoginState,
    req: &HttpRequest,
    auth: &RequestAuth,
    session: &Session,
    now: u64,
) -> Resolution {
    let Some(cookie) = req.cookie(&state.config.cookie().name) else { return Ok(None) };
    let claims = match state.codec.verify::<<L::User as AuthUser>::Id>(cookie.value(), now) {
        Ok(claims) => claims,
        Err(err) => {
            tracing::debug!(reason = %err, "ignoring a bad remember cookie");
            auth.set_cookie(CookieAction::Delete);
            return Ok(None);
        }
    };
    let store = state.config.revocation_store();
    if store.is_revoked(RevokedId::Remember(&claims.jti)).await? {
        tracing::info!(user_id = ?claims.uid, "rejected a revoked remember cookie (replayed after logout)");
        auth.set_cookie(CookieAction::Delete);
        return Ok(None);
    }
    let uid = claims.uid.clone();
    let Some(user) = load(loader, req, claims.uid).await? else {
        tracing::info!(user_id = ?uid, "remember cookie of a user that no longer exists");
        auth.set_cookie(CookieAction::Delete);
        return Ok(None);
    };
    let hash = user.session_auth_hash();
    if !state.config.keys().auth_tag_matches(claims.sah.as_deref(), hash.as_deref()) {
        tracing::info!(user_id = ?uid, "remember cookie predates a password change or logout everywhere");
        auth.set_cookie(CookieAction::Delete);
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

fn delete_remember_cookie(state: &LoginState, req: &HttpRequest, auth: &RequestAuth) {
    if req.cookie(&state.config.cookie().name).is_some() {
        auth.set_cookie(CookieAction::Delete);
    }
}
