//! The contract of a [`SecondFactorStore`] (feature `two-factor`),
//! as one suite: the memory, SQLite and Redis registries run it, and the author of
//! another store runs it against theirs:
//!
//! ```
//! # actix_web::rt::System::new().block_on(async {
//! use login_actix::{registry::MemoryRegistry, test_util::second_factor_contract};
//!
//! second_factor_contract(&MemoryRegistry::new()).await;
//! # });
//! ```

use login_core::{
    internal::now_secs,
    pending::{AtCap, PendingLogin},
    LoginId, SecondFactorStore,
};

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

/// Runs every rule of the second-factor contract against `registry`; panics at the
/// first one it breaks.
pub async fn second_factor_contract(registry: &dyn SecondFactorStore) {
    let now = now_secs();
    let run = LoginId::random().to_string();
    let (alice, bob) = (format!("\"2fa-alice-{run}\""), format!("\"2fa-bob-{run}\""));

    // A TOTP step is accepted once, and never an older one.
    assert!(registry.use_totp_step(&alice, 100).await.expect("step"), "a first step is accepted");
    assert!(!registry.use_totp_step(&alice, 100).await.expect("step"), "the same step is refused");
    assert!(!registry.use_totp_step(&alice, 99).await.expect("step"), "an older step is refused");
    assert!(registry.use_totp_step(&alice, 101).await.expect("step"), "a later step is accepted");
    assert!(registry.use_totp_step(&bob, 100).await.expect("step"), "steps are per user");

    // Device epochs are per user and move at each "forget every browser".
    let (a0, b0) =
        (registry.device_epoch(&alice).await.expect("epoch"), registry.device_epoch(&bob).await.expect("epoch"));
    assert_eq!(registry.device_epoch(&alice).await.expect("epoch"), a0, "an epoch stays until forgotten");
    let a1 = registry.forget_devices(&alice).await.expect("forget");
    assert_ne!(a1, a0, "forget_devices moves the epoch");
    assert_eq!(registry.device_epoch(&alice).await.expect("epoch"), a1, "device_epoch answers the new one");
    assert_ne!(registry.forget_devices(&alice).await.expect("forget"), a1, "and again");
    assert_eq!(registry.device_epoch(&bob).await.expect("epoch"), b0, "epochs are per user");

    // A user holds at most MAX_PENDING_PER_USER live pending logins from unknown
    // browsers: past that, a new one is refused and nothing changes.
    let carol = format!("\"2fa-carol-{run}\"");
    let mut many = Vec::new();
    for i in 0..login_core::MAX_PENDING_PER_USER {
        let mut p = pending(&carol, now);
        p.expires_at += i as u64;
        p.created_at += i as u64;
        assert!(registry.insert_pending(p.clone(), AtCap::Refuse).await.expect("insert"), "below the cap");
        many.push(p);
    }
    let refused = pending(&carol, now + 20);
    assert!(!registry.insert_pending(refused.clone(), AtCap::Refuse).await.expect("insert"), "refused at the cap");
    assert!(registry.pending(refused.id, now).await.expect("pending").is_none(), "the refused one is not stored");
    assert!(registry.pending(many[0].id, now).await.expect("pending").is_some(), "a refusal ends nothing");
    // The account's own browsers go on past the cap, to MAX_PENDING_KNOWN in all; past
    // that the oldest ends.
    for i in login_core::MAX_PENDING_PER_USER..login_core::MAX_PENDING_KNOWN + 1 {
        let mut p = pending(&carol, now + 20);
        p.expires_at += i as u64;
        assert!(registry.insert_pending(p.clone(), AtCap::Extend).await.expect("insert"), "stored");
        many.push(p);
    }
    assert!(registry.pending(many[0].id, now).await.expect("pending").is_none(), "the oldest went");
    assert!(registry.pending(many[1].id, now).await.expect("pending").is_some(), "only the oldest");
    assert!(registry.pending(many[many.len() - 1].id, now).await.expect("pending").is_some(), "the newest stays");
    registry.remove_pending_of(&carol).await.expect("clean up");
    // Pending logins that ended make room again.
    for _ in 0..login_core::MAX_PENDING_PER_USER {
        let mut short = pending(&carol, now);
        short.expires_at = now + 1;
        assert!(registry.insert_pending(short, AtCap::Refuse).await.expect("insert"));
    }
    let mut later = pending(&carol, now + 5);
    later.expires_at = now + 400;
    assert!(registry.insert_pending(later, AtCap::Refuse).await.expect("insert"), "expired ones count for nothing");
    registry.remove_pending_of(&carol).await.expect("clean up");

    // Pending logins: kept whole, counted, ended.
    let first = pending(&alice, now);
    registry.insert_pending(first.clone(), AtCap::Refuse).await.expect("insert");
    assert_eq!(registry.pending(first.id, now).await.expect("pending"), Some(first.clone()), "kept whole");
    assert_eq!(registry.pending(first.id, now + 300).await.expect("pending"), None, "not pending at its expiry");
    assert_eq!(registry.pending(LoginId::random(), now).await.expect("pending"), None, "unknown ids are not pending");
    assert_eq!(registry.fail_pending(first.id, 3, now).await.expect("fail"), Some(1));
    assert_eq!(registry.pending(first.id, now).await.expect("pending").map(|p| p.failures), Some(1), "failures kept");
    assert_eq!(registry.fail_pending(first.id, 3, now).await.expect("fail"), Some(2));
    assert_eq!(registry.fail_pending(first.id, 3, now).await.expect("fail"), Some(3), "the last failure counts");
    assert_eq!(registry.pending(first.id, now).await.expect("pending"), None, "at `max` failures it ends");
    assert_eq!(registry.fail_pending(first.id, 3, now).await.expect("fail"), None, "an ended one counts nothing");

    let second = pending(&alice, now);
    registry.insert_pending(second.clone(), AtCap::Refuse).await.expect("insert");
    assert!(registry.remove_pending(second.id).await.expect("remove"), "remove of a pending login answers true");
    assert!(!registry.remove_pending(second.id).await.expect("remove"), "a second remove answers false");

    let (a, b, c) = (pending(&alice, now), pending(&alice, now), pending(&bob, now));
    for p in [&a, &b, &c] {
        registry.insert_pending(p.clone(), AtCap::Refuse).await.expect("insert");
    }
    assert_eq!(registry.remove_pending_of(&alice).await.expect("remove all"), 2, "every pending login of the user");
    assert_eq!(registry.pending(a.id, now).await.expect("pending"), None);
    assert!(registry.pending(c.id, now).await.expect("pending").is_some(), "other users' are untouched");
    assert!(registry.remove_pending(c.id).await.expect("remove"));
}
