//! The end-to-end tests of login-actix, one module per capability, in one test binary
//! (one link of the whole stack instead of one per file).

mod attacks;
mod browser;
mod cross_origin_responses;
mod demo_http;
mod demo_password_reset;
mod demo_peers;
mod demo_remember_rotation;
mod demo_two_factor;
mod event_log;
mod login_flow;
mod login_load;
mod login_state;
mod login_state_attacks;
mod login_state_races;
mod macro_hygiene;
mod macros;
mod password;
mod peers_features;
mod redis_instances;
mod redis_store;
mod registry;
mod registry_limits;
mod remember_rotation;
mod restart_and_workers;
mod store_contracts;
mod throttle;
mod tokens;
mod two_factor;
mod two_factor_attacks;
