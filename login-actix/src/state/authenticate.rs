//! The rules of authentication. Who is logged in: the session record, else the remember cookie; checked against the
//! registry of live logins, loaded once per request and memoized in the request
//! extensions.
//!
//! 1. Session record (`_login`): its login must be live in the registry (one lookup),
//!    not idle for longer than the idle timeout; then the loader runs once. `Ok(None)`
//!    (deleted user) or a changed auth hash ends the login. A loader error is returned
//!    and the session is left as it was. Whenever a record is dropped, for any reason,
//!    the whole session is cleared, so nothing of the previous user survives.
//! 2. Else the remember cookie: verified (HS256, derived key, times), its login must be
//!    live, its generation current (or just retired, within the grace window: see
//!    [`token_standing`]), the user loaded and the auth hash checked; a token failing
//!    any step is ignored and its cookie deleted, and a reused retired token ends its
//!    login. On success the same login continues in a new session (new id), never
//!    fresh, and the response carries the login's next token (rotation).
//! 3. Activity is written to the registry at most once per touch interval.

use std::rc::Rc;

use actix_session::{Session, SessionExt, SessionStatus};
use actix_web::HttpRequest;
use login_core::{
    internal::{SessionRecord, SESSION_KEY},
    AuthUser, LoginId, LoginTimes,
};

use crate::{
    error::LoginError,
    events::{id_value, EndReason, LoginEvent, RefusalReason},
    loader::{RequestLoader, UserLoader},
    refusal::mode::LoginMode,
    state::{
        context::LoginContext,
        named_login::{remember_cookie, standing, Named, RememberCookie, Standing},
        outcome::{Authed, LoginRef, Outcome, Source, Via},
        remember_cookie,
        session_probe::{ensure_session, has_session},
    },
};

/// A bearer-token request: the request loader alone decides; no session, no cookies.
pub(crate) async fn from_bearer<U: AuthUser>(
    loader: &dyn RequestLoader<User = U>,
    state: &LoginContext,
    req: &HttpRequest,
    token: Result<&str, ()>,
) -> Outcome {
    let refuse = || {
        state.emit(req, &LoginEvent::Refused { user_id: None, reason: RefusalReason::BadBearerToken });
        Ok(None)
    };
    let Ok(token) = token else { return refuse() };
    let user = loader.load(token, req).await.map_err(LoginError::loader)?;
    match user {
        Some(user) if user.is_active() => {
            tracing::debug!(user_id = ?user.id(), "request authenticated by bearer token");
            Ok(Some(Authed { user: Rc::new(user), fresh: false, via: Via::Token, login: None }))
        }
        Some(_) | None => refuse(),
    }
}

/// What a login named by a cookie turned out to be.
enum Continued<U> {
    /// Live, not idle, its user loaded and still valid; the login's state as looked up.
    User(U, LoginTimes),
    /// Not in the registry (logged out, ended, expired): a replayed cookie.
    NotLive,
    /// Ended now (the registry entry is removed; the reason is logged and emitted).
    Ended,
}

/// How many restores of one login per touch interval (in a process) write a new
/// session for a request that carries other cookies (see `from_remember`).
const RESTORES_WITH_COOKIES: u32 = 4;

/// The one check both cookies go through: the login must be live and not idle, the
/// user must load, keep its auth hash and be active (unless the login was forced). A
/// login failing after the lookup is removed from the registry. Logs and emits the
/// refusal or the end.
async fn continue_login<L: UserLoader>(
    loader: &L,
    state: &LoginContext,
    req: &HttpRequest,
    named: Named<<L::User as AuthUser>::Id>,
    now: u64,
) -> Result<Continued<L::User>, LoginError> {
    let refused = |reason| {
        state.emit(req, &LoginEvent::Refused { user_id: Some(id_value(&named.user_id)), reason });
        Ok(Continued::NotLive)
    };
    let ended = match standing(state, &named, now).await? {
        Standing::NotLive => return refused(RefusalReason::LoginNotLive),
        Standing::UnknownToken => return refused(RefusalReason::BadRememberToken),
        Standing::Reused => EndReason::RememberTokenReused,
        Standing::Idle => EndReason::Idle,
        Standing::Live(times) => match loader.load(named.user_id.clone(), req).await.map_err(LoginError::loader)? {
            None => EndReason::UserDeleted,
            Some(user)
                if !state.config.keys().auth_tag_matches(named.auth_tag, user.session_auth_hash().as_deref()) =>
            {
                EndReason::AuthHashChanged
            }
            Some(user) if !named.forced && !user.is_active() => EndReason::Inactive,
            Some(user) => {
                touch(state, named.login_id, times, now).await?;
                return Ok(Continued::User(user, times));
            }
        },
    };
    state.stores.registry().remove(named.login_id).await?;
    state.emit(req, &LoginEvent::Ended { user_id: id_value(&named.user_id), reason: ended });
    Ok(Continued::Ended)
}

