//! Password hashing (feature `password`): verification, unknown users, the length cap,
//! rehashing when the parameters change, a corrupt stored hash, and the throttled check.

use actix_session::{storage::CookieSessionStore, SessionMiddleware};
use actix_web::{cookie::Key, post, test, web, App, HttpResponse};
use argon2::Params;
use login_actix::{
    password::{PasswordError, PasswordHasher, Verified},
    LoginMiddleware, LoginSession, LoginThrottle, Remember,
};
use login_tests::{send, users_loader, Harness, Jar, User, Users};

/// Cheap parameters, so the tests are quick; the rules do not depend on the cost.
fn cheap() -> Params {
    Params::new(1024, 1, 1, None).expect("params")
}

#[actix_rt::test]
async fn the_right_password_verifies_and_every_other_answer_is_no() {
    let hasher = PasswordHasher::with_params(cheap());
    let stored = hasher.hash("wonderland").await.expect("hash");
    assert!(stored.starts_with("$argon2id$"), "{stored}");
    assert_ne!(hasher.hash("wonderland").await.expect("hash"), stored, "a new salt each time");
    assert_eq!(
        hasher.verify("wonderland", Some(&stored)).await.expect("verify"),
        Verified::Yes { needs_rehash: false }
    );
    assert_eq!(hasher.verify("Wonderland", Some(&stored)).await.expect("verify"), Verified::No);
    assert_eq!(hasher.verify("", Some(&stored)).await.expect("verify"), Verified::No);
    // No such user: a dummy hash is checked, and the answer is no, never an error.
    assert_eq!(hasher.verify("wonderland", None).await.expect("verify"), Verified::No);
}

#[actix_rt::test]
async fn a_password_over_the_length_cap_is_refused_before_hashing() {
    let hasher = PasswordHasher::with_params(cheap()).max_password_len(64);
    let long = "x".repeat(65);
    assert!(matches!(hasher.hash(&long).await, Err(PasswordError::TooLong { max: 64 })));
    let stored = hasher.hash(&"x".repeat(64)).await.expect("at the cap");
    assert_eq!(hasher.verify(&long, Some(&stored)).await.expect("verify"), Verified::No);
}

#[actix_rt::test]
async fn a_hash_made_with_other_parameters_asks_to_be_rehashed() {
    let old = PasswordHasher::with_params(cheap());
    let stored = old.hash("wonderland").await.expect("hash");
    let new = PasswordHasher::with_params(Params::new(2048, 1, 1, None).expect("params"));
    assert!(new.needs_rehash(&stored));
    assert!(!old.needs_rehash(&stored));
    assert_eq!(new.verify("wonderland", Some(&stored)).await.expect("verify"), Verified::Yes { needs_rehash: true });
    assert!(new.needs_rehash("$2b$12$not-argon2"), "another algorithm");
    assert!(new.needs_rehash("garbage"));
}

#[actix_rt::test]
async fn a_corrupt_stored_hash_is_an_error_not_a_wrong_password() {
    let hasher = PasswordHasher::with_params(cheap());
    assert!(matches!(hasher.verify("x", Some("not a phc string")).await, Err(PasswordError::BadHash)));
}

#[post("/login")]
async fn login(
    form: web::Form<Vec<(String, String)>>,
    throttle: LoginThrottle,
    auth: LoginSession<User>,
    users: web::Data<Users>,
    stored: web::Data<String>,
    hasher: web::Data<PasswordHasher>,
) -> actix_web::Result<HttpResponse> {
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let (username, password) = (field("username"), field("password"));
    let known = (username == "alice").then(|| stored.as_str());
    match hasher.check(&throttle, &username, &password, known).await? {
        Verified::Yes { .. } => {
            let alice = users.get(1).expect("alice");
            Ok(auth.login_user(&alice, Remember::No).await?.into_response())
        }
        Verified::No => Ok(HttpResponse::SeeOther().insert_header(("Location", "/login?error=1")).finish()),
    }
}

/// The check counts the attempt before hashing: over the limit the answer is 429 with
/// `Retry-After`, for the right password too, and a success forgets the counter.
#[actix_rt::test]
async fn the_throttled_check_counts_before_hashing_and_hides_the_right_password() {
    const SECRET: [u8; 64] = [31; 64];
    let t = Harness::new();
    let hasher = PasswordHasher::with_params(cheap());
    let stored = hasher.hash("wonderland").await.expect("hash");
    let app = test::init_service(
        App::new()
            .app_data(t.users.clone())
            .app_data(web::Data::new(stored))
            .app_data(web::Data::new(hasher))
            .service(login)
            .wrap(LoginMiddleware::new(users_loader(), t.builder(SECRET).build().expect("config")))
            .wrap(
                SessionMiddleware::builder(CookieSessionStore::default(), Key::derive_from(&SECRET))
                    .cookie_secure(false)
                    .build(),
            ),
    )
    .await;
    let form = |p: &str| {
        test::TestRequest::post()
            .uri("/login")
            .peer_addr("198.51.100.4:4000".parse().expect("addr"))
            .set_form([("username", "alice"), ("password", p)])
    };
    let res = send(&app, &mut Jar::new(), form("wonderland")).await;
    assert!(res.headers().get("location").is_some_and(|l| l == "/"), "a right password logs in");
    for _ in 0..5 {
        assert_eq!(login_tests::location(&send(&app, &mut Jar::new(), form("guess")).await), "/login?error=1");
    }
    let res = send(&app, &mut Jar::new(), form("wonderland")).await;
    assert_eq!(res.status(), 429, "over the limit, the right password is not checked");
    assert!(res.headers().get("retry-after").is_some());
}
