//! The `next` redirect rule.

pub use login_core::{is_safe_next, login_redirect_url, login_redirect_url_with, next_form_value};
