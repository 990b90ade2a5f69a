//! The same scenario on each stack, in process: log in once, then authenticated
//! `GET /protected` requests that load the user from an in-memory map and return a
//! short body. Used by the criterion bench (time) and the `bench-count` binary
//! (instructions under callgrind, allocations).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod actix_stacks;
mod axum_login_stack;

use std::collections::HashMap;

/// A prepared scenario: [`request`](Scenario::request) sends one request and checks it.
pub trait Scenario {
    /// Sends one request; panics if the answer is not the expected one.
    fn request(&mut self);
}

/// Every scenario, in table order. `ours_redis` needs `LOGIN_BENCH_REDIS=redis://...`.
pub const SCENARIOS: &[&str] = &[
    "hello",
    "session_public",
    "session_bare",
    "identity",
    "axum_login",
    "ours",
    "ours_authhash",
    "ours_public",
    "ours_remember",
    "ours_remember_one",
    "ours_redis",
    "ours_sqlite",
];

/// The user every stack loads.
#[derive(Debug, Clone)]
pub struct BenchUser {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Stand-in password hash (for the auth-hash scenarios).
    pub hash: Vec<u8>,
}

/// The in-memory user map.
pub fn users() -> HashMap<i64, BenchUser> {
    (1..=100)
        .map(|id| (id, BenchUser { id, name: format!("user{id}"), hash: format!("hash-{id}").into_bytes() }))
        .collect()
}

/// Builds a scenario by name; `None` for an unknown name or a Redis scenario without
/// `LOGIN_BENCH_REDIS`.
pub fn build(name: &str) -> Option<Box<dyn Scenario>> {
    match name {
        "axum_login" => Some(Box::new(axum_login_stack::AxumLogin::new())),
        "ours_redis" => {
            let url = std::env::var("LOGIN_BENCH_REDIS").ok()?;
            Some(actix_stacks::build(name, Some(url)))
        }
        other if SCENARIOS.contains(&other) => Some(actix_stacks::build(other, None)),
        _ => None,
    }
}
