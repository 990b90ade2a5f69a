//! `LoginMiddleware`: wires the login flow into `App::wrap`.

use std::{
    cell::Cell,
    future::{ready, Future, Ready},
    pin::Pin,
    rc::Rc,
    task::{ready, Context, Poll},
};

use actix_web::{
    body::{EitherBody, MessageBody},
    dev::{Extensions, Service, ServiceRequest, ServiceResponse, Transform},
    http::{header, Method},
    Error, HttpMessage, HttpRequest, HttpResponse,
};
use login_core::{internal::RememberCodec, LoginConfig};

use crate::{
    authenticator::LoaderAuthenticator,
    error::LoginError,
    event::{EventHook, LoginEvent, RefusalReason},
    forbidden::{forbidden_response, Forbidden},
    loader::RequestLoader,
    loader::UserLoader,
    login_state::{ErrorHandler, ForbiddenHandler, LoginState, UnauthorizedHandler},
    remember_cookie,
    unauthorized::Unauthorized,
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
/// Build the [`LoginConfig`] once, outside `HttpServer::new`'s closure, and clone it in:
/// its default in-memory registry is shared by every configuration built from the same
/// secret in the process anyway, so a configuration built per worker works too.
pub struct LoginMiddleware<L: UserLoader> {
    loader: Rc<L>,
    request_loader: Option<Rc<dyn RequestLoader<User = L::User>>>,
    config: LoginConfig,
    unauthorized_handler: Option<UnauthorizedHandler>,
    forbidden_handler: Option<ForbiddenHandler>,
    error_handler: Option<ErrorHandler>,
    event_hook: Option<EventHook>,
}

impl<L: UserLoader> LoginMiddleware<L> {
    /// A middleware with this user loader and configuration.
    pub fn new(loader: L, config: LoginConfig) -> Self {
        LoginMiddleware {
            loader: Rc::new(loader),
            request_loader: None,
            config,
            unauthorized_handler: None,
            forbidden_handler: None,
            error_handler: None,
            event_hook: None,
        }
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
        self.unauthorized_handler = Some(Rc::new(handler));
        self
    }

    /// Replaces the `403` response to requests refused for what they are: a
    /// cross-origin state-changing request. Default: `403` with a short plain-text body.
    pub fn forbidden_handler(mut self, handler: impl Fn(&HttpRequest, &Forbidden) -> HttpResponse + 'static) -> Self {
        self.forbidden_handler = Some(Rc::new(handler));
        self
    }

    /// Replaces the response to login-flow errors (loader failure: `500`; login registry
    /// unavailable: `503`). The error is logged either way; the default bodies
    /// carry no detail.
    pub fn error_handler(mut self, handler: impl Fn(&HttpRequest, &LoginError) -> HttpResponse + 'static) -> Self {
        self.error_handler = Some(Rc::new(handler));
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
        let state = LoginState {
            codec: RememberCodec::new(&self.config),
            config: self.config.clone(),
            authenticator: Box::new(LoaderAuthenticator {
                loader: Rc::clone(&self.loader),
                request_loader: self.request_loader.clone(),
            }),
            unauthorized_handler: self.unauthorized_handler.clone(),
            forbidden_handler: self.forbidden_handler.clone(),
            event_hook: self.event_hook.clone(),
            error_handler: self.error_handler.clone(),
            session_seen: Cell::new(false),
            has_request_loader: self.request_loader.is_some(),
            pending_cookies: Cell::new(0),
        };
        let state = Rc::new(state);
        let mut data = Extensions::new();
        data.insert(Rc::clone(&state));
        ready(Ok(LoginService { service: Rc::new(service), state, data: Rc::new(data) }))
    }
}

/// The service made by [`LoginMiddleware`].
pub struct LoginService<S> {
    service: Rc<S>,
    state: Rc<LoginState>,
    /// The shared state, as an app-data container: adding it to a request costs a
    /// reference count, where a per-request extension would cost an allocation.
    data: Rc<Extensions>,
}

pin_project_lite::pin_project! {
    /// The response future of [`LoginService`]: the inner response, with the remember
    /// cookie set or deleted when the request decided so; or the refusal of a
    /// cross-origin request, made before anything else ran.
    pub struct LoginResponse<F: Future> {
        #[pin]
        state: ResponseState<F>,
        login: Rc<LoginState>,
    }
}

pin_project_lite::pin_project! {
    #[project = ResponseStateProj]
    enum ResponseState<F: Future> {
        Inner { #[pin] inner: F },
        Refused { response: Option<ServiceResponse> },
        Boxed { fut: futures_util::future::LocalBoxFuture<'static, F::Output> },
    }
}

impl<F, B> Future for LoginResponse<F>
where
    F: Future<Output = Result<ServiceResponse<B>, Error>>,
{
    type Output = Result<ServiceResponse<EitherBody<B>>, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut res = match this.state.project() {
            ResponseStateProj::Inner { inner } => ready!(inner.poll(cx))?,
            ResponseStateProj::Boxed { fut } => ready!(fut.as_mut().poll(cx))?,
            ResponseStateProj::Refused { response } => {
                return Poll::Ready(match response.take() {
                    Some(refused) => Ok(refused.map_into_right_body()),
                    None => Err(actix_web::error::ErrorInternalServerError("login-actix: refusal polled twice")),
                })
            }
        };
        if let Some(cookie) = remember_cookie::take(this.login, res.request()) {
            apply_cookie(&mut res, &cookie);
        }
        Poll::Ready(Ok(res.map_into_left_body()))
    }
}

impl<S, B> Service<ServiceRequest> for LoginService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = LoginResponse<S::Future>;

    actix_web::dev::forward_ready!(service);

    /// A refused cross-origin request is answered here with its `403`, a response like
    /// any other for the middlewares around (default headers, logging, error pages). An
    /// error carrying it would be cheaper (no `EitherBody`), but outer middlewares skip
    /// errors and some consume the carried response: measured in the review of issue
    /// 13, a security header went missing and a 403 became an empty 500.
    fn call(&self, mut req: ServiceRequest) -> Self::Future {
        if let Err(refusal) = check_cross_origin(&self.state, &req) {
            tracing::info!(
                method = %req.method(),
                path = req.path(),
                reason = refusal.code(),
                origin = ?req.headers().get(header::ORIGIN),
                "refused a cross-origin request"
            );
            let event = LoginEvent::Refused { user_id: None, reason: RefusalReason::CrossOrigin };
            self.state.emit(req.request(), &event);
            let response = forbidden_response(req.request(), &self.state, &Forbidden::CrossOrigin(refusal), None);
            return LoginResponse {
                state: ResponseState::Refused { response: Some(req.into_response(response)) },
                login: Rc::clone(&self.state),
            };
        }
        // The request is not shared yet at this point (actix-web's own scopes add their
        // data the same way, later in the chain).
        req.add_data_container(Rc::clone(&self.data));
        #[cfg(feature = "test-util")]
        {
            let login = actix_web::HttpMessage::extensions_mut(&req).remove::<crate::test_util::TestLoginRequest>();
            if let Some(login) = login {
                let service = Rc::clone(&self.service);
                let fut = Box::pin(async move {
                    let auth = <crate::LoginSession as actix_web::FromRequest>::extract(req.request()).await?;
                    (login.0)(auth).await?;
                    // On to the app (an unknown path: 404), so that the session layers
                    // around write the new session's cookies on the way out.
                    service.call(req).await
                });
                return LoginResponse { state: ResponseState::Boxed { fut }, login: Rc::clone(&self.state) };
            }
        }
        LoginResponse { state: ResponseState::Inner { inner: self.service.call(req) }, login: Rc::clone(&self.state) }
    }
}

/// Marks a request let through cross-origin protection as a bearer-token request:
/// the login handle refuses to log anyone in from it (no login CSRF through the
/// exemption).
#[derive(Debug, Clone, Copy)]
pub(crate) struct BearerExempt;

/// The cross-origin decision for a request, from its own headers (never forwarded ones).
fn check_cross_origin(state: &LoginState, req: &ServiceRequest) -> Result<(), login_core::CrossOriginRefusal> {
    let policy = state.config.cross_origin();
    // Safe methods (the bulk of the traffic) cost a comparison, nothing more.
    let method = req.method();
    if !policy.enabled() || method == Method::GET || method == Method::HEAD || method == Method::OPTIONS {
        return Ok(());
    }
    let headers = req.headers();
    // A request with a well-formed bearer token and no cookies carries no credential a
    // browser attaches by itself (it does attach cached Basic credentials, hence the
    // scheme check); API clients post from anywhere. Such a request may not log anyone
    // in (see `BearerExempt`).
    if state.has_request_loader
        && !headers.contains_key(header::COOKIE)
        && matches!(crate::loader_adapter::bearer_token(req.request()), Some(Ok(_)))
    {
        req.extensions_mut().insert(BearerExempt);
        return Ok(());
    }
    let host = headers
        .get(header::HOST)
        .map(|h| h.as_bytes())
        .or_else(|| req.uri().authority().map(|a| a.as_str().as_bytes()));
    policy.check(
        req.method().as_str(),
        req.path(),
        headers.get("sec-fetch-site").map(|v| v.as_bytes()),
        headers.get(header::ORIGIN).map(|v| v.as_bytes()),
        host,
    )
}

/// On the way out: sets or deletes the remember cookie as the request decided.
fn apply_cookie<B>(res: &mut ServiceResponse<B>, cookie: &actix_web::cookie::Cookie<'static>) {
    if let Err(err) = res.response_mut().add_cookie(cookie) {
        tracing::error!(error = %err, "could not set the remember cookie header");
    }
}
