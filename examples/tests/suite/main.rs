//! The examples package's one test binary: the demo binary from outside, and the docs'
//! Rust blocks against the compiled examples.

mod cli;
mod readme;
