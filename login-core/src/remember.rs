//! The remember token: a compact HS256 JWT carried in the remember cookie.
//!
//! Claims: `uid` (the user id), `iat`, `exp`, `aud` (fixed, [`REMEMBER_AUDIENCE`]),
//! `lid` (the [login](crate::LoginId) it continues: the token is valid only while that
//! login is live in the registry) and `sah` (the user's auth tag, an HMAC; absent when
//! the user type has no auth hash). No secret is inside.
//!
//! Tokens are standard compact JWS (HS256) that any JWT library decodes (the unit tests
//! check them with `jsonwebtoken`), signed and opened by the one token codec
//! (`jws.rs`: the header pinned byte for byte, the signature checked in constant
//! time). Here are the remember token's own rules: `exp`, `iat`, `aud`, `lid` and
//! `uid` are required, `aud` must be [`REMEMBER_AUDIENCE`], `exp` may be past by at most
//! the configured leeway, and `iat` may be neither in the future nor older than the
//! maximum remember duration; and the rotation suffix (see [`RememberCodec`]). The key
//! is derived from the app secret for this purpose only.

use std::time::Duration;

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use hmac::{Hmac, Mac};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use sha2::Sha256;

use crate::{config::LoginConfig, error::TokenError, jws::JwsCodec, login_id::LoginId};

/// The `aud` claim of every remember token.
pub const REMEMBER_AUDIENCE: &str = "login-actix:remember";

/// How long a login should be remembered.
///
/// Mind the two meanings of "default": the `Default` *trait* value of this type is
/// [`Remember::No`] (nothing is remembered unless asked), while the *variant*
/// [`Remember::Default`] asks for a remember cookie of the configured default duration
/// (`remember_duration`, 30 days).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Remember {
    /// No remember cookie (what `Remember::default()` gives).
    #[default]
    No,
    /// A remember cookie of the configured default duration (`remember_duration`, 30
    /// days unless changed).
    Default,
    /// This many days, capped at the configured maximum.
    Days(u32),
    /// This long (for remember durations under a day), capped at the configured
    /// maximum; under one second means no cookie.
    For(Duration),
}

impl Remember {
    /// Interprets a form value such as the demo's `remember` checkbox:
    /// missing, empty, `0`, `false`, `off`, `no` mean [`Remember::No`]; `on`, `true`,
    /// `yes`, `1` and other non-numeric values mean [`Remember::Default`]; an integer
    /// `N >= 2` means [`Remember::Days`]`(N)` (capped later; integers too large for a
    /// `u32` are treated as the maximum). Negative numbers mean no.
    ///
    /// ```
    /// # mod login_actix { pub use login_core::*; pub mod config { pub use login_core::*; } pub mod registry { pub use login_core::*; } pub mod next { pub use login_core::*; } pub mod throttle { pub use login_core::*; } }
    /// use login_actix::Remember;
    /// assert_eq!(Remember::from_form_value(None), Remember::No);
    /// assert_eq!(Remember::from_form_value(Some("on")), Remember::Default);
    /// assert_eq!(Remember::from_form_value(Some("false")), Remember::No);
    /// assert_eq!(Remember::from_form_value(Some("7")), Remember::Days(7));
    /// assert_eq!(Remember::from_form_value(Some("99999999999999")), Remember::Days(u32::MAX));
    /// ```
    pub fn from_form_value(value: Option<&str>) -> Self {
        let Some(v) = value.map(str::trim) else { return Remember::No };
        let lower = v.to_ascii_lowercase();
        match lower.as_str() {
            "" | "0" | "false" | "off" | "no" | "n" | "f" => return Remember::No,
            "1" | "on" | "true" | "yes" | "y" | "t" => return Remember::Default,
            _ => {}
        }
        if lower.starts_with('-') && lower[1..].bytes().all(|b| b.is_ascii_digit()) && lower.len() > 1 {
            return Remember::No;
        }
        if !lower.is_empty() && lower.bytes().all(|b| b.is_ascii_digit()) {
            return match lower.parse::<u32>() {
                Ok(0) => Remember::No,
                Ok(1) => Remember::Default,
                Ok(n) => Remember::Days(n),
                Err(_) => Remember::Days(u32::MAX),
            };
        }
        Remember::Default
    }

