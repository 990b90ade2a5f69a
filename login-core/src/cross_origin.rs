//! Cross-origin protection: refusing state-changing requests that a browser sends on
//! behalf of another site (CSRF, login CSRF, a sibling subdomain posting a form).
//!
//! The rule, for unsafe methods (everything but `GET`, `HEAD` and `OPTIONS`), decided
//! from headers browsers set and pages cannot:
//!
//! 1. A path under an exempt prefix, or an `Origin` in the trusted list: allowed.
//! 2. `Sec-Fetch-Site` present: allowed when it is `same-origin` or `none` (typed in
//!    the address bar, a bookmark); anything else (`same-site`, `cross-site`, unknown
//!    values) is refused. `same-site` is refused on purpose: a sibling subdomain is
//!    another origin.
//! 3. No `Sec-Fetch-Site`, but an `Origin`: allowed only when its `host[:port]` is the
//!    request's `Host`; `Origin: null` and anything unparsable are refused.
//! 4. Neither header: allowed. Such a request does not come from a modern browser
//!    (`curl`, a server-to-server call), so it carries no victim's cookies.
//!
//! This follows the decision of Go 1.25's `net/http.CrossOriginProtection`; Django's
//! origin check decides step 3 the same way. The `Host` is the request's own header,
//! never `X-Forwarded-Host` or `Forwarded`.

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrossOriginRefusal {
    /// `Sec-Fetch-Site` named another origin (`same-site`, `cross-site`, or an
    /// unknown value).
    SecFetchSite,
    /// `Origin` is not the request's host (or is `null`, or unparsable).
    OriginMismatch,
}

impl CrossOriginRefusal {
    /// A short code for logs and JSON bodies.
    pub fn code(self) -> &'static str {
        match self {
            CrossOriginRefusal::SecFetchSite => "cross_origin_sec_fetch_site",
            CrossOriginRefusal::OriginMismatch => "cross_origin_origin_mismatch",
        }
    }
}

/// The cross-origin policy: on by default, with trusted origins and exempt paths.
///
/// ```
/// # mod login_actix { pub use login_core::*; pub mod config { pub use login_core::*; } pub mod registry { pub use login_core::*; } pub mod next { pub use login_core::*; } pub mod throttle { pub use login_core::*; } }
/// use login_actix::config::{CrossOriginPolicy, CrossOriginRefusal};
///
/// let policy = CrossOriginPolicy::default();
/// let host = Some("shop.example".as_bytes());
/// // A form posted from another site is refused, the site's own form is allowed.
/// let cross = policy.check("POST", "/login", Some(b"cross-site"), Some(b"https://evil.example"), host);
/// assert_eq!(cross, Err(CrossOriginRefusal::SecFetchSite));
/// assert_eq!(policy.check("POST", "/login", Some(b"same-origin"), None, host), Ok(()));
/// // Safe methods and non-browser clients pass.
/// assert_eq!(policy.check("GET", "/", Some(b"cross-site"), None, host), Ok(()));
/// assert_eq!(policy.check("POST", "/login", None, None, host), Ok(()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrossOriginPolicy {
    enabled: bool,
    /// Lower-case `scheme://host[:port]` values.
    trusted_origins: Vec<String>,
    /// Path prefixes, each starting with `/` and without a trailing `/`.
    exempt_paths: Vec<String>,
}

impl Default for CrossOriginPolicy {
    fn default() -> Self {
        CrossOriginPolicy { enabled: true, trusted_origins: Vec::new(), exempt_paths: Vec::new() }
    }
}

/// Whether `origin` is a serialised origin this policy can trust: `http` or `https`,
/// a host, an optional port, nothing else.
pub(crate) fn is_origin(origin: &str) -> bool {
    let Some(rest) = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://")) else {
        return false;
    };
    !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
}

impl CrossOriginPolicy {
    /// Turns the protection on or off (default on).
    pub(crate) fn set_enabled(&mut self, on: bool) {
        self.enabled = on;
    }

    /// Adds a trusted origin (checked by the caller with [`is_origin`]).
    pub(crate) fn trust(&mut self, origin: &str) {
        self.trusted_origins.push(origin.to_ascii_lowercase());
    }

    /// Adds an exempt path prefix (checked by the caller to start with `/`).
    pub(crate) fn exempt(&mut self, prefix: &str) {
        self.exempt_paths.push(prefix.trim_end_matches('/').to_owned());
    }

