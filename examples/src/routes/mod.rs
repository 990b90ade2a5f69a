//! The demo's routes, to the contract in `docs/`.

use actix_web::{get, http::header, http::StatusCode, post, web, HttpResponse, Responder};
use login_actix::{
    fresh_login_required, guard::LoginMode, login_required, next::login_redirect_url, user_loader, CurrentUser,
    LoginError, LoginSession, LoginThrottle, OptionalUser, Remember,
};
use serde::Deserialize;

use crate::{
    db::{Db, DbError, User},
    pages,
};

/// Loads the logged-in user from SQLite.
#[user_loader]
pub async fn load_user(id: i64, db: web::Data<Db>) -> Result<Option<User>, DbError> {
    db.user(id).await
}

pub mod password_reset;
pub mod two_factor;

pub(crate) fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish()
}

/// The `429` page of a throttled credential check (other errors pass through).
pub(crate) fn throttled(err: LoginError) -> actix_web::Result<HttpResponse> {
    let LoginError::Throttled { retry_after } = err else { return Err(err.into()) };
    let mut response = private_page(StatusCode::TOO_MANY_REQUESTS, pages::throttled(retry_after));
    response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(retry_after));
    Ok(response)
}

/// An HTML page kept out of caches (`Cache-Control: no-store`): one that shows a secret
/// or belongs to one login step.
pub(crate) fn private_page(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body)
}

fn html(body: String) -> HttpResponse {
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(body)
}

#[get("/healthz")]
async fn healthz() -> &'static str {
    "ok"
}

#[get("/")]
async fn home(user: OptionalUser<User>) -> HttpResponse {
    html(pages::home(user.as_ref().map(|u| u.username.as_str())))
}

#[derive(Deserialize)]
struct LoginPageQuery {
    next: Option<String>,
    error: Option<String>,
}

