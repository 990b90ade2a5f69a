//! The login-actix demo: a small site with a login form, remember-me, fresh logins for
//! account settings, logout everywhere and a JSON API, on SQLite users with argon2
//! password hashes. Run it with `cargo run --release -p login-examples --bin demo`.
//!
//! ```
//! use login_examples::pages::escape;
//! assert_eq!(escape("<b>"), "&lt;b&gt;");
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod db;
pub mod outbox;
pub mod pages;
pub mod routes;
pub mod server;
pub mod settings;
