//! The demo's routes, to the contract in the README.

use actix_web::{get, http::header, post, web, HttpResponse, Responder};
use login_actix::{
    fresh_login_required, login_redirect_url, login_required, user_loader, CurrentUser, LoginError, LoginSession,
    LoginThrottle, OptionalUser, Remember,
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

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish()
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
    html(pages::login(name, query.next.as_deref().unwrap_or(""), query.error.is_some()))
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

#[post("/login")]
async fn login(
    form: web::Form<LoginForm>,
    db: web::Data<Db>,
    throttle: LoginThrottle,
    auth: LoginSession,
) -> actix_web::Result<HttpResponse> {
    let form = form.into_inner();
    let attempt = match throttle.attempt(&form.username).await {
        Ok(attempt) => attempt,
        Err(LoginError::Throttled { retry_after }) => {
            return Ok(HttpResponse::TooManyRequests()
                .insert_header((header::RETRY_AFTER, retry_after.to_string()))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .content_type("text/html; charset=utf-8")
                .body(pages::throttled(retry_after)));
        }
        Err(other) => return Err(other.into()),
    };
    let Some(user) = db.authenticate(&form.username, &form.password).await? else {
        attempt.failed();
        let back = match form.next.as_deref().filter(|n| !n.is_empty()) {
            Some(next) => login_redirect_url("/login?error=1", next),
            None => "/login?error=1".to_owned(),
        };
        return Ok(see_other(&back));
    };
    attempt.succeeded().await?;
    let remember = Remember::from_form_value(form.remember.as_deref());
    let redirect = auth.login_user(&user, remember).await?;
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
    auth: LoginSession,
) -> actix_web::Result<HttpResponse> {
    if !db.password_matches(&user, &form.current_password).await? {
        tracing::info!(user_id = user.id, "password change refused: wrong current password");
        return Ok(see_other("/settings?error=current"));
    }
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
    auth: LoginSession,
) -> actix_web::Result<HttpResponse> {
    db.delete(user.id).await?;
    auth.logout_everywhere::<User>().await?;
    tracing::info!(user_id = user.id, "account deleted");
    Ok(see_other("/"))
}

#[post("/logout")]
async fn logout(auth: LoginSession) -> actix_web::Result<HttpResponse> {
    auth.logout_user().await?;
    Ok(see_other("/"))
}

#[post("/logout/all")]
#[login_required]
async fn logout_all(user: CurrentUser<User>, db: web::Data<Db>, auth: LoginSession) -> actix_web::Result<HttpResponse> {
    db.bump_epoch(user.id).await?;
    auth.logout_everywhere::<User>().await?;
    tracing::info!(user_id = user.id, "logged out everywhere");
    Ok(see_other("/"))
}

#[get("/api/me")]
#[login_required(api)]
async fn api_me(user: CurrentUser<User>) -> impl Responder {
    web::Json(serde_json::json!({ "id": user.id, "username": user.username }))
}

#[get("/settings/sessions")]
#[fresh_login_required]
async fn sessions_page(user: CurrentUser<User>, auth: LoginSession) -> actix_web::Result<HttpResponse> {
    let logins = auth.logins::<User>().await?;
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
    auth: LoginSession,
) -> actix_web::Result<HttpResponse> {
    if auth.end_login::<User>(&form.id).await? {
        tracing::info!(user_id = user.id, "session ended from the sessions page");
    }
    Ok(see_other("/settings/sessions"))
}

#[get("/api/sessions")]
#[login_required(api)]
async fn api_sessions(_user: CurrentUser<User>, auth: LoginSession) -> actix_web::Result<HttpResponse> {
    let logins = auth.logins::<User>().await?;
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
        .service(api_me)
        .service(sessions_page)
        .service(end_session)
        .service(api_sessions);
}
