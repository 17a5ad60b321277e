//! [`Webhook`], the delivery body, and how it is read and written.

mod lookahead;
mod track;

use std::cell::Cell;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeStruct, Serializer};
use serde_json::value::RawValue;

use self::track::{Track, Tracked};
use super::Subject;
use crate::generated::{Event, EventType};

/// 웹훅 요청 본문 — One webhook delivery: the body StepPay POSTs.
///
/// ```json
/// { "timestamp": 1690943620, "version": "v1", "event": "payment.completed", "data": { … }, "isTest": false }
/// ```
///
/// Parse it with [`Webhook::from_slice`], or through serde (`serde_json::from_str`,
/// `from_value`, a framework's JSON extractor). Either way an error names the event type and the
/// JSON path of the value that does not fit; [`Webhook::from_slice`] gives it as a typed
/// [`ParseError`]. When `event` comes before `data`, as StepPay sends it, the body is read once
/// and `data` goes straight into the payload type of the event. When `data` comes first,
/// [`Webhook::from_slice`] looks ahead for `event` among the fields after `data` and, when it
/// finds it, reads the body once all the same; otherwise (and through serde) `data` is kept as
/// raw JSON until `event` is known, and parsed then.
#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    /// 발송 시각 — When StepPay sent the delivery, in Unix seconds; see [`Webhook::sent_at`].
    pub timestamp: i64,
    /// API 버전 — The API version that selects the schema of `data`; `"v1"` in every delivery seen.
    pub version: String,
    /// 이벤트 — The event type and its typed `data`.
    pub event: Event,
    /// 테스트 여부 — `isTest`: undocumented, seen as `false` in a real delivery; presumably `true` for
    /// deliveries made in test mode.
    pub is_test: Option<bool>,
}

impl Webhook {
    /// Parses a delivery body.
    ///
    /// # Errors
    ///
    /// A [`ParseError`] when the body is not JSON, the envelope is incomplete, or `data` does not
    /// fit the schema of a known event type. An unknown event type is not an error: it parses as
    /// [`Event::Unknown`].
    pub fn from_slice(body: &[u8]) -> Result<Self, ParseError> {
        let read = match std::str::from_utf8(body) {
            // Read as text: checking the whole body once is quicker than serde_json checking
            // each string as it reads it from bytes, and the look-ahead needs text.
            Ok(text) => {
                let lookahead = Lookahead { body: text, used: Cell::new(false) };
                let json = || serde_json::Deserializer::from_str(text);
                Self::read(json(), Some(&lookahead)).or_else(|error| {
                    // The event type found ahead only makes a valid body quicker to read: any
                    // failure is told as reading the body without it tells it.
                    if lookahead.used.get() { Self::read(json(), None) } else { Err(error) }
                })
            }
            // Bytes that are not UTF-8 may still sit in a field nobody reads: read as bytes,
            // without looking ahead (see `Lookahead::body`). The reader is the path-tracking one
            // that `ParseError::locate` has anyway, so that this rare case compiles no payload
            // deserializers of its own; its errors are serde_json's, located as any other.
            Err(_) => {
                let track = Track::default();
                let mut json = serde_json::Deserializer::from_slice(body);
                Tracked::new(&mut json, &track)
                    .deserialize_struct(
                        "Webhook",
                        FIELDS,
                        WebhookVisitor::<false> { lookahead: None },
                    )
                    .and_then(|webhook| json.end().map(|()| webhook))
            }
        };
        read.map_err(|error| ParseError::locate(body, error))
    }

    /// Reads the body in one pass, without path tracking: a failure is located afterwards, by
    /// `ParseError::locate`.
    fn read<'de, R: serde_json::de::Read<'de>>(
        mut json: serde_json::Deserializer<R>,
        lookahead: Option<&Lookahead<'_>>,
    ) -> Result<Self, serde_json::Error> {
        json.deserialize_struct("Webhook", FIELDS, WebhookVisitor::<false> { lookahead })
            .and_then(|webhook| json.end().map(|()| webhook))
    }

    /// The API version whose schemas this crate was generated from: `"v1"`, the only one StepPay
    /// has sent.
    pub const VERSION: &'static str = "v1";

