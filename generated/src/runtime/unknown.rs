//! Events this version of the crate does not know.

use std::fmt;

use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

/// An event whose type this version of the crate does not know: its `event` string and its
/// `data` exactly as received.
///
/// StepPay adds event types over time; a receiver built with an older version of this crate
/// still parses them (as [`Event::Unknown`](crate::Event::Unknown)) and serializes them back
/// byte for byte.
#[derive(Clone)]
pub struct UnknownEvent {
    event_type: String,
    data: Box<RawValue>,
}

impl UnknownEvent {
    pub(crate) fn deserialize_data<'de, D: Deserializer<'de>>(
        event_type: &str,
        data: D,
    ) -> Result<Self, D::Error> {
        Ok(Self { event_type: event_type.to_owned(), data: Box::<RawValue>::deserialize(data)? })
    }

    /// The `event` value, e.g. `"order.refunded"`.
    pub fn event_type(&self) -> &str {
        &self.event_type
    }

    /// The `data` JSON exactly as received.
    pub fn data(&self) -> &RawValue {
        &self.data
    }

    /// Parses `data` into a type of your own, e.g. `serde_json::Value`.
    ///
    /// # Errors
    ///
    /// When `data` does not fit `T`.
    pub fn parse_data<'a, T: Deserialize<'a>>(&'a self) -> Result<T, serde_json::Error> {
        serde_json::from_str(self.data.get())
    }
}

impl fmt::Debug for UnknownEvent {
    /// Shows the event type and the size of `data`, not its contents: nothing says which of its
    /// fields hold personal data, so none is printed. [`UnknownEvent::data`] has it all.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnknownEvent")
            .field("event_type", &self.event_type)
            .field("data", &format_args!("<{} bytes, not shown>", self.data.get().len()))
            .finish()
    }
}

impl PartialEq for UnknownEvent {
    /// Equal when the event types match and the raw `data` texts are identical.
    fn eq(&self, other: &Self) -> bool {
        self.event_type == other.event_type && self.data.get() == other.data.get()
    }
}

/// A string that is not a known event type, from
/// [`EventType::from_str`](crate::EventType#impl-FromStr-for-EventType).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown StepPay event type `{0}`")]
pub struct ParseEventTypeError(String);

impl ParseEventTypeError {
    pub(crate) fn new(value: &str) -> Self {
        Self(value.to_owned())
    }

    /// The string that was not recognised.
    pub fn value(&self) -> &str {
        &self.0
    }
}
