//! How long the built `steppay-webhooks` binary takes, from process start to exit: starting
//! (`--version`, `events`), and `send --all` (every example, signed and POSTed one after another)
//! to `listen`, the tool's own receiver, which verifies and renders each delivery. Numbers in
//! BENCHMARKS.md; no test asserts on time.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};

const BINARY: &str = env!("CARGO_BIN_EXE_steppay-webhooks");

fn run(args: &[&str]) {
    let status = Command::new(BINARY)
        .args(args)
        .env("STEPPAY_WEBHOOK_SECRET", "bench-secret")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("the binary runs");
    assert!(status.success(), "{args:?}");
}

fn commands(c: &mut Criterion) {
    let mut group = c.benchmark_group("cli");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    group.bench_function("--version", |b| b.iter(|| run(&["--version"])));
    group.bench_function("events", |b| b.iter(|| run(&["events"])));

    // The receiver writes what it receives to a pipe that a thread drains.
    let mut listen = Command::new(BINARY)
        .args(["--json", "listen", "--port", "0"])
        .env("STEPPAY_WEBHOOK_SECRET", "bench-secret")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("listen starts");
    let mut lines = BufReader::new(listen.stdout.take().expect("stdout")).lines();
    let first = lines.next().expect("a line").expect("read");
    let address: serde_json::Value = serde_json::from_str(&first).expect("JSON");
    let url = format!("{}webhooks/steppay", address["listening"].as_str().expect("its address"));
    std::thread::spawn(move || lines.for_each(drop));
    group.bench_function("send --all", |b| b.iter(|| run(&["send", "--all", "--to", &url])));
    group.finish();
    let _ = listen.kill();
    let _ = listen.wait();
}

criterion_group!(benches, commands);
criterion_main!(benches);
