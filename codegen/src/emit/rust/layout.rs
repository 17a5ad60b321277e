//! Post-processing of prettyplease's output, so that the generated modules read as rustfmt would
//! leave them: `#[cfg(any(..))]` joined the way rustfmt writes it, and blank lines between items.

use std::collections::BTreeMap;

/// The width rustfmt gives a line, which a joined `#[cfg]` keeps to.
const MAX_WIDTH: usize = 100;

/// Writes each `#[cfg(any(..))]` that prettyplease spread over a line per token the way rustfmt
/// does: on one line when it fits, else one feature per line inside `#[cfg(any(` and `))]`.
pub(super) fn join_cfgs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.trim() != "#[cfg(" {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let indent = &line[..line.len() - line.trim_start().len()];
        let mut features = Vec::new();
        for inner in lines.by_ref() {
            let inner = inner.trim();
            if inner == ")]" {
                break;
            }
            if inner.starts_with("feature = ") {
                features.push(inner.trim_end_matches(','));
            }
        }
        let one_line = format!("{indent}#[cfg(any({}))]", features.join(", "));
        if one_line.len() <= MAX_WIDTH {
            out.push_str(&one_line);
            out.push('\n');
        } else {
            out.push_str(&format!("{indent}#[cfg(any(\n{indent}    "));
            out.push_str(&features.join(&format!(",\n{indent}    ")));
            out.push_str(&format!("\n{indent}))]\n"));
        }
    }
    out
}

/// Puts blank lines where a person would: prettyplease prints none, which makes long modules
/// hard to read.
///
/// A line that starts an item (its docs, an attribute or the item itself) gets a blank line
/// before it when the line above ends an item at the same depth. Runs of one-line `mod`
/// declarations stay together, and `use` lines stay together within a group (std, other crates,
/// this crate), as rustfmt's `group_imports` would arrange them. Match arms, fields and
/// statements are never split.
pub(super) fn space_items(text: &str) -> String {
    const STARTS: &[&str] = &[
        "///",
        "#[",
        "pub ",
        "pub(crate) ",
        "fn ",
        "impl",
        "mod ",
        "const ",
        "crate::",
        "use ",
        "trait ",
    ];
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let mut previous: Option<&str> = None;
    // The kind of the item that each depth's most recent item-starting line began.
    let mut kinds: BTreeMap<usize, Kind> = BTreeMap::new();
    for (i, line) in lines.iter().enumerate() {
        let indent = line.len() - line.trim_start().len();
        let trim = line.trim_start();
        let starts_item = STARTS.iter().any(|s| trim.starts_with(s));
        // Docs and attributes belong to the item below them: a `#[cfg]` on a `use` keeps it in
        // its run of `use` lines.
        let item_line = lines
            .iter()
            .skip(i)
            .map(|l| l.trim_start())
            .find(|l| !l.starts_with("///") && !l.starts_with("#["))
            .unwrap_or(trim);
        let kind = Kind::of(item_line);
        if let Some(prev) = previous {
            let prev_trim = prev.trim();
            let prev_indent = prev.len() - prev.trim_start().len();
            let ends_item = prev_trim == "}" || prev_trim.ends_with(';');
            let same_run = kinds.get(&indent).is_some_and(|last| last.continues(kind));
            let after_module_doc = prev.starts_with("//!") && !line.starts_with("//!");
            if after_module_doc || (ends_item && starts_item && prev_indent == indent && !same_run)
            {
                out.push('\n');
            }
        }
        if starts_item && !trim.starts_with("///") && !trim.starts_with("#[") {
            kinds.insert(indent, kind);
        }
        out.push_str(line);
        out.push('\n');
        previous = Some(*line);
    }
    out
}

/// What an item-starting line begins, for [`space_items`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A `use` of std (0), of another crate (1), or of this crate (2).
    Use(u8),
    /// A `pub use` re-export.
    Reexport,
    /// A one-line `mod name;`.
    Module,
    Other,
}

impl Kind {
    fn of(line: &str) -> Self {
        if line.starts_with("pub use ") || line.starts_with("pub(crate) use ") {
            return Kind::Reexport;
        }
        if let Some(path) = line.strip_prefix("use ") {
            let group = if ["std::", "core::", "alloc::"].iter().any(|p| path.starts_with(p)) {
                0
            } else if ["crate::", "super::", "self::"].iter().any(|p| path.starts_with(p)) {
                2
            } else {
                1
            };
            return Kind::Use(group);
        }
        if line.starts_with("mod ") && line.ends_with(';') { Kind::Module } else { Kind::Other }
    }

    /// Whether an item of kind `next` stays in the same block as one of kind `self`.
    fn continues(self, next: Kind) -> bool {
        self == next && self != Kind::Other
    }
}
