//! What each stage of receiving one delivery costs on its own, to read the throughput table by.
//!
//! ```sh
//! cargo bench -p steppay-webhooks-reliability --bench stages
//! ```
//!
//! The body is the catalogue's `payment.completed` example, the one the throughput bench sends.
//! The store stages claim a new key, keeping its body, and complete it, as the receiver does for
//! a first delivery.

use std::hint::black_box;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime};

use criterion::{Criterion, criterion_group, criterion_main};
use steppay_webhooks::Webhook;
use steppay_webhooks::key::{DeliveryKey, KeyStrategy};
use steppay_webhooks::store::{
    Arrival, AttemptOutcome, AttemptRecord, Claim, DeliveryStore, MemoryStore, StartedBy,
};
use steppay_webhooks::verify::sign;
use steppay_webhooks_reliability::{SECRET, delivery, now, verifier};

fn stages(c: &mut Criterion) {
    let body = delivery(4_418_273);
    let verifier = verifier();
    let header = sign(SECRET, now(), &body);
    let webhook = Webhook::from_slice(&body).expect("the example parses");
    let mut group = c.benchmark_group("stages");
    group.warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));

    group.bench_function("verify", |b| {
        b.iter(|| verifier.verify(Some(black_box(&header)), black_box(&body)))
    });
    group.bench_function("parse", |b| b.iter(|| Webhook::from_slice(black_box(&body))));
    group.bench_function("key_event_and_data", |b| {
        b.iter(|| KeyStrategy::EventAndData.key(black_box(&body), Some(&webhook)))
    });
    group.bench_function("key_raw_body", |b| {
        b.iter(|| KeyStrategy::RawBody.key(black_box(&body), Some(&webhook)))
    });

    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let store = MemoryStore::new();
    let next = AtomicI64::new(0);
    group.bench_function("memory_claim_complete", |b| {
        b.iter(|| {
            let key = DeliveryKey::new(format!("bench:{}", next.fetch_add(1, Ordering::Relaxed)));
            runtime.block_on(async {
                let arrival = Arrival::new(&key, Some("payment.completed"), &body);
                match store.claim(&arrival, Duration::from_secs(30)).await {
                    Ok(Claim::Acquired(lease)) => {
                        let run = AttemptRecord::new(
                            lease.attempt,
                            SystemTime::now(),
                            Duration::from_millis(1),
                            AttemptOutcome::Handled,
                            StartedBy::Request,
                        );
                        store.complete(&lease, &run).await.expect("complete");
                    }
                    other => panic!("a new key is acquired, got {other:?}"),
                }
            })
        })
    });
    group.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
