//! 중복 제거 키 — What makes two deliveries "the same" for de-duplication.
//!
//! StepPay's envelope has no event or delivery id, and StepPay does not document whether a retry
//! re-sends the same bytes or re-stamps the envelope's `timestamp` (many senders re-stamp each
//! attempt). A receiver therefore needs a key that a retry keeps either way. [`KeyStrategy`]
//! chooses how it is made; the default, [`KeyStrategy::EventAndData`], hashes the `event` and a
//! canonical form of `data`, leaving the envelope's `timestamp`, `version` and `isTest` out:
//!
//! ```
//! use steppay_webhooks::key::KeyStrategy;
//!
//! let first = br#"{"timestamp":1700000000,"version":"v1","event":"order.updated","data":{"id":7,"code":"order_a"}}"#;
//! // The same event, re-stamped and written with other spacing and key order:
//! let retry = br#"{"event":"order.updated","timestamp":1700000090,"version":"v1","data":{"code":"order_a", "id":7}}"#;
//! let strategy = KeyStrategy::default();
//! assert_eq!(strategy.key(first, None), strategy.key(retry, None));
//! ```
//!
//! **The trade-off.** Two *different* events of the same type whose `data` is identical get the
//! same key: a subscription paused, resumed and paused again sends the same `subscription.updated`
//! data twice, and the second is taken for a retry of the first while the first's record is kept
//! (7 days by default). Where that matters, key on something that changes with every event
//! ([`KeyStrategy::custom`]), or on the raw body ([`KeyStrategy::RawBody`]), which then relies on
//! StepPay re-sending the same bytes.

use std::fmt;
use std::io;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::runtime::Webhook;

/// The longest key kept as given; a longer [custom](KeyStrategy::custom) key is replaced by its
/// SHA-256.
pub const MAX_KEY_LEN: usize = 200;

/// The key a receiver de-duplicates a delivery by: lowercase hex of a SHA-256 for the built-in
/// strategies, or the text a [custom](KeyStrategy::custom) strategy returned.
///
/// Keys are stored and logged, so a custom key must not contain personal data.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DeliveryKey(Box<str>);

impl DeliveryKey {
    /// A key with this text, as a custom strategy or a store makes it. Empty text, or text
    /// longer than [`MAX_KEY_LEN`] bytes, is replaced by its SHA-256 in hex.
    pub fn new(text: impl Into<String>) -> Self {
        let text = text.into();
        if text.is_empty() || text.len() > MAX_KEY_LEN {
            return Self(hex(&Sha256::digest(text.as_bytes())).into());
        }
        Self(text.into())
    }

    /// The key's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DeliveryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for DeliveryKey {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A user's key function: see [`KeyStrategy::custom`].
type KeyFn = dyn Fn(&Webhook) -> Option<String> + Send + Sync;

/// How a receiver makes the [`DeliveryKey`] of a delivery.
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum KeyStrategy {
    /// SHA-256 of the `event` and of `data` in a canonical form (object keys sorted, no
    /// whitespace), so that a retry matches whether StepPay re-sends the same bytes or re-stamps
    /// and re-writes the envelope. A body that is not a JSON object with `event` and `data` is
    /// keyed by its raw bytes. The default; see the [module docs](self) for its trade-off.
    #[default]
    EventAndData,
    /// SHA-256 of the raw body (the [`Fingerprint`](crate::verify::Fingerprint)): a retry
    /// matches only if StepPay re-sends the very same bytes, timestamp included.
    RawBody,
    /// A key of your own from the parsed delivery; see [`KeyStrategy::custom`].
    Custom(Arc<KeyFn>),
}

impl KeyStrategy {
    /// A key of your own, e.g. from business data that identifies the event:
    ///
    /// ```
    /// # #[cfg(feature = "payment")] {
    /// use steppay_webhooks::{key::KeyStrategy, Event};
    ///
    /// // One payment completes once: key `payment.completed` on the payment id.
    /// let strategy = KeyStrategy::custom(|webhook| match &webhook.event {
    ///     Event::PaymentCompleted(payment) => Some(format!("payment.completed:{}", payment.payment_id)),
    ///     _ => None, // the default key for everything else
    /// });
    /// # let _ = strategy; }
    /// ```
    ///
    /// Returning `None`, or a delivery that did not parse, falls back to
    /// [`KeyStrategy::EventAndData`].
    pub fn custom(key: impl Fn(&Webhook) -> Option<String> + Send + Sync + 'static) -> Self {
        Self::Custom(Arc::new(key))
    }

