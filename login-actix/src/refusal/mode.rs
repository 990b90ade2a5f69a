//! How a route answers a visitor it refuses: its mode (redirect or API) and the login
//! page of a scope.

/// How a route answers an anonymous (or not fresh) visitor.
///
/// Set it for a whole scope with `app_data`:
///
/// ```
/// use actix_web::web;
/// use login_actix::guard::LoginMode;
///
/// let api = web::scope("/api").app_data(LoginMode::Api);
/// ```
///
/// A guard can also fix it for one route (`#[login_required(api)]`, or the
/// [`ApiLoginRequired`](crate::guard::ApiLoginRequired) extractor).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LoginMode {
    /// Redirect to `login_url?next=<path and query>` (`302`). The default.
    #[default]
    Redirect,
    /// Answer `401` with a JSON body, never a redirect.
    Api,
}

/// A login page for a scope, as `app_data` (`web::scope("/admin").app_data(LoginUrl::new("/admin/login"))`):
/// the guards of that scope redirect there instead of the configured `login_url` (a
/// route's own `redirect = ".."` still wins). Must be a local path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginUrl(&'static str);

impl LoginUrl {
    /// A scope's login URL.
    ///
    /// # Panics
    /// At start-up (never per request) when `url` is not a local path, as a bad route
    /// pattern does.
    pub fn new(url: &'static str) -> Self {
        assert!(login_core::is_safe_next(url), "LoginUrl must be a local path starting with one `/`, got {url:?}");
        LoginUrl(url)
    }

    /// The URL.
    pub fn as_str(&self) -> &'static str {
        self.0
    }
}
