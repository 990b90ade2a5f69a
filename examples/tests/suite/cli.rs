//! The demo binary: start-up errors name the setting and never panic; the server
//! prints its address once it accepts connections; Ctrl-C stops it cleanly.

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    process::{Command, Stdio},
    sync::mpsc,
    time::Duration,
};

const DEMO: &str = env!("CARGO_BIN_EXE_demo");

fn run_failing(args: &[&str], envs: &[(&str, &str)]) -> (i32, String) {
    let out = Command::new(DEMO)
        .args(args)
        .env_remove("LOGIN_DEMO_SECRET")
        .envs(envs.iter().copied())
        .env("RUST_LOG", "off")
        .stdin(Stdio::null())
        .output()
        .expect("demo runs");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn bad_settings_exit_with_one_line_naming_the_setting() {
    let dir = std::env::temp_dir().join(format!("login-demo-cli-{}", std::process::id()));
    let unwritable = dir.join("missing-dir").join("users.db");
    let unwritable = unwritable.to_string_lossy().into_owned();
    type Case<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case> = vec![
        (vec!["--secret", "too-short"], vec![], "--secret"),
        (vec![], vec![("LOGIN_DEMO_SECRET", "too-short")], "--secret"),
        (vec!["--addr", "not-an-address"], vec![], "--addr"),
        (vec!["--session-store", "memcached://x"], vec![], "--session-store"),
        (vec!["--session-store", "redis://127.0.0.1:1", "--addr", "127.0.0.1:0"], vec![], "--session-store"),
        (vec!["--db", &unwritable, "--addr", "127.0.0.1:0"], vec![], "--db"),
        (vec!["--registry", "postgres://x"], vec![], "--registry"),
        (vec!["--registry", "redis://127.0.0.1:1", "--addr", "127.0.0.1:0"], vec![], "--registry"),
    ];
    for (args, envs, setting) in cases {
        let (code, stderr) = run_failing(&args, &envs);
        assert_ne!(code, 0, "{args:?}");
        let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "{args:?}: {stderr}");
        assert!(lines[0].starts_with(&format!("error: {setting}")), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn serves_prints_its_address_and_stops_on_ctrl_c() {
    let mut child = Command::new(DEMO)
        .args(["--addr", "127.0.0.1:0", "--insecure-cookies"])
        .env("LOGIN_DEMO_SECRET", "x".repeat(64))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("demo starts");
    let stdout = child.stdout.take().expect("piped");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let line = rx.recv_timeout(Duration::from_secs(60)).expect("address line");
    let addr = line.rsplit("http://").next().expect("has an address").trim().to_owned();
    assert!(line.contains("127.0.0.1:"), "{line}");

    let mut stream = TcpStream::connect(&addr).expect("accepts connections");
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").expect("writes");
    let mut reply = String::new();
    stream.read_to_string(&mut reply).expect("reads");
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(reply.ends_with("ok"), "{reply}");

    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("kill runs");
    assert!(status.success());
    let (done_tx, done_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done_tx.send(child.wait());
    });
    let exit = done_rx.recv_timeout(Duration::from_secs(30)).expect("stops within 30 s").expect("wait works");
    assert!(exit.success(), "{exit:?}");
}
