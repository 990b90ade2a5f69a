//! Password hashing done right by default (feature `password`): argon2id (RustCrypto's
//! `argon2`), run off the async workers on a blocking thread with a bounded number at
//! once, a dummy verification for unknown users so that timing says nothing, a cap on
//! the password's length before any hashing, and rehashing when the parameters change.
//!
//! ```
//! use login_actix::password::{PasswordHasher, Verified};
//!
//! # actix_web::rt::System::new().block_on(async {
//! let hasher = PasswordHasher::new();
//! let stored = hasher.hash("correct horse").await?;
//! assert_eq!(hasher.verify("correct horse", Some(&stored)).await?, Verified::Yes { needs_rehash: false });
//! assert_eq!(hasher.verify("wrong", Some(&stored)).await?, Verified::No);
//! // An unknown username: a dummy hash is checked, so the answer takes as long.
//! assert_eq!(hasher.verify("anything", None).await?, Verified::No);
//! # Ok::<(), login_actix::password::PasswordError>(()) }).expect("hashing works");
//! ```
//!
//! With the throttle, [`PasswordHasher::check`] counts the attempt, verifies, and tells
//! the attempt how it went, in one call.

use std::sync::Arc;

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString},
    Algorithm, Argon2, Params, Version,
};

pub use crate::error::PasswordError;
use crate::{error::LoginError, throttle::LoginThrottle};

/// The longest password accepted, in bytes, by default: longer ones are refused before
/// any hashing (argon2 itself takes any length; the cap bounds the work one request
/// can ask for).
pub const DEFAULT_MAX_PASSWORD_LEN: usize = 1_024;

/// The answer of a verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verified {
    /// The password is right; `needs_rehash` when the stored hash was made with other
    /// parameters (store a new [`hash`](PasswordHasher::hash) of it now).
    Yes {
        /// Whether the stored hash should be replaced.
        needs_rehash: bool,
    },
    /// Wrong, too long, or no such user.
    No,
}

/// Hashes and verifies passwords. Cheap to clone; share one per app.
///
/// Defaults: argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane), at most as
/// many hashes at once as the machine has cores, passwords up to
/// [`DEFAULT_MAX_PASSWORD_LEN`] bytes.
#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    max_len: usize,
    permits: Arc<tokio::sync::Semaphore>,
    dummy: Arc<String>,
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("params", &self.params)
            .field("max_len", &self.max_len)
            .finish_non_exhaustive()
    }
}

impl Default for PasswordHasher {
    fn default() -> Self {
        Self::new()
    }
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

fn argon2(params: &Params) -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
}

fn hash_now(params: &Params, password: &[u8]) -> Result<String, PasswordError> {
    let salt = SaltString::generate(&mut OsRng);
    argon2(params)
        .hash_password(password, &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hashing(e.to_string()))
}

impl PasswordHasher {
    /// A hasher with the defaults.
    pub fn new() -> Self {
        Self::with_params(Params::default())
    }

    /// A hasher with these argon2id parameters.
    pub fn with_params(params: Params) -> Self {
        // The dummy hash has the same parameters, so an unknown user costs the same.
        let dummy = hash_now(&params, b"login-actix dummy password").unwrap_or_default();
        PasswordHasher {
            params,
            max_len: DEFAULT_MAX_PASSWORD_LEN,
            permits: Arc::new(tokio::sync::Semaphore::new(cores())),
            dummy: Arc::new(dummy),
        }
    }

    /// At most this many hashes at once (at least 1); further requests wait their turn
    /// without holding a worker.
    #[must_use]
    pub fn max_concurrent(mut self, n: usize) -> Self {
        self.permits = Arc::new(tokio::sync::Semaphore::new(n.max(1)));
        self
    }

    /// The longest password accepted, in bytes.
    #[must_use]
    pub fn max_password_len(mut self, max: usize) -> Self {
        self.max_len = max;
        self
    }

    /// Runs `f` on a blocking thread once a permit is free.
    async fn off_workers<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> Result<T, PasswordError> + Send + 'static,
    ) -> Result<T, PasswordError> {
        let _permit = self.permits.acquire().await.map_err(|e| PasswordError::Hashing(e.to_string()))?;
        tokio::task::spawn_blocking(f).await.map_err(|e| PasswordError::Hashing(e.to_string()))?
    }

    /// A PHC string (`$argon2id$v=19$...`) of `password` with a random salt.
    pub async fn hash(&self, password: &str) -> Result<String, PasswordError> {
        if password.len() > self.max_len {
            return Err(PasswordError::TooLong { max: self.max_len });
        }
        let (params, password) = (self.params.clone(), password.to_owned());
        self.off_workers(move || hash_now(&params, password.as_bytes())).await
    }

    /// [`hash`](PasswordHasher::hash) in this thread, for places that may block (start-up,
    /// seeding a database); never on an async worker.
    pub fn hash_blocking(&self, password: &str) -> Result<String, PasswordError> {
        if password.len() > self.max_len {
            return Err(PasswordError::TooLong { max: self.max_len });
        }
        hash_now(&self.params, password.as_bytes())
    }

    /// Checks `password` against the stored hash; `None` (no such user) checks a dummy
    /// hash of the same cost and answers [`Verified::No`]. A password over the length
    /// cap is [`Verified::No`] without hashing.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> Result<Verified, PasswordError> {
        if password.len() > self.max_len {
            return Ok(Verified::No);
        }
        let known = stored.is_some();
        let stored = stored.unwrap_or(&self.dummy).to_owned();
        let needs_rehash = known && self.needs_rehash(&stored);
        let password = password.to_owned();
        let params = self.params.clone();
        let right = self
            .off_workers(move || {
                let parsed = PasswordHash::new(&stored).map_err(|_| PasswordError::BadHash)?;
                Ok(argon2(&params).verify_password(password.as_bytes(), &parsed).is_ok())
            })
            .await?;
        Ok(if right && known { Verified::Yes { needs_rehash } } else { Verified::No })
    }

    /// Whether `stored` was made with other parameters (or another algorithm) than
    /// this hasher's: rehash at the next successful login.
    pub fn needs_rehash(&self, stored: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(stored) else { return true };
        let Ok(params) = Params::try_from(&parsed) else { return true };
        parsed.algorithm != Algorithm::Argon2id.ident()
            || params.m_cost() != self.params.m_cost()
            || params.t_cost() != self.params.t_cost()
            || params.p_cost() != self.params.p_cost()
    }

    /// One throttled credential check: counts the attempt for `username` (over the
    /// limit: [`LoginError::Throttled`], a `429`, with no hashing), verifies, and tells
    /// the attempt how it went.
    ///
    /// With feature `two-factor`, use `LoginThrottle::attempt_for`
    /// and [`verify`](PasswordHasher::verify) instead: the account's own browsers get
    /// through its per-account limit only that way, and a right password with a code to
    /// come is [`LoginAttempt::pending`](crate::throttle::LoginAttempt::pending), not a
    /// success.
    pub async fn check(
        &self,
        throttle: &LoginThrottle,
        username: &str,
        password: &str,
        stored: Option<&str>,
    ) -> Result<Verified, LoginError> {
        let attempt = throttle.attempt(username).await?;
        match self.verify(password, stored).await {
            Ok(Verified::No) => {
                attempt.failed();
                Ok(Verified::No)
            }
            Ok(yes) => {
                attempt.succeeded().await?;
                Ok(yes)
            }
            Err(err) => {
                attempt.failed();
                tracing::error!(error = %err, "password check failed");
                Err(LoginError::Password(err))
            }
        }
    }
}
