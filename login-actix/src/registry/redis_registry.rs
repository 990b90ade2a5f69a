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
//! - Logged-in requests: one script call (`HMGET` and `SISMEMBER`, one round trip), plus
//!   a small write at most once per touch interval.
//! - Login, logout, "end this session": one script each. "Log out everywhere" and the
//!   sessions page: one `SMEMBERS` and one pipelined round trip.
//!
//! # Eviction and persistence
//! Run this Redis with `maxmemory-policy noeviction` (the default): every key here has
//! a TTL, so `volatile-*` policies may evict them as well as `allkeys-*`. Eviction never
//! lets a login escape a logout: a login is live only while its user's set still names
//! it, so an evicted set ends that user's logins (they log in again), and an evicted
//! login hash ends that login. [`connect`](RedisRegistryBuilder::connect) logs a warning
//! when the server's policy may evict.
//!
//! A logout survives a Redis restart only when its write was on disk: use
//! `appendonly yes` with `appendfsync always`. With `everysec` (Redis's default for the
//! append-only file) a crash may lose the last second of logouts; with snapshots alone
//! (`save`), everything since the last snapshot, and a logged-out login comes back.
//!
//! The scripts touch keys they compute (a login's user set), so the registry needs one
//! Redis server (with replicas if you like), not Redis Cluster.
//!
//! # Failure
//! Every command is bounded by the [`timeout`](RedisRegistryBuilder::timeout) (default
//! 500 ms). A command that fails or times out is a [`StoreError`]: the request gets a
//! `503` and nobody is authenticated by it (fail closed). Requires Redis 2.6 or later
//! (Lua scripting).

use std::{sync::LazyLock, time::Duration};

use futures_util::future::BoxFuture;
use login_core::{
    pending::{AtCap, PendingLogin},
    LiveLogin, LoginId, LoginRegistry, LoginTimes, SecondFactorStore, StoreError,
};
use redis::{AsyncCommands, Script};

use crate::redis_connection::RedisConnection;

/// Live logins kept in Redis, shared by every instance that points at it.
#[derive(Clone)]
pub struct RedisRegistry {
    conn: RedisConnection,
    prefix: String,
}

impl std::fmt::Debug for RedisRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisRegistry")
            .field("prefix", &self.prefix)
            .field("timeout", &self.conn.timeout())
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
        let conn = RedisConnection::connect(&self.url, self.timeout).await?;
        let registry = RedisRegistry { conn, prefix: self.prefix };
        registry.check_server().await;
        Ok(registry)
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
if ttl < 0 or tonumber(ARGV[8]) + ttl < tonumber(ARGV[5]) then redis.call('EXPIREAT', KEYS[2], ARGV[5]) end
return 1";

/// Sets `last_seen_at` of a login that still exists.
const TOUCH: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local old = tonumber(redis.call('HGET', KEYS[1], 'last_seen_at') or '0')
if tonumber(ARGV[1]) > old then redis.call('HSET', KEYS[1], 'last_seen_at', ARGV[1]) end
return 1";

/// Lengthens a login that still exists, and its user set with it (so the login stays
/// listed and reachable by "log out everywhere" for its whole life).
const EXTEND: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local old = tonumber(redis.call('HGET', KEYS[1], 'expires_at') or '0')
local new = math.max(old, tonumber(ARGV[1]))
redis.call('HSET', KEYS[1], 'expires_at', tostring(new))
if ARGV[2] == '1' then redis.call('HSET', KEYS[1], 'remembered', '1') end
redis.call('EXPIREAT', KEYS[1], new)
local user = redis.call('HGET', KEYS[1], 'user_key')
if user then
  local set = ARGV[3] .. user
  local ttl = redis.call('TTL', set)
  if ttl >= 0 and tonumber(ARGV[4]) + ttl < new then redis.call('EXPIREAT', set, new) end
end
return 1";

