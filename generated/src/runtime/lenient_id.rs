//! [`LenientId`]: an id StepPay documents as a string but may send as a JSON integer.
//!
//! The catalogue marks such fields `lenient: true` (see `schema/README.md`); the generated structs
//! type them `LenientId`, or `Option<LenientId>` when nullable. A delivery that writes the id as a
//! number is StepPay's all the same, and failing it would answer StepPay with a 4xx it may never
//! retry, so both forms parse.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

use serde::de::{self, Deserialize, Deserializer, Unexpected, Visitor};
use serde::ser::{Serialize, Serializer};

/// 문자열 또는 정수 ID — An id that StepPay documents as a string but sends, or may send, as a
/// JSON integer.
///
/// Read it as text, as documented: it derefs to `str`, displays as its text, and compares equal
/// to a `str`, `&str` or `String`. The integer `12345` reads as `"12345"`.
///
/// It remembers the form it arrived in, and serializing writes that form back: an integer stays a
/// JSON integer with the same digits, a string stays a string, so a delivery round-trips exactly.
/// [`LenientId::is_number`] says which form it was.
///
/// Equality, ordering and hashing go by the text alone, so the same id is equal to itself
/// whichever form it came in, and `Borrow<str>` lets a map keyed by `LenientId` be looked up with
/// a `&str`. The order is that of the text (`"10"` comes before `"9"`).
///
/// Parsing takes a JSON string, or a JSON integer that fits `i64` or `u64`. Anything else (a
/// number with a fraction or an exponent, a boolean, `null`, an array, an object) is an error
/// that says a string or an integer id was expected, without repeating the value. A nullable
/// field is an `Option<LenientId>`: absent or `null` reads as `None`.
///
/// ```
/// use steppay_webhooks::LenientId;
///
/// let id: LenientId = serde_json::from_str("12345")?;
/// assert_eq!(id, "12345");
/// assert!(id.is_number());
/// assert_eq!(serde_json::to_string(&id)?, "12345");
///
/// let id: LenientId = serde_json::from_str(r#""mb-user-00917""#)?;
/// assert_eq!(id.as_str(), "mb-user-00917");
/// assert_eq!(serde_json::to_string(&id)?, r#""mb-user-00917""#);
///
/// assert!(serde_json::from_str::<LenientId>("12.5").is_err());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone)]
pub struct LenientId {
    /// The id as text: the string as sent, or the integer's decimal digits.
    text: String,
    /// The JSON form it arrived in, which serializing writes back.
    form: Form,
}

/// The JSON form of a [`LenientId`].
#[derive(Debug, Clone, Copy)]
enum Form {
    Text,
    /// A negative integer (serde_json reads those as `i64`).
    Signed(i64),
    /// A non-negative integer, up to `u64::MAX`.
    Unsigned(u64),
}

impl LenientId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether it arrived as a JSON integer (and so is written back as one).
    pub fn is_number(&self) -> bool {
        !matches!(self.form, Form::Text)
    }
}

impl From<String> for LenientId {
    /// An id sent as a JSON string.
    fn from(text: String) -> Self {
        Self { text, form: Form::Text }
    }
}

impl From<&str> for LenientId {
    /// An id sent as a JSON string.
    fn from(text: &str) -> Self {
        Self::from(text.to_owned())
    }
}

impl From<i64> for LenientId {
    /// An id sent as a JSON integer.
    fn from(number: i64) -> Self {
        match u64::try_from(number) {
            Ok(unsigned) => Self::from(unsigned),
            Err(_) => Self { text: number.to_string(), form: Form::Signed(number) },
        }
    }
}

impl From<u64> for LenientId {
    /// An id sent as a JSON integer.
    fn from(number: u64) -> Self {
        Self { text: number.to_string(), form: Form::Unsigned(number) }
    }
}

impl From<LenientId> for String {
    fn from(id: LenientId) -> Self {
        id.text
    }
}

impl Deref for LenientId {
    type Target = str;

    fn deref(&self) -> &str {
        &self.text
    }
}

