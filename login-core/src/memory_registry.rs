//! The in-memory login registry: the default, one per process.

use std::{
    collections::{BTreeSet, HashMap},
    sync::{Arc, Mutex, MutexGuard},
};

use futures_util::future::{ready, BoxFuture};

use crate::{
    error::StoreError,
    login_id::LoginId,
    pending::{AtCap, PendingLogin},
    process_scope::{shared, ScopeSlot},
    registry::{LiveLogin, LoginRegistry, LoginTimes},
    second_factor_store::SecondFactorStore,
};

/// The default cap on live logins held by a [`MemoryRegistry`].
pub const DEFAULT_MAX_LOGINS: usize = 1_000_000;

/// The default cap on live logins of one user, in every store: what
/// `LoginConfigBuilder::max_logins_per_user` starts at. The library enforces it after
/// each credential login (oldest login first, with an event).
pub const DEFAULT_MAX_LOGINS_PER_USER: usize = 100;

/// The highest per-user cap a configuration may set, and the memory store's own
/// backstop (above any configured cap, so that the library's cap, with its event, is
/// always the one that acts).
pub const MAX_LOGINS_PER_USER_BOUND: usize = 10_000;

/// Live logins in process memory.
///
/// - **Shared by every worker**: the registry a [`LoginConfig`](crate::LoginConfig) uses
///   by default is [`MemoryRegistry::for_secret`]: one per process and app secret, so a
///   configuration built inside `HttpServer::new`'s closure (once per worker) still
///   shares it.
/// - **Bounded**: entries leave with their login (logout, expiry, idle timeout).
///   Every operation is `O(log n)` in the number of logins, plus the logins of one
///   user for the per-user ones (the library keeps them at its per-user cap, default
///   [`DEFAULT_MAX_LOGINS_PER_USER`]; this store's own backstop is
///   [`MAX_LOGINS_PER_USER_BOUND`]); nothing scans the whole store. A user's login
///   beyond the backstop ends that user's oldest login. At the global cap (default [`DEFAULT_MAX_LOGINS`], roughly 300
///   bytes each) a new login first drops the expired ones, then ends the oldest login
///   of the user holding the most, with a warning in the log: an account that floods
///   the registry evicts itself, not everybody else.
/// - **Not durable**: after a restart it is empty and everybody is logged out (their
///   cookies are then anonymous, never a `500`). Use the SQLite registry for logins
///   that survive a restart, Redis for several instances.
///
/// ```
/// # mod login_actix { pub use login_core::*; pub mod config { pub use login_core::*; } pub mod registry { pub use login_core::*; } pub mod next { pub use login_core::*; } pub mod throttle { pub use login_core::*; } }
/// use login_actix::registry::{LiveLogin, LoginId, LoginRegistry, MemoryRegistry};
/// # futures_executor::block_on(async {
/// let registry = MemoryRegistry::new();
/// let id = LoginId::random();
/// let login = LiveLogin {
///     id, user_key: "42".into(), created_at: 100, last_seen_at: 100, expires_at: 200,
///     remembered: false, user_agent: "test".into(),
/// };
/// registry.insert(login).await?;
/// assert!(registry.lookup(id, 150).await?.is_some());
/// assert!(registry.lookup(id, 200).await?.is_none()); // expired
/// assert_eq!(registry.remove_user("42", None).await?, 1);
/// # Ok::<(), login_actix::registry::StoreError>(()) }).expect("in memory");
/// ```
#[derive(Debug)]
pub struct MemoryRegistry {
    inner: Mutex<Inner>,
    max_logins: usize,
    max_per_user: usize,
    /// Where every user's device epoch starts: random per registry, so that after a
    /// restart no device cookie of before is valid (a "forget every browser" is never
    /// undone by a restart; every browser is unknown again, as every login is gone).
    epoch_base: u64,
}

/// Hashes a [`LoginId`] by folding its two 8-byte words (the second is random). The
/// ids are ones this crate generated (80 random bits after a creation time; a request
/// can only name one through a signed cookie or token), so they need no keyed hash
/// against collisions: SipHash would cost ~100 instructions per logged-in request for
/// nothing.
#[derive(Debug, Default, Clone, Copy)]
struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = self.0.rotate_left(5) ^ u64::from_le_bytes(word);
        }
    }
}

