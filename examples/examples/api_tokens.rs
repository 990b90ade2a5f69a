//! An API only: bearer tokens, no cookies, no session store. Tokens are stored as
//! SHA-256 and looked up by that hash. `cargo run -p login-examples --example api_tokens`
//! prints a token; then `curl -H "Authorization: Bearer <token>" localhost:8080/api/me`.

use std::collections::HashMap;

use actix_web::{get, web, App, HttpRequest, HttpResponse, HttpServer};
use login_actix::{
    guard::LoginMode, loader::request_loader_fn, login_required, user_loader, AuthUser, CurrentUser, LoginConfig,
    LoginMiddleware,
};
use sha2::{Digest, Sha256};

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

/// Users, and token hashes to user ids.
struct Store {
    users: HashMap<i64, User>,
    tokens: HashMap<Vec<u8>, i64>,
}

fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

// Sessions are never used here, but the middleware wants a loader by id.
#[user_loader]
async fn load_user(id: i64, store: web::Data<Store>) -> Option<User> {
    store.users.get(&id).cloned()
}

#[get("/me")]
#[login_required]
async fn me(user: CurrentUser<User>) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "id": user.id, "name": user.name, "token": user.is_token() }))
}

fn store(token: &str) -> web::Data<Store> {
    let alice = User { id: 1, name: "alice".into() };
    web::Data::new(Store { users: HashMap::from([(1, alice)]), tokens: HashMap::from([(hash(token), 1)]) })
}

fn app(
    store: web::Data<Store>,
    config: LoginConfig,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let by_token = request_loader_fn(|token: String, req: HttpRequest| async move {
        let store = req.app_data::<web::Data<Store>>().cloned().ok_or("no store")?;
        Ok::<_, &'static str>(store.tokens.get(&hash(&token)).and_then(|id| store.users.get(id)).cloned())
    });
    App::new()
        .app_data(store)
        .service(web::scope("/api").app_data(LoginMode::Api).service(me))
        .wrap(LoginMiddleware::new(load_user, config).request_loader(by_token))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let token = format!("lat_{:x}", rand::random::<u128>());
    println!("token for alice: {token}");
    let store = store(&token);
    let config = LoginConfig::new([9u8; 64]).expect("a 64-byte secret");
    HttpServer::new(move || app(store.clone(), config.clone())).bind("127.0.0.1:8080")?.run().await
}

#[cfg(test)]
mod tests {
    use actix_web::test::{self, TestRequest};

    use super::*;

    #[actix_web::test]
    async fn bearer_tokens_only() {
        let app = test::init_service(app(store("lat_good"), LoginConfig::new([9u8; 64]).expect("config"))).await;
        let call = |auth: Option<&str>| {
            let mut req = TestRequest::get().uri("/api/me");
            if let Some(value) = auth {
                req = req.insert_header(("authorization", value.to_owned()));
            }
            req.to_request()
        };
        let res = test::call_service(&app, call(Some("Bearer lat_good"))).await;
        assert_eq!(res.status(), 200);
        assert!(res.headers().get("set-cookie").is_none());
        let body: serde_json::Value = test::read_body_json(res).await;
        assert_eq!(body, serde_json::json!({ "id": 1, "name": "alice", "token": true }));
        for bad in [None, Some("Bearer lat_bad"), Some("Basic YTpi"), Some("Bearer")] {
            assert_eq!(test::call_service(&app, call(bad)).await.status(), 401, "{bad:?}");
        }
    }
}
