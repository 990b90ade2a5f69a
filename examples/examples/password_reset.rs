//! A complete password reset with the app's own mailer: `/password/forgot` mails a
//! link (the same answer whether or not the account exists, throttled with counters
//! of its own), `/password/reset` sets the new password once and ends every login of
//! the user. `cargo run -p login-examples --example password_reset`, then ask for a
//! link for `alice`: the "mail" is printed.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use actix_session::{storage::CookieSessionStore, SessionMiddleware};
use actix_web::{cookie::Key, post, web, App, HttpResponse, HttpServer};
use login_actix::{
    password::PasswordHasher, recovery::RecoveryTokens, user_loader, AuthUser, LoginConfig, LoginMiddleware,
    LoginSession, LoginThrottle,
};
use serde::Deserialize;

#[derive(Clone, Debug)]
struct User {
    id: i64,
    email: String,
    password_hash: String,
    last_login: u64,
}

impl AuthUser for User {
    type Id = i64;
    fn id(&self) -> i64 {
        self.id
    }
    // A reset changes the hash: the link dies, and so does every session made before.
    fn session_auth_hash(&self) -> Option<Vec<u8>> {
        Some(self.password_hash.clone().into_bytes())
    }
    // Set at each completed login: a link mailed before it dies too.
    fn last_login_at(&self) -> Option<u64> {
        Some(self.last_login)
    }
}

/// The app's users (a database in a real app).
#[derive(Default)]
struct Users(Mutex<HashMap<i64, User>>);

impl Users {
    fn by_email(&self, email: &str) -> Option<User> {
        self.0.lock().ok()?.values().find(|u| u.email == email).cloned()
    }
    fn get(&self, id: i64) -> Option<User> {
        self.0.lock().ok()?.get(&id).cloned()
    }
    /// Sets the hash only over the one the link was made for: a link works once.
    fn replace_hash(&self, user: &User, new_hash: String) -> bool {
        let Ok(mut users) = self.0.lock() else { return false };
        match users.get_mut(&user.id) {
            Some(stored) if stored.password_hash == user.password_hash => {
                stored.password_hash = new_hash;
                true
            }
            _ => false,
        }
    }
}

/// The app's own mailer: an SMTP client or a mail API in a real app.
trait Mailer: Send + Sync {
    fn send(&self, to: &str, subject: &str, body: &str);
}

struct PrintMailer;

impl Mailer for PrintMailer {
    fn send(&self, to: &str, subject: &str, body: &str) {
        println!("To: {to}\nSubject: {subject}\n\n{body}\n");
    }
}

const RESET: &str = "password-reset";

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[user_loader]
async fn load_user(id: i64, users: web::Data<Users>) -> Option<User> {
    users.get(id)
}

#[derive(Deserialize)]
struct Forgot {
    email: String,
}

#[post("/password/forgot")]
async fn forgot(
    form: web::Form<Forgot>,
    throttle: LoginThrottle,
    users: web::Data<Users>,
    tokens: web::Data<RecoveryTokens<User>>,
    mailer: web::Data<dyn Mailer>,
) -> actix_web::Result<HttpResponse> {
    // Every request counts, in counters of their own: asking for links never blocks a
    // login. Over the limit: 429, whether or not the account exists.
    throttle.purpose(RESET).attempt(&form.email).await?.keep();
    if let Some(user) = users.by_email(&form.email) {
        let token = tokens.issue(&user, RESET, now());
        let body = format!("Choose a new password: https://example.com/password/reset?token={token}");
        mailer.send(&user.email, "Reset your password", &body);
    }
    // The same answer either way: it says nothing about who has an account.
    Ok(HttpResponse::Ok().body("If that address has an account, a link is on its way."))
}

#[derive(Deserialize)]
struct Reset {
    token: String,
    new_password: String,
}

