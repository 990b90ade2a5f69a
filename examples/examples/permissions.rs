//! Permissions: loaded with the user, required by the guard, `403` when missing.
//! `cargo run -p login-examples --example permissions`.

use std::collections::{HashMap, HashSet};

use actix_session::{storage::CookieSessionStore, SessionMiddleware};
use actix_web::{cookie::Key, get, post, web, App, HttpResponse, HttpServer};
use login_actix::{
    fresh_login_required, login_required, user_loader, AuthUser, CurrentUser, LoginConfig, LoginMiddleware,
};

#[derive(Clone, Debug)]
struct User {
    id: i64,
    name: String,
    permissions: HashSet<String>,
}

impl AuthUser for User {
    type Id = i64;
    fn id(&self) -> i64 {
        self.id
    }
    // Loaded with the user, so checked without another query.
    fn has_permission(&self, permission: &str) -> bool {
        self.permissions.contains(permission)
    }
}

#[user_loader]
async fn load_user(id: i64, users: web::Data<HashMap<i64, User>>) -> Option<User> {
    users.get(&id).cloned()
}

#[get("/admin")]
#[login_required(permission = "admin")]
async fn admin(user: CurrentUser<User>) -> String {
    format!("admin area of {}", user.name)
}

#[post("/admin/reindex")]
#[fresh_login_required(permission = "admin", permission = "maintenance")]
async fn reindex() -> HttpResponse {
    HttpResponse::Accepted().body("reindexing")
}

fn users() -> web::Data<HashMap<i64, User>> {
    let user = |id: i64, name: &str, perms: &[&str]| {
        (id, User { id, name: name.into(), permissions: perms.iter().map(|p| p.to_string()).collect() })
    };
    web::Data::new(HashMap::from([
        user(1, "alice", &["admin", "maintenance"]),
        user(2, "bob", &["admin"]),
        user(3, "carol", &[]),
    ]))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let secret = [5u8; 64];
    let config = LoginConfig::new(secret).expect("a 64-byte secret");
    let users = users();
    HttpServer::new(move || {
        App::new()
            .app_data(users.clone())
            .service(admin)
            .service(reindex)
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
    async fn missing_permissions_are_403_anonymous_is_the_login_page() {
        let secret = [5u8; 64];
        let app = test::init_service(
            App::new()
                .app_data(users())
                .service(admin)
                .service(reindex)
                .service(login_route())
                .wrap(LoginMiddleware::new(load_user, LoginConfig::new(secret).expect("config")))
                .wrap(SessionMiddleware::new(CookieSessionStore::default(), Key::derive_from(&secret))),
        )
        .await;
        let users = users();
        let mut alice = login_as(&app, &users[&1], TestLogin::Fresh).await;
        let mut bob = login_as(&app, &users[&2], TestLogin::Fresh).await;
        let mut carol = login_as(&app, &users[&3], TestLogin::Fresh).await;
        assert_eq!(
            test::read_body(alice.send(&app, TestRequest::get().uri("/admin")).await).await,
            "admin area of alice"
        );
        assert_eq!(carol.send(&app, TestRequest::get().uri("/admin")).await.status(), 403);
        assert_eq!(alice.send(&app, TestRequest::post().uri("/admin/reindex")).await.status(), 202);
        assert_eq!(bob.send(&app, TestRequest::post().uri("/admin/reindex")).await.status(), 403, "both required");
        assert_eq!(Jar::new().send(&app, TestRequest::get().uri("/admin")).await.status(), 302);
    }
}
