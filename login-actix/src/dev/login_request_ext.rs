//! `LoginRequestExt`: the current user as a method on the request.

use std::future::Future;

use actix_web::HttpRequest;
use login_core::AuthUser;

use crate::{
    current_user::{to_user, CurrentUser},
    error::LoginError,
    state::memo::memoized,
};

/// The current user as a method on the request.
///
/// ```
/// use actix_web::{HttpRequest, HttpResponse};
/// use login_actix::{AuthUser, dev::LoginRequestExt};
/// # #[derive(Clone)] struct User { id: i64 }
/// # impl AuthUser for User { type Id = i64; fn id(&self) -> i64 { self.id } }
///
/// async fn whoami(req: HttpRequest) -> actix_web::Result<HttpResponse> {
///     Ok(match req.current_user::<User>().await? {
///         Some(user) => HttpResponse::Ok().body(user.id.to_string()),
///         None => HttpResponse::Ok().body("anonymous"),
///     })
/// }
/// ```
pub trait LoginRequestExt {
    /// The logged-in user, `None` when anonymous (memoized per request).
    fn current_user<U: AuthUser>(&self) -> impl Future<Output = Result<Option<CurrentUser<U>>, LoginError>>;
}

impl LoginRequestExt for HttpRequest {
    fn current_user<U: AuthUser>(&self) -> impl Future<Output = Result<Option<CurrentUser<U>>, LoginError>> {
        let req = self.clone();
        async move {
            let outcome = memoized(&req).await;
            to_user::<U>(&req, outcome)
        }
    }
}
