//! Runs one scenario `N` times, for counting instructions under callgrind (the
//! difference of two runs cancels set-up) and allocations (`--allocs`).
//!
//! `bench-count <scenario> <requests> [--allocs]`

use std::process::ExitCode;

use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

#[global_allocator]
static GLOBAL: &StatsAlloc<std::alloc::System> = &INSTRUMENTED_SYSTEM;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(name), Some(n)) = (args.get(1), args.get(2).and_then(|n| n.parse::<usize>().ok())) else {
        eprintln!("usage: bench-count <scenario> <requests> [--allocs]");
        return ExitCode::from(2);
    };
    let Some(mut scenario) = login_benches::build(name) else {
        eprintln!("scenario {name} is unknown or unavailable");
        return ExitCode::from(3);
    };
    let region = Region::new(GLOBAL);
    for _ in 0..n {
        scenario.request();
    }
    if args.iter().any(|a| a == "--allocs") {
        let stats = region.change();
        println!("allocations {}", stats.allocations + stats.reallocations);
    }
    ExitCode::SUCCESS
}