/// The times of a login that is still a member of its user's set. A login whose index
/// entry is gone (evicted under `maxmemory`, lost in a partial restore) is not live:
/// "log out everywhere" finds every login through that set, so a login it could miss
/// is never trusted.
const LOOKUP: &str = r"
local v = redis.call('HMGET', KEYS[1], 'user_key', 'last_seen_at', 'expires_at', 'gen', 'rotated_at')
if not v[1] or not v[2] or not v[3] then return false end
if redis.call('SISMEMBER', ARGV[1] .. v[1], ARGV[2]) == 0 then return false end
return {v[2], v[3], v[4] or '0', v[5] or '0'}";

/// Moves the remember generation of a live login from ARGV[3] to the next (a
/// compare-and-set), then answers as [`LOOKUP`] does.
const ROTATE: &str = r"
local v = redis.call('HMGET', KEYS[1], 'user_key', 'last_seen_at', 'expires_at', 'gen', 'rotated_at')
if not v[1] or not v[2] or not v[3] then return false end
if redis.call('SISMEMBER', ARGV[1] .. v[1], ARGV[2]) == 0 then return false end
if tonumber(v[3]) <= tonumber(ARGV[4]) then return false end
local gen = v[4] or '0'
local rotated = v[5] or '0'
if gen == ARGV[3] then
  gen = tostring(tonumber(gen) + 1)
  rotated = ARGV[4]
  redis.call('HSET', KEYS[1], 'gen', gen, 'rotated_at', rotated)
end
return {v[2], v[3], gen, rotated}";

/// Removes a login and its user-set membership.
const REMOVE: &str = r"
local user = redis.call('HGET', KEYS[1], 'user_key')
local gone = redis.call('DEL', KEYS[1])
if user then redis.call('SREM', ARGV[1] .. user, ARGV[2]) end
return gone";

/// Accepts a TOTP step only when later than the user's last one.
const USE_STEP: &str = r"
local last = tonumber(redis.call('HGET', KEYS[1], 'step') or '0')
if tonumber(ARGV[1]) <= last then return 0 end
redis.call('HSET', KEYS[1], 'step', ARGV[1])
return 1";

/// The user's device epoch (ARGV[1] = 0) or the next one (ARGV[1] = 1). A user
/// without one starts at the random ARGV[2]: when the key is lost (a restart without
/// persistence, a flush), the epoch starts somewhere new, so device cookies of the lost
/// epochs, the forgotten ones among them, never match again. (The epoch goes back as
/// Redis's text: in Lua a number is a double, which would round it.)
const DEVICE_EPOCH: &str = r"
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if ARGV[1] == '0' and epoch then return epoch end
if not epoch then redis.call('HSET', KEYS[1], 'epoch', ARGV[2]) end
if ARGV[1] == '1' then redis.call('HINCRBY', KEYS[1], 'epoch', 1) end
return redis.call('HGET', KEYS[1], 'epoch')";

/// Adds a pending login: its hash (the record and its failures) expiring with it, and
/// its entry in the user's pending set (by expiry). Entries that ended by the new one's
/// creation (ARGV[7]) or whose hash is gone leave the set first; with ARGV[8] live ones
/// held, ARGV[10] = 'refuse' stores nothing (0); past ARGV[11] in all the oldest end.
const INSERT_PENDING: &str = r"
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[7])) do redis.call('DEL', ARGV[9] .. id) end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[7])
for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  if redis.call('EXISTS', ARGV[9] .. id) == 0 then redis.call('ZREM', KEYS[2], id) end
end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[5])
local max = tonumber(ARGV[8])
if ARGV[10] == 'refuse' and redis.call('ZCARD', KEYS[2]) >= max then return 0 end
redis.call('HSET', KEYS[1], 'record', ARGV[1], 'failures', ARGV[2], 'user_key', ARGV[3])
redis.call('EXPIREAT', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[5])
local ttl = redis.call('TTL', KEYS[2])
if ttl < 0 or tonumber(ARGV[6]) + ttl < tonumber(ARGV[4]) then redis.call('EXPIREAT', KEYS[2], ARGV[4]) end
local n = redis.call('ZCARD', KEYS[2])
max = tonumber(ARGV[11])
if n > max then
  local old = redis.call('ZRANGE', KEYS[2], 0, n - max - 1)
  for _, id in ipairs(old) do redis.call('DEL', ARGV[9] .. id) end
  redis.call('ZREM', KEYS[2], unpack(old))
