//! The stores of the adapter over login-core's traits: the SQLite registry (feature
//! `sqlite`), the Redis registry and throttle and a bounded session store wrapper
//! (feature `redis`). Their public paths are [`registry`](crate::registry),
//! [`throttle`](crate::throttle) and [`dev`](crate::dev).

#[cfg(feature = "redis")]
pub(crate) mod bounded_session_store;
#[cfg(feature = "redis")]
pub(crate) mod redis_connection;
#[cfg(feature = "redis")]
pub(crate) mod redis_registry;
#[cfg(feature = "redis")]
pub(crate) mod redis_throttle;
#[cfg(feature = "sqlite")]
pub(crate) mod sqlite_registry;
