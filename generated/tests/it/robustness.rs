//! Mutated deliveries never panic the parser: each gives a valid value or a typed error, and the
//! error says where the body went wrong.
//!
//! Property tests over every example in `schema/examples/`: one mutation each (a value of
//! another JSON type, a deleted or duplicated key, a huge number, deep nesting, a truncated body,
//! a byte that is not UTF-8), read through [`Webhook::from_slice`] and through serde. The fuzz
//! target `generated/fuzz/fuzz_targets/body.rs` goes further, without the examples' shape.

use std::fmt::Write as _;
use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::sample::Index;
use serde::Deserialize;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use steppay_webhooks::{ParseError, ParseErrorKind, Webhook};

/// A JSON document that keeps the order of keys, allows duplicate keys, and can hold any raw
/// text (a number too large for `f64`, nesting deeper than serde_json reads), so that it can
/// express the mutations `serde_json::Value` cannot.
#[derive(Debug, Clone)]
enum Node {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Array(Vec<Node>),
    Object(Vec<(String, Node)>),
    Raw(String),
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NodeVisitor;

        impl<'de> Visitor<'de> for NodeVisitor {
            type Value = Node;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("JSON")
            }

            fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
                Ok(Node::Null)
            }

            fn visit_bool<E: de::Error>(self, value: bool) -> Result<Node, E> {
                Ok(Node::Bool(value))
            }

            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Node, E> {
                Ok(Node::Number(value.to_string()))
            }

            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Node, E> {
                Ok(Node::Number(value.to_string()))
            }

            fn visit_f64<E: de::Error>(self, value: f64) -> Result<Node, E> {
                Ok(Node::Number(serde_json::Number::from_f64(value).expect("finite").to_string()))
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<Node, E> {
                Ok(Node::String(value.to_owned()))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Node::Array(items))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry()? {
                    members.push(member);
                }
                Ok(Node::Object(members))
            }
        }

        deserializer.deserialize_any(NodeVisitor)
    }
}

