//! Input texts and positions in them.
//!
//! serde_yaml reports positions for syntax and shape errors but not for values it parsed
//! successfully. Mistakes found later (a duplicate event type, an unknown schema) are located by
//! [`SourceFile::locate`], which looks the value up among the block-style `key: value` lines of
//! the file. The lines are indexed once per file, so the checks, which locate every name they
//! check, stay linear in the size of the catalogue.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

/// One input file: its path as shown to the user (relative to the repository root) and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path used in diagnostics and in generated headers, e.g. `schema/events.yaml`.
    pub path: String,
    /// The file's contents.
    pub text: String,
    /// The `key: value` lines, indexed on first use.
    index: OnceLock<Index>,
}

impl PartialEq for SourceFile {
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path && self.text == other.text
    }
}

impl Eq for SourceFile {}

/// Every block-style `key: value` line of a file, and where each key and pair occurs.
#[derive(Debug, Clone, Default)]
struct Index {
    entries: Vec<Entry>,
    /// Key → positions in `entries`, ascending.
    by_key: BTreeMap<Box<str>, Vec<usize>>,
    /// Key → value → positions in `entries`, ascending.
    by_pair: BTreeMap<Box<str>, BTreeMap<Box<str>, Vec<usize>>>,
}

impl Index {
    fn of(text: &str) -> Self {
        let mut index = Index::default();
        for (number, line) in text.lines().enumerate() {
            let Some((key, value, column)) = key_value(line) else { continue };
            let at = index.entries.len();
            index.by_key.entry(key.into()).or_default().push(at);
            index.by_pair.entry(key.into()).or_default().entry(value.into()).or_default().push(at);
            index.entries.push(Entry { line: number + 1, column });
        }
        index
    }

    fn pair(&self, key: &str, value: &str) -> &[usize] {
        self.by_pair.get(key).and_then(|values| values.get(value)).map_or(&[], Vec::as_slice)
    }

    fn key(&self, key: &str) -> &[usize] {
        self.by_key.get(key).map_or(&[], Vec::as_slice)
    }
}

/// A position in a source file; line and column count from 1.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// The file's path as given in [`SourceFile::path`].
    pub path: String,
    /// The line, from 1 (0 when only the file is known).
    pub line: usize,
    /// The column in characters, from 1 (0 when only the file is known).
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            f.write_str(&self.path)
        } else {
            write!(f, "{}:{}:{}", self.path, self.line, self.column)
        }
    }
}

impl Location {
    /// A whole file or folder, with no position in it.
    pub(crate) fn folder(path: &str) -> Self {
        Self { path: path.to_owned(), line: 0, column: 0 }
    }
}

impl SourceFile {
    /// A source file with the given path and text.
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Self {
        Self { path: path.into(), text: text.into(), index: OnceLock::new() }
    }

    /// The file itself, when nothing more precise is known.
    pub(crate) fn start(&self) -> Location {
        self.at(1, 1)
    }

    pub(crate) fn at(&self, line: usize, column: usize) -> Location {
        Location { path: self.path.clone(), line, column }
    }

    /// Line `number` (from 1) without its line ending.
    pub(crate) fn line(&self, number: usize) -> Option<&str> {
        self.text.lines().nth(number.checked_sub(1)?)
    }

    /// Finds the `occurrence`-th (from 0) line `key: value` that comes after each of `scope`'s
    /// `key: value` lines in turn, and returns the position of its value.
    ///
    /// `scope` narrows the search: `locate(&[("name", "Payment")], ("name", "orderId"), 0)` is the
    /// field `orderId` of the struct `Payment`. When the target cannot be found (flow-style YAML,
    /// say), the position of the innermost scope that was found is returned instead, so a
    /// diagnostic still points near the mistake.
    pub(crate) fn locate(
        &self,
        scope: &[(&str, &str)],
        target: (&str, &str),
        occurrence: usize,
    ) -> Location {
        let index = self.index();
        self.find(scope, index.pair(target.0, target.1), occurrence)
    }

    /// Like [`SourceFile::locate`], for the first line with the key `key` whatever its value
    /// (a flow mapping such as `name: { ko: …, en: … }`, say).
    pub(crate) fn locate_key(&self, scope: &[(&str, &str)], key: &str) -> Location {
        self.find(scope, self.index().key(key), 0)
    }

    fn index(&self) -> &Index {
        self.index.get_or_init(|| Index::of(&self.text))
    }

    /// The `occurrence`-th of `targets` (positions of matching lines) after the scope's lines.
    fn find(&self, scope: &[(&str, &str)], targets: &[usize], occurrence: usize) -> Location {
        let index = self.index();
        let located = |at: usize| index.entries.get(at).map(|e| self.at(e.line, e.column));
        let mut from = 0;
        let mut best = self.start();
        for &(key, value) in scope {
            let positions = index.pair(key, value);
            match positions.get(positions.partition_point(|&p| p < from)) {
                Some(&at) => {
                    best = located(at).unwrap_or(best);
                    from = at + 1;
                }
                None => return best,
            }
        }
        let first = targets.partition_point(|&p| p < from);
        targets.get(first + occurrence).and_then(|&at| located(at)).unwrap_or(best)
    }
}

/// Reads a block-style line `key: value` or `- key: value`: the key, the value without quotes or
/// a trailing comment, and the column (from 1) where the value starts.
pub(crate) fn key_value(line: &str) -> Option<(&str, &str, usize)> {
    let trimmed = line.trim_start();
    let item = trimmed.strip_prefix("- ").map(str::trim_start).unwrap_or(trimmed);
    let (key, rest) = item.split_once(':')?;
    if key.is_empty() || key.starts_with('#') || key.contains(' ') {
        return None;
    }
    let value = strip_comment(rest).trim();
    let unquoted = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
        .unwrap_or(value);
    let value_offset = line.len() - rest.len() + (rest.len() - rest.trim_start().len());
    Some((key, unquoted, line[..value_offset].chars().count() + 1))
}

/// Where a `key: value` line's value starts.
#[derive(Debug, Clone)]
struct Entry {
    line: usize,
    column: usize,
}

/// Cuts a trailing ` # comment` that is not inside quotes.
fn strip_comment(text: &str) -> &str {
    let mut quote = None;
    let mut previous = ' ';
    for (index, c) in text.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '#') if previous.is_whitespace() => return &text[..index],
            _ => {}
        }
        previous = c;
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "\
structs:
  - name: Payment
    fields:
      - name: id   # the id
        type: Long
  - name: Order
    fields:
      - name: id
        type: \"Long\"
";

    #[test]
    fn locates_values_within_a_scope() {
        let file = SourceFile::new("t.yaml", TEXT);
        let loc = file.locate(&[("name", "Order")], ("name", "id"), 0);
        assert_eq!((loc.line, loc.column), (8, 15));
        let loc = file.locate(&[("name", "Order"), ("name", "id")], ("type", "Long"), 0);
        assert_eq!((loc.line, loc.column), (9, 15));
        let loc = file.locate(&[], ("name", "id"), 1);
        assert_eq!(loc.line, 8);
    }

    #[test]
    fn falls_back_to_the_innermost_scope_found() {
        let file = SourceFile::new("t.yaml", TEXT);
        let loc = file.locate(&[("name", "Order")], ("name", "missing"), 0);
        assert_eq!((loc.line, loc.column), (6, 11));
    }
}
