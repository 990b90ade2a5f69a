//! Building the app and starting the server.

use std::{net::SocketAddr, sync::Arc};

use actix_session::{
    config::CookieContentSecurity,
    storage::{CookieSessionStore, RedisSessionStore, SessionStore},
    SessionMiddleware,
};
use actix_web::{
    body::MessageBody,
    cookie::{Key, SameSite},
    dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse},
    web, App, HttpServer,
};
use login_actix::{
    dev::BoundedSessionStore,
    recovery::RecoveryTokens,
    registry::{LoginStore, MemoryRegistry, RedisRegistry, SqliteRegistry},
    throttle::RedisThrottle,
    LoginConfig, LoginMiddleware, LoginStores,
};

use crate::{
    db::{Db, User},
    outbox::Outbox,
    routes::{self, load_user},
    settings::{RegistryKind, SessionStoreKind, Settings},
};

/// The bound on every Redis operation of a request.
pub const REDIS_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(500);

/// A start-up failure; the message names the setting.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database could not be opened.
    #[error("--db: cannot open the user database: {0}")]
    Db(String),
    /// Redis could not be reached.
    #[error("--session-store: cannot use Redis: {0}")]
    Redis(String),
    /// The login registry could not be opened.
    #[error("--registry: cannot open the login registry: {0}")]
    Registry(String),
    /// The address could not be bound.
    #[error("--addr: cannot listen on {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
    /// The outbox directory cannot be made.
    #[error("--outbox: cannot use the directory: {0}")]
    Outbox(std::io::Error),
    /// The login configuration was refused.
    #[error("--secret: {0}")]
    Config(String),
}

/// Everything the app factory needs, built once and cloned into each worker.
#[derive(Clone)]
pub struct AppParts {
    /// The user database.
    pub db: web::Data<Db>,
    /// The login configuration.
    pub config: LoginConfig,
    /// Where live logins and the throttle's counters are kept.
    pub stores: LoginStores,
    /// The session cookie key.
    pub key: Key,
    /// Whether cookies carry `Secure`.
    pub secure: bool,
    /// Password-reset links.
    pub recovery: web::Data<RecoveryTokens<User>>,
    /// Where mail goes.
    pub outbox: web::Data<Outbox>,
}

impl AppParts {
    /// The parts of an app without an outbox (messages only logged) and with reset links
    /// of the default lifetime: for tests that build the app themselves.
    pub fn new(db: Db, config: LoginConfig, key: Key, secure: bool) -> AppParts {
        AppParts {
            db: web::Data::new(db),
            recovery: web::Data::new(RecoveryTokens::new(&config)),
            outbox: web::Data::new(Outbox::log_only()),
            stores: LoginStores::memory(&config),
            config,
            key,
            secure,
        }
    }
}

/// The demo app on the given session store.
pub fn app<S: SessionStore + 'static>(
    parts: AppParts,
    store: S,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let session = SessionMiddleware::builder(store, parts.key)
        .cookie_name("id".to_owned())
        .cookie_secure(parts.secure)
        .cookie_http_only(true)
        .cookie_same_site(SameSite::Lax)
        .cookie_path("/".to_owned())
        .cookie_domain(None)
        .cookie_content_security(CookieContentSecurity::Private)
        .build();
    App::new()
        .app_data(parts.db)
        .app_data(parts.recovery)
        .app_data(parts.outbox)
        .configure(routes::configure)
        .wrap(
            LoginMiddleware::new(load_user, parts.config)
                .stores(parts.stores)
                .request_loader(routes::token_loader())
                .on_event(routes::log_event),
        )
        .wrap(session)
}

