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
use std::sync::Arc;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
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

/// A delivery's key, made when first asked for: a receiver without a store needs it only if the
/// handler or a `tracing` subscriber asks. `Debug` shows the key if it was made, never the body.
#[cfg(feature = "receive")]
pub(crate) struct LazyKey<'a> {
    strategy: &'a KeyStrategy,
    body: &'a [u8],
    webhook: Option<&'a Webhook>,
    made: std::sync::OnceLock<DeliveryKey>,
}

#[cfg(feature = "receive")]
impl<'a> LazyKey<'a> {
    /// The key `strategy` makes of `body`, parsed as `webhook` when it could be; not made yet.
    pub(crate) fn new(
        strategy: &'a KeyStrategy,
        body: &'a [u8],
        webhook: Option<&'a Webhook>,
    ) -> Self {
        Self { strategy, body, webhook, made: std::sync::OnceLock::new() }
    }

    /// The key, made now if it was not.
    pub(crate) fn get(&self) -> &DeliveryKey {
        self.made.get_or_init(|| self.strategy.key(self.body, self.webhook))
    }

    /// The key, if it was made.
    pub(crate) fn made(&self) -> Option<&DeliveryKey> {
        self.made.get()
    }
}

#[cfg(feature = "receive")]
impl fmt::Debug for LazyKey<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LazyKey").field("made", &self.made()).finish_non_exhaustive()
    }
}

fn raw_body(body: &[u8]) -> DeliveryKey {
    DeliveryKey(hex(&Sha256::digest(body)).into())
}

/// Hashes `event` and the canonical form of `data`.
fn event_and_data(body: &[u8]) -> DeliveryKey {
    #[derive(Deserialize)]
    struct Envelope {
        event: String,
        data: Canonical,
    }

    // The body is checked as UTF-8 once, which is quicker than serde_json checking each string.
    let Ok(text) = std::str::from_utf8(body) else { return raw_body(body) };
    let Ok(envelope) = serde_json::from_str::<Envelope>(text) else { return raw_body(body) };
    let mut hasher = Sha256::new();
    // A label that versions the form: a change to the canonical form must change every key
    // rather than make some keys collide with another form's.
    hasher.update(b"steppay-webhooks/event-and-data/1\0");
    hasher.update(envelope.event.as_bytes());
    hasher.update(b"\0");
    hasher.update(&envelope.data.0);
    DeliveryKey(hex(&hasher.finalize()).into())
}

/// A JSON value in canonical form: object members sorted by key (byte order), no whitespace,
/// strings and numbers written as serde_json writes them, so one value always gives the same
/// text however it was laid out. Written straight from the parser, without building a
/// `serde_json::Value`.
struct Canonical(Vec<u8>);

impl<'de> Deserialize<'de> for Canonical {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (mut out, mut scratch) = (Vec::with_capacity(1024), Vec::new());
        CanonicalSeed { out: &mut out, scratch: &mut scratch }.deserialize(deserializer)?;
        Ok(Self(out))
    }
}

/// Writes the value it reads, canonically, onto the end of `out`; objects are put in order
/// through `scratch`, which is shared by every level since one object is reordered at a time.
struct CanonicalSeed<'a> {
    out: &'a mut Vec<u8>,
    scratch: &'a mut Vec<u8>,
}

impl<'de> DeserializeSeed<'de> for CanonicalSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl CanonicalSeed<'_> {
    /// The seed for a nested value, writing into the same buffers.
    fn nested(&mut self) -> CanonicalSeed<'_> {
        CanonicalSeed { out: &mut *self.out, scratch: &mut *self.scratch }
    }

    /// Writes a scalar as serde_json writes it; writing into a `Vec` cannot fail.
    fn scalar<T: serde::Serialize + ?Sized, E>(self, value: &T) -> Result<(), E> {
        let _ = serde_json::to_writer(&mut *self.out, value);
        Ok(())
    }
}

