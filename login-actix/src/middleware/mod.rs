//! `LoginMiddleware`: wires the login flow into `App::wrap`.

pub(crate) mod future;
pub(crate) mod service;

use std::{
    future::{ready, Ready},
    rc::Rc,
};

use actix_web::{
    body::{EitherBody, MessageBody},
    dev::{Extensions, Service, ServiceRequest, ServiceResponse, Transform},
    Error, HttpRequest, HttpResponse,
};
use std::sync::Arc;

use login_core::{LoginConfig, LoginStore, LoginStores, ThrottleStore};

pub use self::{future::LoginResponse, service::LoginService};
use crate::{
    error::LoginError,
    events::EventHook,
    loader::{RequestLoader, UserLoader},
    refusal::{handlers::Refusals, Forbidden, Unauthorized},
    state::{authenticator::LoaderAuthenticator, context::LoginContext, flow::Flow},
};

/// The login middleware. Wrap it around the app (or a scope) together with
/// actix-session's `SessionMiddleware`:
///
/// ```
/// # use actix_web::{cookie::Key, App};
/// # use actix_session::{storage::CookieSessionStore, SessionMiddleware};
/// # use login_actix::{AuthUser, LoginConfig, LoginMiddleware, loader::loader_fn};
/// # #[derive(Clone)] struct User { id: i64 }
/// # impl AuthUser for User { type Id = i64; fn id(&self) -> i64 { self.id } }
/// # let secret = [0u8; 64];
/// # let load_user = loader_fn(|id: i64, _req| async move { Ok::<_, String>(Some(User { id })) });
/// let config = LoginConfig::new(&secret).expect("secret of 32+ bytes");
/// let key = Key::derive_from(&secret);
/// let app = App::new()
///     .wrap(LoginMiddleware::new(load_user, config))
///     .wrap(SessionMiddleware::new(CookieSessionStore::default(), key));
/// ```
///
/// `wrap` order: the last `wrap` is the outermost. Either order works, because the
/// login flow only touches the session inside extractors and handlers, after both
/// middlewares have run. A missing `SessionMiddleware` is reported on the first request
/// that needs the session: the error is logged and the request gets a `500`.
///
/// The middleware itself does almost nothing per request: it makes the configuration
/// reachable and, on the way out, sets or deletes the remember cookie when the request
/// decided so. Routes that never ask for the user pay no cookie parsing, no loader call
/// and no cryptography.
///
/// The stores are handed over apart from the settings: [`registry`](Self::registry)
/// and [`throttle`](Self::throttle). Their defaults are in memory, one set per process
/// and secret, so middlewares built per worker (inside `HttpServer::new`'s closure)
/// share them. A store of your own is built once, outside the closure, and cloned in.
pub struct LoginMiddleware<L: UserLoader> {
    loader: Rc<L>,
    request_loader: Option<Rc<dyn RequestLoader<User = L::User>>>,
    config: LoginConfig,
    stores: LoginStores,
    refusals: Refusals,
    event_hook: Option<EventHook>,
}

impl<L: UserLoader> LoginMiddleware<L> {
    /// A middleware with this user loader and configuration, its stores in memory.
    pub fn new(loader: L, config: LoginConfig) -> Self {
        LoginMiddleware {
            loader: Rc::new(loader),
            request_loader: None,
            stores: LoginStores::memory(&config),
            config,
            refusals: Refusals::default(),
            event_hook: None,
        }
    }

    /// Keeps live logins (and, with `two-factor`, the second factor's state) in `store`
    /// instead of memory: for logins that survive a restart the
    /// `registry::SqliteRegistry` (feature `sqlite`), for
    /// several instances the `RedisRegistry` (feature `redis`). With `two-factor` the
    /// store must implement [`SecondFactorStore`](crate::registry::SecondFactorStore)
    /// too: one without it does not compile.
    pub fn registry(mut self, store: Arc<dyn LoginStore>) -> Self {
        self.stores = self.stores.with_registry(store);
        self
    }

