// With the `two-factor` feature, the middleware's registry keeps the second
// factor's state too: a store of live logins alone does not compile (it would refuse
// every login with a second factor at run time).
use std::{future::Future, pin::Pin, sync::Arc};

use login_actix::{
    registry::{LiveLogin, LoginId, LoginRegistry, LoginTimes, StoreError},
    LoginConfig, LoginStores,
};

type Answer<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

struct LoginsOnly;

impl LoginRegistry for LoginsOnly {
    fn insert(&self, _: LiveLogin) -> Answer<'_, ()> {
        Box::pin(async { Ok(()) })
    }
    fn lookup(&self, _: LoginId, _: u64) -> Answer<'_, Option<LoginTimes>> {
        Box::pin(async { Ok(None) })
    }
    fn touch(&self, _: LoginId, _: u64) -> Answer<'_, ()> {
        Box::pin(async { Ok(()) })
    }
    fn extend(&self, _: LoginId, _: u64, _: bool) -> Answer<'_, ()> {
        Box::pin(async { Ok(()) })
    }
    fn rotate(&self, _: LoginId, _: u32, _: u64) -> Answer<'_, Option<LoginTimes>> {
        Box::pin(async { Ok(None) })
    }
    fn remove(&self, _: LoginId) -> Answer<'_, bool> {
        Box::pin(async { Ok(false) })
    }
    fn remove_user(&self, _: &str, _: Option<LoginId>) -> Answer<'_, usize> {
        Box::pin(async { Ok(0) })
    }
    fn list_user(&self, _: &str, _: u64) -> Answer<'_, Vec<LiveLogin>> {
        Box::pin(async { Ok(Vec::new()) })
    }
}

fn main() {
    let config = LoginConfig::new([7u8; 64]).expect("config");
    let _ = LoginStores::memory(&config).with_registry(Arc::new(LoginsOnly));
}