type IdMap<V> = HashMap<LoginId, V, std::hash::BuildHasherDefault<IdHasher>>;

/// A login as this store holds it: the login and its remember token's generation.
#[derive(Debug)]
struct Held {
    login: LiveLogin,
    remember_gen: u32,
    rotated_at: u64,
}

impl Held {
    fn times(&self) -> LoginTimes {
        LoginTimes { remember_gen: self.remember_gen, rotated_at: self.rotated_at, ..self.login.times() }
    }
}

#[derive(Debug, Default)]
struct Inner {
    logins: IdMap<Held>,
    /// Each user's logins, oldest first.
    by_user: HashMap<String, BTreeSet<(u64, LoginId)>>,
    by_expiry: BTreeSet<(u64, LoginId)>,
    /// Users by how many logins they hold, for eviction at the global cap.
    by_count: BTreeSet<(usize, String)>,
    /// Each second-factor user's last TOTP step and device epoch.
    second_factor: HashMap<String, (u64, u64)>,
    /// Pending logins, by id, by user and by expiry.
    pending: IdMap<PendingLogin>,
    pending_by_user: HashMap<String, BTreeSet<LoginId>>,
    pending_by_expiry: BTreeSet<(u64, LoginId)>,
}

/// The most live pending logins one user holds in every store that a browser the
/// account does not know may add to (see [`AtCap`]).
pub const MAX_PENDING_PER_USER: usize = 10;

/// The most live pending logins one user holds in every store, those of the account's
/// own browsers included (see [`AtCap::Extend`]).
pub const MAX_PENDING_KNOWN: usize = 2 * MAX_PENDING_PER_USER;

/// The most pending logins a [`MemoryRegistry`] holds; past it, the one ending soonest
/// goes (each lasts minutes, so only a flood of right passwords gets here).
pub const MAX_PENDING_LOGINS: usize = 100_000;

impl Inner {
    fn drop_pending(&mut self, id: LoginId) -> bool {
        let Some(p) = self.pending.remove(&id) else { return false };
        self.pending_by_expiry.remove(&(p.expires_at, id));
        if let Some(ids) = self.pending_by_user.get_mut(&p.user_key) {
            ids.remove(&id);
            if ids.is_empty() {
                self.pending_by_user.remove(&p.user_key);
            }
        }
        true
    }

    fn insert_pending(&mut self, pending: PendingLogin, at_cap: AtCap) -> bool {
        while let Some(&(exp, id)) = self.pending_by_expiry.first() {
            if exp > pending.created_at && self.pending.len() < MAX_PENDING_LOGINS {
                break;
            }
            self.drop_pending(id);
        }
        self.drop_pending(pending.id);
        let theirs: Vec<LoginId> = self.pending_by_user.get(&pending.user_key).into_iter().flatten().copied().collect();
        if theirs.len() >= MAX_PENDING_PER_USER && at_cap == AtCap::Refuse {
            return false;
        }
        if theirs.len() >= MAX_PENDING_KNOWN {
            let oldest = theirs.iter().min_by_key(|id| self.pending.get(id).map(|p| p.created_at));
            if let Some(&oldest) = oldest {
                self.drop_pending(oldest);
            }
        }
        self.pending_by_expiry.insert((pending.expires_at, pending.id));
        self.pending_by_user.entry(pending.user_key.clone()).or_default().insert(pending.id);
        self.pending.insert(pending.id, pending);
        true
    }
}

impl Default for MemoryRegistry {
    fn default() -> Self {
        Self::with_max_logins(DEFAULT_MAX_LOGINS)
    }
}

impl MemoryRegistry {
    /// An empty registry of its own, with the default cap. Build it once and share the
    /// `Arc` (a registry per worker would make a logout hold on one worker only).
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty registry holding at most `max_logins` logins (at least 1).
    pub fn with_max_logins(max_logins: usize) -> Self {
        MemoryRegistry {
            inner: Mutex::new(Inner::default()),
            max_logins: max_logins.max(1),
            max_per_user: MAX_LOGINS_PER_USER_BOUND,
            epoch_base: crate::registry::first_device_epoch(),
        }
    }