/// Writes activity when the last write is older than the touch interval.
async fn touch(state: &LoginContext, id: LoginId, times: LoginTimes, now: u64) -> Result<(), LoginError> {
    if now.saturating_sub(times.last_seen_at) >= state.config.touch_interval().as_secs() {
        state.stores.registry().touch(id, now).await?;
    }
    Ok(())
}

/// Forgets everything the session held (the login record and the app's data) and
/// gives it a new id.
pub(crate) fn clear_session(session: &Session) {
    session.clear();
    session.renew();
}

/// The cookie path: the session record, else the remember cookie. After this request
/// changed the login (`source` is [`Source::Session`]), the session record alone.
pub(crate) async fn from_cookies<L: UserLoader>(
    loader: &L,
    state: &LoginContext,
    req: &HttpRequest,
    source: Source,
) -> Outcome {
    // An API route with bearer tokens needs no session store at all: there a missing
    // `SessionMiddleware` means "no cookie login", not a misconfiguration.
    // Elsewhere a missing `SessionMiddleware` is reported (a check cached per worker).
    let bearer_api = state.has_request_loader && req.app_data::<LoginMode>() == Some(&LoginMode::Api);
    if bearer_api {
        if !has_session(req, state) {
            return Ok(None);
        }
    } else {
        ensure_session(req, state)?;
    }
    if source == Source::Request && !req.headers().contains_key(actix_web::http::header::COOKIE) {
        // No cookie, no session and no remember token: anonymous, without reading the
        // session.
        return Ok(None);
    }
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
    match source {
        Source::Request => from_remember(loader, state, req, &session, now).await,
        // The request's remember cookie is out of date once the login changed.
        Source::Session => Ok(None),
    }
}

enum SessionOutcome {
    User(Authed),
    Anonymous,
    TryRemember,
}

async fn from_session<L: UserLoader>(
    loader: &L,
    state: &LoginContext,
    req: &HttpRequest,
    session: &Session,
    record: SessionRecord<<L::User as AuthUser>::Id>,
    now: u64,
) -> Result<SessionOutcome, LoginError> {
    let named = Named::of_record(&record);
    let SessionRecord { login_id, authenticated_at, forced, restored, .. } = record;
    match continue_login(loader, state, req, named, now).await? {
        Continued::User(user, times) => {
            let fresh = state.config.is_fresh(authenticated_at, now);
            let via = if restored { Via::Remembered } else { Via::Session };
            let remember_gen = times.remember_gen;
            let login = Some(LoginRef { id: login_id, authenticated_at, restored, forced, remember_gen });
            Ok(SessionOutcome::User(Authed { user: Rc::new(user), fresh, via, login }))
        }
        Continued::NotLive => {
            clear_session(session);
            Ok(SessionOutcome::TryRemember)
        }
        Continued::Ended => {
            clear_session(session);
            remember_cookie::delete_if_present(state, req);
            Ok(SessionOutcome::Anonymous)
        }
    }
}

