//! The authenticator: the loaders' types erased, so that extractors and handles need
//! no type parameter; and what authenticating a request yields.

use std::{
    any::{Any, TypeId},
    rc::Rc,
};

use actix_web::HttpRequest;
use futures_util::future::LocalBoxFuture;
use login_core::{AuthUser, LoginId};

use crate::{
    authenticate,
    error::LoginError,
    loader_adapter::{bearer_token, RequestLoader, UserLoader},
    login_state::LoginState,
    unauthorized::LoginMode,
};

/// A logged-in user, type-erased.
#[derive(Clone)]
pub(crate) struct Authed {
    pub(crate) user: Rc<dyn Any>,
    /// Whether a credential was checked within `fresh_for`.
    pub(crate) fresh: bool,
    /// How the request was authenticated.
    pub(crate) via: Via,
    /// The live login the request belongs to; `None` for a bearer token.
    pub(crate) login: Option<LoginRef>,
}

/// The live login a cookie-authenticated request belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LoginRef {
    /// The login's id in the registry.
    pub(crate) id: LoginId,
    /// When a credential was last checked in this session (`0`: restored).
    pub(crate) authenticated_at: u64,
    /// Whether the login was forced (`is_active` not checked).
    pub(crate) forced: bool,
}

/// Where the request's login state comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// The request as it came: a bearer token, the session record, the remember cookie.
    Request,
    /// The session alone: this request changed the login (`login_user`,
    /// `confirm_login`, `refresh_auth_hash`) and wrote the new record there; the
    /// request's own cookies are out of date.
    Session,
}

/// How a request was authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Via {
    /// The session of a credential login.
    Session,
    /// A session restored from a remember cookie (now or earlier in this session).
    Remembered,
    /// A bearer token (API routes).
    Token,
}

/// What authenticating a request found: a user, anonymous (`None`), or an error the
/// response must show (never a silent logout). Matched once, by each extractor.
pub(crate) type Outcome = Result<Option<Authed>, LoginError>;

/// Authenticates requests with the app's loaders, types erased.
pub(crate) trait Authenticator {
    /// Authenticates `req` from `source` (the memoization is the caller's).
    fn authenticate(&self, state: Rc<LoginState>, req: HttpRequest, source: Source)
        -> LocalBoxFuture<'static, Outcome>;
    /// The loader's user type.
    fn user_type(&self) -> (TypeId, &'static str);
    /// Whether the (type-erased) user holds `permission`.
    fn has_permission(&self, user: &dyn Any, permission: &str) -> bool;
}

/// The authenticator of a concrete loader (and, for API routes, its request loader).
pub(crate) struct LoaderAuthenticator<L: UserLoader> {
    pub(crate) loader: Rc<L>,
    pub(crate) request_loader: Option<Rc<dyn RequestLoader<User = L::User>>>,
}

impl<L: UserLoader> Authenticator for LoaderAuthenticator<L> {
    fn authenticate(
        &self,
        state: Rc<LoginState>,
        req: HttpRequest,
        source: Source,
    ) -> LocalBoxFuture<'static, Outcome> {
        let loader = Rc::clone(&self.loader);
        let request_loader = self.request_loader.clone().filter(|_| source == Source::Request);
        Box::pin(async move {
            if let Some(request_loader) = request_loader {
                if req.app_data::<LoginMode>() == Some(&LoginMode::Api) {
                    if let Some(token) = bearer_token(&req) {
                        return authenticate::from_bearer(&*request_loader, &state, &req, token).await;
                    }
                }
            }
            authenticate::from_cookies(&*loader, &state, &req, source).await
        })
    }

    fn user_type(&self) -> (TypeId, &'static str) {
        (TypeId::of::<L::User>(), std::any::type_name::<L::User>())
    }

    fn has_permission(&self, user: &dyn Any, permission: &str) -> bool {
        user.downcast_ref::<L::User>().is_some_and(|u| u.has_permission(permission))
    }
}
