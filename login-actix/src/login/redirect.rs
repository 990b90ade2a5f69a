//! The redirect after a login: to a safe `next`, else to a fallback.

use actix_web::{
    body::BoxBody,
    http::{header, StatusCode},
    HttpRequest, HttpResponse, Responder,
};
use login_core::internal::{choose_next, location_value};

use crate::state::flow::Flow;

/// The redirect after a login: `303 See Other` to a safe `next`, else to the fallback.
///
/// Candidates, in order: the value given to [`next`](LoginRedirect::next) (a form
/// field), then the request's `?next=` query parameter. A candidate is used only if it
/// passes [`is_safe_next`](login_core::is_safe_next) as decoded once; bytes outside
/// printable ASCII are percent-encoded in the `Location`.
#[must_use]
#[derive(Debug)]
pub struct LoginRedirect {
    req: HttpRequest,
    next: Option<String>,
    fallback: String,
}

impl LoginRedirect {
    pub(crate) fn new(req: HttpRequest) -> Self {
        LoginRedirect { req, next: None, fallback: "/".to_owned() }
    }

    /// The same redirect for a step that is not a login but ends like one (the session
    /// made fresh again by a code, a confirmation): to a safe `next`, else the fallback.
    ///
    /// ```
    /// use login_actix::login::LoginRedirect;
    /// let req = actix_web::test::TestRequest::default().uri("/sudo?next=%2F%2Fevil.example").to_http_request();
    /// assert_eq!(LoginRedirect::for_request(&req).fallback("/settings").target(), "/settings");
    /// ```
    pub fn for_request(req: &HttpRequest) -> Self {
        Self::new(req.clone())
    }

    /// A `next` taken from the login form; preferred over the query string.
    pub fn next(mut self, next: Option<&str>) -> Self {
        self.next = next.map(str::to_owned);
        self
    }

    /// Where to go when no safe `next` is given. Default `/`.
    pub fn fallback(mut self, url: impl Into<String>) -> Self {
        self.fallback = url.into();
        self
    }

    /// The target chosen by the rules above.
    pub fn target(&self) -> String {
        let param = Flow::of(&self.req).map(|s| s.config.next_param().to_owned()).unwrap_or_else(|_| "next".into());
        let query_next = form_urlencoded::parse(self.req.query_string().as_bytes())
            .find(|(k, _)| *k == param)
            .map(|(_, v)| v.into_owned());
        location_value(choose_next([self.next.as_deref(), query_next.as_deref()], &self.fallback))
    }

    /// The redirect response.
    pub fn into_response(self) -> HttpResponse {
        HttpResponse::build(StatusCode::SEE_OTHER)
            .insert_header((header::LOCATION, self.target()))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish()
    }
}

impl Responder for LoginRedirect {
    type Body = BoxBody;

    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        self.into_response()
    }
}
