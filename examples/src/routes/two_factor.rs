//! The second factor: enrolment and its settings (fresh login), the code step of a
//! pending login, and sudo mode by code.

use actix_session::Session;
use actix_web::{get, http::StatusCode, post, web, HttpResponse};
use login_actix::{
    fresh_login_required,
    login::LoginRedirect,
    login_required,
    two_factor::{PendingUser, SecondFactorStep, TotpSecret, WrongCode},
    CurrentUser, LoginError, LoginSession, LoginThrottle,
};
use serde::Deserialize;

use crate::{
    db::{Db, User},
    pages,
    routes::{private_page as page, see_other, throttled, unix_now},
};

/// The issuer authenticator apps show.
const ISSUER: &str = "login-actix demo";

/// The session key of the secret being enrolled: it belongs to the session that was
/// shown it (a login starts with an empty session, a logout ends it), so no other
/// session, ended or not, knows the secret the user confirms.
const ENROLLING_KEY: &str = "totp_enrolling";

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    code: String,
}

/// Whether `code` is a current TOTP code of the base32 `secret` (each step once per
/// user); `false` without a secret.
async fn totp_is_right(
    auth: &LoginSession<User>,
    user: &User,
    secret: Option<&str>,
    code: &str,
) -> actix_web::Result<bool> {
    match secret.and_then(TotpSecret::from_base32) {
        Some(secret) => Ok(auth.check_totp(user, &secret, code).await?),
        None => Ok(false),
    }
}

/// Checks `code` as a login's code step does, counted by the throttle under the user's
/// name (a wrong code is a failed login): `Some` is the answer refusing it (`429` over
/// the limit, unchecked; `400` for a wrong code), `None` a right code.
async fn refuse_code(
    throttle: &LoginThrottle,
    auth: &LoginSession<User>,
    db: &Db,
    session: &Session,
    user: &User,
    code: &str,
) -> actix_web::Result<Option<HttpResponse>> {
    let attempt = match throttle.attempt_for(&user.username, Some(user)).await {
        Ok(attempt) => attempt,
        Err(err) => return throttled(err).map(Some),
    };
    if code_is_right(auth, db, user, code).await? {
        attempt.succeeded().await?;
        return Ok(None);
    }
    attempt.failed();
    settings_page(user, session, Some("That code is not right."), StatusCode::BAD_REQUEST).await.map(Some)
}

/// Whether `code` is a current TOTP code of `user`'s secret (each step once) or one of
/// the user's unused recovery codes (spent now).
async fn code_is_right(auth: &LoginSession<User>, db: &Db, user: &User, code: &str) -> actix_web::Result<bool> {
    if user.totp_secret.is_none() {
        return Ok(false);
    }
    if totp_is_right(auth, user, user.totp_secret.as_deref(), code).await? {
        return Ok(true);
    }
    let codes = auth.recovery_codes();
    if let Some(i) = codes.find(code, &user.recovery_codes) {
        if db.spend_recovery_code(user.id, user.recovery_codes[i].clone()).await? {
            auth.second_factor_event(user, SecondFactorStep::RecoveryCodeUsed);
            return Ok(true);
        }
    }
    Ok(false)
}

/// The enrolment page, or the settings of an enrolled user.
async fn settings_page(
    user: &User,
    session: &Session,
    error: Option<&str>,
    status: StatusCode,
) -> actix_web::Result<HttpResponse> {
    if user.two_factor() {
        return Ok(page(status, pages::two_factor_enabled(&user.username, user.recovery_codes.len(), error)));
    }
    let secret = match session.get::<String>(ENROLLING_KEY)? {
        Some(secret) => secret,
        None => {
            let fresh = TotpSecret::generate().to_base32();
            session.insert(ENROLLING_KEY, &fresh)?;
            fresh
        }
    };
    let uri = TotpSecret::from_base32(&secret).map(|s| s.otpauth_uri(ISSUER, &user.username)).unwrap_or_default();
    Ok(page(status, pages::two_factor_enroll(&user.username, &secret, &uri, error)))
}

#[get("/settings/two-factor")]
#[fresh_login_required]
async fn two_factor_settings(user: CurrentUser<User>, session: Session) -> actix_web::Result<HttpResponse> {
    settings_page(&user, &session, None, StatusCode::OK).await
}

/// Turns the second factor on with a valid code of the secret this session was shown
/// (that code's step counts as used).
#[post("/settings/two-factor/enable")]
#[fresh_login_required]
async fn enable(
    user: CurrentUser<User>,
    form: web::Form<CodeForm>,
    db: web::Data<Db>,
    session: Session,
    auth: LoginSession<User>,
) -> actix_web::Result<HttpResponse> {
    if user.two_factor() {
        return Ok(see_other("/settings/two-factor"));
    }
    let enrolling = session.get::<String>(ENROLLING_KEY)?;
    let right = totp_is_right(&auth, &user, enrolling.as_deref(), &form.code).await?;
    let (Some(text), true) = (enrolling, right) else {
        let error = Some("That code is not right; try the current one.");
        return settings_page(&user, &session, error, StatusCode::BAD_REQUEST).await;
    };
    let (shown, stored) = auth.recovery_codes().generate();
    if !db.enable_two_factor(user.id, text, stored).await? {
        let error = Some("The second factor was turned on meanwhile.");
        return settings_page(&user, &session, error, StatusCode::BAD_REQUEST).await;
    }
    session.remove(ENROLLING_KEY);
    auth.second_factor_enabled(&*user).await?;
    Ok(page(StatusCode::OK, pages::recovery_codes(&user.username, &shown)))
}