    /// Keeps the login throttle's counters in `store` instead of memory (several
    /// instances share a Redis store).
    pub fn throttle(mut self, store: Arc<dyn ThrottleStore>) -> Self {
        self.stores = self.stores.with_throttle(store);
        self
    }

    /// Uses these stores (what [`registry`](Self::registry) and
    /// [`throttle`](Self::throttle) set one by one).
    pub fn stores(mut self, stores: LoginStores) -> Self {
        self.stores = stores;
        self
    }

    /// Authenticates `Authorization: Bearer` requests on API routes (scopes with
    /// [`LoginMode::Api`](crate::guard::LoginMode::Api)) with this loader instead of cookies:
    /// never fresh, no session, no cookies; a present but invalid token is `401`.
    /// Such requests (a bearer token and no `Cookie` header) are exempt from
    /// cross-origin protection: browsers do not attach them by themselves.
    pub fn request_loader(mut self, loader: impl RequestLoader<User = L::User>) -> Self {
        self.request_loader = Some(Rc::new(loader));
        self
    }

    /// Receives every [`LoginEvent`](crate::events::LoginEvent) (logins, restores, logouts,
    /// logins ended, refusals, throttled attempts), synchronously in the request that
    /// caused it. Keep it quick; spawn a task for slow work (`actix_web::rt::spawn`).
    pub fn on_event(mut self, hook: impl Fn(&HttpRequest, &crate::events::LoginEvent) + 'static) -> Self {
        self.event_hook = Some(Rc::new(hook));
        self
    }

    /// Replaces the response to anonymous (or not fresh) requests on guarded routes.
    /// Default: `302` to `login_url?next=...`, or `401` JSON in [`LoginMode::Api`](crate::guard::LoginMode::Api).
    pub fn unauthorized_handler(
        mut self,
        handler: impl Fn(&HttpRequest, &Unauthorized) -> HttpResponse + 'static,
    ) -> Self {
        self.refusals.unauthorized = Some(Rc::new(handler));
        self
    }

    /// Replaces the `403` response to requests refused for what they are: a
    /// cross-origin state-changing request. Default: `403` with a short plain-text body.
    pub fn forbidden_handler(mut self, handler: impl Fn(&HttpRequest, &Forbidden) -> HttpResponse + 'static) -> Self {
        self.refusals.forbidden = Some(Rc::new(handler));
        self
    }

    /// Replaces the response to login-flow errors (loader failure: `500`; login registry
    /// unavailable: `503`). The error is logged either way; the default bodies
    /// carry no detail.
    pub fn error_handler(mut self, handler: impl Fn(&HttpRequest, &LoginError) -> HttpResponse + 'static) -> Self {
        self.refusals.error = Some(Rc::new(handler));
        self
    }
}

impl<S, B, L> Transform<S, ServiceRequest> for LoginMiddleware<L>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
    L: UserLoader,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = LoginService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        if self.stores.logins_in_memory() {
            say_logins_are_in_memory();
        }
        let ctx = Rc::new(LoginContext::new(
            self.config.clone(),
            self.stores.clone(),
            self.event_hook.clone(),
            self.request_loader.is_some(),
        ));
        let flow = Rc::new(Flow {
            ctx,
            authenticator: Box::new(LoaderAuthenticator {
                loader: Rc::clone(&self.loader),
                request_loader: self.request_loader.clone(),
            }),
            refusals: self.refusals.clone(),
        });
        let mut data = Extensions::new();
        data.insert(Rc::clone(&flow));
        ready(Ok(LoginService::new(service, flow, data)))
    }
}

/// Said once per process, when a middleware keeps its logins in the default memory
/// registry.
fn say_logins_are_in_memory() {
    static SAID: std::sync::Once = std::sync::Once::new();
    SAID.call_once(|| {
        tracing::info!(
            "logins are kept in memory (the default registry): a restart logs everybody out, \
             remember-me cookies included; use the SQLite or Redis registry to keep them"
        )
    });
}
