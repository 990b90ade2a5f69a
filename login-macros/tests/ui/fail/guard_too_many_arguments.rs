use actix_web::web::Data;
use login_actix::login_required;

#[login_required]
async fn a(_a1: Data<u8>, _a2: Data<u8>, _a3: Data<u8>, _a4: Data<u8>, _a5: Data<u8>, _a6: Data<u8>, _a7: Data<u8>,
    _a8: Data<u8>, _a9: Data<u8>, _a10: Data<u8>, _a11: Data<u8>, _a12: Data<u8>, _a13: Data<u8>, _a14: Data<u8>,
    _a15: Data<u8>, _a16: Data<u8>) -> &'static str {
    "a"
}

fn main() {}
