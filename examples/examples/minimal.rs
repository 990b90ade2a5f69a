//! The smallest complete app: one file, the cookie session store, users in memory: a
//! login page, a dashboard, a password change, an API route and logout.
//! `RUST_LOG=info cargo run -p login-examples --example minimal`, then log in as
//! alice / wonderland on http://127.0.0.1:8080/login.

use std::{collections::HashMap, sync::Mutex};

use actix_session::{storage::CookieSessionStore, SessionMiddleware};
use actix_web::{cookie::Key, get, post, web, App, HttpResponse, HttpServer};
use login_actix::{
    fresh_login_required, guard::LoginMode, login_required, next::next_form_value, user_loader, AuthUser, CurrentUser,
    LoginConfig, LoginMiddleware, LoginSession, LoginThrottle, Remember,
};
use serde::Deserialize;

#[derive(Clone, Debug)]
struct User {
    id: i64,
    name: String,
    password: String, // a real app stores an argon2 hash (see the demo)
}

impl AuthUser for User {
    type Id = i64;
    fn id(&self) -> i64 {
        self.id
    }
    // Changing the password ends every other login of the user.
    fn session_auth_hash(&self) -> Option<Vec<u8>> {
        Some(self.password.clone().into_bytes())
    }
}

struct Users(Mutex<HashMap<i64, User>>);

impl Users {
    fn get(&self, id: i64) -> Option<User> {
        self.0.lock().ok()?.get(&id).cloned()
    }

    fn by_name(&self, name: &str) -> Option<User> {
        self.0.lock().ok()?.values().find(|u| u.name == name).cloned()
    }
}

#[user_loader]
async fn load_user(id: i64, users: web::Data<Users>) -> Option<User> {
    users.get(id)
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

#[get("/login")]
async fn login_page(query: web::Query<NextQuery>) -> HttpResponse {
    // Only a safe `next`, escaped for the attribute, ever reaches the page.
    let next = next_form_value(query.next.as_deref()).unwrap_or_default();
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(format!(
        r#"<form method="post" action="/login">
<input name="username"> <input name="password" type="password">
<label><input name="remember" type="checkbox"> remember me</label>
<input type="hidden" name="next" value="{next}"> <button>Log in</button></form>"#
    ))
}

#[get("/")]
#[login_required]
async fn dashboard(user: CurrentUser<User>) -> String {
    format!("hi {}", user.name)
}

#[post("/account/delete")]
#[fresh_login_required]
async fn delete_account(user: CurrentUser<User>) -> String {
    format!("bye {}", user.name)
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    remember: Option<String>,
    next: Option<String>,
}

#[post("/login")]
async fn login(
    form: web::Form<LoginForm>,
    users: web::Data<Users>,
    throttle: LoginThrottle,
    auth: LoginSession<User>,
) -> actix_web::Result<HttpResponse> {
    let attempt = throttle.attempt(&form.username).await?; // over the limit: 429 + Retry-After
    let user = users.by_name(&form.username).filter(|u| u.password == form.password);
    let Some(user) = user else {
        attempt.failed();
        return Ok(HttpResponse::SeeOther().insert_header(("Location", "/login?error=1")).finish());
    };
    attempt.succeeded().await?;
    let redirect = auth.login_user(&user, Remember::from_form_value(form.remember.as_deref())).await?;
    Ok(redirect.next(form.next.as_deref()).fallback("/").into_response()) // a safe `next` only
}

#[post("/logout")]
async fn logout(auth: LoginSession<User>) -> actix_web::Result<HttpResponse> {
    auth.logout_user().await?;
    Ok(HttpResponse::SeeOther().insert_header(("Location", "/login")).finish())
}

#[derive(Deserialize)]
struct PasswordForm {
    new_password: String,
}

#[post("/settings/password")]
#[fresh_login_required]
async fn change_password(
    user: CurrentUser<User>,
    form: web::Form<PasswordForm>,
    users: web::Data<Users>,
    auth: LoginSession<User>,
) -> actix_web::Result<&'static str> {
    let mut changed = (*user).clone();
    changed.password = form.new_password.clone();
    if let Ok(mut all) = users.0.lock() {
        all.insert(changed.id, changed.clone());
    }
    // The user *after* the change: this browser stays logged in, every other login ends.
    auth.refresh_auth_hash(&changed).await?;
    Ok("password changed")
}

