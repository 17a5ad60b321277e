//! Input texts and positions in them.
//!
//! serde_yaml reports positions for syntax and shape errors but not for values it parsed
//! successfully. Mistakes found later (a duplicate event type, an unknown schema) are located by
//! [`SourceFile::locate`], which scans the block-style `key: value` lines of the file.

use std::fmt;

/// One input file: its path as shown to the user (relative to the repository root) and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// The path used in diagnostics and in generated headers, e.g. `schema/events.yaml`.
    pub path: String,
    /// The file's contents.
    pub text: String,
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
        write!(f, "{}:{}:{}", self.path, self.line, self.column)
    }
}

impl SourceFile {
    /// A source file with the given path and text.
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Self {
        Self { path: path.into(), text: text.into() }
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
        self.find(scope, |key, value| key == target.0 && value == target.1, occurrence)
    }

    /// Like [`SourceFile::locate`], for the first line with the key `key` whatever its value
    /// (a flow mapping such as `name: { ko: …, en: … }`, say).
    pub(crate) fn locate_key(&self, scope: &[(&str, &str)], key: &str) -> Location {
        self.find(scope, |k, _| k == key, 0)
    }

    fn find(
        &self,
        scope: &[(&str, &str)],
        matches: impl Fn(&str, &str) -> bool,
        occurrence: usize,
    ) -> Location {
        let entries = self.entries();
        let mut from = 0;
        let mut best = self.start();
        for &(key, value) in scope {
            match entries[from..].iter().position(|e| e.key == key && e.value == value) {
                Some(offset) => {
                    from += offset;
                    best = self.at(entries[from].line, entries[from].column);
                    from += 1;
                }
                None => return best,
            }
        }
        entries[from..]
            .iter()
            .filter(|e| matches(e.key, e.value))
            .nth(occurrence)
            .map_or(best, |e| self.at(e.line, e.column))
    }

    /// Every block-style `key: value` line, in order.
    fn entries(&self) -> Vec<Entry<'_>> {
        self.text
            .lines()
            .enumerate()
            .filter_map(|(index, line)| {
                let (key, value, column) = key_value(line)?;
                Some(Entry { key, value, line: index + 1, column })
            })
            .collect()
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

#[derive(Debug)]
struct Entry<'a> {
    key: &'a str,
    value: &'a str,
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
