//! Both TOTP implementations in one binary: a secret of login-actix's, its QR code drawn
//! by totp-rs.

use login_actix::two_factor::TotpSecret;

fn main() {
    let secret = TotpSecret::generate();
    let uri = secret.otpauth_uri("Example", "alice");
    let totp = totp_rs::TOTP::from_url(&uri).expect("totp-rs reads our otpauth URI");
    let now = 1_900_000_000;
    assert_eq!(totp.generate(now), secret.code_at(now), "both compute the same code");
    let png = totp.get_qr_base64().expect("a QR code");
    println!("QR code of {} base64 characters", png.len());
}
