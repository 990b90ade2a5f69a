use login_actix::login_required;

#[login_required]
fn dashboard() -> &'static str {
    "hi"
}

fn main() {}
