//! What the rules of the login flow need of their middleware, per worker: the
//! configuration, the stores, the token codec, the event hook and a few cached facts. The user
//! loaders and the refusal handlers are not here (see `state::flow`).

use std::cell::Cell;

use actix_web::HttpRequest;
#[cfg(feature = "two-factor")]
use login_core::device::DeviceCodec;
use login_core::{
    internal::{RememberClaims, RememberCodec},
    LoginConfig, LoginStores, TokenError,
};

use crate::events::{EventHook, LoginEvent};

/// Per-worker context of one `LoginMiddleware`.
pub(crate) struct LoginContext {
    pub(crate) config: LoginConfig,
    pub(crate) stores: LoginStores,
    pub(crate) codec: RememberCodec,
    /// The device cookie's codec.
    #[cfg(feature = "two-factor")]
    pub(crate) device: DeviceCodec,
    pub(crate) event_hook: Option<EventHook>,
    /// Set once a request showed that `SessionMiddleware` is in place.
    pub(crate) session_seen: Cell<bool>,
    /// Whether bearer tokens are read on API routes.
    pub(crate) has_request_loader: bool,
    /// Requests of this worker with a remember-cookie change scheduled and not yet
    /// applied (a request dropped before its response leaves it high: then every
    /// response looks, which is only slower).
    pub(crate) pending_cookies: Cell<usize>,
}

impl LoginContext {
    /// A context for `config` and `stores`, with the app's event hook.
    pub(crate) fn new(
        config: LoginConfig,
        stores: LoginStores,
        event_hook: Option<EventHook>,
        has_request_loader: bool,
    ) -> Self {
        LoginContext {
            stores,
            codec: RememberCodec::new(&config),
            #[cfg(feature = "two-factor")]
            device: DeviceCodec::new(&config),
            config,
            event_hook,
            session_seen: Cell::new(false),
            has_request_loader,
            pending_cookies: Cell::new(0),
        }
    }

    /// The claims of a remember token, when it is valid at `now`.
    pub(crate) fn verify_remember<Id: serde::de::DeserializeOwned>(
        &self,
        token: &str,
        now: u64,
    ) -> Result<RememberClaims<Id>, TokenError> {
        self.codec.verify(token, now)
    }

    /// Logs an event and gives it to the app's hook, if it has one.
    pub(crate) fn emit(&self, req: &HttpRequest, event: &LoginEvent) {
        event.log(req);
        if let Some(hook) = &self.event_hook {
            hook(req, event);
        }
    }
}

/// Marks a request let through cross-origin protection as a bearer-token request:
/// the login handle refuses to log anyone in from it (no login CSRF through the
/// exemption).
#[derive(Debug, Clone, Copy)]
pub(crate) struct BearerExempt;
