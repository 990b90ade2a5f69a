//! What the store contract suites share: a rule is a function of the store, and one
//! macro per suite expands a `#[test]` per rule for a store.
//!
//! A store's author writes a function that makes the store and runs a rule against
//! it, then expands the suite with it:
//!
//! ```
//! use login_actix::{registry::{LoginRegistry, MemoryRegistry}, test_util::Rule};
//!
//! async fn with_memory(rule: Rule<dyn LoginRegistry>) {
//!     rule(&MemoryRegistry::new()).await
//! }
//!
//! login_actix::registry_contract_tests!(memory_registry, with_memory);
//! # fn main() {}
//! ```
//!
//! Each test is named for its rule (`memory_registry::touch_sets_last_seen`), so a
//! store that breaks one rule fails that test alone. Attributes before the name go on
//! every test (`#[ignore = "needs redis-server"]`).

use futures_util::future::LocalBoxFuture;

/// One rule of a contract suite: checks a store (the trait object `S`) and panics with
/// the rule's text when the store breaks it.
pub type Rule<S> = for<'a> fn(&'a S) -> LocalBoxFuture<'a, ()>;

/// Runs every rule of a suite against `store`, in order.
pub(crate) async fn run_all<S: ?Sized>(rules: &[(&str, Rule<S>)], store: &S) {
    for (_, rule) in rules {
        rule(store).await;
    }
}

/// Expands a module `$name` of one test per rule of `$suite` (a module of
/// `test_util`), each running its rule through `$with`.
#[doc(hidden)]
#[macro_export]
macro_rules! __contract_tests {
    ($suite:ident, [$($attr:tt)*] $name:ident, $with:path, [$($rule:ident),* $(,)?]) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            $crate::__contract_test!($suite, [$($attr)*] $with, $($rule),*);

            #[test]
            fn every_rule_of_the_suite_has_its_test() {
                let expanded: &[&str] = &[$(stringify!($rule)),*];
                let rules: Vec<&str> = $crate::test_util::$suite::RULES.iter().map(|(name, _)| *name).collect();
                assert_eq!(expanded, rules.as_slice());
            }
        }
    };
}

/// One test per rule (see `__contract_tests`).
#[doc(hidden)]
#[macro_export]
macro_rules! __contract_test {
    ($suite:ident, [$($attr:tt)*] $with:path, ) => {};
    ($suite:ident, [$($attr:tt)*] $with:path, $rule:ident $(, $rest:ident)*) => {
        $($attr)*
        #[test]
        fn $rule() {
            $crate::__private::actix_web::rt::System::new().block_on($with($crate::test_util::$suite::$rule));
        }
        $crate::__contract_test!($suite, [$($attr)*] $with, $($rest),*);
    };
}