end
return 1";

/// Counts a wrong code; ends the pending login at the limit.
const FAIL_PENDING: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local n = redis.call('HINCRBY', KEYS[1], 'failures', 1)
if n >= tonumber(ARGV[1]) then redis.call('DEL', KEYS[1]) end
return n";

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

    /// The connection and key prefix, for a throttle store sharing them.
    pub(crate) fn connection(&self) -> (RedisConnection, &str) {
        (self.conn.clone(), &self.prefix)
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

    /// The user's device epoch, moved on first when `next` (see [`DEVICE_EPOCH`]).
    fn device_epoch_call(&self, user_key: &str, next: bool) -> BoxFuture<'_, Result<u64, StoreError>> {
        let key = self.second_factor_key(user_key);
        Box::pin(async move {
            static SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(DEVICE_EPOCH));
            let mut call = SCRIPT.key(key);
            call.arg(u8::from(next)).arg(login_core::first_device_epoch());
            self.conn.run(|mut c| async move { call.invoke_async::<u64>(&mut c).await }).await
        })
    }

    fn second_factor_key(&self, user_key: &str) -> String {
        format!("{}f:{user_key}", self.prefix)
    }

    fn pending_key(&self, id: LoginId) -> String {
        format!("{}p:{id}", self.prefix)
    }

    fn pending_set(&self, user_key: &str) -> String {
        format!("{}pu:{user_key}", self.prefix)
    }

    /// One server setting, `None` when it cannot be read (a managed Redis refusing
    /// `CONFIG GET`).
    async fn config_get(&self, name: &'static str) -> Option<String> {
        let reply: Result<Vec<String>, _> = self
            .conn
            .run(|mut c| async move { redis::cmd("CONFIG").arg("GET").arg(name).query_async(&mut c).await })
            .await;
        match reply {
            Ok(mut pair) if pair.len() == 2 => pair.pop(),
            Ok(_) => None,
            Err(e) => {
                tracing::debug!(error = %e, setting = name, "could not read a Redis setting");
                None
            }
        }
    }

    /// Warns when the server may evict keys, and says when a crash may lose logouts.
    async fn check_server(&self) {
        if let Some(policy) = self.config_get("maxmemory-policy").await.filter(|p| p != "noeviction") {
            tracing::warn!(
                policy = policy.as_str(),
                "the Redis login registry's server may evict keys: evicted logins log their users out; \
                 set maxmemory-policy noeviction"
            );
        }
        let aof = self.config_get("appendonly").await;
        let fsync = self.config_get("appendfsync").await;
        if let (Some(aof), Some(fsync)) = (aof, fsync) {
            if aof != "yes" || fsync != "always" {
                tracing::info!(
                    appendonly = aof.as_str(),
                    appendfsync = fsync.as_str(),
                    "logouts in the Redis login registry survive a Redis crash only with appendonly yes and \
                     appendfsync always"
                );
            }
        }
    }

    async fn members(&self, user_key: &str) -> Result<Vec<LoginId>, StoreError> {
        let key = self.user_set(user_key);
        let ids: Vec<String> = self.conn.run(|mut c| async move { c.smembers(key).await }).await?;
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

/// The times a lookup or rotate script answered, when the login is live at `now`.
fn live_times(times: Option<(u64, u64, u32, u64)>, now: u64) -> Option<LoginTimes> {
    match times {
        Some((last_seen_at, expires_at, remember_gen, rotated_at)) if expires_at > now => {
            Some(LoginTimes { last_seen_at, expires_at, remember_gen, rotated_at })
        }
        _ => None,
    }
}

impl LoginRegistry for RedisRegistry {
    fn insert(&self, login: LiveLogin) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            let script = Script::new(INSERT);
            let mut call = script.key(self.login_key(login.id));
            call.key(self.user_set(&login.user_key))
                .arg(login.id.to_string())
                .arg(&login.user_key)
                .arg(login.created_at)
                .arg(login.last_seen_at)
                .arg(login.expires_at)
                .arg(u8::from(login.remembered))
                .arg(&login.user_agent)
                .arg(login_core::internal::now_secs());
            self.conn.run(|mut c| async move { call.invoke_async::<i64>(&mut c).await }).await.map(drop)
        })
    }

    fn lookup(&self, id: LoginId, now: u64) -> BoxFuture<'_, Result<Option<LoginTimes>, StoreError>> {
        Box::pin(async move {
            static SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(LOOKUP));
            let mut call = SCRIPT.key(self.login_key(id));
            call.arg(self.user_prefix()).arg(id.to_string());
            let times: Option<(u64, u64, u32, u64)> =
                self.conn.run(|mut c| async move { call.invoke_async(&mut c).await }).await?;
            Ok(live_times(times, now))
        })
    }

    fn rotate(&self, id: LoginId, from: u32, now: u64) -> BoxFuture<'_, Result<Option<LoginTimes>, StoreError>> {
        Box::pin(async move {
            static SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(ROTATE));
            let mut call = SCRIPT.key(self.login_key(id));
            call.arg(self.user_prefix()).arg(id.to_string()).arg(from).arg(now);
            let times: Option<(u64, u64, u32, u64)> =
                self.conn.run(|mut c| async move { call.invoke_async(&mut c).await }).await?;
            Ok(live_times(times, now))
        })
    }

    fn touch(&self, id: LoginId, now: u64) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            let script = Script::new(TOUCH);
            let mut call = script.key(self.login_key(id));
            call.arg(now);
            self.conn.run(|mut c| async move { call.invoke_async::<i64>(&mut c).await }).await.map(drop)
        })
    }

    fn extend(&self, id: LoginId, expires_at: u64, remembered: bool) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            let script = Script::new(EXTEND);
            let mut call = script.key(self.login_key(id));
            call.arg(expires_at)
                .arg(u8::from(remembered))
                .arg(self.user_prefix())
                .arg(login_core::internal::now_secs());
            self.conn.run(|mut c| async move { call.invoke_async::<i64>(&mut c).await }).await.map(drop)
        })
    }

    fn remove(&self, id: LoginId) -> BoxFuture<'_, Result<bool, StoreError>> {
        Box::pin(async move {
            let script = Script::new(REMOVE);
            let mut call = script.key(self.login_key(id));
            call.arg(self.user_prefix()).arg(id.to_string());
            self.conn.run(|mut c| async move { call.invoke_async::<i64>(&mut c).await }).await.map(|n| n > 0)
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
            let deleted: Vec<usize> = self.conn.run(|mut c| async move { pipe.query_async(&mut c).await }).await?;
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
            let rows: Vec<Vec<Option<String>>> =
                self.conn.run(|mut c| async move { pipe.query_async(&mut c).await }).await?;
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
                let key = self.user_set(&user_key);
                self.conn.run(|mut c| async move { c.srem::<_, _, ()>(key, gone).await }).await?;
            }
            logins.sort_by_key(|l| (l.created_at, l.id));
            Ok(logins)
        })
    }
}

