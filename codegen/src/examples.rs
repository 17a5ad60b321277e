//! Stage 2, continued: every example delivery (`schema/examples/**/*.json`) must parse as the
//! event it shows, the way the generated crate would parse it.
//!
//! An example is read straight from its text with serde_json, against the [`Catalogue`] (not
//! the generated code, which may be stale), so a mistake is reported with the file, the JSON
//! position and the path of the value, e.g. `data.items[0].paidAmount`. The rules are the
//! runtime's: unknown keys are ignored, nullable keys may be absent or `null`, enums are open,
//! `Decimal` takes any JSON number it can hold exactly, `LocalDateTime` has no offset, a `lenient`
//! id is a string or an integer.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Unexpected, Visitor};

use crate::diagnostic::{Diagnostic, closest};
use crate::model::{Catalogue, TypeDef, TypeKind, TypeRef};
use crate::source::SourceFile;

/// The folder of the examples; a file directly in it is named after its event type.
const EXAMPLES_DIR: &str = "schema/examples/";

/// Checks every example, returning one diagnostic per example that does not parse.
pub(crate) fn check(catalogue: &Catalogue, examples: &[SourceFile]) -> Vec<Diagnostic> {
    examples.iter().filter_map(|file| check_one(catalogue, file).err()).collect()
}

/// The event type an example is named for: `schema/examples/payment.completed.json` shows
/// `payment.completed`; one in `extra/` may show any event, and is named for none.
pub(crate) fn named_for(file: &SourceFile) -> Option<&str> {
    file.path
        .strip_prefix(EXAMPLES_DIR)
        .filter(|name| !name.contains('/'))
        .and_then(|name| name.strip_suffix(".json"))
}

fn check_one(catalogue: &Catalogue, file: &SourceFile) -> Result<(), Diagnostic> {
    let known = || catalogue.events.iter().map(|e| e.event_type.as_str());
    let named_for = named_for(file);
    if let Some(named_for) = named_for
        && !known().any(|e| e == named_for)
    {
        let hint = match closest(named_for, known()) {
            Some(name) => format!("did you mean `{name}.json`?"),
            None => "name it after the event type it shows, or move it to `schema/examples/extra/`"
                .to_owned(),
        };
        let message = format!(
            "example `{}` is named for `{named_for}`, which is not an event type of the catalogue",
            file.path
        );
        return Err(Diagnostic::new(file.start(), message).with_hint(hint));
    }

    /// Just `event`, to know which schema `data` follows wherever it stands.
    #[derive(Deserialize)]
    struct EventOnly {
        event: Option<String>,
    }

    let event = match serde_json::from_str::<EventOnly>(&file.text) {
        Ok(peek) => peek.event,
        Err(error) if error.is_syntax() || error.is_eof() => {
            return Err(located(
                file,
                &error,
                format!("example is not valid JSON: {}", message_of(&error)),
            )
            .with_hint("check the quotes, commas and brackets near here"));
        }
        Err(_) => None,
    };
    let definition = event
        .as_ref()
        .map(|event| catalogue.events.iter().find(|e| &e.event_type == event).ok_or(event));
    let schema = match definition {
        Some(Ok(def)) => catalogue.type_named(&def.schema),
        Some(Err(event)) => {
            let location = locate_text(file, &format!("\"{event}\""));
            let message = format!(
                "example has the event type `{event}`, which the catalogue does not declare"
            );
            return Err(Diagnostic::new(location, message)
                .with_hint("declare it in schema/events.yaml, or fix the example")
                .suggest(event, known()));
        }
        None => None,
    };
    if let (Some(named_for), Some(event)) = (named_for, &event)
        && named_for != event
    {
        let location = locate_text(file, &format!("\"{event}\""));
        return Err(Diagnostic::new(
            location,
            format!("example `{}` shows `{event}`, not `{named_for}`", file.path),
        )
        .with_hint(format!("set `\"event\": \"{named_for}\"`, or rename the file")));
    }
    let event = event.unwrap_or_default();
    let mut json = serde_json::Deserializer::from_str(&file.text);
    let result = Envelope { catalogue, schema }.deserialize(&mut json).and_then(|()| json.end());
    result.map_err(|error| {
        let what =
            if event.is_empty() { "example".to_owned() } else { format!("example of `{event}`") };
        located(file, &error, format!("{what} does not parse: {}", message_of(&error)))
            .with_hint("fix the example, or the catalogue if StepPay really sends this")
    })
}

