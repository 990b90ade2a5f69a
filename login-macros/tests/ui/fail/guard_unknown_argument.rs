use login_actix::{fresh_login_required, login_required};

#[login_required(json)]
async fn a() -> &'static str {
    "a"
}

#[fresh_login_required(redirect = 5)]
async fn b() -> &'static str {
    "b"
}

fn main() {}
