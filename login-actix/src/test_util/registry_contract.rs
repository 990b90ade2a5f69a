//! The contract every [`LoginRegistry`] keeps, one rule per function (in the manner of
//! actix-session's acceptance suite and tower-sessions' per-store tests): the memory,
//! SQLite and Redis registries run it in this project's tests, and the author of
//! another store (a Postgres one) runs it against theirs, as one test per rule with
//! [`registry_contract_tests!`](crate::registry_contract_tests) or all at once:
//!
//! ```
//! # actix_web::rt::System::new().block_on(async {
//! use login_actix::{registry::MemoryRegistry, test_util::registry_contract};
//!
//! registry_contract(&MemoryRegistry::new()).await;
//! # });
//! ```
//!
//! The rules work on the wall clock (a store may hand expiry to its server, as Redis
//! does), each with user keys of its own that it cleans up, so they can run against a
//! store that holds other data, side by side.

use futures_util::future::LocalBoxFuture;
use login_core::{internal::now_secs, LiveLogin, LoginId, LoginRegistry};

use crate::test_util::contract::{run_all, Rule};

/// Every rule, in the order [`registry_contract`] runs them.
pub const RULES: &[(&str, Rule<dyn LoginRegistry>)] = &[
    ("an_inserted_login_is_live_until_its_expiry", an_inserted_login_is_live_until_its_expiry),
    ("touch_sets_last_seen", touch_sets_last_seen),
    ("extend_never_shortens_and_keeps_remembered", extend_never_shortens_and_keeps_remembered),
    ("list_user_gives_the_users_live_logins_oldest_first", list_user_gives_the_users_live_logins_oldest_first),
    ("rotate_moves_only_the_current_generation", rotate_moves_only_the_current_generation),
    ("nothing_brings_a_removed_login_back", nothing_brings_a_removed_login_back),
    ("remove_user_ends_every_login_of_the_user_but_one", remove_user_ends_every_login_of_the_user_but_one),
];

/// Runs every rule of the registry contract against `registry`; panics at the first
/// one it breaks.
pub async fn registry_contract(registry: &dyn LoginRegistry) {
    run_all(RULES, registry).await
}

/// Expands one `#[test]` per rule of the registry contract into a module `$name`,
/// each running its rule through `$with`, an `async fn(Rule<dyn LoginRegistry>)` that
/// makes the store (see [`test_util::contract`](crate::test_util::contract)).
#[macro_export]
macro_rules! registry_contract_tests {
    ($(#[$attr:meta])* $name:ident, $with:path) => {
        $crate::__contract_tests!(registry_contract, [$(#[$attr])*] $name, $with, [
            an_inserted_login_is_live_until_its_expiry,
            touch_sets_last_seen,
            extend_never_shortens_and_keeps_remembered,
            list_user_gives_the_users_live_logins_oldest_first,
            rotate_moves_only_the_current_generation,
            nothing_brings_a_removed_login_back,
            remove_user_ends_every_login_of_the_user_but_one,
        ]);
    };
}

fn login(user_key: &str, created_at: u64, expires_at: u64) -> LiveLogin {
    LiveLogin {
        id: LoginId::random(),
        user_key: user_key.to_owned(),
        created_at,
        last_seen_at: created_at,
        expires_at,
        remembered: false,
        user_agent: "contract".to_owned(),
    }
}

/// A user key no other rule or run uses.
fn user(name: &str) -> String {
    format!("\"contract-{name}-{}\"", LoginId::random())
}

/// Inserts a login of `user_key` made `age` seconds ago, live for an hour from now.
async fn inserted(registry: &dyn LoginRegistry, user_key: &str, age: u64) -> LiveLogin {
    let now = now_secs();
    let login = login(user_key, now - age, now + 3_600);
    registry.insert(login.clone()).await.expect("insert");
    login
}

/// A login is live from its insert until `expires_at`; `lookup` and `lookup_now` agree.
pub fn an_inserted_login_is_live_until_its_expiry(registry: &dyn LoginRegistry) -> LocalBoxFuture<'_, ()> {
    Box::pin(async move {
        let (now, alice) = (now_secs(), user("alice"));
        let first = inserted(registry, &alice, 20).await;
        let times = registry.lookup(first.id, now).await.expect("lookup").expect("an inserted login is live");
        assert_eq!((times.last_seen_at, times.expires_at), (first.created_at, first.expires_at), "lookup: its times");
        assert!(registry.lookup(LoginId::random(), now).await.expect("lookup").is_none(), "an unknown id is not live");
        if let Some(answer) = registry.lookup_now(first.id, now) {
            assert_eq!(answer.expect("lookup_now"), Some(times), "lookup_now agrees with lookup");
        }
        let at_expiry = registry.lookup(first.id, first.expires_at).await.expect("lookup");
        assert!(at_expiry.is_none(), "a login is not live at its expiry");
        registry.remove_user(&alice, None).await.expect("clean up");
    })
}

/// `touch` sets `last_seen_at`.
pub fn touch_sets_last_seen(registry: &dyn LoginRegistry) -> LocalBoxFuture<'_, ()> {
    Box::pin(async move {
        let (now, alice) = (now_secs(), user("alice"));
        let first = inserted(registry, &alice, 20).await;
        registry.touch(first.id, now - 5).await.expect("touch");
        let times = registry.lookup(first.id, now).await.expect("lookup").expect("live");
        assert_eq!(times.last_seen_at, now - 5, "touch sets last_seen_at");
        registry.remove_user(&alice, None).await.expect("clean up");
    })
}

