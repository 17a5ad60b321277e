//! A small YAML writer for the AsyncAPI document: block style, keys in the order they were added,
//! and every string that another YAML reader could take for anything but a string quoted.
//!
//! serde_json's maps are sorted by key and serde_yaml leaves strings such as
//! `2025-03-04T05:22:10` bare, which a YAML 1.1 reader (js-yaml, for one) reads as a date; so
//! the document is built as a [`Node`] tree and written here. A string is left bare only when it
//! starts with a letter and holds nothing but letters, digits, spaces and a few punctuation
//! marks, and is not a word such as `null` or `yes`; anything else is double-quoted with
//! JSON-style escapes, which YAML reads the same way.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, MapAccess, SeqAccess, Visitor};

/// The widest line, in characters, that a flow sequence may make, its indentation and key
/// included (`    type: [string, "null"]`); a longer one is written as a block.
const FLOW_WIDTH: usize = 100;

/// Words that some YAML reader takes for a boolean or null, compared without case.
const KEYWORDS: &[&str] = &["true", "false", "null", "yes", "no", "on", "off", "y", "n"];

/// A YAML value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Null,
    Bool(bool),
    /// A number, as JSON writes it.
    Number(String),
    Str(String),
    Seq(Vec<Node>),
    Map(Map),
}

/// A mapping whose keys keep the order in which they were added.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Map(Vec<(String, Node)>);

impl Map {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Adds `key`, builder style.
    pub(crate) fn with(mut self, key: impl Into<String>, value: impl Into<Node>) -> Self {
        self.insert(key, value);
        self
    }

    /// Adds `key` when there is a value.
    pub(crate) fn with_some(self, key: impl Into<String>, value: Option<impl Into<Node>>) -> Self {
        match value {
            Some(value) => self.with(key, value),
            None => self,
        }
    }

    /// Adds `key`, or replaces its value where it already is.
    pub(crate) fn insert(&mut self, key: impl Into<String>, value: impl Into<Node>) {
        let (key, value) = (key.into(), value.into());
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some((_, existing)) => *existing = value,
            None => self.0.push((key, value)),
        }
    }

    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<&str> for Node {
    fn from(value: &str) -> Self {
        Node::Str(value.to_owned())
    }
}

impl From<String> for Node {
    fn from(value: String) -> Self {
        Node::Str(value)
    }
}

impl From<bool> for Node {
    fn from(value: bool) -> Self {
        Node::Bool(value)
    }
}

impl From<Map> for Node {
    fn from(value: Map) -> Self {
        Node::Map(value)
    }
}

impl<T: Into<Node>> From<Vec<T>> for Node {
    fn from(value: Vec<T>) -> Self {
        Node::Seq(value.into_iter().map(Into::into).collect())
    }
}

/// The document: a mapping at the top level, each line ending in LF.
pub(crate) fn to_string(document: &Map) -> String {
    let mut out = String::new();
    write_map(&mut out, document, 0, false);
    out
}

/// Writes `map`'s entries at `indent`; with `inline`, the first one continues the current line
/// (after a sequence's `- `).
fn write_map(out: &mut String, map: &Map, indent: usize, inline: bool) {
    for (i, (key, value)) in map.0.iter().enumerate() {
        if i > 0 || !inline {
            push_indent(out, indent);
        }
        out.push_str(&scalar(key, false));
        out.push(':');
        write_value(out, value, indent);
    }
}

/// Writes the value of a key (or of a `-` item) whose line is open at `indent`.
fn write_value(out: &mut String, value: &Node, indent: usize) {
    match value {
        Node::Map(map) if map.is_empty() => out.push_str(" {}\n"),
        Node::Map(map) => {
            out.push('\n');
            write_map(out, map, indent + 2, false);
        }
        Node::Seq(items) if items.is_empty() => out.push_str(" []\n"),
        Node::Seq(items) => match flow(items) {
            Some(line) if line_width(out) + 1 + line.chars().count() <= FLOW_WIDTH => {
                out.push(' ');
                out.push_str(&line);
                out.push('\n');
            }
            _ => {
                out.push('\n');
                write_seq(out, items, indent + 2);
            }
        },
        Node::Str(text) if literal_block(text) => {
            let chomping = match text.len() - text.trim_end_matches('\n').len() {
                0 => "-",
                1 => "",
                _ => "+",
            };
            out.push_str(" |");
            out.push_str(chomping);
            out.push('\n');
            for line in text.strip_suffix('\n').unwrap_or(text).split('\n') {
                if !line.is_empty() {
                    push_indent(out, indent + 2);
                    out.push_str(line);
                }
                out.push('\n');
            }
        }
        scalar_node => {
            out.push(' ');
            out.push_str(&scalar_text(scalar_node, false));
            out.push('\n');
        }
    }
}

