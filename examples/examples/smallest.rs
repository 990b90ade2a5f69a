//! The smallest complete app: one user, a login form, a protected page and logout.
//! `cargo run -p login-examples --example smallest`, then open http://127.0.0.1:8080/
//! and log in as alice / wonderland.

use actix_session::{storage::CookieSessionStore, SessionMiddleware};
use actix_web::{cookie::Key, get, post, web, App, HttpResponse, HttpServer};
use login_actix::{
    login_required, user_loader, AuthUser, CurrentUser, LoginConfig, LoginMiddleware, LoginSession, LoginThrottle,
    Remember,
};
use serde::Deserialize;

#[derive(Clone, Debug)]
struct User {
    id: i64,
    name: String,
}

impl AuthUser for User {
    type Id = i64;
    fn id(&self) -> i64 {
        self.id
    }
}

#[user_loader]
async fn load_user(id: i64) -> Option<User> {
    (id == 1).then(|| User { id: 1, name: "alice".into() })
}

#[get("/")]
#[login_required] // anonymous: 302 to /login?next=%2F
async fn home(user: CurrentUser<User>) -> String {
    format!("hi {}", user.name)
}

#[get("/login")]
async fn login_page() -> HttpResponse {
    HttpResponse::Ok().content_type("text/html").body(
        r#"<form method="post"><input name="username"> <input name="password" type="password">
<label><input name="remember" type="checkbox"> remember me</label> <button>Log in</button></form>"#,
    )
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    remember: Option<String>,
}

#[post("/login")]
async fn login(
    form: web::Form<LoginForm>,
    throttle: LoginThrottle,
    auth: LoginSession<User>,
) -> actix_web::Result<HttpResponse> {
    let attempt = throttle.attempt(&form.username).await?; // over the limit: 429
    if (form.username.as_str(), form.password.as_str()) != ("alice", "wonderland") {
        attempt.failed();
        return Ok(HttpResponse::SeeOther().insert_header(("Location", "/login")).finish());
    }
    attempt.succeeded().await?;
    let user = User { id: 1, name: "alice".into() };
    let redirect = auth.login_user(&user, Remember::from_form_value(form.remember.as_deref())).await?;
    Ok(redirect.fallback("/").into_response())
}

#[post("/logout")]
async fn logout(auth: LoginSession<User>) -> actix_web::Result<HttpResponse> {
    auth.logout_user().await?;
    Ok(HttpResponse::SeeOther().insert_header(("Location", "/login")).finish())
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let secret = [7u8; 64]; // 64 random bytes from your secret store instead
    let config = LoginConfig::builder(secret).cookie_secure(false).build().expect("a 64-byte secret");
    HttpServer::new(move || {
        App::new()
            .service((home, login_page, login, logout))
            .wrap(LoginMiddleware::new(load_user, config.clone()))
            .wrap(
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
    use login_actix::test_util::Jar;

    use super::*;

    #[actix_web::test]
    async fn a_visitor_logs_in_sees_the_page_and_logs_out() {
        let secret = [7u8; 64];
        let config = LoginConfig::builder(secret).cookie_secure(false).build().expect("config");
        let app = test::init_service(
            App::new().service((home, login_page, login, logout)).wrap(LoginMiddleware::new(load_user, config)).wrap(
                SessionMiddleware::builder(CookieSessionStore::default(), Key::derive_from(&secret))
                    .cookie_secure(false)
                    .build(),
            ),
        )
        .await;
        let mut browser = Jar::new();
        let res = browser.send(&app, TestRequest::get().uri("/")).await;
        assert_eq!(res.headers().get("location").and_then(|v| v.to_str().ok()), Some("/login?next=%2F"));
        let wrong = TestRequest::post().uri("/login").set_form([("username", "alice"), ("password", "guess")]);
        assert_eq!(
            browser.send(&app, wrong).await.headers().get("location").map(|v| v.as_bytes()),
            Some(&b"/login"[..])
        );
        let right = TestRequest::post().uri("/login").set_form([("username", "alice"), ("password", "wonderland")]);
        assert_eq!(browser.send(&app, right).await.status(), 303);
        assert_eq!(test::read_body(browser.send(&app, TestRequest::get().uri("/")).await).await, "hi alice");
        browser.send(&app, TestRequest::post().uri("/logout")).await;
        assert_eq!(browser.send(&app, TestRequest::get().uri("/")).await.status(), 302);
    }
}
