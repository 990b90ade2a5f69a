//! The `next` rule: where a login may send the browser afterwards.
//!
//! A guard sends an anonymous visitor to `login_url?next=<path and query>`; after the
//! login, the app redirects to that `next` only when it is a path on this site. The
//! rule, applied to the value exactly as decoded once by query or form parsing:
//!
//! - it starts with `/`;
//! - its second character is neither `/` nor `\` (no scheme-relative `//host`);
//! - it contains no `\` anywhere (browsers read it as `/`);
//! - it contains no control character (0x00-0x1F, 0x7F): no CRLF, tab or NUL.
//!
//! It is never decoded a second time. Anything else falls back to the app's default.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Characters left as they are in a `next` query value: RFC 3986 unreserved ones.
const NEXT_VALUE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Whether `next` (already decoded once) is a safe local redirect target.
///
/// ```
/// # mod login_actix { pub use login_core::*; pub mod config { pub use login_core::*; } pub mod registry { pub use login_core::*; } pub mod next { pub use login_core::*; } pub mod throttle { pub use login_core::*; } }
/// use login_actix::next::is_safe_next;
/// assert!(is_safe_next("/dashboard?tab=1"));
/// assert!(!is_safe_next("//evil.example/"));
/// assert!(!is_safe_next("/\\evil.example"));
/// assert!(!is_safe_next("https://evil.example/"));
/// assert!(!is_safe_next("/ok\r\nSet-Cookie: x=1"));
/// ```
pub fn is_safe_next(next: &str) -> bool {
    let bytes = next.as_bytes();
    bytes.first() == Some(&b'/')
        && !matches!(bytes.get(1), Some(b'/' | b'\\'))
        && !bytes.iter().any(|&b| b == b'\\' || b < 0x20 || b == 0x7f)
}

/// The value of a login form's hidden `next` field: the candidate (a `?next=` query
/// parameter, decoded once) only when it is safe, escaped for an HTML attribute; `None`
/// otherwise, so that a page never echoes an unsafe or markup-breaking value.
///
/// ```
/// # mod login_actix { pub mod next { pub use login_core::*; } }
/// use login_actix::next::next_form_value;
/// assert_eq!(next_form_value(Some("/cart?a=1&b=\"2\"")).as_deref(), Some("/cart?a=1&amp;b=&quot;2&quot;"));
/// assert_eq!(next_form_value(Some("//evil.example")), None);
/// assert_eq!(next_form_value(Some("/\"><script>")), Some("/&quot;&gt;&lt;script&gt;".to_owned()));
/// assert_eq!(next_form_value(None), None);
/// ```
pub fn next_form_value(candidate: Option<&str>) -> Option<String> {
    let next = candidate.filter(|n| is_safe_next(n))?;
    let mut out = String::with_capacity(next.len());
    for c in next.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Some(out)
}

#[cfg(feature = "flow")]
/// Picks the redirect after a login: the first candidate that is present, non-empty
/// and safe, else `fallback`. Unsafe candidates are logged (without their value's
/// tail) and skipped.
pub fn choose_next<'a>(candidates: impl IntoIterator<Item = Option<&'a str>>, fallback: &'a str) -> &'a str {
    for candidate in candidates.into_iter().flatten() {
        if candidate.is_empty() {
            continue;
        }
        if is_safe_next(candidate) {
            return candidate;
        }
        tracing::info!(next_len = candidate.len(), "rejected unsafe `next` redirect target; using the default");
    }
    fallback
}

