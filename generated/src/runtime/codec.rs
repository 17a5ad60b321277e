//! How StepPay's values are written out: `Decimal` and `LocalDateTime` as JSON, and personal
//! data in `Debug`.
//!
//! The generated structs name these modules in `#[serde(with = "...")]`. They are here, rather
//! than as serde features of `rust_decimal` and `chrono`, because those features are global: they
//! would change how *your* decimals and date-times serialize too.
//!
//! Structs with personal data (fields marked `sensitive` in the catalogue) get a generated
//! `Debug` that prints [`Redacted`] in place of those values, so that logging a webhook does not
//! log a customer's name, phone or account number.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Visitor};

/// Serde support for the `Option<T>` form of a codec, given its `Number`/`Parsed` wrappers.
macro_rules! option_codec {
    ($value:ty, $ser:ident, $de:ident) => {
        /// The same codec for nullable fields: `null` or absent reads as `None`.
        pub(crate) mod option {
            use serde::{Deserialize, Deserializer, Serialize, Serializer};

            pub(crate) fn serialize<S: Serializer>(
                value: &Option<$value>,
                serializer: S,
            ) -> Result<S::Ok, S::Error> {
                value.as_ref().map(super::$ser).serialize(serializer)
            }

            pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Option<$value>, D::Error> {
                Ok(Option::<super::$de>::deserialize(deserializer)?.map(|parsed| parsed.0))
            }
        }
    };
}

/// `Decimal` as a JSON number: StepPay writes `0`, `10000.0` and `1500.5` alike.
///
/// Integers are read exactly. A number with a fraction reaches us as the `f64` serde_json parsed
/// and becomes the shortest decimal that reads back as that `f64`: `1500.5` stays `1500.5`, and
/// every value of up to 15 significant digits is exact. A decimal is written as a JSON integer
/// when it has no fraction, else as a JSON float (the same 15-digit bound applies).
pub(crate) mod decimal {
    use rust_decimal::Decimal;
    use rust_decimal::prelude::ToPrimitive;
    use serde::de::{self, Deserialize, Deserializer, Unexpected, Visitor};
    use serde::ser::{Error as _, Serialize, Serializer};

    use super::StackText;

    pub(crate) fn serialize<S: Serializer>(
        value: &Decimal,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        if value.fract().is_zero() {
            if let Some(integer) = value.to_i64() {
                return serializer.serialize_i64(integer);
            }
            // Above `i64::MAX` (a JSON number serde_json reads as `u64`); beyond `u64::MAX` the
            // value was read from an `f64` and goes back as the same one.
            if let Some(integer) = value.to_u64() {
                return serializer.serialize_u64(integer);
            }
        }
        match value.to_f64() {
            Some(float) => serializer.serialize_f64(float),
            None => {
                Err(S::Error::custom(format_args!("decimal {value} does not fit a JSON number")))
            }
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Decimal, D::Error> {
        deserializer.deserialize_any(DecimalVisitor)
    }

    struct DecimalVisitor;

    impl Visitor<'_> for DecimalVisitor {
        type Value = Decimal;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a decimal number")
        }

        fn visit_i64<E: de::Error>(self, value: i64) -> Result<Decimal, E> {
            Ok(Decimal::from(value))
        }

        fn visit_u64<E: de::Error>(self, value: u64) -> Result<Decimal, E> {
            Ok(Decimal::from(value))
        }

        fn visit_f64<E: de::Error>(self, value: f64) -> Result<Decimal, E> {
            from_f64(value).ok_or_else(|| E::invalid_value(Unexpected::Float(value), &self))
        }
    }

