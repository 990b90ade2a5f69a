//! The authenticator: the loaders' types erased, so that extractors and handles need
//! no type parameter.

use std::{
    any::{Any, TypeId},
    rc::Rc,
};

use actix_web::HttpRequest;
use futures_util::future::LocalBoxFuture;
use login_core::AuthUser;

use crate::{
    loader::{bearer_token, RequestLoader, UserLoader},
    refusal::mode::LoginMode,
    state::{
        authenticate,
        context::LoginContext,
        outcome::{Outcome, Source},
    },
};

/// Authenticates requests with the app's loaders, types erased.
pub(crate) trait Authenticator {
    /// Authenticates `req` from `source` (the memoization is the caller's).
    fn authenticate(
        &self,
        state: Rc<LoginContext>,
        req: HttpRequest,
        source: Source,
    ) -> LocalBoxFuture<'static, Outcome>;
    /// The loader's user type.
    fn user_type(&self) -> (TypeId, &'static str);
    /// Whether the (type-erased) user holds `permission`.
    fn has_permission(&self, user: &dyn Any, permission: &str) -> bool;
    /// The (type-erased) user's id as JSON, for events.
    fn user_id(&self, user: &dyn Any) -> Option<serde_json::Value>;
    /// Loads the user whose registry key (the id as JSON text) is `user_key`: `None`
    /// for a key that is no id of this user type, or a user the loader does not find.
    #[cfg(feature = "two-factor")]
    fn load_by_key(&self, req: HttpRequest, user_key: String) -> LocalBoxFuture<'static, LoadedUser>;
}

/// A user loaded by key, type-erased.
#[cfg(feature = "two-factor")]
pub(crate) type LoadedUser = Result<Option<Rc<dyn Any>>, crate::error::LoginError>;

/// The authenticator of a concrete loader (and, for API routes, its request loader).
pub(crate) struct LoaderAuthenticator<L: UserLoader> {
    pub(crate) loader: Rc<L>,
    pub(crate) request_loader: Option<Rc<dyn RequestLoader<User = L::User>>>,
}

impl<L: UserLoader> Authenticator for LoaderAuthenticator<L> {
    fn authenticate(
        &self,
        state: Rc<LoginContext>,
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

    fn user_id(&self, user: &dyn Any) -> Option<serde_json::Value> {
        user.downcast_ref::<L::User>().map(|u| crate::events::id_value(&u.id()))
    }

    #[cfg(feature = "two-factor")]
    fn load_by_key(&self, req: HttpRequest, user_key: String) -> LocalBoxFuture<'static, LoadedUser> {
        let loader = Rc::clone(&self.loader);
        Box::pin(async move {
            let Ok(id) = serde_json::from_str::<<L::User as AuthUser>::Id>(&user_key) else { return Ok(None) };
            let user = loader.load(id, &req).await.map_err(crate::error::LoginError::loader)?;
            Ok(user.map(|u| Rc::new(u) as Rc<dyn Any>))
        })
    }
}
