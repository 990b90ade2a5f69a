//! Configuration: the builder and the values it checks.

pub use login_core::{
    Clock, ConfigError, CookieSettings, CrossOriginPolicy, CrossOriginRefusal, LoginConfigBuilder, SameSite,
    ThrottleSettings, DEFAULT_REMEMBER_GRACE, MAX_REMEMBER_GRACE, MIN_SECRET_LEN,
};
