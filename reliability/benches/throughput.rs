//! Receiver throughput over real HTTP on loopback, with each store, against a bare axum route.
//!
//! ```sh
//! cargo bench -p steppay-webhooks-reliability --bench throughput
//! STEPPAY_TEST_POSTGRES='host=127.0.0.1 user=postgres dbname=test' cargo bench -p steppay-webhooks-reliability --bench throughput
//! ```
//!
//! Every configuration receives the same number of distinct, signed `payment.completed`
//! deliveries from 32 concurrent keep-alive connections; the signing is done before the clock
//! starts. Each round runs every configuration once, and the table reports the median of the
//! rounds. After each run the handler's tally is checked: every delivery answered `200` and
//! handled exactly once (none lost, none doubled). An accept-first receiver answers before its
//! handler runs, so its clock stops only once the last delivery is handled: its figure is
//! deliveries accepted *and* handled per second. The server and the client share this machine's
//! cores, as a receiver and its load balancer would not: compare the ratios.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use steppay_webhooks::receive::Receiver;
use steppay_webhooks::store::{DeliveryStore, MemoryStore, PostgresStore, SqliteStore};
use steppay_webhooks::types::Payment;
use steppay_webhooks::verify::sign;
use steppay_webhooks::{Delivery, Handler, HandlerError};
use steppay_webhooks_reliability::{PATH, SECRET, delivery, now, postgres_url, verifier};

const CONNECTIONS: usize = 32;
const ROUNDS: usize = 5;

/// Counts how many times each payment was handled.
#[derive(Clone)]
struct Tally {
    base: i64,
    handled: Arc<Vec<AtomicU32>>,
}

impl Tally {
    fn new(base: i64, count: usize) -> Self {
        Self { base, handled: Arc::new((0..count).map(|_| AtomicU32::new(0)).collect()) }
    }

    /// How many deliveries were handled at least once.
    fn handled(&self) -> usize {
        self.handled.iter().filter(|c| c.load(Ordering::SeqCst) > 0).count()
    }

    /// Deliveries handled other than exactly once: (lost, doubled).
    fn errors(&self) -> (usize, usize) {
        let counts: Vec<u32> = self.handled.iter().map(|c| c.load(Ordering::SeqCst)).collect();
        (counts.iter().filter(|&&c| c == 0).count(), counts.iter().filter(|&&c| c > 1).count())
    }
}