impl Node {
    fn write(&self, out: &mut String) {
        match self {
            Node::Null => out.push_str("null"),
            Node::Bool(value) => out.push_str(if *value { "true" } else { "false" }),
            Node::Number(text) | Node::Raw(text) => out.push_str(text),
            Node::String(text) => out.push_str(&serde_json::to_string(text).expect("a string")),
            Node::Array(items) => {
                out.push('[');
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Node::Object(members) => {
                out.push('{');
                for (index, (key, value)) in members.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::to_string(key).expect("a string"));
                    out.push(':');
                    value.write(out);
                }
                out.push('}');
            }
        }
    }

    fn text(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    /// The path of every value below this one, in document order.
    fn paths(&self) -> Vec<Vec<Step>> {
        let mut found = Vec::new();
        let mut stack = vec![(Vec::new(), self)];
        while let Some((path, node)) = stack.pop() {
            let children: Vec<(Step, &Node)> = match node {
                Node::Array(items) => {
                    items.iter().enumerate().map(|(i, n)| (Step::Index(i), n)).collect()
                }
                Node::Object(members) => {
                    members.iter().map(|(k, n)| (Step::Key(k.clone()), n)).collect()
                }
                _ => Vec::new(),
            };
            for (step, child) in children.into_iter().rev() {
                let mut child_path = path.clone();
                child_path.push(step);
                found.push(child_path.clone());
                stack.push((child_path, child));
            }
        }
        found
    }

    fn at_mut(&mut self, path: &[Step]) -> &mut Node {
        path.iter().fold(self, |node, step| match (node, step) {
            (Node::Array(items), Step::Index(i)) => &mut items[*i],
            (Node::Object(members), Step::Key(key)) => {
                &mut members.iter_mut().find(|(k, _)| k == key).expect("the key").1
            }
            _ => panic!("the path leads into a scalar"),
        })
    }

    fn at(&self, path: &[Step]) -> &Node {
        path.iter().fold(self, |node, step| match (node, step) {
            (Node::Array(items), Step::Index(i)) => &items[*i],
            (Node::Object(members), Step::Key(key)) => {
                &members.iter().find(|(k, _)| k == key).expect("the key").1
            }
            _ => panic!("the path leads into a scalar"),
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

/// A path as [`ParseError::path`] writes it: `data.items[0].paidAmount`, `.` for the body.
fn path_text(path: &[Step]) -> String {
    let mut text = String::new();
    for step in path {
        match step {
            Step::Key(key) if text.is_empty() => text.push_str(key),
            Step::Key(key) => write!(text, ".{key}").expect("write"),
            Step::Index(index) => write!(text, "[{index}]").expect("write"),
        }
    }
    if text.is_empty() { ".".to_owned() } else { text }
}

/// Whether `error_path` is `path` or inside the value there (a struct read from an array fails
/// at its first element, say).
fn is_at_or_in(error_path: &str, path: &[Step]) -> bool {
    let path = path_text(path);
    error_path
        .strip_prefix(&path)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.') || rest.starts_with('['))
}

/// Every example, parsed into [`Node`]s once.
fn examples() -> &'static [(String, Node)] {
    static EXAMPLES: OnceLock<Vec<(String, Node)>> = OnceLock::new();
    EXAMPLES.get_or_init(|| {
        super::examples()
            .into_iter()
            .map(|(name, bytes)| {
                let node = serde_json::from_slice(&bytes).expect("every example is JSON");
                (name, node)
            })
            .collect()
    })
}

/// A value of another JSON type than `node`.
fn other_type(node: &Node, pick: usize) -> Node {
    let candidates = [
        Node::Null,
        Node::Bool(true),
        Node::Number("7".to_owned()),
        Node::Number("-1.5".to_owned()),
        Node::String("2023-07-07T01:35:42".to_owned()),
        Node::String(String::new()),
        Node::Array(vec![Node::Number("1".to_owned())]),
        Node::Object(vec![("id".to_owned(), Node::Number("1".to_owned()))]),
    ];
    let same = |candidate: &Node| {
        std::mem::discriminant(candidate) == std::mem::discriminant(node)
            || matches!((candidate, node), (Node::Number(a), Node::Number(b)) if a.contains('.') == b.contains('.'))
    };
    let others: Vec<&Node> = candidates.iter().filter(|c| !same(c)).collect();
    others[pick % others.len()].clone()
}

const HUGE_NUMBERS: &[&str] = &[
    "1e400",
    "-1e400",
    "123456789012345678901234567890",
    "18446744073709551616",
    "9223372036854775808",
    "-9223372036854775809",
    "2147483648",
    "1e-400",
    "0.1234567890123456789012345678901234567890",
    "79228162514264337593543950336",
    "-0",
];

/// Parses `body` through `Webhook::from_slice` and through serde, checks that they agree and
/// that what they give is sound, and returns the typed result.
fn parse(body: &[u8]) -> Result<Result<Webhook, ParseError>, TestCaseError> {
    let parsed = Webhook::from_slice(body);
    let through_serde = serde_json::from_slice::<Webhook>(body);
    match (&parsed, &through_serde) {
        (Ok(webhook), Ok(same)) => {
            prop_assert_eq!(webhook, same);
            // A value that parsed writes back out and parses to itself.
            let written = serde_json::to_vec(webhook).expect("a parsed webhook serializes");
            let again = Webhook::from_slice(&written);
            prop_assert_eq!(again.as_ref().ok(), Some(webhook), "written: {:?}", again);
            let debug = format!("{webhook:?}");
            prop_assert!(debug.starts_with("Webhook {"), "{}", debug);
        }
        (Err(error), Err(serde_error)) => {
            let message = error.to_string();
            prop_assert!(!message.is_empty());
            prop_assert!(error.line() >= 1, "{message}");
            match error.kind() {
                ParseErrorKind::Syntax => {
                    prop_assert!(serde_error.is_syntax() || serde_error.is_eof(), "{serde_error}");
                }
                ParseErrorKind::Data => {
                    let event_type = error.event_type().expect("a data error knows its event");
                    prop_assert!(error.path().starts_with("data"), "{message}");
                    // serde names the same event and path.
                    let serde_message = serde_error.to_string();
                    prop_assert!(
                        serde_message
                            .contains(&format!("`{event_type}` webhook at `{}`", error.path())),
                        "from_slice: {message}\nserde: {serde_message}"
                    );
                }
                ParseErrorKind::Envelope => prop_assert!(!error.path().starts_with("data")),
                _ => {}
            }
        }
        (parsed, through_serde) => {
            return Err(TestCaseError::fail(format!(
                "the entry points disagree: from_slice {parsed:?}, serde {through_serde:?}"
            )));
        }
    }
    Ok(parsed)
}

/// An example, and the path of one of its values (never the body itself).
fn example_and_path() -> impl Strategy<Value = (usize, Vec<Step>)> {
    (any::<Index>(), any::<Index>()).prop_map(|(example, path)| {
        let all = examples();
        let index = example.index(all.len());
        let paths = all[index].1.paths();
        (index, paths[path.index(paths.len())].clone())
    })
}

fn config() -> ProptestConfig {
    // Enough to reach every example many times; a debug build runs all of them in seconds.
    ProptestConfig { cases: 2_000, ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn a_value_of_another_type_is_rejected_at_its_path((example, path) in example_and_path(), pick in any::<usize>()) {
        let mut body = examples()[example].1.clone();
        let original = body.at(&path).clone();
        *body.at_mut(&path) = other_type(&original, pick);
        if let Err(error) = parse(body.text().as_bytes())? {
            // Everything else is as it was, so the value put in is what failed.
            prop_assert!(is_at_or_in(error.path(), &path), "{}: {}", path_text(&path), error);
        }
    }

    #[test]
    fn a_missing_key_is_reported_on_its_object((example, path) in example_and_path()) {
        let mut body = examples()[example].1.clone();
        let (last, parent) = path.split_last().expect("not the body");
        match (body.at_mut(parent), last) {
            (Node::Object(members), Step::Key(key)) => members.retain(|(k, _)| k != key),
            (Node::Array(items), Step::Index(index)) => { items.remove(*index); }
            _ => unreachable!("a path steps into objects and arrays"),
        }
        if let Err(error) = parse(body.text().as_bytes())? {
            prop_assert_eq!(error.path(), path_text(parent), "{}", error);
        }
    }

    #[test]
    fn a_duplicated_key_is_reported_on_its_object((example, path) in example_and_path(), pick in any::<usize>(), same in any::<bool>()) {
        let mut body = examples()[example].1.clone();
        let (last, parent) = path.split_last().expect("not the body");
        let Step::Key(key) = last else { return Ok(()) };
        let original = body.at(&path).clone();
        let copy = if same { original } else { other_type(&original, pick) };
        if let Node::Object(members) = body.at_mut(parent) {
            let at = members.iter().position(|(k, _)| k == key).expect("the key");
            members.insert(at + 1, (key.clone(), copy));
        }
        if let Err(error) = parse(body.text().as_bytes())? {
            // Either the duplicate itself (a known field) or its value (a map entry) fails.
            let at_parent = error.path() == path_text(parent);
            let at_value = error.path() == path_text(&path);
            prop_assert!(at_parent || at_value, "{}: {}", path_text(&path), error);
        }
    }

    #[test]
    fn a_huge_number_is_rejected_or_read_exactly((example, path) in example_and_path(), number in prop::sample::select(HUGE_NUMBERS)) {
        let mut body = examples()[example].1.clone();
        *body.at_mut(&path) = Node::Raw(number.to_owned());
        if let Err(error) = parse(body.text().as_bytes())? {
            let syntax = error.kind() == ParseErrorKind::Syntax; // "number out of range"
            prop_assert!(syntax || is_at_or_in(error.path(), &path), "{}: {}", path_text(&path), error);
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow((example, path) in example_and_path(), depth in prop::sample::select(&[2_usize, 127, 128, 129, 1_000, 20_000][..]), object in any::<bool>()) {
        let mut body = examples()[example].1.clone();
        let (open, close) = if object { (r#"{"a":"#, "}") } else { ("[", "]") };
        let nested = format!("{}1{}", open.repeat(depth), close.repeat(depth));
        *body.at_mut(&path) = Node::Raw(nested);
        if let Err(error) = parse(body.text().as_bytes())? {
            let syntax = error.kind() == ParseErrorKind::Syntax; // "recursion limit exceeded"
            prop_assert!(syntax || is_at_or_in(error.path(), &path), "{}: {}", path_text(&path), error);
        }
    }

    #[test]
    fn a_truncated_body_is_a_syntax_error(example in any::<Index>(), cut in any::<Index>()) {
        let (_, body) = &examples()[example.index(examples().len())];
        let text = body.text();
        let bytes = &text.as_bytes()[..cut.index(text.len())];
        let error = parse(bytes)?.expect_err("a cut body is not a whole object");
        prop_assert_eq!(error.kind(), ParseErrorKind::Syntax, "{}", error);
    }

    #[test]
    fn a_byte_that_is_not_utf8_is_a_syntax_error_where_it_is_read(example in any::<Index>(), at in any::<Index>(), byte in prop::sample::select(&[0xFF_u8, 0xFE, 0xC0, 0xC1, 0xF8][..])) {
        let (_, body) = &examples()[example.index(examples().len())];
        let text = body.text();
        let mut bytes = text.clone().into_bytes();
        bytes.insert(at.index(bytes.len() + 1), byte);
        match parse(&bytes)? {
            Err(error) => prop_assert_eq!(error.kind(), ParseErrorKind::Syntax, "{}", error),
            // serde_json skips a field this crate does not know without reading its text, so
            // the byte went where nothing is read: the value is the example's.
            Ok(webhook) => prop_assert_eq!(Some(webhook), Webhook::from_slice(text.as_bytes()).ok()),
        }
    }
}

#[test]
fn the_examples_themselves_parse_through_both_entry_points() {
    for (name, body) in examples() {
        let parsed = parse(body.text().as_bytes()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(parsed.is_ok(), "{name}: {parsed:?}");
    }
}
