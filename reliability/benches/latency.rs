//! Latency at a fixed rate below saturation: a bare axum route, the receiver without a store and
//! the receiver with `MemoryStore`, mounted side by side in one server and measured in one run.
//!
//! ```sh
//! cargo bench -p steppay-webhooks-reliability --bench latency            # 5,000 a second
//! STEPPAY_BENCH_RATE=2000 cargo bench -p steppay-webhooks-reliability --bench latency
//! ```
//!
//! The load is open-loop, as a rate-limited generator (wrk2, oha `-q`) makes it: request `n` is
//! due at `n / rate` seconds, sent then whatever happened to the earlier ones, and its latency is
//! counted from when it was due, not from when it left, so a stall delays every request behind
//! it and shows in the percentiles (no coordinated omission). Each round runs every route for
//! `SECONDS` seconds, the routes in turn, and the table gives each route's percentiles over all
//! its rounds. Client and server share the machine's two cores, in one process.

use std::time::{Duration, Instant};

use steppay_webhooks::receive::Receiver;
use steppay_webhooks::store::MemoryStore;
use steppay_webhooks::types::Payment;
use steppay_webhooks::verify::sign;
use steppay_webhooks::{Delivery, Handler, HandlerError};
use steppay_webhooks_reliability::{SECRET, delivery, now, verifier};

/// How long each route is measured in a round.
const SECONDS: u64 = 4;
const ROUNDS: usize = 3;

/// A handler that does nothing, as the bare route does nothing.
#[derive(Clone)]
struct Nothing;

impl Handler for Nothing {
    async fn payment_completed(&self, _: &Delivery<'_>, _: &Payment) -> Result<(), HandlerError> {
        Ok(())
    }
}

const ROUTES: [(&str, &str); 3] = [
    ("/bare", "bare axum route (reads the body, answers 200)"),
    ("/receiver", "Receiver, no store"),
    ("/memory", "Receiver + MemoryStore"),
];

/// Sends `requests` to `url` at `rate` a second; each latency counted from when it was due.
async fn measure(
    client: &reqwest::Client,
    url: &str,
    rate: u64,
    requests: Vec<(String, Vec<u8>)>,
) -> Vec<Duration> {
    let start = Instant::now() + Duration::from_millis(20);
    let mut sent = Vec::with_capacity(requests.len());
    for (n, (signature, body)) in requests.into_iter().enumerate() {
        let due = start + Duration::from_nanos(n as u64 * 1_000_000_000 / rate);
        tokio::time::sleep_until(due.into()).await;
        let request = client.post(url).header("steppay-signature", signature).body(body);
        sent.push(tokio::spawn(async move {
            let response = request.send().await.expect("request");
            assert_eq!(response.status(), 200, "every delivery is new and handled");
            let _ = response.bytes().await;
            due.elapsed()
        }));
    }
    let mut latencies = Vec::with_capacity(sent.len());
    for request in sent {
        latencies.push(request.await.expect("request task"));
    }
    latencies
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index]
}

fn main() {
    // `cargo test --benches` runs this with `--test`: a short round then, to keep it working.
    let quick = std::env::args().any(|a| a == "--test");
    let rate: u64 = std::env::var("STEPPAY_BENCH_RATE")
        .ok()
        .and_then(|rate| rate.parse().ok())
        .unwrap_or(5_000);
    let (seconds, rounds) = if quick { (1, 1) } else { (SECONDS, ROUNDS) };
    let per_run = usize::try_from(rate * seconds).expect("fits");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut latencies: Vec<Vec<Duration>> = vec![Vec::new(); ROUTES.len()];
    runtime.block_on(async {
        let app = axum::Router::new()
            .route(
                ROUTES[0].0,
                axum::routing::post(|_body: bytes::Bytes| async { axum::http::StatusCode::OK }),
            )
            .route(ROUTES[1].0, Receiver::new(verifier(), Nothing).into_method_router())
            .route(
                ROUTES[2].0,
                Receiver::new(verifier(), Nothing).store(MemoryStore::new()).into_method_router(),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let server = tokio::spawn(async move { axum::serve(listener, app).await });
        let client = reqwest::Client::builder()
            .no_proxy()
            .pool_max_idle_per_host(256)
            .build()
            .expect("client");
        let mut next_id = 10_000_000_i64;
        for _ in 0..rounds {
            for (route, (path, _)) in ROUTES.iter().enumerate() {
                let timestamp = now();
                let requests = (0..per_run)
                    .map(|_| {
                        next_id += 1;
                        let body = delivery(next_id);
                        (sign(SECRET, timestamp, &body), body)
                    })
                    .collect();
                let url = format!("http://{address}{path}");
                latencies[route].extend(measure(&client, &url, rate, requests).await);
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
        }
        server.abort();
    });

    println!(
        "{rate} deliveries a second, {seconds} s per route and round, {rounds} round(s), \
         open loop\n"
    );
    println!("| route | p50 | p99 | p99.9 | max | p99 × bare |");
    println!("|---|---:|---:|---:|---:|---:|");
    let mut bare_p99 = None;
    for ((_, name), mut measured) in ROUTES.iter().zip(latencies) {
        measured.sort();
        let p99 = percentile(&measured, 0.99);
        let bare = *bare_p99.get_or_insert(p99);
        let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1000.0);
        println!(
            "| {name} | {} | {} | {} | {} | {:.2} |",
            ms(percentile(&measured, 0.50)),
            ms(p99),
            ms(percentile(&measured, 0.999)),
            ms(*measured.last().expect("some requests")),
            p99.as_secs_f64() / bare.as_secs_f64()
        );
    }
}
