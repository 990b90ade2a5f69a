//! One value per process and app secret: how the default in-memory stores are shared
//! by every worker, however often a configuration is built.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, OnceLock, PoisonError, Weak},
};

/// The slot a store type keeps its per-scope instances in.
pub(crate) type ScopeSlot<T> = OnceLock<Mutex<HashMap<[u8; 32], Weak<T>>>>;

/// The live instance of `scope` in `slot`, or a new default one. Instances are held
/// weakly: once every holder is gone (a restart, in effect) the next call starts empty.
pub(crate) fn shared<T: Default>(slot: &'static ScopeSlot<T>, scope: [u8; 32]) -> Arc<T> {
    let mut map = slot.get_or_init(Default::default).lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(live) = map.get(&scope).and_then(Weak::upgrade) {
        return live;
    }
    map.retain(|_, weak| weak.strong_count() > 0);
    let fresh = Arc::new(T::default());
    map.insert(scope, Arc::downgrade(&fresh));
    fresh
}
