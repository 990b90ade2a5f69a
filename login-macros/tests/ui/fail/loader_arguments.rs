use login_actix::{user_loader, AuthUser};

struct User;
impl AuthUser for User {
    type Id = i64;
    fn id(&self) -> i64 {
        1
    }
}

#[user_loader(cache)]
async fn a(id: i64) -> Option<User> {
    let _ = id;
    None
}

#[user_loader]
async fn b<T>(id: T) -> Option<User> {
    let _ = id;
    None
}

fn main() {}
