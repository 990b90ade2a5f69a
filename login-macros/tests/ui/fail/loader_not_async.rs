use login_actix::{user_loader, AuthUser};

struct User;
impl AuthUser for User {
    type Id = i64;
    fn id(&self) -> i64 {
        1
    }
}

#[user_loader]
fn load_user(id: i64) -> Option<User> {
    let _ = id;
    None
}

fn main() {}