    /// The cookie lifetime this choice gives under `config`; `None` for no cookie.
    pub fn duration(self, config: &LoginConfig) -> Option<Duration> {
        match self {
            Remember::No => None,
            Remember::Default => Some(config.remember_duration()),
            Remember::Days(days) => {
                let asked = Duration::from_secs(u64::from(days).saturating_mul(86_400));
                Some(asked.min(config.max_remember_duration()))
            }
            Remember::For(asked) if asked.as_secs() == 0 => None,
            Remember::For(asked) => Some(Duration::from_secs(asked.as_secs()).min(config.max_remember_duration())),
        }
    }
}

impl From<bool> for Remember {
    fn from(on: bool) -> Self {
        if on {
            Remember::Default
        } else {
            Remember::No
        }
    }
}

/// The claims of a remember token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RememberClaims<Id> {
    /// The user id (claim `uid`).
    #[serde(rename = "uid")]
    pub user_id: Id,
    /// Issued at, seconds since the Unix epoch.
    pub iat: u64,
    /// Expires at, seconds since the Unix epoch.
    pub exp: u64,
    /// Audience, always [`REMEMBER_AUDIENCE`].
    pub aud: String,
    /// The login the token continues (claim `lid`).
    #[serde(rename = "lid")]
    pub login_id: LoginId,
    /// The user's auth tag when the token was issued (claim `sah`).
    #[serde(rename = "sah", default, skip_serializing_if = "Option::is_none")]
    pub auth_tag: Option<u64>,
    /// A forced login (claim `frc`, absent when not): restored although the user is
    /// inactive.
    #[serde(rename = "frc", default, skip_serializing_if = "std::ops::Not::not")]
    pub forced: bool,
    /// The token's generation in its login: each remember restore rotates the token to
    /// the login's next generation. Not a claim of the signed part (which stays the
    /// same while a login rotates): it travels in the token's rotation suffix (see
    /// [`RememberCodec::rotate`]); `0` without one.
    #[serde(skip)]
    pub remember_gen: u32,
}

impl<Id> RememberClaims<Id> {
    /// The claims of a new token for `user_id`'s login `login_id`, issued at `now` and
    /// lasting `lifetime`, not forced, at generation 0.
    pub fn new(user_id: Id, login_id: LoginId, auth_tag: Option<u64>, now: u64, lifetime: Duration) -> Self {
        RememberClaims {
            user_id,
            iat: now,
            exp: now.saturating_add(lifetime.as_secs()),
            aud: REMEMBER_AUDIENCE.to_owned(),
            login_id,
            auth_tag,
            forced: false,
            remember_gen: 0,
        }
    }
}

/// Between a token's signed part and its rotation suffix.
const ROTATION_SEP: char = '~';

/// Encodes and verifies remember tokens with the configuration's derived key.
///
/// A token is the compact JWS of its claims, signed once per credential login; a
/// rotated one (generation `n > 0`) is that JWS followed by `~n~tag`, where the tag is
/// an HMAC-SHA256 (a key of its own, cut to 128 bits) over the JWS's signature and `n`:
/// rotation signs a few dozen bytes, not the claims again, and keeps every claim,
/// times included.
#[derive(Clone)]
pub struct RememberCodec {
    jws: JwsCodec,
    rotation: Hmac<Sha256>,
    max_age: u64,
    leeway: u64,
}

impl std::fmt::Debug for RememberCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RememberCodec { .. }")
    }
}

impl RememberCodec {
    /// A codec for the configuration's key, leeway and maximum remember duration.
    pub fn new(config: &LoginConfig) -> Self {
        RememberCodec {
            jws: JwsCodec::new(config.keys().remember_key()),
            rotation: crate::keys::hmac(config.keys().rotation_key()),
            max_age: config.max_remember_duration().as_secs(),
            leeway: config.leeway().as_secs(),
        }
    }

