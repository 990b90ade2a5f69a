//! Time per request of each scenario (criterion). `cargo bench -p login-benches`.

use criterion::{criterion_group, criterion_main, Criterion};

fn protected_route(c: &mut Criterion) {
    let mut group = c.benchmark_group("protected_route");
    for name in login_benches::SCENARIOS {
        let Some(mut scenario) = login_benches::build(name) else {
            eprintln!("skipping {name} (set LOGIN_BENCH_REDIS=redis://... for the Redis scenario)");
            continue;
        };
        group.bench_function(*name, |b| b.iter(|| scenario.request()));
    }
    group.finish();
}

criterion_group!(benches, protected_route);
criterion_main!(benches);
