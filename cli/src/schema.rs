//! An event's `data` schema, read from the JSON Schema the crate generates for it
//! (`testing::json_schema`): which fields a path may name and what type each takes.
//!
//! `send --set` checks each path and value here before anything is sent. Redaction is the
//! library's (`steppay_webhooks::redact`), by the same schemas.

use serde_json::Value;
use steppay_webhooks::EventType;
use steppay_webhooks::testing;

use crate::json::Step;

/// The JSON Schema of one event type's `data`.
#[derive(Debug)]
pub(crate) struct PayloadSchema {
    root: Value,
}

/// A schema node with its `$ref` followed and its `anyOf [.., null]` unwrapped.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shape<'a> {
    /// The definition: a struct's properties, an enum's values, a scalar's type.
    def: &'a Value,
    /// The name of the definition, for a struct or an enum.
    name: Option<&'a str>,
    pub(crate) nullable: bool,
}

/// Where a path stops fitting the schema, `depth` steps below `data`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum WalkError {
    /// The object there has no such field.
    UnknownField { depth: usize, field: String, owner: String, known: Vec<String> },
    /// An index into something that is not a list.
    NotAList { depth: usize, is: String },
    /// A key into something that is not an object.
    NotAnObject { depth: usize, is: String },
}

/// What a path leads to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Walked<'a> {
    pub(crate) shape: Shape<'a>,
    /// Whether its object requires it (a list item always is).
    pub(crate) required: bool,
    /// The name of the struct it is a field of, for messages.
    pub(crate) owner: Option<&'a str>,
}

impl PayloadSchema {
    pub(crate) fn of(event_type: EventType) -> Self {
        // The crate's own generated schema: it is JSON.
        let root = serde_json::from_str(testing::json_schema(event_type)).unwrap_or(Value::Null);
        Self { root }
    }

    /// The payload type's name, e.g. `Payment`.
    pub(crate) fn name(&self) -> &str {
        self.root.get("title").and_then(Value::as_str).unwrap_or("data")
    }

    pub(crate) fn root(&self) -> Shape<'_> {
        Shape { def: &self.root, name: Some(self.name()), nullable: false }
    }

    /// The shape of a property, item or map value node.
    pub(crate) fn shape<'a>(&'a self, node: &'a Value) -> Shape<'a> {
        let reference = |node: &'a Value| node.get("$ref").and_then(Value::as_str);
        if let Some(name) = reference(node).and_then(|r| r.strip_prefix("#/$defs/")) {
            return Shape { def: self.def(name), name: Some(name), nullable: false };
        }
        if let Some(options) = node.get("anyOf").and_then(Value::as_array) {
            let nullable =
                options.iter().any(|o| o.get("type").and_then(Value::as_str) == Some("null"));
            if let Some(name) = options.iter().find_map(|o| reference(o)?.strip_prefix("#/$defs/"))
            {
                return Shape { def: self.def(name), name: Some(name), nullable };
            }
        }
        let nullable = types(node).contains(&"null");
        Shape { def: node, name: None, nullable }
    }

    fn def(&self, name: &str) -> &Value {
        self.root.get("$defs").and_then(|defs| defs.get(name)).unwrap_or(&Value::Null)
    }

    /// Follows `steps` (below `data`) through the schema.
    pub(crate) fn walk(&self, steps: &[Step]) -> Result<Walked<'_>, WalkError> {
        let mut walked = Walked { shape: self.root(), required: true, owner: None };
        for (depth, step) in steps.iter().enumerate() {
            let def = walked.shape.def;
            match step {
                Step::Key(key) => {
                    let properties = def.get("properties").and_then(Value::as_object);
                    if let Some(node) = properties.and_then(|p| p.get(key)) {
                        let required = def
                            .get("required")
                            .and_then(Value::as_array)
                            .is_some_and(|r| r.iter().any(|k| k.as_str() == Some(key)));
                        walked =
                            Walked { shape: self.shape(node), required, owner: walked.shape.name };
                    } else if let Some(node) =
                        def.get("additionalProperties").filter(|n| n.is_object())
                    {
                        walked = Walked { shape: self.shape(node), required: false, owner: None };
                    } else if let Some(properties) = properties {
                        return Err(WalkError::UnknownField {
                            depth,
                            field: key.clone(),
                            owner: walked.shape.name.unwrap_or("the object").to_owned(),
                            known: properties.keys().cloned().collect(),
                        });
                    } else {
                        return Err(WalkError::NotAnObject {
                            depth,
                            is: describe(self, walked.shape),
                        });
                    }
                }
                Step::Index(_) => match def.get("items") {
                    Some(items) if types(def).contains(&"array") => {
                        walked = Walked { shape: self.shape(items), required: true, owner: None };
                    }
                    _ => {
                        return Err(WalkError::NotAList {
                            depth,
                            is: describe(self, walked.shape),
                        });
                    }
                },
            }
        }
        Ok(walked)
    }
}

