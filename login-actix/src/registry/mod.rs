//! The registry of live logins and its stores.
//!
//! A request is authenticated only while its login is live here. The stores:
//!
//! | store | survives a restart | several instances | a lost key | a logout survives a store restart |
//! |---|---|---|---|---|
//! | [`MemoryRegistry`] (default) | no: everybody is logged out | no | (nothing is lost short of a restart) | (nothing survives) |
//! | `SqliteRegistry` (feature `sqlite`) | yes | processes on one machine, one file | (no eviction) | always (committed transactions) |
//! | `RedisRegistry` (feature `redis`) | yes (as Redis persists) | yes | an evicted user index ends that user's logins | with `appendonly yes` and `appendfsync always` |
//!
//! Every store gets the same per-user cap
//! ([`max_logins_per_user`](crate::config::LoginConfigBuilder::max_logins_per_user),
//! default 100) from the library: after each credential login, past the cap, the
//! user's oldest login ends. Bring your own (Postgres) by implementing
//! [`LoginRegistry`].
//!
//! Every store also keeps each login's remember-token generation
//! ([`LoginTimes::remember_gen`], moved by [`LoginRegistry::rotate`], a
//! compare-and-set): two numbers per login, whatever the number of rotations. Which
//! generation still restores is [`token_standing`].

pub use login_core::{
    first_device_epoch, token_standing, user_agent_label, user_key, LiveLogin, LoginId, LoginRegistry, LoginStore,
    LoginTimes, MemoryRegistry, SecondFactorStore, StoreError, TokenStanding, DEFAULT_MAX_LOGINS,
    DEFAULT_MAX_LOGINS_PER_USER, MAX_LOGINS_PER_USER_BOUND, RETIRED_IN_GRACE,
};

#[cfg(feature = "redis")]
mod redis_registry;
#[cfg(feature = "sqlite")]
mod sqlite_registry;

#[cfg(feature = "redis")]
pub use redis_registry::{RedisRegistry, RedisRegistryBuilder};
/// The `rusqlite` this crate's SQLite registry is built with (0.32, SQLite bundled).
/// Only one `rusqlite` can link SQLite in a build (`links = "sqlite3"`): an app using
/// SQLite itself uses this one (`login_actix::registry::rusqlite`) or the same version.
#[cfg(feature = "sqlite")]
pub use rusqlite;
#[cfg(feature = "sqlite")]
pub use sqlite_registry::SqliteRegistry;
