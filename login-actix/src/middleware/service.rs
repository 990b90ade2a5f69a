//! The service of [`LoginMiddleware`](crate::LoginMiddleware): the cross-origin check
//! before anything runs, and the shared state made reachable for the extractors.

use std::rc::Rc;

use actix_web::{
    body::{EitherBody, MessageBody},
    dev::{Extensions, Service, ServiceRequest, ServiceResponse},
    http::{header, Method},
    Error, HttpMessage,
};

use crate::{
    events::{LoginEvent, RefusalReason},
    middleware::future::LoginResponse,
    refusal::{forbidden::forbidden_response, Forbidden},
    state::{context::BearerExempt, flow::Flow},
};

/// The service made by [`LoginMiddleware`](crate::LoginMiddleware).
pub struct LoginService<S> {
    service: Rc<S>,
    state: Rc<Flow>,
    /// The shared state, as an app-data container: adding it to a request costs a
    /// reference count, where a per-request extension would cost an allocation.
    data: Rc<Extensions>,
}

impl<S> LoginService<S> {
    pub(crate) fn new(service: S, state: Rc<Flow>, data: Extensions) -> Self {
        LoginService { service: Rc::new(service), state, data: Rc::new(data) }
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
    /// errors and some consume the carried response (a security header goes missing, a
    /// 403 becomes an empty 500).
    fn call(&self, mut req: ServiceRequest) -> Self::Future {
        if let Err(refusal) = check_cross_origin(&self.state, &req) {
            let event = LoginEvent::Refused { user_id: None, reason: RefusalReason::CrossOrigin };
            self.state.emit(req.request(), &event);
            let forbidden = Forbidden::CrossOrigin(refusal);
            let response = forbidden_response(req.request(), self.state.refusals.forbidden.as_ref(), &forbidden, None);
            return LoginResponse::refused(req.into_response(response), Rc::clone(&self.state));
        }
        // The request is not shared yet at this point (actix-web's own scopes add their
        // data the same way, later in the chain).
        req.add_data_container(Rc::clone(&self.data));
        LoginResponse::inner(self.service.call(req), Rc::clone(&self.state))
    }
}

/// The cross-origin decision for a request, from its own headers (never forwarded ones).
fn check_cross_origin(state: &Flow, req: &ServiceRequest) -> Result<(), login_core::CrossOriginRefusal> {
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
        && matches!(crate::loader::bearer_token(req.request()), Some(Ok(_)))
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
