//! The generator end to end: fixture catalogues in, files out. (Bad catalogues and their
//! diagnostics are in `tests/diagnostics.rs`.)
//!
//! The expected files of the `mini` fixture live in `fixtures/mini/expected/` and are compiled by
//! the `steppay-webhooks-fixture` crate (`tests/fixture-crate`). After an intended change to the
//! output, refresh them with `UPDATE_EXPECT=1 cargo test -p steppay-webhooks-codegen` and review
//! the diff. The fixture crate's `[features]` (the mini domains) are refreshed the same way.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use codegen::Input;
use expect_test::expect_file;

use crate::support::{files_under, read_catalogue};

fn fixture_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// The manifest of the crate that compiles the `mini` fixture's expected output.
fn fixture_crate_manifest() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixture-crate/Cargo.toml")
}

fn fixture(name: &str) -> Input {
    read_catalogue(&fixture_dir(name))
}

#[test]
fn mini_fixture_matches_its_expected_output() {
    let output = codegen::generate(&fixture("mini")).unwrap_or_else(|e| panic!("{e}"));
    let expected = fixture_dir("mini").join("expected");
    let updating = std::env::var_os("UPDATE_EXPECT").is_some();
    for (path, contents) in &output.files {
        let file = expected.join(path);
        if updating {
            std::fs::create_dir_all(file.parent().expect("a parent")).expect("create folder");
        }
        expect_file![file].assert_eq(contents);
    }
    // The fixture crate declares the catalogue's domains as its features, as the real crate does.
    let manifest_path = fixture_crate_manifest();
    let manifest =
        std::fs::read_to_string(&manifest_path).expect("read the fixture crate's manifest");
    let spliced = codegen::splice_features(&manifest, &output.features)
        .unwrap_or_else(|e| panic!("{}: {e}", manifest_path.display()));
    if updating {
        std::fs::write(&manifest_path, &spliced).expect("write the fixture crate's manifest");
    } else {
        assert_eq!(manifest, spliced, "the fixture crate's features are stale");
    }
    let produced: BTreeSet<String> = output.files.keys().cloned().collect();
    let stale: Vec<String> = files_under(&expected).difference(&produced).cloned().collect();
    if updating {
        for path in &stale {
            std::fs::remove_file(expected.join(path)).expect("remove stale expectation");
        }
    } else {
        assert!(stale.is_empty(), "expected files the generator no longer produces: {stale:?}");
    }
}

#[test]
fn output_is_deterministic() {
    let input = fixture("mini");
    let first = codegen::generate(&input).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(codegen::generate(&input).unwrap_or_else(|e| panic!("{e}")), first);
    // The order in which the types files are given does not matter.
    let mut reversed = input.clone();
    reversed.types.reverse();
    assert_eq!(codegen::generate(&reversed).unwrap_or_else(|e| panic!("{e}")), first);
    for contents in first.files.values() {
        assert!(!contents.contains('\r'), "LF only");
        assert!(contents.ends_with('\n'));
    }
}

#[test]
fn every_file_says_it_is_generated_and_how_to_regenerate() {
    let output = codegen::generate(&fixture("mini")).unwrap_or_else(|e| panic!("{e}"));
    for (path, contents) in &output.files {
        // The example deliveries are copies, byte for byte; their folder's README says so.
        if path.starts_with("generated/deliveries/") && path.ends_with(".json") {
            continue;
        }
        let first = contents.lines().next().unwrap_or_default();
        let first_key = contents.lines().nth(1).unwrap_or_default();
        assert!(
            (first.contains("@generated") || first_key.contains("@generated"))
                && contents.contains("cargo xtask gen"),
            "{path} lacks the generated-file header"
        );
    }
}

