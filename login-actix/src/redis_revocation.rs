//! A Redis-backed [`RevocationStore`], for several app instances sharing logins
//! (feature `redis`).
//!
//! Entries are plain keys, `<prefix><s|r>:<id>`, written with `SET .. EXAT <expiry>`
//! so Redis drops each one when the revoked session or token would have expired anyway.
//! One multiplexed [`ConnectionManager`] serves every worker (cloning it is cheap); it
//! reconnects by itself after Redis restarts.
//!
//! # Cost model
//! - Routes that never ask for the user: no Redis call.
//! - Logged-in requests: one `EXISTS` per request when
//!   [`revoke_sessions`](login_core::LoginConfigBuilder::revoke_sessions) is on (needed
//!   with the cookie session store); none when it is off (server-side session stores,
//!   where logout deletes the session itself).
//! - A remember-cookie restore (once per browser session): one `EXISTS`.
//! - Login, logout, password change: one `SET` per revoked id (at most three).
//!
//! # Failure
//! Every command is bounded by the [`timeout`](RedisRevocationStoreBuilder::timeout)
//! (default 500 ms). A command that fails or times out is a [`StoreError`]: the request
//! gets a `503` and nobody is authenticated by it (fail closed).

use std::time::Duration;

use futures_util::future::BoxFuture;
use login_core::{RevocationStore, RevokedId, StoreError};
use redis::{
    aio::{ConnectionManager, ConnectionManagerConfig},
    AsyncCommands, Client,
};

/// Revocations kept in Redis, shared by every instance that points at it.
#[derive(Clone)]
pub struct RedisRevocationStore {
    conn: ConnectionManager,
    prefix: String,
    timeout: Duration,
}

impl std::fmt::Debug for RedisRevocationStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisRevocationStore")
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Configures a [`RedisRevocationStore`].
#[derive(Debug, Clone)]
#[must_use]
pub struct RedisRevocationStoreBuilder {
    url: String,
    prefix: String,
    timeout: Duration,
}

impl RedisRevocationStoreBuilder {
    /// Key prefix. Default `login:revoked:`.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Bound on each command and on each connection attempt. Default 500 ms.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Connects (bounded by the timeout). Fails when Redis cannot be reached now.
    pub async fn connect(self) -> Result<RedisRevocationStore, StoreError> {
        let client = Client::open(self.url.as_str()).map_err(|e| StoreError(format!("bad Redis URL: {e}")))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(self.timeout)
            .set_response_timeout(self.timeout)
            .set_number_of_retries(2)
            .set_max_delay(self.timeout.as_millis().try_into().unwrap_or(u64::MAX));
        let conn = tokio::time::timeout(self.timeout * 4, ConnectionManager::new_with_config(client, config))
            .await
            .map_err(|_| StoreError("timed out connecting to Redis".into()))?
            .map_err(|e| StoreError(format!("cannot connect to Redis: {e}")))?;
        Ok(RedisRevocationStore { conn, prefix: self.prefix, timeout: self.timeout })
    }
}

impl RedisRevocationStore {
    /// A builder for the Redis at `url` (`redis://host:port/db`).
    pub fn builder(url: impl Into<String>) -> RedisRevocationStoreBuilder {
        RedisRevocationStoreBuilder {
            url: url.into(),
            prefix: "login:revoked:".to_owned(),
            timeout: Duration::from_millis(500),
        }
    }

    /// Connects with the defaults.
    pub async fn connect(url: impl Into<String>) -> Result<Self, StoreError> {
        Self::builder(url).connect().await
    }

    fn key(&self, id: RevokedId) -> String {
        format!("{}{}", self.prefix, id.key())
    }

    async fn bounded<T>(&self, op: impl std::future::Future<Output = redis::RedisResult<T>>) -> Result<T, StoreError> {
        match tokio::time::timeout(self.timeout, op).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(StoreError(format!("Redis error: {e}"))),
            Err(_) => Err(StoreError("Redis timed out".into())),
        }
    }
}

impl RevocationStore for RedisRevocationStore {
    fn revoke(&self, id: RevokedId, expires_at: u64) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            if expires_at <= login_core::now_secs() {
                return Ok(());
            }
            let key = self.key(id);
            let mut conn = self.conn.clone();
            let opts = redis::SetOptions::default().with_expiration(redis::SetExpiry::EXAT(expires_at));
            self.bounded(conn.set_options::<_, _, ()>(key, 1u8, opts)).await
        })
    }

    fn is_revoked(&self, id: RevokedId) -> BoxFuture<'_, Result<bool, StoreError>> {
        Box::pin(async move {
            let key = self.key(id);
            let mut conn = self.conn.clone();
            self.bounded(conn.exists::<_, bool>(key)).await
        })
    }
}