/// Opens the database, connects the stores and binds the address; the returned server
/// runs when awaited. The addresses are the bound ones (port 0 resolved).
pub async fn bind(settings: Settings) -> Result<(Server, Vec<SocketAddr>), StartError> {
    let db = Db::open(settings.db.as_deref()).map_err(|e| StartError::Db(e.to_string()))?;
    let key = Key::derive_from(&settings.secret);
    let (registry, redis_registry) = open_registry(&settings).await?;
    let mut base = LoginConfig::builder(&settings.secret)
        .cookie_secure(settings.secure_cookies)
        .idle_timeout(settings.idle_timeout)
        .login_attempts(settings.login_attempts)
        .login_window(settings.login_window)
        .remember_grace(settings.remember_grace)
        .two_factor_timeout(settings.two_factor_timeout)
        .device_lifetime(settings.device_lifetime)
        .login_attempts_per_account(settings.account_attempts)
        .trust_proxy(settings.trust_proxy);
    if let Some(fresh_for) = settings.fresh_for {
        base = base.fresh_for(fresh_for);
    }
    let config = base.build().map_err(|e| StartError::Config(e.to_string()))?;
    let mut stores = LoginStores::memory(&config).with_registry(registry);
    // Several instances count login attempts together, on the registry's connection.
    if let Some(redis) = &redis_registry {
        stores = stores.with_throttle(Arc::new(RedisThrottle::sharing(redis)));
    } else if let SessionStoreKind::Redis(url) = &settings.session_store {
        let throttle = RedisThrottle::connect_with(url, "login:throttle:", REDIS_TIMEOUT)
            .await
            .map_err(|e| StartError::Redis(e.to_string()))?;
        stores = stores.with_throttle(Arc::new(throttle));
    }
    let outbox = Outbox::new(settings.outbox.clone()).map_err(StartError::Outbox)?;
    let outbox = web::Data::new(outbox);
    let reset_timeout = settings.reset_timeout;
    let parts = || AppParts {
        db: web::Data::new(db.clone()),
        recovery: web::Data::new(RecoveryTokens::new(&config).lifetime(reset_timeout)),
        outbox: outbox.clone(),
        config: config.clone(),
        stores: stores.clone(),
        key: key.clone(),
        secure: settings.secure_cookies,
    };
    let (addrs, server) = match &settings.session_store {
        SessionStoreKind::Cookie => {
            let parts = parts();
            let server = HttpServer::new(move || app(parts.clone(), CookieSessionStore::default()))
                .bind(settings.addr)
                .map_err(|e| StartError::Bind(settings.addr, e))?;
            (server.addrs(), server.shutdown_timeout(5).run())
        }
        SessionStoreKind::Redis(url) => {
            // A pool rather than actix-session's single managed connection: measured here,
            // the pool answers at once while Redis is down and recovers as soon as it is
            // back, where the single connection kept timing out after a Redis restart.
            let mut pool_config = deadpool_redis::Config::from_url(url.as_str());
            pool_config.pool = Some(deadpool_redis::PoolConfig {
                max_size: 16,
                timeouts: deadpool_redis::Timeouts {
                    wait: Some(REDIS_TIMEOUT),
                    create: Some(REDIS_TIMEOUT),
                    recycle: Some(REDIS_TIMEOUT),
                },
                ..Default::default()
            });
            let pool = pool_config
                .create_pool(Some(deadpool_redis::Runtime::Tokio1))
                .map_err(|e| StartError::Redis(e.to_string()))?;
            let store = RedisSessionStore::new_pooled(pool).await.map_err(|e| StartError::Redis(e.to_string()))?;
            // A slow Redis costs a request at most this long (then a 5xx), never a hang.
            let store = BoundedSessionStore::new(store, REDIS_TIMEOUT);
            let parts = parts();
            let server = HttpServer::new(move || app(parts.clone(), store.clone()))
                .bind(settings.addr)
                .map_err(|e| StartError::Bind(settings.addr, e))?;
            (server.addrs(), server.shutdown_timeout(5).run())
        }
    };
    Ok((server, addrs))
}

/// The login registry the settings ask for (and the Redis one, when it is Redis).
async fn open_registry(settings: &Settings) -> Result<(Arc<dyn LoginStore>, Option<RedisRegistry>), StartError> {
    Ok(match &settings.registry {
        RegistryKind::Memory => (Arc::new(MemoryRegistry::new()), None),
        RegistryKind::Sqlite => {
            let registry = match &settings.db {
                Some(path) => SqliteRegistry::open(path),
                None => SqliteRegistry::open_in_memory(),
            }
            .map_err(|e| StartError::Registry(e.to_string()))?;
            (Arc::new(registry), None)
        }
        RegistryKind::Redis(url) => {
            let registry =
                RedisRegistry::builder(url.as_str()).timeout(REDIS_TIMEOUT).connect().await.map_err(|e| {
                    // A registry that follows the session store is reported as that setting.
                    match &settings.session_store {
                        SessionStoreKind::Redis(store) if store == url => StartError::Redis(e.to_string()),
                        _ => StartError::Registry(e.to_string()),
                    }
                })?;
            (Arc::new(registry.clone()), Some(registry))
        }
    })
}