async fn from_remember<L: UserLoader>(
    loader: &L,
    state: &LoginContext,
    req: &HttpRequest,
    session: &Session,
    now: u64,
) -> Outcome {
    let (presented, mut claims) = match remember_cookie::<<L::User as AuthUser>::Id>(state, req, now) {
        // Unreadable cookies carry no login this request can name: anonymous.
        RememberCookie::Absent | RememberCookie::Unreadable => return Ok(None),
        RememberCookie::Bad => {
            state.emit(req, &LoginEvent::Refused { user_id: None, reason: RefusalReason::BadRememberToken });
            remember_cookie::schedule_delete(state, req);
            return Ok(None);
        }
        RememberCookie::Valid(presented, claims) => (presented, claims),
    };
    let (login_id, auth_tag, forced, gen) = (claims.login_id, claims.auth_tag, claims.forced, claims.remember_gen);
    let named = Named::of_token(&claims);
    let Continued::User(user, times) = continue_login(loader, state, req, named, now).await? else {
        remember_cookie::schedule_delete(state, req);
        return Ok(None);
    };
    let Some(current) = rotate(state, &claims.user_id, login_id, gen, times, now).await? else {
        remember_cookie::schedule_delete(state, req);
        return Ok(None);
    };
    claims.remember_gen = current;
    remember_cookie::schedule_rotated(state, req, &presented, &claims, now);
    let user_id = user.id();
    let login = Some(LoginRef { id: login_id, authenticated_at: None, restored: true, forced, remember_gen: current });
    let authed = Authed { user: Rc::new(user), fresh: false, via: Via::Remembered, login };
    if !restore_writes_session(state, req, session, login_id, now) {
        tracing::debug!("remember cookie accepted without a new session (restored within the touch interval)");
        return Ok(Some(authed));
    }
    let record = SessionRecord { user_id, login_id, authenticated_at: None, auth_tag, forced, restored: true };
    clear_session(session);
    session.insert(SESSION_KEY, &record).map_err(LoginError::session)?;
    state.emit(req, &LoginEvent::Restored { user_id: id_value(&record.user_id) });
    Ok(Some(authed))
}

/// The generation the restored login's answer carries. The current token moves the
/// login to its next generation (a compare-and-set: of parallel restores with it, one
/// moves it and all get the new generation); a token retired within its grace window
/// gets the current one. `None` when the login ended meanwhile.
async fn rotate<Id: std::fmt::Debug>(
    state: &LoginContext,
    user_id: &Id,
    login_id: LoginId,
    gen: u32,
    times: LoginTimes,
    now: u64,
) -> Result<Option<u32>, LoginError> {
    if gen != times.remember_gen {
        tracing::debug!(user_id = ?user_id, "a retired remember token within its grace window: answered with the current one");
        return Ok(Some(times.remember_gen));
    }
    let rotated = state.stores.registry().rotate(login_id, gen, now).await?;
    if rotated.is_none() {
        tracing::info!(user_id = ?user_id, "rejected a remember cookie whose login ended meanwhile");
    }
    Ok(rotated.map(|times| times.remember_gen))
}

/// Whether a restore writes a new session. A session the request brought with data of
/// its own is always replaced by a new, empty one. Otherwise the first restore of this
/// login in the touch interval (in this process) writes a new session; later ones write
/// nothing and authenticate their request from the token alone, so that a client
/// dropping its session cookie cannot multiply server-side sessions; except that a
/// request carrying other cookies (perhaps a planted, empty session id) is given a new
/// session a few times more (parallel tabs of a restarted browser), so that a brought
/// id never receives a logged-in request's writes.
fn restore_writes_session(
    state: &LoginContext,
    req: &HttpRequest,
    session: &Session,
    login_id: LoginId,
    now: u64,
) -> bool {
    let untouched = session.status() == SessionStatus::Unchanged && session.entries().is_empty();
    if !untouched {
        return true;
    }
    let interval = state.config.touch_interval().as_secs().max(1);
    let restores = state.stores.restore_limiter().count(login_id, now, interval);
    // Cookies other than the library's own (a session id, perhaps planted).
    let remember = &state.config.cookie().name;
    let device = login_core::device::device_cookie_name(state.config.cookie());
    let brings_cookies = req.cookies().is_ok_and(|jar| jar.iter().any(|c| c.name() != remember && c.name() != device));
    restores <= 1 || (brings_cookies && restores <= RESTORES_WITH_COOKIES)
}