/// `extend` lengthens a login, never shortens it, and keeps `remembered` once set.
pub fn extend_never_shortens_and_keeps_remembered(registry: &dyn LoginRegistry) -> LocalBoxFuture<'_, ()> {
    Box::pin(async move {
        let (now, alice) = (now_secs(), user("alice"));
        let first = inserted(registry, &alice, 20).await;
        registry.extend(first.id, first.expires_at + 600, true).await.expect("extend");
        registry.extend(first.id, first.expires_at - 600, false).await.expect("extend");
        let times = registry.lookup(first.id, now).await.expect("lookup").expect("live");
        assert_eq!(times.expires_at, first.expires_at + 600, "extend never shortens a login");
        let listed = registry.list_user(&alice, now).await.expect("list");
        assert!(listed.iter().any(|l| l.id == first.id && l.remembered), "extend keeps `remembered` once set");
        registry.remove_user(&alice, None).await.expect("clean up");
    })
}

/// `list_user` gives the user's live logins only, oldest first, as inserted.
pub fn list_user_gives_the_users_live_logins_oldest_first(registry: &dyn LoginRegistry) -> LocalBoxFuture<'_, ()> {
    Box::pin(async move {
        let (now, alice, bob) = (now_secs(), user("alice"), user("bob"));
        let first = inserted(registry, &alice, 20).await;
        let second = inserted(registry, &alice, 10).await;
        let third = inserted(registry, &alice, 15).await;
        inserted(registry, &bob, 30).await;
        let listed = registry.list_user(&alice, now).await.expect("list");
        let ids: Vec<LoginId> = listed.iter().map(|l| l.id).collect();
        assert_eq!(ids, vec![first.id, third.id, second.id], "list_user: the user's logins, oldest first");
        let row = listed.iter().find(|l| l.id == second.id).expect("listed");
        assert_eq!(row.user_agent, "contract", "list_user keeps the user agent");
        assert_eq!(row.user_key, alice, "list_user keeps the user key");
        registry.remove_user(&alice, None).await.expect("clean up");
        registry.remove_user(&bob, None).await.expect("clean up");
    })
}