    /// Issues a token for `user_id`'s login `login_id`, lasting `lifetime` from `now`
    /// (seconds); returns the token and its expiry.
    pub fn issue<Id: Serialize>(
        &self,
        user_id: &Id,
        login_id: LoginId,
        auth_tag: Option<u64>,
        now: u64,
        lifetime: Duration,
    ) -> Result<(String, u64), TokenError> {
        let claims = RememberClaims::new(user_id, login_id, auth_tag, now, lifetime);
        Ok((self.sign(&claims)?, claims.exp))
    }

    /// The token of `claims` (as [`verify`](RememberCodec::verify) gave them, perhaps
    /// with another generation or auth tag): its times are kept, so a rotated token
    /// ends when the first one would have.
    pub fn sign<Id: Serialize>(&self, claims: &RememberClaims<Id>) -> Result<String, TokenError> {
        let token = self.jws.sign(claims)?;
        Ok(match claims.remember_gen {
            0 => token,
            gen => self.rotate(&token, gen),
        })
    }

    /// `token` (one [`verify`](RememberCodec::verify) accepted) at generation `gen`:
    /// its signed part with a new rotation suffix.
    pub fn rotate(&self, token: &str, gen: u32) -> String {
        let signed = token.split_once(ROTATION_SEP).map_or(token, |(signed, _)| signed);
        if gen == 0 {
            return signed.to_owned();
        }
        let mut out = String::with_capacity(signed.len() + 36);
        out.push_str(signed);
        out.push(ROTATION_SEP);
        // Writing into a String cannot fail.
        let _ = std::fmt::Write::write_fmt(&mut out, format_args!("{gen}"));
        out.push(ROTATION_SEP);
        URL_SAFE_NO_PAD.encode_string(self.rotation_tag(signed, gen), &mut out);
        out
    }

    /// The rotation tag of generation `gen` of the signed part `signed`: bound to its
    /// signature (22 characters, 128 bits of it), one HMAC block.
    fn rotation_tag(&self, signed: &str, gen: u32) -> [u8; 16] {
        let signature = signed.rsplit_once('.').map_or("", |(_, sig)| sig);
        let mut mac = self.rotation.clone();
        mac.update(signature.get(..22).unwrap_or(signature).as_bytes());
        mac.update(&gen.to_be_bytes());
        let full = mac.finalize().into_bytes();
        let mut tag = [0u8; 16];
        tag.copy_from_slice(&full[..16]);
        tag
    }

    /// Verifies a token and returns its claims. Any failure is a [`TokenError`]; the
    /// caller ignores the token and deletes its cookie.
    pub fn verify<Id: DeserializeOwned>(&self, token: &str, now: u64) -> Result<RememberClaims<Id>, TokenError> {
        let (signed, gen) = match token.split_once(ROTATION_SEP) {
            None => (token, 0),
            Some((signed, suffix)) => (signed, self.open_suffix(signed, suffix)?),
        };
        let mut claims: RememberClaims<Id> = self.jws.open(signed)?;
        claims.remember_gen = gen;
        self.check_claims(&claims, now)?;
        Ok(claims)
    }

