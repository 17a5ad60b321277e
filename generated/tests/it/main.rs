//! Integration tests of `steppay-webhooks`, using the crate the way a receiver does.
//!
//! One test binary (as ruma does), so the crate is linked once.

#[cfg(all(feature = "dashboard", feature = "sqlite", feature = "payment"))]
mod dashboard;
mod dispatch;
mod examples;
mod json_schema;
mod key;
mod key_order;
mod lenient_ids;
mod parse;
#[cfg(feature = "axum")]
mod receive;
mod robustness;
mod subject;
#[cfg(feature = "test-util")]
mod testing;
mod verify;

use std::path::{Path, PathBuf};

/// `schema/examples/`, relative to this crate.
fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema/examples")
}

/// Every example delivery: `(name, bytes)`, sorted by name; the main one per event type first,
/// then `extra/`.
fn examples() -> Vec<(String, Vec<u8>)> {
    let mut found = Vec::new();
    for (dir, prefix) in [(examples_dir(), ""), (examples_dir().join("extra"), "extra/")] {
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.expect("directory entry").file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".json"))
            .collect();
        names.sort();
        for name in names {
            let bytes = std::fs::read(dir.join(&name)).expect("read example");
            found.push((format!("{prefix}{name}"), bytes));
        }
    }
    found
}

/// The example body for one event type, as text.
fn example(event_type: &str) -> String {
    let path = examples_dir().join(format!("{event_type}.json"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; every event type needs an example delivery (see schema/README.md)",
            path.display()
        )
    })
}

/// Whether the crate under test was built with the Cargo feature of `event_type`'s domain (its
/// first segment). Written out by hand, so that the tests do not take the generator's word for
/// which events a feature brings.
fn domain_enabled(event_type: &str) -> bool {
    match event_type.split('.').next().unwrap_or_default() {
        "order" => cfg!(feature = "order"),
        "subscription" => cfg!(feature = "subscription"),
        "invoice" => cfg!(feature = "invoice"),
        "payment" => cfg!(feature = "payment"),
        "customer" => cfg!(feature = "customer"),
        "product" => cfg!(feature = "product"),
        "cover" => cfg!(feature = "cover"),
        other => panic!(
            "`{event_type}`: add its domain `{other}` to `domain_enabled` in tests/it/main.rs"
        ),
    }
}