impl Handler for Tally {
    async fn payment_completed(
        &self,
        _: &Delivery<'_>,
        payment: &Payment,
    ) -> Result<(), HandlerError> {
        let index = usize::try_from(payment.payment_id - self.base).map_err(|_| "not ours")?;
        self.handled.get(index).ok_or("not ours")?.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

enum Target {
    Bare,
    Extractor,
    NoStore,
    Memory,
    Sqlite,
    Postgres(String),
    SqliteAcceptFirst,
    PostgresAcceptFirst(String),
}

impl Target {
    fn name(&self) -> &'static str {
        match self {
            Target::Bare => "bare axum route (reads the body, answers 200)",
            Target::Extractor => "axum route taking VerifiedWebhook (verifies, parses)",
            Target::NoStore => "Receiver, no store",
            Target::Memory => "Receiver + MemoryStore",
            Target::Sqlite => "Receiver + SqliteStore",
            Target::Postgres(_) => "Receiver + PostgresStore",
            Target::SqliteAcceptFirst => "Receiver + SqliteStore, accept-first (end to end)",
            Target::PostgresAcceptFirst(_) => "Receiver + PostgresStore, accept-first (end to end)",
        }
    }

    fn accepts_first(&self) -> bool {
        matches!(self, Target::SqliteAcceptFirst | Target::PostgresAcceptFirst(_))
    }
}

fn router(store: impl DeliveryStore + 'static, tally: &Tally, accept_first: bool) -> axum::Router {
    let mut receiver = Receiver::new(verifier(), tally.clone()).store(store);
    if accept_first {
        receiver = receiver.accept_first();
    }
    axum::Router::new().route(PATH, receiver.into_method_router())
}

/// Serves `target` on loopback, sends `requests` through it, and returns deliveries per second.
async fn run(target: &Target, base: i64, requests: &Arc<Vec<(String, Vec<u8>)>>) -> f64 {
    let tally = Tally::new(base, requests.len());
    let _dir;
    let mut drop_table = None;
    let app = match target {
        Target::Bare => axum::Router::new().route(
            PATH,
            axum::routing::post(|_body: bytes::Bytes| async { axum::http::StatusCode::OK }),
        ),
        Target::Extractor => axum::Router::new()
            .route(
                PATH,
                axum::routing::post(|_: steppay_webhooks::axum::VerifiedWebhook| async {
                    axum::http::StatusCode::OK
                }),
            )
            .with_state(verifier()),
        Target::NoStore => axum::Router::new()
            .route(PATH, Receiver::new(verifier(), tally.clone()).into_method_router()),
        Target::Memory => router(MemoryStore::new(), &tally, false),
        Target::Sqlite | Target::SqliteAcceptFirst => {
            let dir = tempfile::tempdir().expect("temporary folder");
            let store = SqliteStore::open(dir.path().join("d.sqlite3")).await.expect("SQLite");
            _dir = dir;
            router(store, &tally, target.accepts_first())
        }
        Target::Postgres(url) | Target::PostgresAcceptFirst(url) => {
            let table = format!("steppay_bench_{}", std::process::id());
            let store = PostgresStore::connect_with_table(url, &table).await.expect("PostgreSQL");
            let pool = store.pool().clone();
            let client = pool.get().await.expect("connection");
            client.batch_execute(&format!("TRUNCATE \"{table}\"")).await.expect("truncate");
            drop_table = Some((pool, table));
            router(store, &tally, target.accepts_first())
        }
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let client = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(CONNECTIONS)
        .build()
        .expect("client");
    let url = format!("http://{address}{PATH}");
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..CONNECTIONS)
        .map(|_| {
            let (client, url, next, requests) =
                (client.clone(), url.clone(), Arc::clone(&next), Arc::clone(requests));
            tokio::spawn(async move {
                let mut failures = 0usize;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((signature, body)) = requests.get(i) else { break };
                    let response = client
                        .post(&url)
                        .header("steppay-signature", signature)
                        .body(body.clone())
                        .send()
                        .await
                        .expect("request");
                    failures += usize::from(response.status() != 200);
                    let _ = response.bytes().await;
                }
                failures
            })
        })
        .collect();
    let mut failures = 0;
    for worker in workers {
        failures += worker.await.expect("worker");
    }
    if target.accepts_first() {
        // Answered is not handled: wait for the last run (at most a minute).
        let deadline = Instant::now() + Duration::from_secs(60);
        while tally.handled() < requests.len() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    let elapsed = started.elapsed();
    server.abort();
    if let Some((pool, table)) = drop_table {
        let client = pool.get().await.expect("connection");
        client.batch_execute(&format!("DROP TABLE \"{table}\"")).await.expect("drop");
    }
    assert_eq!(failures, 0, "{}: every delivery is answered 200", target.name());
    if !matches!(target, Target::Bare | Target::Extractor) {
        let (lost, doubled) = tally.errors();
        assert_eq!((lost, doubled), (0, 0), "{}: lost, doubled", target.name());
    }
    requests.len() as f64 / elapsed.as_secs_f64()
}

fn main() {
    // `cargo test --benches` runs this with `--test`: one small round then, to keep it working.
    let quick = std::env::args().any(|a| a == "--test");
    let count: usize = if quick { 200 } else { 20_000 };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut targets =
        vec![Target::Bare, Target::Extractor, Target::NoStore, Target::Memory, Target::Sqlite];
    targets.push(Target::SqliteAcceptFirst);
    match postgres_url() {
        Some(url) => {
            targets.push(Target::Postgres(url.clone()));
            targets.push(Target::PostgresAcceptFirst(url));
        }
        None => eprintln!("(PostgreSQL not measured: set STEPPAY_TEST_POSTGRES)"),
    }
    let mut results: Vec<Vec<f64>> = vec![Vec::new(); targets.len()];
    let rounds = if quick { 1 } else { ROUNDS };
    for round in 0..rounds {
        for (i, target) in targets.iter().enumerate() {
            // Fresh payment ids each run: every delivery is new to every store.
            let base = 1_000_000 * (1 + round as i64 * 10 + i as i64);
            let timestamp = now();
            let requests: Arc<Vec<(String, Vec<u8>)>> = Arc::new(
                (0..count)
                    .map(|n| {
                        let body = delivery(base + n as i64);
                        (sign(SECRET, timestamp, &body), body)
                    })
                    .collect(),
            );
            let rate = runtime.block_on(run(target, base, &requests));
            results[i].push(rate);
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    let median = |rates: &Vec<f64>| {
        let mut sorted = rates.clone();
        sorted.sort_by(f64::total_cmp);
        sorted[sorted.len() / 2]
    };
    let bare = median(&results[0]);
    println!(
        "{count} distinct deliveries, {CONNECTIONS} connections, median of {rounds} round(s)\n"
    );
    println!("| configuration | deliveries/s | × bare axum | rounds |");
    println!("|---|---:|---:|---|");
    for (target, rates) in targets.iter().zip(&results) {
        let all: Vec<String> = rates.iter().map(|r| format!("{r:.0}")).collect();
        println!(
            "| {} | {:.0} | {:.2} | {} |",
            target.name(),
            median(rates),
            median(rates) / bare,
            all.join(", ")
        );
    }
}
