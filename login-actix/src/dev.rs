//! Plumbing: the middleware's service and futures, the request extension trait, and a
//! bounded session store wrapper.

#[cfg(feature = "redis")]
pub use crate::store::bounded_session_store::BoundedSessionStore;
pub use crate::{
    current_user::LoginRequestExt,
    login_future::LoginFuture,
    middleware::{LoginResponse, LoginService},
};
