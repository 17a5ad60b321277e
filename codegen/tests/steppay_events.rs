//! The generated reference tables reproduce StepPay's own event table, row for row.
//!
//! `tests/data/steppay-docs/08-1-1_Webhook-Events.md` is StepPay's Webhook-Events page as
//! published, read with the same reader as the drift report. That the catalogue agrees with it
//! is `tests/drift.rs`'s job; this test checks that every row reaches the generated docs.

mod support;

use std::path::Path;

use codegen::pages::EventsPage;

use crate::support::read_catalogue;

#[test]
fn every_row_of_steppays_table_is_in_the_generated_reference() {
    let page = EventsPage::parse(
        "08-1-1_Webhook-Events.md",
        include_str!("data/steppay-docs/08-1-1_Webhook-Events.md"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(page.events().count(), 27, "the page lists 27 event types");
    let input = read_catalogue(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema"));
    let catalogue = codegen::load(&input).unwrap_or_else(|e| panic!("{e}"));
    let docs = &codegen::generate(&input).expect("valid").files["generated/docs/webhooks.md"];
    for (domain, row) in page.events() {
        let event = catalogue
            .events
            .iter()
            .find(|e| e.event_type == row.event_type)
            .unwrap_or_else(|| panic!("{} is missing from schema/events.yaml", row.event_type));
        let heading = format!("### {} · ", domain.name);
        assert!(docs.contains(&heading), "the reference lacks the section {heading}");
        let docs_row = format!(
            "| {} | {} | `{}` | [{}](#{}) |",
            row.name,
            event.name.en,
            row.event_type,
            row.schema,
            row.schema.to_lowercase()
        );
        assert!(docs.contains(&docs_row), "the reference lacks {docs_row}");
    }
}