/// The JSON types a schema node allows.
fn types(node: &Value) -> Vec<&str> {
    match node.get("type") {
        Some(Value::String(one)) => vec![one.as_str()],
        Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// What a value of `shape` looks like, for messages: "a number, or null".
pub(crate) fn describe(schema: &PayloadSchema, shape: Shape<'_>) -> String {
    let def = shape.def;
    let base = if let Some(values) = def.get("enum").and_then(Value::as_array) {
        let values: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
        let shown =
            values.iter().take(8).map(|v| format!("\"{v}\"")).collect::<Vec<_>>().join(", ");
        let more = if values.len() > 8 { ", …" } else { "" };
        format!("a string, one of {shown}{more} ({})", shape.name.unwrap_or("an enum"))
    } else {
        let mut kinds: Vec<&str> = types(def).into_iter().filter(|t| *t != "null").collect();
        kinds.sort_unstable();
        match kinds.as_slice() {
            ["integer"] if def.get("format").and_then(Value::as_str) == Some("int32") => {
                "an integer (32-bit)".to_owned()
            }
            ["integer"] => "an integer".to_owned(),
            ["number"] => "a number".to_owned(),
            ["string"] if def.get("pattern").is_some() => {
                "a date-time string without offset, like \"2025-03-04T05:22:10\"".to_owned()
            }
            ["string"] => "a string".to_owned(),
            ["integer", "string"] => "a string or an integer (an id)".to_owned(),
            ["boolean"] => "true or false".to_owned(),
            ["array"] => match def.get("items") {
                Some(items) => {
                    format!("a list of {}", plural(&describe(schema, schema.shape(items))))
                }
                None => "a list".to_owned(),
            },
            ["object"] if def.get("properties").is_some() => {
                format!("an object ({})", shape.name.unwrap_or("a struct"))
            }
            ["object"] => "an object of strings".to_owned(),
            _ => "a JSON value".to_owned(),
        }
    };
    if shape.nullable { format!("{base}, or null") } else { base }
}

/// "an object (Item)" → "objects (Item)", for "a list of …".
fn plural(description: &str) -> String {
    let trimmed = description.trim_end_matches(", or null");
    let bare =
        trimmed.strip_prefix("an ").or_else(|| trimmed.strip_prefix("a ")).unwrap_or(trimmed);
    match bare.split_once(' ') {
        Some((noun, rest)) => format!("{noun}s {rest}"),
        None => format!("{bare}s"),
    }
}

/// Whether `value` has a type `shape` allows. An enum takes any string (StepPay adds values);
/// the answer's second part says when a string is not one StepPay documents.
pub(crate) fn fits(shape: Shape<'_>, value: &Value) -> (bool, Option<String>) {
    if value.is_null() {
        return (shape.nullable, None);
    }
    let def = shape.def;
    if let Some(values) = def.get("enum").and_then(Value::as_array) {
        let Some(text) = value.as_str() else { return (false, None) };
        let documented = values.iter().any(|v| v.as_str() == Some(text));
        let note = (!documented).then(|| {
            format!(
                "\"{text}\" is not a value of {} that StepPay documents",
                shape.name.unwrap_or("the enum")
            )
        });
        return (true, note);
    }
    let fits = types(def).iter().any(|kind| match *kind {
        "integer" => {
            let int32 = def.get("format").and_then(Value::as_str) == Some("int32");
            value.as_i64().is_some_and(|n| !int32 || i32::try_from(n).is_ok())
                || (!int32 && value.as_u64().is_some())
        }
        "number" => value.is_number(),
        "string" if def.get("pattern").is_some() => value.as_str().is_some_and(is_local_date_time),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        _ => false,
    });
    (fits, None)
}

/// `2025-03-04T05:22:10`, with 0 to 9 fraction digits and no offset, as StepPay writes them.
fn is_local_date_time(text: &str) -> bool {
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"]
        .iter()
        .any(|format| chrono::NaiveDateTime::parse_from_str(text, format).is_ok())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::json::Path;

    fn walk<'a>(schema: &'a PayloadSchema, path: &str) -> Result<Walked<'a>, WalkError> {
        schema.walk(&Path::parse(path).expect("path").0)
    }

    #[test]
    fn paths_resolve_through_refs_lists_and_maps() {
        let payment = PayloadSchema::of(EventType::PaymentCompleted);
        assert_eq!(payment.name(), "Payment");
        let amount = walk(&payment, "paidAmount").expect("a field");
        assert_eq!(describe(&payment, amount.shape), "a number, or null");
        assert!(!amount.required);
        assert!(walk(&payment, "paymentId").expect("a field").required);
        let status = walk(&payment, "status").expect("a field").shape;
        assert!(describe(&payment, status).starts_with("a string, one of \"STANDBY\""));
        assert_eq!(fits(status, &json!("COMPLETE")), (true, None));
        assert!(fits(status, &json!("NEW_ONE")).1.is_some());
        assert!(!fits(status, &json!(3)).0);
        assert!(matches!(
            walk(&payment, "paidAmont"),
            Err(WalkError::UnknownField { depth: 0, ref field, .. }) if field == "paidAmont"
        ));
        assert!(matches!(
            walk(&payment, "paidAmount[0]"),
            Err(WalkError::NotAList { depth: 1, .. })
        ));

        let subscription = PayloadSchema::of(EventType::SubscriptionUpdated);
        let price = walk(&subscription, "items[0].price").expect("a field").shape;
        assert!(fits(price, &json!(1500.5)).0 && !fits(price, &json!("1500")).0);
        let customer = PayloadSchema::of(EventType::CustomerCreated);
        let attribute = walk(&customer, "attributes.anything").expect("a map value").shape;
        assert_eq!(describe(&customer, attribute), "a string");
    }

    #[test]
    fn dates_and_ids_are_checked() {
        let payment = PayloadSchema::of(EventType::PaymentCompleted);
        let paid_at = walk(&payment, "paidAt").expect("a field").shape;
        assert!(fits(paid_at, &json!("2025-03-04T05:22:10.123")).0);
        assert!(!fits(paid_at, &json!("2025-03-04T05:22:10Z")).0);
        let order_id = walk(&payment, "orderId").expect("a field").shape;
        assert!(fits(order_id, &json!(12)).0 && fits(order_id, &json!("12")).0);
        assert!(!fits(order_id, &json!(1.5)).0);
    }
}
