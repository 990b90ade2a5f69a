//! Every store runs the same contract suite: the login registries (memory, SQLite in
//! memory and in a file, Redis) and the throttle stores (memory, Redis).

use std::sync::Arc;

use login_actix::{
    registry::{MemoryRegistry, RedisRegistry, SqliteRegistry},
    test_util::{registry_contract, second_factor_contract, throttle_contract},
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

/// The SQLite registry answers a request's lookup in the worker's thread, and never
/// waits there: while another process is in the middle of a write transaction on the
/// file, the lookup still answers at once (WAL: a reader never waits for a writer; a
/// lock the reader meets is declined at once, for the blocking thread).
#[actix_rt::test]
async fn the_sqlite_registry_never_waits_in_the_workers_thread() {
    use login_actix::registry::{rusqlite, LiveLogin, LoginId, LoginRegistry};
    let file = std::env::temp_dir().join(format!("login-busy-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&file);
    let registry = SqliteRegistry::open(&file).expect("sqlite file");
    let now = login_core::internal::now_secs();
    let id = LoginId::random();
    let login = LiveLogin {
        id,
        user_key: "1".into(),
        created_at: now,
        last_seen_at: now,
        expires_at: now + 60,
        remembered: false,
        user_agent: String::new(),
    };
    registry.insert(login).await.expect("insert");
    assert!(matches!(registry.lookup_now(id, now), Some(Ok(Some(_)))), "answered in the worker's thread");

    let other = rusqlite::Connection::open(&file).expect("another process's connection");
    other.execute_batch("BEGIN IMMEDIATE; DELETE FROM login_registry;").expect("a pending write");
    let started = std::time::Instant::now();
    let answer = registry.lookup_now(id, now);
    assert!(started.elapsed() < std::time::Duration::from_millis(500), "the worker waited {:?}", started.elapsed());
    assert!(matches!(answer, Some(Ok(Some(_))) | None), "answered from the last commit, or declined: {answer:?}");
    other.execute_batch("COMMIT;").expect("commit");
    assert!(matches!(registry.lookup_now(id, now), Some(Ok(None))), "the committed delete is seen at once");
    let _ = std::fs::remove_file(&file);
}

#[actix_rt::test]
async fn every_in_process_store_keeps_the_second_factor_contract() {
    second_factor_contract(&MemoryRegistry::new()).await;
    second_factor_contract(&SqliteRegistry::open_in_memory().expect("sqlite")).await;
    second_factor_contract(&FlakyRegistry::default()).await;
}

#[actix_rt::test]
#[cfg_attr(not(has_redis), ignore = "needs redis-server on PATH")]
async fn the_redis_registry_keeps_the_second_factor_contract() {
    let redis = redis_server();
    second_factor_contract(&RedisRegistry::connect(redis.url()).await.expect("connects")).await;
}

/// A user's device epoch starts at random in every store: after a store lost it (the
/// SQLite file deleted and created again, Redis in `redis_store.rs`), the epoch starts
/// somewhere new, so the device cookies of the lost epochs, forgotten ones among them,
/// never match again.
#[actix_rt::test]
async fn a_recreated_sqlite_file_never_revives_a_forgotten_device_epoch() {
    use login_actix::registry::SecondFactorStore;
    let file = std::env::temp_dir().join(format!("login-epoch-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&file);
    let registry = SqliteRegistry::open(&file).expect("sqlite file");
    let first = registry.device_epoch("1").await.expect("epoch");
    assert_eq!(registry.device_epoch("1").await.expect("epoch"), first, "kept");
    let forgotten = registry.forget_devices("1").await.expect("forget");
    assert_eq!(forgotten, first + 1);
    assert!(registry.use_totp_step("2", 100).await.expect("step"));
    assert_ne!(registry.device_epoch("2").await.expect("epoch"), 0, "a row made by a TOTP step starts at random too");
    drop(registry);
    std::fs::remove_file(&file).expect("the file deleted");
    let registry = SqliteRegistry::open(&file).expect("a new file");
    let fresh = registry.device_epoch("1").await.expect("epoch");
    assert!(fresh != first && fresh != forgotten, "a lost epoch came back: {fresh}");
    let _ = std::fs::remove_file(&file);
}
