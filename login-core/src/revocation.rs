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

/// What a revocation entry is about. Its [`key`](RevokedId::key) is what stores keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevokedId<'a> {
    /// A login session (by its session id).
    Session(&'a str),
    /// A remember token (by its `jti`).
    Remember(&'a str),
}

impl RevokedId<'_> {
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
    fn revoke<'a>(&'a self, id: RevokedId<'a>, expires_at: u64) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Whether `id` is revoked now.
    fn is_revoked<'a>(&'a self, id: RevokedId<'a>) -> BoxFuture<'a, Result<bool, StoreError>>;
}

/// The in-memory default store: one process, entries dropped when they expire.
///
/// Enough for a single instance. Several instances must share a store (see the Redis
/// store of `login-actix`), or a logout on one instance is unknown to the others.
#[derive(Debug, Default)]
pub struct MemoryRevocationStore {
    entries: Mutex<HashMap<String, u64>>,
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

    fn revoke_now(&self, key: String, expires_at: u64) -> Result<(), StoreError> {
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

    fn check_now(&self, key: &str) -> Result<bool, StoreError> {
        let entries = self.entries.lock().map_err(|_| StoreError("poisoned lock".into()))?;
        Ok(entries.get(key).is_some_and(|exp| *exp > now()))
    }
}

impl RevocationStore for MemoryRevocationStore {
    fn revoke<'a>(&'a self, id: RevokedId<'a>, expires_at: u64) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(ready(self.revoke_now(id.key(), expires_at)))
    }

    fn is_revoked<'a>(&'a self, id: RevokedId<'a>) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(ready(self.check_now(&id.key())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_executor::block_on;

    #[test]
    fn revoked_until_expiry() {
        let store = MemoryRevocationStore::new();
        let id = RevokedId::Session("abc");
        assert!(!block_on(store.is_revoked(id)).unwrap());
        block_on(store.revoke(id, now() + 60)).unwrap();
        assert!(block_on(store.is_revoked(id)).unwrap());
        // The same id of the other kind is not revoked.
        assert!(!block_on(store.is_revoked(RevokedId::Remember("abc"))).unwrap());
        // An entry already expired is not even stored.
        block_on(store.revoke(RevokedId::Remember("old"), now() - 1)).unwrap();
        assert!(!block_on(store.is_revoked(RevokedId::Remember("old"))).unwrap());
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn expired_entries_are_swept() {
        let store = MemoryRevocationStore::new();
        {
            let mut e = store.entries.lock().unwrap();
            for i in 0..SWEEP_AT {
                e.insert(format!("s:{i}"), now() - 1);
            }
        }
        block_on(store.revoke(RevokedId::Session("new"), now() + 60)).unwrap();
        assert_eq!(store.len(), 1);
    }
}
