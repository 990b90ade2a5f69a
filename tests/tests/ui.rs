//! Compile-time behaviour of the macros: the passing forms compile, each misuse fails
//! with the pinned message (`ui/fail/*.stderr`).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("ui/pass/*.rs");
    t.compile_fail("ui/fail/*.rs");
}
