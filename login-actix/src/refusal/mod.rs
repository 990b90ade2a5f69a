//! Refusals: the one unauthorized response (a redirect to the login page, or `401` for
//! APIs), the one forbidden response (`403`), the modes that choose between their forms,
//! and the app's replacements for them ([`unauthorized_handler`](crate::LoginMiddleware::unauthorized_handler),
//! [`forbidden_handler`](crate::LoginMiddleware::forbidden_handler),
//! [`error_handler`](crate::LoginMiddleware::error_handler)). A replacement gets only
//! the request and the refusal value.
//!
//! The bottom layer of the adapter: nothing here knows who the user is.

pub(crate) mod forbidden;
pub(crate) mod handlers;
pub(crate) mod mode;
pub(crate) mod unauthorized;

pub use forbidden::Forbidden;
pub use mode::{LoginMode, LoginUrl};
pub use unauthorized::{Unauthorized, UnauthorizedReason};
