//! Every example delivery parses, and serializing it gives the same JSON back.

use serde_json::{Map, Number, Value};
use steppay_webhooks::{Event, EventType, Webhook};

use super::{domain_enabled, examples};

/// Removes what the round trip is allowed to change: `null` members (null and absent are alike)
/// and the spelling of numbers (`10000.0` and `10000` are one value).
fn normalize(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k, normalize(v))).collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(normalize).collect()),
        Value::Number(n) => {
            let float = n.as_f64().expect("JSON numbers are finite");
            Value::Number(Number::from_f64(float).expect("finite"))
        }
        other => other,
    }
}

/// The fields `extra/unknown-fields.json` adds on purpose; they are dropped on the way back.
fn without_undocumented(mut body: Value) -> Value {
    let data = body["data"].as_object_mut().expect("data");
    for key in ["currency", "exchangeRate", "region"] {
        data.remove(key);
    }
    for item in data["items"].as_array_mut().expect("items") {
        let item: &mut Map<String, Value> = item.as_object_mut().expect("item");
        item.remove("orderedProductType");
        item.remove("exchangeRate");
    }
    body
}

fn contains_null(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Object(map) => map.values().any(contains_null),
        Value::Array(items) => items.iter().any(contains_null),
        _ => false,
    }
}

#[test]
fn every_event_type_has_an_example_that_parses_as_it() {
    for &event_type in EventType::ALL {
        let body = super::example(event_type.as_str());
        let webhook = Webhook::from_slice(body.as_bytes())
            .unwrap_or_else(|e| panic!("{event_type}.json: {e}"));
        assert_eq!(webhook.event_type(), Some(event_type), "{event_type}.json");
        assert!(!matches!(webhook.event, Event::Unknown(_)));
    }
}

/// With its domain's feature off, an event parses as `Unknown`, keeping its raw `data`; with it
/// on, as its own type.
#[test]
fn an_event_is_typed_exactly_when_its_domain_is_enabled() {
    for (name, bytes) in examples() {
        let webhook = Webhook::from_slice(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        let body: Value = serde_json::from_slice(&bytes).expect("JSON");
        let event = body["event"].as_str().expect("event");
        match &webhook.event {
            Event::Unknown(unknown) => {
                assert!(!domain_enabled(event), "{name}: {event} is enabled but parsed as Unknown");
                assert_eq!(unknown.event_type(), event);
                let data: Value = unknown.parse_data().expect("raw data is JSON");
                assert_eq!(data, body["data"], "{name}");
            }
            known => {
                assert!(domain_enabled(event), "{name}: {event} is disabled but parsed as typed");
                assert_eq!(known.as_str(), event);
            }
        }
    }
}

#[test]
fn every_example_round_trips() {
    let all = examples();
    assert!(all.len() >= EventType::ALL.len());
    for (name, bytes) in all {
        let webhook = Webhook::from_slice(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        let written = serde_json::to_value(&webhook).expect("serialize");
        let mut original: Value = serde_json::from_slice(&bytes).expect("example is JSON");
        // A typed payload drops them; an `Unknown` one (its domain's feature off) keeps them.
        if name == "extra/unknown-fields.json" && webhook.event_type().is_some() {
            original = without_undocumented(original);
        }
        assert_eq!(normalize(written.clone()), normalize(original), "{name}");
        // Writing never produces `null`: StepPay omits null keys, and so do we. (An `Unknown`
        // event's data is written back as it came.)
        if webhook.event_type().is_some() {
            assert!(!contains_null(&written), "{name}");
        }
        // And what was written parses back to the same value.
        let again = Webhook::from_slice(&serde_json::to_vec(&webhook).expect("serialize"))
            .unwrap_or_else(|e| panic!("{name} (second pass): {e}"));
        assert_eq!(again, webhook, "{name}");
    }
}

#[test]
fn examples_keep_the_envelope_order_steppay_uses() {
    let body = super::example("payment.completed");
    let webhook = Webhook::from_slice(body.as_bytes()).expect("parse");
    let written = serde_json::to_string(&webhook).expect("serialize");
    let positions: Vec<usize> =
        ["\"timestamp\"", "\"version\"", "\"event\"", "\"data\"", "\"isTest\""]
            .iter()
            .map(|key| written.find(key).unwrap_or_else(|| panic!("{key} missing in {written}")))
            .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{written}");
}

/// The annotation the generated JSON Schemas put on a property that holds personal data.
const SENSITIVE: &str = "x-sensitive";

/// Collects the personal data in a delivery: every scalar under a property the JSON Schema
/// marks [`SENSITIVE`], with the `(schema, property)` it was found under.
struct Personal<'a> {
    defs: &'a Map<String, Value>,
    found: Vec<(String, String)>,
    values: Vec<String>,
}

impl Personal<'_> {
    fn walk(&mut self, schema: &Value, value: &Value) {
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let name = reference.trim_start_matches("#/$defs/");
            let def = self.defs.get(name).unwrap_or_else(|| panic!("{reference} is defined"));
            return self.walk_object(name, def, value);
        }
        for alternative in schema.get("anyOf").and_then(Value::as_array).into_iter().flatten() {
            self.walk(alternative, value);
        }
        match value {
            Value::Array(items) => {
                if let Some(item) = schema.get("items") {
                    items.iter().for_each(|v| self.walk(item, v));
                }
            }
            Value::Object(map) => {
                if let Some(item) = schema.get("additionalProperties") {
                    map.values().for_each(|v| self.walk(item, v));
                }
            }
            _ => {}
        }
    }

    fn walk_object(&mut self, name: &str, def: &Value, value: &Value) {
        let (Some(properties), Value::Object(members)) =
            (def.get("properties").and_then(Value::as_object), value)
        else {
            return;
        };
        for (key, property) in properties {
            let Some(member) = members.get(key) else { continue };
            if property.get(SENSITIVE) == Some(&Value::Bool(true)) {
                let before = self.values.len();
                scalars(member, &mut self.values);
                if self.values.len() > before {
                    self.found.push((name.to_owned(), key.clone()));
                }
            } else {
                self.walk(property, member);
            }
        }
    }
}

