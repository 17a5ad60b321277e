//! Emits `generated/deliveries/`: the example delivery of each event type, copied byte for byte
//! from `schema/examples/<event type>.json`, and the Rust module that looks them up
//! (`generated/src/generated/examples.rs`, compiled with the crate's `test-util` feature, and its
//! JSON Schema lookup with `redact` too).
//!
//! The copies are what makes the examples travel in the crate's package: `schema/` lies outside
//! it. They are generated like everything else, so an example added to the catalogue is there
//! after `cargo xtask gen`, and one removed from it is deleted.

use std::collections::BTreeMap;

use super::{DELIVERIES_DIR, Files, RUST_DIR, header, rust};
use crate::model::Catalogue;
use crate::source::SourceFile;

pub(crate) fn emit(
    catalogue: &Catalogue,
    by_event: &BTreeMap<&str, &SourceFile>,
    files: &mut Files,
) {
    for event in &catalogue.events {
        if let Some(file) = by_event.get(event.event_type.as_str()) {
            files.insert(format!("{DELIVERIES_DIR}/{}.json", event.event_type), file.text.clone());
        }
    }
    files.insert(format!("{DELIVERIES_DIR}/README.md"), readme());
    files.insert(
        format!("{RUST_DIR}/examples.rs"),
        rust::examples_module(catalogue, |event| by_event.contains_key(event)),
    );
}

fn readme() -> String {
    format!(
        "{} -->\n# Example deliveries\n\n\
         One delivery body per event type, copied byte for byte from `schema/examples/<event \
         type>.json`, so that they travel in the published crate. With the `test-util` feature, \
         `steppay_webhooks::testing::example` returns each one, parsed and as raw bytes.\n",
        header("<!--", "schema/examples/")
    )
}
