//! The second factor's test app, in process: a login route that makes alice's logins
//! pending (bob has no second factor), the code step with alice's TOTP secret, "forget
//! alice's browsers"; and codes of successive TOTP steps for tests over HTTP.

use std::time::Duration;

use actix_web::{post, web, HttpResponse};
use login_actix::{
    two_factor::{PendingUser, TotpSecret, WrongCode},
    LoginError, LoginSession, LoginThrottle, Remember,
};
use serde::Deserialize;

use crate::{User, Users};

/// Alice's (user 1) authenticator secret.
pub fn alice_secret() -> TotpSecret {
    TotpSecret::from_base32("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").expect("base32")
}

#[derive(Deserialize)]
struct LoginForm {
    id: i64,
    password: String,
    remember: Option<String>,
    next: Option<String>,
}

fn throttled(err: LoginError) -> actix_web::Result<HttpResponse> {
    match err {
        LoginError::Throttled { retry_after } => {
            Ok(HttpResponse::TooManyRequests().insert_header(("Retry-After", retry_after.to_string())).finish())
        }
        other => Err(other.into()),
    }
}

/// `POST /login` (form `id`, `password`, `remember`, `next`): alice's right password
/// makes a pending login unless the browser is trusted; counted per account.
#[post("/login")]
async fn login(
    form: web::Form<LoginForm>,
    users: web::Data<Users>,
    throttle: LoginThrottle,
    auth: LoginSession<User>,
) -> actix_web::Result<HttpResponse> {
    let user = users.get(form.id);
    let name = user.as_ref().map_or_else(|| format!("nobody-{}", form.id), |u| u.name.clone());
    let attempt = match throttle.attempt_for(&name, user.as_ref()).await {
        Ok(attempt) => attempt,
        Err(err) => return throttled(err),
    };
    let Some(user) = user.filter(|u| u.password == form.password) else {
        attempt.failed();
        return Ok(HttpResponse::SeeOther().insert_header(("Location", "/login?error=1")).finish());
    };
    let remember = Remember::from_form_value(form.remember.as_deref());
    if user.id == 1 && !auth.trusts_browser(&user).await? {
        attempt.pending();
        if let Err(err) = auth.begin_second_factor(&user, remember, &name, form.next.as_deref()).await {
            return throttled(err);
        }
        return Ok(HttpResponse::SeeOther().insert_header(("Location", "/login/two-factor")).finish());
    }
    attempt.succeeded().await?;
    Ok(auth.login_user(&user, remember).await?.next(form.next.as_deref()).into_response())
}

#[derive(Deserialize)]
struct CodeForm {
    code: String,
    trust: Option<String>,
}

/// `POST /login/two-factor` (form `code`, `trust`): `400 wrong code`, `400 start
/// over` at the fifth, `303` to the kept `next` when right.
#[post("/login/two-factor")]
async fn code_step(
    form: web::Form<CodeForm>,
    pending: PendingUser<User>,
    throttle: LoginThrottle,
    auth: LoginSession<User>,
) -> actix_web::Result<HttpResponse> {
    let (Some(user), Some(name)) = (pending.user(), pending.username()) else {
        return Ok(HttpResponse::SeeOther().insert_header(("Location", "/login")).finish());
    };
    let attempt = match throttle.attempt_for(name, Some(user)).await {
        Ok(attempt) => attempt,
        Err(err) => return throttled(err),
    };
    if !auth.check_totp(user, &alice_secret(), &form.code).await? {
        attempt.failed();
        return Ok(match pending.wrong_code().await? {
            WrongCode::TryAgain { .. } => HttpResponse::BadRequest().body("wrong code"),
            WrongCode::Ended => HttpResponse::BadRequest().body("start over"),
        });
    }
    attempt.succeeded().await?;
    let redirect = auth.complete_second_factor(&pending, form.trust.is_some()).await?;
    Ok(redirect.next(pending.next()).fallback("/").into_response())
}

/// `POST /forget-browsers`: forgets alice's browsers.
#[post("/forget-browsers")]
async fn forget(users: web::Data<Users>, auth: LoginSession<User>) -> actix_web::Result<HttpResponse> {
    let alice = users.get(1).expect("alice");
    auth.forget_browsers(&alice).await?;
    Ok(HttpResponse::Ok().finish())
}

/// Registers `/login`, `/login/two-factor` and `/forget-browsers`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(login).service(code_step).service(forget);
}

/// Codes of successive TOTP steps around the wall clock, without waiting for it: the
/// step before, the current one, the next (each accepted once, in that order, while
/// the current step lasts). Starts with at least ten seconds of its step left.
pub struct Steps {
    base: u64,
    next: u64,
}

impl Default for Steps {
    fn default() -> Self {
        Self::new()
    }
}

impl Steps {
    /// Waits, if need be, until the current step has ten seconds left.
    pub fn new() -> Steps {
        let now = || std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("time").as_secs();
        let left = 30 - now() % 30;
        if left < 10 {
            std::thread::sleep(Duration::from_secs(left + 1));
        }
        Steps { base: now() / 30 - 1, next: 0 }
    }

    /// The code of the next unused step (three at most).
    pub fn code(&mut self, secret: &TotpSecret) -> String {
        assert!(self.next < 3, "a test uses at most three steps");
        let step = self.base + self.next;
        self.next += 1;
        secret.code_at(step * 30)
    }
}