    /// Whether the protection is on.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Whether `path` is under an exempt prefix (whole segments: `/hooks` exempts
    /// `/hooks` and `/hooks/github`, not `/hooksmith`).
    pub fn is_exempt(&self, path: &str) -> bool {
        self.exempt_paths.iter().any(|prefix| {
            prefix.is_empty()
                || path.strip_prefix(prefix.as_str()).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
    }

    /// Decides one request. `sec_fetch_site`, `origin` and `host` are the raw header
    /// values (`host` from the `Host` header or the HTTP/2 authority).
    pub fn check(
        &self,
        method: &str,
        path: &str,
        sec_fetch_site: Option<&[u8]>,
        origin: Option<&[u8]>,
        host: Option<&[u8]>,
    ) -> Result<(), CrossOriginRefusal> {
        if !self.enabled || matches!(method, "GET" | "HEAD" | "OPTIONS") || self.is_exempt(path) {
            return Ok(());
        }
        if let Some(origin) = origin {
            if self.trusted_origins.iter().any(|t| t.as_bytes().eq_ignore_ascii_case(origin)) {
                return Ok(());
            }
        }
        if let Some(site) = sec_fetch_site {
            return match site {
                b"same-origin" | b"none" => Ok(()),
                _ => Err(CrossOriginRefusal::SecFetchSite),
            };
        }
        let Some(origin) = origin else { return Ok(()) };
        let origin_host = origin
            .strip_prefix(b"https://")
            .or_else(|| origin.strip_prefix(b"http://"))
            .filter(|h| !h.is_empty() && !h.contains(&b'/'));
        match (origin_host, host) {
            (Some(o), Some(h)) if o.eq_ignore_ascii_case(h) => Ok(()),
            _ => Err(CrossOriginRefusal::OriginMismatch),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: Result<(), CrossOriginRefusal> = Ok(());
    const SFS: Result<(), CrossOriginRefusal> = Err(CrossOriginRefusal::SecFetchSite);
    const ORIGIN: Result<(), CrossOriginRefusal> = Err(CrossOriginRefusal::OriginMismatch);

    /// Every header combination, for an unsafe and a safe method.
    #[test]
    fn decision_table() {
        let p = CrossOriginPolicy::default();
        let host: Option<&[u8]> = Some(b"app.example:8443");
        let same: Option<&[u8]> = Some(b"https://app.example:8443");
        let other: Option<&[u8]> = Some(b"https://evil.example");
        let sibling: Option<&[u8]> = Some(b"https://blog.app.example:8443");
        #[rustfmt::skip]
        type Row<'a> = (Option<&'a [u8]>, Option<&'a [u8]>, Result<(), CrossOriginRefusal>);
        let table: &[Row] = &[
            // Sec-Fetch-Site decides when present, whatever Origin says.
            (Some(b"same-origin"), same, OK),
            (Some(b"same-origin"), other, OK),
            (Some(b"same-origin"), None, OK),
            (Some(b"none"), None, OK),
            (Some(b"same-site"), sibling, SFS),
            (Some(b"same-site"), same, SFS),
            (Some(b"cross-site"), other, SFS),
            (Some(b"cross-site"), same, SFS),
            (Some(b"cross-site"), None, SFS),
            (Some(b"bogus"), same, SFS),
            (Some(b""), None, SFS),
            // Without it, Origin against Host.
            (None, same, OK),
            (None, Some(b"https://APP.EXAMPLE:8443"), OK),
            (None, Some(b"http://app.example:8443"), OK),
            (None, other, ORIGIN),
            (None, sibling, ORIGIN),
            (None, Some(b"https://app.example"), ORIGIN),
            (None, Some(b"null"), ORIGIN),
            (None, Some(b""), ORIGIN),
            (None, Some(b"app.example:8443"), ORIGIN),
            (None, Some(b"https://app.example:8443/path"), ORIGIN),
            // Neither: not a browser.
            (None, None, OK),
        ];
        for (i, (site, origin, want)) in table.iter().enumerate() {
            for method in ["POST", "PUT", "PATCH", "DELETE", "CONNECT", "PROPFIND"] {
                assert_eq!(p.check(method, "/x", *site, *origin, host), *want, "row {i}, {method}");
            }
            for method in ["GET", "HEAD", "OPTIONS"] {
                assert_eq!(p.check(method, "/x", *site, *origin, host), OK, "row {i}, {method}");
            }
        }
        // No Host at all: an Origin cannot match it.
        assert_eq!(p.check("POST", "/x", None, same, None), ORIGIN);
    }

    #[test]
    fn trusted_origins_and_exempt_paths() {
        let mut p = CrossOriginPolicy::default();
        p.trust("https://Partner.example");
        p.exempt("/hooks/");
        let host: Option<&[u8]> = Some(b"app.example");
        assert_eq!(p.check("POST", "/x", Some(b"cross-site"), Some(b"https://partner.example"), host), OK);
        assert_eq!(p.check("POST", "/x", None, Some(b"https://partner.example"), host), OK);
        assert_eq!(p.check("POST", "/x", Some(b"cross-site"), Some(b"https://partner.example.evil"), host), SFS);
        for path in ["/hooks", "/hooks/github", "/hooks/a/b"] {
            assert_eq!(p.check("POST", path, Some(b"cross-site"), Some(b"https://evil.example"), host), OK, "{path}");
        }
        for path in ["/hooksmith", "/hook", "/", "/x/hooks"] {
            assert_eq!(p.check("POST", path, Some(b"cross-site"), None, host), SFS, "{path}");
        }
        let mut off = CrossOriginPolicy::default();
        off.set_enabled(false);
        assert_eq!(off.check("POST", "/x", Some(b"cross-site"), None, host), OK);
    }

    #[test]
    fn origin_syntax() {
        for good in ["https://a.example", "http://127.0.0.1:8080", "https://[::1]:8443"] {
            assert!(is_origin(good), "{good}");
        }
        for bad in ["", "a.example", "https://", "https://a.example/", "ftp://a.example", "https://a b", "null"] {
            assert!(!is_origin(bad), "{bad}");
        }
    }
}
