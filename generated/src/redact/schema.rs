//! An event's `data` schema, as the crate's generated JSON Schema states it: which members an
//! object has, what type each takes, and which hold personal data (`"x-sensitive": true`).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use serde_json::Value;

use crate::EventType;
use crate::generated::examples;
use crate::json_tree::JsonTree as Tree;

/// The JSON Schema of one event type's `data`.
#[derive(Debug)]
pub(crate) struct PayloadSchema {
    root: Value,
}

/// A schema node with its `$ref` followed and its `anyOf [.., null]` unwrapped.
#[derive(Debug, Clone, Copy)]
struct Shape<'a> {
    /// The definition: a struct's properties, an enum's values, a scalar's type.
    def: &'a Value,
    sensitive: bool,
}

impl PayloadSchema {
    /// The schema of `event_type`, read once per process and kept: a page or a `listen` shows
    /// many deliveries of the same few event types.
    pub(crate) fn of(event_type: EventType) -> Arc<Self> {
        static READ: OnceLock<Mutex<BTreeMap<EventType, Arc<PayloadSchema>>>> = OnceLock::new();
        let read = READ.get_or_init(Mutex::default);
        // A panic while the lock was held left the map whole: an entry is inserted at once.
        let mut read = read.lock().unwrap_or_else(PoisonError::into_inner);
        let schema = read.entry(event_type).or_insert_with(|| {
            // The crate's own generated schema is JSON; were it not, `Null` redacts everything.
            let root =
                serde_json::from_str(examples::json_schema(event_type)).unwrap_or(Value::Null);
            Arc::new(Self { root })
        });
        Arc::clone(schema)
    }

    /// Redacts `tree`, the `data` of a delivery of this schema's event type; returns how many
    /// values it hid.
    pub(crate) fn redact(&self, tree: &mut Tree) -> usize {
        self.redact_at(Shape { def: &self.root, sensitive: false }, tree)
    }

    fn shape<'a>(&'a self, node: &'a Value) -> Shape<'a> {
        let sensitive = node.get("x-sensitive").and_then(Value::as_bool).unwrap_or(false);
        let reference = |node: &'a Value| node.get("$ref").and_then(Value::as_str);
        if let Some(name) = reference(node).and_then(|r| r.strip_prefix("#/$defs/")) {
            return Shape { def: self.def(name), sensitive };
        }
        if let Some(options) = node.get("anyOf").and_then(Value::as_array)
            && let Some(name) = options.iter().find_map(|o| reference(o)?.strip_prefix("#/$defs/"))
        {
            return Shape { def: self.def(name), sensitive };
        }
        Shape { def: node, sensitive }
    }

    fn def(&self, name: &str) -> &Value {
        self.root.get("$defs").and_then(|defs| defs.get(name)).unwrap_or(&Value::Null)
    }

    fn redact_at(&self, shape: Shape<'_>, tree: &mut Tree) -> usize {
        if shape.sensitive {
            return hide(tree);
        }
        let def = shape.def;
        let types = types(def);
        match tree {
            Tree::Object(members) => {
                if !types.is_empty() && !types.contains(&"object") {
                    // An object where the catalogue has something else: nothing is known of it.
                    return hide(tree);
                }
                members
                    .iter_mut()
                    .map(|(key, value)| {
                        let node = def
                            .get("properties")
                            .and_then(|p| p.get(key.as_str()))
                            .or_else(|| def.get("additionalProperties").filter(|n| n.is_object()));
                        match node {
                            Some(node) => self.redact_at(self.shape(node), value),
                            // A member the catalogue does not list: StepPay may have added it,
                            // and whether it is personal is not known.
                            None => hide(value),
                        }
                    })
                    .sum()
            }
            Tree::Array(items) => match def.get("items") {
                Some(node) => {
                    items.iter_mut().map(|item| self.redact_at(self.shape(node), item)).sum()
                }
                None => hide(tree),
            },
            Tree::Scalar(text) => {
                let kind = ScalarKind::of(text);
                let fits = kind == ScalarKind::Null
                    || (types.is_empty() && def.get("enum").is_none())
                    || match kind {
                        ScalarKind::String => {
                            types.contains(&"string") || def.get("enum").is_some()
                        }
                        ScalarKind::Number => {
                            types.contains(&"number") || types.contains(&"integer")
                        }
                        ScalarKind::Boolean => types.contains(&"boolean"),
                        ScalarKind::Null => true,
                    };
                // A value of another type than the catalogue's (in a body this version could not
                // read, say) may be anything: it is hidden.
                if fits { 0 } else { hide(tree) }
            }
        }
    }
}

/// `tree` replaced by `"<redacted>"` unless it is `null`; how many values that hid.
pub(crate) fn hide(tree: &mut Tree) -> usize {
    if matches!(tree, Tree::Scalar(text) if text == "null") {
        return 0;
    }
    *tree = Tree::Scalar(format!("\"{}\"", super::REDACTED));
    1
}

/// The JSON types a schema node allows.
fn types(node: &Value) -> Vec<&str> {
    match node.get("type") {
        Some(Value::String(one)) => vec![one.as_str()],
        Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
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

impl ScalarKind {
    /// The kind of `text`, a scalar as a [`Tree`] keeps it (valid JSON), from its first
    /// character.
    pub(crate) fn of(text: &str) -> Self {
        match text.as_bytes().first() {
            Some(b'"') => Self::String,
            Some(b't' | b'f') => Self::Boolean,
            Some(b'n') => Self::Null,
            _ => Self::Number,
        }
    }
}
