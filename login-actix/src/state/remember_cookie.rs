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

/// The `Set-Cookie` text of a cookie [`named_cookie`] built: written directly for the
/// attributes it sets (the hot path of a rotating restore), as the cookie crate
/// displays it otherwise (a removal's `Expires`).
pub(crate) fn header_text(cookie: &Cookie<'_>) -> String {
    if cookie.expires().is_some() {
        return cookie.to_string();
    }
    let mut text = String::with_capacity(cookie.name().len() + cookie.value().len() + 96);
    text.push_str(cookie.name());
    text.push('=');
    text.push_str(cookie.value());
    if cookie.http_only() == Some(true) {
        text.push_str("; HttpOnly");
    }
    match cookie.same_site() {
        Some(CookieSameSite::Strict) => text.push_str("; SameSite=Strict"),
        Some(CookieSameSite::Lax) => text.push_str("; SameSite=Lax"),
        Some(CookieSameSite::None) => text.push_str("; SameSite=None"),
        None => {}
    }
    if cookie.secure() == Some(true) {
        text.push_str("; Secure");
    }
    if let Some(path) = cookie.path() {
        text.push_str("; Path=");
        text.push_str(path);
    }
    if let Some(domain) = cookie.domain() {
        text.push_str("; Domain=");
        text.push_str(domain);
    }
    if let Some(age) = cookie.max_age() {
        // Writing into a String cannot fail.
        let _ = std::fmt::Write::write_fmt(&mut text, format_args!("; Max-Age={}", age.whole_seconds()));
    }
    text
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
pub(crate) fn schedule_token<Id: serde::Serialize>(
    state: &LoginContext,
    req: &HttpRequest,
    claims: &RememberClaims<Id>,
    now: u64,
) -> Result<(), LoginError> {
    let token = state.codec.sign(claims)?;
    let lifetime = Duration::from_secs(claims.exp.saturating_sub(now));
    schedule(state, req, remember_cookie(state.config.cookie(), token, lifetime));
    Ok(())
}

/// Schedules the cookie of `presented` (a token verified in this request) rotated to
/// `claims`' generation, lasting until its expiry: its signed part is kept, only the
/// rotation suffix is new.
pub(crate) fn schedule_rotated<Id>(
    state: &LoginContext,
    req: &HttpRequest,
    presented: &str,
    claims: &RememberClaims<Id>,
    now: u64,
) {
    let token = state.codec.rotate(presented, claims.remember_gen);
    let lifetime = Duration::from_secs(claims.exp.saturating_sub(now));
    schedule(state, req, remember_cookie(state.config.cookie(), token, lifetime));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_text_is_what_the_cookie_crate_writes() {
        let mut settings = CookieSettings::default();
        for (same_site, secure, domain) in
            [(SameSite::Lax, true, None), (SameSite::Strict, false, Some("example.com")), (SameSite::None, true, None)]
        {
            settings.same_site = same_site;
            settings.secure = secure;
            settings.domain = domain.map(str::to_owned);
            let cookie = remember_cookie(&settings, "a.b.c~2~t".into(), Duration::from_secs(86_400));
            let ours = Cookie::parse(header_text(&cookie)).expect("parses");
            let theirs = Cookie::parse(cookie.to_string()).expect("parses");
            assert_eq!(format!("{ours:?}"), format!("{theirs:?}"));
        }
        let removal = removal_cookie(&settings);
        assert_eq!(header_text(&removal), removal.to_string());
    }
}
