//! Whether a Redis is named for the Redis example's test (`LOGIN_REDIS_URL`, which
//! `.ci/run` sets): without one that test is compiled with `#[ignore]` and shows as
//! ignored in the runner's count, never as passed.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(has_redis_url)");
    println!("cargo::rerun-if-env-changed=LOGIN_REDIS_URL");
    println!("cargo::rerun-if-env-changed=LOGIN_REQUIRE_REDIS");
    let named = std::env::var("LOGIN_REDIS_URL").is_ok_and(|url| !url.is_empty());
    if !named && std::env::var("LOGIN_REQUIRE_REDIS").is_ok_and(|v| v == "1") {
        panic!("LOGIN_REQUIRE_REDIS=1 but LOGIN_REDIS_URL is unset");
    }
    if named {
        println!("cargo::rustc-cfg=has_redis_url");
    }
}