impl<'de> Visitor<'de> for CanonicalSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<(), E> {
        self.scalar(&value)
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<(), E> {
        self.scalar(&value)
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<(), E> {
        self.scalar(&value)
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<(), E> {
        self.scalar(&value)
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<(), E> {
        self.scalar(value)
    }

    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<(), E> {
        write_unescaped(self.out, value);
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut items: A) -> Result<(), A::Error> {
        self.out.push(b'[');
        let mut first = true;
        loop {
            let mark = self.out.len();
            if !first {
                self.out.push(b',');
            }
            if items.next_element_seed(self.nested())?.is_none() {
                self.out.truncate(mark);
                break;
            }
            first = false;
        }
        self.out.push(b']');
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        // The members' values are written one after another at the end of `out`, moved to
        // `scratch`, and written back in key order: one allocation per object (the list of
        // members), none per member.
        let start = self.out.len();
        let mut members: Vec<(Key<'de>, usize, usize)> = Vec::new();
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let from = self.out.len() - start;
            map.next_value_seed(self.nested())?;
            members.push((key, from, self.out.len() - start));
        }
        members.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
        self.scratch.clear();
        self.scratch.extend_from_slice(self.out.get(start..).unwrap_or_default());
        self.out.truncate(start);
        self.out.push(b'{');
        for (i, (key, from, to)) in members.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            match key {
                Key::Borrowed(key) => write_unescaped(self.out, key),
                Key::Owned(key) => {
                    let _ = serde_json::to_writer(&mut *self.out, key.as_str());
                }
            }
            self.out.push(b':');
            self.out.extend_from_slice(self.scratch.get(*from..*to).unwrap_or_default());
        }
        self.out.push(b'}');
        Ok(())
    }
}

/// Writes a string the parser borrowed from the body, quoted, as serde_json would write it.
///
/// The parser borrows a string only when it has no escape in the body, and JSON allows no
/// control character raw in a string: so it holds no `"`, `\` or character below U+0020, the
/// only ones serde_json escapes, and its text is already its canonical form.
fn write_unescaped(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    out.extend_from_slice(text.as_bytes());
    out.push(b'"');
}

/// An object key, borrowed from the body when it has no escapes.
enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(key) => key,
            Key::Owned(key) => key,
        }
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;

        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }

            fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<Key<'de>, E> {
                Ok(Key::Borrowed(key))
            }

            fn visit_str<E: de::Error>(self, key: &str) -> Result<Key<'de>, E> {
                Ok(Key::Owned(key.to_owned()))
            }
        }

        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Lower-case hexadecimal.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let digit =
        |nibble: u8| char::from(DIGITS.get(usize::from(nibble & 0x0f)).copied().unwrap_or(b'0'));
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(digit(byte >> 4));
        text.push(digit(*byte));
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
    fn a_string_is_one_text_however_it_is_escaped() {
        // Written raw, a string is copied; escaped, it is decoded and written again: the same
        // text either way, in keys and in values.
        let raw = key(r#"{"event":"a.b","data":{"name":"é \"q\" 홍","a":"x","k":"é홍"}}"#);
        let escaped = key(
            r#"{"event":"a.b","data":{"n\u0061me":"\u00e9 \"q\" \ud64d","\u0061":"\u0078","k":"\u00e9\ud64d"}}"#,
        );
        assert_eq!(raw, escaped);
        assert_ne!(raw, key(r#"{"event":"a.b","data":{"name":"e \"q\" 홍","a":"x","k":"é홍"}}"#));
    }

    #[test]
    fn the_default_key_is_the_documented_hash() {
        // Keys are stored: a change to the form must be a new label, never a silent change.
        // The expected digest was computed outside Rust: SHA-256 over the label, the event,
        // and `data` with sorted keys and no whitespace.
        let body = r#"{"event":"a.b","data":{"y":null,"x":[1,{"q":2,"p":"s"}],"name":"홍길동"}}"#;
        assert_eq!(
            key(body).as_str(),
            "e81111d135464087df4466eaac5182496daad78524054c34d01835b1b1ac4f08"
        );
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
