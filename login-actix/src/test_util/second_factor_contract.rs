//! The contract every [`SecondFactorStore`] keeps (feature `two-factor`), one rule per
//! function: the memory, SQLite and Redis registries run it, and the author of another
//! store runs it against theirs, as one test per rule with
//! [`second_factor_contract_tests!`](crate::second_factor_contract_tests) or all at
//! once:
//!
//! ```
//! # actix_web::rt::System::new().block_on(async {
//! use login_actix::{registry::MemoryRegistry, test_util::second_factor_contract};
//!
//! second_factor_contract(&MemoryRegistry::new()).await;
//! # });
//! ```

use futures_util::future::LocalBoxFuture;
use login_core::{
    internal::now_secs,
    pending::{AtCap, PendingLogin},
    LoginId, SecondFactorStore, MAX_PENDING_KNOWN, MAX_PENDING_PER_USER,
};

use crate::test_util::contract::{run_all, Rule};

/// Every rule, in the order [`second_factor_contract`] runs them.
pub const RULES: &[(&str, Rule<dyn SecondFactorStore>)] = &[
    ("a_totp_step_is_accepted_once_and_never_an_older_one", a_totp_step_is_accepted_once_and_never_an_older_one),
    ("device_epochs_are_per_user_and_move_when_forgotten", device_epochs_are_per_user_and_move_when_forgotten),
    (
        "at_the_cap_a_new_pending_login_is_refused_and_nothing_ends",
        at_the_cap_a_new_pending_login_is_refused_and_nothing_ends,
    ),
    ("known_browsers_go_past_the_cap_ending_the_oldest", known_browsers_go_past_the_cap_ending_the_oldest),
    ("expired_pending_logins_make_room", expired_pending_logins_make_room),
    ("a_pending_login_is_kept_whole_until_its_expiry", a_pending_login_is_kept_whole_until_its_expiry),
    ("wrong_codes_count_until_the_pending_login_ends", wrong_codes_count_until_the_pending_login_ends),
    ("a_pending_login_is_removed_once", a_pending_login_is_removed_once),
    ("remove_pending_of_ends_the_users_pending_logins_only", remove_pending_of_ends_the_users_pending_logins_only),
];

/// Runs every rule of the second-factor contract against `store`; panics at the first
/// one it breaks.
pub async fn second_factor_contract(store: &dyn SecondFactorStore) {
    run_all(RULES, store).await
}

