//! The contract every [`LoginRegistry`] passes, as one suite (in the manner of
//! actix-session's acceptance suite for session stores): the memory, SQLite and Redis
//! registries run it in this project's tests, and the author of another store (a
//! Postgres one) runs it against theirs:
//!
//! ```
//! # actix_web::rt::System::new().block_on(async {
//! use login_actix::{registry::MemoryRegistry, test_util::registry_contract};
//!
//! registry_contract(&MemoryRegistry::new()).await;
//! # });
//! ```
//!
//! It works on the wall clock (a store may hand expiry to its server, as Redis does),
//! with user keys of its own, so it can run against a store that holds other data.
//! Each rule is an assertion; a store that breaks one panics with the rule's text.

use login_core::{internal::now_secs, LiveLogin, LoginId, LoginRegistry};

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

/// Runs every rule of the registry contract against `registry`; panics at the first
/// one it breaks.
pub async fn registry_contract(registry: &dyn LoginRegistry) {
    let now = now_secs();
    let run = LoginId::random().to_string();
    let (alice, bob) = (format!("\"contract-alice-{run}\""), format!("\"contract-bob-{run}\""));
    let hour = now + 3_600;

    // Insert and look up.
    let first = login(&alice, now - 20, hour);
    registry.insert(first.clone()).await.expect("insert");
    let times = registry.lookup(first.id, now).await.expect("lookup").expect("an inserted login is live");
    assert_eq!((times.last_seen_at, times.expires_at), (now - 20, hour), "lookup returns the login's times");
    assert!(registry.lookup(LoginId::random(), now).await.expect("lookup").is_none(), "an unknown id is not live");
    if let Some(answer) = registry.lookup_now(first.id, now) {
        assert_eq!(answer.expect("lookup_now"), Some(times), "lookup_now agrees with lookup");
    }
    // Not live once `expires_at` is not after `now`.
    assert!(registry.lookup(first.id, hour).await.expect("lookup").is_none(), "a login is not live at its expiry");

    // Touch writes last-seen.
    registry.touch(first.id, now - 5).await.expect("touch");
    let times = registry.lookup(first.id, now).await.expect("lookup").expect("live");
    assert_eq!(times.last_seen_at, now - 5, "touch sets last_seen_at");

    // Extend lengthens, never shortens, and keeps `remembered` once set.
    registry.extend(first.id, hour + 600, true).await.expect("extend");
    registry.extend(first.id, hour - 600, false).await.expect("extend");
    let times = registry.lookup(first.id, now).await.expect("lookup").expect("live");
    assert_eq!(times.expires_at, hour + 600, "extend never shortens a login");
    let listed = registry.list_user(&alice, now).await.expect("list");
    assert!(listed.iter().any(|l| l.id == first.id && l.remembered), "extend keeps `remembered` once set");

    // Listing: the user's live logins only, oldest first.
    let second = login(&alice, now - 10, hour);
    let third = login(&alice, now - 15, hour);
    let bobs = login(&bob, now - 30, hour);
    for l in [&second, &third, &bobs] {
        registry.insert(l.clone()).await.expect("insert");
    }
    let listed: Vec<LoginId> = registry.list_user(&alice, now).await.expect("list").iter().map(|l| l.id).collect();
    assert_eq!(listed, vec![first.id, third.id, second.id], "list_user: the user's logins, oldest first");
    let listed = registry.list_user(&alice, now).await.expect("list");
    let row = listed.iter().find(|l| l.id == second.id).expect("listed");
    assert_eq!(row.user_agent, "contract", "list_user keeps the user agent");
    assert_eq!(row.user_key, alice, "list_user keeps the user key");

    // Rotation: a compare-and-set of the remember generation, times kept.
    let fresh = registry.lookup(second.id, now).await.expect("lookup").expect("live");
    assert_eq!((fresh.remember_gen, fresh.rotated_at), (0, 0), "a new login is at remember generation 0");
    let rotated = registry.rotate(second.id, 0, now - 3).await.expect("rotate").expect("rotating a live login");
    assert_eq!((rotated.remember_gen, rotated.rotated_at), (1, now - 3), "rotate from the current generation moves it");
    assert_eq!(rotated.expires_at, fresh.expires_at, "rotate keeps the login's expiry");
    let again = registry.rotate(second.id, 0, now).await.expect("rotate").expect("live");
    assert_eq!(
        (again.remember_gen, again.rotated_at),
        (1, now - 3),
        "rotate from a generation already left changes nothing (one of two parallel rotations moves it)"
    );
    let looked = registry.lookup(second.id, now).await.expect("lookup").expect("live");
    assert_eq!((looked.remember_gen, looked.rotated_at), (1, now - 3), "lookup returns the rotated generation");
    if let Some(answer) = registry.lookup_now(second.id, now) {
        assert_eq!(answer.expect("lookup_now"), Some(looked), "lookup_now returns the rotated generation");
    }
    registry.touch(second.id, now).await.expect("touch");
    registry.extend(second.id, hour, false).await.expect("extend");
    let kept = registry.lookup(second.id, now).await.expect("lookup").expect("live");
    assert_eq!(kept.remember_gen, 1, "touch and extend keep the remember generation");
    assert!(
        registry.rotate(LoginId::random(), 0, now).await.expect("rotate").is_none(),
        "an unknown login rotates not"
    );
    assert!(registry.rotate(second.id, 1, hour).await.expect("rotate").is_none(), "an expired login rotates not");

    // Remove: true once, then false; nothing brings a removed login back.
    assert!(registry.remove(third.id).await.expect("remove"), "remove of a live login answers true");
    assert!(!registry.remove(third.id).await.expect("remove"), "a second remove answers false");
    registry.touch(third.id, now).await.expect("touch");
    registry.extend(third.id, hour + 9_999, true).await.expect("extend");
    assert!(registry.lookup(third.id, now).await.expect("lookup").is_none(), "touch and extend never revive");
    assert!(registry.rotate(third.id, 0, now).await.expect("rotate").is_none(), "rotate never revives");
    assert!(
        registry.list_user(&alice, now).await.expect("list").iter().all(|l| l.id != third.id),
        "a removed login is not listed"
    );

    // Remove every login of a user, but one.
    let ended = registry.remove_user(&alice, Some(second.id)).await.expect("remove_user");
    assert_eq!(ended, 1, "remove_user counts the logins it ended");
    assert!(registry.lookup(first.id, now).await.expect("lookup").is_none(), "remove_user ends the user's logins");
    assert!(registry.lookup(second.id, now).await.expect("lookup").is_some(), "remove_user keeps `keep`");
    assert!(registry.lookup(bobs.id, now).await.expect("lookup").is_some(), "other users are untouched");
    assert_eq!(registry.remove_user(&alice, None).await.expect("remove_user"), 1);
    assert!(registry.list_user(&alice, now).await.expect("list").is_empty(), "nothing is left of the user");
    assert_eq!(registry.remove_user(&bob, None).await.expect("remove_user"), 1);
}
