//! What the login flow keeps in the session: one compact, versioned record under one key.
//!
//! The record is a JSON array `[4, user_id, login_hi, login_lo, authenticated_at, flags, auth_tag?]`
//! (the login id as two numbers):
//! - `4` is the format version. A record of any other version, or of the previous
//!   format (which began with the user id and held no login id), is not read: the
//!   visitor is anonymous and the session is cleared. Nothing old can be live anyway,
//!   since it names no login in the registry.
//! - `authenticated_at`: when a credential was last checked in this session (seconds
//!   since the Unix epoch), `null` when none was (a remember restore, a login made
//!   with `fresh(false)`: never fresh); a `0` reads as `null`.
//! - `flags`: bit 0 set for a forced login (`force(true)`: the user's `is_active` is not
//!   checked while the login lasts), bit 1 for a session restored from a remember
//!   cookie.
//! - `auth_tag`: the HMAC tag of the user's session auth hash, absent when the user
//!   type has none.
//!
//! With a cookie session store every byte of it is decoded on every request, and a
//! string inside the session's own JSON would be escaped (slow to parse), so it has no
//! strings of its own: only the user id, if the app's id type is a string.

use std::{fmt, marker::PhantomData};

use serde::{
    de::{self, DeserializeOwned, SeqAccess, Visitor},
    ser::SerializeSeq,
    Deserialize, Deserializer, Serialize, Serializer,
};

use crate::login_id::LoginId;

/// The session key of the login record.
pub const SESSION_KEY: &str = "_login";

/// The format version this crate writes and reads.
pub const FORMAT_VERSION: u8 = 4;

/// Flag bit of a forced login.
const FORCED: u64 = 1;
/// Flag bit of a session restored from a remember cookie.
const RESTORED: u64 = 2;

/// The login record stored in the session. It holds ids and an HMAC tag, never a secret.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRecord<Id> {
    /// The logged-in user's id.
    pub user_id: Id,
    /// The login this session belongs to.
    pub login_id: LoginId,
    /// When a credential was last checked in this session; `None` when none was (a
    /// remember restore, a login without a credential check).
    pub authenticated_at: Option<u64>,
    /// The user's auth tag at login (see [`AuthUser::session_auth_hash`](crate::AuthUser::session_auth_hash)).
    pub auth_tag: Option<u64>,
    /// A forced login: it holds although the user is inactive, until it is ended.
    pub forced: bool,
    /// The session was restored from a remember cookie.
    pub restored: bool,
}

impl<Id: Serialize> Serialize for SessionRecord<Id> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let len = if self.auth_tag.is_some() { 7 } else { 6 };
        let mut seq = serializer.serialize_seq(Some(len))?;
        let (hi, lo) = self.login_id.to_halves();
        seq.serialize_element(&FORMAT_VERSION)?;
        seq.serialize_element(&self.user_id)?;
        seq.serialize_element(&hi)?;
        seq.serialize_element(&lo)?;
        seq.serialize_element(&self.authenticated_at)?;
        let flags = if self.forced { FORCED } else { 0 } | if self.restored { RESTORED } else { 0 };
        seq.serialize_element(&flags)?;
        if let Some(tag) = &self.auth_tag {
            seq.serialize_element(tag)?;
        }
        seq.end()
    }
}

