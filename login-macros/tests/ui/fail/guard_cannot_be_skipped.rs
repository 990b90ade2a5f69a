use login_actix::login_required;

#[login_required]
async fn dashboard() -> &'static str {
    "secret"
}

fn main() {
    // The gated handler cannot be called without a guard value...
    let _ = dashboard();
    // ...and a guard value cannot be made by hand.
    let _ = login_actix::guard::LoginRequired { _spec: std::marker::PhantomData };
}
