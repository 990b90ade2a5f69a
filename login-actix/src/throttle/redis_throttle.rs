//! The Redis store of the login throttle, for several instances counting together
//! (feature `redis`).
//!
//! Each counter is one key, `<prefix><key>`, that `INCR` counts and that expires at the
//! end of its window (set by the attempt that creates it), so Redis drops ended windows
//! by itself: the store holds only counters of the last window. Every command is
//! bounded (default 500 ms); a failure refuses the attempt (`503`), never lets it
//! through uncounted.

use std::time::Duration;

use futures_util::future::BoxFuture;
use login_core::{Hit, StoreError, ThrottleStore};
use redis::{AsyncCommands, Script};

use crate::redis_connection::RedisConnection;

/// Attempt counters in Redis, shared by every instance that points at it.
#[derive(Clone)]
pub struct RedisThrottle {
    conn: RedisConnection,
    prefix: String,
}

impl std::fmt::Debug for RedisThrottle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisThrottle").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

/// Counts an attempt: a new key gets the window's expiry. Returns the count and the
/// seconds left.
const HIT: &str = r"
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}";

/// Takes one attempt back without creating or reviving the key.
const UNDO: &str = r"
if redis.call('EXISTS', KEYS[1]) == 1 and tonumber(redis.call('GET', KEYS[1])) > 0 then
  redis.call('DECR', KEYS[1])
end
return 1";

impl RedisThrottle {
    /// Connects to the Redis at `url` with the key prefix `login:throttle:` and a
    /// 500 ms bound on every command.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, "login:throttle:", Duration::from_millis(500)).await
    }

    /// Connects with another key prefix and bound.
    pub async fn connect_with(url: &str, prefix: &str, timeout: Duration) -> Result<Self, StoreError> {
        Ok(RedisThrottle { conn: RedisConnection::connect(url, timeout).await?, prefix: prefix.to_owned() })
    }

    /// A throttle store on the registry's connection (keys `<registry prefix>throttle:`):
    /// one connection per instance, which recovers for both after a Redis restart.
    pub fn sharing(registry: &crate::registry::RedisRegistry) -> Self {
        let (conn, prefix) = registry.connection();
        RedisThrottle { conn, prefix: format!("{prefix}throttle:") }
    }
}

impl ThrottleStore for RedisThrottle {
    fn hit(&self, key: &str, now: u64, window: u64) -> BoxFuture<'_, Result<Hit, StoreError>> {
        let key = format!("{}{key}", self.prefix);
        Box::pin(async move {
            let script = Script::new(HIT);
            let mut call = script.key(key);
            call.arg(window.max(1));
            let (count, ttl): (u32, u64) =
                self.conn.run(|mut c| async move { call.invoke_async(&mut c).await }).await?;
            Ok(Hit { count, window_end: now.saturating_add(ttl) })
        })
    }

    fn undo(&self, key: &str) -> BoxFuture<'_, Result<(), StoreError>> {
        let key = format!("{}{key}", self.prefix);
        Box::pin(async move {
            let script = Script::new(UNDO);
            let call = script.key(key);
            self.conn.run(|mut c| async move { call.invoke_async::<i64>(&mut c).await }).await.map(drop)
        })
    }

    fn forget(&self, key: &str) -> BoxFuture<'_, Result<(), StoreError>> {
        let key = format!("{}{key}", self.prefix);
        Box::pin(async move { self.conn.run(|mut c| async move { c.del::<_, ()>(key).await }).await })
    }
}
