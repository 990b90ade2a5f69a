//! How often one login may be restored from its remember cookie into a new server-side
//! session.
//!
//! A browser restores a remembered login once and then uses the session it got. A
//! client that drops the session cookie (a script, a broken client) would otherwise
//! make every request a restore, and with a server-side session store (Redis) every
//! restore writes a new session: one free account could write millions of keys a day.
//! So a login is restored into a new session once per interval (the touch interval) in
//! a process, and a few times more (see `login-actix`'s rules) only for a request that
//! brings a session cookie of its own; a restore beyond that authenticates its request
//! from the remember token alone and writes nothing.
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

/// How often each login was restored lately. See the module docs.
#[derive(Debug, Default)]
pub struct RestoreLimiter {
    /// Per login: when its current interval began, and its restores in it.
    last: Mutex<HashMap<LoginId, (u64, u32)>>,
}

impl RestoreLimiter {
    /// The process-wide limiter of the app whose secret derives `scope`.
    pub fn for_scope(scope: [u8; 32]) -> std::sync::Arc<RestoreLimiter> {
        static SHARED: ScopeSlot<RestoreLimiter> = ScopeSlot::new();
        shared(&SHARED, scope)
    }

    /// Counts a restore of login `id` at `now` and returns how many restores of it this
    /// makes in its current interval of `interval` seconds (1: the first, which may
    /// write a new session).
    pub fn count(&self, id: LoginId, now: u64, interval: u64) -> u32 {
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((start, n)) = last.get_mut(&id) {
            if now.saturating_sub(*start) < interval && *start <= now {
                *n = n.saturating_add(1);
                return *n;
            }
        }
        if last.len() >= MAX_TRACKED && !last.contains_key(&id) {
            last.retain(|_, (start, _)| now.saturating_sub(*start) < interval);
            if last.len() >= MAX_TRACKED {
                let mut times: Vec<u64> = last.values().map(|(start, _)| *start).collect();
                times.sort_unstable();
                let cut = times[times.len() / 2];
                last.retain(|_, (start, _)| *start > cut);
            }
        }
        last.insert(id, (now, 1));
        1
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
    fn restores_of_a_login_are_counted_per_interval() {
        let limiter = RestoreLimiter::default();
        let id = LoginId::random();
        assert_eq!(limiter.count(id, 1_000, 60), 1);
        assert_eq!(limiter.count(id, 1_000, 60), 2);
        assert_eq!(limiter.count(id, 1_059, 60), 3, "one second before the interval ends");
        assert_eq!(limiter.count(id, 1_060, 60), 1, "at the end of the interval");
        assert_eq!(limiter.count(LoginId::random(), 1_060, 60), 1, "another login is not held back");
        // A clock moved backwards does not hold a login back for ever.
        assert_eq!(limiter.count(id, 10, 60), 1);
    }

    #[test]
    fn a_full_limiter_stays_bounded_and_never_refuses_a_new_login() {
        let limiter = RestoreLimiter::default();
        for i in 0..MAX_TRACKED as u64 {
            assert_eq!(limiter.count(LoginId::random(), 1_000 + i / 1000, 3_600), 1);
        }
        assert_eq!(limiter.len(), MAX_TRACKED);
        let late = LoginId::random();
        assert_eq!(limiter.count(late, 1_100, 3_600), 1);
        assert!(limiter.len() <= MAX_TRACKED, "{}", limiter.len());
        assert_eq!(limiter.count(late, 1_101, 3_600), 2, "the newest entry was kept");
        // Filled again after the interval passed for all: the old entries go at once.
        for i in 0..MAX_TRACKED as u64 {
            assert_eq!(limiter.count(LoginId::random(), 100_000 + i / 1000, 3_600), 1);
        }
        assert!(limiter.len() <= MAX_TRACKED, "{}", limiter.len());
        assert_eq!(limiter.count(late, 200_000, 3_600), 1, "an old entry holds nothing back");
    }
}
