// The login handle knows its user type: another user type, or another id type, does
// not compile.
use login_actix::{AuthUser, LoginSession, Remember};

#[derive(Clone)]
struct User {
    id: i64,
}

impl AuthUser for User {
    type Id = i64;
    fn id(&self) -> i64 {
        self.id
    }
}

#[derive(Clone)]
struct Admin {
    name: String,
}

impl AuthUser for Admin {
    type Id = String;
    fn id(&self) -> String {
        self.name.clone()
    }
}

async fn handler(auth: LoginSession<User>) {
    let admin = Admin { name: "root".into() };
    let _ = auth.login_user(&admin, Remember::No).await;
    let _ = auth.end_logins_of(&"alice".to_owned()).await;
}

fn main() {
    let _ = handler;
}
