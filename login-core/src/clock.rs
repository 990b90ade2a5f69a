//! The login flow's clock: seconds since the Unix epoch.

use std::{
    sync::Arc,
    time::{SystemTime, UNIX_EPOCH},
};

/// The clock of the login flow: seconds since the Unix epoch.
pub type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

/// Seconds since the Unix epoch, now.
pub fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}