#[test]
fn an_example_travels_byte_for_byte_and_is_looked_up_by_its_event_type() {
    let mut input = fixture("mini");
    let example = "{ \"timestamp\": 1, \"version\": \"v1\", \"event\": \"shop.item.added\",\n  \"data\": { \"id\": 7, \"type\": \"BOX\", \"tags\": [] } }\n";
    input.examples.push(codegen::SourceFile::new("schema/examples/shop.item.added.json", example));
    input.examples.push(codegen::SourceFile::new("schema/examples/extra/again.json", example));
    let output = codegen::generate(&input).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(output.files["generated/deliveries/shop.item.added.json"], example);
    let copies: Vec<&String> =
        output.files.keys().filter(|p| p.starts_with("generated/deliveries/")).collect();
    assert_eq!(
        copies,
        [
            "generated/deliveries/README.md",
            "generated/deliveries/billing.charged.json",
            "generated/deliveries/shop.item.added.json"
        ],
        "only the examples named for their events are copied (billing.charged's is the fixture's)"
    );
    let lookup = &output.files["generated/src/generated/examples.rs"];
    let arm = lookup.find("EventType::ShopItemAdded =>").expect("an arm for the event");
    assert!(
        lookup[arm..]
            .trim_start_matches("EventType::ShopItemAdded =>")
            .trim_start_matches([' ', '\n', '{'])
            .trim_start()
            .starts_with("Some(include_str!(\"../../deliveries/shop.item.added.json\"))"),
        "{lookup}"
    );
    assert!(lookup.contains("_ => None,"), "the other events have none: {lookup}");
    // With no example at all, there is nothing to match.
    let mut input = fixture("mini");
    input.examples.clear();
    let output = codegen::generate(&input).unwrap_or_else(|e| panic!("{e}"));
    let lookup = &output.files["generated/src/generated/examples.rs"];
    assert!(lookup.contains("let _ = event_type;\n    None"), "{lookup}");
}

#[test]
fn a_new_event_is_one_entry() {
    let mut input = fixture("mini");
    input.events.text.push_str(
        "  - type: billing.refunded\n    name: { ko: 환불 완료, en: Refunded }\n    schema: Charge\n",
    );
    let output = codegen::generate(&input).unwrap_or_else(|e| panic!("{e}"));
    let event = &output.files["generated/src/generated/event.rs"];
    assert!(
        event.contains("BillingRefunded(Box<Charge>)") && event.contains("\"billing.refunded\"")
    );
    let handler = &output.files["generated/src/generated/handler.rs"];
    assert!(handler.contains("fn billing_refunded("));
    let docs = &output.files["generated/docs/webhooks.md"];
    assert!(docs.contains("| 환불 완료 | Refunded | `billing.refunded` | [Charge](#charge) |"));
    let asyncapi = asyncapi(&output);
    let message = &asyncapi["components"]["messages"]["billing.refunded"];
    assert_eq!(message["title"], "환불 완료 · Refunded");
    assert_eq!(message["payload"]["properties"]["event"]["const"], "billing.refunded");
    let data = &message["payload"]["properties"]["data"];
    assert_eq!(data["anyOf"], serde_json::json!([{ "$ref": "#/components/schemas/Charge" }]));
    assert_eq!(
        asyncapi["channels"]["webhook"]["messages"]["billing.refunded"]["$ref"],
        "#/components/messages/billing.refunded"
    );
    let operation = &asyncapi["operations"]["billing_refunded"];
    assert_eq!(operation["action"], "receive");
    assert_eq!(operation["bindings"]["http"]["method"], "POST");
    assert_eq!(operation["messages"][0]["$ref"], "#/channels/webhook/messages/billing.refunded");
}

#[test]
fn a_payload_without_a_subject_gives_none() {
    let mut input = fixture("mini");
    let shop = input.types.iter_mut().find(|f| f.path.ends_with("/shop.yaml")).expect("shop.yaml");
    let marked = "        lenient: true\n        subject: true\n";
    assert_eq!(shop.text.matches(marked).count(), 1, "Count.countId is the subject");
    *shop = codegen::SourceFile::new(
        shop.path.clone(),
        shop.text.replace(marked, "        lenient: true\n"),
    );
    let output = codegen::generate(&input).unwrap_or_else(|e| panic!("{e}"));
    let event = &output.files["generated/src/generated/event.rs"];
    assert!(event.contains("Self::StockCounted(_) => None,"), "{event}");
    assert!(event.contains("for the events of `Count`, which have none,"), "{event}");
    assert!(event.contains("&[\"item\", \"charge\"]"), "no `count` kind: {event}");
    let docs = &output.files["generated/docs/webhooks.md"];
    assert!(!docs.contains("`countId` (대상 · subject)"));
    let schema: serde_json::Value =
        serde_json::from_str(&output.files["generated/schema/Count.schema.json"]).expect("JSON");
    assert_eq!(schema["properties"]["countId"].get("x-subject"), None);
    assert_eq!(schema["$defs"]["Item"]["properties"]["id"]["x-subject"], true);
}

/// The AsyncAPI document of `output`, read back as a YAML reader sees it.
fn asyncapi(output: &codegen::Output) -> serde_json::Value {
    let text = &output.files["generated/asyncapi/asyncapi.yaml"];
    serde_yaml::from_str(text).unwrap_or_else(|e| panic!("the AsyncAPI document is not YAML: {e}"))
}

