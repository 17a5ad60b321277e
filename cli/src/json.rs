//! JSON as text: paths such as `data.items[0].price`, edits that change only the bytes of the
//! value they touch, and the library's order-keeping [`JsonTree`] re-serialised the ways other
//! tools write a body.
//!
//! Every value is located by its text borrowed from the body: its position in the text is its
//! span, so an edit splices the text and leaves every other byte as it was.

use std::fmt::{self, Write as _};

use serde_json::value::RawValue;
use steppay_webhooks::json_tree::{JsonTree, object_members};

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    Key(String),
    Index(usize),
}

/// A path into a body, e.g. `data.items[0].price`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Path(pub(crate) Vec<Step>);

impl Path {
    /// Parses `a.b[0].c`. Keys are any characters but `.`, `[` and `]`.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let mut steps = Vec::new();
        for part in text.split('.') {
            let (key, mut rest) = part.split_once('[').map_or((part, ""), |(k, r)| (k, r));
            if key.is_empty() {
                return Err(format!("`{text}` has an empty step"));
            }
            if key.contains(']') {
                return Err(format!("`{text}` has a `]` with no `[`"));
            }
            steps.push(Step::Key(key.to_owned()));
            while !rest.is_empty() {
                let Some((index, after)) = rest.split_once(']') else {
                    return Err(format!("`{text}` has a `[` with no `]`"));
                };
                let index = index
                    .parse()
                    .map_err(|_| format!("`[{index}]` in `{text}` is not a list index"))?;
                steps.push(Step::Index(index));
                rest = match after.strip_prefix('[') {
                    Some(next) => next,
                    None if after.is_empty() => "",
                    None => return Err(format!("`{text}` has `{after}` after `]`")),
                };
            }
        }
        Ok(Self(steps))
    }

    /// The path of the first `len` steps, as text.
    pub(crate) fn prefix(&self, len: usize) -> Path {
        Path(self.0.iter().take(len).cloned().collect())
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                Step::Key(key) if i == 0 => f.write_str(key)?,
                Step::Key(key) => write!(f, ".{key}")?,
                Step::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// Where `part` (a slice of `text`) starts in `text`.
fn offset(text: &str, part: &str) -> usize {
    part.as_ptr().addr().saturating_sub(text.as_ptr().addr())
}

/// A byte range of the text.
type Span = std::ops::Range<usize>;

/// What is at the end of a path that does not lead to a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Missing {
    /// The key is not in the object at the path before it (which exists).
    Key { object: Span },
    /// A step before the last one leads nowhere: the path up to it, and why.
    Before(Path, &'static str),
}

/// The span of the value at `path` in `text` (a JSON document), or what is missing.
pub(crate) fn find(text: &str, path: &Path) -> Result<Span, Missing> {
    let start = text.len() - text.trim_start().len();
    let mut span = start..text.trim_end().len();
    for (i, step) in path.0.iter().enumerate() {
        let here = text.get(span.clone()).unwrap_or_default();
        let last = i + 1 == path.0.len();
        match step {
            Step::Key(key) => {
                let Ok(members) = object_members(here) else {
                    return Err(Missing::Before(path.prefix(i), "is not an object"));
                };
                match members.iter().find(|(k, _)| k == key) {
                    Some((_, raw)) => {
                        let at = offset(text, raw);
                        span = at..at + raw.len();
                    }
                    None if last => return Err(Missing::Key { object: span }),
                    None => return Err(Missing::Before(path.prefix(i + 1), "is absent")),
                }
            }
            Step::Index(index) => {
                let Ok(items) = serde_json::from_str::<Vec<&RawValue>>(here) else {
                    return Err(Missing::Before(path.prefix(i), "is not a list"));
                };
                let Some(raw) = items.get(*index) else {
                    return Err(Missing::Before(path.prefix(i + 1), "is past the end of the list"));
                };
                let at = offset(text, raw.get());
                span = at..at + raw.get().len();
            }
        }
    }
    Ok(span)
}

/// `text` with `span` replaced by `with`.
pub(crate) fn splice(text: &str, span: Span, with: &str) -> String {
    let mut out = String::with_capacity(text.len() + with.len());
    out.push_str(text.get(..span.start).unwrap_or_default());
    out.push_str(with);
    out.push_str(text.get(span.end..).unwrap_or_default());
    out
}

/// `text` with the member `key: value` added at the end of the object at `object`.
pub(crate) fn insert_member(text: &str, object: Span, key: &str, value: &str) -> String {
    let inner = text.get(object.clone()).unwrap_or_default();
    let key = serde_json::to_string(key).unwrap_or_default();
    let members = object_members(inner).unwrap_or_default();
    match members.last() {
        Some((_, raw)) => {
            let end = offset(text, raw) + raw.len();
            splice(text, end..end, &format!(",{key}:{value}"))
        }
        None => {
            let at = object.start + 1;
            splice(text, at..at, &format!("{key}:{value}"))
        }
    }
}

/// `text` with the member `key` of the object at `object` removed, with its comma.
pub(crate) fn remove_member(text: &str, object: Span, key: &str) -> String {
    let inner = text.get(object.clone()).unwrap_or_default();
    let members = object_members(inner).unwrap_or_default();
    let Some(i) = members.iter().position(|(k, _)| k == key) else { return text.to_owned() };
    let end_of = |j: usize| {
        members.get(j).map_or(object.start + 1, |(_, raw)| offset(text, raw) + raw.len())
    };
    if i > 0 {
        // From the end of the member before it to the end of this one: `, "key": value`.
        splice(text, end_of(i - 1)..end_of(i), "")
    } else if members.len() > 1 {
        // The first of several: from after `{` to after the comma that follows it.
        let after = text.get(end_of(0)..).unwrap_or_default();
        let comma = after.find(',').map_or(end_of(0), |at| end_of(0) + at + 1);
        splice(text, object.start + 1..comma, "")
    } else {
        splice(text, object.start + 1..end_of(0), "")
    }
}

/// `tree` with every object's members sorted by key.
#[cfg(test)]
pub(crate) fn sorted(tree: &JsonTree) -> JsonTree {
    match tree {
        JsonTree::Object(members) => {
            let mut members: Vec<(String, JsonTree)> =
                members.iter().map(|(k, v)| (k.clone(), sorted(v))).collect();
            members.sort_by(|a, b| a.0.cmp(&b.0));
            JsonTree::Object(members)
        }
        JsonTree::Array(items) => JsonTree::Array(items.iter().map(sorted).collect()),
        JsonTree::Scalar(text) => JsonTree::Scalar(text.clone()),
    }
}

/// `tree` with the non-ASCII characters of its strings escaped as `\uXXXX`, as Python's
/// `json.dumps` writes them by default. Keys are written from their decoded text (StepPay's are
/// ASCII).
pub(crate) fn ascii_escaped(tree: &JsonTree) -> JsonTree {
    map_strings(tree, &escape_non_ascii)
}

/// `tree` with the escapes of its strings decoded where JSON allows the character itself
/// (`\u00e9` becomes `é`), as most JSON writers other than Python's write them.
pub(crate) fn unescaped(tree: &JsonTree) -> JsonTree {
    map_strings(tree, &|text| {
        let decoded = serde_json::from_str::<String>(text).ok();
        decoded.and_then(|s| serde_json::to_string(&s).ok()).unwrap_or_else(|| text.to_owned())
    })
}

/// `tree` with each string scalar (as written, quotes included) replaced by `f`'s.
fn map_strings(tree: &JsonTree, f: &impl Fn(&str) -> String) -> JsonTree {
    match tree {
        JsonTree::Object(members) => {
            JsonTree::Object(members.iter().map(|(k, v)| (k.clone(), map_strings(v, f))).collect())
        }
        JsonTree::Array(items) => {
            JsonTree::Array(items.iter().map(|v| map_strings(v, f)).collect())
        }
        JsonTree::Scalar(text) if text.starts_with('"') => JsonTree::Scalar(f(text)),
        JsonTree::Scalar(text) => JsonTree::Scalar(text.clone()),
    }
}

/// `text` (a JSON string literal or a key) with each non-ASCII character written as `\uXXXX`
/// (two escapes for a character outside the Basic Multilingual Plane).
fn escape_non_ascii(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = "{\n  \"event\": \"x\",\n  \"data\": {\n    \"a\": 1,\n    \"items\": [ {\"p\": 2.50} ],\n    \"b\": \"é\"\n  }\n}\n";

    fn path(text: &str) -> Path {
        Path::parse(text).expect("a path")
    }

    #[test]
    fn paths_parse_and_print() {
        assert_eq!(
            path("data.items[0].price").0,
            vec![
                Step::Key("data".into()),
                Step::Key("items".into()),
                Step::Index(0),
                Step::Key("price".into())
            ]
        );
        assert_eq!(path("data.items[0].price").to_string(), "data.items[0].price");
        for bad in ["", "data..a", "data.items[x]", "data.items[0", "data.a]"] {
            assert!(Path::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_set_changes_only_the_bytes_of_its_value() {
        let span = find(BODY, &path("data.items[0].p")).expect("found");
        assert_eq!(&BODY[span.clone()], "2.50");
        let edited = splice(BODY, span, "3");
        assert_eq!(edited, BODY.replace("2.50", "3"));
    }

    #[test]
    fn members_are_added_and_removed_with_their_commas() {
        let Err(Missing::Key { object }) = find(BODY, &path("data.c")) else { panic!("missing") };
        let added = insert_member(BODY, object, "c", "true");
        assert!(added.contains("\"b\": \"é\",\"c\":true\n"), "{added}");
        for key in ["a", "items", "b"] {
            let object = find(BODY, &path("data")).expect("data");
            let removed = remove_member(BODY, object, key);
            let tree = JsonTree::parse(&removed).expect("still JSON");
            assert!(tree.get("data").expect("data").get(key).is_none(), "{removed}");
            assert_eq!(
                tree.get("data").map(|d| match d {
                    JsonTree::Object(m) => m.len(),
                    _ => 0,
                }),
                Some(2)
            );
        }
        assert_eq!(
            find(BODY, &path("data.items[3]")),
            Err(Missing::Before(path("data.items[3]"), "is past the end of the list"))
        );
        assert_eq!(
            find(BODY, &path("data.x.y")),
            Err(Missing::Before(path("data.x"), "is absent"))
        );
    }

    #[test]
    fn a_tree_is_rewritten_the_ways_other_tools_write_json() {
        let tree = JsonTree::parse(BODY).expect("JSON");
        assert_eq!(
            sorted(&tree).compact(),
            r#"{"data":{"a":1,"b":"é","items":[{"p":2.50}]},"event":"x"}"#
        );
        let escaped = ascii_escaped(&tree);
        assert_eq!(
            escaped.compact(),
            r#"{"event":"x","data":{"a":1,"items":[{"p":2.50}],"b":"\u00e9"}}"#
        );
        assert_eq!(unescaped(&escaped), tree);
        assert_eq!(
            ascii_escaped(&JsonTree::Scalar("\"😀\"".into())),
            JsonTree::Scalar(r#""\ud83d\ude00""#.into())
        );
    }
}
