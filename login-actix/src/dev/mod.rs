//! Plumbing: the extractors' future, the request extension trait, and a bounded
//! session store wrapper. The middleware's service and response future are in
//! [`middleware`](crate::middleware).

#[cfg(feature = "redis")]
mod bounded_session_store;
pub(crate) mod login_future;
mod login_request_ext;

#[cfg(feature = "redis")]
pub use bounded_session_store::BoundedSessionStore;
pub use login_future::LoginFuture;
pub use login_request_ext::LoginRequestExt;
