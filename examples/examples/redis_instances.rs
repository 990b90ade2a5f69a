//! Several instances behind one login: the live logins in Redis, sessions in cookies.
//! A logout, a password change or "end this session" on one instance holds on every
//! other at the next request.
//!
//! Start Redis with the persistence that makes logouts survive a Redis crash (see the
//! store table in `docs/stores.md`): `redis-server --port 6379 --appendonly yes --appendfsync always &`,
//! then
//! `LOGIN_REDIS_URL=redis://127.0.0.1:6379 cargo run -p login-examples --example redis_instances`
//! (it serves the same app on 8081 and 8082).

use std::{collections::HashMap, sync::Arc};

use actix_session::{storage::CookieSessionStore, SessionMiddleware};
use actix_web::{cookie::Key, get, post, web, App, HttpResponse, HttpServer};
use login_actix::{
    login_required, registry::RedisRegistry, throttle::RedisThrottle, user_loader, AuthUser, CurrentUser, LoginConfig,
    LoginMiddleware, LoginSession, Remember,
};

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
async fn load_user(id: i64, users: web::Data<HashMap<i64, User>>) -> Option<User> {
    users.get(&id).cloned()
}

#[get("/")]
#[login_required]
async fn home(user: CurrentUser<User>) -> String {
    format!("hi {}", user.name)
}

/// Logs alice in (a real app checks a password, see the minimal example).
#[post("/login")]
async fn login(auth: LoginSession<User>, users: web::Data<HashMap<i64, User>>) -> actix_web::Result<HttpResponse> {
    Ok(auth.login_user(&users[&1], Remember::Default).await?.into_response())
}

#[post("/logout")]
async fn logout(auth: LoginSession<User>) -> actix_web::Result<HttpResponse> {
    auth.logout_user().await?;
    Ok(HttpResponse::NoContent().finish())
}

/// What one instance logs in with: the same secret everywhere, and the Redis registry
/// and throttle that every instance shares.
#[derive(Clone)]
struct Instance {
    config: LoginConfig,
    registry: Arc<RedisRegistry>,
    throttle: Arc<RedisThrottle>,
}

async fn instance(redis_url: &str) -> Instance {
    let registry = RedisRegistry::connect(redis_url).await.expect("Redis reachable");
    let throttle = Arc::new(RedisThrottle::sharing(&registry));
    let config = LoginConfig::builder([4u8; 64]).cookie_secure(false).build().expect("config");
    Instance { config, registry: Arc::new(registry), throttle }
}

fn app(
    instance: Instance,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let users = web::Data::new(HashMap::from([(1_i64, User { id: 1, name: "alice".into() })]));
    App::new()
        .app_data(users)
        .service(home)
        .service(login)
        .service(logout)
        .wrap(LoginMiddleware::new(load_user, instance.config).registry(instance.registry).throttle(instance.throttle))
        .wrap(
            SessionMiddleware::builder(CookieSessionStore::default(), Key::derive_from(&[4u8; 64]))
                .cookie_secure(false)
                .build(),
        )
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let url = std::env::var("LOGIN_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let (a, b) = (instance(&url).await, instance(&url).await);
    let first = HttpServer::new(move || app(a.clone())).bind("127.0.0.1:8081")?.run();
    let second = HttpServer::new(move || app(b.clone())).bind("127.0.0.1:8082")?.run();
    futures_util::future::try_join(first, second).await.map(drop)
}

#[cfg(test)]
mod tests {
    use actix_web::test::{self, TestRequest};
    use login_actix::test_util::Jar;

    use super::*;

    /// Needs a Redis named by `LOGIN_REDIS_URL` when the tests are built (CI starts
    /// one); without it this test is ignored.
    #[actix_web::test]
    #[cfg_attr(not(has_redis_url), ignore = "set LOGIN_REDIS_URL to a Redis to run it")]
    async fn a_logout_on_one_instance_holds_on_the_other() {
        let url = std::env::var("LOGIN_REDIS_URL").expect("LOGIN_REDIS_URL (set when the tests were built)");
        let a = test::init_service(app(instance(&url).await)).await;
        let b = test::init_service(app(instance(&url).await)).await;
        let mut browser = Jar::new();
        let res = browser.send(&a, TestRequest::post().uri("/login")).await;
        assert_eq!(res.status(), 303, "{:?}", test::read_body(res).await);
        assert_eq!(test::read_body(browser.send(&b, TestRequest::get().uri("/")).await).await, "hi alice");
        let copy = browser.clone();
        assert_eq!(browser.send(&b, TestRequest::post().uri("/logout")).await.status(), 204);
        assert_eq!(copy.clone().send(&a, TestRequest::get().uri("/")).await.status(), 302, "the session copy, on A");
        assert_eq!(copy.without("id").send(&a, TestRequest::get().uri("/")).await.status(), 302, "the remember copy");
    }
}
