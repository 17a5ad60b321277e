//! The catalogue in `schema/` reproduces StepPay's own event table, row for row.
//!
//! `tests/data/steppay-webhook-events.md` is StepPay's Webhook-Events page as published. Every
//! row must appear in the catalogue with the same Korean name, domain and schema, and in the
//! generated reference table. The catalogue may have more events than the page.

mod support;

use std::path::Path;

use codegen::Input;

use crate::support::read_catalogue;

struct Row {
    domain_ko: String,
    name_ko: String,
    event_type: String,
    /// The anchor of the schema link (`#order`). StepPay's link text says `Product` for every
    /// cover event while the link goes to `#cover`; the anchor is what StepPay means.
    schema_anchor: String,
}

fn steppay_rows() -> Vec<Row> {
    let page = include_str!("data/steppay-webhook-events.md");
    let mut rows = Vec::new();
    let mut domain = String::new();
    for line in page.lines() {
        if let Some(heading) = line.strip_prefix("### ") {
            domain = heading.trim().to_owned();
            continue;
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // | name | type | [Schema](…#anchor) |
        let [_, name, event_type, schema, _] = cells.as_slice() else { continue };
        let Some((_, anchor)) = schema.rsplit_once('#') else { continue };
        rows.push(Row {
            domain_ko: domain.clone(),
            name_ko: (*name).to_owned(),
            event_type: (*event_type).to_owned(),
            schema_anchor: anchor.trim_end_matches(')').to_owned(),
        });
    }
    rows
}

/// The real catalogue, examples included.
fn real_catalogue() -> Input {
    read_catalogue(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema"))
}

#[test]
fn every_row_of_steppays_table_is_in_the_catalogue_and_the_docs() {
    let rows = steppay_rows();
    assert_eq!(rows.len(), 27, "the page lists 27 event types");
    let input = real_catalogue();
    let catalogue = codegen::load(&input).unwrap_or_else(|e| panic!("{e}"));
    let docs = &codegen::generate(&input).expect("valid").files["generated/docs/webhooks.md"];
    for row in rows {
        let event = catalogue
            .events
            .iter()
            .find(|e| e.event_type == row.event_type)
            .unwrap_or_else(|| panic!("{} is missing from schema/events.yaml", row.event_type));
        assert_eq!(event.name.ko, row.name_ko, "{}", row.event_type);
        assert_eq!(event.schema.to_lowercase(), row.schema_anchor, "{}", row.event_type);
        let domain =
            catalogue.domains.iter().find(|d| d.id == event.domain).expect("declared domain");
        assert_eq!(domain.name.ko, row.domain_ko, "{}", row.event_type);
        let docs_row = format!(
            "| {} | {} | `{}` | [{}](#{}) |",
            row.name_ko, event.name.en, row.event_type, event.schema, row.schema_anchor
        );
        assert!(docs.contains(&docs_row), "the reference lacks {docs_row}");
    }
}
