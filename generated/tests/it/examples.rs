//! Every example delivery parses, and serializing it gives the same JSON back.

use serde_json::{Map, Number, Value};
use steppay_webhooks::{Event, EventType, Webhook};

use super::examples;

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
    for event_type in EventType::ALL {
        let body = super::example(event_type.as_str());
        let webhook = Webhook::from_slice(body.as_bytes())
            .unwrap_or_else(|e| panic!("{event_type}.json: {e}"));
        assert_eq!(webhook.event_type(), Some(event_type), "{event_type}.json");
        assert!(!matches!(webhook.event, Event::Unknown(_)));
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
        if name == "extra/unknown-fields.json" {
            original = without_undocumented(original);
        }
        assert_eq!(normalize(written.clone()), normalize(original), "{name}");
        // Writing never produces `null`: StepPay omits null keys, and so do we.
        assert!(!contains_null(&written), "{name}");
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
