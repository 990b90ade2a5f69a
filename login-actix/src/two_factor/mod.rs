//! A second factor (feature `two-factor`): TOTP codes (RFC 6238), recovery codes,
//! pending logins, and the browsers an account knows (the `_device` cookie).
//!
//! For a user with a second factor, a right password makes a *pending* login
//! ([`LoginSession::begin_second_factor`](crate::LoginSession::begin_second_factor)):
//! no login in the registry, no remember cookie, anonymous for every guard. The code
//! page takes [`PendingUser`]; a right code
//! ([`check_totp`](crate::LoginSession::check_totp), accepted once per time step, or a
//! recovery code) completes it
//! ([`complete_second_factor`](crate::LoginSession::complete_second_factor)): a new
//! session id, the login, fresh, the remember cookie if it was asked for. A wrong code
//! counts ([`PendingUser::wrong_code`]); the fifth ends the pending login.
//!
//! Every completed login (of every user, with or without a second factor) renews the
//! device cookie: signed, naming the user, bound to the auth hash and to "forget every
//! browser", lasting [`device_lifetime`](crate::config::LoginConfigBuilder::device_lifetime).
//! It lets a browser skip the second factor when the user ticked "trust this browser"
//! ([`trusts_browser`](crate::LoginSession::trusts_browser)), and it lets the account's
//! own browsers through when the account is under attack
//! ([`LoginThrottle::attempt_for`](crate::LoginThrottle::attempt_for)).
//!
//! **Enrolment** (behind `#[fresh_login_required]`): make a [`TotpSecret`], store it
//! as the user's pending secret and show it (its base32 text, its
//! [`otpauth_uri`](TotpSecret::otpauth_uri), a QR code of the URI) until it is
//! confirmed, the same one at every reload; confirm with a code of that secret through
//! `check_totp` (which spends that time step: a login right after uses the next
//! step's code); then store the secret as the user's and a set of
//! [`RecoveryCodes`] (`generate` gives the codes to show once and the hashes to keep).
//!
//! **A recovery code at the code step**: when `check_totp` says no, try
//! `recovery_codes().find(code, &stored_hashes)`; remove the hash it found atomically in
//! the app's store (of two requests with one code, one must win), emit
//! [`SecondFactorStep::RecoveryCodeUsed`] with `second_factor_event`, and complete.
//!
//! ```
//! use actix_web::{post, web, HttpResponse};
//! use login_actix::{two_factor::{PendingUser, TotpSecret, WrongCode}, AuthUser, LoginSession, LoginThrottle, Remember};
//! # #[derive(Clone)] struct User { id: i64, totp: Option<String> }
//! # impl AuthUser for User { type Id = i64; fn id(&self) -> i64 { self.id } }
//! # async fn find(_: &str) -> Option<User> { None }
//! # fn password_ok(_: &User, _: &str) -> bool { false }
//!
//! #[derive(serde::Deserialize)]
//! struct LoginForm { username: String, password: String, remember: Option<String>, next: Option<String> }
//!
//! #[post("/login")]
//! async fn login(form: web::Form<LoginForm>, throttle: LoginThrottle, auth: LoginSession<User>) -> actix_web::Result<HttpResponse> {
//!     let user = find(&form.username).await;
//!     // Over the account's limit, only its known browsers get here.
//!     let attempt = throttle.attempt_for(&form.username, user.as_ref()).await?;
//!     let Some(user) = user.filter(|u| password_ok(u, &form.password)) else {
//!         attempt.failed();
//!         return Ok(HttpResponse::SeeOther().insert_header(("Location", "/login?error=1")).finish());
//!     };
//!     let remember = Remember::from_form_value(form.remember.as_deref());
//!     if user.totp.is_some() && !auth.trusts_browser(&user).await? {
//!         attempt.pending();
//!         auth.begin_second_factor(&user, remember, &form.username, form.next.as_deref()).await?;
//!         return Ok(HttpResponse::SeeOther().insert_header(("Location", "/login/two-factor")).finish());
//!     }
//!     attempt.succeeded().await?;
//!     Ok(auth.login_user(&user, remember).await?.next(form.next.as_deref()).fallback("/").into_response())
//! }
//!
//! #[derive(serde::Deserialize)]
//! struct CodeForm { code: String, trust_device: Option<String> }
//!
//! #[post("/login/two-factor")]
//! async fn code(form: web::Form<CodeForm>, pending: PendingUser<User>, throttle: LoginThrottle, auth: LoginSession<User>) -> actix_web::Result<HttpResponse> {
//!     let (Some(user), Some(name)) = (pending.user(), pending.username()) else {
//!         return Ok(HttpResponse::SeeOther().insert_header(("Location", "/login")).finish());
//!     };
//!     let attempt = throttle.attempt_for(name, Some(user)).await?;
//!     let secret = user.totp.as_deref().and_then(TotpSecret::from_base32);
//!     let right = match &secret {
//!         Some(secret) => auth.check_totp(user, secret, &form.code).await?,
//!         None => false,
//!     };
//!     if !right {
//!         attempt.failed();
//!         return Ok(match pending.wrong_code().await? {
//!             WrongCode::TryAgain { .. } => HttpResponse::BadRequest().body("wrong code"),
//!             WrongCode::Ended => HttpResponse::SeeOther().insert_header(("Location", "/login")).finish(),
//!         });
//!     }
//!     attempt.succeeded().await?;
//!     let trust = form.trust_device.is_some();
//!     let redirect = auth.complete_second_factor(&pending, trust).await?;
//!     Ok(redirect.next(pending.next()).fallback("/").into_response())
//! }
//! ```

pub(crate) mod device_cookie;
pub(crate) mod pending_user;

pub use login_core::{
    device::{device_cookie_name, DEVICE_COOKIE},
    pending::{AtCap, PendingLogin, MAX_SECOND_FACTOR_FAILURES},
    recovery_codes::{RecoveryCodes, RECOVERY_CODE_COUNT},
    totp::{TotpSecret, TOTP_DIGITS, TOTP_SECRET_BYTES, TOTP_SKEW, TOTP_STEP_SECS},
    MAX_PENDING_KNOWN, MAX_PENDING_PER_USER,
};
pub use pending_user::{PendingUser, WrongCode};

pub use crate::events::SecondFactorStep;