impl SecondFactorStore for RedisRegistry {
    fn use_totp_step(&self, user_key: &str, step: u64) -> BoxFuture<'_, Result<bool, StoreError>> {
        let key = self.second_factor_key(user_key);
        Box::pin(async move {
            static SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(USE_STEP));
            let mut call = SCRIPT.key(key);
            call.arg(step);
            self.conn.run(|mut c| async move { call.invoke_async::<i64>(&mut c).await }).await.map(|n| n == 1)
        })
    }

    fn device_epoch(&self, user_key: &str) -> BoxFuture<'_, Result<u64, StoreError>> {
        self.device_epoch_call(user_key, false)
    }

    fn forget_devices(&self, user_key: &str) -> BoxFuture<'_, Result<u64, StoreError>> {
        self.device_epoch_call(user_key, true)
    }

    fn insert_pending(&self, pending: PendingLogin, at_cap: AtCap) -> BoxFuture<'_, Result<bool, StoreError>> {
        Box::pin(async move {
            let record = serde_json::to_string(&pending)
                .map_err(|e| StoreError::with_source("pending login not encodable", e))?;
            static SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(INSERT_PENDING));
            let mut call = SCRIPT.key(self.pending_key(pending.id));
            call.key(self.pending_set(&pending.user_key))
                .arg(record)
                .arg(pending.failures)
                .arg(&pending.user_key)
                .arg(pending.expires_at)
                .arg(pending.id.to_string())
                .arg(login_core::internal::now_secs())
                .arg(pending.created_at)
                .arg(login_core::MAX_PENDING_PER_USER)
                .arg(format!("{}p:", self.prefix))
                .arg(if at_cap == AtCap::Refuse { "refuse" } else { "extend" })
                .arg(login_core::MAX_PENDING_KNOWN);
            self.conn.run(|mut c| async move { call.invoke_async::<i64>(&mut c).await }).await.map(|stored| stored == 1)
        })
    }

    fn pending(&self, id: LoginId, now: u64) -> BoxFuture<'_, Result<Option<PendingLogin>, StoreError>> {
        let key = self.pending_key(id);
        Box::pin(async move {
            let (record, failures): (Option<String>, Option<u32>) =
                self.conn.run(|mut c| async move { c.hget(key, &["record", "failures"]).await }).await?;
            let Some(mut pending) = record.and_then(|r| serde_json::from_str::<PendingLogin>(&r).ok()) else {
                return Ok(None);
            };
            pending.failures = failures.unwrap_or(0);
            Ok((pending.expires_at > now && pending.id == id).then_some(pending))
        })
    }

    fn fail_pending(&self, id: LoginId, max: u32, now: u64) -> BoxFuture<'_, Result<Option<u32>, StoreError>> {
        Box::pin(async move {
            if self.pending(id, now).await?.is_none() {
                return Ok(None);
            }
            static SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(FAIL_PENDING));
            let mut call = SCRIPT.key(self.pending_key(id));
            call.arg(max);
            self.conn.run(|mut c| async move { call.invoke_async::<Option<u32>>(&mut c).await }).await
        })
    }

    fn remove_pending(&self, id: LoginId) -> BoxFuture<'_, Result<bool, StoreError>> {
        let key = self.pending_key(id);
        Box::pin(async move {
            let gone: i64 = self.conn.run(|mut c| async move { c.del(key).await }).await?;
            Ok(gone > 0)
        })
    }

    fn remove_pending_of(&self, user_key: &str) -> BoxFuture<'_, Result<usize, StoreError>> {
        let set = self.pending_set(user_key);
        Box::pin(async move {
            let key = set.clone();
            let ids: Vec<String> = self.conn.run(|mut c| async move { c.zrange(key, 0, -1).await }).await?;
            let mut pipe = redis::pipe();
            for id in ids.iter().filter_map(|id| id.parse::<LoginId>().ok()) {
                pipe.del(self.pending_key(id));
            }
            pipe.del(set).ignore();
            let deleted: Vec<usize> = self.conn.run(|mut c| async move { pipe.query_async(&mut c).await }).await?;
            Ok(deleted.into_iter().sum())
        })
    }
}