#[get("/me")] // in the `/api` scope below
#[login_required]
async fn api_me(user: CurrentUser<User>) -> web::Json<serde_json::Value> {
    web::Json(serde_json::json!({ "id": user.id, "name": user.name }))
}

fn users() -> web::Data<Users> {
    let alice = User { id: 1, name: "alice".into(), password: "wonderland".into() };
    web::Data::new(Users(Mutex::new(HashMap::from([(1, alice)]))))
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(login_page)
        .service(login)
        .service(logout)
        .service(dashboard)
        .service(delete_account)
        .service(change_password)
        // API routes answer 401 JSON, never a redirect to the login page.
        .service(web::scope("/api").app_data(LoginMode::Api).service(api_me));
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    // Logs (`RUST_LOG=info`): logins, logouts, refusals, and a misconfiguration such as
    // a missing `SessionMiddleware` (the page itself then shows only a bare 500).
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    let secret = [7u8; 64]; // load 64 random bytes from your secret store instead
    let config = LoginConfig::builder(secret).cookie_secure(false).build().expect("a 64-byte secret");
    let users = users();
    HttpServer::new(move || {
        App::new().app_data(users.clone()).configure(routes).wrap(LoginMiddleware::new(load_user, config.clone())).wrap(
            SessionMiddleware::builder(CookieSessionStore::default(), Key::derive_from(&secret))
                .cookie_secure(false)
                .build(),
        )
    })
    .bind("127.0.0.1:8080")?
    .run()
    .await
}

#[cfg(test)]
mod tests {
    use actix_web::test::{self, TestRequest};
    use login_actix::test_util::{login_as, login_route, Jar, TestLogin};

    use super::*;

    #[actix_web::test]
    async fn login_dashboard_sudo_mode_password_change_and_api() {
        let secret = [7u8; 64];
        let config = LoginConfig::builder(secret).cookie_secure(false).build().expect("config");
        let app = test::init_service(
            App::new()
                .app_data(users())
                .configure(routes)
                .service(login_route())
                .wrap(LoginMiddleware::new(load_user, config))
                .wrap(
                    SessionMiddleware::builder(CookieSessionStore::default(), Key::derive_from(&secret))
                        .cookie_secure(false)
                        .build(),
                ),
        )
        .await;
        let mut browser = Jar::new();
        let res = browser.send(&app, TestRequest::get().uri("/")).await;
        assert_eq!(res.headers().get("location").expect("redirect"), "/login?next=%2F");
        let form = [("username", "alice"), ("password", "wonderland"), ("next", "/")];
        let res = browser.send(&app, TestRequest::post().uri("/login").set_form(form)).await;
        assert_eq!(res.status(), 303);
        assert_eq!(test::read_body(browser.send(&app, TestRequest::get().uri("/")).await).await, "hi alice");

        // A remembered browser may read, not delete the account.
        // The app under test mounts `test_util::login_route()` beside its own routes.
        let alice = users().get(1).expect("alice");
        let mut remembered = login_as(&app, &alice, TestLogin::Remembered).await;
        assert_eq!(remembered.send(&app, TestRequest::get().uri("/")).await.status(), 200);
        assert_eq!(remembered.send(&app, TestRequest::post().uri("/account/delete")).await.status(), 302);

        // The login page echoes only a safe `next`, escaped.
        let get = TestRequest::get;
        let body = test::read_body(browser.send(&app, get().uri("/login?next=%2Fa%3Fx%3D%22%3E")).await).await;
        assert!(String::from_utf8_lossy(&body).contains("value=\"/a?x=&quot;&gt;\""));
        let body = test::read_body(browser.send(&app, get().uri("/login?next=%2F%2Fevil.example")).await).await;
        assert!(String::from_utf8_lossy(&body).contains("name=\"next\" value=\"\""));

        // The API answers 401, not a redirect; logged in, JSON.
        assert_eq!(Jar::new().send(&app, get().uri("/api/me")).await.status(), 401);
        assert_eq!(browser.send(&app, get().uri("/api/me")).await.status(), 200);

        // A password change keeps this browser logged in and ends the other login.
        let form = [("new_password", "looking-glass")];
        let res = browser.send(&app, TestRequest::post().uri("/settings/password").set_form(form)).await;
        assert_eq!(res.status(), 200);
        assert_eq!(browser.send(&app, get().uri("/")).await.status(), 200, "this browser stays");
        assert_eq!(remembered.send(&app, get().uri("/")).await.status(), 302, "the other login ended");
    }
}