/// Expands one `#[test]` per rule of the second-factor contract into a module
/// `$name`, each running its rule through `$with`, an
/// `async fn(Rule<dyn SecondFactorStore>)` that makes the store (see
/// [`test_util::contract`](crate::test_util::contract)).
#[macro_export]
macro_rules! second_factor_contract_tests {
    ($(#[$attr:meta])* $name:ident, $with:path) => {
        $crate::__contract_tests!(second_factor_contract, [$(#[$attr])*] $name, $with, [
            a_totp_step_is_accepted_once_and_never_an_older_one,
            device_epochs_are_per_user_and_move_when_forgotten,
            at_the_cap_a_new_pending_login_is_refused_and_nothing_ends,
            known_browsers_go_past_the_cap_ending_the_oldest,
            expired_pending_logins_make_room,
            a_pending_login_is_kept_whole_until_its_expiry,
            wrong_codes_count_until_the_pending_login_ends,
            a_pending_login_is_removed_once,
            remove_pending_of_ends_the_users_pending_logins_only,
        ]);
    };
}

/// A user key no other rule or run uses.
fn user(name: &str) -> String {
    format!("\"2fa-{name}-{}\"", LoginId::random())
}

fn pending(user_key: &str, now: u64) -> PendingLogin {
    PendingLogin {
        id: LoginId::random(),
        user_key: user_key.to_owned(),
        username: "contract".to_owned(),
        created_at: now,
        expires_at: now + 300,
        remember_secs: Some(86_400),
        next: Some("/next".to_owned()),
        failures: 0,
        auth_tag: Some(7),
    }
}

/// The user's pending logins at the cap, oldest first (each a second apart).
async fn at_cap(store: &dyn SecondFactorStore, user_key: &str, now: u64) -> Vec<PendingLogin> {
    let mut many = Vec::new();
    for i in 0..MAX_PENDING_PER_USER as u64 {
        let mut p = pending(user_key, now);
        p.expires_at += i;
        p.created_at += i;
        assert!(store.insert_pending(p.clone(), AtCap::Refuse).await.expect("insert"), "below the cap");
        many.push(p);
    }
    many
}

/// A TOTP step is accepted once, and never one older than the last accepted; per user.
pub fn a_totp_step_is_accepted_once_and_never_an_older_one(store: &dyn SecondFactorStore) -> LocalBoxFuture<'_, ()> {
    Box::pin(async move {
        let (alice, bob) = (user("alice"), user("bob"));
        assert!(store.use_totp_step(&alice, 100).await.expect("step"), "a first step is accepted");
        assert!(!store.use_totp_step(&alice, 100).await.expect("step"), "the same step is refused");
        assert!(!store.use_totp_step(&alice, 99).await.expect("step"), "an older step is refused");
        assert!(store.use_totp_step(&alice, 101).await.expect("step"), "a later step is accepted");
        assert!(store.use_totp_step(&bob, 100).await.expect("step"), "steps are per user");
    })
}

/// A user's device epoch stays until "forget every browser" moves it; per user.
pub fn device_epochs_are_per_user_and_move_when_forgotten(store: &dyn SecondFactorStore) -> LocalBoxFuture<'_, ()> {
    Box::pin(async move {
        let (alice, bob) = (user("alice"), user("bob"));
        let (a0, b0) =
            (store.device_epoch(&alice).await.expect("epoch"), store.device_epoch(&bob).await.expect("epoch"));
        assert_eq!(store.device_epoch(&alice).await.expect("epoch"), a0, "an epoch stays until forgotten");
        let a1 = store.forget_devices(&alice).await.expect("forget");
        assert_ne!(a1, a0, "forget_devices moves the epoch");
        assert_eq!(store.device_epoch(&alice).await.expect("epoch"), a1, "device_epoch answers the new one");
        assert_ne!(store.forget_devices(&alice).await.expect("forget"), a1, "and again");
        assert_eq!(store.device_epoch(&bob).await.expect("epoch"), b0, "epochs are per user");
    })
}

/// A user holds at most `MAX_PENDING_PER_USER` live pending logins from unknown
/// browsers: past that, a new one is refused and nothing changes.
pub fn at_the_cap_a_new_pending_login_is_refused_and_nothing_ends(
    store: &dyn SecondFactorStore,
) -> LocalBoxFuture<'_, ()> {
    Box::pin(async move {
        let (now, carol) = (now_secs(), user("carol"));
        let many = at_cap(store, &carol, now).await;
        let refused = pending(&carol, now + 20);
        assert!(!store.insert_pending(refused.clone(), AtCap::Refuse).await.expect("insert"), "refused at the cap");
        assert!(store.pending(refused.id, now).await.expect("pending").is_none(), "the refused one is not stored");
        assert!(store.pending(many[0].id, now).await.expect("pending").is_some(), "a refusal ends nothing");
        store.remove_pending_of(&carol).await.expect("clean up");
    })
}

/// The account's own browsers go on past the cap, to `MAX_PENDING_KNOWN` in all; past
/// that the oldest ends, and only the oldest.
pub fn known_browsers_go_past_the_cap_ending_the_oldest(store: &dyn SecondFactorStore) -> LocalBoxFuture<'_, ()> {
    Box::pin(async move {
        let (now, carol) = (now_secs(), user("carol"));
        let mut many = at_cap(store, &carol, now).await;
        for i in MAX_PENDING_PER_USER as u64..MAX_PENDING_KNOWN as u64 + 1 {
            let mut p = pending(&carol, now + 20);
            p.expires_at += i;
            assert!(store.insert_pending(p.clone(), AtCap::Extend).await.expect("insert"), "stored");
            many.push(p);
        }
        assert!(store.pending(many[0].id, now).await.expect("pending").is_none(), "the oldest went");
        assert!(store.pending(many[1].id, now).await.expect("pending").is_some(), "only the oldest");
        assert!(store.pending(many[many.len() - 1].id, now).await.expect("pending").is_some(), "the newest stays");
        store.remove_pending_of(&carol).await.expect("clean up");
    })
}