/// New recovery codes, with a current code or a recovery code (as disabling asks): a
/// fresh session without the authenticator cannot mint codes of its own.
#[post("/settings/two-factor/recovery-codes")]
#[fresh_login_required]
async fn regenerate_codes(
    user: CurrentUser<User>,
    form: web::Form<CodeForm>,
    db: web::Data<Db>,
    (session, throttle): (Session, LoginThrottle),
    auth: LoginSession<User>,
) -> actix_web::Result<HttpResponse> {
    if !user.two_factor() {
        return Ok(see_other("/settings/two-factor"));
    }
    if let Some(refused) = refuse_code(&throttle, &auth, &db, &session, &user, &form.code).await? {
        return Ok(refused);
    }
    let (shown, stored) = auth.recovery_codes().generate();
    db.set_recovery_codes(user.id, stored).await?;
    auth.second_factor_event(&*user, SecondFactorStep::RecoveryCodesReplaced);
    Ok(page(StatusCode::OK, pages::recovery_codes(&user.username, &shown)))
}

#[post("/settings/two-factor/disable")]
#[fresh_login_required]
async fn disable(
    user: CurrentUser<User>,
    form: web::Form<CodeForm>,
    db: web::Data<Db>,
    (session, throttle): (Session, LoginThrottle),
    auth: LoginSession<User>,
) -> actix_web::Result<HttpResponse> {
    if !user.two_factor() {
        return Ok(see_other("/settings/two-factor"));
    }
    if let Some(refused) = refuse_code(&throttle, &auth, &db, &session, &user, &form.code).await? {
        return Ok(refused);
    }
    db.disable_two_factor(user.id).await?;
    auth.second_factor_disabled(&*user).await?;
    Ok(see_other("/settings/two-factor"))
}

#[post("/settings/two-factor/forget-devices")]
#[fresh_login_required]
async fn forget_devices(user: CurrentUser<User>, auth: LoginSession<User>) -> actix_web::Result<HttpResponse> {
    auth.forget_browsers(&*user).await?;
    Ok(see_other("/settings/two-factor"))
}

#[get("/login/two-factor")]
async fn code_page(pending: PendingUser<User>) -> HttpResponse {
    match pending.user() {
        Some(_) => page(StatusCode::OK, pages::two_factor_code(None)),
        None => see_other("/login"),
    }
}

#[derive(Deserialize)]
struct LoginCodeForm {
    #[serde(default)]
    code: String,
    trust_device: Option<String>,
}

/// The code step: a wrong code is a failed login of the pending user (throttled like
/// `/login`, counted against the pending login server-side; the fifth ends it).
#[post("/login/two-factor")]
async fn submit_code(
    form: web::Form<LoginCodeForm>,
    pending: PendingUser<User>,
    throttle: LoginThrottle,
    db: web::Data<Db>,
    auth: LoginSession<User>,
) -> actix_web::Result<HttpResponse> {
    let (Some(user), Some(username)) = (pending.user(), pending.username()) else { return Ok(see_other("/login")) };
    let attempt = match throttle.attempt_for(username, Some(user)).await {
        Ok(attempt) => attempt,
        Err(err) => return throttled(err),
    };
    if !code_is_right(&auth, &db, user, &form.code).await? {
        attempt.failed();
        return Ok(match pending.wrong_code().await? {
            WrongCode::TryAgain { .. } => {
                page(StatusCode::BAD_REQUEST, pages::two_factor_code(Some("That code is not right.")))
            }
            WrongCode::Ended => page(StatusCode::BAD_REQUEST, pages::two_factor_over()),
        });
    }
    attempt.succeeded().await?;
    let trust = login_actix::Remember::from_form_value(form.trust_device.as_deref()) != login_actix::Remember::No;
    let redirect = match auth.complete_second_factor(&pending, trust).await {
        Ok(redirect) => redirect,
        Err(LoginError::NoPendingLogin) => return Ok(see_other("/login")),
        Err(other) => return Err(other.into()),
    };
    db.record_login(user.id, unix_now()).await?;
    Ok(redirect.next(pending.next()).fallback("/").into_response())
}

#[derive(Deserialize)]
struct SudoForm {
    #[serde(default)]
    code: String,
    next: Option<String>,
}

/// Sudo mode by code: a current TOTP code makes the session fresh again, as the
/// password does.
#[post("/login/sudo")]
#[login_required]
async fn sudo(
    req: actix_web::HttpRequest,
    user: CurrentUser<User>,
    form: web::Form<SudoForm>,
    throttle: LoginThrottle,
    auth: LoginSession<User>,
) -> actix_web::Result<HttpResponse> {
    let attempt = match throttle.attempt_for(&user.username, Some(&*user)).await {
        Ok(attempt) => attempt,
        Err(err) => return throttled(err),
    };
    if !totp_is_right(&auth, &user, user.totp_secret.as_deref(), &form.code).await? {
        attempt.failed();
        return Ok(page(StatusCode::BAD_REQUEST, pages::two_factor_code(Some("That code is not right."))));
    }
    attempt.succeeded().await?;
    auth.confirm_login().await?;
    Ok(LoginRedirect::for_request(&req).next(form.next.as_deref()).fallback("/").into_response())
}

/// Registers the second-factor routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(two_factor_settings)
        .service(enable)
        .service(regenerate_codes)
        .service(disable)
        .service(forget_devices)
        .service(code_page)
        .service(submit_code)
        .service(sudo);
}