/// A diagnostic at serde_json's position of `error`, moved back to the start of the value it
/// stopped after.
fn located(file: &SourceFile, error: &serde_json::Error, message: String) -> Diagnostic {
    let (line, column) = (error.line(), error.column());
    let column = file.line(line).map_or(column, |text| value_start(text, column));
    Diagnostic::new(file.at(line.max(1), column.max(1)), message)
}

/// serde_json stops just after the value it rejects; point at the value's first character.
fn value_start(line: &str, column: usize) -> usize {
    let chars: Vec<char> = line.chars().take(column).collect();
    let mut at = chars.len();
    match chars.last() {
        Some('"') => {
            at -= 1;
            while at > 0
                && !(chars.get(at - 1) == Some(&'"')
                    && chars.get(at.wrapping_sub(2)) != Some(&'\\'))
            {
                at -= 1;
            }
            at = at.saturating_sub(1);
        }
        Some(c) if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+') => {
            while at > 0
                && chars
                    .get(at - 1)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+'))
            {
                at -= 1;
            }
        }
        _ => return column,
    }
    at + 1
}

/// The position of the first occurrence of `needle`, or the start of the file.
fn locate_text(file: &SourceFile, needle: &str) -> crate::source::Location {
    file.text
        .lines()
        .enumerate()
        .find_map(|(index, line)| {
            line.find(needle).map(|at| file.at(index + 1, line[..at].chars().count() + 1))
        })
        .unwrap_or_else(|| file.start())
}

/// serde_json's message without the " at line L column C" it appends.
fn message_of(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    text.strip_suffix(&suffix).map_or_else(|| text.clone(), str::to_owned)
}

/// Where a value is in the delivery, e.g. `data.items[0].paidAmount`.
#[derive(Clone, Copy)]
enum Path<'a> {
    Root(&'a str),
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root(name) => f.write_str(name),
            Path::Key(parent, key) => write!(f, "{parent}.{key}"),
            Path::Index(parent, index) => write!(f, "{parent}[{index}]"),
        }
    }
}

fn invalid<E: de::Error>(path: Path<'_>, unexpected: Unexpected<'_>, expected: &str) -> E {
    E::custom(format_args!("`{path}`: invalid type: {unexpected}, expected {expected}"))
}

/// The body: `timestamp`, `version`, `event`, `data` (by the event's schema), `isTest`.
struct Envelope<'a> {
    catalogue: &'a Catalogue,
    /// The schema of `data`, or `None` when `event` is missing.
    schema: Option<&'a TypeDef>,
}

impl<'de> DeserializeSeed<'de> for Envelope<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Envelope<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a webhook body (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen: Vec<&str> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let (name, ty) = match key.as_str() {
                "timestamp" => ("timestamp", Some(TypeRef::Long)),
                "version" => ("version", Some(TypeRef::String)),
                "event" => ("event", Some(TypeRef::String)),
                "isTest" => ("isTest", None),
                "data" => {
                    if seen.contains(&"data") {
                        return Err(de::Error::custom("duplicate key `data`"));
                    }
                    seen.push("data");
                    match self.schema {
                        Some(schema) => map.next_value_seed(Value {
                            catalogue: self.catalogue,
                            ty: &TypeRef::Named(schema.name.clone()),
                            nullable: false,
                            lenient: false,
                            path: Path::Root("data"),
                        })?,
                        None => map.next_value::<IgnoredAny>().map(drop)?,
                    }
                    continue;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            if seen.contains(&name) {
                return Err(de::Error::custom(format_args!("duplicate key `{name}`")));
            }
            seen.push(name);
            let nullable = ty.is_none();
            let ty = ty.unwrap_or(TypeRef::Boolean);
            map.next_value_seed(Value {
                catalogue: self.catalogue,
                ty: &ty,
                nullable,
                lenient: false,
                path: Path::Root(name),
            })?;
        }
        for required in ["timestamp", "version", "event", "data"] {
            if !seen.contains(&required) {
                return Err(de::Error::custom(format_args!("missing key `{required}`")));
            }
        }
        Ok(())
    }
}