    /// The shortest decimal that reads back as `value`, or `None` when `Decimal` cannot hold it.
    pub(crate) fn from_f64(value: f64) -> Option<Decimal> {
        // Below 2^53 every integral f64 is an exact integer; this is the common `10000.0` case.
        const EXACT_INTEGERS: f64 = 9_007_199_254_740_992.0;
        if !value.is_finite() {
            return None;
        }
        if value.fract() == 0.0 && value.abs() < EXACT_INTEGERS {
            // Lossless: integral and within i64's exactly representable range.
            return Some(Decimal::from(value as i64));
        }
        // `Display` for f64 prints the shortest digits that round-trip, never an exponent.
        let mut text = StackText::<48>::new();
        std::fmt::Write::write_fmt(&mut text, format_args!("{value}")).ok()?;
        text.as_str().parse().ok()
    }

    /// A decimal serialized through this codec.
    pub(super) struct Number<'a>(pub(super) &'a Decimal);

    impl Serialize for Number<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serialize(self.0, serializer)
        }
    }

    /// A decimal deserialized through this codec.
    pub(super) struct Parsed(pub(super) Decimal);

    impl<'de> Deserialize<'de> for Parsed {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserialize(deserializer).map(Parsed)
        }
    }

    option_codec!(rust_decimal::Decimal, Number, Parsed);
}

/// `LocalDateTime` as StepPay writes it: `2023-07-07T01:35:42`, optionally with 1 to 9 fraction
/// digits, and no offset.
///
/// StepPay does not document the time zone; the evidence points to UTC (see the crate docs), so
/// the value is kept naive. It is written back the way Java's `ISO_LOCAL_DATE_TIME` writes it:
/// seconds always, and a fraction only when there is one, without trailing zeros.
pub(crate) mod local_date_time {
    use std::fmt;

    use chrono::{NaiveDate, NaiveDateTime, Timelike};
    use serde::de::{self, Deserialize, Deserializer, Visitor};
    use serde::ser::{Serialize, Serializer};

    pub(crate) fn serialize<S: Serializer>(
        value: &NaiveDateTime,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&Iso(value))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<NaiveDateTime, D::Error> {
        deserializer.deserialize_str(LocalDateTimeVisitor)
    }

    struct LocalDateTimeVisitor;

    impl Visitor<'_> for LocalDateTimeVisitor {
        type Value = NaiveDateTime;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a local date-time like \"2023-07-07T01:35:42\"")
        }

        fn visit_str<E: de::Error>(self, value: &str) -> Result<NaiveDateTime, E> {
            parse(value).ok_or_else(|| E::invalid_value(de::Unexpected::Str(value), &self))
        }
    }

    /// Parses `YYYY-MM-DDTHH:MM[:SS[.F{1,9}]]`; `None` for anything else or an impossible date.
    pub(crate) fn parse(text: &str) -> Option<NaiveDateTime> {
        let [y1, y2, y3, y4, b'-', m1, m2, b'-', d1, d2, b'T', h1, h2, b':', i1, i2, rest @ ..] =
            text.as_bytes()
        else {
            return None;
        };
        let year = number(&[*y1, *y2, *y3, *y4])?;
        let month = number(&[*m1, *m2])?;
        let day = number(&[*d1, *d2])?;
        let hour = number(&[*h1, *h2])?;
        let minute = number(&[*i1, *i2])?;
        let (second, nano) = match rest {
            [] => (0, 0),
            [b':', s1, s2] => (number(&[*s1, *s2])?, 0),
            [b':', s1, s2, b'.', fraction @ ..] if (1..=9).contains(&fraction.len()) => {
                let scale = 10_u32.pow(9 - u32::try_from(fraction.len()).ok()?);
                (number(&[*s1, *s2])?, number(fraction)? * scale)
            }
            _ => return None,
        };
        NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?
            .and_hms_nano_opt(hour, minute, second, nano)
    }

    /// ASCII digits as a number; at most 9 digits, so it cannot overflow.
    fn number(digits: &[u8]) -> Option<u32> {
        digits
            .iter()
            .try_fold(0_u32, |acc, &d| d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0')))
    }

    /// Formats like Java's `DateTimeFormatter.ISO_LOCAL_DATE_TIME`.
    struct Iso<'a>(&'a NaiveDateTime);

    impl fmt::Display for Iso<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "{}", self.0.format("%Y-%m-%dT%H:%M:%S"))?;
            let nano = self.0.nanosecond() % 1_000_000_000;
            if nano == 0 {
                return Ok(());
            }
            let digits = format!("{nano:09}");
            write!(f, ".{}", digits.trim_end_matches('0'))
        }
    }

    /// A date-time serialized through this codec.
    pub(super) struct Number<'a>(pub(super) &'a NaiveDateTime);

    impl Serialize for Number<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serialize(self.0, serializer)
        }
    }

    /// A date-time deserialized through this codec.
    pub(super) struct Parsed(pub(super) NaiveDateTime);

    impl<'de> Deserialize<'de> for Parsed {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserialize(deserializer).map(Parsed)
        }
    }

    option_codec!(chrono::NaiveDateTime, Number, Parsed);
}

