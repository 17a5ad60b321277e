//! 순서를 지키는 JSON — JSON read as a tree that keeps what `serde_json::Value` loses: the
//! members of each object in the order they were written, and every scalar as its text
//! (feature `redact`).
//!
//! A body StepPay signed is bytes, and people compare what they are shown with those bytes.
//! `serde_json::Value` sorts the members and rewrites numbers (`1500.50` becomes `1500.5`), so
//! a body read into it no longer reads like the one that came. A [`JsonTree`] does: written
//! back [compactly](Layout::COMPACT), a compact body comes out byte for byte as it went in
//! (keys aside, which are written from their decoded text). It
//! is what [`redact`](crate::redact) hides personal data in ([`Redacted::tree`]), and what the
//! `steppay-webhooks` command prints bodies with.
//!
//! 객체의 멤버 순서와 숫자·문자열의 원래 표기를 그대로 지키는 JSON 트리입니다.
//! `serde_json::Value`와 달리 `1500.50`은 `1500.50`으로 남습니다.
//!
//! ```
//! use steppay_webhooks::json_tree::{JsonTree, Layout};
//!
//! let tree = JsonTree::parse(r#"{ "paidAmount": 1500.50, "currency": "KRW", "tags": [] }"#)?;
//! assert_eq!(tree.compact(), r#"{"paidAmount":1500.50,"currency":"KRW","tags":[]}"#);
//! assert_eq!(tree.get("paidAmount"), Some(&JsonTree::Scalar("1500.50".into())));
//! assert_eq!(tree.to_text(Layout::SPACED), r#"{"paidAmount": 1500.50, "currency": "KRW", "tags": []}"#);
//! # Ok::<(), serde_json::Error>(())
//! ```
//!
//! [`Redacted::tree`]: crate::redact::Redacted::tree

use std::fmt;

use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};
use serde_json::value::RawValue;

/// JSON 트리 — A JSON value with the members of its objects in their order, and its scalars as
/// written.
///
/// `Debug` shows the shape (keys, and the kind of each scalar) but no scalar's text: a tree of
/// a delivery's body holds personal data.
#[derive(Clone, PartialEq, Eq)]
pub enum JsonTree {
    /// 객체 — An object's members, in the order they were written (a repeated key stays
    /// repeated, as it was in the text).
    Object(Vec<(String, JsonTree)>),
    /// 배열 — An array's items.
    Array(Vec<JsonTree>),
    /// 스칼라 — A string, number, boolean or `null`, exactly as written in the text: a string
    /// with its quotes and escapes, a number with its digits (`1500.50`, `1e3`).
    Scalar(String),
}

/// 출력 형식 — How [`JsonTree::to_text`] lays the tree out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    indent: Option<usize>,
    comma: &'static str,
    colon: &'static str,
}

impl Layout {
    /// 한 줄 — No whitespace between tokens, as serde_json and most senders write.
    pub const COMPACT: Layout = Layout { indent: None, comma: ",", colon: ":" };

    /// 띄운 한 줄 — One line with a space after each `,` and `:`, as Python's `json.dumps`
    /// writes by default.
    pub const SPACED: Layout = Layout { indent: None, comma: ", ", colon: ": " };

    /// 들여쓰기 — `spaces` spaces per level, one member or item per line, `": "` after keys.
    pub const fn indented(spaces: usize) -> Layout {
        Layout { indent: Some(spaces), comma: ",", colon: ": " }
    }
}

impl JsonTree {
    /// 읽기 — Reads one JSON value; an error when `text` is not exactly one (whitespace around
    /// it aside).
    ///
    /// serde_json's nesting limit (128 levels) bounds the recursion: each level is parsed by
    /// serde_json before this function descends into it.
    pub fn parse(text: &str) -> Result<Self, serde_json::Error> {
        let trimmed = text.trim();
        match trimmed.as_bytes().first() {
            Some(b'{') => Ok(JsonTree::Object(
                object_members(trimmed)?
                    .into_iter()
                    .map(|(key, raw)| Ok((key, JsonTree::parse(raw)?)))
                    .collect::<Result<_, serde_json::Error>>()?,
            )),
            Some(b'[') => {
                let items: Vec<&RawValue> = serde_json::from_str(trimmed)?;
                Ok(JsonTree::Array(
                    items
                        .into_iter()
                        .map(|raw| JsonTree::parse(raw.get()))
                        .collect::<Result<_, _>>()?,
                ))
            }
            _ => {
                // Checks that it is one JSON value, and keeps its text.
                let raw: &RawValue = serde_json::from_str(trimmed)?;
                Ok(JsonTree::Scalar(raw.get().to_owned()))
            }
        }
    }

