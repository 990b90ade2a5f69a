use login_actix::{fresh_login_required, login_required};

#[login_required(permission = 5)]
async fn a() -> &'static str {
    "a"
}

#[login_required(permission = "")]
async fn b() -> &'static str {
    "b"
}

#[fresh_login_required(permission = "admin", permission = "admin")]
async fn c() -> &'static str {
    "c"
}

#[login_required(permissions("admin", "audit"))]
async fn d() -> &'static str {
    "d"
}

#[login_required(permission = "site admin")]
async fn e() -> &'static str {
    "e"
}

fn main() {}
