//! What each stage of receiving one delivery costs on its own, to read the throughput table by.
//!
//! ```sh
//! cargo bench -p steppay-webhooks-reliability --bench stages
//! ```
//!
//! The body is the catalogue's `payment.completed` example, the one the throughput bench sends.
//! The store stages claim a new key, keeping its body, and complete it, as the receiver does for
//! a first delivery. The receive stages run the whole of `Receiver::receive` on a new delivery,
//! with no store and with `MemoryStore`, on a one-thread runtime.

use std::hint::black_box;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime};

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use steppay_webhooks::key::{DeliveryKey, KeyStrategy};
use steppay_webhooks::receive::Receiver;
use steppay_webhooks::store::{
    Arrival, AttemptOutcome, AttemptRecord, Claim, DeliveryStore, MemoryStore, StartedBy,
};
use steppay_webhooks::types::Payment;
use steppay_webhooks::verify::sign;
use steppay_webhooks::{Delivery, Handler, HandlerError, Webhook};
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

    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
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

    // The whole of `Receiver::receive`, in process: verify, parse, key, claim, the handler's
    // task, complete, the span and the log event. What it costs beyond verify + parse is what
    // the receiver adds to each delivery.
    let ids = AtomicI64::new(50_000_000);
    let bodies = || {
        let body = delivery(ids.fetch_add(1, Ordering::Relaxed));
        (sign(SECRET, now(), &body), bytes::Bytes::from(body))
    };
    let no_store = Receiver::new(verifier.clone(), Nothing);
    group.bench_function("receive_no_store", |b| {
        b.iter_batched(
            bodies,
            |(header, body)| runtime.block_on(no_store.receive(Some(header.as_bytes()), body)),
            BatchSize::SmallInput,
        )
    });
    // The same with the cheaper key, to tell how much of the difference the default key is.
    let raw_key = Receiver::new(verifier.clone(), Nothing).key(KeyStrategy::RawBody);
    group.bench_function("receive_no_store_raw_body_key", |b| {
        b.iter_batched(
            bodies,
            |(header, body)| runtime.block_on(raw_key.receive(Some(header.as_bytes()), body)),
            BatchSize::SmallInput,
        )
    });
    let memory = runtime.block_on(async {
        Receiver::new(verifier.clone(), Nothing).store(MemoryStore::new()).cleanup_every(None)
    });
    group.bench_function("receive_memory_store", |b| {
        b.iter_batched(
            bodies,
            |(header, body)| runtime.block_on(memory.receive(Some(header.as_bytes()), body)),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

/// A handler that does nothing.
struct Nothing;

impl Handler for Nothing {
    async fn payment_completed(&self, _: &Delivery<'_>, _: &Payment) -> Result<(), HandlerError> {
        Ok(())
    }
}

criterion_group!(benches, stages);
criterion_main!(benches);
