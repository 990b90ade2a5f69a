//! Remember tokens this worker signed lately. A client that keeps only its remember
//! cookie sends back, at its next request, the token the previous response set (every
//! restore rotates it); on the same worker (a kept-alive connection stays on one) that
//! token is recognised by comparison with the one signed here, and its claims reused,
//! instead of checking its HMAC and parsing its JSON a second time. Anything else is
//! verified as before. What the claims must say (times, generation, liveness) is
//! checked either way.

use std::{
    any::Any,
    cell::RefCell,
    collections::{HashMap, VecDeque},
    rc::Rc,
};

use login_core::internal::RememberClaims;

/// How many tokens a worker remembers; the oldest goes first.
const CAPACITY: usize = 256;

/// A token signed here and its claims (a `RememberClaims<Id>`).
type Issued = (Box<str>, Rc<dyn Any>);

/// A worker's lately signed remember tokens, by their last segment (their signature or
/// rotation tag: what tells tokens apart).
#[derive(Default)]
pub(crate) struct IssuedTokens {
    by_tag: RefCell<HashMap<u64, Issued>>,
    order: RefCell<VecDeque<u64>>,
}

/// The key of a token: the first eight bytes of its last segment (its signature or
/// rotation tag, base64url of an HMAC: as good as random, and only this worker's own
/// tokens are ever stored). Tokens are compared whole on a hit, so a key two tokens
/// share only costs a full verification.
fn key(token: &str) -> Option<u64> {
    let start = token.bytes().rposition(|b| b == b'.' || b == b'~')? + 1;
    let tag = token.as_bytes().get(start..start + 8)?;
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(tag);
    Some(u64::from_le_bytes(bytes))
}

impl IssuedTokens {
    /// Remembers `token`, signed here with `claims`.
    pub(crate) fn remember<Id: Clone + 'static>(&self, token: &str, claims: &RememberClaims<Id>) {
        let Some(key) = key(token) else { return };
        let (Ok(mut map), Ok(mut order)) = (self.by_tag.try_borrow_mut(), self.order.try_borrow_mut()) else {
            return;
        };
        if map.len() >= CAPACITY {
            if let Some(oldest) = order.pop_front() {
                map.remove(&oldest);
            }
        }
        if map.insert(key, (token.into(), Rc::new(claims.clone()))).is_none() {
            order.push_back(key);
        }
    }

    /// The claims of `token` when this worker signed exactly it.
    pub(crate) fn claims<Id: Clone + 'static>(&self, token: &str) -> Option<RememberClaims<Id>> {
        let map = self.by_tag.try_borrow().ok()?;
        let (signed, claims) = map.get(&key(token)?)?;
        if **signed != *token {
            return None;
        }
        claims.downcast_ref::<RememberClaims<Id>>().cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use login_core::{internal::REMEMBER_AUDIENCE, LoginId};

    fn claims(uid: i64) -> RememberClaims<i64> {
        RememberClaims {
            user_id: uid,
            iat: 1,
            exp: 2,
            aud: REMEMBER_AUDIENCE.into(),
            login_id: LoginId::random(),
            auth_tag: None,
            forced: false,
            remember_gen: 0,
        }
    }

    #[test]
    fn only_the_exact_token_signed_here_is_recognised() {
        let issued = IssuedTokens::default();
        issued.remember("h.p.signature", &claims(7));
        assert_eq!(issued.claims::<i64>("h.p.signature").map(|c| c.user_id), Some(7));
        assert!(issued.claims::<i64>("h.other.signature").is_none(), "same signature, other payload");
        issued.remember("h.p.signature~2~rotation", &claims(8));
        assert_eq!(issued.claims::<i64>("h.p.signature~2~rotation").map(|c| c.user_id), Some(8), "a rotated token");
        assert!(issued.claims::<String>("h.p.signature").is_none(), "another id type");
        assert!(issued.claims::<i64>("nodots").is_none());
        assert!(issued.claims::<i64>("h.p.short").is_none());
    }

    #[test]
    fn it_holds_at_most_its_capacity_oldest_out_first() {
        let issued = IssuedTokens::default();
        for i in 0..CAPACITY + 10 {
            issued.remember(&format!("h.p.{i:08}"), &claims(i as i64));
        }
        assert!(issued.claims::<i64>("h.p.00000000").is_none());
        assert!(issued.claims::<i64>(&format!("h.p.{:08}", CAPACITY + 9)).is_some());
        assert_eq!(issued.by_tag.borrow().len(), CAPACITY);
    }
}