    /// Checks that the envelope's `version` is one of `versions` (usually
    /// `[Webhook::VERSION]`): a delivery of another version parses, but its `data` may mean
    /// something else.
    ///
    /// # Errors
    ///
    /// A [`ParseError`] of kind [`ParseErrorKind::Version`], at the path `version`.
    pub fn check_version<S: AsRef<str>>(&self, versions: &[S]) -> Result<(), ParseError> {
        if versions.iter().any(|v| v.as_ref() == self.version) {
            return Ok(());
        }
        let expected: Vec<&str> = versions.iter().map(AsRef::as_ref).collect();
        Err(ParseError {
            kind: ParseErrorKind::Version,
            event_type: Some(self.event.as_str().to_owned()),
            path: "version".to_owned(),
            message: format!(
                "API version `{}` is not one this version of steppay-webhooks reads ({})",
                self.version,
                expected.join(", ")
            ),
            line: 1,
            column: 1,
        })
    }

    /// The event type, or `None` for an event type this version of the crate does not know.
    pub fn event_type(&self) -> Option<EventType> {
        self.event.event_type()
    }

    /// [`Webhook::timestamp`] as a UTC date-time, or `None` if it is out of range.
    pub fn sent_at(&self) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp(self.timestamp, 0)
    }

    /// 대상 — The business object this delivery is about, e.g. `payment:4418273`; see
    /// [`Event::subject`].
    pub fn subject(&self) -> Option<Subject> {
        self.event.subject()
    }
}

impl FromStr for Webhook {
    type Err = ParseError;

    fn from_str(body: &str) -> Result<Self, ParseError> {
        Self::from_slice(body.as_bytes())
    }
}

impl Serialize for Webhook {
    /// Writes the body as StepPay does: `timestamp`, `version`, `event`, `data`, then `isTest`
    /// when it is known.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Data<'a>(&'a Event);

        impl Serialize for Data<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                self.0.serialize_data(serializer)
            }
        }

        let mut body =
            serializer.serialize_struct("Webhook", 4 + usize::from(self.is_test.is_some()))?;
        body.serialize_field("timestamp", &self.timestamp)?;
        body.serialize_field("version", &self.version)?;
        body.serialize_field("event", self.event.as_str())?;
        body.serialize_field("data", &Data(&self.event))?;
        match self.is_test {
            Some(is_test) => body.serialize_field("isTest", &is_test)?,
            None => body.skip_field("isTest")?,
        }
        body.end()
    }
}

const FIELDS: &[&str] = &["timestamp", "version", "event", "data", "isTest"];

/// A key of the envelope.
enum Field {
    Timestamp,
    Version,
    Event,
    Data,
    IsTest,
    Other,
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FieldVisitor;

        impl Visitor<'_> for FieldVisitor {
            type Value = Field;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a webhook field name")
            }

            fn visit_str<E: de::Error>(self, key: &str) -> Result<Field, E> {
                Ok(match key {
                    "timestamp" => Field::Timestamp,
                    "version" => Field::Version,
                    "event" => Field::Event,
                    "data" => Field::Data,
                    "isTest" => Field::IsTest,
                    _ => Field::Other,
                })
            }
        }

        deserializer.deserialize_identifier(FieldVisitor)
    }
}

/// Reads `data` into the payload type of its `event`. With `TRACK`, an error names the event
/// type and the path of the value in `data` that did not fit.
///
/// `TRACK` is a constant rather than a field so that `from_slice`, which never tracks, does not
/// compile the tracking path for every payload type: that halves the crate's release build.
struct DataSeed<'a, const TRACK: bool> {
    event_type: &'a str,
}

impl<'de, const TRACK: bool> DeserializeSeed<'de> for DataSeed<'_, TRACK> {
    type Value = Event;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Event, D::Error> {
        let event_type = self.event_type;
        // An unknown event keeps `data` raw, which cannot fail on a well-formed body.
        if !TRACK || EventType::from_str(event_type).is_err() {
            return Event::deserialize_data(event_type, deserializer);
        }
        let track = Track::default();
        Event::deserialize_data(event_type, Tracked::new(deserializer, &track)).map_err(|error| {
            // A syntax error stays as it is, so that it is still told apart from bad data.
            if !track.is_data_error() {
                return error;
            }
            de::Error::custom(format_args!(
                "invalid `{event_type}` webhook at `{}`: {}",
                track.path("data"),
                Unpositioned(&error)
            ))
        })
    }
}

/// Reads the value of the envelope field `name`. With `TRACK`, a value of the wrong type names
/// the field.
struct EnvelopeField<T, const TRACK: bool> {
    name: &'static str,
    marker: std::marker::PhantomData<fn() -> T>,
}

