//! Logins under load: 32 clients sending wrong passwords while a logged-in
//! client keeps working. Asserts what a user sees (the logged-in client always gets its
//! page; the guessers are throttled); prints the logged-in client's latencies, idle and
//! under the load, for the record (`--nocapture`). Speed goals live in the benchmarks.

use std::{
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use login_examples::settings::SessionStoreKind;
use login_tests::demo::{test_settings, Browser, DemoServer};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn measure(b: &mut Browser, n: usize) -> Vec<Duration> {
    let mut times: Vec<Duration> = (0..n)
        .map(|_| {
            let started = Instant::now();
            let r = b.get("/dashboard");
            assert_eq!(r.status, 200, "the logged-in client lost its page");
            started.elapsed()
        })
        .collect();
    times.sort();
    times
}

#[test]
fn a_logged_in_client_keeps_working_while_32_clients_guess_passwords() {
    let mut settings = test_settings(SessionStoreKind::Cookie, None);
    // Each guesser is its own client address (as behind a proxy), so every one of them
    // gets its 5 argon2-checked guesses before the throttle stops it.
    settings.trust_proxy = true;
    let server = DemoServer::start(settings).expect("demo starts");
    let mut member = Browser::new(server.addr);
    assert_eq!(member.login("alice", "wonderland", None).status, 303);
    let idle = measure(&mut member, 50);

    let stop = Arc::new(AtomicBool::new(false));
    let (sent, throttled) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let guessers: Vec<_> = (0..32)
        .map(|i| {
            let (stop, sent, throttled) = (Arc::clone(&stop), Arc::clone(&sent), Arc::clone(&throttled));
            let addr = server.addr;
            std::thread::spawn(move || {
                let mut b = Browser::new(addr);
                let forwarded = format!("192.0.2.{i}");
                while !stop.load(Ordering::SeqCst) {
                    let body = "username=alice&password=guess";
                    let req = b
                        .client()
                        .post(b.url("/login"))
                        .header("content-type", "application/x-www-form-urlencoded")
                        .header("x-forwarded-for", forwarded.as_str())
                        .body(body);
                    let r = b.send(req);
                    assert!(r.status == 303 || r.status == 429, "guess answered {}", r.status);
                    sent.fetch_add(1, Ordering::SeqCst);
                    if r.status == 429 {
                        throttled.fetch_add(1, Ordering::SeqCst);
                    }
                }
            })
        })
        .collect();
    // Let the guessing start, then measure while it goes on.
    while sent.load(Ordering::SeqCst) < 32 {
        std::thread::sleep(Duration::from_millis(5));
    }
    let loaded = measure(&mut member, 200);
    // Then let every guesser go past its limit (argon2 runs a few at a time, so the
    // guessing can outlast the measurement), bounded by a deadline.
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while throttled.load(Ordering::SeqCst) < 32 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    stop.store(true, Ordering::SeqCst);
    for g in guessers {
        g.join().expect("guesser");
    }
    let (sent, throttled) = (sent.load(Ordering::SeqCst), throttled.load(Ordering::SeqCst));
    assert!(throttled > 0 && sent - throttled <= 32 * 5, "{sent} guesses, {throttled} throttled");
    eprintln!(
        "login load: idle p50 {:?} p95 {:?}; under 32 guessers p50 {:?} p95 {:?} max {:?}; {sent} guesses, {} checked with argon2, {throttled} throttled",
        percentile(&idle, 0.5),
        percentile(&idle, 0.95),
        percentile(&loaded, 0.5),
        percentile(&loaded, 0.95),
        loaded[loaded.len() - 1],
        sent - throttled,
    );
}
