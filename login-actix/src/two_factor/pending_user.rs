//! The pending user: who typed the right password and owes the second factor. The
//! extractor of the code page.

use std::rc::Rc;

use actix_session::{Session, SessionExt};
use actix_web::{dev::Payload, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use login_core::{
    pending::{PendingLogin, MAX_SECOND_FACTOR_FAILURES},
    AuthUser, LoginId,
};

use crate::{
    error::LoginError,
    events::{id_value, LoginEvent, SecondFactorStep},
    state::{
        context::LoginContext,
        flow::{into_actix_error, Flow},
        session_probe::ensure_session,
    },
};

/// The session key naming the browser's pending login.
pub(crate) const PENDING_KEY: &str = "_login_pending";

/// The browser's pending login and its user, if there is one: the password was right,
/// the code is to come. Requests with a pending login are anonymous for every guard
/// and extractor of the logged-in user; only this extractor sees them.
///
/// The pending login lives server-side (in the registry's store): a copy of the session
/// cookie shares its count of wrong codes and dies with it. It ends at completion, at
/// the [fifth wrong code](MAX_SECOND_FACTOR_FAILURES), after
/// [`two_factor_timeout`](crate::config::LoginConfigBuilder::two_factor_timeout), at
/// logout, at another login in this browser, and when the user's auth hash changes.
///
/// ```
/// use actix_web::{get, HttpResponse};
/// use login_actix::{two_factor::PendingUser, AuthUser};
/// # #[derive(Clone)] struct User { id: i64, name: String }
/// # impl AuthUser for User { type Id = i64; fn id(&self) -> i64 { self.id } }
///
/// #[get("/login/two-factor")]
/// async fn code_page(pending: PendingUser<User>) -> HttpResponse {
///     match pending.user() {
///         Some(user) => HttpResponse::Ok().body(format!("{}, enter the code of your app", user.name)),
///         None => HttpResponse::SeeOther().insert_header(("Location", "/login")).finish(),
///     }
/// }
/// ```
pub struct PendingUser<U> {
    inner: Option<(Rc<U>, PendingLogin)>,
    req: HttpRequest,
    state: Rc<Flow>,
}

impl<U> std::fmt::Debug for PendingUser<U> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingUser").field("pending", &self.inner.is_some()).finish()
    }
}

/// What a wrong code did to the pending login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WrongCode {
    /// Still pending; this many more wrong codes end it.
    TryAgain {
        /// Wrong codes left.
        remaining: u32,
    },
    /// That was the last one (or it had ended meanwhile): the login must start over.
    Ended,
}

impl<U: AuthUser> PendingUser<U> {
    /// The pending user; `None` without a live pending login.
    pub fn user(&self) -> Option<&U> {
        self.inner.as_ref().map(|(user, _)| &**user)
    }

    /// The safe `next` of the password step, carried to the completed login.
    pub fn next(&self) -> Option<&str> {
        self.inner.as_ref().and_then(|(_, p)| p.next.as_deref())
    }

    /// The username the password step's throttle counted: count the code step's
    /// attempts under it too (`LoginThrottle::attempt_for`).
    pub fn username(&self) -> Option<&str> {
        self.inner.as_ref().map(|(_, p)| p.username.as_str())
    }

    pub(crate) fn record(&self) -> Option<&PendingLogin> {
        self.inner.as_ref().map(|(_, p)| p)
    }

    /// Counts a wrong (or replayed, empty, malformed) code against the pending login,
    /// server-side; the fifth ends it.
    pub async fn wrong_code(&self) -> Result<WrongCode, LoginError> {
        let Some((user, pending)) = &self.inner else { return Ok(WrongCode::Ended) };
        let now = self.state.config.now();
        let failures =
            self.state.stores.second_factor().fail_pending(pending.id, MAX_SECOND_FACTOR_FAILURES, now).await?;
        let event = LoginEvent::SecondFactor { user_id: id_value(&user.id()), step: SecondFactorStep::FailedCode };
        self.state.emit(&self.req, &event);
        Ok(match failures {
            Some(n) if n < MAX_SECOND_FACTOR_FAILURES => {
                WrongCode::TryAgain { remaining: MAX_SECOND_FACTOR_FAILURES - n }
            }
            _ => {
                tracing::info!(user_id = ?user.id(), "pending login ended: too many wrong codes");
                WrongCode::Ended
            }
        })
    }
}

impl<U: AuthUser> FromRequest for PendingUser<U> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = Flow::of(&req).map_err(|e| into_actix_error(&req, e))?;
            let inner = pending_of::<U>(&req, &state).await.map_err(|e| into_actix_error(&req, e))?;
            Ok(PendingUser { inner, req, state })
        })
    }
}

/// Ends the pending login the browser's session names, if any (another login or a
/// logout in the browser).
pub(crate) async fn end_browsers_pending(state: &LoginContext, session: &Session) -> Result<(), LoginError> {
    let named = session.get::<String>(PENDING_KEY).ok().flatten().and_then(|id| id.parse::<LoginId>().ok());
    if let Some(id) = named {
        if state.stores.second_factor().remove_pending(id).await? {
            tracing::info!("pending login ended: another login or a logout in the browser");
        }
    }
    Ok(())
}

/// The browser's live pending login and its user, still of the auth hash and active.
async fn pending_of<U: AuthUser>(req: &HttpRequest, state: &Flow) -> Result<Option<(Rc<U>, PendingLogin)>, LoginError> {
    ensure_session(req, state)?;
    let session = req.get_session();
    let Some(id) = session.get::<String>(PENDING_KEY).ok().flatten().and_then(|id| id.parse::<LoginId>().ok()) else {
        return Ok(None);
    };
    let now = state.config.now();
    let Some(pending) = state.stores.second_factor().pending(id, now).await? else {
        tracing::debug!("the session names a pending login that ended");
        return Ok(None);
    };
    let Some(user) = state.authenticator.load_by_key(req.clone(), pending.user_key.clone()).await? else {
        state.stores.second_factor().remove_pending(id).await?;
        return Ok(None);
    };
    state.expect_user_type::<U>()?;
    let Ok(user) = Rc::downcast::<U>(user) else { return Ok(None) };
    let current = state.config.keys().auth_tag_matches(pending.auth_tag, user.session_auth_hash().as_deref());
    if !current || !user.is_active() {
        tracing::info!(user_id = ?user.id(), "pending login ended: the auth hash changed or the user is inactive");
        state.stores.second_factor().remove_pending(id).await?;
        return Ok(None);
    }
    Ok(Some((user, pending)))
}