impl<'de, T: Deserialize<'de>, const TRACK: bool> DeserializeSeed<'de> for EnvelopeField<T, TRACK> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        if !TRACK {
            return T::deserialize(deserializer);
        }
        let track = Track::default();
        T::deserialize(Tracked::new(deserializer, &track)).map_err(|error| {
            if !track.is_data_error() {
                return error;
            }
            de::Error::custom(format_args!(
                "invalid webhook at `{}`: {}",
                self.name,
                Unpositioned(&error)
            ))
        })
    }
}

/// An error's message without the " at line L column C" serde_json appends: the error it is
/// wrapped in gets the position again.
struct Unpositioned<'a, E>(&'a E);

impl<E: fmt::Display> fmt::Display for Unpositioned<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0.to_string();
        let positioned = text.rsplit_once(" at line ").filter(|(_, position)| {
            position.split_once(" column ").is_some_and(|(line, column)| {
                [line, column]
                    .iter()
                    .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            })
        });
        f.write_str(&redact_values(positioned.map_or(text.as_str(), |(message, _)| message)))
    }
}

impl<'de> Deserialize<'de> for Webhook {
    /// Reads the body through any serde deserializer. An error names the field, or the event
    /// type and the path in `data`, of the value that did not fit.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_struct(
            "Webhook",
            FIELDS,
            WebhookVisitor::<true> { lookahead: None },
        )
    }
}

/// The whole body, for the visitor to look ahead in when it meets `data` before `event`.
struct Lookahead<'b> {
    /// Text, so UTF-8: the raw capture of `data` that looking ahead replaces fails on bytes that
    /// are not, even in the fields that the payload's deserializer skips without reading them.
    body: &'b str,
    /// Whether `data` was read as the payload of the event type found ahead.
    used: Cell<bool>,
}

/// Reads the envelope. With `track`, errors name their path as they go (the serde entry
/// point); without, they are located after the fact ([`Webhook::from_slice`]), so that a
/// successful parse does no tracking at all.
struct WebhookVisitor<'l, const TRACK: bool> {
    /// The body, when the visitor may look ahead in it ([`Webhook::from_slice`]).
    lookahead: Option<&'l Lookahead<'l>>,
}

impl<'l, const TRACK: bool> WebhookVisitor<'l, TRACK> {
    fn field<T>(&self, name: &'static str) -> EnvelopeField<T, TRACK> {
        EnvelopeField { name, marker: std::marker::PhantomData }
    }

    fn data<'a>(&self, event_type: &'a str) -> DataSeed<'a, TRACK> {
        DataSeed { event_type }
    }

    /// The event type of a body whose `data` comes before `event`, found by looking ahead, so
    /// that `data` can be read straight into its payload type rather than kept raw. The visitor
    /// checks it against the `event` it reads later; [`Webhook::from_slice`] reads the body
    /// again without it if anything fails.
    fn event_ahead(&self) -> Option<&'l str> {
        let lookahead = self.lookahead?;
        let event_type = lookahead::event_after_data(lookahead.body)?;
        lookahead.used.set(true);
        Some(event_type)
    }
}

impl<'de, const TRACK: bool> Visitor<'de> for WebhookVisitor<'_, TRACK> {
    type Value = Webhook;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a StepPay webhook body")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Webhook, A::Error> {
        fn once<T, E: de::Error>(slot: &Option<T>, name: &'static str) -> Result<(), E> {
            match slot {
                Some(_) => Err(E::duplicate_field(name)),
                None => Ok(()),
            }
        }

        let mut timestamp = None;
        let mut version = None;
        let mut event_type: Option<String> = None;
        let mut event = None;
        // `data` before `event`: read as the event type found ahead, which `event` must then be,
        // or else kept raw until the event type is known.
        let mut ahead: Option<&str> = None;
        let mut pending: Option<Box<RawValue>> = None;
        let mut is_test: Option<Option<bool>> = None;
        while let Some(key) = map.next_key::<Field>()? {
            match key {
                Field::Timestamp => {
                    once(&timestamp, "timestamp")?;
                    timestamp = Some(map.next_value_seed(self.field("timestamp"))?);
                }
                Field::Version => {
                    once(&version, "version")?;
                    version = Some(map.next_value_seed(self.field("version"))?);
                }
                Field::Event => {
                    once(&event_type, "event")?;
                    let value = map.next_value_seed(self.field::<String>("event"))?;
                    if ahead.is_some_and(|ahead| ahead != value) {
                        return Err(de::Error::custom("`event` is not the one found ahead"));
                    }
                    event_type = Some(value);
                }
                Field::Data => {
                    if event.is_some() || pending.is_some() {
                        return Err(de::Error::duplicate_field("data"));
                    }
                    match &event_type {
                        Some(event_type) => {
                            event = Some(map.next_value_seed(self.data(event_type))?)
                        }
                        None => match self.event_ahead() {
                            Some(event_type) => {
                                ahead = Some(event_type);
                                event = Some(map.next_value_seed(self.data(event_type))?);
                            }
                            None => pending = Some(map.next_value()?),
                        },
                    }
                }
                Field::IsTest => {
                    once(&is_test, "isTest")?;
                    is_test = Some(map.next_value_seed(self.field("isTest"))?);
                }
                Field::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let event_type = event_type.ok_or_else(|| de::Error::missing_field("event"))?;
        let event = match (event, pending) {
            (Some(event), _) => event,
            (None, Some(raw)) => {
                let mut data = serde_json::Deserializer::from_str(raw.get());
                self.data(&event_type)
                    .deserialize(&mut data)
                    .map_err(|error| de::Error::custom(Unpositioned(&error)))?
            }
            (None, None) => return Err(de::Error::missing_field("data")),
        };
        Ok(Webhook {
            timestamp: timestamp.ok_or_else(|| de::Error::missing_field("timestamp"))?,
            version: version.ok_or_else(|| de::Error::missing_field("version"))?,
            event,
            is_test: is_test.flatten(),
        })
    }
}