    /// The key of the delivery `body`, parsed as `webhook` when it could be.
    pub fn key(&self, body: &[u8], webhook: Option<&Webhook>) -> DeliveryKey {
        match self {
            Self::RawBody => raw_body(body),
            Self::Custom(key) => match webhook.and_then(|webhook| key(webhook)) {
                Some(text) => DeliveryKey::new(text),
                None => event_and_data(body),
            },
            Self::EventAndData => event_and_data(body),
        }
    }
}

impl fmt::Debug for KeyStrategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EventAndData => f.write_str("EventAndData"),
            Self::RawBody => f.write_str("RawBody"),
            Self::Custom(_) => f.write_str("Custom(..)"),
        }
    }
}

fn raw_body(body: &[u8]) -> DeliveryKey {
    DeliveryKey(hex(&Sha256::digest(body)).into())
}

/// Hashes `event` and the canonical form of `data`, written straight into the hasher.
fn event_and_data(body: &[u8]) -> DeliveryKey {
    #[derive(Deserialize)]
    struct Envelope {
        event: String,
        data: Value,
    }

    let Ok(envelope) = serde_json::from_slice::<Envelope>(body) else { return raw_body(body) };
    let mut hasher = HashWriter(Sha256::new());
    // A label that versions the form: a change to the canonical form must change every key
    // rather than make some keys collide with another form's.
    hasher.0.update(b"steppay-webhooks/event-and-data/1\0");
    hasher.0.update(envelope.event.as_bytes());
    hasher.0.update(b"\0");
    // Writing into a hasher cannot fail.
    let _ = canonical(&envelope.data, &mut hasher);
    DeliveryKey(hex(&hasher.0.finalize()).into())
}

/// Writes `value` as JSON with object keys in byte order and no whitespace. Strings and numbers
/// are written as serde_json writes them, so one value always gives the same text.
fn canonical(value: &Value, out: &mut HashWriter) -> io::Result<()> {
    use io::Write as _;
    match value {
        Value::Array(items) => {
            out.write_all(b"[")?;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.write_all(b",")?;
                }
                canonical(item, out)?;
            }
            out.write_all(b"]")
        }
        Value::Object(members) => {
            let mut members: Vec<(&String, &Value)> = members.iter().collect();
            members.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.write_all(b"{")?;
            for (i, (key, value)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.write_all(b",")?;
                }
                serde_json::to_writer(&mut *out, key)?;
                out.write_all(b":")?;
                canonical(value, out)?;
            }
            out.write_all(b"}")
        }
        scalar => serde_json::to_writer(&mut *out, scalar).map_err(io::Error::other),
    }
}

struct HashWriter(Sha256);

impl io::Write for HashWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use fmt::Write as _;
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(text, "{byte:02x}");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(body: &str) -> DeliveryKey {
        KeyStrategy::EventAndData.key(body.as_bytes(), None)
    }

    #[test]
    fn the_default_key_ignores_the_envelope_and_the_layout_of_data() {
        let base = key(
            r#"{"timestamp":1,"version":"v1","event":"a.b","data":{"x":[1,{"q":2,"p":"s"}],"y":null}}"#,
        );
        assert_eq!(
            base,
            key(
                r#"{ "data" : { "y" : null , "x" : [ 1 , { "p" : "s" , "q" : 2 } ] }, "event" : "a.b", "timestamp" : 99, "isTest": true }"#
            )
        );
        // Anything in `event` or `data` changes it.
        for other in [
            r#"{"timestamp":1,"version":"v1","event":"a.c","data":{"x":[1,{"q":2,"p":"s"}],"y":null}}"#,
            r#"{"timestamp":1,"version":"v1","event":"a.b","data":{"x":[{"q":2,"p":"s"},1],"y":null}}"#,
            r#"{"timestamp":1,"version":"v1","event":"a.b","data":{"x":[1,{"q":2,"p":"t"}],"y":null}}"#,
            r#"{"timestamp":1,"version":"v1","event":"a.b","data":{"x":[1,{"q":2,"p":"s"}]}}"#,
            r#"{"timestamp":1,"version":"v1","event":"a.b","data":{"x":[1,{"q":2.5,"p":"s"}],"y":null}}"#,
        ] {
            assert_ne!(base, key(other), "{other}");
        }
        assert_eq!(base.as_str().len(), 64);
    }

    #[test]
    fn bodies_without_event_and_data_are_keyed_by_their_bytes() {
        for body in ["not json", r#"{"event":"a.b"}"#, "[1,2]"] {
            assert_eq!(key(body), KeyStrategy::RawBody.key(body.as_bytes(), None), "{body}");
        }
        assert_eq!(
            KeyStrategy::RawBody.key(b"", None).as_str(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn long_or_empty_custom_keys_are_hashed() {
        assert_eq!(DeliveryKey::new("payment:1").as_str(), "payment:1");
        assert_eq!(DeliveryKey::new("x".repeat(MAX_KEY_LEN)).as_str().len(), MAX_KEY_LEN);
        assert_eq!(DeliveryKey::new("x".repeat(MAX_KEY_LEN + 1)).as_str().len(), 64);
        assert_eq!(DeliveryKey::new("").as_str().len(), 64);
    }
}
