//! Revocation: making a copied session or remember cookie worthless after logout.
//!
//! A cookie session store keeps the whole session in the browser's cookie, so deleting
//! it on logout cannot stop a copy made earlier. Every login session and remember token
//! carries a random id; logout writes that id to a [`RevocationStore`] until the moment
//! the session or token would have expired anyway, and the login flow refuses ids found
//! there.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use futures_util::future::{ready, BoxFuture};

use crate::error::StoreError;

/// What a revocation entry is about. Its [`key`](RevokedId::key) is what shared stores keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RevokedId {
    /// A login session (by its session id).
    Session(u64),
    /// A remember token (by its `jti`).
    Remember(u64),
}

impl RevokedId {
    /// The store key: `s:<id>` or `r:<id>`.
    pub fn key(&self) -> String {
        match self {
            RevokedId::Session(id) => format!("s:{id}"),
            RevokedId::Remember(id) => format!("r:{id}"),
        }
    }
}

/// Where revoked session and token ids are kept until they expire.
///
/// Implementations must fail closed: when they cannot answer, return a [`StoreError`]
/// (the request then gets a `503`), never `Ok(false)`.
pub trait RevocationStore: Send + Sync + 'static {
    /// Records `id` as revoked until `expires_at` (seconds since the Unix epoch).
    fn revoke(&self, id: RevokedId, expires_at: u64) -> BoxFuture<'_, Result<(), StoreError>>;

    /// Whether `id` is revoked now.
    fn is_revoked(&self, id: RevokedId) -> BoxFuture<'_, Result<bool, StoreError>>;

    /// The answer of [`is_revoked`](RevocationStore::is_revoked) when the store can give it
    /// without waiting (an in-process store); `None` makes the caller await
    /// `is_revoked`. Spares the per-request future of a local store.
    fn is_revoked_now(&self, id: RevokedId) -> Option<Result<bool, StoreError>> {
        let _ = id;
        None
    }
}

/// The in-memory default store: one process, entries dropped when they expire.
///
/// Enough for a single instance. Several instances must share a store (see the Redis
/// store of `login-actix`), or a logout on one instance is unknown to the others.
#[derive(Debug, Default)]
pub struct MemoryRevocationStore {
    entries: Mutex<HashMap<RevokedId, u64>>,
}

/// Entries above which a revoke first sweeps out expired ones.
const SWEEP_AT: usize = 1024;

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO).as_secs()
}

impl MemoryRevocationStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of entries held (expired ones included until the next sweep).
    pub fn len(&self) -> usize {
        self.entries.lock().map(|e| e.len()).unwrap_or(0)
    }

    /// Whether the store holds no entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn revoke_now(&self, key: RevokedId, expires_at: u64) -> Result<(), StoreError> {
        let mut entries = self.entries.lock().map_err(|_| StoreError("poisoned lock".into()))?;
        let now = now();
        if entries.len() >= SWEEP_AT {
            entries.retain(|_, exp| *exp > now);
        }
        if expires_at > now {
            let slot = entries.entry(key).or_insert(expires_at);
            *slot = (*slot).max(expires_at);
        }
        Ok(())
    }

    fn check_now(&self, key: RevokedId) -> Result<bool, StoreError> {
        let entries = self.entries.lock().map_err(|_| StoreError("poisoned lock".into()))?;
        // An empty store (no logout yet) needs no clock read.
        Ok(!entries.is_empty() && entries.get(&key).is_some_and(|exp| *exp > now()))
    }
}

impl RevocationStore for MemoryRevocationStore {
    fn revoke(&self, id: RevokedId, expires_at: u64) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(ready(self.revoke_now(id, expires_at)))
    }

    fn is_revoked(&self, id: RevokedId) -> BoxFuture<'_, Result<bool, StoreError>> {
        Box::pin(ready(self.check_now(id)))
    }

    fn is_revoked_now(&self, id: RevokedId) -> Option<Result<bool, StoreError>> {
        Some(self.check_now(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_executor::block_on;

    #[test]
    fn revoked_until_expiry() {
        let store = MemoryRevocationStore::new();
        let id = RevokedId::Session(7);
        assert!(!block_on(store.is_revoked(id)).expect("test fixture"));
        block_on(store.revoke(id, now() + 60)).expect("test fixture");
        assert!(block_on(store.is_revoked(id)).expect("test fixture"));
        // The same id of the other kind is not revoked.
        assert!(!block_on(store.is_revoked(RevokedId::Remember(7))).expect("test fixture"));
        assert_eq!(store.is_revoked_now(id), Some(Ok(true)));
        // An entry already expired is not even stored.
        block_on(store.revoke(RevokedId::Remember(8), now() - 1)).expect("test fixture");
        assert!(!block_on(store.is_revoked(RevokedId::Remember(8))).expect("test fixture"));
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn expired_entries_are_swept() {
        let store = MemoryRevocationStore::new();
        {
            let mut e = store.entries.lock().expect("test fixture");
            for i in 0..SWEEP_AT {
                e.insert(RevokedId::Session(i as u64), now() - 1);
            }
        }
        block_on(store.revoke(RevokedId::Session(u64::MAX), now() + 60)).expect("test fixture");
        assert_eq!(store.len(), 1);
    }
}
