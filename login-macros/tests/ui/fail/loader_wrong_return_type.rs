use login_actix::{user_loader, AuthUser};

struct User;
impl AuthUser for User {
    type Id = i64;
    fn id(&self) -> i64 {
        1
    }
}

#[user_loader]
async fn a(id: i64) -> User {
    let _ = id;
    User
}

#[user_loader]
async fn b(id: i64) -> Result<User, String> {
    let _ = id;
    Ok(User)
}

#[user_loader]
async fn c(id: i64) {
    let _ = id;
}

fn main() {}
