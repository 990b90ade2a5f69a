//! The one builder of the remember cookie, and the pending cookie change of a request.

use std::time::Duration;

use actix_web::cookie::{time, Cookie, SameSite as CookieSameSite};
use login_core::{CookieSettings, SameSite};

/// Builds the remember cookie with the configured attributes.
pub(crate) fn remember_cookie(settings: &CookieSettings, value: String, max_age: Duration) -> Cookie<'static> {
    let mut cookie = Cookie::new(settings.name.clone(), value);
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

/// What the response must do with the remember cookie.
#[derive(Debug, Clone)]
pub(crate) enum CookieAction {
    /// Set a new remember cookie.
    Set(Cookie<'static>),
    /// Delete the remember cookie.
    Delete,
}
