use login_actix::{user_loader, AuthUser};

struct User;
impl AuthUser for User {
    type Id = i64;
    fn id(&self) -> i64 {
        1
    }
}

#[user_loader]
async fn load_user(id: String) -> Option<User> {
    let _ = id;
    None
}

fn main() {}
