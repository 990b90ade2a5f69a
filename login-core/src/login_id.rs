//! The id of a login: one browser's logged-in period, named by its session record and
//! its remember token, and the key of its entry in the [login registry](crate::LoginRegistry).

use std::{fmt, str::FromStr};

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

/// An opaque 128-bit login id, written as 22 base64url characters: 48 bits of creation
/// time in milliseconds (strictly increasing within a process) and 80 random bits.
///
/// It names a login; it does not authenticate anyone by itself (the session cookie's
/// encryption and the remember token's signature do). Ids are unguessable anyway (80
/// random bits), so that one user cannot name another user's login. Their order is the
/// order of creation, also within one second, which is how the per-user cap tells the
/// oldest of a user's logins.
///
/// ```
/// # mod login_actix { pub use login_core::*; pub mod config { pub use login_core::*; } pub mod registry { pub use login_core::*; } pub mod next { pub use login_core::*; } pub mod throttle { pub use login_core::*; } }
/// use login_actix::registry::LoginId;
/// let id = LoginId::random();
/// let text = id.to_string();
/// assert_eq!(text.len(), 22);
/// assert_eq!(text.parse::<LoginId>(), Ok(id));
/// assert!("not an id".parse::<LoginId>().is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LoginId([u8; 16]);

/// A string that is not a [`LoginId`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a login id (22 base64url characters)")]
pub struct BadLoginId;

impl LoginId {
    /// A new id: the creation time in milliseconds (strictly increasing within the
    /// process), then 80 bits from the operating system's generator (via `rand`).
    pub fn random() -> Self {
        use std::sync::atomic::{AtomicU64, Ordering};
        static LAST: AtomicU64 = AtomicU64::new(0);
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        let prev = LAST.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |last| Some(now_ms.max(last + 1)));
        let ms = prev.map_or(now_ms, |last| now_ms.max(last + 1)) & 0xFFFF_FFFF_FFFF;
        let mut bytes: [u8; 16] = rand::random();
        bytes[..6].copy_from_slice(&ms.to_be_bytes()[2..]);
        LoginId(bytes)
    }

    /// The id's 16 bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// The id as two numbers (for the session record: numbers need no escaping inside
    /// the cookie session store's JSON, strings do).
    pub fn to_halves(self) -> (u64, u64) {
        let (hi, lo) = self.0.split_at(8);
        let word = |b: &[u8]| u64::from_be_bytes(b.try_into().unwrap_or([0; 8]));
        (word(hi), word(lo))
    }

    /// The id from [`to_halves`](LoginId::to_halves).
    pub fn from_halves(hi: u64, lo: u64) -> Self {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&hi.to_be_bytes());
        bytes[8..].copy_from_slice(&lo.to_be_bytes());
        LoginId(bytes)
    }
}

impl fmt::Display for LoginId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 22];
        // 16 bytes always encode to exactly 22 base64url characters without padding.
        let n = URL_SAFE_NO_PAD.encode_slice(self.0, &mut buf).map_err(|_| fmt::Error)?;
        f.write_str(std::str::from_utf8(&buf[..n]).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for LoginId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LoginId({self})")
    }
}

impl FromStr for LoginId {
    type Err = BadLoginId;

    fn from_str(s: &str) -> Result<Self, BadLoginId> {
        if s.len() != 22 {
            return Err(BadLoginId);
        }
        let mut out = [0u8; 16];
        match URL_SAFE_NO_PAD.decode_slice(s, &mut out) {
            Ok(16) => Ok(LoginId(out)),
            _ => Err(BadLoginId),
        }
    }
}

impl Serialize for LoginId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for LoginId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = LoginId;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a login id")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<LoginId, E> {
                v.parse().map_err(|_| E::custom(BadLoginId))
            }
        }
        deserializer.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_garbage() {
        for _ in 0..100 {
            let id = LoginId::random();
            assert_eq!(id.to_string().parse::<LoginId>(), Ok(id));
            let json = serde_json::to_string(&id).expect("serialises");
            assert_eq!(serde_json::from_str::<LoginId>(&json).expect("parses"), id);
        }
        assert_ne!(LoginId::random(), LoginId::random());
        let id = LoginId::random();
        let (hi, lo) = id.to_halves();
        assert_eq!(LoginId::from_halves(hi, lo), id);
        for bad in [
            "",
            "a",
            "AAAAAAAAAAAAAAAAAAAAA",
            "AAAAAAAAAAAAAAAAAAAAAAA",
            "AAAAAAAAAAAAAAAAAAAA+/",
            "é".repeat(11).as_str(),
        ] {
            assert!(bad.parse::<LoginId>().is_err(), "{bad}");
        }
        // The last character may only carry 2 bits: non-canonical encodings are refused.
        assert!("AAAAAAAAAAAAAAAAAAAAAB".parse::<LoginId>().is_err());
    }
}
