use login_actix::login_required;

#[login_required]
struct Dashboard;

fn main() {}