fn write_seq(out: &mut String, items: &[Node], indent: usize) {
    for item in items {
        push_indent(out, indent);
        out.push('-');
        match item {
            Node::Map(map) if !map.is_empty() => {
                out.push(' ');
                write_map(out, map, indent + 2, true);
            }
            other => write_value(out, other, indent),
        }
    }
}

/// `[a, b]` for a sequence of scalars on one line.
fn flow(items: &[Node]) -> Option<String> {
    let mut parts = Vec::new();
    for item in items {
        match item {
            Node::Map(_) | Node::Seq(_) => return None,
            Node::Str(text) if text.contains('\n') => return None,
            scalar_node => parts.push(scalar_text(scalar_node, true)),
        }
    }
    Some(format!("[{}]", parts.join(", ")))
}

/// How many characters the line being written has so far.
fn line_width(out: &str) -> usize {
    out.rsplit('\n').next().map_or(0, |line| line.chars().count())
}

fn push_indent(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

fn scalar_text(node: &Node, in_flow: bool) -> String {
    match node {
        Node::Null => "null".to_owned(),
        Node::Bool(value) => value.to_string(),
        Node::Number(number) => number.clone(),
        Node::Str(text) => scalar(text, in_flow),
        Node::Seq(_) | Node::Map(_) => String::new(),
    }
}

/// A string as a bare word when every YAML reader takes it for that string, else double-quoted.
fn scalar(text: &str, in_flow: bool) -> String {
    let starts_well = text.chars().next().is_some_and(|c| c.is_alphabetic() || c == '$');
    let safe =
        |c: char| c.is_alphanumeric() || " ._-/()·—+'$".contains(c) || (c == ',' && !in_flow);
    // A colon is plain text unless a space or the end follows it (`key: value`); in a flow
    // sequence, leave it quoted.
    let colons_fine = !in_flow && !text.ends_with(':') && !text.contains(": ");
    let bare = starts_well
        && !text.ends_with(' ')
        && text.chars().all(|c| safe(c) || (c == ':' && colons_fine))
        && !KEYWORDS.iter().any(|word| text.eq_ignore_ascii_case(word));
    if bare { text.to_owned() } else { quoted(text) }
}

/// A `|` block keeps a multi-line text readable: every character printable, no line with
/// leading or trailing blanks that a reader would need to see (the first line's would also be
/// taken for indentation).
fn literal_block(text: &str) -> bool {
    text.contains('\n')
        && text.chars().all(|c| c == '\n' || (c != '\t' && printable(c)))
        && text.split('\n').all(|line| line.trim_end() == line)
        && !text.starts_with(' ')
}

/// YAML's double-quoted style, with escapes for what YAML does not allow raw.
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if printable(c) => out.push(c),
            c if u32::from(c) <= 0xFFFF => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push_str(&format!("\\U{:08X}", u32::from(c))),
        }
    }
    out.push('"');
    out
}

