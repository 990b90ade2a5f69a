//! The contract every [`ThrottleStore`] passes, as one suite: the memory and Redis
//! throttle stores run it in this project's tests, and the author of another store runs
//! it against theirs:
//!
//! ```
//! # actix_web::rt::System::new().block_on(async {
//! use login_actix::{test_util::throttle_contract, throttle::MemoryThrottle};
//!
//! throttle_contract(&MemoryThrottle::new()).await;
//! # });
//! ```
//!
//! It works on the wall clock (a store may hand a window's end to its server, as Redis
//! does), with keys of its own, within one window (the start of a new window after the
//! old one ended is each store's own unit test).

use login_core::{internal::now_secs, LoginId, ThrottleStore};

/// Runs every rule of the throttle contract against `store`; panics at the first one
/// it breaks.
pub async fn throttle_contract(store: &dyn ThrottleStore) {
    let now = now_secs();
    let run = LoginId::random().to_string();
    let (key, other) = (format!("contract:a:{run}"), format!("contract:b:{run}"));
    let window = 900;

    let first = store.hit(&key, now, window).await.expect("hit");
    assert_eq!(first.count, 1, "a key's first attempt counts 1");
    assert!(first.window_end.abs_diff(now + window) <= 1, "the window ends `window` seconds after the first attempt");
    for expected in 2..=5 {
        let hit = store.hit(&key, now, window).await.expect("hit");
        assert_eq!(hit.count, expected, "each attempt in the window counts");
        assert_eq!(hit.window_end, first.window_end, "later attempts do not move the window");
    }
    assert_eq!(store.hit(&other, now, window).await.expect("hit").count, 1, "keys are counted apart");

    store.undo(&key).await.expect("undo");
    assert_eq!(store.hit(&key, now, window).await.expect("hit").count, 5, "undo takes one attempt back");

    store.forget(&key).await.expect("forget");
    assert_eq!(store.hit(&key, now, window).await.expect("hit").count, 1, "forget starts the key afresh");
    assert_eq!(store.hit(&other, now, window).await.expect("hit").count, 2, "forget touches no other key");

    store.forget(&key).await.expect("forget");
    store.forget(&other).await.expect("forget");
    store.forget(&format!("contract:never:{run}")).await.expect("forgetting an unknown key is not an error");
    store.undo(&format!("contract:never:{run}")).await.expect("undoing an unknown key is not an error");
}
