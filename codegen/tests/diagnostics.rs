//! Every kind of catalogue mistake, and what the generator says about it.
//!
//! Each folder under `tests/diagnostics/` is a small bad catalogue laid out like `schema/`
//! (`events.yaml`, `types/`, `examples/`) with `expected.txt`, the diagnostics as `cargo xtask
//! gen` prints them. A change of wording is a reviewed diff: refresh them with
//! `UPDATE_EXPECT=1 cargo test -p steppay-webhooks-codegen --test diagnostics`.

mod support;

use std::path::{Path, PathBuf};

use expect_test::expect_file;

use crate::support::read_catalogue;

/// The kinds of mistake the generator must report, each a folder of the corpus.
const KINDS: &[&str] = &[
    "yaml-syntax",
    "unknown-key",
    "missing-key",
    "wrong-value-type",
    "duplicate-event-type",
    "duplicate-domain",
    "duplicate-type",
    "duplicate-field",
    "duplicate-enum-value",
    "unknown-schema",
    "unknown-type",
    "event-type-format",
    "undeclared-domain",
    "rust-name-collision",
    "rust-keyword",
    "reserved-name",
    "invalid-rust-name",
    "recursive-type",
    "unsupported-type",
    "lenient-not-string",
    "duplicate-subject",
    "subject-not-id",
    "subject-sensitive",
    "subject-not-payload",
    "empty-text",
    "enum-without-values",
    "example-invalid-json",
    "example-wrong-type",
    "example-wrong-value",
    "example-missing-key",
    "example-wrong-event",
    "many-shape-errors",
    "many-meaning-errors",
    "empty-events",
    "missing-types-folder",
    "deviation-mistakes",
];

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diagnostics")
}

#[test]
fn every_bad_catalogue_is_reported_as_expected() {
    for kind in KINDS {
        let dir = corpus().join(kind);
        let input = read_catalogue(&dir);
        let diagnostics = match codegen::generate(&input) {
            Ok(_) => panic!("{kind}: the catalogue should be rejected"),
            Err(diagnostics) => diagnostics,
        };
        expect_file![dir.join("expected.txt")].assert_eq(&format!("{diagnostics}\n"));
        for item in diagnostics.items() {
            let known = input
                .types
                .iter()
                .chain(&input.examples)
                .chain([&input.events])
                .any(|file| file.path == item.location.path);
            // The one mistake about a folder rather than a file names the folder, with no line.
            let types_folder = item.location.path == "schema/types/" && item.location.line == 0;
            assert!(
                known || types_folder,
                "{kind}: {item:?} names a file that is not in the catalogue"
            );
            assert!(
                types_folder || (item.location.line > 0 && item.location.column > 0),
                "{kind}: {item:?}"
            );
            assert!(item.hint.is_some(), "{kind}: {item:?} has no hint");
        }
        let mut sorted = diagnostics.items().to_vec();
        sorted.sort_by(|a, b| a.location.cmp(&b.location));
        assert_eq!(sorted, diagnostics.items(), "{kind}: sorted by position");
    }
}

#[test]
fn every_folder_of_the_corpus_is_checked() {
    let mut folders: Vec<String> = std::fs::read_dir(corpus())
        .expect("tests/diagnostics")
        .map(|entry| entry.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    let mut kinds: Vec<String> = KINDS.iter().map(|k| (*k).to_owned()).collect();
    kinds.sort();
    assert_eq!(folders, kinds);
}
