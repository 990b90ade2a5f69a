//! What the login flow keeps in the session: one compact record under one key.
//!
//! The record is stored as a JSON array of numbers, `[uid, fresh (0/1), sid, exp]` followed
//! by `sah`, `remember jti` and `remember exp` when present. With a cookie session store
//! every byte of it is percent-decoded, base64-decoded and decrypted on each request,
//! and a JSON string inside the session's JSON would be escaped, so the record has no
//! strings of its own (only the user id, if the app's id type is a string).

use std::{fmt, marker::PhantomData};

use serde::{
    de::{self, DeserializeOwned, SeqAccess, Visitor},
    ser::SerializeSeq,
    Deserialize, Deserializer, Serialize, Serializer,
};

/// The session key of the login record.
pub const SESSION_KEY: &str = "_login";

/// The login record stored in the session. It holds ids and an HMAC tag, never a secret.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRecord<Id> {
    /// The logged-in user's id.
    pub uid: Id,
    /// `true` after an explicit login, `false` after a remember-cookie restore.
    pub fresh: bool,
    /// Random id of this login session (the key of its revocation entry).
    pub sid: u64,
    /// End of this login session, seconds since the Unix epoch.
    pub exp: u64,
    /// Session auth tag of the user at login (see [`AuthUser::session_auth_hash`](crate::AuthUser::session_auth_hash)).
    pub sah: Option<u64>,
    /// The remember token issued or used by this session, so that logout revokes it.
    pub remember: Option<RememberRef>,
}

/// A reference to a remember token: its id and expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RememberRef {
    /// The token's `jti`.
    pub jti: u64,
    /// The token's `exp`.
    pub exp: u64,
}

impl<Id: Serialize> Serialize for SessionRecord<Id> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let len = match (&self.sah, &self.remember) {
            (_, Some(_)) => 7,
            (Some(_), None) => 5,
            (None, None) => 4,
        };
        let mut seq = serializer.serialize_seq(Some(len))?;
        seq.serialize_element(&self.uid)?;
        seq.serialize_element(&u8::from(self.fresh))?;
        seq.serialize_element(&self.sid)?;
        seq.serialize_element(&self.exp)?;
        if len > 4 {
            seq.serialize_element(&self.sah)?;
        }
        if let Some(r) = &self.remember {
            seq.serialize_element(&r.jti)?;
            seq.serialize_element(&r.exp)?;
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
                f.write_str("a login record array")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let missing = |i| de::Error::invalid_length(i, &"4, 5 or 7 elements");
                let uid = seq.next_element()?.ok_or_else(|| missing(0))?;
                let fresh = seq.next_element::<u8>()?.ok_or_else(|| missing(1))? == 1;
                let sid = seq.next_element()?.ok_or_else(|| missing(2))?;
                let exp = seq.next_element()?.ok_or_else(|| missing(3))?;
                let sah = seq.next_element::<Option<u64>>()?.flatten();
                let remember = match seq.next_element::<u64>()? {
                    Some(jti) => Some(RememberRef { jti, exp: seq.next_element()?.ok_or_else(|| missing(6))? }),
                    None => None,
                };
                Ok(SessionRecord { uid, fresh, sid, exp, sah, remember })
            }
        }

        deserializer.deserialize_seq(RecordVisitor(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_compactly() {
        let plain = SessionRecord { uid: 7i64, fresh: true, sid: 42, exp: 1_800_000_000, sah: None, remember: None };
        let json = serde_json::to_string(&plain).expect("test fixture");
        assert_eq!(json, "[7,1,42,1800000000]");
        assert_eq!(serde_json::from_str::<SessionRecord<i64>>(&json).expect("test fixture"), plain);

        let full = SessionRecord {
            uid: String::new(),
            fresh: false,
            sid: u64::MAX,
            exp: 1,
            sah: Some(u64::MAX),
            remember: Some(RememberRef { jti: 9, exp: 10 }),
        };
        let json = serde_json::to_string(&full).expect("test fixture");
        assert!(!json.contains('\\'));
        assert_eq!(serde_json::from_str::<SessionRecord<String>>(&json).expect("test fixture"), full);

        let remember_only = SessionRecord { sah: None, ..full.clone() };
        let json = serde_json::to_string(&remember_only).expect("test fixture");
        assert_eq!(serde_json::from_str::<SessionRecord<String>>(&json).expect("test fixture"), remember_only);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for bad in ["", "[]", "[1]", "[1,1,2]", "{}", "[1,1,-2,3]", "[1,1,2,3,null,5]", "[1,true,2,3]", "\"x\""] {
            assert!(serde_json::from_str::<SessionRecord<i64>>(bad).is_err(), "{bad}");
        }
    }
}