/// What part of a delivery body was wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The body is not JSON (or is cut short).
    Syntax,
    /// The envelope (`timestamp`, `version`, `event`, `data`, `isTest`) is missing a field or has
    /// one of the wrong type.
    Envelope,
    /// `data` does not fit the schema of its (known) event type.
    Data,
    /// The envelope's `version` is not one this version of the crate reads (see
    /// [`Webhook::VERSION`]): its `data` may follow other schemas. [`Webhook::from_slice`] does
    /// not check it; a receiver does, with [`Webhook::check_version`].
    Version,
}

/// Why a delivery body could not be parsed, and where.
///
/// The message names the event type and the JSON path of the offending value, e.g.
/// ``invalid `payment.completed` webhook at `data.paidAmount`: invalid type: string "1000", expected a decimal number (line 1, column 97)``.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    kind: ParseErrorKind,
    event_type: Option<String>,
    path: String,
    message: String,
    line: usize,
    column: usize,
}

impl ParseError {
    /// What part of the body was wrong.
    pub fn kind(&self) -> ParseErrorKind {
        self.kind
    }

    /// The `event` of the body, when it could be read.
    pub fn event_type(&self) -> Option<&str> {
        self.event_type.as_deref()
    }

    /// The JSON path of the offending value, e.g. `data.items[0].paidAmount`; `.` for the body
    /// itself.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The line (from 1) in the body where parsing stopped; 1 for a [`ParseErrorKind::Version`]
    /// error, which is about the whole envelope.
    pub fn line(&self) -> usize {
        self.line
    }

    /// The column (from 1) in the body where parsing stopped; 1 for a
    /// [`ParseErrorKind::Version`] error.
    pub fn column(&self) -> usize {
        self.column
    }

    /// Parses the body again, tracking the JSON path, to say where `error` happened. This only
    /// runs after a failure, so the successful path pays nothing for it.
    fn locate(body: &[u8], error: serde_json::Error) -> Self {
        /// The envelope with `data` left raw.
        #[derive(Deserialize)]
        #[allow(dead_code)] // The fields are read only to check their types.
        struct Envelope<'a> {
            timestamp: i64,
            version: String,
            event: String,
            #[serde(borrow)]
            data: &'a RawValue,
            #[serde(rename = "isTest")]
            is_test: Option<bool>,
        }

        /// Just `event`, to name it even when the rest of the envelope is wrong.
        #[derive(Deserialize)]
        struct EventOnly {
            event: Option<String>,
        }