    /// Sets this store's own cap on one user's logins (at least 1; default
    /// [`MAX_LOGINS_PER_USER_BOUND`]), for direct use of the store: behind
    /// `LoginMiddleware` the configuration's `max_logins_per_user` acts first.
    #[must_use]
    pub fn max_logins_per_user(mut self, max: usize) -> Self {
        self.max_per_user = max.max(1);
        self
    }

    /// The process-wide registry of the app whose secret derives `scope`: every call
    /// with the same scope while one is alive returns the same registry.
    pub fn for_scope(scope: [u8; 32]) -> Arc<MemoryRegistry> {
        static SHARED: ScopeSlot<MemoryRegistry> = ScopeSlot::new();
        shared(&SHARED, scope)
    }

    /// The process-wide registry of the app with this secret (see
    /// [`for_scope`](MemoryRegistry::for_scope)); what [`LoginConfig`](crate::LoginConfig)
    /// uses by default.
    pub fn for_secret(secret: &[u8]) -> Arc<MemoryRegistry> {
        Self::for_scope(crate::keys::derive_key(secret, crate::keys::REGISTRY_SCOPE_PURPOSE))
    }

    /// Number of logins held (expired ones included until they are dropped).
    pub fn len(&self) -> usize {
        self.lock().map(|i| i.logins.len()).unwrap_or(0)
    }

    /// Whether no login is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> Result<MutexGuard<'_, Inner>, StoreError> {
        self.inner.lock().map_err(|_| StoreError::new("memory registry lock poisoned"))
    }

    fn insert_now(&self, login: LiveLogin) -> Result<(), StoreError> {
        let mut inner = self.lock()?;
        let now = login.created_at;
        // Expired logins first: amortised, each is dropped once.
        while let Some(&(exp, id)) = inner.by_expiry.first() {
            if exp > now {
                break;
            }
            inner.drop_login(id);
        }
        inner.drop_login(login.id);
        if let Some(oldest) = inner.oldest_of(&login.user_key, self.max_per_user) {
            tracing::info!("login ended: the user reached the per-user cap of the memory registry (oldest ends)");
            inner.drop_login(oldest);
        }
        if inner.logins.len() >= self.max_logins {
            let busiest = inner.by_count.last().map(|(_, user)| user.clone());
            if let Some(oldest) = busiest.and_then(|user| inner.oldest_of(&user, 0)) {
                tracing::warn!(
                    max_logins = self.max_logins,
                    "memory login registry is full: ending the oldest login of the user holding the most"
                );
                inner.drop_login(oldest);
            }
        }
        inner.by_expiry.insert((login.expires_at, login.id));
        let count = {
            let logins = inner.by_user.entry(login.user_key.clone()).or_default();
            logins.insert((login.created_at, login.id));
            logins.len()
        };
        inner.recount(&login.user_key, count - 1, count);
        inner.logins.insert(login.id, Held { login, remember_gen: 0, rotated_at: 0 });
        Ok(())
    }

    fn lookup_sync(&self, id: LoginId, now: u64) -> Result<Option<LoginTimes>, StoreError> {
        let inner = self.lock()?;
        Ok(inner.logins.get(&id).filter(|h| h.login.expires_at > now).map(Held::times))
    }

    fn touch_sync(&self, id: LoginId, now: u64) -> Result<(), StoreError> {
        if let Some(held) = self.lock()?.logins.get_mut(&id) {
            held.login.last_seen_at = held.login.last_seen_at.max(now);
        }
        Ok(())
    }

    fn rotate_sync(&self, id: LoginId, from: u32, now: u64) -> Result<Option<LoginTimes>, StoreError> {
        let mut inner = self.lock()?;
        let Some(held) = inner.logins.get_mut(&id).filter(|h| h.login.expires_at > now) else { return Ok(None) };
        if held.remember_gen == from {
            held.remember_gen = from.saturating_add(1);
            held.rotated_at = now;
        }
        Ok(Some(held.times()))
    }

    fn extend_sync(&self, id: LoginId, expires_at: u64, remembered: bool) -> Result<(), StoreError> {
        let mut inner = self.lock()?;
        let Some(Held { login, .. }) = inner.logins.get_mut(&id) else { return Ok(()) };
        let old = login.expires_at;
        let new = old.max(expires_at);
        login.expires_at = new;
        login.remembered |= remembered;
        inner.by_expiry.remove(&(old, id));
        inner.by_expiry.insert((new, id));
        Ok(())
    }

    fn remove_user_sync(&self, user_key: &str, keep: Option<LoginId>) -> Result<usize, StoreError> {
        let mut inner = self.lock()?;
        let Some(ids) = inner.by_user.get(user_key) else { return Ok(0) };
        let ending: Vec<LoginId> = ids.iter().map(|(_, id)| *id).filter(|id| Some(*id) != keep).collect();
        for id in &ending {
            inner.drop_login(*id);
        }
        Ok(ending.len())
    }

    fn list_user_sync(&self, user_key: &str, now: u64) -> Result<Vec<LiveLogin>, StoreError> {
        let inner = self.lock()?;
        let mut logins: Vec<LiveLogin> = inner
            .by_user
            .get(user_key)
            .into_iter()
            .flatten()
            .filter_map(|(_, id)| inner.logins.get(id))
            .filter(|h| h.login.expires_at > now)
            .map(|h| h.login.clone())
            .collect();
        logins.sort_by_key(|l| (l.created_at, l.id));
        Ok(logins)
    }
}

