//! The Redis login registry, for several app instances sharing logins (feature `redis`).
//!
//! Each login is a hash, `<prefix>l:<id>`, expiring at the login's absolute end
//! (`EXPIREAT`), so Redis drops it by itself; each user has a set of login ids,
//! `<prefix>u:<user key>`, expiring with the user's latest login. Updates are small Lua
//! scripts, so a touch or extend of a login removed meanwhile never brings it back.
//! One multiplexed [`ConnectionManager`] serves every worker; it reconnects by itself
//! after Redis restarts.
//!
//! # Cost model
//! - Routes that never ask for the user: no Redis call.
//! - Logged-in requests: one `HMGET`, plus a small write at most once per touch
//!   interval.
//! - Login, logout, "end this session": one script each. "Log out everywhere" and the
//!   sessions page: one `SMEMBERS` and one pipelined round trip.
//!
//! # Failure
//! Every command is bounded by the [`timeout`](RedisRegistryBuilder::timeout) (default
//! 500 ms). A command that fails or times out is a [`StoreError`]: the request gets a
//! `503` and nobody is authenticated by it (fail closed). Requires Redis 2.6 or later
//! (Lua scripting).

use std::time::Duration;

use futures_util::future::BoxFuture;
use login_core::{LiveLogin, LoginId, LoginRegistry, LoginTimes, StoreError};
use redis::{
    aio::{ConnectionManager, ConnectionManagerConfig},
    AsyncCommands, Client, Script,
};

/// Live logins kept in Redis, shared by every instance that points at it.
#[derive(Clone)]
pub struct RedisRegistry {
    conn: ConnectionManager,
    prefix: String,
    timeout: Duration,
}

impl std::fmt::Debug for RedisRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisRegistry")
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Configures a [`RedisRegistry`].
#[derive(Debug, Clone)]
#[must_use]
pub struct RedisRegistryBuilder {
    url: String,
    prefix: String,
    timeout: Duration,
}

impl RedisRegistryBuilder {
    /// Key prefix. Default `login:`.
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
    pub async fn connect(self) -> Result<RedisRegistry, StoreError> {
        let client = Client::open(self.url.as_str()).map_err(|e| StoreError::with_source("bad Redis URL", e))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(self.timeout)
            .set_response_timeout(self.timeout)
            .set_number_of_retries(2)
            .set_max_delay(self.timeout.as_millis().try_into().unwrap_or(u64::MAX));
        let conn = tokio::time::timeout(self.timeout * 4, ConnectionManager::new_with_config(client, config))
            .await
            .map_err(|_| StoreError::new("timed out connecting to Redis"))?
            .map_err(|e| StoreError::with_source("cannot connect to Redis", e))?;
        Ok(RedisRegistry { conn, prefix: self.prefix, timeout: self.timeout })
    }
}

/// Adds a login and its user-set membership; the user set lives as long as the user's
/// latest login.
const INSERT: &str = r"
redis.call('HSET', KEYS[1], 'user_key', ARGV[2], 'created_at', ARGV[3], 'last_seen_at', ARGV[4],
  'expires_at', ARGV[5], 'remembered', ARGV[6], 'user_agent', ARGV[7])
redis.call('EXPIREAT', KEYS[1], ARGV[5])
redis.call('SADD', KEYS[2], ARGV[1])
local ttl = redis.call('TTL', KEYS[2])
if ttl < 0 or tonumber(ARGV[3]) + ttl < tonumber(ARGV[5]) then redis.call('EXPIREAT', KEYS[2], ARGV[5]) end
return 1";

/// Sets `last_seen_at` of a login that still exists.
const TOUCH: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local old = tonumber(redis.call('HGET', KEYS[1], 'last_seen_at') or '0')
if tonumber(ARGV[1]) > old then redis.call('HSET', KEYS[1], 'last_seen_at', ARGV[1]) end
return 1";

/// Changes the expiry of a login that still exists.
const EXTEND: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'expires_at', ARGV[1], 'remembered', ARGV[2])
redis.call('EXPIREAT', KEYS[1], ARGV[1])
return 1";

/// Removes a login and its user-set membership.
const REMOVE: &str = r"
local user = redis.call('HGET', KEYS[1], 'user_key')
local gone = redis.call('DEL', KEYS[1])
if user then redis.call('SREM', ARGV[1] .. user, ARGV[2]) end
return gone";

const FIELDS: [&str; 6] = ["user_key", "created_at", "last_seen_at", "expires_at", "remembered", "user_agent"];

impl RedisRegistry {
    /// A builder for the Redis at `url` (`redis://host:port/db`).
    pub fn builder(url: impl Into<String>) -> RedisRegistryBuilder {
        RedisRegistryBuilder { url: url.into(), prefix: "login:".to_owned(), timeout: Duration::from_millis(500) }
    }

    /// Connects with the defaults.
    pub async fn connect(url: impl Into<String>) -> Result<Self, StoreError> {
        Self::builder(url).connect().await
    }

    fn login_key(&self, id: LoginId) -> String {
        format!("{}l:{id}", self.prefix)
    }

    fn user_prefix(&self) -> String {
        format!("{}u:", self.prefix)
    }

    fn user_set(&self, user_key: &str) -> String {
        format!("{}u:{user_key}", self.prefix)
    }