/// Stands in for a value that holds personal data: `Debug` prints `<redacted>`.
pub(crate) struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Reads a string into an open enum through its `From<&str>`.
pub(crate) struct StrVisitor<T> {
    name: &'static str,
    marker: PhantomData<fn() -> T>,
}

impl<T> StrVisitor<T> {
    pub(crate) fn new(name: &'static str) -> Self {
        Self { name, marker: PhantomData }
    }
}

impl<T: for<'a> From<&'a str>> Visitor<'_> for StrVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {} string", self.name)
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<T, E> {
        Ok(T::from(value))
    }
}

/// A fixed-capacity text buffer on the stack, for formatting without allocating.
pub(crate) struct StackText<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

impl<const N: usize> StackText<N> {
    pub(crate) fn new() -> Self {
        Self { bytes: [0; N], len: 0 }
    }

    pub(crate) fn as_str(&self) -> &str {
        // Only whole `&str`s are ever appended, so the bytes are always valid UTF-8.
        self.bytes.get(..self.len).and_then(|b| std::str::from_utf8(b).ok()).unwrap_or_default()
    }
}

impl<const N: usize> fmt::Write for StackText<N> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let end = self.len.checked_add(text.len()).filter(|end| *end <= N).ok_or(fmt::Error)?;
        self.bytes.get_mut(self.len..end).ok_or(fmt::Error)?.copy_from_slice(text.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use rust_decimal::Decimal;

    use super::*;

    #[test]
    fn decimals_from_floats_are_the_shortest_round_trip() {
        for (float, text) in
            [(10000.0, "10000"), (1500.5, "1500.5"), (0.1, "0.1"), (-3.25, "-3.25"), (0.0, "0")]
        {
            assert_eq!(decimal::from_f64(float), Decimal::from_str(text).ok(), "{float}");
        }
        assert_eq!(decimal::from_f64(f64::NAN), None);
        assert_eq!(decimal::from_f64(1e300), None);
    }

    #[test]
    fn local_date_times_parse_strictly() {
        let parse = local_date_time::parse;
        assert!(parse("2023-07-07T01:35:42").is_some());
        assert!(parse("2023-06-19T06:19:55.403711").is_some());
        assert!(parse("2023-06-19T06:19:55.123456789").is_some());
        assert!(parse("2023-06-19T06:19").is_some());
        for bad in [
            "2023-06-19",
            "2023-06-19T06:19:55Z",
            "2023-06-19T06:19:55+09:00",
            "2023-02-30T00:00:00",
            "2023-06-19T06:19:55.",
            "2023-06-19T06:19:55.1234567890",
            "2023-06-19 06:19:55",
            "２023-06-19T06:19:55",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn stack_text_refuses_to_overflow() {
        let mut text = StackText::<4>::new();
        assert!(fmt::Write::write_str(&mut text, "abcd").is_ok());
        assert!(fmt::Write::write_str(&mut text, "e").is_err());
        assert_eq!(text.as_str(), "abcd");
    }
}