#[get("/login")]
async fn login_page(query: web::Query<LoginPageQuery>, user: OptionalUser<User>) -> HttpResponse {
    let name = user.as_ref().map(|u| u.username.as_str());
    let error = match query.error.as_deref() {
        None => None,
        Some("disabled") => Some("This account is disabled."),
        Some(_) => Some("Wrong username or password."),
    };
    html(pages::login(name, query.next.as_deref().unwrap_or(""), error))
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    remember: Option<String>,
    next: Option<String>,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

#[post("/login")]
async fn login(
    req: actix_web::HttpRequest,
    form: web::Form<LoginForm>,
    db: web::Data<Db>,
    throttle: LoginThrottle,
    auth: LoginSession<User>,
) -> actix_web::Result<HttpResponse> {
    let form = form.into_inner();
    // Over the account's limit only the browsers it knows may try (device cookie).
    let known = db.user_by_name(&form.username).await?;
    let attempt = match throttle.attempt_for(&form.username, known.as_ref()).await {
        Ok(attempt) => attempt,
        Err(err) => return throttled(err),
    };
    let Some(user) = db.authenticate(&form.username, &form.password).await? else {
        attempt.failed();
        let back = match form.next.as_deref().filter(|n| !n.is_empty()) {
            Some(next) => login_redirect_url("/login?error=1", next),
            None => "/login?error=1".to_owned(),
        };
        return Ok(see_other(&back));
    };
    let remember = Remember::from_form_value(form.remember.as_deref());
    if user.active && user.two_factor() && !auth.trusts_browser(&user).await? {
        // The password was right; the code is to come (nothing is logged in yet).
        attempt.pending();
        let query = web::Query::<NextQuery>::from_query(req.query_string()).ok();
        let next = form.next.as_deref().filter(|n| !n.is_empty()).or(query.as_ref().and_then(|q| q.next.as_deref()));
        return match auth.begin_second_factor(&user, remember, &form.username, next).await {
            Ok(()) => Ok(see_other("/login/two-factor")),
            Err(err) => throttled(err),
        };
    }
    attempt.succeeded().await?;
    let redirect = match auth.login_user(&user, remember).await {
        Ok(redirect) => redirect,
        // The right password for a deactivated account: say so (the password was checked,
        // so this reveals nothing to someone who does not know it).
        Err(LoginError::Inactive) => return Ok(see_other("/login?error=disabled")),
        Err(other) => return Err(other.into()),
    };
    // A completed login: reset links made before it are dead.
    db.record_login(user.id, unix_now()).await?;
    Ok(redirect.next(form.next.as_deref()).fallback("/").into_response())
}

#[get("/dashboard")]
#[login_required]
async fn dashboard(user: CurrentUser<User>) -> HttpResponse {
    html(pages::dashboard(&user.username))
}

#[derive(Deserialize)]
struct SettingsQuery {
    changed: Option<String>,
    error: Option<String>,
}

#[get("/settings")]
#[fresh_login_required]
async fn settings(user: CurrentUser<User>, query: web::Query<SettingsQuery>) -> HttpResponse {
    let error = query.error.as_deref().map(|e| match e {
        "current" => "The current password is wrong; nothing was changed.",
        _ => "The new password must be 1 to 1024 characters long.",
    });
    html(pages::settings(&user.username, query.changed.is_some(), error))
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

#[post("/settings/password")]
#[fresh_login_required]
async fn change_password(
    user: CurrentUser<User>,
    form: web::Form<PasswordForm>,
    db: web::Data<Db>,
    throttle: LoginThrottle,
    auth: LoginSession<User>,
) -> actix_web::Result<HttpResponse> {
    // The current password is a credential: its checks are throttled like logins (the
    // account's own browsers still get through when it is under attack).
    let attempt = match throttle.attempt_for(&user.username, Some(&*user)).await {
        Ok(attempt) => attempt,
        Err(err) => return throttled(err),
    };
    if !db.password_matches(&user, &form.current_password).await? {
        attempt.failed();
        tracing::info!(user_id = user.id, "password change refused: wrong current password");
        return Ok(see_other("/settings?error=current"));
    }
    attempt.succeeded().await?;
    if form.new_password.is_empty() || form.new_password.len() > 1024 {
        return Ok(see_other("/settings?error=length"));
    }
    let Some(updated) = db.set_password(user.id, &form.new_password).await? else {
        auth.logout_user().await?;
        return Ok(see_other("/"));
    };
    auth.refresh_auth_hash(&updated).await?;
    tracing::info!(user_id = updated.id, "password changed");
    Ok(see_other("/settings?changed=1"))
}

#[post("/account/delete")]
#[fresh_login_required]
async fn delete_account(
    user: CurrentUser<User>,
    db: web::Data<Db>,
    auth: LoginSession<User>,
) -> actix_web::Result<HttpResponse> {
    db.delete(user.id).await?;
    auth.logout_everywhere().await?;
    tracing::info!(user_id = user.id, "account deleted");
    Ok(see_other("/"))
}

#[post("/logout")]
async fn logout(auth: LoginSession<User>) -> actix_web::Result<HttpResponse> {
    auth.logout_user().await?;
    Ok(see_other("/"))
}

#[post("/logout/all")]
#[login_required]
async fn logout_all(
    user: CurrentUser<User>,
    db: web::Data<Db>,
    auth: LoginSession<User>,
) -> actix_web::Result<HttpResponse> {
    db.bump_epoch(user.id).await?;
    auth.logout_everywhere().await?;
    tracing::info!(user_id = user.id, "logged out everywhere");
    Ok(see_other("/"))
}

#[get("/me")]
#[login_required(api)]
async fn api_me(user: CurrentUser<User>) -> impl Responder {
    web::Json(serde_json::json!({ "id": user.id, "username": user.username }))
}

#[get("/settings/sessions")]
#[fresh_login_required]
async fn sessions_page(user: CurrentUser<User>, auth: LoginSession<User>) -> actix_web::Result<HttpResponse> {
    let logins = auth.logins().await?;
    Ok(html(pages::sessions(&user.username, &logins)))
}

#[derive(Deserialize)]
struct EndSessionForm {
    #[serde(default)]
    id: String,
}

#[post("/settings/sessions/end")]
#[fresh_login_required]
async fn end_session(
    user: CurrentUser<User>,
    form: web::Form<EndSessionForm>,
    auth: LoginSession<User>,
) -> actix_web::Result<HttpResponse> {
    if auth.end_login(&form.id).await? {
        tracing::info!(user_id = user.id, "session ended from the sessions page");
    }
    Ok(see_other("/settings/sessions"))
}

#[get("/sessions")]
#[login_required(api)]
async fn api_sessions(user: CurrentUser<User>, auth: LoginSession<User>) -> actix_web::Result<HttpResponse> {
    if user.is_token() {
        // A bearer request has no login of its own to mark; list without one.
        return Ok(HttpResponse::Ok().json(Vec::<serde_json::Value>::new()));
    }
    let logins = auth.logins().await?;
    let rows: Vec<_> = logins
        .iter()
        .map(|l| {
            serde_json::json!({
                "id": l.id,
                "current": l.current,
                "created_at": l.created_at,
                "last_seen_at": l.last_seen_at,
                "remembered": l.remembered,
                "user_agent": l.user_agent,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(rows))
}

#[get("/admin")]
#[login_required(permission = "admin")]
async fn admin_page(user: CurrentUser<User>, db: web::Data<Db>) -> actix_web::Result<HttpResponse> {
    Ok(html(pages::admin(&user.username, &db.users().await?)))
}

#[post("/admin/users/{username}/deactivate")]
#[fresh_login_required(permission = "admin")]
async fn deactivate(
    admin: CurrentUser<User>,
    path: web::Path<String>,
    db: web::Data<Db>,
    auth: LoginSession<User>,
) -> actix_web::Result<HttpResponse> {
    if let Some(user) = db.set_active(&path, false).await? {
        // Its live logins end now, on every instance; the loader's `is_active` would end
        // them at their next request anyway.
        let ended = auth.end_logins_of(&user.id).await?;
        tracing::info!(admin_id = admin.id, user_id = user.id, ended, "user deactivated");
    }
    Ok(see_other("/admin"))
}

#[post("/admin/users/{username}/reactivate")]
#[fresh_login_required(permission = "admin")]
async fn reactivate(
    admin: CurrentUser<User>,
    path: web::Path<String>,
    db: web::Data<Db>,
) -> actix_web::Result<HttpResponse> {
    if let Some(user) = db.set_active(&path, true).await? {
        tracing::info!(admin_id = admin.id, user_id = user.id, "user reactivated");
    }
    Ok(see_other("/admin"))
}

#[get("/admin/users")]
#[login_required(api, permission = "admin")]
async fn api_admin_users(_: CurrentUser<User>, db: web::Data<Db>) -> actix_web::Result<HttpResponse> {
    let users: Vec<_> = db
        .users()
        .await?
        .into_iter()
        .map(|u| serde_json::json!({ "id": u.id, "username": u.username, "active": u.active }))
        .collect();
    Ok(HttpResponse::Ok().json(users))
}

#[get("/settings/tokens")]
#[fresh_login_required]
async fn tokens_page(user: CurrentUser<User>, db: web::Data<Db>) -> actix_web::Result<HttpResponse> {
    Ok(html(pages::tokens(&user.username, &db.tokens(user.id).await?, None)))
}

#[derive(Deserialize)]
struct NewTokenForm {
    #[serde(default)]
    name: String,
}

#[post("/settings/tokens")]
#[fresh_login_required]
async fn create_token(
    user: CurrentUser<User>,
    form: web::Form<NewTokenForm>,
    db: web::Data<Db>,
) -> actix_web::Result<HttpResponse> {
    let name: String = form.name.trim().chars().take(100).collect();
    let name = if name.is_empty() { "token".to_owned() } else { name };
    let now = unix_now();
    let token = db.create_token(user.id, &name, now).await?;
    tracing::info!(user_id = user.id, "personal access token created");
    let page = pages::tokens(&user.username, &db.tokens(user.id).await?, Some(&token));
    Ok(private_page(StatusCode::OK, page))
}

#[post("/settings/tokens/{id}/revoke")]
#[fresh_login_required]
async fn revoke_token(
    user: CurrentUser<User>,
    path: web::Path<String>,
    db: web::Data<Db>,
) -> actix_web::Result<HttpResponse> {
    if let Ok(id) = path.parse::<i64>() {
        if db.revoke_token(user.id, id).await? {
            tracing::info!(user_id = user.id, token_id = id, "personal access token revoked");
        }
    }
    Ok(see_other("/settings/tokens"))
}

#[get("/settings/activity")]
#[login_required]
async fn activity(user: CurrentUser<User>, db: web::Data<Db>) -> actix_web::Result<HttpResponse> {
    Ok(html(pages::activity(&user.username, &db.activity(user.id).await?)))
}

/// Authenticates `Authorization: Bearer lat_..` requests on `/api/*`.
pub fn token_loader() -> impl login_actix::loader::RequestLoader<User = User> {
    login_actix::loader::request_loader_fn(|token: String, req: actix_web::HttpRequest| async move {
        let db = req.app_data::<web::Data<Db>>().cloned().ok_or_else(|| DbError::Blocking)?;
        let now = unix_now();
        db.user_by_token(&token, now).await
    })
}

/// Writes login events to the user's activity log (off the request, on a task).
pub fn log_event(req: &actix_web::HttpRequest, event: &login_actix::events::LoginEvent) {
    use login_actix::events::LoginEvent as E;
    let (user_id, kind, detail) = match event {
        E::LoggedIn { user_id, remembered } => {
            (user_id.as_i64(), "logged_in", if *remembered { "with remember me" } else { "" }.to_owned())
        }
        E::Restored { user_id } => (user_id.as_i64(), "restored_from_remember_cookie", String::new()),
        E::LoggedOut { user_id } => (user_id.as_ref().and_then(|v| v.as_i64()), "logged_out", String::new()),
        E::Ended { user_id, reason } => (user_id.as_i64(), "login_ended", json_name(reason)),
        E::Refused { user_id: Some(user_id), reason } => (user_id.as_i64(), "refused", json_name(reason)),
        E::SecondFactor { user_id, step } => (user_id.as_i64(), "second_factor", json_name(step)),
        _ => (None, "", String::new()),
    };
    let (Some(user_id), Some(db)) = (user_id, req.app_data::<web::Data<Db>>().cloned()) else { return };
    let at = unix_now();
    actix_web::rt::spawn(async move {
        if let Err(err) = db.log_activity(user_id, at, kind, &detail).await {
            tracing::warn!(error = %err, "could not write the activity log");
        }
    });
}

/// Seconds since the Unix epoch.
pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn json_name(value: &impl serde::Serialize) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(healthz)
        .service(home)
        .service(login_page)
        .service(login)
        .service(dashboard)
        .service(settings)
        .service(change_password)
        .service(delete_account)
        .service(logout)
        .service(logout_all)
        .service(sessions_page)
        .service(end_session)
        .service(admin_page)
        .service(deactivate)
        .service(reactivate)
        .service(tokens_page)
        .service(create_token)
        .service(revoke_token)
        .service(activity)
        .configure(password_reset::configure)
        .configure(two_factor::configure)
        .service(
            // API routes: 401 JSON instead of redirects, and bearer tokens accepted.
            web::scope("/api").app_data(LoginMode::Api).service(api_me).service(api_sessions).service(api_admin_users),
        );
}
