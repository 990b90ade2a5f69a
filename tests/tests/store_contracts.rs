//! Every store runs the same contract suite: the login registries (memory, SQLite in
//! memory and in a file, Redis) and the throttle stores (memory, Redis).

use std::sync::Arc;

use login_actix::{
    registry::{MemoryRegistry, RedisRegistry, SqliteRegistry},
    test_util::{registry_contract, throttle_contract},
    throttle::{MemoryThrottle, RedisThrottle},
};
use login_tests::{redis::redis_server, FlakyRegistry};

#[actix_rt::test]
async fn the_memory_registry_keeps_the_registry_contract() {
    registry_contract(&MemoryRegistry::new()).await;
    // The process-wide default a configuration uses, shared with other tests.
    registry_contract(&*MemoryRegistry::for_secret(&[5u8; 64])).await;
}

#[actix_rt::test]
async fn the_sqlite_registry_keeps_the_registry_contract() {
    registry_contract(&SqliteRegistry::open_in_memory().expect("sqlite")).await;
    let file = std::env::temp_dir().join(format!("login-contract-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&file);
    registry_contract(&SqliteRegistry::open(&file).expect("sqlite file")).await;
    let _ = std::fs::remove_file(&file);
}

/// The tests' own wrapper store (an app's store, as the suite's user would write one).
#[actix_rt::test]
async fn a_wrapping_store_keeps_the_registry_contract() {
    registry_contract(&FlakyRegistry::default()).await;
}

#[actix_rt::test]
#[cfg_attr(not(has_redis), ignore = "needs redis-server on PATH")]
async fn the_redis_registry_keeps_the_registry_contract() {
    let redis = redis_server();
    registry_contract(&RedisRegistry::connect(redis.url()).await.expect("connects")).await;
}

#[actix_rt::test]
async fn the_memory_throttle_keeps_the_throttle_contract() {
    throttle_contract(&MemoryThrottle::new()).await;
}

#[actix_rt::test]
#[cfg_attr(not(has_redis), ignore = "needs redis-server on PATH")]
async fn the_redis_throttle_keeps_the_throttle_contract() {
    let redis = redis_server();
    let registry = Arc::new(RedisRegistry::connect(redis.url()).await.expect("connects"));
    throttle_contract(&RedisThrottle::sharing(&registry)).await;
}
