//! Recovery codes: ten single-use codes for a user who lost their authenticator,
//! shown once and stored by the app only as keyed hashes.
//!
//! A code is ten characters of a 32-letter alphabet (50 bits), shown as `xxxxx-xxxxx`;
//! it is compared ignoring case, spaces and hyphens. The stored form is an HMAC-SHA256
//! keyed from the app secret, so a leaked table is no list of codes to try.

use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::config::LoginConfig;

/// How many codes a set holds.
pub const RECOVERY_CODE_COUNT: usize = 10;

/// The letters of a code: digits and lower-case letters without `0 1 l o` (no two look
/// alike).
const ALPHABET: &[u8; 32] = b"23456789abcdefghijkmnpqrstuvwxyz";

/// Makes and checks recovery codes with a key derived from the app secret.
///
/// ```
/// # mod login_actix { pub use login_core::*; pub mod two_factor { pub use login_core::recovery_codes::*; } }
/// use login_actix::{two_factor::RecoveryCodes, LoginConfig};
///
/// let codes = RecoveryCodes::new(&LoginConfig::new([3u8; 64]).expect("config"));
/// let (shown, stored) = codes.generate();
/// assert_eq!(shown.len(), 10);
/// // The user types one back, in any case, with or without the hyphen:
/// let typed = shown[4].to_uppercase().replace('-', " ");
/// assert_eq!(codes.find(&typed, &stored), Some(4));
/// assert_eq!(codes.find("nope", &stored), None);
/// ```
#[derive(Clone)]
pub struct RecoveryCodes {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for RecoveryCodes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecoveryCodes { .. }")
    }
}

impl RecoveryCodes {
    /// Codes keyed from `config`'s secret.
    pub fn new(config: &LoginConfig) -> Self {
        let key = config.keys().recovery_codes_key();
        RecoveryCodes { mac: crate::keys::hmac(key) }
    }

    /// A new set: the codes to show the user once, and their hashes to store (the same
    /// order). Storing a new set replaces the old one.
    pub fn generate(&self) -> (Vec<String>, Vec<String>) {
        let mut rng = rand::rngs::OsRng;
        let shown: Vec<String> = (0..RECOVERY_CODE_COUNT)
            .map(|_| {
                let letters: String = (0..10).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect();
                format!("{}-{}", &letters[..5], &letters[5..])
            })
            .collect();
        let stored = shown.iter().map(|code| self.hash(code)).collect();
        (shown, stored)
    }

    /// The stored form of a code (after normalising it).
    pub fn hash(&self, code: &str) -> String {
        let mut mac = self.mac.clone();
        mac.update(normalize(code).as_bytes());
        mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The index of the stored hash `code` matches, if any (each compared in constant
    /// time). Remove that hash when the code is used: each code is good once.
    pub fn find(&self, code: &str, stored: &[String]) -> Option<usize> {
        let normal = normalize(code);
        if normal.len() != 10 {
            return None;
        }
        let hash = self.hash(&normal);
        let mut found = None;
        for (i, candidate) in stored.iter().enumerate() {
            if bool::from(candidate.as_bytes().ct_eq(hash.as_bytes())) && found.is_none() {
                found = Some(i);
            }
        }
        found
    }
}

/// A code as compared: lower case, without spaces and hyphens.
fn normalize(code: &str) -> String {
    code.chars().filter(|c| !c.is_whitespace() && *c != '-').flat_map(char::to_lowercase).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_well_formed_and_keyed() {
        let a = RecoveryCodes::new(&LoginConfig::new([3u8; 64]).expect("config"));
        let b = RecoveryCodes::new(&LoginConfig::new([4u8; 64]).expect("config"));
        let (shown, stored) = a.generate();
        let unique: std::collections::BTreeSet<_> = shown.iter().collect();
        assert_eq!(unique.len(), RECOVERY_CODE_COUNT);
        assert!(shown.iter().all(|c| c.len() == 11 && c.as_bytes()[5] == b'-'));
        assert_ne!(a.hash(&shown[0]), b.hash(&shown[0]), "keyed by the app secret");
        assert_eq!(b.find(&shown[0], &stored), None);
        assert_eq!(a.find("", &stored), None);
        assert_eq!(a.find(&format!(" {} ", shown[9].to_uppercase()), &stored), Some(9));
    }
}
