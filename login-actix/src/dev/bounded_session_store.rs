//! A time limit around any actix-session store, so that a slow store (Redis under
//! load, a network partition) costs a request a bounded wait instead of hanging it.

use std::{future::Future, time::Duration};

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration as CookieDuration;

/// Wraps a [`SessionStore`] and fails every operation that takes longer than the limit.
///
/// actix-session answers a failed store operation with an opaque `500`; with this
/// wrapper, that answer comes within the limit.
///
/// ```
/// use std::time::Duration;
/// use actix_session::storage::CookieSessionStore;
/// use login_actix::dev::BoundedSessionStore;
///
/// let store = BoundedSessionStore::new(CookieSessionStore::default(), Duration::from_millis(500));
/// # let _ = store;
/// ```
#[derive(Debug, Clone)]
pub struct BoundedSessionStore<S> {
    inner: S,
    limit: Duration,
}

impl<S> BoundedSessionStore<S> {
    /// Bounds every operation of `inner` by `limit`.
    pub fn new(inner: S, limit: Duration) -> Self {
        BoundedSessionStore { inner, limit }
    }
}

async fn bounded<T, E>(
    limit: Duration,
    op: impl Future<Output = Result<T, E>>,
    timed_out: fn(anyhow::Error) -> E,
) -> Result<T, E> {
    match tokio::time::timeout(limit, op).await {
        Ok(result) => result,
        Err(_) => {
            tracing::warn!(limit_ms = limit.as_millis() as u64, "session store timed out");
            Err(timed_out(anyhow::anyhow!("session store timed out")))
        }
    }
}

impl<S: SessionStore> SessionStore for BoundedSessionStore<S> {
    fn load(
        &self,
        session_key: &SessionKey,
    ) -> impl Future<Output = Result<Option<std::collections::HashMap<String, String>>, LoadError>> {
        bounded(self.limit, self.inner.load(session_key), LoadError::Other)
    }

    fn save(
        &self,
        session_state: std::collections::HashMap<String, String>,
        ttl: &CookieDuration,
    ) -> impl Future<Output = Result<SessionKey, SaveError>> {
        bounded(self.limit, self.inner.save(session_state, ttl), SaveError::Other)
    }

    fn update(
        &self,
        session_key: SessionKey,
        session_state: std::collections::HashMap<String, String>,
        ttl: &CookieDuration,
    ) -> impl Future<Output = Result<SessionKey, UpdateError>> {
        bounded(self.limit, self.inner.update(session_key, session_state, ttl), UpdateError::Other)
    }

    fn update_ttl(
        &self,
        session_key: &SessionKey,
        ttl: &CookieDuration,
    ) -> impl Future<Output = Result<(), anyhow::Error>> {
        bounded(self.limit, self.inner.update_ttl(session_key, ttl), std::convert::identity)
    }

    fn delete(&self, session_key: &SessionKey) -> impl Future<Output = Result<(), anyhow::Error>> {
        bounded(self.limit, self.inner.delete(session_key), std::convert::identity)
    }
}
