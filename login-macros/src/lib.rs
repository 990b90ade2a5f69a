//! Procedural macros of [`login-actix`](https://docs.rs/login-actix). Use them through
//! `login_actix` (which re-exports them); the generated code names `::login_actix`.
//!
//! ```ignore
//! use login_actix::{login_required, user_loader, CurrentUser};
//!
//! #[user_loader]
//! async fn load_user(id: i64, db: web::Data<Db>) -> Result<Option<User>, DbError> { db.user(id).await }
//!
//! #[get("/dashboard")]
//! #[login_required]
//! async fn dashboard(user: CurrentUser<User>) -> String { format!("hi {}", user.name) }
//! ```
//!
//! Each macro is a parse step (arguments and item, every mistake a `syn::Error` on the
//! offending tokens) and an expand step; on error the original item is emitted along
//! with the message, so one mistake gives one error.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod login_required;
mod user_loader;

use proc_macro::TokenStream;

/// Gates an async handler behind a login: anonymous requests are redirected to
/// `login_url?next=<path and query>` (or get `401` JSON in API mode).
///
/// Arguments: `api` (answer `401` JSON, never redirect), `redirect = "/path"` (this
/// route's login page instead of the configured one), `permission = "name"` (repeat
/// for several; a logged-in user without one gets `403`, never the login page). Works
/// above or below actix's route macros.
#[proc_macro_attribute]
pub fn login_required(args: TokenStream, item: TokenStream) -> TokenStream {
    login_required::run(login_required::Kind::Login, args.into(), item.into()).into()
}

/// Like [`macro@login_required`], but a session restored from a remember cookie is not
/// enough: the user must have logged in explicitly (use it for password change,
/// account deletion).
#[proc_macro_attribute]
pub fn fresh_login_required(args: TokenStream, item: TokenStream) -> TokenStream {
    login_required::run(login_required::Kind::FreshLogin, args.into(), item.into()).into()
}

/// Turns `async fn name(id: Id, extractors..) -> Option<User>` (or
/// `Result<Option<User>, E>`) into a user loader value named `name`, for
/// `LoginMiddleware::new(name, config)`. Arguments after the id are actix extractors
/// (`web::Data<Pool>`, ...), extracted from the request.
#[proc_macro_attribute]
pub fn user_loader(args: TokenStream, item: TokenStream) -> TokenStream {
    user_loader::run(args.into(), item.into()).into()
}

/// Emits `err` with the original item, so the item still exists for later passes.
fn with_item(err: syn::Error, item: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    let mut out = err.to_compile_error();
    out.extend(item);
    out
}
