//! The contract every [`ThrottleStore`] keeps, one rule per function: the memory and
//! Redis throttle stores run it in this project's tests, and the author of another
//! store runs it against theirs, as one test per rule with
//! [`throttle_contract_tests!`](crate::throttle_contract_tests) or all at once:
//!
//! ```
//! # actix_web::rt::System::new().block_on(async {
//! use login_actix::{test_util::throttle_contract, throttle::MemoryThrottle};
//!
//! throttle_contract(&MemoryThrottle::new()).await;
//! # });
//! ```
//!
//! The rules work on the wall clock (a store may hand a window's end to its server, as
//! Redis does), each with keys of its own, within one window (the start of a new window
//! after the old one ended is each store's own unit test).

use futures_util::future::LocalBoxFuture;
use login_core::{internal::now_secs, LoginId, ThrottleStore};

use crate::test_util::contract::{run_all, Rule};

/// The window the rules count in, in seconds.
const WINDOW: u64 = 900;

/// Every rule, in the order [`throttle_contract`] runs them.
pub const RULES: &[(&str, Rule<dyn ThrottleStore>)] = &[
    ("each_attempt_in_the_window_counts", each_attempt_in_the_window_counts),
    ("keys_are_counted_apart", keys_are_counted_apart),
    ("undo_takes_one_attempt_back", undo_takes_one_attempt_back),
    ("forget_starts_the_key_afresh", forget_starts_the_key_afresh),
    ("unknown_keys_may_be_undone_and_forgotten", unknown_keys_may_be_undone_and_forgotten),
];

/// Runs every rule of the throttle contract against `store`; panics at the first one
/// it breaks.
pub async fn throttle_contract(store: &dyn ThrottleStore) {
    run_all(RULES, store).await
}

/// Expands one `#[test]` per rule of the throttle contract into a module `$name`, each
/// running its rule through `$with`, an `async fn(Rule<dyn ThrottleStore>)` that makes
/// the store (see [`test_util::contract`](crate::test_util::contract)).
#[macro_export]
macro_rules! throttle_contract_tests {
    ($(#[$attr:meta])* $name:ident, $with:path) => {
        $crate::__contract_tests!(throttle_contract, [$(#[$attr])*] $name, $with, [
            each_attempt_in_the_window_counts,
            keys_are_counted_apart,
            undo_takes_one_attempt_back,
            forget_starts_the_key_afresh,
            unknown_keys_may_be_undone_and_forgotten,
        ]);
    };
}

/// A key no other rule or run uses.
fn key(name: &str) -> String {
    format!("contract:{name}:{}", LoginId::random())
}

/// Counts `n` attempts of `key` now.
async fn hits(store: &dyn ThrottleStore, key: &str, n: u32) {
    for _ in 0..n {
        store.hit(key, now_secs(), WINDOW).await.expect("hit");
    }
}

/// A key's first attempt counts 1 and opens a window of `window` seconds; each later
/// attempt in it counts one more and leaves the window where it is.
pub fn each_attempt_in_the_window_counts(store: &dyn ThrottleStore) -> LocalBoxFuture<'_, ()> {
    Box::pin(async move {
        let (now, key) = (now_secs(), key("a"));
        let first = store.hit(&key, now, WINDOW).await.expect("hit");
        assert_eq!(first.count, 1, "a key's first attempt counts 1");
        assert!(
            first.window_end.abs_diff(now + WINDOW) <= 1,
            "the window ends `window` seconds after the first attempt"
        );
        for expected in 2..=5 {
            let hit = store.hit(&key, now, WINDOW).await.expect("hit");
            assert_eq!(hit.count, expected, "each attempt in the window counts");
            assert_eq!(hit.window_end, first.window_end, "later attempts do not move the window");
        }
        store.forget(&key).await.expect("clean up");
    })
}

/// Attempts of one key count nothing for another.
pub fn keys_are_counted_apart(store: &dyn ThrottleStore) -> LocalBoxFuture<'_, ()> {
    Box::pin(async move {
        let (key, other) = (key("a"), key("b"));
        hits(store, &key, 5).await;
        assert_eq!(store.hit(&other, now_secs(), WINDOW).await.expect("hit").count, 1, "keys are counted apart");
        store.forget(&key).await.expect("clean up");
        store.forget(&other).await.expect("clean up");
    })
}

/// `undo` takes one attempt back.
pub fn undo_takes_one_attempt_back(store: &dyn ThrottleStore) -> LocalBoxFuture<'_, ()> {
    Box::pin(async move {
        let key = key("a");
        hits(store, &key, 5).await;
        store.undo(&key).await.expect("undo");
        assert_eq!(store.hit(&key, now_secs(), WINDOW).await.expect("hit").count, 5, "undo takes one attempt back");
        store.forget(&key).await.expect("clean up");
    })
}

/// `forget` starts a key afresh and touches no other key.
pub fn forget_starts_the_key_afresh(store: &dyn ThrottleStore) -> LocalBoxFuture<'_, ()> {
    Box::pin(async move {
        let (key, other) = (key("a"), key("b"));
        hits(store, &key, 5).await;
        hits(store, &other, 1).await;
        store.forget(&key).await.expect("forget");
        assert_eq!(store.hit(&key, now_secs(), WINDOW).await.expect("hit").count, 1, "forget starts the key afresh");
        assert_eq!(store.hit(&other, now_secs(), WINDOW).await.expect("hit").count, 2, "forget touches no other key");
        store.forget(&key).await.expect("clean up");
        store.forget(&other).await.expect("clean up");
    })
}

/// Undoing or forgetting a key that was never counted is not an error.
pub fn unknown_keys_may_be_undone_and_forgotten(store: &dyn ThrottleStore) -> LocalBoxFuture<'_, ()> {
    Box::pin(async move {
        let never = key("never");
        store.forget(&never).await.expect("forgetting an unknown key is not an error");
        store.undo(&never).await.expect("undoing an unknown key is not an error");
        store.forget(&never).await.expect("clean up");
    })
}
