//! Login throttling: counting credential attempts per (username, client IP) and per
//! client IP, so a script guessing passwords is stopped before it costs a password hash.
//!
//! Each key counts attempts in a fixed window that starts at its first attempt
//! (default 15 minutes). An attempt is counted *before* the password is checked, so
//! concurrent guesses cannot overtake the limit; the IP's count comes first, and a
//! client over its per-IP limit creates no further counters (so a flood of refused
//! attempts cannot fill the store or push counters out of it); a successful login forgets its
//! (username, IP) key and takes its attempt back from the IP's count. Over a limit
//! (default 5 per username and IP, 100 per IP), the attempt is refused with the time
//! left in the window, without checking the password and without telling whether it
//! would have been right.

use std::{
    collections::{BTreeSet, HashMap},
    net::IpAddr,
    sync::{Arc, Mutex, MutexGuard},
};

use futures_util::future::{ready, BoxFuture};

use crate::{
    error::StoreError,
    process_scope::{shared, ScopeSlot},
};

/// The count of one key after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// Attempts in the current window, this one included.
    pub count: u32,
    /// When the window ends, seconds since the Unix epoch.
    pub window_end: u64,
}

/// Where attempt counters are kept. One instance serves every worker (and, for shared
/// stores, every instance of an app). Implementations fail closed: an error refuses
/// the attempt (`503`), it never lets an uncounted guess through.
pub trait ThrottleStore: Send + Sync + 'static {
    /// Counts one attempt under `key`; a key whose window ended starts a new window
    /// of `window` seconds at `now`.
    fn hit(&self, key: &str, now: u64, window: u64) -> BoxFuture<'_, Result<Hit, StoreError>>;

    /// Takes one attempt back from `key` (a successful login on a per-IP key).
    fn undo(&self, key: &str) -> BoxFuture<'_, Result<(), StoreError>>;

    /// Forgets `key` (a successful login on its (username, IP) key).
    fn forget(&self, key: &str) -> BoxFuture<'_, Result<(), StoreError>>;
}

/// The default cap on keys held by a [`MemoryThrottle`].
pub const DEFAULT_MAX_THROTTLE_KEYS: usize = 100_000;

/// Attempt counters in process memory: the default, one per process and app secret
/// (shared by every worker). Bounded: expired windows are dropped as new keys arrive,
/// and at the cap (default [`DEFAULT_MAX_THROTTLE_KEYS`]) the counter with the fewest
/// attempts is dropped (of those, the one closest to its end), with a warning. So a
/// flood of new names cannot push out the counter of an account under attack: that one
/// holds the most attempts, and goes last. Every operation is `O(log n)`.
#[derive(Debug)]
pub struct MemoryThrottle {
    inner: Mutex<Counters>,
    max_keys: usize,
}

#[derive(Debug, Default)]
struct Counters {
    keys: HashMap<String, Hit>,
    /// Expiry order: the windows that ended leave first.
    by_end: BTreeSet<(u64, String)>,
    /// Eviction order at the cap: fewest attempts first, then closest to the end.
    by_count: BTreeSet<(u32, u64, String)>,
}

impl Counters {
    fn drop_key(&mut self, key: &str) {
        if let Some(hit) = self.keys.remove(key) {
            self.by_end.remove(&(hit.window_end, key.to_owned()));
            self.by_count.remove(&(hit.count, hit.window_end, key.to_owned()));
        }
    }

    fn insert(&mut self, key: &str, hit: Hit) {
        self.keys.insert(key.to_owned(), hit);
        self.by_end.insert((hit.window_end, key.to_owned()));
        self.by_count.insert((hit.count, hit.window_end, key.to_owned()));
    }

    /// Sets the count of a held key to `count(old)`; the new hit, `None` when not held.
    fn recount(&mut self, key: &str, count: impl FnOnce(u32) -> u32) -> Option<Hit> {
        let hit = self.keys.get_mut(key)?;
        let old = *hit;
        hit.count = count(old.count);
        let new = *hit;
        self.by_count.remove(&(old.count, old.window_end, key.to_owned()));
        self.by_count.insert((new.count, new.window_end, key.to_owned()));
        Some(new)
    }
}

impl Default for MemoryThrottle {
    fn default() -> Self {
        Self::with_max_keys(DEFAULT_MAX_THROTTLE_KEYS)
    }
}