/// Pending logins that expired count for nothing toward the cap.
pub fn expired_pending_logins_make_room(store: &dyn SecondFactorStore) -> LocalBoxFuture<'_, ()> {
    Box::pin(async move {
        let (now, carol) = (now_secs(), user("carol"));
        for _ in 0..MAX_PENDING_PER_USER {
            let mut short = pending(&carol, now);
            short.expires_at = now + 1;
            assert!(store.insert_pending(short, AtCap::Refuse).await.expect("insert"));
        }
        let mut later = pending(&carol, now + 5);
        later.expires_at = now + 400;
        assert!(store.insert_pending(later, AtCap::Refuse).await.expect("insert"), "expired ones count for nothing");
        store.remove_pending_of(&carol).await.expect("clean up");
    })
}

/// A pending login is kept whole until its expiry; an unknown id is not pending.
pub fn a_pending_login_is_kept_whole_until_its_expiry(store: &dyn SecondFactorStore) -> LocalBoxFuture<'_, ()> {
    Box::pin(async move {
        let (now, alice) = (now_secs(), user("alice"));
        let first = pending(&alice, now);
        store.insert_pending(first.clone(), AtCap::Refuse).await.expect("insert");
        assert_eq!(store.pending(first.id, now).await.expect("pending"), Some(first.clone()), "kept whole");
        assert_eq!(store.pending(first.id, now + 300).await.expect("pending"), None, "not pending at its expiry");
        assert_eq!(store.pending(LoginId::random(), now).await.expect("pending"), None, "unknown ids are not pending");
        store.remove_pending_of(&alice).await.expect("clean up");
    })
}

/// Each wrong code counts against the pending login; at `max` failures it ends, and an
/// ended one counts nothing.
pub fn wrong_codes_count_until_the_pending_login_ends(store: &dyn SecondFactorStore) -> LocalBoxFuture<'_, ()> {
    Box::pin(async move {
        let (now, alice) = (now_secs(), user("alice"));
        let first = pending(&alice, now);
        store.insert_pending(first.clone(), AtCap::Refuse).await.expect("insert");
        assert_eq!(store.fail_pending(first.id, 3, now).await.expect("fail"), Some(1));
        assert_eq!(store.pending(first.id, now).await.expect("pending").map(|p| p.failures), Some(1), "failures kept");
        assert_eq!(store.fail_pending(first.id, 3, now).await.expect("fail"), Some(2));
        assert_eq!(store.fail_pending(first.id, 3, now).await.expect("fail"), Some(3), "the last failure counts");
        assert_eq!(store.pending(first.id, now).await.expect("pending"), None, "at `max` failures it ends");
        assert_eq!(store.fail_pending(first.id, 3, now).await.expect("fail"), None, "an ended one counts nothing");
        store.remove_pending_of(&alice).await.expect("clean up");
    })
}

/// `remove_pending` answers `true` once (of two completions at once, one wins).
pub fn a_pending_login_is_removed_once(store: &dyn SecondFactorStore) -> LocalBoxFuture<'_, ()> {
    Box::pin(async move {
        let (now, alice) = (now_secs(), user("alice"));
        let second = pending(&alice, now);
        store.insert_pending(second.clone(), AtCap::Refuse).await.expect("insert");
        assert!(store.remove_pending(second.id).await.expect("remove"), "remove of a pending login answers true");
        assert!(!store.remove_pending(second.id).await.expect("remove"), "a second remove answers false");
    })
}

/// `remove_pending_of` ends every pending login of the user, counts them, and leaves
/// other users' alone.
pub fn remove_pending_of_ends_the_users_pending_logins_only(store: &dyn SecondFactorStore) -> LocalBoxFuture<'_, ()> {
    Box::pin(async move {
        let (now, alice, bob) = (now_secs(), user("alice"), user("bob"));
        let (a, b, c) = (pending(&alice, now), pending(&alice, now), pending(&bob, now));
        for p in [&a, &b, &c] {
            store.insert_pending(p.clone(), AtCap::Refuse).await.expect("insert");
        }
        assert_eq!(store.remove_pending_of(&alice).await.expect("remove all"), 2, "every pending login of the user");
        assert_eq!(store.pending(a.id, now).await.expect("pending"), None);
        assert!(store.pending(c.id, now).await.expect("pending").is_some(), "other users' are untouched");
        assert!(store.remove_pending(c.id).await.expect("remove"));
    })
}
