//! Compiles the expected output of codegen's `mini` fixture against the real runtime of
//! `steppay-webhooks`, so a snapshot that is not valid Rust (or that the runtime cannot serve)
//! fails the build, and clippy reads it like the real generated code. Its tests (`tests/`) parse
//! deliveries through that code where only the fixture has the case, such as a lenient id that is
//! also personal data.
//!
//! The module layout mirrors `steppay-webhooks`: `runtime` and `key` (hand-written, shared by path) and
//! `generated` (the fixture's expected output).

#[path = "../../../../generated/src/runtime/mod.rs"]
pub mod runtime;

/// The runtime's `Delivery` names the crate's de-duplication key.
#[path = "../../../../generated/src/key.rs"]
pub mod key;

#[rustfmt::skip]
#[path = "../../fixtures/mini/expected/generated/src/generated/mod.rs"]
pub mod generated;

/// The lookup of the example deliveries and JSON Schemas, used as the real crate's `testing`
/// module uses it, so that clippy reads it with the `test-util` feature on.
#[cfg(feature = "test-util")]
pub fn example(event_type: generated::EventType) -> (Option<&'static str>, &'static str) {
    (generated::examples::body(event_type), generated::examples::json_schema(event_type))
}

/// A delivery's key as a receiver without a store gives it, made when first asked for, so that
/// clippy reads that path of the shared runtime with the `receive` feature on.
#[cfg(feature = "receive")]
pub fn lazy_key(webhook: &runtime::Webhook, body: &[u8]) -> Option<String> {
    let strategy = key::KeyStrategy::default();
    let key = key::LazyKey::new(&strategy, body, Some(webhook));
    let delivery = runtime::Delivery::new(webhook).with_lazy_key(&key, 1);
    delivery.key().map(|key| key.as_str().to_owned())
}

/// The lookup of the JSON Schemas alone, as the real crate's `redact` module uses it, so that
/// clippy reads it with only the `redact` feature on.
#[cfg(feature = "redact")]
pub fn json_schema(event_type: generated::EventType) -> &'static str {
    generated::examples::json_schema(event_type)
}
