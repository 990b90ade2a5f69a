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
/// and at the cap (default [`DEFAULT_MAX_THROTTLE_KEYS`]) one counter is dropped, with
/// a warning, chosen so that neither a flood of new names nor a store full of old
/// counters can reset the counters that matter:
///
/// - A counter is *new* for its first [`NEW_COUNTER_SECS`] seconds, *settled* after.
/// - While new counters fill more than half the store, the oldest new one goes (a
///   flood of new names pushes out only its own kind, and only at half the store's
///   size per minute).
/// - Otherwise the settled counter with the fewest attempts goes, so the counter of an
///   account under attack, which holds many, goes last, and a store full of settled
///   counters still leaves a new one room to count.
///
/// Every operation is `O(log n)`.
#[derive(Debug)]
pub struct MemoryThrottle {
    inner: Mutex<Counters>,
    max_keys: usize,
}

/// How long a counter of a [`MemoryThrottle`] is new, in seconds (see its eviction).
pub const NEW_COUNTER_SECS: u64 = 60;

#[derive(Debug, Clone, Copy)]
struct Held {
    hit: Hit,
    created: u64,
    settled: bool,
}

#[derive(Debug, Default)]
struct Counters {
    keys: HashMap<String, Held>,
    /// Expiry order: the windows that ended leave first.
    by_end: BTreeSet<(u64, String)>,
    /// New counters, oldest first.
    new: BTreeSet<(u64, String)>,
    /// Settled counters, fewest attempts first (then closest to the end).
    settled: BTreeSet<(u32, u64, String)>,
}

impl Counters {
    fn drop_key(&mut self, key: &str) {
        if let Some(held) = self.keys.remove(key) {
            self.by_end.remove(&(held.hit.window_end, key.to_owned()));
            if held.settled {
                self.settled.remove(&(held.hit.count, held.hit.window_end, key.to_owned()));
            } else {
                self.new.remove(&(held.created, key.to_owned()));
            }
        }
    }

    fn insert(&mut self, key: &str, hit: Hit, now: u64) {
        self.keys.insert(key.to_owned(), Held { hit, created: now, settled: false });
        self.by_end.insert((hit.window_end, key.to_owned()));
        self.new.insert((now, key.to_owned()));
    }

    /// Sets the count of a held key to `count(old)`; the new hit, `None` when not held.
    fn recount(&mut self, key: &str, count: impl FnOnce(u32) -> u32) -> Option<Hit> {
        let held = self.keys.get_mut(key)?;
        let old = held.hit;
        held.hit.count = count(old.count);
        let (new, settled) = (held.hit, held.settled);
        if settled {
            self.settled.remove(&(old.count, old.window_end, key.to_owned()));
            self.settled.insert((new.count, new.window_end, key.to_owned()));
        }
        Some(new)
    }

    /// Drops the windows that ended and settles the counters no longer new.
    fn age(&mut self, now: u64) {
        while let Some((end, key)) = self.by_end.first() {
            if *end > now {
                break;
            }
            let key = key.clone();
            self.drop_key(&key);
        }
        while let Some((created, key)) = self.new.first() {
            if created.saturating_add(NEW_COUNTER_SECS) > now {
                break;
            }
            let key = key.clone();
            self.new.pop_first();
            if let Some(held) = self.keys.get_mut(&key) {
                held.settled = true;
                self.settled.insert((held.hit.count, held.hit.window_end, key));
            }
        }
    }

    /// Makes room for one counter in a store holding `max_keys` (see [`MemoryThrottle`]).
    fn evict_one(&mut self, max_keys: usize) {
        let victim = if self.new.len() > max_keys / 2 || self.settled.is_empty() {
            self.new.first().map(|(_, key)| key.clone())
        } else {
            self.settled.first().map(|(_, _, key)| key.clone())
        };
        if let Some(key) = victim {
            self.drop_key(&key);
        }
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
        if c.keys.get(key).is_some_and(|held| held.hit.window_end > now) {
            if let Some(hit) = c.recount(key, |n| n.saturating_add(1)) {
                return Ok(hit);
            }
        }
        c.drop_key(key);
        c.age(now);
        if c.keys.len() >= self.max_keys {
            tracing::warn!(max_keys = self.max_keys, "login throttle is full: dropping a counter");
            c.evict_one(self.max_keys);
        }
        let hit = Hit { count: 1, window_end: now.saturating_add(window) };
        c.insert(key, hit, now);
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

    fn hit(t: &MemoryThrottle, key: &str, now: u64) -> u32 {
        block_on(t.hit(key, now, 900)).expect("hit").count
    }

    /// A flood of new names cannot push out a settled counter with attempts: new
    /// counters beyond half the store push out the oldest new one.
    #[test]
    fn a_flood_of_new_names_keeps_the_settled_counters() {
        let t = MemoryThrottle::with_max_keys(4);
        for _ in 0..20 {
            hit(&t, "a:bob", 0);
        }
        for n in 0..1_000 {
            hit(&t, &format!("a:junk{n}"), 100 + n / 100);
        }
        assert_eq!(t.len(), 4);
        assert_eq!(hit(&t, "a:bob", 200), 21, "bob's counter was kept");
    }

    /// A store full of settled counters leaves new ones room to count: the settled
    /// counter with the fewest attempts goes, never the counters of the attempt itself.
    #[test]
    fn a_store_full_of_settled_counters_still_counts_new_ones() {
        let t = MemoryThrottle::with_max_keys(4);
        for key in ["f1", "f2", "f3", "f4"] {
            hit(&t, key, 0);
            hit(&t, key, 0);
        }
        hit(&t, "f4", 0);
        for n in 1..=50 {
            assert_eq!(hit(&t, "ip:y", 100), n);
            assert_eq!(hit(&t, "u:y:bob", 100), n);
            assert_eq!(hit(&t, "a:bob", 100), n);
        }
        assert_eq!(hit(&t, "f4", 100), 4, "the settled counter with the most attempts stayed");
    }

    /// An undone attempt moves a settled counter down the eviction order.
    #[test]
    fn an_undone_attempt_moves_its_counter_down() {
        let t = MemoryThrottle::with_max_keys(3);
        for key in ["a", "b", "c"] {
            hit(&t, key, 0);
            hit(&t, key, 0);
        }
        hit(&t, "a", 100);
        block_on(t.undo("c")).expect("undo");
        block_on(t.undo("c")).expect("undo");
        hit(&t, "d", 100);
        // Three places, and the new one holds one: c, emptied, went, not a or b.
        assert_eq!(hit(&t, "a", 101), 4, "kept");
        assert_eq!(hit(&t, "b", 101), 3, "kept");
        assert_eq!(hit(&t, "d", 101), 2, "kept");
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
