//! The rule of rotating remember tokens: which generation of a login's token still
//! restores it, and which one is a stolen copy.
//!
//! Every remember restore moves the login to its next generation and answers with a
//! token of it; the token presented is retired. A token of one of the
//! [`RETIRED_IN_GRACE`] generations before the current one still restores while the
//! latest rotation is within the grace window (parallel requests, restored tabs, and a
//! slow request overtaken by the same client's next ones present old tokens at once),
//! and is answered with the current token, never with a further rotation. Any older
//! token, or a retired one after the window, is theft: someone else restored the login
//! with a copy, and the login ends for both.

use std::time::Duration;

use crate::registry::LoginTimes;

/// How many retired generations restore inside the grace window: a few requests that
/// overtook each other, never a copy kept for later.
pub const RETIRED_IN_GRACE: u32 = 3;

/// What a remember token's generation is worth against its login's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenStanding {
    /// The login's current token: the restore rotates it.
    Current,
    /// Retired by one of the latest rotations while the latest is within the grace
    /// window: the restore answers with the current token and rotates nothing.
    InGrace,
    /// Retired and presented after the grace window, or more than
    /// [`RETIRED_IN_GRACE`] generations old: a copy of the token is in two hands; the
    /// login ends.
    Reused,
    /// A generation the login never reached (a registry restored from an old backup):
    /// the token is ignored, the login left alone.
    Unknown,
}

/// The standing of a token of generation `gen` for a login in state `times`, at `now`
/// (seconds), with the configured `grace`. The window is inclusive of its last
/// second: a retired token restores while `now <= rotated_at + grace`.
///
/// ```
/// # mod login_actix { pub use login_core::*; pub mod config { pub use login_core::*; } pub mod registry { pub use login_core::*; } pub mod next { pub use login_core::*; } pub mod throttle { pub use login_core::*; } }
/// use std::time::Duration;
/// use login_actix::registry::{token_standing, LoginTimes, TokenStanding};
///
/// let grace = Duration::from_secs(10);
/// let times = LoginTimes { remember_gen: 3, rotated_at: 1_000, ..LoginTimes::new(1_000, 9_000) };
/// assert_eq!(token_standing(3, times, 1_005, grace), TokenStanding::Current);
/// assert_eq!(token_standing(2, times, 1_010, grace), TokenStanding::InGrace);
/// assert_eq!(token_standing(2, times, 1_011, grace), TokenStanding::Reused);
/// assert_eq!(token_standing(0, times, 1_001, grace), TokenStanding::InGrace, "overtaken");
/// let later = LoginTimes { remember_gen: 9, ..times };
/// assert_eq!(token_standing(5, later, 1_001, grace), TokenStanding::Reused, "too old");
/// assert_eq!(token_standing(4, times, 1_001, grace), TokenStanding::Unknown);
/// ```
pub fn token_standing(gen: u32, times: LoginTimes, now: u64, grace: Duration) -> TokenStanding {
    let current = times.remember_gen;
    if gen == current {
        TokenStanding::Current
    } else if gen > current {
        TokenStanding::Unknown
    } else if current - gen <= RETIRED_IN_GRACE && now <= times.rotated_at.saturating_add(grace.as_secs()) {
        TokenStanding::InGrace
    } else {
        TokenStanding::Reused
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(gen: u32, rotated_at: u64) -> LoginTimes {
        LoginTimes { remember_gen: gen, rotated_at, ..LoginTimes::new(rotated_at, rotated_at + 1_000) }
    }

    #[test]
    fn a_never_rotated_login_knows_only_generation_zero() {
        let grace = Duration::from_secs(10);
        assert_eq!(token_standing(0, at(0, 0), 500, grace), TokenStanding::Current);
        assert_eq!(token_standing(1, at(0, 0), 500, grace), TokenStanding::Unknown);
    }

    #[test]
    fn the_grace_window_ends_after_its_last_second() {
        let grace = Duration::from_secs(10);
        assert_eq!(token_standing(4, at(5, 100), 100, grace), TokenStanding::InGrace);
        assert_eq!(token_standing(4, at(5, 100), 110, grace), TokenStanding::InGrace);
        assert_eq!(token_standing(4, at(5, 100), 111, grace), TokenStanding::Reused);
    }

    #[test]
    fn only_a_few_retired_generations_have_a_grace_window() {
        let grace = Duration::from_secs(10);
        assert_eq!(token_standing(2, at(5, 100), 100, grace), TokenStanding::InGrace);
        assert_eq!(token_standing(1, at(5, 100), 100, grace), TokenStanding::Reused);
        assert_eq!(token_standing(0, at(5, 100), 100, grace), TokenStanding::Reused);
        assert_eq!(token_standing(2, at(5, 100), 111, grace), TokenStanding::Reused);
    }

    #[test]
    fn a_zero_grace_window_still_covers_the_second_of_the_rotation() {
        let grace = Duration::ZERO;
        assert_eq!(token_standing(1, at(2, 100), 100, grace), TokenStanding::InGrace);
        assert_eq!(token_standing(1, at(2, 100), 101, grace), TokenStanding::Reused);
    }

    #[test]
    fn the_last_generation_is_still_current() {
        let grace = Duration::from_secs(10);
        assert_eq!(token_standing(u32::MAX, at(u32::MAX, 100), 100, grace), TokenStanding::Current);
    }
}
