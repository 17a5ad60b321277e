//! The operator's view over 1,000,000 deliveries in PostgreSQL (issue 17, §5): the first page of
//! a filtered list, the counts per state, the deliveries per hour, the dashboard's main page
//! rendered through its router, and a bulk retry of 10,000 failed deliveries. Figures in BENCHMARKS.md, "Operator view over 1,000,000 deliveries".
//!
//! ```sh
//! STEPPAY_TEST_POSTGRES='host=127.0.0.1 user=postgres dbname=test' cargo bench -p steppay-webhooks-reliability --bench operator
//! ```
//!
//! Without `STEPPAY_TEST_POSTGRES` it says so and exits. The deliveries are written once, by
//! one `INSERT … SELECT generate_series` (`operator_seed.sql`), into a table of their own
//! (`steppay_bench_operator`), and kept for the next run: a run that finds 1,000,000 rows there
//! does not write them again. Every query goes through `PostgresStore`, as the CLI and the
//! dashboard make it.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use criterion::{Criterion, SamplingMode};
use steppay_webhooks::dashboard::Dashboard;
use steppay_webhooks::store::{DeliveryStore, Filter, Page, PostgresStore, State};
use steppay_webhooks_reliability::postgres_url;
use tower::ServiceExt as _;

const TABLE: &str = "steppay_bench_operator";
const ROWS: i64 = 1_000_000;
/// When row 0 arrived; row i arrives i × 2.592 s later (operator_seed.sql).
const BASE_SECS: u64 = 1_793_491_200; // 2026-11-01T00:00:00Z
const STEP_MS: u64 = 2_592;

fn arrival(row: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(BASE_SECS) + Duration::from_millis(row * STEP_MS)
}

/// The failed deliveries of the newest half: rows i ≥ 500,000 with i % 100 in {0, 1}, 10,000.
fn newest_failed() -> Filter {
    Filter::new().state(State::Failed).received_since(arrival(500_000))
}

fn main() {
    let Some(config) = postgres_url() else {
        eprintln!("note: the operator bench did not run: STEPPAY_TEST_POSTGRES is not set");
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let store =
        Arc::new(rt.block_on(PostgresStore::connect_with_table(&config, TABLE)).expect("connect"));
    let (client, connection) =
        rt.block_on(tokio_postgres::connect(&config, tokio_postgres::NoTls)).expect("connect");
    rt.spawn(connection);
    rt.block_on(seed(&client));
    let retried = rt.block_on(store.count(&newest_failed())).expect("count");
    assert_eq!(retried, 10_000, "the seed has 10,000 failed deliveries in its newest half");

    let mut criterion = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();
    let mut group = criterion.benchmark_group("operator");
    let first_page = |filter: Filter| {
        let store = &store;
        let rt = &rt;
        move || {
            let page = rt.block_on(store.list(&filter, &Page::first(50))).expect("list");
            assert!(!page.is_empty());
            page
        }
    };
    // "Which payment deliveries failed?": 6,000 of the 1,000,000 match.
    group.bench_function("list/failed+payment.completed", |b| {
        b.iter(first_page(Filter::new().state(State::Failed).event_type("payment.completed")));
    });
    // "Did the webhook for payment 4418273 arrive?"
    group.bench_function("list/subject", |b| {
        b.iter(first_page(Filter::new().subject("payment:4418273")));
    });
    // "What died in the last day?", the last day of the seed.
    group.bench_function("list/dead+last-24h", |b| {
        let since = arrival(ROWS as u64) - Duration::from_secs(86_400);
        b.iter(first_page(Filter::new().state(State::Dead).received_since(since)));
    });
    // A rare combination: 1,000 dead customer.updated deliveries, spread over the month.
    group.bench_function("list/dead+customer.updated", |b| {
        b.iter(first_page(Filter::new().state(State::Dead).event_type("customer.updated")));
    });
    group.bench_function("counts", |b| {
        b.iter(|| rt.block_on(store.counts()).expect("counts"));
    });
    group.bench_function("per_hour/24h", |b| {
        let since = arrival(ROWS as u64) - Duration::from_secs(86_400);
        b.iter(|| rt.block_on(store.per_hour(since)).expect("per_hour"));
    });
    // The dashboard's main page, as a browser gets it: counts, the last 24 hours per hour, the
    // first page of the list, rendered to HTML. With no token (the page mounted behind a
    // service's own authentication), so that each request renders.
    let router = Dashboard::new(store.clone()).router();
    group.bench_function("dashboard/main-page", |b| {
        b.iter(|| {
            let request = Request::get("/").body(Body::empty()).expect("a request");
            let response = rt.block_on(router.clone().oneshot(request)).expect("infallible");
            assert_eq!(response.status(), StatusCode::OK);
            rt.block_on(axum::body::to_bytes(response.into_body(), 8 << 20)).expect("the page")
        });
    });
    group.finish();

    // Each sample retries the same 10,000 deliveries, put back to failed (untimed) before it.
    let mut group = criterion.benchmark_group("operator");
    // One retry per sample (flat sampling, a short target time), so that ten samples are ten
    // retries, each of the same 10,000 deliveries from the same state.
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(Duration::from_secs(1));
    group.bench_function("retry/10000-failed", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                rt.block_on(reset(&client));
                let started = Instant::now();
                let changed = rt.block_on(store.retry(&newest_failed())).expect("retry");
                total += started.elapsed();
                assert_eq!(changed, 10_000);
            }
            total
        });
    });
    group.finish();
    rt.block_on(reset(&client));
    criterion.final_summary();
}

/// Writes the 1,000,000 deliveries unless the table holds them already.
async fn seed(client: &tokio_postgres::Client) {
    let table = format!("\"{TABLE}\"");
    let count: i64 = client
        .query_one(&format!("SELECT count(*) FROM {table}"), &[])
        .await
        .expect("count")
        .get(0);
    if count == ROWS {
        // What an earlier run left (row versions of its retries) is cleared, so that every run
        // reads the same table.
        eprintln!("{TABLE} holds {ROWS} deliveries already; not seeding");
        client.batch_execute(&format!("VACUUM ANALYZE {table}")).await.expect("vacuum");
        return;
    }
    eprintln!("seeding {ROWS} deliveries into {TABLE} …");
    let started = Instant::now();
    client.batch_execute(&format!("TRUNCATE {table}")).await.expect("truncate");
    let body = include_str!("../../schema/examples/payment.completed.json");
    let sql = include_str!("operator_seed.sql").replace("{table}", &table);
    client.execute(&sql, &[&body]).await.expect("seed");
    client.batch_execute(&format!("VACUUM ANALYZE {table}")).await.expect("vacuum");
    eprintln!("seeded in {:.1} s", started.elapsed().as_secs_f64());
}

/// Puts the retried deliveries back: the seed has no pending delivery, so every pending one is
/// one the bench retried. The vacuum clears the row versions the retry and this left, so that
/// each sample starts from the same table.
async fn reset(client: &tokio_postgres::Client) {
    client
        .execute(
            &format!(
                "UPDATE \"{TABLE}\" SET state = 'failed', due_at = created_at + interval '1 hour', \
                 updated_at = created_at + interval '1 second' WHERE state = 'pending'"
            ),
            &[],
        )
        .await
        .expect("reset");
    client.batch_execute(&format!("VACUUM \"{TABLE}\"")).await.expect("vacuum");
}
