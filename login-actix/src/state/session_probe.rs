//! Finding out whether actix-session's `SessionMiddleware` serves this request.
//!
//! Without it, `Session` silently works on a throw-away map and every login is lost.
//! The middleware puts its session into the request extensions before the handler
//! runs; `Session` offers no public way to ask for it, so the probe swaps the
//! extensions out, lets a probe session be created in the empty map, swaps the
//! originals back over it and looks at which session the request now has: if it is
//! the probe, nobody had put one there. The answer is the same for every request of
//! an app, so it is cached per worker once positive.

use actix_session::SessionExt;
use actix_web::{HttpMessage, HttpRequest};

use crate::{error::LoginError, state::context::LoginContext};

const PROBE_KEY: &str = "_login_probe";

/// `Ok` when a `SessionMiddleware` serves this request; else the error, logged.
pub(crate) fn ensure_session(req: &HttpRequest, state: &LoginContext) -> Result<(), LoginError> {
    if has_session(req, state) {
        return Ok(());
    }
    tracing::error!("{}", LoginError::SessionMissing);
    Err(LoginError::SessionMissing)
}

/// Whether a `SessionMiddleware` serves this request (nothing logged).
pub(crate) fn has_session(req: &HttpRequest, state: &LoginContext) -> bool {
    if state.session_seen.get() {
        return true;
    }
    let saved = std::mem::take(&mut *req.extensions_mut());
    let probe = req.get_session();
    req.extensions_mut().extend(saved);
    let current = req.get_session();
    // Inserting a bool cannot fail to serialise.
    let _ = probe.insert(PROBE_KEY, true);
    if current.contains_key(PROBE_KEY) {
        current.remove(PROBE_KEY);
        return false;
    }
    state.session_seen.set(true);
    true
}
