//! Every store keeps the same contract suites, one test per rule per store: the login
//! registries (memory, the process-wide default, SQLite in memory and in a file, an
//! app's wrapping store, Redis), the throttle stores (memory, Redis) and the second
//! factor's stores (memory, SQLite, the wrapping store, Redis).

use std::sync::Arc;

use login_actix::{
    registry::{LoginId, LoginRegistry, MemoryRegistry, RedisRegistry, SecondFactorStore, SqliteRegistry},
    registry_contract_tests, second_factor_contract_tests,
    test_util::Rule,
    throttle::{MemoryThrottle, RedisThrottle, ThrottleStore},
    throttle_contract_tests,
};
use login_tests::{redis::redis_server, FlakyRegistry};

async fn with_memory(rule: Rule<dyn LoginRegistry>) {
    rule(&MemoryRegistry::new()).await
}

/// The process-wide default a configuration uses, shared with other tests.
async fn with_default_memory(rule: Rule<dyn LoginRegistry>) {
    rule(&*MemoryRegistry::for_secret(&[5u8; 64])).await
}

async fn with_sqlite(rule: Rule<dyn LoginRegistry>) {
    rule(&SqliteRegistry::open_in_memory().expect("sqlite")).await
}

async fn with_sqlite_file(rule: Rule<dyn LoginRegistry>) {
    let file = std::env::temp_dir().join(format!("login-contract-{}.db", LoginId::random()));
    rule(&SqliteRegistry::open(&file).expect("sqlite file")).await;
    let _ = std::fs::remove_file(&file);
}

/// The tests' own wrapper store (an app's store, as the suite's user would write one).
async fn with_wrapper(rule: Rule<dyn LoginRegistry>) {
    rule(&FlakyRegistry::default()).await
}

async fn with_redis(rule: Rule<dyn LoginRegistry>) {
    let redis = redis_server();
    rule(&RedisRegistry::connect(redis.url()).await.expect("connects")).await
}

registry_contract_tests!(memory_registry, with_memory);
registry_contract_tests!(default_memory_registry, with_default_memory);
registry_contract_tests!(sqlite_registry, with_sqlite);
registry_contract_tests!(sqlite_file_registry, with_sqlite_file);
registry_contract_tests!(wrapping_registry, with_wrapper);
registry_contract_tests!(
    #[cfg_attr(not(has_redis), ignore = "needs redis-server on PATH")]
    redis_registry,
    with_redis
);

async fn with_memory_throttle(rule: Rule<dyn ThrottleStore>) {
    rule(&MemoryThrottle::new()).await
}

async fn with_redis_throttle(rule: Rule<dyn ThrottleStore>) {
    let redis = redis_server();
    let registry = Arc::new(RedisRegistry::connect(redis.url()).await.expect("connects"));
    rule(&RedisThrottle::sharing(&registry)).await
}

throttle_contract_tests!(memory_throttle, with_memory_throttle);
throttle_contract_tests!(
    #[cfg_attr(not(has_redis), ignore = "needs redis-server on PATH")]
    redis_throttle,
    with_redis_throttle
);

async fn with_memory_factor(rule: Rule<dyn SecondFactorStore>) {
    rule(&MemoryRegistry::new()).await
}

async fn with_sqlite_factor(rule: Rule<dyn SecondFactorStore>) {
    rule(&SqliteRegistry::open_in_memory().expect("sqlite")).await
}

async fn with_wrapper_factor(rule: Rule<dyn SecondFactorStore>) {
    rule(&FlakyRegistry::default()).await
}

async fn with_redis_factor(rule: Rule<dyn SecondFactorStore>) {
    let redis = redis_server();
    rule(&RedisRegistry::connect(redis.url()).await.expect("connects")).await
}

second_factor_contract_tests!(memory_second_factor, with_memory_factor);
second_factor_contract_tests!(sqlite_second_factor, with_sqlite_factor);
second_factor_contract_tests!(wrapping_second_factor, with_wrapper_factor);
second_factor_contract_tests!(
    #[cfg_attr(not(has_redis), ignore = "needs redis-server on PATH")]
    redis_second_factor,
    with_redis_factor
);

/// The SQLite registry answers a request's lookup in the worker's thread, and never
/// waits there: while another process is in the middle of a write transaction on the
/// file, the lookup still answers at once (WAL: a reader never waits for a writer; a
/// lock the reader meets is declined at once, for the blocking thread).
#[actix_rt::test]
async fn the_sqlite_registry_never_waits_in_the_workers_thread() {
    use login_actix::registry::{rusqlite, LiveLogin};
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

/// A user's device epoch starts at random in every store: after a store lost it (the
/// SQLite file deleted and created again, Redis in `redis_store.rs`), the epoch starts
/// somewhere new, so the device cookies of the lost epochs, forgotten ones among them,
/// never match again.
#[actix_rt::test]
async fn a_recreated_sqlite_file_never_revives_a_forgotten_device_epoch() {
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