#[test]
fn the_asyncapi_document_has_a_message_and_a_receive_operation_per_event() {
    let input = fixture("mini");
    let catalogue = codegen::load(&input).unwrap_or_else(|e| panic!("{e}"));
    let output = codegen::generate(&input).unwrap_or_else(|e| panic!("{e}"));
    let document = asyncapi(&output);
    assert_eq!(document["asyncapi"], "3.0.0");
    let server = &document["servers"]["receiver"];
    assert_eq!((&server["protocol"], &server["host"]), (&"https".into(), &"{host}".into()));
    let scheme = &document["components"]["securitySchemes"]["steppaySignature"];
    assert_eq!((&scheme["type"], &scheme["in"]), (&"httpApiKey".into(), &"header".into()));
    assert_eq!(scheme["name"], "Steppay-Signature");
    let headers = &document["components"]["messageBindings"]["signed"]["http"]["headers"];
    assert_eq!(headers["required"][0], "Steppay-Signature");

    let messages = document["components"]["messages"].as_object().expect("messages");
    let operations = document["operations"].as_object().expect("operations");
    assert_eq!(
        (messages.len(), operations.len()),
        (catalogue.events.len(), catalogue.events.len())
    );
    for event in &catalogue.events {
        let message = &messages[&event.event_type];
        assert_eq!(message["name"], event.event_type.as_str());
        assert_eq!(message["bindings"]["$ref"], "#/components/messageBindings/signed");
        let schema = format!("#/components/schemas/{}", event.schema);
        // A description beside a `$ref` is dropped by draft-07 tools: the reference is wrapped.
        let data = &message["payload"]["properties"]["data"];
        assert_eq!(data["anyOf"], serde_json::json!([{ "$ref": schema }]));
        assert!(data["description"].is_string());
        assert_eq!(operations[&event.method]["action"], "receive");
    }
    // The one event with an example file carries it, as the delivery body.
    let charged = &messages["billing.charged"]["examples"][0]["payload"];
    assert_eq!(charged["data"]["orderId"], 901245);
    assert_eq!(charged["data"]["chargedAt"], "2025-03-04T05:22:10");
    assert!(messages["stock.counted"].get("examples").is_none());

    let schemas = &document["components"]["schemas"];
    // Open enums: each documented value, then any string.
    let kind = schemas["Kind"]["anyOf"].as_array().expect("Kind is an anyOf");
    let values: Vec<&str> = kind.iter().filter_map(|branch| branch["const"].as_str()).collect();
    assert_eq!(values, ["BOX", "UNKNOWN", "OLD_KIND", "SELF"]);
    assert_eq!(kind.last().expect("a catch-all")["type"], "string");
    assert_eq!(kind[2]["deprecated"], true);
    // A lenient id that is personal data; a nullable lenient id.
    let count = &schemas["Count"]["properties"];
    assert_eq!(count["counterNo"]["type"], serde_json::json!(["string", "integer"]));
    assert_eq!(count["counterNo"]["x-sensitive"], true);
    let charge = &schemas["Charge"]["properties"];
    assert_eq!(charge["orderId"]["type"], serde_json::json!(["string", "integer", "null"]));
    assert_eq!(charge["cardNumber"]["x-sensitive"], true);
    assert!(charge["amount"].get("x-sensitive").is_none());
    assert_eq!(charge["window"]["anyOf"][0]["$ref"], "#/components/schemas/Period");
    assert_eq!(
        schemas["Item"]["properties"]["type"]["anyOf"],
        serde_json::json!([{ "$ref": "#/components/schemas/Kind" }])
    );
    assert_eq!(refs_beside_other_keywords(&document), 0);
}

/// How many `$ref`s in `node` stand beside another keyword (a `description`, say), which a
/// draft-07 reader ignores; counts every `$ref` seen, to show the walk found some.
fn refs_beside_other_keywords(node: &serde_json::Value) -> usize {
    fn walk(node: &serde_json::Value, refs: &mut usize) -> usize {
        match node {
            serde_json::Value::Object(map) => {
                let here = map.contains_key("$ref");
                *refs += usize::from(here);
                let beside = usize::from(here && map.len() > 1);
                beside + map.values().map(|value| walk(value, refs)).sum::<usize>()
            }
            serde_json::Value::Array(items) => items.iter().map(|item| walk(item, refs)).sum(),
            _ => 0,
        }
    }
    let mut refs = 0;
    let beside = walk(node, &mut refs);
    assert!(refs > 10, "only {refs} references in the document");
    beside
}
