//! The login's cookies (remember, and the device cookie of the second factor): their
//! one builder, their removal with the same attributes, and the changes a request
//! schedules for its response.

use std::time::Duration;

use actix_web::{
    cookie::{time, Cookie, SameSite as CookieSameSite},
    HttpMessage, HttpRequest,
};
use login_core::{internal::RememberClaims, CookieSettings, SameSite};

use crate::{error::LoginError, state::context::LoginContext};

/// Builds the remember cookie with the configured attributes.
pub(crate) fn remember_cookie(settings: &CookieSettings, value: String, max_age: Duration) -> Cookie<'static> {
    named_cookie(settings, settings.name.clone(), value, max_age)
}

/// Builds cookie `name` with the remember cookie's attributes (Path, Domain, Secure,
/// HttpOnly, SameSite).
pub(crate) fn named_cookie(
    settings: &CookieSettings,
    name: String,
    value: String,
    max_age: Duration,
) -> Cookie<'static> {
    let mut cookie = Cookie::new(name, value);
    cookie.set_path(settings.path.clone());
    if let Some(domain) = &settings.domain {
        cookie.set_domain(domain.clone());
    }
    cookie.set_secure(settings.secure);
    cookie.set_http_only(settings.http_only);
    cookie.set_same_site(match settings.same_site {
        SameSite::Strict => CookieSameSite::Strict,
        SameSite::Lax => CookieSameSite::Lax,
        SameSite::None => CookieSameSite::None,
    });
    let secs = i64::try_from(max_age.as_secs()).unwrap_or(i64::MAX);
    cookie.set_max_age(time::Duration::seconds(secs));
    cookie
}

/// The cookie that deletes the remember cookie: same name, Path, Domain and attributes,
/// empty value, `Max-Age=0` and an `Expires` in the past.
pub(crate) fn removal_cookie(settings: &CookieSettings) -> Cookie<'static> {
    let mut cookie = remember_cookie(settings, String::new(), Duration::ZERO);
    cookie.make_removal();
    cookie
}

/// The cookies the response must carry: new values or removals. Per cookie name, the
/// last change a request schedules wins.
#[derive(Debug, Clone, Default)]
pub(crate) struct PendingCookies(pub(crate) Vec<Cookie<'static>>);

/// Schedules `cookie` for the response.
pub(crate) fn schedule(state: &LoginContext, req: &HttpRequest, cookie: Cookie<'static>) {
    let mut extensions = req.extensions_mut();
    match extensions.get_mut::<PendingCookies>() {
        Some(pending) => {
            pending.0.retain(|c| c.name() != cookie.name());
            pending.0.push(cookie);
        }
        None => {
            extensions.insert(PendingCookies(vec![cookie]));
            state.pending_cookies.set(state.pending_cookies.get() + 1);
        }
    }
}

/// Signs `claims` and schedules their cookie, lasting until the token's expiry.
pub(crate) fn schedule_token<Id: serde::Serialize + Clone + 'static>(
    state: &LoginContext,
    req: &HttpRequest,
    claims: &RememberClaims<Id>,
    now: u64,
) -> Result<(), LoginError> {
    let token = state.codec.sign(claims)?;
    state.issued.remember(&token, claims);
    let lifetime = Duration::from_secs(claims.exp.saturating_sub(now));
    schedule(state, req, remember_cookie(state.config.cookie(), token, lifetime));
    Ok(())
}

/// Schedules the removal of the remember cookie (same name, Path, Domain, attributes).
pub(crate) fn schedule_delete(state: &LoginContext, req: &HttpRequest) {
    schedule(state, req, removal_cookie(state.config.cookie()));
}

/// Schedules the removal only when the request carries a remember cookie.
pub(crate) fn delete_if_present(state: &LoginContext, req: &HttpRequest) {
    let name = &state.config.cookie().name;
    if req.cookies().is_ok_and(|jar| jar.iter().any(|c| c.name() == name)) {
        schedule_delete(state, req);
    }
}

/// The scheduled cookies, taken (for the response). While no request of this worker
/// has one pending (nearly always), this is a counter read, not an extensions lookup.
pub(crate) fn take(state: &LoginContext, req: &HttpRequest) -> Vec<Cookie<'static>> {
    if state.pending_cookies.get() == 0 {
        return Vec::new();
    }
    let Some(pending) = req.extensions_mut().remove::<PendingCookies>() else { return Vec::new() };
    state.pending_cookies.set(state.pending_cookies.get().saturating_sub(1));
    pending.0
}