impl MemoryThrottle {
    /// An empty store of its own with the default cap.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty store holding at most `max_keys` counters (at least 1).
    pub fn with_max_keys(max_keys: usize) -> Self {
        MemoryThrottle { inner: Mutex::new(Counters::default()), max_keys: max_keys.max(1) }
    }

    /// The process-wide store of the app whose secret derives `scope`.
    pub fn for_scope(scope: [u8; 32]) -> Arc<MemoryThrottle> {
        static SHARED: ScopeSlot<MemoryThrottle> = ScopeSlot::new();
        shared(&SHARED, scope)
    }

    /// Number of counters held.
    pub fn len(&self) -> usize {
        self.lock().map(|c| c.keys.len()).unwrap_or(0)
    }

    /// Whether no counter is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> Result<MutexGuard<'_, Counters>, StoreError> {
        self.inner.lock().map_err(|_| StoreError::new("memory throttle lock poisoned"))
    }

    fn hit_now(&self, key: &str, now: u64, window: u64) -> Result<Hit, StoreError> {
        let mut c = self.lock()?;
        if c.keys.get(key).is_some_and(|hit| hit.window_end > now) {
            if let Some(hit) = c.recount(key, |n| n.saturating_add(1)) {
                return Ok(hit);
            }
        }
        c.drop_key(key);
        while let Some((end, old)) = c.by_end.first() {
            if *end > now {
                break;
            }
            let old = old.clone();
            c.drop_key(&old);
        }
        if c.keys.len() >= self.max_keys {
            tracing::warn!(
                max_keys = self.max_keys,
                "login throttle is full: dropping the counter with the fewest attempts"
            );
            if let Some((_, _, old)) = c.by_count.first() {
                let old = old.clone();
                c.drop_key(&old);
            }
        }
        let hit = Hit { count: 1, window_end: now.saturating_add(window) };
        c.insert(key, hit);
        Ok(hit)
    }

    fn undo_now(&self, key: &str) -> Result<(), StoreError> {
        self.lock()?.recount(key, |n| n.saturating_sub(1));
        Ok(())
    }
}

impl ThrottleStore for MemoryThrottle {
    fn hit(&self, key: &str, now: u64, window: u64) -> BoxFuture<'_, Result<Hit, StoreError>> {
        Box::pin(ready(self.hit_now(key, now, window)))
    }

    fn undo(&self, key: &str) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(ready(self.undo_now(key)))
    }

    fn forget(&self, key: &str) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(ready(self.lock().map(|mut c| c.drop_key(key))))
    }
}

/// The (username, IP) key and the IP key. The username is trimmed and lower-cased, so
/// `Alice`, ` alice ` and `ALICE` share one counter, then hashed (SHA-256, 128 bits kept):
/// every key has the same small size, whatever was typed.
///
/// ```
/// # mod login_actix { pub use login_core::*; pub mod config { pub use login_core::*; } pub mod registry { pub use login_core::*; } pub mod next { pub use login_core::*; } pub mod throttle { pub use login_core::*; } }
/// use login_actix::throttle::throttle_keys;
/// let ip = "203.0.113.9".parse().ok();
/// assert_eq!(throttle_keys(" Alice ", ip).0, throttle_keys("alice", ip).0);
/// ```
pub fn throttle_keys(username: &str, ip: Option<IpAddr>) -> (String, String) {
    let keys = attempt_keys(username, ip, None);
    (keys.user_ip, keys.ip)
}

/// Every counter key of one attempt (see [`attempt_keys`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptKeys {
    /// The (username, IP) key: `u:<ip>:<name hash>`.
    pub user_ip: String,
    /// The IP key: `ip:<ip>`.
    pub ip: String,
    /// The account's key, from every IP: `a:<name hash>`.
    pub account: String,
}

/// The keys of an attempt of `username` from `ip`, as [`throttle_keys`] makes them,
/// with the account's key; each prefixed with `<purpose>:` for counters of their own
/// purpose (a password-reset request counts apart from logins).
pub fn attempt_keys(username: &str, ip: Option<IpAddr>, purpose: Option<&str>) -> AttemptKeys {
    use sha2::Digest;
    let name: String = username.trim().chars().flat_map(char::to_lowercase).collect();
    let digest = sha2::Sha256::digest(name.as_bytes());
    let mut hex = String::with_capacity(32);
    for b in &digest[..16] {
        hex.push_str(&format!("{b:02x}"));
    }
    let ip = ip_key(ip);
    let prefix = purpose.map(|p| format!("{p}:")).unwrap_or_default();
    AttemptKeys {
        user_ip: format!("{prefix}u:{ip}:{hex}"),
        ip: format!("{prefix}ip:{ip}"),
        account: format!("{prefix}a:{hex}"),
    }
}

