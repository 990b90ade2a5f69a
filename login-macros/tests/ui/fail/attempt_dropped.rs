// A login attempt dropped at once (the `?` discards it) never reaches the throttle's
// bookkeeping: with `unused_must_use` denied, the message names the calls that finish it.
#![deny(unused_must_use)]

use login_actix::{throttle::LoginThrottle, LoginError};

async fn check(throttle: LoginThrottle) -> Result<(), LoginError> {
    throttle.attempt("alice").await?;
    Ok(())
}

fn main() {
    let _ = check;
}
