//! The generator end to end: fixture catalogues in, files or rendered diagnostics out.
//!
//! The expected files of the `mini` fixture live in `fixtures/mini/expected/` and are compiled by
//! the `steppay-webhooks-fixture` crate (`tests/fixture-crate`). After an intended change to the
//! output, refresh them with `UPDATE_EXPECT=1 cargo test -p steppay-webhooks-codegen` and review
//! the diff.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use codegen::{Input, SourceFile};
use expect_test::{expect, expect_file};

fn fixture_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// Reads a fixture catalogue, naming its files as `cargo xtask gen` names the real ones.
fn fixture(name: &str) -> Input {
    let dir = fixture_dir(name);
    let read = |path: &Path| {
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };
    let mut types: Vec<SourceFile> = std::fs::read_dir(dir.join("types"))
        .expect("types/")
        .map(|entry| entry.expect("entry").path())
        .map(|path| {
            let file = path.file_name().expect("file name").to_string_lossy().into_owned();
            SourceFile::new(format!("schema/types/{file}"), read(&path))
        })
        .collect();
    types.sort_by(|a, b| a.path.cmp(&b.path));
    Input { events: SourceFile::new("schema/events.yaml", read(&dir.join("events.yaml"))), types }
}

/// Every file under `dir`, relative to it.
fn files_under(dir: &Path) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(at) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&at) else { continue };
        for entry in entries {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative = path.strip_prefix(dir).expect("below dir");
                found.insert(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    found
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
}

/// Renders the diagnostics for a catalogue that must fail.
fn diagnostics(events: &str, types: &[(&str, &str)]) -> String {
    let input = Input {
        events: SourceFile::new("schema/events.yaml", events),
        types: types.iter().map(|(path, text)| SourceFile::new(*path, *text)).collect(),
    };
    match codegen::generate(&input) {
        Ok(_) => panic!("the catalogue should be rejected"),
        Err(diagnostics) => diagnostics.to_string(),
    }
}

const TYPES: &str = "\
structs:
  - name: Order
    description: { ko: 주문, en: Order }
    fields:
      - name: id
        type: Long
        description: { ko: 번호, en: Id }
";

#[test]
fn yaml_syntax_errors_are_located() {
    let rendered = diagnostics("domains: [\n", &[("schema/types/order.yaml", TYPES)]);
    expect![[r#"
        error: did not find expected node content
          --> schema/events.yaml:2:1
        1 error in the catalogue"#]]
    .assert_eq(&rendered);
}

#[test]
fn unknown_keys_and_missing_keys_are_reported_per_file() {
    let events = "domains: []\nevents:\n  - type: order.created\n    nmae: { ko: 주문, en: Order }\n    schema: Order\n";
    let types = "structs:\n  - name: Order\n    fields: []\n";
    let rendered = diagnostics(events, &[("schema/types/order.yaml", types)]);
    expect![[r#"
        error: events[0]: unknown field `nmae`, expected one of `type`, `name`, `schema`, `description`, `note`, `deprecated`
          --> schema/events.yaml:4:5
          |
        4 |     nmae: { ko: 주문, en: Order }
          |     ^

        error: structs[0]: missing field `description`
          --> schema/types/order.yaml:2:5
          |
        2 |   - name: Order
          |     ^
        2 errors in the catalogue"#]]
    .assert_eq(&rendered);
}

#[test]
fn meaning_errors_are_all_reported_in_position_order_with_hints() {
    let events = "\
domains:
  - id: order
    name: { ko: 주문, en: Order }
events:
  - type: order.created
    name: { ko: 주문 생성, en: Order created }
    schema: Oder
  - type: order.created
    name: { ko: 주문 생성, en: Order created }
    schema: Order
  - type: Order.Updated
    name: { ko: 주문 변경, en: Order updated }
    schema: Order
  - type: ordr.paid
    name: { ko: 결제, en: Paid }
    schema: Order
";
    let rendered = diagnostics(events, &[("schema/types/order.yaml", TYPES)]);
    expect![[r#"
        error: event `order.created` refers to unknown schema `Oder`
          --> schema/events.yaml:7:13
          |
        7 |     schema: Oder
          |             ^
          = help: did you mean `Order`?

        error: duplicate event type `order.created`
          --> schema/events.yaml:8:11
          |
        8 |   - type: order.created
          |           ^

        error: event type `Order.Updated` is not of the form `domain.action`
          --> schema/events.yaml:11:11
           |
        11 |   - type: Order.Updated
           |           ^
          = help: use lowercase segments separated by dots, e.g. `order.created` or `product.price.updated`

        error: event type `ordr.paid` is in undeclared domain `ordr`
          --> schema/events.yaml:14:11
           |
        14 |   - type: ordr.paid
           |           ^
          = help: declare `ordr` under `domains:` or fix the event type
        4 errors in the catalogue"#]]
    .assert_eq(&rendered);
}

#[test]
fn type_errors_name_the_field_and_suggest() {
    let events = "domains:\n  - id: order\n    name: { ko: 주문, en: Order }\nevents: []\n";
    let types = "\
structs:
  - name: Order
    description: { ko: 주문, en: Order }
    fields:
      - name: id
        type: Lnog
        description: { ko: 번호, en: Id }
      - name: items
        type: List<Decimal>
        description: { ko: 항목, en: Items }
      - name: id
        type: Long
        description: { ko: 번호, en: Id }
enums:
  - name: Status
    description: { ko: 상태, en: Status }
    values:
      - value: UNRECOGNIZED
        description: { ko: 모름, en: Unrecognized }
";
    let rendered = diagnostics(events, &[("schema/types/order.yaml", types)]);
    expect![[r#"
        error: unknown type `Lnog`
          --> schema/types/order.yaml:6:15
          |
        6 |         type: Lnog
          |               ^
          = help: did you mean `Long`?

        error: `List<Decimal>` is not supported
          --> schema/types/order.yaml:9:15
          |
        9 |         type: List<Decimal>
          |               ^
          = help: Decimal, LocalDateTime and nested containers may only be a field's type directly; wrap them in a struct

        error: duplicate field `id` in `Order`
          --> schema/types/order.yaml:11:15
           |
        11 |       - name: id
           |               ^

        error: value `UNRECOGNIZED` of `Status` would take the name of the catch-all variant `Unrecognized`
          --> schema/types/order.yaml:18:16
           |
        18 |       - value: UNRECOGNIZED
           |                ^
          = help: the generator reserves this variant for values StepPay adds later
        4 errors in the catalogue"#]]
    .assert_eq(&rendered);
}