impl Inner {
    /// Removes a login from every index; `true` when it was held.
    fn drop_login(&mut self, id: LoginId) -> bool {
        let Some(Held { login, .. }) = self.logins.remove(&id) else { return false };
        self.by_expiry.remove(&(login.expires_at, id));
        if let Some(ids) = self.by_user.get_mut(&login.user_key) {
            ids.remove(&(login.created_at, id));
            let count = ids.len();
            if count == 0 {
                self.by_user.remove(&login.user_key);
            }
            self.recount(&login.user_key, count + 1, count);
        }
        true
    }

    /// Moves a user in the by-count index.
    fn recount(&mut self, user: &str, old: usize, new: usize) {
        if old > 0 {
            self.by_count.remove(&(old, user.to_owned()));
        }
        if new > 0 {
            self.by_count.insert((new, user.to_owned()));
        }
    }

    /// The user's oldest login when the user holds at least `at_least` logins.
    fn oldest_of(&self, user: &str, at_least: usize) -> Option<LoginId> {
        let logins = self.by_user.get(user)?;
        (logins.len() >= at_least).then(|| logins.first().map(|(_, id)| *id)).flatten()
    }
}

impl LoginRegistry for MemoryRegistry {
    fn insert(&self, login: LiveLogin) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(ready(self.insert_now(login)))
    }

    fn lookup(&self, id: LoginId, now: u64) -> BoxFuture<'_, Result<Option<LoginTimes>, StoreError>> {
        Box::pin(ready(self.lookup_sync(id, now)))
    }

    fn lookup_now(&self, id: LoginId, now: u64) -> Option<Result<Option<LoginTimes>, StoreError>> {
        Some(self.lookup_sync(id, now))
    }

    fn touch(&self, id: LoginId, now: u64) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(ready(self.touch_sync(id, now)))
    }

    fn extend(&self, id: LoginId, expires_at: u64, remembered: bool) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(ready(self.extend_sync(id, expires_at, remembered)))
    }

    fn rotate(&self, id: LoginId, from: u32, now: u64) -> BoxFuture<'_, Result<Option<LoginTimes>, StoreError>> {
        Box::pin(ready(self.rotate_sync(id, from, now)))
    }

    fn remove(&self, id: LoginId) -> BoxFuture<'_, Result<bool, StoreError>> {
        Box::pin(ready(self.lock().map(|mut inner| inner.drop_login(id))))
    }

    fn remove_user(&self, user_key: &str, keep: Option<LoginId>) -> BoxFuture<'_, Result<usize, StoreError>> {
        Box::pin(ready(self.remove_user_sync(user_key, keep)))
    }

    fn list_user(&self, user_key: &str, now: u64) -> BoxFuture<'_, Result<Vec<LiveLogin>, StoreError>> {
        Box::pin(ready(self.list_user_sync(user_key, now)))
    }
}

