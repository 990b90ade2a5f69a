//! The Redis connection shared by the Redis registry and throttle: one multiplexed
//! connection manager that reconnects by itself, every command bounded in time.

use std::time::Duration;

use login_core::StoreError;
use redis::{
    aio::{ConnectionManager, ConnectionManagerConfig},
    Client,
};

/// A bounded Redis connection.
#[derive(Clone)]
pub(crate) struct RedisConnection {
    conn: ConnectionManager,
    timeout: Duration,
}

impl RedisConnection {
    /// Connects (bounded by `timeout`). Fails when Redis cannot be reached now.
    pub(crate) async fn connect(url: &str, timeout: Duration) -> Result<Self, StoreError> {
        let client = Client::open(url).map_err(|e| StoreError::with_source("bad Redis URL", e))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(timeout)
            .set_response_timeout(timeout)
            .set_number_of_retries(2)
            .set_max_delay(timeout.as_millis().try_into().unwrap_or(u64::MAX));
        let conn = tokio::time::timeout(timeout * 4, ConnectionManager::new_with_config(client, config))
            .await
            .map_err(|_| StoreError::new("timed out connecting to Redis"))?
            .map_err(|e| StoreError::with_source("cannot connect to Redis", e))?;
        Ok(RedisConnection { conn, timeout })
    }

    /// The bound on each command.
    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Runs `op` on a clone of the connection within the bound; a failure or a timeout
    /// is a [`StoreError`].
    pub(crate) async fn run<T, F, Fut>(&self, op: F) -> Result<T, StoreError>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: std::future::Future<Output = redis::RedisResult<T>>,
    {
        match tokio::time::timeout(self.timeout, op(self.conn.clone())).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(StoreError::with_source("Redis command failed", e)),
            Err(_) => Err(StoreError::new("Redis timed out")),
        }
    }
}