/// Every string and number in `value`, as text.
fn scalars(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(text) => out.push(text.clone()),
        Value::Number(number) => out.push(number.to_string()),
        Value::Array(items) => items.iter().for_each(|v| scalars(v, out)),
        Value::Object(map) => map.values().for_each(|v| scalars(v, out)),
        Value::Null | Value::Bool(_) => {}
    }
}

#[test]
fn debug_output_never_shows_personal_data() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/webhook.schema.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("JSON");
    let defs = schema["$defs"].as_object().expect("$defs");
    let mut personal = Personal { defs, found: Vec::new(), values: Vec::new() };
    let mut all_typed = true;
    for (name, bytes) in examples() {
        let body: Value = serde_json::from_slice(&bytes).expect("JSON");
        let webhook = Webhook::from_slice(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        if let Event::Unknown(_) = webhook.event {
            // Its domain's feature is off: `Debug` prints no data at all (see parse.rs).
            all_typed = false;
            continue;
        }
        // The schema of `data` is the `then` of the rule whose `if` lists this event type.
        let rule = schema["allOf"].as_array().expect("allOf").iter().find(|rule| {
            let events = rule["if"]["properties"]["event"]["enum"].as_array().expect("enum");
            events.iter().any(|e| *e == body["event"])
        });
        let Some(rule) = rule else { continue };
        personal.values.clear();
        personal.walk(&rule["then"]["properties"]["data"], &body["data"]);
        let debug = format!("{webhook:?}\n{webhook:#?}");
        for value in personal.values.iter().filter(|v| !v.is_empty()) {
            let escaped = format!("{value:?}");
            assert!(
                !debug.contains(value.as_str()) && !debug.contains(escaped.trim_matches('"')),
                "{name}: Debug shows the personal data {value:?}:\n{debug}"
            );
        }
        if !personal.values.is_empty() {
            assert!(debug.contains("<redacted>"), "{name}");
        }
        // The rest prints as usual: the event's own id is there.
        let id = body["data"].as_object().and_then(|d| d.get("id").or(d.get("paymentId")));
        if let Some(id) = id.filter(|id| id.is_number()) {
            assert!(debug.contains(&id.to_string()), "{name}: {debug}");
        }
    }
    // Every property marked as personal data appears with a value in some example, so the
    // check above covers it (when every domain is on).
    if !all_typed {
        return;
    }
    let marked: std::collections::BTreeSet<(String, String)> = defs
        .iter()
        .flat_map(|(name, def)| {
            let properties = def.get("properties").and_then(Value::as_object);
            properties
                .into_iter()
                .flatten()
                .filter(|(_, property)| property.get(SENSITIVE) == Some(&Value::Bool(true)))
                .map(move |(key, _)| (name.clone(), key.clone()))
        })
        .collect();
    let seen: std::collections::BTreeSet<(String, String)> = personal.found.into_iter().collect();
    let missing: Vec<_> = marked.difference(&seen).collect();
    assert!(marked.len() >= 20, "the catalogue marks personal data: {marked:?}");
    assert!(missing.is_empty(), "no example has a value for {missing:?}");
}