impl SecondFactorStore for MemoryRegistry {
    fn use_totp_step(&self, user_key: &str, step: u64) -> BoxFuture<'_, Result<bool, StoreError>> {
        let answer = self.lock().map(|mut inner| {
            let state = inner.second_factor.entry(user_key.to_owned()).or_insert((0, 0));
            let fresh = step > state.0;
            if fresh {
                state.0 = step;
            }
            fresh
        });
        Box::pin(ready(answer))
    }

    fn device_epoch(&self, user_key: &str) -> BoxFuture<'_, Result<u64, StoreError>> {
        let forgotten = self.lock().map(|inner| inner.second_factor.get(user_key).map_or(0, |s| s.1));
        Box::pin(ready(forgotten.map(|n| self.epoch_base.wrapping_add(n))))
    }

    fn forget_devices(&self, user_key: &str) -> BoxFuture<'_, Result<u64, StoreError>> {
        let answer = self.lock().map(|mut inner| {
            let state = inner.second_factor.entry(user_key.to_owned()).or_insert((0, 0));
            state.1 += 1;
            self.epoch_base.wrapping_add(state.1)
        });
        Box::pin(ready(answer))
    }

    fn insert_pending(&self, pending: PendingLogin, at_cap: AtCap) -> BoxFuture<'_, Result<bool, StoreError>> {
        Box::pin(ready(self.lock().map(|mut inner| inner.insert_pending(pending, at_cap))))
    }

    fn pending(&self, id: LoginId, now: u64) -> BoxFuture<'_, Result<Option<PendingLogin>, StoreError>> {
        let answer = self.lock().map(|inner| inner.pending.get(&id).filter(|p| p.expires_at > now).cloned());
        Box::pin(ready(answer))
    }

    fn fail_pending(&self, id: LoginId, max: u32, now: u64) -> BoxFuture<'_, Result<Option<u32>, StoreError>> {
        let answer = self.lock().map(|mut inner| {
            let failures = {
                let pending = inner.pending.get_mut(&id).filter(|p| p.expires_at > now)?;
                pending.failures += 1;
                pending.failures
            };
            if failures >= max {
                inner.drop_pending(id);
            }
            Some(failures)
        });
        Box::pin(ready(answer))
    }

    fn remove_pending(&self, id: LoginId) -> BoxFuture<'_, Result<bool, StoreError>> {
        Box::pin(ready(self.lock().map(|mut inner| inner.drop_pending(id))))
    }

    fn remove_pending_of(&self, user_key: &str) -> BoxFuture<'_, Result<usize, StoreError>> {
        let answer = self.lock().map(|mut inner| {
            let ids: Vec<LoginId> = inner.pending_by_user.get(user_key).into_iter().flatten().copied().collect();
            ids.into_iter().filter(|id| inner.drop_pending(*id)).count()
        });
        Box::pin(ready(answer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_executor::block_on;

    fn login(user: &str, created: u64, expires: u64) -> LiveLogin {
        LiveLogin {
            id: LoginId::random(),
            user_key: user.into(),
            created_at: created,
            last_seen_at: created,
            expires_at: expires,
            remembered: false,
            user_agent: String::new(),
        }
    }

    #[test]
    fn a_login_is_live_until_removed_or_expired() {
        let r = MemoryRegistry::new();
        let a = login("1", 10, 100);
        block_on(r.insert(a.clone())).expect("insert");
        assert!(matches!(r.lookup_now(a.id, 50), Some(Ok(Some(LoginTimes { last_seen_at: 10, expires_at: 100, .. })))));
        assert_eq!(block_on(r.lookup(a.id, 100)).expect("lookup"), None);
        block_on(r.touch(a.id, 60)).expect("touch");
        assert_eq!(block_on(r.lookup(a.id, 61)).expect("lookup").map(|t| t.last_seen_at), Some(60));
        block_on(r.extend(a.id, 1000, true)).expect("extend");
        assert_eq!(block_on(r.lookup(a.id, 500)).expect("lookup").map(|t| t.expires_at), Some(1000));
        assert!(block_on(r.remove(a.id)).expect("remove"));
        assert!(!block_on(r.remove(a.id)).expect("remove"));
        assert_eq!(block_on(r.lookup(a.id, 50)).expect("lookup"), None);
        // Touching or extending a removed login does not bring it back.
        block_on(r.touch(a.id, 70)).expect("touch");
        block_on(r.extend(a.id, 2000, true)).expect("extend");
        assert_eq!(block_on(r.lookup(a.id, 50)).expect("lookup"), None);
        assert!(r.is_empty());
    }

    #[test]
    fn per_user_listing_and_ending() {
        let r = MemoryRegistry::new();
        let (a1, a2, b) = (login("1", 10, 100), login("1", 20, 100), login("2", 10, 100));
        for l in [&a1, &a2, &b] {
            block_on(r.insert(l.clone())).expect("insert");
        }
        let ids: Vec<_> = block_on(r.list_user("1", 50)).expect("list").into_iter().map(|l| l.id).collect();
        assert_eq!(ids, vec![a1.id, a2.id]);
        assert_eq!(block_on(r.remove_user("1", Some(a2.id))).expect("remove"), 1);
        assert_eq!(block_on(r.lookup(a1.id, 50)).expect("lookup"), None);
        assert!(block_on(r.lookup(a2.id, 50)).expect("lookup").is_some());
        assert!(block_on(r.lookup(b.id, 50)).expect("lookup").is_some());
        assert_eq!(block_on(r.remove_user("3", None)).expect("remove"), 0);
    }

    #[test]
    fn bounded_expired_first_then_the_busiest_users_oldest() {
        let r = MemoryRegistry::with_max_logins(3);
        let old = login("1", 0, 50);
        let bob = login("2", 10, 200);
        let alice = login("1", 60, 900);
        for l in [&old, &bob, &alice] {
            block_on(r.insert(l.clone())).expect("insert");
        }
        // At t=100 the expired one leaves first; there is room again.
        block_on(r.insert(login("1", 100, 1000))).expect("insert");
        assert_eq!(r.len(), 3);
        assert!(block_on(r.lookup(bob.id, 100)).expect("lookup").is_some());
        // Full with live logins: user 1 holds the most, so user 1's oldest ends, not bob's.
        block_on(r.insert(login("1", 110, 1000))).expect("insert");
        assert_eq!(r.len(), 3);
        assert_eq!(block_on(r.lookup(alice.id, 110)).expect("lookup"), None);
        assert!(block_on(r.lookup(bob.id, 110)).expect("lookup").is_some());
        assert_eq!(block_on(r.list_user("1", 110)).expect("list").len(), 2);
    }

    #[test]
    fn a_user_holds_at_most_the_per_user_cap() {
        let r = MemoryRegistry::new().max_logins_per_user(3);
        let first = login("1", 0, 1000);
        block_on(r.insert(first.clone())).expect("insert");
        for t in 1..10 {
            block_on(r.insert(login("1", t, 1000))).expect("insert");
        }
        let listed = block_on(r.list_user("1", 10)).expect("list");
        assert_eq!(listed.iter().map(|l| l.created_at).collect::<Vec<_>>(), vec![7, 8, 9], "the newest three");
        assert_eq!(block_on(r.lookup(first.id, 10)).expect("lookup"), None);
        assert_eq!(r.len(), 3);
    }

    #[test]
    fn one_registry_per_scope_while_alive() {
        let a = MemoryRegistry::for_scope([1; 32]);
        let b = MemoryRegistry::for_scope([1; 32]);
        let c = MemoryRegistry::for_scope([2; 32]);
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &c));
        let before = Arc::as_ptr(&a) as usize;
        block_on(a.insert(login("1", 0, 100))).expect("insert");
        drop((a, b));
        // Once every holder is gone (a restart, in effect) the next one starts empty.
        let fresh = MemoryRegistry::for_scope([1; 32]);
        assert!(fresh.is_empty(), "a new registry, not {before:#x}'s logins");
    }
}
