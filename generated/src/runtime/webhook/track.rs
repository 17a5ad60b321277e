//! Where in `data` a value did not fit, for every way of reading a [`Webhook`](super::Webhook).
//!
//! [`Tracked`] wraps any serde `Deserializer` and passes every call through. On the way down it
//! remembers the map key (borrowed from the input where the deserializer lends it, else copied
//! into a small buffer on the stack) and the sequence index it is under; only when an error
//! comes back up does each level write its segment into the shared [`Track`]. A successful parse
//! therefore allocates nothing extra, which is why this is not `serde_path_to_error` (it copies
//! every map key into a `String`).
//!
//! It also tells a data error (a value of the wrong type, a missing field) from a syntax error:
//! the visitors make their errors as [`Marked`] ones, and a deserializer that rejects a value
//! itself asks the visitor what it expected. Only data errors get the path and event type added
//! to their message, so a syntax error keeps its serde_json category (`is_syntax`, `is_eof`),
//! which frameworks rely on to answer 400 rather than 422.

use std::cell::{Cell, RefCell};
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, Visitor};

/// The segments of the path of an error, recorded innermost first as the error travels up.
#[derive(Debug, Default)]
pub(super) struct Track {
    segments: RefCell<Vec<Segment>>,
    /// Whether a visitor (not the parser) made the error.
    data: Cell<bool>,
}

#[derive(Debug)]
enum Segment {
    Key(String),
    Index(usize),
}

impl Track {
    fn push(&self, segment: Segment) {
        self.segments.borrow_mut().push(segment);
    }

    /// Whether the error was a value that did not fit, rather than a syntax error.
    pub(super) fn is_data_error(&self) -> bool {
        self.data.get()
    }

    fn unmark<E>(&self, error: Marked<E>) -> E {
        if error.data {
            self.data.set(true);
        }
        error.inner
    }

    /// The path below `root`, e.g. `data.items[0].paidAmount`, or `root` itself.
    pub(super) fn path(&self, root: &str) -> String {
        let mut path = root.to_owned();
        for segment in self.segments.borrow().iter().rev() {
            match segment {
                Segment::Key(key) if path.is_empty() => path.push_str(key),
                Segment::Key(key) => {
                    path.push('.');
                    path.push_str(key);
                }
                Segment::Index(index) => {
                    path.push('[');
                    path.push_str(&index.to_string());
                    path.push(']');
                }
            }
        }
        if path.is_empty() { ".".to_owned() } else { path }
    }
}

/// A `Deserializer` that records in a [`Track`] where an error happened.
pub(super) struct Tracked<'t, D> {
    inner: D,
    state: &'t Track,
}

impl<'t, D> Tracked<'t, D> {
    pub(super) fn new(inner: D, track: &'t Track) -> Self {
        Self { inner, state: track }
    }
}