impl<'de, Id: DeserializeOwned> Deserialize<'de> for SessionRecord<Id> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RecordVisitor<Id>(PhantomData<Id>);

        impl<'de, Id: DeserializeOwned> Visitor<'de> for RecordVisitor<Id> {
            type Value = SessionRecord<Id>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a login record array of format version 4")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let missing = |i| de::Error::invalid_length(i, &"6 or 7 elements");
                // The version comes first; an unknown one stops reading right there.
                let version =
                    seq.next_element::<u64>().map_err(|_| de::Error::custom("unknown login record version"))?;
                if version != Some(u64::from(FORMAT_VERSION)) {
                    return Err(de::Error::custom(format_args!("unknown login record version {version:?}")));
                }
                let user_id = seq.next_element()?.ok_or_else(|| missing(1))?;
                let hi = seq.next_element()?.ok_or_else(|| missing(2))?;
                let lo = seq.next_element()?.ok_or_else(|| missing(3))?;
                let authenticated_at: Option<u64> = seq.next_element()?.ok_or_else(|| missing(4))?;
                let flags: u64 = seq.next_element()?.ok_or_else(|| missing(5))?;
                let auth_tag = seq.next_element::<u64>()?;
                if seq.next_element::<de::IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_length(8, &"6 or 7 elements"));
                }
                let login_id = LoginId::from_halves(hi, lo);
                Ok(SessionRecord {
                    user_id,
                    login_id,
                    authenticated_at: authenticated_at.filter(|&at| at != 0),
                    auth_tag,
                    forced: flags & FORCED != 0,
                    restored: flags & RESTORED != 0,
                })
            }
        }

        deserializer.deserialize_seq(RecordVisitor(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_compactly_without_strings() {
        let id = LoginId::random();
        let (hi, lo) = id.to_halves();
        let plain = SessionRecord {
            user_id: 7i64,
            login_id: id,
            authenticated_at: Some(1_800_000_000),
            auth_tag: None,
            forced: false,
            restored: false,
        };
        let json = serde_json::to_string(&plain).expect("serialises");
        assert_eq!(json, format!("[4,7,{hi},{lo},1800000000,0]"));
        assert!(!json.contains('"'), "no string to escape inside the session's JSON");
        assert_eq!(serde_json::from_str::<SessionRecord<i64>>(&json).expect("parses"), plain);

        let full = SessionRecord {
            user_id: String::new(),
            login_id: id,
            authenticated_at: None,
            auth_tag: Some(u64::MAX),
            forced: true,
            restored: true,
        };
        let json = serde_json::to_string(&full).expect("serialises");
        assert!(json.contains(",null,3,"), "no credential time; forced and restored: {json}");
        assert_eq!(serde_json::from_str::<SessionRecord<String>>(&json).expect("parses"), full);
        let zero = format!("[4,7,{hi},{lo},0,0]");
        let read = serde_json::from_str::<SessionRecord<i64>>(&zero).expect("parses");
        assert_eq!((read.authenticated_at, read.restored), (None, false), "a 0 is no credential time");
    }

    #[test]
    fn records_of_other_versions_are_not_read() {
        // The 0.1 format, `[uid, fresh, sid, exp, ...]`: its first element is a user id.
        // Read as version 4 only when that id is 4 and it has exactly 6 or 7 elements,
        // and then it names no login the registry holds: anonymous either way.
        for old in ["[2,1,42,1800000000]", "[7,1,42,1800000000,5,6,7]", "[1,1,42,1800000000]", "[4,1,42,1800000000]"] {
            assert!(serde_json::from_str::<SessionRecord<i64>>(old).is_err(), "{old}");
        }
        // Version 3 (0.2) had no flags; its records are not read either.
        for other in ["[3,7,1,2,0]", "[3,7,1,2,0,9]", "[2,7,1,2,0]", "[\"4\",7,1,2,0,0]", "[-4,7,1,2,0,0]"] {
            let err = serde_json::from_str::<SessionRecord<i64>>(other).expect_err("unknown version");
            assert!(err.to_string().contains("version"), "{err}");
        }
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for bad in [
            "",
            "[]",
            "[4]",
            "[4,1]",
            "{}",
            "\"x\"",
            "[4,1,1,1,-1,0]",
            "[4,1,1,1,1,0,2,3]",
            "[4,1,\"a\",1,1,0]",
            "[4,1,1,1e99,1,0]",
            "[4,1,1,1,1,-1]",
        ] {
            assert!(serde_json::from_str::<SessionRecord<i64>>(bad).is_err(), "{bad}");
        }
    }
}
