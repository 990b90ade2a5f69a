//! The request's login state and the rules that compute it: who the user is (the
//! session record, else the remember cookie, else a bearer token), checked against the
//! registry, decided once per request and changed only by `login_user` and its kin.
//!
//! From the bottom: `context` (what the rules need), `session_probe`,
//! `remember_cookie` (the cookie's one builder and the change a request schedules),
//! `outcome` (what a request's state is), `named_login` (which logins a browser's
//! cookies name and where each stands), `authenticate` (the rules),
//! `authenticator` (the loaders, types erased), `flow` (the per-worker state the extractors reach), `memo` (the
//! state computed at most once per request).

pub(crate) mod authenticate;
pub(crate) mod authenticator;
pub(crate) mod context;
pub(crate) mod flow;
pub(crate) mod memo;
pub(crate) mod named_login;
pub(crate) mod outcome;
pub(crate) mod remember_cookie;
pub(crate) mod session_probe;