/// The client's key: an IPv4 address as it is, an IPv6 address by its /64 network
/// (one subscriber usually holds a whole /64), `unknown` when there is none.
fn ip_key(ip: Option<IpAddr>) -> String {
    match ip {
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        None => "unknown".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_executor::block_on;

    #[test]
    fn windows_count_and_end() {
        let t = MemoryThrottle::new();
        for n in 1..=3 {
            assert_eq!(block_on(t.hit("k", 100, 60)).expect("hit"), Hit { count: n, window_end: 160 });
        }
        block_on(t.undo("k")).expect("undo");
        assert_eq!(block_on(t.hit("k", 159, 60)).expect("hit").count, 3);
        // The window ended: a new one starts.
        assert_eq!(block_on(t.hit("k", 160, 60)).expect("hit"), Hit { count: 1, window_end: 220 });
        block_on(t.forget("k")).expect("forget");
        assert!(t.is_empty());
    }

    #[test]
    fn bounded() {
        let t = MemoryThrottle::with_max_keys(2);
        block_on(t.hit("a", 0, 10)).expect("hit");
        block_on(t.hit("b", 5, 100)).expect("hit");
        // At t=20 "a" has ended and leaves first.
        block_on(t.hit("c", 20, 100)).expect("hit");
        assert_eq!(t.len(), 2);
        // Full: the counter closest to its end goes.
        block_on(t.hit("d", 30, 100)).expect("hit");
        assert_eq!(t.len(), 2);
        assert_eq!(block_on(t.hit("b", 31, 100)).expect("hit").count, 1, "b was dropped");
    }

    /// A full store drops the counter with the fewest attempts, whatever its age: a
    /// flood of new names cannot push out the counter of an account under attack.
    #[test]
    fn a_full_store_keeps_the_counters_with_the_most_attempts() {
        let t = MemoryThrottle::with_max_keys(3);
        for _ in 0..20 {
            block_on(t.hit("a:bob", 0, 900)).expect("hit");
        }
        for n in 0..1_000 {
            block_on(t.hit(&format!("a:junk{n}"), 1 + n / 100, 900)).expect("hit");
        }
        assert_eq!(t.len(), 3);
        assert_eq!(block_on(t.hit("a:bob", 20, 900)).expect("hit").count, 21, "bob's counter was kept");
        // An undone attempt moves its counter down the order too.
        block_on(t.hit("a:carol", 21, 900)).expect("hit");
        block_on(t.hit("a:carol", 21, 900)).expect("hit");
        block_on(t.undo("a:carol")).expect("undo");
        block_on(t.undo("a:carol")).expect("undo");
        block_on(t.hit("a:dave", 22, 900)).expect("hit");
        assert_eq!(block_on(t.hit("a:bob", 23, 900)).expect("hit").count, 22);
        assert_eq!(
            block_on(t.hit("a:junk999", 23, 900)).expect("hit").count,
            2,
            "carol's emptied counter went, not this one"
        );
    }

    #[test]
    fn keys_normalise_names_and_group_ipv6_networks() {
        let a = "2001:db8:1:2:aaaa::1".parse().ok();
        let b = "2001:db8:1:2:bbbb::9".parse().ok();
        let c = "2001:db8:1:3::1".parse().ok();
        assert_eq!(throttle_keys("x", a), throttle_keys("x", b));
        assert_ne!(throttle_keys("x", a), throttle_keys("x", c));
        assert_eq!(throttle_keys("x", "::ffff:1.2.3.4".parse().ok()).1, "ip:1.2.3.4");
        assert_eq!(throttle_keys("ÉVE", None).0, throttle_keys("éve", None).0);
        assert_ne!(throttle_keys("eve", None).0, throttle_keys("eva", None).0);
        assert_eq!(throttle_keys(&"a".repeat(10_000), None).0.len(), "u:unknown:".len() + 32);
        let keys = attempt_keys(" Bob", None, Some("reset"));
        assert_eq!(keys.user_ip, format!("reset:{}", throttle_keys("bob", None).0));
        assert_eq!(keys.ip, "reset:ip:unknown");
        assert_eq!(keys.account, format!("reset:a:{}", &keys.user_ip["reset:u:unknown:".len()..]));
    }
}
