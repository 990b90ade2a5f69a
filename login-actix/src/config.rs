//! Configuration: the builder and the values it checks.

pub use login_core::{
    Clock, ConfigError, CookieSettings, CrossOriginPolicy, CrossOriginRefusal, LoginConfigBuilder, SameSite,
    ThrottleSettings, MIN_SECRET_LEN,
};