/// One value of the given type at `path`.
#[derive(Clone, Copy)]
struct Value<'a> {
    catalogue: &'a Catalogue,
    ty: &'a TypeRef,
    nullable: bool,
    /// A `lenient` `String` id, which may also be a JSON integer.
    lenient: bool,
    path: Path<'a>,
}

impl<'de> DeserializeSeed<'de> for Value<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl Value<'_> {
    fn expected(&self) -> String {
        match self.ty {
            TypeRef::Long => "an integer (i64)".to_owned(),
            TypeRef::Int => "an integer (i32)".to_owned(),
            TypeRef::Decimal => "a decimal number".to_owned(),
            TypeRef::Boolean => "a boolean".to_owned(),
            TypeRef::String if self.lenient => "a string or an integer id".to_owned(),
            TypeRef::String => "a string".to_owned(),
            TypeRef::LocalDateTime => "a local date-time like \"2023-07-07T01:35:42\"".to_owned(),
            TypeRef::List(_) => "an array".to_owned(),
            TypeRef::Map(_) => "an object".to_owned(),
            TypeRef::Named(name) => match self.catalogue.type_named(name).map(|t| &t.kind) {
                Some(TypeKind::Enum(_)) => format!("a {name} string"),
                _ => format!("a {name} object"),
            },
        }
    }

    fn reject<E: de::Error>(&self, unexpected: Unexpected<'_>) -> E {
        invalid(self.path, unexpected, &self.expected())
    }

    fn integer<E: de::Error>(&self, value: i128, unexpected: Unexpected<'_>) -> Result<(), E> {
        let fits = match self.ty {
            TypeRef::Long => i64::try_from(value).is_ok(),
            TypeRef::Int => i32::try_from(value).is_ok(),
            TypeRef::Decimal => true,
            // The runtime's `LenientId` takes any integer of `i64` or `u64`.
            TypeRef::String if self.lenient => {
                i64::try_from(value).is_ok() || u64::try_from(value).is_ok()
            }
            _ => return Err(self.reject(unexpected)),
        };
        if fits {
            Ok(())
        } else {
            Err(E::custom(format_args!(
                "`{}`: invalid value: {unexpected}, expected {}",
                self.path,
                self.expected()
            )))
        }
    }
}

