//! The axum-login scenario: axum-login 0.18 with tower-sessions' memory store.

use std::collections::HashMap;

use axum::{
    body::Body,
    http::{header, Request, StatusCode},
    response::IntoResponse,
    routing::{get, post},
    Router,
};
use axum_login::{AuthManagerLayerBuilder, AuthSession, AuthUser, AuthnBackend, UserId};
use tower::ServiceExt;
use tower_sessions::{MemoryStore, SessionManagerLayer};

use crate::{users, BenchUser, Scenario};

#[derive(Debug, Clone)]
struct User(BenchUser);

impl AuthUser for User {
    type Id = i64;
    fn id(&self) -> i64 {
        self.0.id
    }
    fn session_auth_hash(&self) -> &[u8] {
        &self.0.hash
    }
}

#[derive(Clone)]
struct Backend(std::sync::Arc<HashMap<i64, BenchUser>>);

impl AuthnBackend for Backend {
    type User = User;
    type Credentials = i64;
    type Error = std::convert::Infallible;

    async fn authenticate(&self, id: i64) -> Result<Option<User>, Self::Error> {
        Ok(self.0.get(&id).cloned().map(User))
    }

    async fn get_user(&self, id: &UserId<Self>) -> Result<Option<User>, Self::Error> {
        Ok(self.0.get(id).cloned().map(User))
    }
}

async fn login(mut auth: AuthSession<Backend>) -> impl IntoResponse {
    let user = auth.authenticate(7).await.ok().flatten().expect("user 7");
    match auth.login(&user).await {
        Ok(()) => StatusCode::OK,
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

async fn protected(auth: AuthSession<Backend>) -> impl IntoResponse {
    match auth.user {
        Some(user) => (StatusCode::OK, format!("hi {}", user.0.name)).into_response(),
        None => StatusCode::UNAUTHORIZED.into_response(),
    }
}

/// The prepared axum-login scenario.
pub(crate) struct AxumLogin {
    rt: tokio::runtime::Runtime,
    app: Router,
    cookie: String,
}

impl AxumLogin {
    pub(crate) fn new() -> Self {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let sessions = SessionManagerLayer::new(MemoryStore::default()).with_secure(false);
        let auth = AuthManagerLayerBuilder::new(Backend(std::sync::Arc::new(users())), sessions).build();
        let app = Router::new().route("/login", post(login)).route("/protected", get(protected)).layer(auth);
        let res = rt
            .block_on(app.clone().oneshot(Request::post("/login").body(Body::empty()).expect("request")))
            .expect("infallible");
        assert_eq!(res.status(), StatusCode::OK);
        let cookie = res
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or_default().to_owned())
            .collect::<Vec<_>>()
            .join("; ");
        let mut s = AxumLogin { rt, app, cookie };
        s.request();
        s
    }
}

impl Scenario for AxumLogin {
    fn request(&mut self) {
        let req = Request::get("/protected").header(header::COOKIE, &self.cookie).body(Body::empty()).expect("request");
        let res = self.rt.block_on(self.app.clone().oneshot(req)).expect("infallible");
        assert_eq!(res.status(), StatusCode::OK);
    }
}
