//! Support for the generated open enums: a documented set of values plus a catch-all.

use std::fmt;

/// A value that this version of the crate does not know, kept exactly as StepPay sent it.
///
/// Every generated enum has a variant `Unrecognized(Unrecognized)`. It only ever holds values
/// that are *not* documented: parsing a documented value always gives its own variant, so two
/// equal values compare equal. There is no public constructor for that reason; use the enum's
/// `From<&str>` to build any value.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Unrecognized(Box<str>);

impl Unrecognized {
    /// Only the generated `From<&str>` impls call this, after every documented value failed to
    /// match.
    pub(crate) fn new(value: &str) -> Self {
        Self(value.into())
    }

    /// The value as StepPay sent it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Unrecognized {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for Unrecognized {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Implements `FromStr`, `Display`, `Serialize` and `Deserialize` for a generated open enum in
/// terms of its `as_str` and `From<&str>`.
macro_rules! impl_open_enum {
    ($name:ident) => {
        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Self, D::Error> {
                deserializer
                    .deserialize_str($crate::runtime::codec::StrVisitor::new(stringify!($name)))
            }
        }
    };
}

pub(crate) use impl_open_enum;