    async fn bounded<T>(&self, op: impl std::future::Future<Output = redis::RedisResult<T>>) -> Result<T, StoreError> {
        match tokio::time::timeout(self.timeout, op).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(StoreError::with_source("Redis command failed", e)),
            Err(_) => Err(StoreError::new("Redis timed out")),
        }
    }

    async fn members(&self, user_key: &str) -> Result<Vec<LoginId>, StoreError> {
        let mut conn = self.conn.clone();
        let ids: Vec<String> = self.bounded(conn.smembers(self.user_set(user_key))).await?;
        Ok(ids.iter().filter_map(|id| id.parse().ok()).collect())
    }
}

fn parse_login(id: LoginId, fields: &[Option<String>]) -> Option<LiveLogin> {
    let num = |i: usize| fields.get(i)?.as_deref()?.parse::<u64>().ok();
    Some(LiveLogin {
        id,
        user_key: fields.first()?.clone()?,
        created_at: num(1)?,
        last_seen_at: num(2)?,
        expires_at: num(3)?,
        remembered: fields.get(4)?.as_deref()? == "1",
        user_agent: fields.get(5)?.clone().unwrap_or_default(),
    })
}

impl LoginRegistry for RedisRegistry {
    fn insert(&self, login: LiveLogin) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let script = Script::new(INSERT);
            let mut call = script.key(self.login_key(login.id));
            call.key(self.user_set(&login.user_key))
                .arg(login.id.to_string())
                .arg(&login.user_key)
                .arg(login.created_at)
                .arg(login.last_seen_at)
                .arg(login.expires_at)
                .arg(u8::from(login.remembered))
                .arg(&login.user_agent);
            self.bounded(call.invoke_async::<i64>(&mut conn)).await.map(drop)
        })
    }

    fn lookup(&self, id: LoginId, now: u64) -> BoxFuture<'_, Result<Option<LoginTimes>, StoreError>> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let (last_seen, expires): (Option<u64>, Option<u64>) =
                self.bounded(conn.hget(self.login_key(id), &["last_seen_at", "expires_at"])).await?;
            Ok(match (last_seen, expires) {
                (Some(last_seen_at), Some(expires_at)) if expires_at > now => {
                    Some(LoginTimes { last_seen_at, expires_at })
                }
                _ => None,
            })
        })
    }

    fn touch(&self, id: LoginId, now: u64) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let script = Script::new(TOUCH);
            let mut call = script.key(self.login_key(id));
            call.arg(now);
            self.bounded(call.invoke_async::<i64>(&mut conn)).await.map(drop)
        })
    }

    fn extend(&self, id: LoginId, expires_at: u64, remembered: bool) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let script = Script::new(EXTEND);
            let mut call = script.key(self.login_key(id));
            call.arg(expires_at).arg(u8::from(remembered));
            self.bounded(call.invoke_async::<i64>(&mut conn)).await.map(drop)
        })
    }

    fn remove(&self, id: LoginId) -> BoxFuture<'_, Result<bool, StoreError>> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let script = Script::new(REMOVE);
            let mut call = script.key(self.login_key(id));
            call.arg(self.user_prefix()).arg(id.to_string());
            self.bounded(call.invoke_async::<i64>(&mut conn)).await.map(|n| n > 0)
        })
    }

    fn remove_user(&self, user_key: &str, keep: Option<LoginId>) -> BoxFuture<'_, Result<usize, StoreError>> {
        let user_key = user_key.to_owned();
        Box::pin(async move {
            let ending: Vec<LoginId> =
                self.members(&user_key).await?.into_iter().filter(|id| Some(*id) != keep).collect();
            if ending.is_empty() {
                return Ok(0);
            }
            let mut pipe = redis::pipe();
            for id in &ending {
                pipe.del(self.login_key(*id));
            }
            pipe.srem(self.user_set(&user_key), ending.iter().map(ToString::to_string).collect::<Vec<_>>()).ignore();
            let mut conn = self.conn.clone();
            let deleted: Vec<usize> = self.bounded(pipe.query_async(&mut conn)).await?;
            Ok(deleted.into_iter().sum())
        })
    }

    fn list_user(&self, user_key: &str, now: u64) -> BoxFuture<'_, Result<Vec<LiveLogin>, StoreError>> {
        let user_key = user_key.to_owned();
        Box::pin(async move {
            let ids = self.members(&user_key).await?;
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            let mut pipe = redis::pipe();
            for id in &ids {
                pipe.hget(self.login_key(*id), &FIELDS);
            }
            let mut conn = self.conn.clone();
            let rows: Vec<Vec<Option<String>>> = self.bounded(pipe.query_async(&mut conn)).await?;
            let mut logins = Vec::new();
            let mut gone = Vec::new();
            for (id, row) in ids.into_iter().zip(rows) {
                match parse_login(id, &row) {
                    Some(login) if login.user_key == user_key && login.expires_at > now => logins.push(login),
                    Some(login) if login.user_key != user_key => {}
                    _ => gone.push(id.to_string()),
                }
            }
            if !gone.is_empty() {
                // Prune members whose login expired by itself.
                self.bounded(conn.srem::<_, _, ()>(self.user_set(&user_key), gone)).await?;
            }
            logins.sort_by_key(|l| (l.created_at, l.id));
            Ok(logins)
        })
    }
}
