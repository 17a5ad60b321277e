//! JSON as an order-keeping tree whose scalars are the text as written: `serde_json::Value`
//! sorts members and rewrites numbers (`1500.50` becomes `1500.5`), and a redacted body should
//! read like the one StepPay sent, but for what it hides.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};
use serde_json::value::RawValue;

/// A JSON value with the members of its objects in their order, and its scalars as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tree {
    Object(Vec<(String, Tree)>),
    Array(Vec<Tree>),
    /// A string, number, boolean or `null`, exactly as written in the text.
    Scalar(String),
}

/// The members of an object, in order, each with its raw value borrowed from the text.
struct Members<'a>(Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Members<'a> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MembersVisitor<'a>(std::marker::PhantomData<&'a ()>);

        impl<'de: 'a, 'a> Visitor<'de> for MembersVisitor<'a> {
            type Value = Members<'a>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members<'a>, A::Error> {
                let mut members = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, &'de RawValue>()? {
                    members.push((key, value));
                }
                Ok(Members(members))
            }
        }

        deserializer.deserialize_map(MembersVisitor(std::marker::PhantomData))
    }
}

/// What kind of JSON scalar a text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScalarKind {
    String,
    Number,
    Boolean,
    Null,
}

impl Tree {
    /// Reads one JSON value. serde_json's nesting limit (128) bounds the recursion: each level
    /// is parsed by serde_json before this function descends into it.
    pub(crate) fn parse(text: &str) -> Result<Self, serde_json::Error> {
        let trimmed = text.trim();
        match trimmed.as_bytes().first() {
            Some(b'{') => {
                let Members(members) = serde_json::from_str(trimmed)?;
                let members = members
                    .into_iter()
                    .map(|(key, raw)| Ok((key, Tree::parse(raw.get())?)))
                    .collect::<Result<_, serde_json::Error>>()?;
                Ok(Tree::Object(members))
            }
            Some(b'[') => {
                let items: Vec<&RawValue> = serde_json::from_str(trimmed)?;
                Ok(Tree::Array(
                    items
                        .into_iter()
                        .map(|raw| Tree::parse(raw.get()))
                        .collect::<Result<_, _>>()?,
                ))
            }
            _ => {
                // Checks that it is one JSON value, and keeps its text.
                let raw: &RawValue = serde_json::from_str(trimmed)?;
                Ok(Tree::Scalar(raw.get().to_owned()))
            }
        }
    }

    /// The kind of a scalar, from its first character (the text is valid JSON).
    pub(crate) fn scalar_kind(text: &str) -> ScalarKind {
        match text.as_bytes().first() {
            Some(b'"') => ScalarKind::String,
            Some(b't' | b'f') => ScalarKind::Boolean,
            Some(b'n') => ScalarKind::Null,
            _ => ScalarKind::Number,
        }
    }

    /// No whitespace between tokens.
    pub(crate) fn compact(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, None, 0);
        out
    }

    /// Two spaces per level, one member per line.
    pub(crate) fn pretty(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, Some(2), 0);
        out
    }

    fn write(&self, out: &mut String, indent: Option<usize>, depth: usize) {
        let (open, close, items): (char, char, Vec<(Option<&str>, &Tree)>) = match self {
            Tree::Scalar(text) => {
                out.push_str(text);
                return;
            }
            Tree::Object(members) => {
                ('{', '}', members.iter().map(|(k, v)| (Some(k.as_str()), v)).collect())
            }
            Tree::Array(items) => ('[', ']', items.iter().map(|v| (None, v)).collect()),
        };
        out.push(open);
        let newline = |out: &mut String, depth: usize| {
            if let Some(indent) = indent {
                out.push('\n');
                out.push_str(&" ".repeat(indent.saturating_mul(depth)));
            }
        };
        for (i, (key, value)) in items.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            newline(out, depth.saturating_add(1));
            if let Some(key) = key {
                // A key read from JSON always serializes.
                out.push_str(&serde_json::to_string(key).unwrap_or_default());
                out.push_str(if indent.is_some() { ": " } else { ":" });
            }
            value.write(out, indent, depth.saturating_add(1));
        }
        if !items.is_empty() {
            newline(out, depth);
        }
        out.push(close);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tree_keeps_order_and_scalars_as_written() {
        let text = "{\n \"z\": 1, \"a\": [ {\"p\": 2.50} ], \"b\": \"é\\n\", \"n\": null }";
        let tree = Tree::parse(text).expect("JSON");
        assert_eq!(tree.compact(), r#"{"z":1,"a":[{"p":2.50}],"b":"é\n","n":null}"#);
        assert_eq!(Tree::parse(&tree.pretty()).expect("JSON"), tree);
        assert!(tree.pretty().starts_with("{\n  \"z\": 1,\n  \"a\": [\n    {\n      \"p\": 2.50"));
        assert!(Tree::parse("{\"a\":").is_err() && Tree::parse("1 2").is_err());
    }
}