    /// 멤버 — The value of the first member named `key`, when this is an object that has one.
    pub fn get(&self, key: &str) -> Option<&JsonTree> {
        match self {
            JsonTree::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// 한 줄 JSON — The JSON text with no whitespace between tokens ([`Layout::COMPACT`]).
    pub fn compact(&self) -> String {
        self.to_text(Layout::COMPACT)
    }

    /// 들여쓴 JSON — The JSON text indented by two spaces, one member per line.
    pub fn pretty(&self) -> String {
        self.to_text(Layout::indented(2))
    }

    /// JSON 텍스트 — The JSON text in `layout`. Keys are written from their decoded text, as
    /// serde_json writes a string; scalars exactly as they were read.
    pub fn to_text(&self, layout: Layout) -> String {
        let mut out = String::new();
        self.write(&mut out, layout, 0);
        out
    }

    fn write(&self, out: &mut String, layout: Layout, depth: usize) {
        let (open, close, items): (char, char, Vec<(Option<&str>, &JsonTree)>) = match self {
            JsonTree::Scalar(text) => {
                out.push_str(text);
                return;
            }
            JsonTree::Object(members) => {
                ('{', '}', members.iter().map(|(k, v)| (Some(k.as_str()), v)).collect())
            }
            JsonTree::Array(items) => ('[', ']', items.iter().map(|v| (None, v)).collect()),
        };
        out.push(open);
        let newline = |out: &mut String, depth: usize| {
            if let Some(indent) = layout.indent {
                out.push('\n');
                out.push_str(&" ".repeat(indent.saturating_mul(depth)));
            }
        };
        for (i, (key, value)) in items.iter().enumerate() {
            if i > 0 {
                out.push_str(layout.comma);
            }
            newline(out, depth.saturating_add(1));
            if let Some(key) = key {
                // A key read from JSON always serializes.
                out.push_str(&serde_json::to_string(key).unwrap_or_default());
                out.push_str(layout.colon);
            }
            value.write(out, layout, depth.saturating_add(1));
        }
        if !items.is_empty() {
            newline(out, depth);
        }
        out.push(close);
    }
}

impl fmt::Debug for JsonTree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JsonTree::Object(members) => {
                f.debug_map().entries(members.iter().map(|(k, v)| (k, v))).finish()
            }
            JsonTree::Array(items) => f.debug_list().entries(items).finish(),
            JsonTree::Scalar(text) => f.write_str(match text.as_bytes().first() {
                Some(b'"') => "<string>",
                Some(b't' | b'f') => "<boolean>",
                Some(b'n') => "null",
                _ => "<number>",
            }),
        }
    }
}

/// 객체 멤버 — The members of the JSON object `text`, in order, each value as its text borrowed
/// from `text` (so that its place in `text` is known); an error when `text` is not one JSON
/// object.
///
/// ```
/// use steppay_webhooks::json_tree::object_members;
///
/// let text = r#"{"event": "payment.completed", "data": {"paidAmount": 1500.50}}"#;
/// let members = object_members(text)?;
/// assert_eq!(members[1], ("data".to_owned(), r#"{"paidAmount": 1500.50}"#));
/// assert!(object_members("[1]").is_err());
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn object_members(text: &str) -> Result<Vec<(String, &str)>, serde_json::Error> {
    let Members(members) = serde_json::from_str(text)?;
    Ok(members.into_iter().map(|(key, raw)| (key, raw.get())).collect())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tree_keeps_order_and_scalars_as_written() {
        let text = "{\n \"z\": 1, \"a\": [ {\"p\": 2.50} ], \"b\": \"é\\n\", \"n\": null }";
        let tree = JsonTree::parse(text).expect("JSON");
        assert_eq!(tree.compact(), r#"{"z":1,"a":[{"p":2.50}],"b":"é\n","n":null}"#);
        assert_eq!(
            tree.to_text(Layout::SPACED),
            r#"{"z": 1, "a": [{"p": 2.50}], "b": "é\n", "n": null}"#
        );
        assert_eq!(JsonTree::parse(&tree.pretty()).expect("JSON"), tree);
        assert!(tree.pretty().starts_with("{\n  \"z\": 1,\n  \"a\": [\n    {\n      \"p\": 2.50"));
        assert!(
            tree.to_text(Layout::indented(4))
                .starts_with("{\n    \"z\": 1,\n    \"a\": [\n        {")
        );
        assert_eq!(JsonTree::parse("[]").expect("JSON").pretty(), "[]");
        assert_eq!(
            tree.get("a"),
            Some(&JsonTree::Array(vec![JsonTree::parse(r#"{"p":2.50}"#).expect("JSON")]))
        );
        assert_eq!(tree.get("missing"), None);
    }

    #[test]
    fn what_is_not_one_json_value_is_an_error() {
        for bad in ["{\"a\":", "1 2", "", "{\"a\": 1} x", "[1,]", "nul"] {
            assert!(JsonTree::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn debug_shows_the_shape_but_no_scalar() {
        let tree = JsonTree::parse(
            r#"{"name":"Hong Gildong","age":41,"vip":true,"memo":null,"tags":["x"]}"#,
        )
        .expect("JSON");
        let debug = format!("{tree:?}");
        assert_eq!(
            debug,
            r#"{"name": <string>, "age": <number>, "vip": <boolean>, "memo": null, "tags": [<string>]}"#
        );
    }
}
