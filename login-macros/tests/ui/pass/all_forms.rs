use actix_web::{get, post, web, HttpResponse, Responder};
use login_actix::{fresh_login_required, login_required, user_loader, AuthUser, CurrentUser};

#[derive(Clone)]
struct User {
    id: String,
}

impl AuthUser for User {
    type Id = String;
    fn id(&self) -> String {
        self.id.clone()
    }
}

struct Db;

#[user_loader]
async fn infallible(id: String) -> Option<User> {
    Some(User { id })
}

#[user_loader]
pub(crate) async fn with_state(id: String, _db: web::Data<Db>, _req: actix_web::HttpRequest) -> Result<Option<User>, std::io::Error> {
    Ok(Some(User { id }))
}

#[get("/a")]
#[login_required]
async fn a(user: CurrentUser<User>) -> impl Responder {
    user.id.clone()
}

#[login_required(api)]
#[post("/b")]
async fn b() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[get("/c")]
#[fresh_login_required(redirect = "/signin")]
async fn c(a1: web::Path<u8>, a2: web::Query<()>, a3: web::Data<Db>, a4: web::Data<u8>, a5: web::Data<u16>,
    a6: web::Data<u32>, a7: web::Data<u64>, a8: web::Data<i8>, a9: web::Data<i16>, a10: web::Data<i32>,
    a11: web::Data<i64>, a12: web::Data<u128>, a13: web::Data<i128>, a14: web::Data<f32>, a15: web::Data<f64>) -> &'static str {
    let _ = (a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15);
    "fifteen extractors plus the guard"
}

/// Generic handlers keep their generics and where clauses.
#[fresh_login_required(api)]
async fn d<T>(data: web::Data<T>) -> String
where
    T: std::fmt::Display + 'static,
{
    data.to_string()
}

#[get("/e")]
#[login_required(permission = "admin", permission = "audit")]
async fn e(user: CurrentUser<User>) -> impl Responder {
    user.id.clone()
}

#[fresh_login_required(api, permission = "admin")]
async fn f() -> &'static str {
    "api, fresh and admin"
}

fn main() {
    let _ = (a, b, c, d::<u8>, e, f, infallible, with_state);
}