    /// The generation a rotation suffix (`n~tag`) carries, when its tag is right.
    fn open_suffix(&self, signed: &str, suffix: &str) -> Result<u32, TokenError> {
        let invalid = TokenError::Invalid;
        let (gen, tag) = suffix.split_once(ROTATION_SEP).ok_or_else(|| invalid("rotation suffix without a tag"))?;
        // Canonical decimal only: one text per generation.
        let gen: u32 = gen.parse().map_err(|_| invalid("rotation generation is not a number"))?;
        if gen == 0 || gen.to_string().len() != suffix.len() - tag.len() - 1 {
            return Err(invalid("rotation generation is not canonical"));
        }
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| invalid("rotation tag is not base64url"))?;
        let expected = self.rotation_tag(signed, gen);
        if !bool::from(subtle::ConstantTimeEq::ct_eq(expected.as_slice(), tag.as_slice())) {
            return Err(invalid("bad rotation tag"));
        }
        Ok(gen)
    }

    /// The rules a token's claims must keep at `now` (audience, expiry, issue time),
    /// whatever verified its signature.
    pub fn check_claims<Id>(&self, claims: &RememberClaims<Id>, now: u64) -> Result<(), TokenError> {
        let times = (claims.iat, claims.exp);
        crate::jws::check_claims(&claims.aud, REMEMBER_AUDIENCE, times, now, self.leeway, Some(self.max_age))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::now_secs;
    use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};

    fn config(secret: u8) -> LoginConfig {
        LoginConfig::new([secret; 64]).expect("test fixture")
    }

    fn day() -> Duration {
        Duration::from_secs(86_400)
    }

    #[test]
    fn round_trip_with_any_id_type() {
        let codec = RememberCodec::new(&config(1));
        let now = now_secs();
        let (t, _) = codec.issue(&0i64, LoginId::random(), None, now, day()).expect("test fixture");
        assert_eq!(codec.verify::<i64>(&t, now).expect("test fixture").user_id, 0);
        let (t, _) = codec.issue(&String::new(), LoginId::random(), Some(u64::MAX), now, day()).expect("test fixture");
        let c = codec.verify::<String>(&t, now).expect("test fixture");
        assert_eq!(c.user_id, "");
        assert_eq!(c.auth_tag, Some(u64::MAX));
        assert_eq!(c.aud, REMEMBER_AUDIENCE);
        assert_eq!(c.exp - c.iat, 86_400);
    }

    #[test]
    fn tokens_are_standard_jwts_that_jsonwebtoken_accepts() {
        let config = config(1);
        let codec = RememberCodec::new(&config);
        let now = now_secs();
        let (t, _) = codec.issue(&5i64, LoginId::random(), Some(9), now, day()).expect("test fixture");
        let mut validation = jsonwebtoken::Validation::new(Algorithm::HS256);
        validation.set_audience(&[REMEMBER_AUDIENCE]);
        let key = jsonwebtoken::DecodingKey::from_secret(config.keys().remember_key());
        let decoded = jsonwebtoken::decode::<RememberClaims<i64>>(&t, &key, &validation).expect("test fixture");
        assert_eq!(decoded.claims, codec.verify::<i64>(&t, now).expect("test fixture"));
    }

    #[test]
    fn token_is_compact_and_holds_no_secret() {
        let codec = RememberCodec::new(&config(1));
        let (t, _) = codec.issue(&42i64, LoginId::random(), Some(u64::MAX), now_secs(), day()).expect("test fixture");
        assert_eq!(t.split('.').count(), 3);
        assert!(t.len() < 300, "{}", t.len());
    }

    #[test]
    fn a_rotated_token_keeps_its_claims_and_carries_its_generation() {
        let codec = RememberCodec::new(&config(1));
        let now = now_secs();
        let (t0, _) = codec.issue(&5i64, LoginId::random(), Some(9), now, day()).expect("test fixture");
        let t3 = codec.rotate(&t0, 3);
        let c0 = codec.verify::<i64>(&t0, now).expect("gen 0");
        let c3 = codec.verify::<i64>(&t3, now).expect("gen 3");
        assert_eq!((c0.remember_gen, c3.remember_gen), (0, 3));
        assert_eq!((c3.iat, c3.exp, c3.login_id, c3.auth_tag), (c0.iat, c0.exp, c0.login_id, c0.auth_tag));
        assert_eq!(codec.rotate(&t3, 4), codec.rotate(&t0, 4), "a rotation replaces the suffix");
        assert_eq!(codec.rotate(&t3, 0), t0);
        let mut claims = c0.clone();
        claims.remember_gen = 3;
        assert_eq!(codec.sign(&claims).expect("sign"), t3, "signing at a generation is the same token");
    }

    #[test]
    fn a_forged_or_malformed_rotation_suffix_is_rejected() {
        let codec = RememberCodec::new(&config(1));
        let other = RememberCodec::new(&config(2));
        let now = now_secs();
        let (t0, _) = codec.issue(&5i64, LoginId::random(), None, now, day()).expect("test fixture");
        let t3 = codec.rotate(&t0, 3);
        let (signed, suffix) = t3.split_once('~').expect("suffix");
        let tag = suffix.split_once('~').expect("tag").1;
        for bad in [
            format!("{signed}~4~{tag}"),
            format!("{signed}~03~{tag}"),
            format!("{signed}~+3~{tag}"),
            format!("{signed}~0~{tag}"),
            format!("{signed}~3"),
            format!("{signed}~3~"),
            format!("{signed}~3~{tag}~"),
            format!("{signed}~99999999999~{tag}"),
            other.rotate(&t0, 3),
        ] {
            assert!(codec.verify::<i64>(&bad, now).is_err(), "{bad}");
        }
        // A suffix moved onto another login's token is worth nothing.
        let (u0, _) = codec.issue(&5i64, LoginId::random(), None, now, day()).expect("test fixture");
        let (u_signed, _) = (u0.as_str(), ());
        assert!(codec.verify::<i64>(&format!("{u_signed}~{suffix}"), now).is_err());
    }

    #[test]
    fn tampered_token_is_rejected() {
        let codec = RememberCodec::new(&config(1));
        let now = now_secs();
        let (t, _) = codec.issue(&1i64, LoginId::random(), None, now, day()).expect("test fixture");
        let mut parts: Vec<String> = t.split('.').map(str::to_owned).collect();
        let forged = URL_SAFE_NO_PAD.encode(format!(
            r#"{{"uid":2,"iat":{now},"exp":{},"aud":"{REMEMBER_AUDIENCE}","lid":"AAAAAAAAAAAAAAAAAAAAAA"}}"#,
            now + 100
        ));
        parts[1] = forged;
        assert!(matches!(codec.verify::<i64>(&parts.join("."), now), Err(TokenError::Invalid(_))));
        let mut flipped = t.clone().into_bytes();
        let last = flipped.len() - 3;
        flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
        assert!(codec.verify::<i64>(&String::from_utf8(flipped).expect("test fixture"), now).is_err());
    }

    #[test]
    fn foreign_secret_is_rejected() {
        let now = now_secs();
        let (t, _) =
            RememberCodec::new(&config(1)).issue(&1i64, LoginId::random(), None, now, day()).expect("test fixture");
        assert!(RememberCodec::new(&config(2)).verify::<i64>(&t, now).is_err());
    }

    #[test]
    fn raw_secret_is_not_the_key() {
        // A token signed with the raw app secret (not the derived key) is rejected.
        let now = now_secs();
        let claims = RememberClaims {
            user_id: 1i64,
            iat: now,
            exp: now + 60,
            aud: REMEMBER_AUDIENCE.into(),
            login_id: LoginId::random(),
            auth_tag: None,
            forced: false,
            remember_gen: 0,
        };
        let t = encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(&[1u8; 64]))
            .expect("test fixture");
        assert!(RememberCodec::new(&config(1)).verify::<i64>(&t, now).is_err());
    }

    #[test]
    fn alg_none_and_other_algorithms_are_rejected() {
        let codec = RememberCodec::new(&config(1));
        let now = now_secs();
        let body = URL_SAFE_NO_PAD.encode(format!(
            r#"{{"uid":1,"iat":{now},"exp":{},"aud":"{REMEMBER_AUDIENCE}","lid":"AAAAAAAAAAAAAAAAAAAAAA"}}"#,
            now + 100
        ));
        for header in [r#"{"alg":"none","typ":"JWT"}"#, r#"{"alg":"HS512","typ":"JWT"}"#, r#"{"alg":"None"}"#] {
            let h = URL_SAFE_NO_PAD.encode(header);
            assert!(codec.verify::<i64>(&format!("{h}.{body}."), now).is_err(), "{header}");
            assert!(codec.verify::<i64>(&format!("{h}.{body}.AAAA"), now).is_err(), "{header}");
        }
        // HS512 correctly signed with our own key is still refused: the algorithm is pinned.
        let claims = RememberClaims {
            user_id: 1i64,
            iat: now,
            exp: now + 60,
            aud: REMEMBER_AUDIENCE.into(),
            login_id: LoginId::random(),
            auth_tag: None,
            forced: false,
            remember_gen: 0,
        };
        let key = config(1);
        let t = encode(&Header::new(Algorithm::HS512), &claims, &EncodingKey::from_secret(key.keys().remember_key()))
            .expect("test fixture");
        assert!(codec.verify::<i64>(&t, now).is_err());
    }

    #[test]
    fn expired_and_out_of_range_times_are_rejected() {
        let codec = RememberCodec::new(&config(1));
        let now = now_secs();
        let (t, _) =
            codec.issue(&1i64, LoginId::random(), None, now - 1000, Duration::from_secs(100)).expect("test fixture");
        assert!(matches!(codec.verify::<i64>(&t, now), Err(TokenError::Expired)));
        // Within the leeway of 5 s it is still accepted.
        let (t, _) =
            codec.issue(&1i64, LoginId::random(), None, now - 103, Duration::from_secs(100)).expect("test fixture");
        assert!(codec.verify::<i64>(&t, now).is_ok());
        // Issued in the future.
        let (t, _) = codec.issue(&1i64, LoginId::random(), None, now + 3600, day()).expect("test fixture");
        assert!(matches!(codec.verify::<i64>(&t, now), Err(TokenError::IssuedAtOutOfRange)));
        // Lifetime longer than the maximum remember duration.
        let (t, _) = codec.issue(&1i64, LoginId::random(), None, now, day() * 400).expect("test fixture");
        assert!(matches!(codec.verify::<i64>(&t, now), Err(TokenError::IssuedAtOutOfRange)));
    }

    #[test]
    fn missing_claims_are_rejected() {
        let key = config(1);
        let codec = RememberCodec::new(&key);
        let now = now_secs();
        let enc = EncodingKey::from_secret(key.keys().remember_key());
        for claims in [
            serde_json::json!({"uid":1,"iat":now,"aud":REMEMBER_AUDIENCE,"lid":"AAAAAAAAAAAAAAAAAAAAAA"}),
            serde_json::json!({"uid":1,"exp":now+60,"aud":REMEMBER_AUDIENCE,"lid":"AAAAAAAAAAAAAAAAAAAAAA"}),
            serde_json::json!({"uid":1,"iat":now,"exp":now+60,"lid":"AAAAAAAAAAAAAAAAAAAAAA"}),
            serde_json::json!({"uid":1,"iat":now,"exp":now+60,"aud":"other","lid":"AAAAAAAAAAAAAAAAAAAAAA"}),
        ] {
            let t = encode(&Header::new(Algorithm::HS256), &claims, &enc).expect("test fixture");
            assert!(codec.verify::<i64>(&t, now).is_err(), "{claims}");
        }
    }

    #[test]
    fn garbage_is_rejected_without_panic() {
        let codec = RememberCodec::new(&config(1));
        for g in ["", ".", "..", "a.b.c", "%%%", "\u{0}", &"A".repeat(10_000), "eyJ.eyJ.eyJ"] {
            assert!(codec.verify::<i64>(g, now_secs()).is_err());
        }
    }

    #[test]
    fn remember_durations_are_capped() {
        let c = config(1);
        assert_eq!(Remember::No.duration(&c), None);
        assert_eq!(Remember::Default.duration(&c), Some(day() * 30));
        assert_eq!(Remember::Days(7).duration(&c), Some(day() * 7));
        assert_eq!(Remember::Days(u32::MAX).duration(&c), Some(day() * 365));
        assert_eq!(Remember::For(Duration::from_secs(3600)).duration(&c), Some(Duration::from_secs(3600)));
        assert_eq!(Remember::For(Duration::from_millis(999)).duration(&c), None);
        assert_eq!(Remember::For(day() * 1000).duration(&c), Some(day() * 365));
        assert_eq!(Remember::from(true), Remember::Default);
        assert_eq!(Remember::from_form_value(Some("-3")), Remember::No);
        assert_eq!(Remember::from_form_value(Some("off")), Remember::No);
        assert_eq!(Remember::from_form_value(Some("TRUE")), Remember::Default);
        assert_eq!(Remember::from_form_value(Some("1")), Remember::Default);
    }
}