#[post("/password/reset")]
async fn reset(
    form: web::Form<Reset>,
    users: web::Data<Users>,
    tokens: web::Data<RecoveryTokens<User>>,
    hasher: web::Data<PasswordHasher>,
    auth: LoginSession<User>,
) -> actix_web::Result<HttpResponse> {
    let invalid = || HttpResponse::BadRequest().body("This link is invalid, used or expired.");
    let Some(user) = tokens.user_id(&form.token).and_then(|id| users.get(id)) else { return Ok(invalid()) };
    if tokens.verify(&form.token, RESET, &user, now()).is_err() {
        return Ok(invalid());
    }
    if form.new_password.is_empty() {
        return Ok(HttpResponse::BadRequest().body("Choose a password.")); // the link still works
    }
    let new_hash = hasher.hash(&form.new_password).await.map_err(actix_web::error::ErrorBadRequest)?;
    if !users.replace_hash(&user, new_hash) {
        return Ok(invalid());
    }
    // Every session and remember cookie of the user ends, on every instance.
    auth.end_logins_of(&user.id).await?;
    Ok(HttpResponse::SeeOther().insert_header(("Location", "/login")).finish())
}

/// The reset routes and what they need.
fn reset_routes(config: &LoginConfig, users: web::Data<Users>) -> impl Fn(&mut web::ServiceConfig) {
    let tokens = web::Data::new(RecoveryTokens::<User>::new(config));
    let mailer: web::Data<dyn Mailer> = web::Data::from(Arc::new(PrintMailer) as Arc<dyn Mailer>);
    let hasher = web::Data::new(PasswordHasher::new());
    move |cfg| {
        cfg.app_data(users.clone())
            .app_data(tokens.clone())
            .app_data(mailer.clone())
            .app_data(hasher.clone())
            .service(forgot)
            .service(reset);
    }
}

fn seeded() -> web::Data<Users> {
    let hash = PasswordHasher::new().hash_blocking("wonderland").expect("hash");
    let alice = User { id: 1, email: "alice@example.com".into(), password_hash: hash, last_login: 0 };
    web::Data::new(Users(Mutex::new(HashMap::from([(1, alice)]))))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let secret = [8u8; 64];
    let config = LoginConfig::new(secret).expect("a 64-byte secret");
    let users = seeded();
    HttpServer::new(move || {
        App::new()
            .configure(reset_routes(&config, users.clone()))
            .wrap(LoginMiddleware::new(load_user, config.clone()))
            .wrap(SessionMiddleware::new(CookieSessionStore::default(), Key::derive_from(&secret)))
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
    async fn a_mailed_link_resets_the_password_once_and_ends_every_login() {
        let secret = [8u8; 64];
        let config = LoginConfig::new(secret).expect("config");
        let users = seeded();
        let app = test::init_service(
            App::new()
                .configure(reset_routes(&config, users.clone()))
                .service(login_route())
                .route(
                    "/me",
                    web::get().to(|user: login_actix::OptionalUser<User>| async move {
                        user.as_ref().map_or("anonymous".to_owned(), |u| u.email.clone())
                    }),
                )
                .wrap(LoginMiddleware::new(load_user, config.clone()))
                .wrap(SessionMiddleware::new(CookieSessionStore::default(), Key::derive_from(&secret))),
        )
        .await;
        let alice = users.get(1).expect("alice");
        let mut laptop = login_as(&app, &alice, TestLogin::Fresh).await;
        let me = || TestRequest::get().uri("/me");
        assert_eq!(test::read_body(laptop.send(&app, me()).await).await, "alice@example.com");

        let token = RecoveryTokens::new(&config).issue(&alice, RESET, now());
        let reset_req = |password: &str| {
            TestRequest::post().uri("/password/reset").set_form([("token", token.as_str()), ("new_password", password)])
        };
        assert_eq!(Jar::new().send(&app, reset_req("")).await.status(), 400, "an empty password changes nothing");
        assert_eq!(Jar::new().send(&app, reset_req("looking-glass")).await.status(), 303);
        assert_eq!(test::read_body(laptop.send(&app, me()).await).await, "anonymous", "every login ended");
        assert_eq!(Jar::new().send(&app, reset_req("again")).await.status(), 400, "a link works once");

        let forgot_req = |email: &str| TestRequest::post().uri("/password/forgot").set_form([("email", email)]);
        let known = test::read_body(Jar::new().send(&app, forgot_req("alice@example.com")).await).await;
        let unknown = test::read_body(Jar::new().send(&app, forgot_req("eve@example.com")).await).await;
        assert_eq!(known, unknown, "the same answer whether or not the account exists");
    }
}
