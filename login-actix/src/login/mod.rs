//! Logging in and out: [`LoginSession`](crate::LoginSession) (the handle, in
//! `login/session.rs`) and what it returns: the login builder, the redirect after a
//! login, the sessions page rows, who logged out.

pub(crate) mod info;
pub(crate) mod redirect;
#[cfg(feature = "two-factor")]
pub(crate) mod second_factor;
pub(crate) mod session;

pub use info::{LoggedOut, LoginInfo};
pub use redirect::LoginRedirect;
pub use session::LoginBuilder;