impl<'de> Visitor<'de> for Value<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.expected())
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<(), E> {
        match self.ty {
            TypeRef::Boolean => Ok(()),
            _ => Err(self.reject(Unexpected::Bool(value))),
        }
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<(), E> {
        self.integer(i128::from(value), Unexpected::Signed(value))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<(), E> {
        self.integer(i128::from(value), Unexpected::Unsigned(value))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<(), E> {
        // `rust_decimal::Decimal` holds magnitudes below 2^96 ≈ 7.9e28.
        match self.ty {
            TypeRef::Decimal if value.is_finite() && value.abs() < 7.9e28 => Ok(()),
            TypeRef::Decimal => Err(E::custom(format_args!(
                "`{}`: invalid value: floating point `{value}`, expected a decimal number",
                self.path
            ))),
            _ => Err(self.reject(Unexpected::Float(value))),
        }
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<(), E> {
        match self.ty {
            TypeRef::String => Ok(()),
            TypeRef::LocalDateTime if is_local_date_time(value) => Ok(()),
            TypeRef::LocalDateTime => Err(E::custom(format_args!(
                "`{}`: invalid value: string {value:?}, expected {}",
                self.path,
                self.expected()
            ))),
            TypeRef::Named(name)
                if matches!(
                    self.catalogue.type_named(name).map(|t| &t.kind),
                    Some(TypeKind::Enum(_))
                ) =>
            {
                Ok(())
            }
            _ => Err(self.reject(Unexpected::Str(value))),
        }
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        if self.nullable { Ok(()) } else { Err(self.reject(Unexpected::Unit)) }
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let TypeRef::List(item) = self.ty else { return Err(self.reject(Unexpected::Seq)) };
        let mut index = 0;
        loop {
            let path = Path::Index(&self.path, index);
            let seed = Value {
                catalogue: self.catalogue,
                ty: item,
                nullable: false,
                lenient: false,
                path,
            };
            if seq.next_element_seed(seed)?.is_none() {
                return Ok(());
            }
            index += 1;
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let def = match self.ty {
            TypeRef::Map(value) => {
                while let Some(key) = map.next_key::<String>()? {
                    let path = Path::Key(&self.path, &key);
                    map.next_value_seed(Value {
                        catalogue: self.catalogue,
                        ty: value,
                        nullable: false,
                        lenient: false,
                        path,
                    })?;
                }
                return Ok(());
            }
            TypeRef::Named(name) => match self.catalogue.type_named(name).map(|t| &t.kind) {
                Some(TypeKind::Struct(def)) => def,
                _ => return Err(self.reject(Unexpected::Map)),
            },
            _ => return Err(self.reject(Unexpected::Map)),
        };
        let mut seen = vec![false; def.fields.len()];
        while let Some(key) = map.next_key::<String>()? {
            let Some(index) = def.fields.iter().position(|f| f.json_name == key) else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            if seen.get(index).copied().unwrap_or_default() {
                return Err(de::Error::custom(format_args!(
                    "`{}`: duplicate field `{key}`",
                    self.path
                )));
            }
            if let Some(slot) = seen.get_mut(index) {
                *slot = true;
            }
            let Some(field) = def.fields.get(index) else { continue };
            let path = Path::Key(&self.path, &key);
            map.next_value_seed(Value {
                catalogue: self.catalogue,
                ty: &field.ty,
                nullable: field.nullable,
                lenient: field.lenient,
                path,
            })?;
        }
        let missing = def.fields.iter().zip(&seen).find(|(field, seen)| !field.nullable && !**seen);
        match missing {
            Some((field, _)) => Err(de::Error::custom(format_args!(
                "`{}`: missing field `{}`",
                self.path, field.json_name
            ))),
            None => Ok(()),
        }
    }
}

/// `YYYY-MM-DDTHH:MM[:SS[.F{1,9}]]`, a real date and time, no offset: what the runtime accepts.
fn is_local_date_time(text: &str) -> bool {
    let number = |digits: &[u8]| -> Option<u32> {
        digits
            .iter()
            .try_fold(0_u32, |acc, &d| d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0')))
    };
    let [y1, y2, y3, y4, b'-', m1, m2, b'-', d1, d2, b'T', h1, h2, b':', i1, i2, rest @ ..] =
        text.as_bytes()
    else {
        return false;
    };
    let (Some(year), Some(month), Some(day), Some(hour), Some(minute)) = (
        number(&[*y1, *y2, *y3, *y4]),
        number(&[*m1, *m2]),
        number(&[*d1, *d2]),
        number(&[*h1, *h2]),
        number(&[*i1, *i2]),
    ) else {
        return false;
    };
    let second = match rest {
        [] => Some(0),
        [b':', s1, s2] => number(&[*s1, *s2]),
        [b':', s1, s2, b'.', fraction @ ..] if (1..=9).contains(&fraction.len()) => {
            number(fraction).and_then(|_| number(&[*s1, *s2]))
        }
        _ => None,
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day) && hour < 24 && minute < 60 && second.is_some_and(|s| s < 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_date_times_follow_the_runtime() {
        for good in [
            "2023-07-07T01:35:42",
            "2023-06-19T06:19:55.403711",
            "2024-02-29T00:00",
            "9999-01-01T00:00:00",
        ] {
            assert!(is_local_date_time(good), "{good}");
        }
        for bad in [
            "2023-02-29T00:00:00",
            "2023-06-19",
            "2023-06-19T06:19:55Z",
            "2023-06-19T24:00:00",
            "2023-06-19T06:19:55.",
            "2023-06-19T06:19:55.1234567890",
        ] {
            assert!(!is_local_date_time(bad), "{bad}");
        }
    }

    /// One event, whose payload is [`LENIENT_TYPES`].
    const LENIENT_EVENTS: &str = "\
domains:
  - id: payment
    name: { ko: 결제, en: Payment }
events:
  - type: payment.completed
    name: { ko: 결제 성공, en: Payment completed }
    schema: Payment
";

    /// A payment whose `orderId` is lenient and whose `idKey` is a plain string.
    const LENIENT_TYPES: &str = "\
structs:
  - name: Payment
    description: { ko: 결제, en: A payment }
    fields:
      - name: orderId
        type: String
        lenient: true
        description: { ko: 주문 번호, en: Order id }
      - name: idKey
        type: String
        nullable: true
        description: { ko: 키, en: Key }
";

    /// The messages of the examples (one per `data`) that do not parse as [`LENIENT_TYPES`].
    fn lenient_example_errors(values: &[&str]) -> Vec<String> {
        let examples = values
            .iter()
            .enumerate()
            .map(|(i, data)| {
                let body = format!(
                    r#"{{"timestamp":1,"version":"v1","event":"payment.completed","data":{data}}}"#
                );
                SourceFile::new(format!("schema/examples/extra/{i}.json"), body)
            })
            .collect();
        let input = crate::Input {
            events: SourceFile::new("schema/events.yaml", LENIENT_EVENTS),
            types: vec![SourceFile::new("schema/types/payment.yaml", LENIENT_TYPES)],
            examples,
        };
        match crate::load(&input) {
            Ok(_) => Vec::new(),
            Err(diagnostics) => diagnostics.items().iter().map(|d| d.message.clone()).collect(),
        }
    }

    #[test]
    fn a_lenient_id_is_a_string_or_an_integer() {
        let fine = [
            r#"{"orderId":"183682"}"#,
            r#"{"orderId":183682}"#,
            r#"{"orderId":-1}"#,
            r#"{"orderId":18446744073709551615}"#,
        ];
        assert_eq!(lenient_example_errors(&fine), Vec::<String>::new());
        let errors = lenient_example_errors(&[
            r#"{"orderId":1.5}"#,
            r#"{"orderId":true}"#,
            r#"{"orderId":null}"#,
            r#"{"orderId":"1","idKey":7}"#,
        ]);
        assert_eq!(errors.len(), 4, "{errors:?}");
        for error in &errors[..3] {
            assert!(
                error.contains("`data.orderId`")
                    && error.ends_with("expected a string or an integer id"),
                "{error}"
            );
        }
        // Only the flagged field takes an integer.
        assert!(
            errors[3].contains("`data.idKey`") && errors[3].ends_with("expected a string"),
            "{}",
            errors[3]
        );
    }

    #[test]
    fn points_at_the_start_of_the_value() {
        let line = r#"    "paidAmount": "1000","#;
        // serde_json's column is that of the value's last character.
        let last = line.find(',').expect("comma");
        assert_eq!(value_start(line, last), line.find("\"1000").expect("value") + 1);
        let line = r#"  "quantity": 12.5 }"#;
        assert_eq!(
            value_start(line, line.find(" }").expect("end")),
            line.find("12").expect("n") + 1
        );
    }
}
