//! Handlers the in-process tests share: a dashboard, a login by user id, logout, the
//! sessions page's list and "end", over [`User`] and [`Users`].

use actix_web::{get, post, web, HttpResponse};
use login_actix::{guard::LoginRequired, login::LoginInfo, CurrentUser, LoginSession, OptionalUser, Remember};
use serde::Deserialize;

use crate::{User, Users};

/// The login form request of [`login`]: user `id`, an optional `remember` value, and a
/// `User-Agent` naming the browser (`browser-<id>`).
pub fn login_req(id: i64, remember: Option<&str>) -> actix_web::test::TestRequest {
    let mut form = vec![("id", id.to_string())];
    if let Some(r) = remember {
        form.push(("remember", r.to_owned()));
    }
    actix_web::test::TestRequest::post()
        .uri("/login")
        .insert_header(("user-agent", format!("browser-{id}")))
        .set_form(form)
}

/// A `GET` of `uri`.
pub fn get(uri: &str) -> actix_web::test::TestRequest {
    actix_web::test::TestRequest::get().uri(uri)
}

/// A `POST` of `body` to `uri`.
pub fn post(uri: &str, body: &str) -> actix_web::test::TestRequest {
    actix_web::test::TestRequest::post().uri(uri).set_payload(body.to_owned())
}

/// `GET /dashboard`: `hi <name>` behind a login.
#[get("/dashboard")]
pub async fn dashboard(_: LoginRequired, user: CurrentUser<User>) -> String {
    format!("hi {}", user.name)
}

/// `GET /`: who is here, or `anonymous`.
#[get("/")]
pub async fn index(user: OptionalUser<User>) -> String {
    user.as_ref().map_or_else(|| "anonymous".to_owned(), |u| format!("user {}", u.name))
}

/// The login form of the tests: a user id and the `remember` value.
#[derive(Deserialize)]
pub struct LoginForm {
    id: i64,
    remember: Option<String>,
}

/// `POST /login`: logs the user with `id` in (the tests check no password).
#[post("/login")]
pub async fn login(
    form: web::Form<LoginForm>,
    auth: LoginSession<User>,
    users: web::Data<Users>,
) -> actix_web::Result<HttpResponse> {
    let user = users.get(form.id).ok_or_else(|| actix_web::error::ErrorBadRequest("no such user"))?;
    Ok(auth.login_user(&user, Remember::from_form_value(form.remember.as_deref())).await?.into_response())
}

/// `POST /logout`.
#[post("/logout")]
pub async fn logout(auth: LoginSession<User>) -> actix_web::Result<&'static str> {
    auth.logout_user().await?;
    Ok("bye")
}

/// `POST /logout/all`: the library's "log out everywhere"; answers how many ended.
#[post("/logout/all")]
pub async fn logout_all(_: LoginRequired, auth: LoginSession<User>) -> actix_web::Result<String> {
    Ok(auth.logout_everywhere().await?.to_string())
}

/// `GET /sessions`: the user's live logins as JSON.
#[get("/sessions")]
pub async fn sessions(_: LoginRequired, auth: LoginSession<User>) -> actix_web::Result<web::Json<Vec<LoginInfo>>> {
    Ok(web::Json(auth.logins().await?))
}

/// The "end this session" form.
#[derive(Deserialize)]
pub struct End {
    id: String,
}

/// `POST /sessions/end`: ends one of the user's logins; answers `true` or `false`.
#[post("/sessions/end")]
pub async fn end(_: LoginRequired, form: web::Form<End>, auth: LoginSession<User>) -> actix_web::Result<String> {
    Ok(auth.end_login(&form.id).await?.to_string())
}

/// The password login form of the attack tests.
#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    remember: Option<String>,
}

/// `POST /login` as the docs show it: the throttle around the app's own check (the
/// test users' passwords, usernames exact after trimming).
#[post("/login")]
pub async fn password_login(
    form: web::Form<PasswordForm>,
    throttle: login_actix::LoginThrottle,
    auth: LoginSession<User>,
    users: web::Data<Users>,
) -> actix_web::Result<HttpResponse> {
    let attempt = throttle.attempt(&form.username).await?;
    let user = (0..10).filter_map(|id| users.get(id)).find(|u| u.name == form.username.trim());
    match user.filter(|u| u.password == form.password) {
        Some(user) => {
            attempt.succeeded().await?;
            Ok(auth.login_user(&user, Remember::from_form_value(form.remember.as_deref())).await?.into_response())
        }
        None => {
            attempt.failed();
            Ok(HttpResponse::SeeOther().insert_header(("Location", "/login?error=1")).finish())
        }
    }
}

/// `POST /cart`: stores the body as the session's cart (any visitor).
#[post("/cart")]
pub async fn put_cart(session: actix_session::Session, body: String) -> actix_web::Result<&'static str> {
    session.insert("cart", body)?;
    Ok("ok")
}

/// `GET /cart`: the session's cart, or `empty`.
#[get("/cart")]
pub async fn cart(session: actix_session::Session) -> actix_web::Result<String> {
    Ok(session.get::<String>("cart")?.unwrap_or_else(|| "empty".into()))
}

/// `GET /my-cart`: a logged-in page showing the session's data: `<name>:<cart>`.
#[get("/my-cart")]
pub async fn my_cart(
    _: LoginRequired,
    user: CurrentUser<User>,
    session: actix_session::Session,
) -> actix_web::Result<String> {
    let data = session.get::<String>("cart")?.unwrap_or_else(|| "empty".into());
    Ok(format!("{}:{data}", user.name))
}

/// `POST /my-cart`: a logged-in page storing the body as the cart.
#[post("/my-cart")]
pub async fn put_my_cart(
    _: LoginRequired,
    session: actix_session::Session,
    body: String,
) -> actix_web::Result<&'static str> {
    session.insert("cart", body)?;
    Ok("ok")
}