/// Forwards every `deserialize_*` method to `self.inner`, wrapping the visitor in `$visitor`.
macro_rules! forward_deserializer {
    ($visitor:ident) => {
        forward_deserializer!($visitor:
            deserialize_any(), deserialize_bool(), deserialize_i8(), deserialize_i16(),
            deserialize_i32(), deserialize_i64(), deserialize_i128(), deserialize_u8(),
            deserialize_u16(), deserialize_u32(), deserialize_u64(), deserialize_u128(),
            deserialize_f32(), deserialize_f64(), deserialize_char(), deserialize_str(),
            deserialize_string(), deserialize_bytes(), deserialize_byte_buf(),
            deserialize_option(), deserialize_unit(), deserialize_unit_struct(name: &'static str),
            deserialize_newtype_struct(name: &'static str), deserialize_seq(),
            deserialize_tuple(len: usize), deserialize_tuple_struct(name: &'static str, len: usize),
            deserialize_map(),
            deserialize_struct(name: &'static str, fields: &'static [&'static str]),
            deserialize_enum(name: &'static str, variants: &'static [&'static str]),
            deserialize_identifier(), deserialize_ignored_any(),
        );
    };
    ($visitor:ident: $($method:ident($($arg:ident: $ty:ty),*),)*) => {
        $(
            fn $method<V: Visitor<'de>>(
                self,
                $($arg: $ty,)*
                visitor: V,
            ) -> Result<V::Value, Self::Error> {
                self.inner.$method($($arg,)* $visitor { inner: visitor, state: self.state })
            }
        )*

        fn is_human_readable(&self) -> bool {
            self.inner.is_human_readable()
        }
    };
}

/// Forwards the `visit_*` methods that carry a plain value to `self.inner`, letting it make
/// its errors as [`Marked`] ones when `$track` is given.
macro_rules! forward_values {
    ($($method:ident($ty:ty),)*) => {
        $(
            fn $method<E: de::Error>(self, value: $ty) -> Result<Self::Value, E> {
                self.inner.$method(value)
            }
        )*
    };
    (marked: $($method:ident($ty:ty),)*) => {
        $(
            fn $method<E: de::Error>(self, value: $ty) -> Result<Self::Value, E> {
                self.inner.$method::<Marked<E>>(value).map_err(|e| self.state.unmark(e))
            }
        )*
    };
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Tracked<'_, D> {
    type Error = D::Error;

    forward_deserializer!(TrackedVisitor);
}

struct TrackedVisitor<'t, V> {
    inner: V,
    state: &'t Track,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for TrackedVisitor<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A deserializer asks only to write "invalid type: …, expected …": the value does not
        // fit (serde_json checks the type of a number or string itself, before any visitor).
        self.state.data.set(true);
        self.inner.expecting(f)
    }

    forward_values! { marked:
        visit_bool(bool), visit_i8(i8), visit_i16(i16), visit_i32(i32), visit_i64(i64),
        visit_i128(i128), visit_u8(u8), visit_u16(u16), visit_u32(u32), visit_u64(u64),
        visit_u128(u128), visit_f32(f32), visit_f64(f64), visit_char(char), visit_str(&str),
        visit_borrowed_str(&'de str), visit_string(String), visit_bytes(&[u8]),
        visit_borrowed_bytes(&'de [u8]), visit_byte_buf(Vec<u8>),
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.inner.visit_none::<Marked<E>>().map_err(|e| self.state.unmark(e))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        self.inner.visit_unit::<Marked<E>>().map_err(|e| self.state.unmark(e))
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        self.inner.visit_some(Tracked::new(deserializer, self.state))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        self.inner.visit_newtype_struct(Tracked::new(deserializer, self.state))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        let track = self.state;
        self.inner
            .visit_seq(TrackedSeq { inner: seq, track, index: 0 })
            .map_err(|e| track.unmark(e))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let track = self.state;
        self.inner
            .visit_map(TrackedMap { inner: map, track, key: Key::None })
            .map_err(|e| track.unmark(e))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        // The payload types have no serde enums (open enums are read as strings).
        self.inner.visit_enum(data)
    }
}

/// An error made by a visitor (`data: true`: a value that does not fit) or passed on from the
/// parser (`data: false`).
#[derive(Debug)]
struct Marked<E> {
    inner: E,
    data: bool,
}

impl<E> Marked<E> {
    fn parser(inner: E) -> Self {
        Self { inner, data: false }
    }

    fn data(inner: E) -> Self {
        Self { inner, data: true }
    }
}

impl<E: fmt::Display> fmt::Display for Marked<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl<E: std::error::Error> std::error::Error for Marked<E> {}

impl<E: de::Error> de::Error for Marked<E> {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Self::data(E::custom(message))
    }

    fn invalid_type(unexpected: de::Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        Self::data(E::invalid_type(unexpected, expected))
    }

    fn invalid_value(unexpected: de::Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        Self::data(E::invalid_value(unexpected, expected))
    }

    fn invalid_length(len: usize, expected: &dyn de::Expected) -> Self {
        Self::data(E::invalid_length(len, expected))
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        Self::data(E::unknown_variant(variant, expected))
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        Self::data(E::unknown_field(field, expected))
    }

    fn missing_field(field: &'static str) -> Self {
        Self::data(E::missing_field(field))
    }

    fn duplicate_field(field: &'static str) -> Self {
        Self::data(E::duplicate_field(field))
    }
}

/// A seed whose value is read through [`Tracked`].
struct TrackedSeed<'t, S> {
    inner: S,
    track: &'t Track,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for TrackedSeed<'_, S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<S::Value, D::Error> {
        self.inner.deserialize(Tracked::new(deserializer, self.track))
    }
}

struct TrackedSeq<'t, A> {
    inner: A,
    track: &'t Track,
    index: usize,
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for TrackedSeq<'_, A> {
    type Error = Marked<A::Error>;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Self::Error> {
        let index = self.index;
        self.index = self.index.saturating_add(1);
        self.inner.next_element_seed(TrackedSeed { inner: seed, track: self.track }).map_err(
            |error| {
                self.track.push(Segment::Index(index));
                Marked::parser(error)
            },
        )
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

struct TrackedMap<'t, 'de, A> {
    inner: A,
    track: &'t Track,
    key: Key<'de>,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for TrackedMap<'_, 'de, A> {
    type Error = Marked<A::Error>;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        self.key = Key::None;
        self.inner
            .next_key_seed(CaptureKey { inner: seed, state: &mut self.key })
            .map_err(Marked::parser)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Self::Error> {
        self.inner.next_value_seed(TrackedSeed { inner: seed, track: self.track }).map_err(
            |error| {
                self.track.push(Segment::Key(self.key.to_string()));
                Marked::parser(error)
            },
        )
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

/// The current map key: borrowed from the input, or copied into a fixed buffer; never
/// allocated.
enum Key<'de> {
    /// Not text, or not read yet.
    None,
    Borrowed(&'de str),
    Copied(CopiedKey),
}

/// A key the deserializer did not lend, cut to [`CopiedKey::CAPACITY`] bytes.
struct CopiedKey {
    bytes: [u8; CopiedKey::CAPACITY],
    len: usize,
    /// The key was longer than the buffer and is shown shortened.
    cut: bool,
}

impl CopiedKey {
    const CAPACITY: usize = 64;

    fn of(key: &str) -> Self {
        let mut end = key.len().min(Self::CAPACITY);
        while !key.is_char_boundary(end) {
            end = end.saturating_sub(1);
        }
        let mut bytes = [0; Self::CAPACITY];
        let text = key.as_bytes().get(..end).unwrap_or_default();
        if let Some(slot) = bytes.get_mut(..end) {
            slot.copy_from_slice(text);
        }
        Self { bytes, len: end, cut: end < key.len() }
    }
}

impl fmt::Display for Key<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Key::None => Ok(()),
            Key::Borrowed(key) => f.write_str(key),
            Key::Copied(key) => {
                // Only a prefix cut at a character boundary is stored, so it is UTF-8.
                let text = key.bytes.get(..key.len).and_then(|b| std::str::from_utf8(b).ok());
                f.write_str(text.unwrap_or_default())?;
                if key.cut { f.write_str("…") } else { Ok(()) }
            }
        }
    }
}

/// Reads a map key through its seed and copies it into [`Key`].
struct CaptureKey<'k, 'de, S> {
    inner: S,
    state: &'k mut Key<'de>,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for CaptureKey<'_, 'de, S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<S::Value, D::Error> {
        self.inner.deserialize(KeyDeserializer { inner: deserializer, state: self.state })
    }
}

struct KeyDeserializer<'k, 'de, D> {
    inner: D,
    state: &'k mut Key<'de>,
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for KeyDeserializer<'_, 'de, D> {
    type Error = D::Error;

    forward_deserializer!(KeyVisitor);
}

/// Passes a key through to the real visitor, keeping a copy of it when it is text.
struct KeyVisitor<'k, 'de, V> {
    inner: V,
    state: &'k mut Key<'de>,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for KeyVisitor<'_, 'de, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(f)
    }

    forward_values! {
        visit_bool(bool), visit_i8(i8), visit_i16(i16), visit_i32(i32), visit_i64(i64),
        visit_i128(i128), visit_u8(u8), visit_u16(u16), visit_u32(u32), visit_u64(u64),
        visit_u128(u128), visit_f32(f32), visit_f64(f64), visit_char(char), visit_bytes(&[u8]),
        visit_borrowed_bytes(&'de [u8]), visit_byte_buf(Vec<u8>),
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        *self.state = Key::Copied(CopiedKey::of(value));
        self.inner.visit_str(value)
    }

    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Self::Value, E> {
        *self.state = Key::Borrowed(value);
        self.inner.visit_borrowed_str(value)
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Self::Value, E> {
        *self.state = Key::Copied(CopiedKey::of(&value));
        self.inner.visit_string(value)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.inner.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        self.inner.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        self.inner.visit_some(deserializer)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        self.inner.visit_newtype_struct(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        self.inner.visit_seq(seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.inner.visit_map(map)
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        self.inner.visit_enum(data)
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code, reason = "read only to check the types")]
    struct Outer {
        items: Vec<Inner>,
        labels: Option<std::collections::BTreeMap<String, i64>>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code, reason = "read only to check the types")]
    struct Inner {
        amount: i64,
    }

    fn path_of(json: &str) -> String {
        let track = Track::default();
        let mut deserializer = serde_json::Deserializer::from_str(json);
        let result = Outer::deserialize(Tracked::new(&mut deserializer, &track));
        assert!(result.is_err(), "{json} should not parse");
        assert!(track.is_data_error(), "{json}: a data error");
        track.path("data")
    }

    #[test]
    fn tells_syntax_errors_from_data_errors() {
        for json in [r#"{"items":[{"amount":1"#, r#"{"items":[{"amount":tru}]}"#] {
            let track = Track::default();
            let mut deserializer = serde_json::Deserializer::from_str(json);
            let error =
                Outer::deserialize(Tracked::new(&mut deserializer, &track)).expect_err("not JSON");
            assert!(error.is_syntax() || error.is_eof(), "{json}: {error}");
            assert!(!track.is_data_error(), "{json}");
        }
    }

    #[test]
    fn names_the_path_of_the_value_that_did_not_fit() {
        assert_eq!(path_of(r#"{"items":[{"amount":1},{"amount":"2"}]}"#), "data.items[1].amount");
        assert_eq!(path_of(r#"{"items":[{"amount":1},{}]}"#), "data.items[1]");
        assert_eq!(path_of(r#"{"labels":{"a\"b":"x"},"items":[]}"#), "data.labels.a\"b");
        assert_eq!(path_of(r#"{"items":3}"#), "data.items");
        assert_eq!(path_of(r#"{}"#), "data");
        let long = "k".repeat(100);
        let borrowed = path_of(&format!(r#"{{"labels":{{"{long}":"x"}},"items":[]}}"#));
        assert_eq!(borrowed, format!("data.labels.{long}"));
        // A key that needs unescaping is copied, and a long one cut.
        let cut = path_of(&format!(r#"{{"labels":{{"\\{long}":"x"}},"items":[]}}"#));
        assert_eq!(cut, format!("data.labels.\\{}…", "k".repeat(CopiedKey::CAPACITY - 1)));
    }

    #[test]
    fn an_unknown_key_does_not_leak_into_the_path_of_the_next_value() {
        assert_eq!(path_of(r#"{"other":[1,2],"items":[{"amount":true}]}"#), "data.items[0].amount");
    }
}
