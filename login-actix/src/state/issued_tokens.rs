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

/// A worker's lately signed remember tokens, by their signature segment.
#[derive(Default)]
pub(crate) struct IssuedTokens {
    by_signature: RefCell<HashMap<Box<str>, (Box<str>, Rc<dyn Any>)>>,
    order: RefCell<VecDeque<Box<str>>>,
}

/// The signature segment of a compact JWS (what tells tokens apart).
fn signature(token: &str) -> Option<&str> {
    token.rsplit_once('.').map(|(_, sig)| sig)
}

impl IssuedTokens {
    /// Remembers `token`, signed here with `claims`.
    pub(crate) fn remember<Id: Clone + 'static>(&self, token: &str, claims: &RememberClaims<Id>) {
        let Some(sig) = signature(token) else { return };
        let (Ok(mut map), Ok(mut order)) = (self.by_signature.try_borrow_mut(), self.order.try_borrow_mut()) else {
            return;
        };
        if map.len() >= CAPACITY {
            if let Some(oldest) = order.pop_front() {
                map.remove(&oldest);
            }
        }
        let key: Box<str> = sig.into();
        if map.insert(key.clone(), (token.into(), Rc::new(claims.clone()))).is_none() {
            order.push_back(key);
        }
    }

    /// The claims of `token` when this worker signed exactly it.
    pub(crate) fn claims<Id: Clone + 'static>(&self, token: &str) -> Option<RememberClaims<Id>> {
        let map = self.by_signature.try_borrow().ok()?;
        let (signed, claims) = map.get(signature(token)?)?;
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
        issued.remember("h.p.sig", &claims(7));
        assert_eq!(issued.claims::<i64>("h.p.sig").map(|c| c.user_id), Some(7));
        assert!(issued.claims::<i64>("h.other.sig").is_none(), "same signature, other payload");
        assert!(issued.claims::<String>("h.p.sig").is_none(), "another id type");
        assert!(issued.claims::<i64>("nodots").is_none());
    }

    #[test]
    fn it_holds_at_most_its_capacity_oldest_out_first() {
        let issued = IssuedTokens::default();
        for i in 0..CAPACITY + 10 {
            issued.remember(&format!("h.p.{i}"), &claims(i as i64));
        }
        assert!(issued.claims::<i64>("h.p.0").is_none());
        assert!(issued.claims::<i64>(&format!("h.p.{}", CAPACITY + 9)).is_some());
        assert_eq!(issued.by_signature.borrow().len(), CAPACITY);
    }
}
