//! TOTP (RFC 6238) as authenticator apps expect it: HMAC-SHA-1, 30-second steps, six
//! digits, one step of clock drift each way (RFC 4226's dynamic truncation over
//! HMAC-SHA-1 of the step counter). This module generates secrets, writes the `otpauth://` URI and compares codes in constant time,
//! returning the time step a code matched so that the caller accepts each step once
//! (RFC 6238 §5.2: the library's `LoginRegistry::use_totp_step` records it).

use hmac::Mac;
use rand::RngCore;
use subtle::ConstantTimeEq;

/// Seconds per TOTP step.
pub const TOTP_STEP_SECS: u64 = 30;
/// Digits per code.
pub const TOTP_DIGITS: usize = 6;
/// Steps of clock drift accepted each way.
pub const TOTP_SKEW: u8 = 1;
/// Bytes of a generated secret (160 bits, as RFC 4226 recommends).
pub const TOTP_SECRET_BYTES: usize = 20;

/// A user's TOTP secret. `Debug` shows nothing of it.
///
/// ```
/// # mod login_actix { pub mod two_factor { pub use login_core::totp::*; } }
/// use login_actix::two_factor::TotpSecret;
///
/// let secret = TotpSecret::generate();
/// let text = secret.to_base32(); // what the user types into the app, or stores
/// let again = TotpSecret::from_base32(&text).expect("round trip");
/// let now = 1_900_000_000;
/// let code = again.code_at(now);
/// assert_eq!(secret.matching_step(&code, now), Some(now / 30));
/// assert_eq!(secret.matching_step(&code, now + 30), Some(now / 30), "one step of drift");
/// assert_eq!(secret.matching_step(&code, now + 90), None);
/// assert!(secret.otpauth_uri("Demo", "alice").starts_with("otpauth://totp/Demo:alice?secret="));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Vec<u8>);

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(..)")
    }
}

impl TotpSecret {
    /// A new random secret (from the operating system's generator).
    pub fn generate() -> Self {
        let mut bytes = vec![0u8; TOTP_SECRET_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        TotpSecret(bytes)
    }

    /// A secret from its base32 text (RFC 4648, padding and case ignored); `None` when
    /// it is not base32 or shorter than 80 bits.
    pub fn from_base32(text: &str) -> Option<Self> {
        let cleaned: String = text.chars().filter(|c| !c.is_whitespace() && *c != '=').collect();
        let bytes = base32::decode(base32::Alphabet::Rfc4648 { padding: false }, &cleaned.to_ascii_uppercase())?;
        (bytes.len() >= 10).then_some(TotpSecret(bytes))
    }

    /// The secret as base32 text without padding (what apps accept typed in).
    pub fn to_base32(&self) -> String {
        base32::encode(base32::Alphabet::Rfc4648 { padding: false }, &self.0)
    }

    /// The `otpauth://totp/` URI for authenticator apps (and QR codes), with the
    /// issuer and account percent-encoded.
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> String {
        use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
        let issuer = utf8_percent_encode(issuer, NON_ALPHANUMERIC).to_string();
        let account = utf8_percent_encode(account, NON_ALPHANUMERIC).to_string();
        format!(
            "otpauth://totp/{issuer}:{account}?secret={}&issuer={issuer}&algorithm=SHA1&digits={TOTP_DIGITS}&period={TOTP_STEP_SECS}",
            self.to_base32()
        )
    }

    /// The code of time step `step` (RFC 4226 §5.3 over the step counter).
    fn code_of_step(&self, step: u64) -> String {
        // HMAC takes a key of any length; the error arm cannot happen.
        let Ok(mut mac) = hmac::Hmac::<sha1::Sha1>::new_from_slice(&self.0) else { return String::new() };
        mac.update(&step.to_be_bytes());
        let digest = mac.finalize().into_bytes();
        let offset = usize::from(digest[19] & 0x0f);
        let word = u32::from_be_bytes([digest[offset], digest[offset + 1], digest[offset + 2], digest[offset + 3]]);
        format!("{:06}", (word & 0x7fff_ffff) % 1_000_000)
    }

    /// The code of the step holding `time` (seconds since the Unix epoch).
    pub fn code_at(&self, time: u64) -> String {
        self.code_of_step(time / TOTP_STEP_SECS)
    }

    /// The time step `code` belongs to, within one step of `now` each way; `None` for a
    /// wrong, empty or malformed code. Spaces in the code are ignored; each candidate
    /// is compared in constant time.
    pub fn matching_step(&self, code: &str, now: u64) -> Option<u64> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != TOTP_DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let current = now / TOTP_STEP_SECS;
        let mut found = None;
        for step in current.saturating_sub(u64::from(TOTP_SKEW))..=current.saturating_add(u64::from(TOTP_SKEW)) {
            let candidate = self.code_of_step(step);
            if bool::from(candidate.as_bytes().ct_eq(code.as_bytes())) && found.is_none() {
                found = Some(step);
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_sha1_vectors() {
        // RFC 6238 appendix B, SHA-1 secret "12345678901234567890", 8 digits there; the
        // last six digits are the six-digit code.
        let secret = TotpSecret(b"12345678901234567890".to_vec());
        for (time, eight) in [(59, "94287082"), (1_111_111_109, "07081804"), (2_000_000_000, "69279037")] {
            assert_eq!(secret.code_at(time), eight[2..], "t={time}");
        }
    }

    #[test]
    fn malformed_codes_match_nothing() {
        let secret = TotpSecret::generate();
        for bad in ["", "12345", "1234567", "abcdef", "12 34 5", "１２３４５６"] {
            assert_eq!(secret.matching_step(bad, 1_900_000_000), None, "{bad:?}");
        }
        let code = secret.code_at(1_900_000_000);
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert!(secret.matching_step(&spaced, 1_900_000_000).is_some());
    }

    #[test]
    fn base32_round_trips_and_refuses_garbage() {
        let secret = TotpSecret::generate();
        assert_eq!(TotpSecret::from_base32(&secret.to_base32().to_lowercase()), Some(secret));
        assert_eq!(TotpSecret::from_base32("not base32!"), None);
        assert_eq!(TotpSecret::from_base32("AAAA"), None, "too short");
        assert_eq!(format!("{:?}", TotpSecret::generate()), "TotpSecret(..)");
    }
}