/// YAML's `c-printable`, less the byte-order mark and the characters YAML 1.1 readers take
/// for line breaks (NEL, LS, PS).
fn printable(c: char) -> bool {
    matches!(c, ' '..='~' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
        && !matches!(c, '\u{FEFF}' | '\u{2028}' | '\u{2029}')
}

/// Reads JSON text into a tree, keeping the order of its keys.
impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_bool<E>(self, value: bool) -> Result<Node, E> {
        Ok(Node::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Node, E> {
        Ok(Node::Number(value.to_string()))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Node, E> {
        Ok(Node::Number(value.to_string()))
    }

    /// The shortest text that reads back as the same `f64`, which is what a JavaScript reader of
    /// the example's JSON gets too.
    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Node, E> {
        let number = serde_json::Number::from_f64(value)
            .ok_or_else(|| E::custom("a number that is not finite"))?;
        Ok(Node::Number(number.to_string()))
    }

    fn visit_str<E>(self, value: &str) -> Result<Node, E> {
        Ok(Node::Str(value.to_owned()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Node, A::Error> {
        let mut map = Map::new();
        while let Some((key, value)) = access.next_entry::<String, Node>()? {
            map.insert(key, value);
        }
        Ok(Node::Map(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What serde_yaml reads back, as JSON, to compare with what was meant.
    fn read_back(text: &str) -> serde_json::Value {
        serde_yaml::from_str(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
    }

    #[test]
    fn strings_that_could_read_as_something_else_are_quoted_and_read_back_unchanged() {
        let awkward = [
            "plain words",
            "결제 — A payment",
            "2025-03-04T05:22:10",
            "3.0.0",
            "null",
            "Yes",
            "off",
            "~",
            "",
            " leading",
            "trailing ",
            "#/components/schemas/Payment",
            "key: value",
            "key:",
            "https://example.com:8443/a",
            "a:b",
            "a # comment?",
            "- dash",
            "{host}",
            "[list]",
            "'single'",
            "\"double\"",
            "back\\slash",
            "tab\there",
            "bell\u{7}",
            "del\u{7F}",
            "c1\u{85}\u{86}",
            "line\u{2028}separator",
            "bom\u{FEFF}",
            "emoji 😀",
            "`code`",
            "@at",
            "%percent",
            "&anchor",
            "*alias",
            "!tag",
            "|pipe",
            ">fold",
            "?question",
            "a, b",
            "0x1F",
            "1e3",
            ".inf",
            "one\ntwo",
            "one\ntwo\n",
            "one\n\ntwo\n\n",
            " indented\nsecond",
            "trailing blank \nsecond",
            "\nstarts with a newline",
        ];
        let mut map = Map::new();
        let mut in_flow = Vec::new();
        for (i, text) in awkward.iter().enumerate() {
            map.insert(*text, *text);
            map.insert(format!("k{i}"), Map::new().with("nested", *text));
            in_flow.push(Node::from(*text));
        }
        map.insert("flow", Node::Seq(in_flow));
        let text = to_string(&map);
        let back = read_back(&text);
        for (i, expected) in awkward.iter().enumerate() {
            assert_eq!(back[*expected], serde_json::json!(expected), "{expected:?} in\n{text}");
            assert_eq!(back[format!("k{i}")]["nested"], serde_json::json!(expected), "{text}");
            assert_eq!(back["flow"][i], serde_json::json!(expected), "{text}");
        }
    }

    #[test]
    fn keys_keep_their_order_and_json_reads_back_the_same() {
        let json = r#"{"z": 1, "a": [1.5, 10000.0, -2, true, null, {"b": "x", "a": []}], "m": {}, "s": [[1], []]}"#;
        let node: Node = serde_json::from_str(json).expect("JSON");
        let Node::Map(map) = &node else { panic!("a map") };
        let text = to_string(map);
        assert!(text.starts_with("z: 1\na:\n"), "{text}");
        assert!(text.contains("  - 10000.0\n"), "{text}");
        assert_eq!(
            read_back(&text),
            serde_json::from_str::<serde_json::Value>(json).expect("JSON")
        );
    }

    #[test]
    fn a_flow_sequence_keeps_its_whole_line_within_the_width_in_characters() {
        let items = vec!["abcdefghij"; 4];
        // `[abcdefghij, abcdefghij, abcdefghij, abcdefghij]` is 48 characters: with a key of 50
        // and `: `, the line is exactly 100.
        let fits = to_string(&Map::new().with("k".repeat(50), items.clone()));
        assert_eq!(fits.lines().count(), 1, "{fits}");
        assert_eq!(fits.trim_end().chars().count(), FLOW_WIDTH);
        let too_wide = to_string(&Map::new().with("k".repeat(51), items.clone()));
        assert_eq!(too_wide.lines().count(), 5, "{too_wide}");
        // Nested: the indentation counts too.
        let nested = to_string(&Map::new().with("n", Map::new().with("k".repeat(49), items)));
        assert_eq!(nested.lines().count(), 6, "{nested}");
        // Hangul is three bytes a character, one character wide: 53 characters, 113 bytes.
        let korean = to_string(&Map::new().with("t", vec!["가나다"; 10]));
        assert_eq!(korean.lines().count(), 1, "{korean}");
        assert!(korean.len() > FLOW_WIDTH);
    }

    #[test]
    fn layout() {
        let map = Map::new()
            .with("type", vec!["string", "null"])
            .with("required", vec!["a"; 40])
            .with(
                "items",
                vec![Map::new().with("name", "x").with("payload", Map::new().with("id", "1"))],
            )
            .with("text", "line one\nline two\n");
        let expected = "\
type: [string, \"null\"]
required:
  - a
"
        .to_owned()
            + &"  - a\n".repeat(39)
            + "\
items:
  - name: x
    payload:
      id: \"1\"
text: |
  line one
  line two
";
        assert_eq!(to_string(&map), expected);
    }
}
