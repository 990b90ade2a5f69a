use login_actix::login_required;

#[login_required(redirect = "https://evil.example/login")]
async fn a() -> &'static str {
    "a"
}

#[login_required(api, redirect = "/signin")]
async fn b() -> &'static str {
    "b"
}

fn main() {}
