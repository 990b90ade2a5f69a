//! The generated code does not clash with a user's own items named like the things it
//! uses: std prelude names, our types, actix types, common local names. (Constants named
//! `__login_actix_*` are reserved: Rust lets no binding shadow a constant.)
#![allow(non_camel_case_types, non_upper_case_globals, dead_code, clippy::upper_case_acronyms)]

use ::actix_web::{cookie::Key, get, test, web, App};
use actix_session::{storage::CookieSessionStore, SessionMiddleware};
use login_tests::{User, Users};

// Items shadowing names the expansions could use unqualified.
struct Result;
struct Option;
struct Box;
struct Ok;
struct Err;
struct Guard;
struct Login;
struct FreshLogin;
struct UserLoader;
struct LoadError;
struct AuthUser;
struct HttpRequest;
struct FromRequest;
struct Clone;
struct Into;
struct From;
mod login_actix {}
mod core {}
mod std {}
const value: () = ();
const err: () = ();
const req: () = ();
const id: () = ();

#[::login_actix::user_loader]
async fn load_user(uid: i64, users: web::Data<Users>) -> ::core::option::Option<User> {
    users.get(uid)
}

#[get("/guarded")]
#[::login_actix::login_required]
async fn guarded(user: ::login_actix::CurrentUser<User>) -> ::std::string::String {
    ::std::format!("hi {}", user.name)
}

#[::login_actix::fresh_login_required(redirect = "/signin")]
#[get("/fresh")]
async fn fresh() -> &'static str {
    "fresh"
}

#[::actix_rt::test]
async fn expansions_compile_and_work_next_to_clashing_names() {
    let users = Users::seeded();
    let secret = [3u8; 64];
    let app = test::init_service(
        App::new()
            .app_data(users)
            .service(guarded)
            .service(fresh)
            .wrap(::login_actix::LoginMiddleware::new(
                load_user,
                ::login_actix::LoginConfig::new(secret).expect("config"),
            ))
            .wrap(SessionMiddleware::new(CookieSessionStore::default(), Key::derive_from(&secret))),
    )
    .await;
    let res = test::call_service(&app, test::TestRequest::get().uri("/guarded").to_request()).await;
    assert_eq!(res.status(), 302);
    let res = test::call_service(&app, test::TestRequest::get().uri("/fresh").to_request()).await;
    assert_eq!(res.headers().get("location").expect("redirect"), "/signin?next=%2Ffresh");
}
