//! The generated JSON Schemas accept every example and reject what the crate rejects.

use std::path::Path;

use serde_json::{Value, json};

use super::examples;

fn schema(name: &str) -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::validator_for(&schema)
        .unwrap_or_else(|e| panic!("{name} is not a valid schema: {e}"))
}

fn errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator.iter_errors(instance).map(|e| format!("{} at {}", e, e.instance_path())).collect()
}

#[test]
fn every_example_is_valid_against_the_envelope_and_its_payload_schema() {
    let envelope = schema("webhook.schema.json");
    for (name, bytes) in examples() {
        let body: Value = serde_json::from_slice(&bytes).expect("JSON");
        assert_eq!(errors(&envelope, &body), Vec::<String>::new(), "{name}");
        // The schemas describe every event, whichever of the crate's features are on.
        let event = body["event"].as_str().expect("event");
        let payload = payload_schema_of(event);
        assert_eq!(errors(&schema(&payload), &body["data"]), Vec::<String>::new(), "{name}");
    }
}

/// The schema file for an event type, read from the generated docs table so the test does not
/// restate the catalogue.
fn payload_schema_of(event_type: &str) -> String {
    let docs =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/webhooks.md"))
            .expect("docs");
    let row = docs
        .lines()
        .find(|l| l.contains(&format!("| `{event_type}` |")))
        .expect("a docs row per event");
    let schema = row.rsplit("| [").next().and_then(|r| r.split(']').next()).expect("schema link");
    format!("{schema}.schema.json")
}

#[test]
fn the_schemas_reject_what_the_crate_rejects() {
    let envelope = schema("webhook.schema.json");
    let body: Value = serde_json::from_str(&super::example("payment.completed")).expect("JSON");

    let mut wrong_type = body.clone();
    wrong_type["data"]["paidAmount"] = json!("1000");
    assert!(!errors(&envelope, &wrong_type).is_empty());

    // A lenient id takes a string or an integer, and nothing else.
    let mut lenient = body.clone();
    lenient["data"]["customerId"] = json!(12345);
    assert_eq!(errors(&envelope, &lenient), Vec::<String>::new());
    lenient["data"]["customerId"] = json!(12345.5);
    assert!(!errors(&envelope, &lenient).is_empty());

    let mut missing = body.clone();
    missing["data"].as_object_mut().expect("object").remove("idKey");
    assert!(!errors(&envelope, &missing).is_empty());

    let mut offset = body.clone();
    offset["data"]["paidAt"] = json!("2023-08-02T02:33:39+09:00");
    assert!(!errors(&envelope, &offset).is_empty());

    let mut no_event = body;
    no_event.as_object_mut().expect("object").remove("event");
    assert!(!errors(&envelope, &no_event).is_empty());
}
