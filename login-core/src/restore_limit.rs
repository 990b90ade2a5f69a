//! How often one login may be restored from its remember cookie into a new server-side
//! session.
//!
//! A browser restores a remembered login once and then uses the session it got. A
//! client that drops the session cookie (a script, a broken client) would otherwise
//! make every request a restore, and with a server-side session store (Redis) every
//! restore writes a new session: one free account could write millions of keys a day.
//! So a login is restored into a new session at most once per interval (the touch
//! interval) in a process; a restore within it authenticates that request from the
//! remember token alone and writes nothing.
//!
//! One limiter serves every worker of a process (per app secret, like the default
//! registry). It is bounded: at most [`MAX_TRACKED`] logins; past that, entries older
//! than the interval are dropped, and if all are recent the oldest half goes (those
//! logins may write one more session each: a bounded cost, never a refusal).

use std::{
    collections::HashMap,
    sync::{Mutex, PoisonError},
};

use crate::{
    login_id::LoginId,
    process_scope::{shared, ScopeSlot},
};

/// The most logins a limiter remembers.
pub const MAX_TRACKED: usize = 65_536;

/// When each login was last restored into a new session. See the module docs.
#[derive(Debug, Default)]
pub struct RestoreLimiter {
    last: Mutex<HashMap<LoginId, u64>>,
}

impl RestoreLimiter {
    /// The process-wide limiter of the app whose secret derives `scope`.
    pub fn for_scope(scope: [u8; 32]) -> std::sync::Arc<RestoreLimiter> {
        static SHARED: ScopeSlot<RestoreLimiter> = ScopeSlot::new();
        shared(&SHARED, scope)
    }

    /// Whether login `id` may be restored into a new session at `now`; when it may,
    /// the restore is recorded. `interval` is in seconds.
    pub fn allow(&self, id: LoginId, now: u64, interval: u64) -> bool {
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(at) = last.get(&id) {
            if now.saturating_sub(*at) < interval && *at <= now {
                return false;
            }
        }
        if last.len() >= MAX_TRACKED && !last.contains_key(&id) {
            last.retain(|_, at| now.saturating_sub(*at) < interval);
            if last.len() >= MAX_TRACKED {
                let mut times: Vec<u64> = last.values().copied().collect();
                times.sort_unstable();
                let cut = times[times.len() / 2];
                last.retain(|_, at| *at > cut);
            }
        }
        last.insert(id, now);
        true
    }

    /// Forgets login `id` (it ended).
    pub fn forget(&self, id: LoginId) {
        self.last.lock().unwrap_or_else(PoisonError::into_inner).remove(&id);
    }

    /// How many logins are tracked.
    pub fn len(&self) -> usize {
        self.last.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_is_restored_into_a_new_session_once_per_interval() {
        let limiter = RestoreLimiter::default();
        let id = LoginId::random();
        assert!(limiter.allow(id, 1_000, 60));
        assert!(!limiter.allow(id, 1_000, 60));
        assert!(!limiter.allow(id, 1_059, 60), "one second before the interval ends");
        assert!(limiter.allow(id, 1_060, 60), "at the end of the interval");
        assert!(limiter.allow(LoginId::random(), 1_060, 60), "another login is not held back");
        // A clock moved backwards does not hold a login back for ever.
        assert!(limiter.allow(id, 10, 60));
    }

    #[test]
    fn a_full_limiter_stays_bounded_and_never_refuses_a_new_login() {
        let limiter = RestoreLimiter::default();
        for i in 0..MAX_TRACKED as u64 {
            assert!(limiter.allow(LoginId::random(), 1_000 + i / 1000, 3_600));
        }
        assert_eq!(limiter.len(), MAX_TRACKED);
        let late = LoginId::random();
        assert!(limiter.allow(late, 1_100, 3_600));
        assert!(limiter.len() <= MAX_TRACKED, "{}", limiter.len());
        assert!(!limiter.allow(late, 1_101, 3_600), "the newest entry was kept");
        // Filled again after the interval passed for all: the old entries go at once.
        for i in 0..MAX_TRACKED as u64 {
            assert!(limiter.allow(LoginId::random(), 100_000 + i / 1000, 3_600));
        }
        assert!(limiter.len() <= MAX_TRACKED, "{}", limiter.len());
        assert!(limiter.allow(late, 200_000, 3_600), "an old entry holds nothing back");
    }
}
