//! Reading catalogues from folders laid out like `schema/`, for the tests.

use std::collections::BTreeSet;
use std::path::Path;

use codegen::{Input, SourceFile};

/// Reads `events.yaml`, `types/*.yaml` (and `*.yml`) and `examples/**/*.json` under `dir`, naming each file as
/// `cargo xtask gen` names the real ones (`schema/…`). A missing `events.yaml` reads as empty.
#[allow(dead_code, reason = "each test binary uses what it needs of this module")]
pub(crate) fn read_catalogue(dir: &Path) -> Input {
    let read = |relative: &str| {
        let path = dir.join(relative);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        SourceFile::new(format!("schema/{relative}"), text)
    };
    let events = if dir.join("events.yaml").exists() {
        read("events.yaml")
    } else {
        SourceFile::new("schema/events.yaml", "")
    };
    let under = |folder: &str, extension: &str| -> Vec<SourceFile> {
        files_under(&dir.join(folder))
            .into_iter()
            .filter(|path| path.ends_with(extension))
            .map(|path| read(&format!("{folder}/{path}")))
            .collect()
    };
    let mut types = under("types", ".yaml");
    types.extend(under("types", ".yml"));
    Input { events, types, examples: under("examples", ".json") }
}

/// Every file under `dir`, relative to it with `/` separators, sorted; none if it is missing.
#[allow(dead_code, reason = "each test binary uses what it needs of this module")]
pub(crate) fn files_under(dir: &Path) -> BTreeSet<String> {
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
