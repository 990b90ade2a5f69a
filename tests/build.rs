//! Which services this machine has, for the tests that need them: a test whose service
//! is missing is compiled with `#[ignore]` and shows as ignored in the runner's own count,
//! never as passed. `LOGIN_REQUIRE_REDIS=1` / `LOGIN_REQUIRE_BROWSER=1` (set by `.ci/run`)
//! turn a missing service into a build failure.

use std::path::PathBuf;

fn find(names: &[&str]) -> Option<PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths).flat_map(|dir| names.iter().map(move |n| dir.join(n))).find(|p| p.is_file())
}

fn required(var: &str) -> bool {
    std::env::var(var).is_ok_and(|v| v == "1")
}

fn main() {
    println!("cargo::rustc-check-cfg=cfg(has_redis)");
    println!("cargo::rustc-check-cfg=cfg(has_browser)");
    println!("cargo::rerun-if-env-changed=PATH");
    println!("cargo::rerun-if-env-changed=LOGIN_REQUIRE_REDIS");
    println!("cargo::rerun-if-env-changed=LOGIN_REQUIRE_BROWSER");
    // Installing a service adds a file to a PATH folder: look again then.
    if let Some(paths) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&paths).filter(|d| d.is_dir()) {
            println!("cargo::rerun-if-changed={}", dir.display());
        }
    }
    let redis = find(&["redis-server"]).is_some();
    let browser = find(&["chromium", "chromium-browser"]).is_some() && find(&["chromedriver"]).is_some();
    if !redis && required("LOGIN_REQUIRE_REDIS") {
        panic!("LOGIN_REQUIRE_REDIS=1 but redis-server is not on PATH");
    }
    if !browser && required("LOGIN_REQUIRE_BROWSER") {
        panic!("LOGIN_REQUIRE_BROWSER=1 but chromium / chromedriver are not on PATH");
    }
    if redis {
        println!("cargo::rustc-cfg=has_redis");
    } else {
        println!("cargo::warning=redis-server not on PATH: the Redis tests are ignored (apt-get install redis-server)");
    }
    if browser {
        println!("cargo::rustc-cfg=has_browser");
    } else {
        println!(
            "cargo::warning=chromium/chromedriver not on PATH: the browser tests are ignored (apt-get install chromium chromium-driver)"
        );
    }
}
