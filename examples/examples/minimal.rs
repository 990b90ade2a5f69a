//! The smallest complete app: one file, the cookie session store, users in memory.
//! `cargo run -p login-examples --example minimal`, then log in as alice / wonderland.

use std::collections::HashMap;

use actix_session::{storage::CookieSessionStore, SessionMiddleware};
use actix_web::{cookie::Key, get, post, web, App, HttpResponse, HttpServer};
use login_actix::{
    fresh_login_required, login_required, user_loader, AuthUser, CurrentUser, LoginConfig, LoginMiddleware,
    LoginSession, LoginThrottle, Remember,
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

struct Users(HashMap<i64, User>);

#[user_loader]
async fn load_user(id: i64, users: web::Data<Users>) -> Option<User> {
    users.0.get(&id).cloned()
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
    auth: LoginSession,
) -> actix_web::Result<HttpResponse> {
    let attempt = throttle.attempt(&form.username).await?; // over the limit: 429 + Retry-After
    let user = users.0.values().find(|u| u.name == form.username && u.password == form.password);
    let Some(user) = user else {
        attempt.failed();
        return Ok(HttpResponse::SeeOther().insert_header(("Location", "/login?error=1")).finish());
    };
    attempt.succeeded().await?;
    let redirect = auth.login_user(user, Remember::from_form_value(form.remember.as_deref())).await?;
    Ok(redirect.next(form.next.as_deref()).fallback("/").into_response()) // a safe `next` only
}

#[post("/logout")]
async fn logout(auth: LoginSession) -> actix_web::Result<HttpResponse> {
    auth.logout_user().await?;
    Ok(HttpResponse::SeeOther().insert_header(("Location", "/login")).finish())
}

fn users() -> web::Data<Users> {
    let alice = User { id: 1, name: "alice".into(), password: "wonderland".into() };
    web::Data::new(Users(HashMap::from([(1, alice)])))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let secret = [7u8; 64]; // load 64 random bytes from your secret store instead
    let config = LoginConfig::builder(secret).cookie_secure(false).build().expect("a 64-byte secret");
    let users = users();
    HttpServer::new(move || {
        App::new()
            .app_data(users.clone())
            .service(dashboard)
            .service(delete_account)
            .service(login)
            .service(logout)
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
    use login_actix::test_util::{login_as, Jar, TestLogin};

    use super::*;

    #[actix_web::test]
    async fn login_dashboard_and_sudo_mode() {
        let secret = [7u8; 64];
        let config = LoginConfig::builder(secret).cookie_secure(false).build().expect("config");
        let app = test::init_service(
            App::new()
                .app_data(users())
                .service(dashboard)
                .service(delete_account)
                .service(login)
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
        let alice = users().0[&1].clone();
        let mut remembered = login_as(&app, &alice, TestLogin::Remembered).await;
        assert_eq!(remembered.send(&app, TestRequest::get().uri("/")).await.status(), 200);
        assert_eq!(remembered.send(&app, TestRequest::post().uri("/account/delete")).await.status(), 302);
    }
}