impl AsRef<str> for LenientId {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

impl Borrow<str> for LenientId {
    fn borrow(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for LenientId {
    /// The text, as for a string id.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for LenientId {
    /// The text, quoted as a string's `Debug` quotes it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.text.as_str(), f)
    }
}

impl PartialEq for LenientId {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for LenientId {}

impl PartialOrd for LenientId {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for LenientId {
    fn cmp(&self, other: &Self) -> Ordering {
        self.text.cmp(&other.text)
    }
}

impl Hash for LenientId {
    /// Hashes as its text does, as `Borrow<str>` requires.
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.text.as_str().hash(state);
    }
}

/// `id == "…"` and `"…" == id` for the text types.
macro_rules! text_eq {
    ($($text:ty),*) => {
        $(
            impl PartialEq<$text> for LenientId {
                fn eq(&self, other: &$text) -> bool {
                    self.text.as_str() == AsRef::<str>::as_ref(other)
                }
            }

            impl PartialEq<LenientId> for $text {
                fn eq(&self, other: &LenientId) -> bool {
                    AsRef::<str>::as_ref(self) == other.text.as_str()
                }
            }
        )*
    };
}

text_eq!(str, &str, String);

impl Serialize for LenientId {
    /// Writes the form that arrived: a JSON integer with the same digits, or a string.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.form {
            Form::Text => serializer.serialize_str(&self.text),
            Form::Signed(number) => serializer.serialize_i64(number),
            Form::Unsigned(number) => serializer.serialize_u64(number),
        }
    }
}

impl<'de> Deserialize<'de> for LenientId {
    /// Reads a JSON string or a JSON integer; needs a self-describing format, as JSON is.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LenientIdVisitor)
    }
}

struct LenientIdVisitor;

impl Visitor<'_> for LenientIdVisitor {
    type Value = LenientId;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or an integer id")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<LenientId, E> {
        Ok(LenientId::from(text))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<LenientId, E> {
        Ok(LenientId::from(text))
    }

    fn visit_i64<E: de::Error>(self, number: i64) -> Result<LenientId, E> {
        Ok(LenientId::from(number))
    }

    fn visit_u64<E: de::Error>(self, number: u64) -> Result<LenientId, E> {
        Ok(LenientId::from(number))
    }

    // serde_json hands over 128-bit integers only with its `arbitrary_precision` feature; one
    // that fits 64 bits is an id like any other.
    fn visit_i128<E: de::Error>(self, number: i128) -> Result<LenientId, E> {
        match (i64::try_from(number), u64::try_from(number)) {
            (Ok(signed), _) => Ok(LenientId::from(signed)),
            (_, Ok(unsigned)) => Ok(LenientId::from(unsigned)),
            _ => Err(E::invalid_value(Unexpected::Other("an integer beyond 64 bits"), &self)),
        }
    }

    fn visit_u128<E: de::Error>(self, number: u128) -> Result<LenientId, E> {
        u64::try_from(number)
            .map(LenientId::from)
            .map_err(|_| E::invalid_value(Unexpected::Other("an integer beyond 64 bits"), &self))
    }

    // The error names the kind of value and never the value itself: a parse error's message may
    // reach logs and HTTP responses (see `ParseError`).
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<LenientId, E> {
        Err(E::invalid_type(Unexpected::Other("floating point"), &self))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<LenientId, E> {
        Err(E::invalid_type(Unexpected::Other("boolean"), &self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_keep_their_digits_and_sign() {
        for (id, text) in [
            (LenientId::from(0_i64), "0"),
            (LenientId::from(-42_i64), "-42"),
            (LenientId::from(i64::MIN), "-9223372036854775808"),
            (LenientId::from(u64::MAX), "18446744073709551615"),
        ] {
            assert_eq!(id.as_str(), text);
            assert!(id.is_number());
            assert_eq!(serde_json::to_string(&id).ok().as_deref(), Some(text));
        }
        // A non-negative i64 is the same id as the u64 serde_json reads it as.
        assert!(matches!(LenientId::from(7_i64).form, Form::Unsigned(7)));
    }

    #[test]
    fn wide_integers_that_fit_64_bits_are_read() {
        let visitor = || LenientIdVisitor;
        let read = visitor().visit_i128::<serde_json::Error>(-5).ok();
        assert_eq!(read.as_deref(), Some("-5"));
        let read = visitor().visit_u128::<serde_json::Error>(u128::from(u64::MAX)).ok();
        assert_eq!(read.as_deref(), Some("18446744073709551615"));
        let error = visitor().visit_u128::<serde_json::Error>(u128::MAX).err();
        let message = error.map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("expected a string or an integer id"), "{message}");
        assert!(!message.contains(&u128::MAX.to_string()), "{message}");
    }
}
