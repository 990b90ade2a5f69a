//! Compile-time behaviour of the macros: the passing forms compile, each misuse fails
//! with the pinned message (`tests/ui/fail/*.stderr`). They live here, in
//! `login-macros`, so trybuild builds only login-actix and actix-web for them.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