/// `rotate` is a compare-and-set of the remember generation that keeps the login's
/// times: from the current generation it moves, from any other it changes nothing, and
/// a login that is not live rotates not.
pub fn rotate_moves_only_the_current_generation(registry: &dyn LoginRegistry) -> LocalBoxFuture<'_, ()> {
    Box::pin(async move {
        let (now, alice) = (now_secs(), user("alice"));
        let second = inserted(registry, &alice, 10).await;
        let fresh = registry.lookup(second.id, now).await.expect("lookup").expect("live");
        assert_eq!((fresh.remember_gen, fresh.rotated_at), (0, 0), "a new login is at remember generation 0");
        let rotated = registry.rotate(second.id, 0, now - 3).await.expect("rotate").expect("rotating a live login");
        assert_eq!(
            (rotated.remember_gen, rotated.rotated_at),
            (1, now - 3),
            "rotate from the current generation moves it"
        );
        assert_eq!(rotated.expires_at, fresh.expires_at, "rotate keeps the login's expiry");
        let again = registry.rotate(second.id, 0, now).await.expect("rotate").expect("live");
        let message = "rotate from a generation already left changes nothing (one of two parallel rotations moves it)";
        assert_eq!((again.remember_gen, again.rotated_at), (1, now - 3), "{message}");
        let looked = registry.lookup(second.id, now).await.expect("lookup").expect("live");
        assert_eq!((looked.remember_gen, looked.rotated_at), (1, now - 3), "lookup returns the rotated generation");
        if let Some(answer) = registry.lookup_now(second.id, now) {
            assert_eq!(answer.expect("lookup_now"), Some(looked), "lookup_now returns the rotated generation");
        }
        registry.touch(second.id, now).await.expect("touch");
        registry.extend(second.id, second.expires_at, false).await.expect("extend");
        let kept = registry.lookup(second.id, now).await.expect("lookup").expect("live");
        assert_eq!(kept.remember_gen, 1, "touch and extend keep the remember generation");
        let unknown = registry.rotate(LoginId::random(), 0, now).await.expect("rotate");
        assert!(unknown.is_none(), "an unknown login rotates not");
        let expired = registry.rotate(second.id, 1, second.expires_at).await.expect("rotate");
        assert!(expired.is_none(), "an expired login rotates not");
        registry.remove_user(&alice, None).await.expect("clean up");
    })
}

/// `remove` answers `true` once, then `false`; nothing brings a removed login back.
pub fn nothing_brings_a_removed_login_back(registry: &dyn LoginRegistry) -> LocalBoxFuture<'_, ()> {
    Box::pin(async move {
        let (now, alice) = (now_secs(), user("alice"));
        let third = inserted(registry, &alice, 15).await;
        assert!(registry.remove(third.id).await.expect("remove"), "remove of a live login answers true");
        assert!(!registry.remove(third.id).await.expect("remove"), "a second remove answers false");
        registry.touch(third.id, now).await.expect("touch");
        registry.extend(third.id, third.expires_at + 9_999, true).await.expect("extend");
        assert!(registry.lookup(third.id, now).await.expect("lookup").is_none(), "touch and extend never revive");
        assert!(registry.rotate(third.id, 0, now).await.expect("rotate").is_none(), "rotate never revives");
        let listed = registry.list_user(&alice, now).await.expect("list");
        assert!(listed.iter().all(|l| l.id != third.id), "a removed login is not listed");
        registry.remove_user(&alice, None).await.expect("clean up");
    })
}

/// `remove_user` ends every login of the user but the one kept, counts them, and
/// touches no other user's.
pub fn remove_user_ends_every_login_of_the_user_but_one(registry: &dyn LoginRegistry) -> LocalBoxFuture<'_, ()> {
    Box::pin(async move {
        let (now, alice, bob) = (now_secs(), user("alice"), user("bob"));
        let first = inserted(registry, &alice, 20).await;
        let second = inserted(registry, &alice, 10).await;
        let bobs = inserted(registry, &bob, 30).await;
        let ended = registry.remove_user(&alice, Some(second.id)).await.expect("remove_user");
        assert_eq!(ended, 1, "remove_user counts the logins it ended");
        assert!(registry.lookup(first.id, now).await.expect("lookup").is_none(), "remove_user ends the user's logins");
        assert!(registry.lookup(second.id, now).await.expect("lookup").is_some(), "remove_user keeps `keep`");
        assert!(registry.lookup(bobs.id, now).await.expect("lookup").is_some(), "other users are untouched");
        assert_eq!(registry.remove_user(&alice, None).await.expect("remove_user"), 1);
        assert!(registry.list_user(&alice, now).await.expect("list").is_empty(), "nothing is left of the user");
        assert_eq!(registry.remove_user(&bob, None).await.expect("remove_user"), 1);
    })
}
