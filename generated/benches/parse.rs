//! How close `Webhook::from_slice` is to the fastest typed parse, and how much faster than the
//! naive `serde_json::Value` detour. See BENCHMARKS.md for the numbers and how to read them.
//!
//! The floor is measured twice: from the bytes (`serde_json::from_slice`, which checks that each
//! string is UTF-8 as it reads it) and from text (`std::str::from_utf8` on the whole body, then
//! `serde_json::from_str`), which is quicker and is how `from_slice` reads a UTF-8 body.
//!
//! ```sh
//! cargo bench -p steppay-webhooks --bench parse
//! ```
//!
//! Bodies: small (`subscription.usage.added`), medium (`payment.completed` with payer, cancel
//! and NICE CMS), large (`order.payment_completed` with 20 items). Each is measured with `event`
//! before `data` (as StepPay sends it) and after it.

use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use steppay_webhooks::types::{Order, Payment, Usage};
use steppay_webhooks::verify::{Verifier, sign};
use steppay_webhooks::{Handler, Webhook, dispatch};

/// The lower bound for a typed parse: the envelope with `data` typed for the one event type the
/// body is known to carry, straight from the bytes.
#[derive(Deserialize)]
#[allow(dead_code)] // Fields are only parsed, as a receiver's would be.
struct Floor<T> {
    timestamp: i64,
    version: String,
    event: String,
    data: T,
    #[serde(rename = "isTest")]
    is_test: Option<bool>,
}

/// The detour the crate avoids: a `Value` tree first, then the payload from it.
fn naive<T: DeserializeOwned>(body: &[u8]) -> (String, T) {
    let mut value: Value = serde_json::from_slice(body).expect("JSON");
    let event = value["event"].as_str().expect("event").to_owned();
    let data = serde_json::from_value(value["data"].take()).expect("data");
    (event, data)
}

struct Noop;

impl Handler for Noop {}

/// Runs a future that never waits (the no-op handler's) to completion.
fn ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut context = Context::from_waker(Waker::noop());
    match future.as_mut().poll(&mut context) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the no-op handler never waits"),
    }
}

fn read(name: &str) -> Value {
    let path = format!("{}/../schema/examples/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_slice(&std::fs::read(&path).expect(&path)).expect("JSON")
}

/// The three bodies, as compact JSON like StepPay sends.
fn bodies() -> Vec<(&'static str, Value)> {
    let usage = read("extra/usage-added-prepaid.json");
    let payment = read("extra/payment-completed-nice-cms.json");
    let mut order = read("order.payment_completed.json");
    let items = order["data"]["items"].as_array().expect("items").clone();
    let twenty: Vec<Value> = (0..20)
        .map(|i| {
            let mut item = items[i % items.len()].clone();
            item["id"] = Value::from(300_000 + i);
            item
        })
        .collect();
    order["data"]["items"] = Value::Array(twenty);
    vec![("small_usage", usage), ("medium_payment", payment), ("large_order_20_items", order)]
}

/// The body with its envelope keys in `order`, written by hand: a `serde_json::Value` map sorts
/// its keys, which would put `data` before `event` whatever the order wanted.
fn with_keys(body: &Value, order: &[&str]) -> Vec<u8> {
    let object = body.as_object().expect("object");
    let members: Vec<String> = order
        .iter()
        .filter_map(|key| object.get(*key).map(|value| format!("{}:{value}", Value::from(*key))))
        .collect();
    format!("{{{}}}", members.join(",")).into_bytes()
}

fn floor_for(name: &str, body: &[u8]) {
    match name {
        "small_usage" => {
            drop(black_box(serde_json::from_slice::<Floor<Usage>>(body).expect("floor")))
        }
        "medium_payment" => {
            drop(black_box(serde_json::from_slice::<Floor<Payment>>(body).expect("floor")))
        }
        _ => drop(black_box(serde_json::from_slice::<Floor<Order>>(body).expect("floor"))),
    }
}

/// The floor, reading the body as text checked once for UTF-8.
fn floor_text_for(name: &str, body: &[u8]) {
    let text = std::str::from_utf8(body).expect("UTF-8");
    match name {
        "small_usage" => {
            drop(black_box(serde_json::from_str::<Floor<Usage>>(text).expect("floor")))
        }
        "medium_payment" => {
            drop(black_box(serde_json::from_str::<Floor<Payment>>(text).expect("floor")))
        }
        _ => drop(black_box(serde_json::from_str::<Floor<Order>>(text).expect("floor"))),
    }
}

fn naive_for(name: &str, body: &[u8]) {
    match name {
        "small_usage" => drop(black_box(naive::<Usage>(body))),
        "medium_payment" => drop(black_box(naive::<Payment>(body))),
        _ => drop(black_box(naive::<Order>(body))),
    }
}

fn parse(c: &mut Criterion) {
    let secret = "whsec_bench";
    let verifier =
        Verifier::new([secret]).expect("secret").tolerance(Duration::from_secs(u64::MAX / 4));
    for (name, value) in bodies() {
        // As StepPay sends it, and with `data` first.
        let event_first = with_keys(&value, &["timestamp", "version", "event", "data", "isTest"]);
        let reordered = with_keys(&value, &["data", "timestamp", "version", "event", "isTest"]);
        assert!(
            event_first.starts_with(br#"{"timestamp""#) && reordered.starts_with(br#"{"data""#)
        );
        assert_eq!(
            Webhook::from_slice(&event_first).expect("parses"),
            Webhook::from_slice(&reordered).expect("parses"),
        );
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Bytes(event_first.len() as u64));
        for (order, body) in [("event_first", &event_first), ("data_first", &reordered)] {
            group.bench_with_input(BenchmarkId::new("floor", order), body, |b, body| {
                b.iter(|| floor_for(name, body))
            });
            group.bench_with_input(BenchmarkId::new("floor_text", order), body, |b, body| {
                b.iter(|| floor_text_for(name, body))
            });
            group.bench_with_input(BenchmarkId::new("ours", order), body, |b, body| {
                b.iter(|| Webhook::from_slice(black_box(body)).expect("parses"));
            });
            group.bench_with_input(BenchmarkId::new("naive", order), body, |b, body| {
                b.iter(|| naive_for(name, body))
            });
        }
        group.bench_function("ours_and_dispatch", |b| {
            b.iter(|| {
                let webhook = Webhook::from_slice(black_box(&event_first)).expect("parses");
                ready(dispatch(&Noop, &webhook)).expect("no-op");
            });
        });
        let header = sign(secret, value["timestamp"].as_i64().expect("timestamp"), &event_first);
        group.bench_function("verify_and_parse", |b| {
            b.iter(|| {
                verifier
                    .verify_and_parse(Some(black_box(&header)), black_box(&event_first))
                    .expect("valid")
            });
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    targets = parse
}
criterion_main!(benches);