        let event_type = serde_json::from_slice::<EventOnly>(body).ok().and_then(|e| e.event);
        let kind = match error.classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                ParseErrorKind::Syntax
            }
            _ => ParseErrorKind::Envelope,
        };
        let track = Track::default();
        let envelope = {
            let mut json = serde_json::Deserializer::from_slice(body);
            Envelope::deserialize(Tracked::new(&mut json, &track))
        };
        let envelope = match envelope {
            Ok(envelope) => envelope,
            Err(envelope_error) => {
                return Self::new(kind, event_type, track.path(""), &envelope_error);
            }
        };
        // The envelope is fine, so the payload is what failed: parse it alone, with its path.
        let track = Track::default();
        let mut json = serde_json::Deserializer::from_slice(envelope.data.get().as_bytes());
        let result = Event::deserialize_data(&envelope.event, Tracked::new(&mut json, &track));
        match result {
            Err(data_error) => {
                // Positions inside `data` are relative to it; move them to the whole body.
                let offset =
                    (envelope.data.get().as_ptr() as usize).saturating_sub(body.as_ptr() as usize);
                let before = body.get(..offset).unwrap_or_default();
                let start_line = before.iter().filter(|&&b| b == b'\n').count() + 1;
                let start_column =
                    offset - before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1) + 1;
                let (line, column) = if data_error.line() == 1 {
                    (start_line, start_column + data_error.column().saturating_sub(1))
                } else {
                    (start_line + data_error.line() - 1, data_error.column())
                };
                let path = track.path("data");
                // A number too large for any type is a syntax error to serde_json, even in `data`.
                let kind = if data_error.is_syntax() || data_error.is_eof() {
                    ParseErrorKind::Syntax
                } else {
                    ParseErrorKind::Data
                };
                Self {
                    kind,
                    event_type: Some(envelope.event),
                    path,
                    message: message_of(&data_error),
                    line,
                    column,
                }
            }
            // Both halves parse alone (the body has trailing characters, say); report the
            // original error as it stands.
            Ok(_) => Self::new(kind, event_type, ".".to_owned(), &error),
        }
    }

    fn new(
        kind: ParseErrorKind,
        event_type: Option<String>,
        path: String,
        error: &serde_json::Error,
    ) -> Self {
        Self {
            kind,
            event_type,
            path,
            message: message_of(error),
            line: error.line(),
            column: error.column(),
        }
    }
}

/// serde_json's message without the " at line L column C" it appends, and without the values
/// it quotes (see [`redact_values`]).
fn message_of(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    redact_values(text.strip_suffix(&suffix).unwrap_or(&text))
}

/// Replaces the values serde quotes in its messages (`string "010-1234-5678"`, ``integer `42` ``)
/// with `(value not shown)`: a payload value in the wrong place may be personal data, and these
/// messages end up in logs and HTTP responses. The path and the expected type stay.
pub(crate) fn redact_values(message: &str) -> String {
    const QUOTED: &[(&str, char)] =
        &[("string \"", '"'), ("integer `", '`'), ("floating point `", '`'), ("character `", '`')];
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some((at, prefix, close)) = QUOTED
        .iter()
        .filter_map(|&(prefix, close)| rest.find(prefix).map(|at| (at, prefix, close)))
        .min_by_key(|&(at, _, _)| at)
    {
        let (before, after) = rest.split_at(at);
        out.push_str(before);
        let value = after.get(prefix.len()..).unwrap_or_default();
        let mut escaped = false;
        let end = value.char_indices().find_map(|(i, c)| {
            let closes = c == close && !escaped;
            escaped = c == '\\' && !escaped;
            closes.then_some(i)
        });
        let Some(end) = end else {
            // No closing quote: leave the rest as it is.
            out.push_str(after);
            return out;
        };
        out.push_str(prefix.trim_end_matches(['"', '`']));
        out.push_str("(value not shown)");
        rest = value.get(end + close.len_utf8()..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.kind, &self.event_type) {
            (ParseErrorKind::Syntax, _) => write!(f, "webhook body is not valid JSON")?,
            // Not a position in the body: the whole envelope was read.
            (ParseErrorKind::Version, Some(event_type)) => {
                return write!(f, "unsupported `{event_type}` webhook: {}", self.message);
            }
            (_, Some(event_type)) => {
                write!(f, "invalid `{event_type}` webhook at `{}`", self.path)?
            }
            (_, None) => write!(f, "invalid webhook at `{}`", self.path)?,
        }
        write!(f, ": {} (line {}, column {})", self.message, self.line, self.column)
    }
}

impl std::error::Error for ParseError {}

#[cfg(test)]
mod redaction_tests {
    use super::redact_values;

    #[test]
    fn quoted_values_are_replaced_and_the_rest_kept() {
        assert_eq!(
            redact_values(r#"invalid type: string "a \"b\" c", expected i32"#),
            "invalid type: string (value not shown), expected i32"
        );
        assert_eq!(
            redact_values("invalid type: integer `42`, expected a string; floating point `1.5`"),
            "invalid type: integer (value not shown), expected a string; floating point (value not shown)"
        );
        assert_eq!(redact_values("missing field `idKey`"), "missing field `idKey`");
        assert_eq!(redact_values(r#"string "unterminated"#), r#"string "unterminated"#);
    }
}
