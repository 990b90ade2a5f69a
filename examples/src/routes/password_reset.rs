//! Account recovery: `/password/forgot` mails a reset link (the same answer whether or
//! not the account exists), `/password/reset` sets a new password with it and ends
//! every login of the user.

use actix_web::{get, http::header, post, web, HttpResponse};
use login_actix::{recovery::RecoveryTokens, LoginSession, LoginThrottle};
use serde::Deserialize;

use crate::{
    db::{Db, User},
    outbox::Outbox,
    pages,
    routes::{private_page, see_other, throttled, unix_now},
};

/// The purpose reset tokens are made for (a token for another purpose is not one).
pub const RESET_PURPOSE: &str = "password-reset";

/// Pages that carry a reset token: kept out of caches and out of `Referer` headers.
fn private_html(status: actix_web::http::StatusCode, body: String) -> HttpResponse {
    let mut response = private_page(status, body);
    response.headers_mut().insert(header::REFERRER_POLICY, header::HeaderValue::from_static("no-referrer"));
    response
}

/// Now, in the seconds recovery tokens count in.
fn now_secs() -> u64 {
    u64::try_from(unix_now()).unwrap_or(0)
}

fn invalid_link() -> HttpResponse {
    private_html(actix_web::http::StatusCode::BAD_REQUEST, pages::reset_invalid())
}

#[get("/password/forgot")]
async fn forgot_page() -> HttpResponse {
    private_html(actix_web::http::StatusCode::OK, pages::forgot_password(false))
}

#[derive(Deserialize)]
struct ForgotForm {
    #[serde(default)]
    username: String,
}

/// Mails a reset link to an existing, active user. Every request counts against
/// counters of its own (per username and IP, per IP), so asking for links never locks
/// anyone out of logging in; the answer is the same page whatever the name.
#[post("/password/forgot")]
async fn forgot(
    form: web::Form<ForgotForm>,
    throttle: LoginThrottle,
    db: web::Data<Db>,
    tokens: web::Data<RecoveryTokens<User>>,
    outbox: web::Data<Outbox>,
) -> actix_web::Result<HttpResponse> {
    match throttle.purpose(RESET_PURPOSE).attempt(&form.username).await {
        Ok(attempt) => attempt.keep(),
        Err(err) => return throttled(err),
    }
    // The same work whatever the name: a lookup and a token; a message only joins the
    // outbox's queue (written after the answer, by the outbox's own thread).
    match db.user_by_name(form.username.trim()).await? {
        Some(user) if user.active => send_link(&user, &tokens, &outbox),
        other => {
            let _ = tokens.issue(&User::nobody(), RESET_PURPOSE, now_secs());
            match other {
                Some(user) => tracing::debug!(user_id = user.id, "no reset link for a deactivated account"),
                None => tracing::debug!("no reset link: no such account"),
            }
        }
    }
    Ok(private_html(actix_web::http::StatusCode::OK, pages::forgot_password(true)))
}

fn send_link(user: &User, tokens: &RecoveryTokens<User>, outbox: &Outbox) {
    let token = tokens.issue(user, RESET_PURPOSE, now_secs());
    let body = format!(
        "Someone asked to reset the password of your account.\n\n\
         Choose a new one here (the link works once, for a limited time):\n\
         /password/reset?token={token}\n\n\
         If it was not you, ignore this message: your password stays as it is."
    );
    // The outbox's thread logs the message (never its link), after the answer: a log
    // line written here would make this answer slower than one for an unknown name.
    outbox.send(&user.username, "Reset your password", body);
}

/// The user a reset token is valid for now, `None` for any invalid, used or expired
/// token (one answer for all).
async fn token_user(db: &Db, tokens: &RecoveryTokens<User>, token: &str) -> actix_web::Result<Option<User>> {
    let Some(user_id) = tokens.user_id(token) else { return Ok(None) };
    let Some(user) = db.user(user_id).await? else { return Ok(None) };
    match tokens.verify(token, RESET_PURPOSE, &user, now_secs()) {
        Ok(()) if user.active => Ok(Some(user)),
        Ok(()) => Ok(None),
        Err(err) => {
            tracing::info!(user_id = user.id, reason = %err, "refused a password reset token");
            Ok(None)
        }
    }
}

#[derive(Deserialize)]
struct ResetQuery {
    #[serde(default)]
    token: String,
}

#[get("/password/reset")]
async fn reset_page(
    query: web::Query<ResetQuery>,
    db: web::Data<Db>,
    tokens: web::Data<RecoveryTokens<User>>,
) -> actix_web::Result<HttpResponse> {
    Ok(match token_user(&db, &tokens, &query.token).await? {
        Some(_) => private_html(actix_web::http::StatusCode::OK, pages::reset_password(&query.token, None)),
        None => invalid_link(),
    })
}

#[derive(Deserialize)]
struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    new_password: String,
}

/// Sets the new password, which kills the token (the auth hash changes), and ends
/// every login of the user, on every instance: sessions, remember cookies, pending
/// second-factor logins, trusted browsers. Does not log this browser in.
#[post("/password/reset")]
async fn reset(
    form: web::Form<ResetForm>,
    db: web::Data<Db>,
    tokens: web::Data<RecoveryTokens<User>>,
    auth: LoginSession<User>,
) -> actix_web::Result<HttpResponse> {
    let Some(user) = token_user(&db, &tokens, &form.token).await? else { return Ok(invalid_link()) };
    if form.new_password.is_empty() || form.new_password.len() > login_actix::password::DEFAULT_MAX_PASSWORD_LEN {
        // Nothing changed: the link still works.
        let page = pages::reset_password(&form.token, Some("The new password must be 1 to 1024 characters long."));
        return Ok(private_html(actix_web::http::StatusCode::BAD_REQUEST, page));
    }
    // Only over the hash the token was made for: of two resets with one link, one wins.
    let Some(updated) = db.replace_password(&user, &form.new_password).await? else { return Ok(invalid_link()) };
    let ended = auth.end_logins_of(&updated.id).await?;
    tracing::info!(user_id = updated.id, ended, "password reset; every login of the user ended");
    Ok(see_other("/login"))
}

/// Registers the recovery routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(forgot_page).service(forgot).service(reset_page).service(reset);
}