#[cfg(feature = "flow")]
/// Makes an accepted target fit a `Location` header: bytes outside printable ASCII
/// (space, non-ASCII UTF-8) are percent-encoded; existing `%XX` sequences are kept,
/// never decoded.
pub fn location_value(target: &str) -> String {
    let mut out = String::with_capacity(target.len());
    for &b in target.as_bytes() {
        if (0x21..0x7f).contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Builds the guard's redirect: `login_url` with `next` set to the request's path and
/// query, percent-encoded as one query value. Never uses the `Host` header.
///
/// ```
/// # mod login_actix { pub use login_core::*; pub mod config { pub use login_core::*; } pub mod registry { pub use login_core::*; } pub mod next { pub use login_core::*; } pub mod throttle { pub use login_core::*; } }
/// use login_actix::next::login_redirect_url;
/// assert_eq!(login_redirect_url("/login", "/settings"), "/login?next=%2Fsettings");
/// assert_eq!(login_redirect_url("/login?x=1", "/a?b=c&d"), "/login?x=1&next=%2Fa%3Fb%3Dc%26d");
/// ```
pub fn login_redirect_url(login_url: &str, path_and_query: &str) -> String {
    login_redirect_url_with(login_url, "next", path_and_query)
}

/// [`login_redirect_url`] with another parameter name. A `param` already in
/// `login_url`'s query is replaced, never repeated (a login page reading its query
/// into a struct would refuse a duplicate field).
///
/// ```
/// # mod login_actix { pub use login_core::*; pub mod config { pub use login_core::*; } pub mod registry { pub use login_core::*; } pub mod next { pub use login_core::*; } pub mod throttle { pub use login_core::*; } }
/// use login_actix::next::login_redirect_url_with;
/// assert_eq!(login_redirect_url_with("/login?next=%2Fdashboard", "next", "/"), "/login?next=%2F");
/// assert_eq!(login_redirect_url_with("/signin?lang=en", "return_to", "/a"), "/signin?lang=en&return_to=%2Fa");
/// ```
pub fn login_redirect_url_with(login_url: &str, param: &str, path_and_query: &str) -> String {
    let (path, query) = login_url.split_once('?').unwrap_or((login_url, ""));
    let mut out = String::with_capacity(login_url.len() + param.len() + path_and_query.len() * 3 + 2);
    out.push_str(path);
    let mut sep = '?';
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let name = pair.split_once('=').map_or(pair, |(name, _)| name);
        if name != param {
            out.push(sep);
            out.push_str(pair);
            sep = '&';
        }
    }
    out.push(sep);
    out.push_str(param);
    out.push('=');
    out.extend(utf8_percent_encode(path_and_query, NEXT_VALUE));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rule() {
        for ok in ["/", "/a", "/a/b?c=d", "/%2F%2Fevil", "/a//b", "/ünïcode", "/a b"] {
            assert!(is_safe_next(ok), "{ok:?}");
        }
        for bad in [
            "",
            "a",
            "//evil",
            "/\\evil",
            "\\\\evil",
            "/a\\b",
            "http://evil",
            "javascript:alert(1)",
            "/\r\n",
            "/\t/evil",
            "/\0",
            "/\x7f",
            " /a",
            "https:/evil",
        ] {
            assert!(!is_safe_next(bad), "{bad:?}");
        }
    }

    #[test]
    fn choose_skips_empty_and_unsafe() {
        assert_eq!(choose_next([Some(""), Some("/q")], "/"), "/q");
        assert_eq!(choose_next([Some("//evil"), Some("/q")], "/"), "/q");
        assert_eq!(choose_next([None, Some("https://evil")], "/home"), "/home");
        assert_eq!(choose_next([], "/home"), "/home");
    }

    #[test]
    fn location_is_ascii_and_never_decoded() {
        assert_eq!(location_value("/a b/é?%41"), "/a%20b/%C3%A9?%41");
        assert!(location_value("/\u{2028}x").is_ascii());
    }

    #[test]
    fn a_next_already_in_the_login_url_is_replaced() {
        assert_eq!(login_redirect_url("/login?next=%2Fdashboard", "/"), "/login?next=%2F");
        assert_eq!(login_redirect_url("/login?a=1&next=x&b=2&next=y", "/q"), "/login?a=1&b=2&next=%2Fq");
        assert_eq!(login_redirect_url("/login?", "/q"), "/login?next=%2Fq");
        assert_eq!(login_redirect_url("/login?nextx=1", "/q"), "/login?nextx=1&next=%2Fq");
    }

    #[test]
    fn guard_redirect_encodes_the_whole_target() {
        assert_eq!(login_redirect_url("/login", "/dash?q=1&r=%2F"), "/login?next=%2Fdash%3Fq%3D1%26r%3D%252F");
    }
}
