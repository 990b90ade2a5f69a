//! Which logins a browser's cookies name, and where each stands in the registry: the
//! one reading of the session record and the remember cookie, shared by the request
//! path (who is this?) and by `login` / `logout` (which logins does this browser end?).

use actix_session::Session;
use actix_web::HttpRequest;
use login_core::{
    internal::{RememberClaims, SessionRecord, SESSION_KEY},
    token_standing, LoginId, LoginTimes, TokenStanding,
};

use crate::{error::LoginError, state::context::LoginContext};

/// What a cookie (the session record, the remember token) says about its login.
pub(crate) struct Named<Id> {
    pub(crate) user_id: Id,
    pub(crate) login_id: LoginId,
    pub(crate) auth_tag: Option<u64>,
    /// A forced login: `is_active` is not checked.
    pub(crate) forced: bool,
    /// The remember token's generation; `None` when only the session record names it.
    pub(crate) remember_gen: Option<u32>,
}

impl<Id: Clone> Named<Id> {
    /// The login a session record names.
    pub(crate) fn of_record(record: &SessionRecord<Id>) -> Self {
        Named {
            user_id: record.user_id.clone(),
            login_id: record.login_id,
            auth_tag: record.auth_tag,
            forced: record.forced,
            remember_gen: None,
        }
    }

    /// The login a verified remember token names.
    pub(crate) fn of_token(claims: &RememberClaims<Id>) -> Self {
        Named {
            user_id: claims.user_id.clone(),
            login_id: claims.login_id,
            auth_tag: claims.auth_tag,
            forced: claims.forced,
            remember_gen: Some(claims.remember_gen),
        }
    }
}

/// The request's remember cookie.
pub(crate) enum RememberCookie<Id> {
    /// None sent.
    Absent,
    /// The `Cookie` header cannot be read at all (a byte that is not UTF-8): which
    /// logins the browser's cookies name is unknown.
    Unreadable,
    /// Sent, and it does not verify (forged, garbled, expired, of another key).
    Bad,
    /// Sent and verified: the value as presented and its claims.
    Valid(String, RememberClaims<Id>),
}

impl<Id> RememberCookie<Id> {
    /// The claims of a valid cookie.
    pub(crate) fn claims(self) -> Option<RememberClaims<Id>> {
        match self {
            RememberCookie::Valid(_, claims) => Some(claims),
            RememberCookie::Absent | RememberCookie::Unreadable | RememberCookie::Bad => None,
        }
    }
}

/// Reads and verifies the request's remember cookie; nothing else (no event, no
/// cookie change: the caller decides).
pub(crate) fn remember_cookie<Id: serde::de::DeserializeOwned>(
    state: &LoginContext,
    req: &HttpRequest,
    now: u64,
) -> RememberCookie<Id> {
    let Ok(jar) = req.cookies() else { return RememberCookie::Unreadable };
    let Some(cookie) = jar.iter().find(|c| c.name() == state.config.cookie().name) else {
        return RememberCookie::Absent;
    };
    match state.verify_remember::<Id>(cookie.value(), now) {
        Ok(claims) => RememberCookie::Valid(cookie.value().to_owned(), claims),
        Err(_) => RememberCookie::Bad,
    }
}

/// The session's login record, when it has a readable one.
pub(crate) fn session_record<Id: serde::de::DeserializeOwned>(session: &Session) -> Option<SessionRecord<Id>> {
    session.get::<SessionRecord<Id>>(SESSION_KEY).ok().flatten()
}

/// Every login a browser's cookies name: the session record's first, then the remember
/// token's; one login named by both carries the token's generation.
pub(crate) fn named_logins<Id: Clone>(
    record: Option<&SessionRecord<Id>>,
    token: Option<&RememberClaims<Id>>,
) -> Vec<Named<Id>> {
    let mut named: Vec<Named<Id>> = record.map(Named::of_record).into_iter().collect();
    if let Some(claims) = token {
        match named.iter_mut().find(|n| n.login_id == claims.login_id) {
            Some(entry) => entry.remember_gen = Some(claims.remember_gen),
            None => named.push(Named::of_token(claims)),
        }
    }
    named
}

/// Where a named login stands at `now`, before its user is loaded.
pub(crate) enum Standing {
    /// Not in the registry (logged out, ended, expired): a replayed cookie.
    NotLive,
    /// Named by a remember token of a generation the login never reached.
    UnknownToken,
    /// Named by a retired remember token past its grace window: a copy of the cookie.
    Reused,
    /// Unused for longer than the idle timeout.
    Idle,
    /// Live and in use; its registry state.
    Live(LoginTimes),
}

/// The standing of `named`: one registry lookup, then the token's generation and the
/// idle timeout.
pub(crate) async fn standing<Id>(state: &LoginContext, named: &Named<Id>, now: u64) -> Result<Standing, LoginError> {
    let Some(times) = lookup(state, named.login_id, now).await? else { return Ok(Standing::NotLive) };
    match named.remember_gen.map(|gen| token_standing(gen, times, now, state.config.remember_grace())) {
        Some(TokenStanding::Unknown) => Ok(Standing::UnknownToken),
        Some(TokenStanding::Reused) => Ok(Standing::Reused),
        _ if state.config.is_idle(times.last_seen_at, now) => Ok(Standing::Idle),
        _ => Ok(Standing::Live(times)),
    }
}

/// Looks a login up in the registry, without a future when the registry answers at once.
pub(crate) async fn lookup(state: &LoginContext, id: LoginId, now: u64) -> Result<Option<LoginTimes>, LoginError> {
    let registry = state.stores.registry();
    match registry.lookup_now(id, now) {
        Some(answer) => Ok(answer?),
        None => Ok(registry.lookup(id, now).await?),
    }
}
