//! Stage 1: the YAML files as written, mirrored by serde types.
//!
//! These types only check shape (known keys, required keys, value types); meaning is checked in
//! [`crate::lower`]. Nothing past that stage sees them.
//!
//! serde stops at the first shape error of a file. To report every entry that is wrong in one
//! run, a file that fails is parsed again once per entry (struct, field, event, …) with the other
//! entries blanked out line for line, so each error keeps its exact line and column.

use serde::Deserialize;
use serde::de::{DeserializeOwned, IgnoredAny};

use crate::diagnostic::{Diagnostic, closest};
use crate::source::{SourceFile, key_value};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EventsFile {
    pub(crate) domains: Vec<DomainYaml>,
    pub(crate) events: Vec<EventYaml>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DomainYaml {
    pub(crate) id: String,
    pub(crate) name: TextYaml,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EventYaml {
    #[serde(rename = "type")]
    pub(crate) event_type: String,
    pub(crate) name: TextYaml,
    pub(crate) schema: String,
    #[serde(default)]
    pub(crate) description: Option<TextYaml>,
    #[serde(default)]
    pub(crate) note: Option<String>,
    #[serde(default)]
    pub(crate) deprecated: Option<String>,
    #[serde(default)]
    pub(crate) deviation: Option<DeviationYaml>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TypesFile {
    #[serde(default)]
    pub(crate) structs: Vec<StructYaml>,
    #[serde(default)]
    pub(crate) enums: Vec<EnumYaml>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StructYaml {
    pub(crate) name: String,
    pub(crate) description: TextYaml,
    #[serde(default)]
    pub(crate) note: Option<String>,
    #[serde(default)]
    pub(crate) deviation: Option<DeviationYaml>,
    pub(crate) fields: Vec<FieldYaml>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FieldYaml {
    pub(crate) name: String,
    #[serde(rename = "type")]
    pub(crate) ty: String,
    #[serde(default)]
    pub(crate) nullable: bool,
    #[serde(default)]
    pub(crate) sensitive: bool,
    #[serde(default)]
    pub(crate) lenient: bool,
    #[serde(default)]
    pub(crate) subject: bool,
    pub(crate) description: TextYaml,
    #[serde(default)]
    pub(crate) note: Option<String>,
    #[serde(default)]
    pub(crate) deviation: Option<DeviationYaml>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EnumYaml {
    pub(crate) name: String,
    pub(crate) description: TextYaml,
    #[serde(default)]
    pub(crate) note: Option<String>,
    pub(crate) values: Vec<EnumValueYaml>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EnumValueYaml {
    pub(crate) value: String,
    pub(crate) description: TextYaml,
    #[serde(default)]
    pub(crate) note: Option<String>,
    #[serde(default)]
    pub(crate) deprecated: Option<String>,
    #[serde(default)]
    pub(crate) deviation: Option<DeviationYaml>,
}

/// `deviation:` on an event, struct, field or enum value: what StepPay's page says there, why
/// the catalogue differs, and what shows it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DeviationYaml {
    pub(crate) page: PageYaml,
    pub(crate) reason: String,
    pub(crate) evidence: String,
}

/// `page:` of a deviation; which keys an entry may use is checked in [`crate::lower`].
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PageYaml {
    #[serde(default)]
    pub(crate) listed: Option<bool>,
    #[serde(default)]
    pub(crate) schema: Option<String>,
    #[serde(default, rename = "type")]
    pub(crate) ty: Option<String>,
    #[serde(default)]
    pub(crate) nullable: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TextYaml {
    pub(crate) ko: String,
    pub(crate) en: String,
}

/// Parses one file, turning serde_yaml's errors into located diagnostics.
///
/// A YAML syntax error ends the file at the first one; a shape error is looked for in every entry.
pub(crate) fn parse<T: DeserializeOwned + Default>(
    file: &SourceFile,
) -> Result<T, Vec<Diagnostic>> {
    // A file of nothing but blank lines and comments is an empty document; serde_yaml reports
    // it as an error.
    if file.text.lines().all(|line| line.trim().is_empty() || line.trim_start().starts_with('#')) {
        return Ok(T::default());
    }
    let error = match serde_yaml::from_str::<T>(&file.text) {
        Ok(parsed) => return Ok(parsed),
        Err(error) => error,
    };
    if let Err(syntax) = IgnoredAny::deserialize(serde_yaml::Deserializer::from_str(&file.text)) {
        return Err(vec![syntax_error(file, &syntax)]);
    }
    let outline = Outline::of(&file.text);
    let mut found = vec![shape_error(file, &outline, &error, None)];
    for entry in 0..outline.entries.len() {
        if let Err(error) = serde_yaml::from_str::<T>(&outline.isolate(entry)) {
            found.push(shape_error(file, &outline, &error, Some(entry)));
        }
    }
    // An entry's error is found again while isolating each entry nested in it.
    found.sort_by(|a, b| a.location.cmp(&b.location));
    found.dedup();
    Err(found)
}

/// Where serde_yaml stopped, or the start of the file.
fn location_of(file: &SourceFile, error: &serde_yaml::Error) -> crate::source::Location {
    error.location().map_or_else(|| file.start(), |l| file.at(l.line(), l.column()))
}

/// serde_yaml's message without the " at line L column C" (and what follows) it appends.
fn message_of(error: &serde_yaml::Error) -> (String, Option<String>) {
    let text = error.to_string();
    match text.split_once(" at line ") {
        Some((message, rest)) => {
            let context = rest.split_once(", while ").map(|(_, context)| context.to_owned());
            (message.to_owned(), context)
        }
        None => (text, None),
    }
}

fn syntax_error(file: &SourceFile, error: &serde_yaml::Error) -> Diagnostic {
    let location = location_of(file, error);
    let (message, context) = message_of(error);
    let at = file
        .line(location.line)
        .and_then(|line| line.chars().nth(location.column.saturating_sub(1)));
    let hint = if at == Some('\t') || message.contains("tab") {
        "YAML does not allow tabs; indent with spaces".to_owned()
    } else if message.contains("mapping values are not allowed") {
        "quote text that contains `: `, e.g. `note: \"a: b\"`".to_owned()
    } else if message.contains("more than one document") {
        "a catalogue file is one YAML document; remove the `---` line".to_owned()
    } else {
        match context.as_deref().map(describe_context) {
            Some(Some(hint)) => hint,
            _ => {
                "check the indentation, quotes and brackets here and on the line before".to_owned()
            }
        }
    };
    Diagnostic::new(location, format!("invalid YAML: {message}")).with_hint(hint)
}

/// Turns libyaml's "parsing a flow sequence at line 1 column 4" into advice.
fn describe_context(context: &str) -> Option<String> {
    let (what, position) = context.split_once(" at line ")?;
    let position = position.replacen(" column ", ", column ", 1);
    let hint = match what {
        "parsing a flow sequence" => {
            format!("the `[` at line {position} needs its `]`, with `,` between the items")
        }
        "parsing a flow mapping" => {
            format!("the `{{` at line {position} needs its `}}`, with `,` between the entries")
        }
        "scanning a quoted scalar" => {
            format!("the quoted text that starts at line {position} needs its closing quote")
        }
        "scanning a simple key" => format!("the key at line {position} needs a `:` after it"),
        _ => format!(
            "while {what} at line {position}: check that the keys of one entry line up in one column"
        ),
    };
    Some(hint)
}

/// One serde error, phrased with the names of the entries it is in.
fn shape_error(
    file: &SourceFile,
    outline: &Outline<'_>,
    error: &serde_yaml::Error,
    isolated: Option<usize>,
) -> Diagnostic {
    let location = location_of(file, error);
    let (message, _) = message_of(error);
    // serde_yaml prefixes the path of the value, e.g. `structs[0].fields[2].nullable: …`.
    let (path, detail) = match message.split_once(": ") {
        Some((path, detail)) if !path.contains([' ', '`']) => (path, detail),
        _ => ("", message.as_str()),
    };
    let segments: Vec<(&str, Option<usize>)> = path
        .split('.')
        .filter(|s| !s.is_empty())
        .map(|segment| match segment.split_once('[') {
            Some((key, index)) => (key, index.trim_end_matches(']').parse().ok()),
            None => (segment, None),
        })
        .collect();
    let chain = isolated.map(|entry| outline.chain(entry)).unwrap_or_default();
    // Follow the indexed segments through the outline; in an isolated parse every index is 0
    // and the chain says which entry it really was.
    let mut entry: Option<usize> = None;
    let mut depth = 0;
    let mut rest: Vec<&str> = Vec::new();
    for (key, index) in &segments {
        match index {
            Some(index) if rest.is_empty() => {
                let found = match chain.get(depth) {
                    Some(&at) if outline.entries.get(at).is_some_and(|e| e.list == *key) => {
                        Some(at)
                    }
                    _ => outline.child(entry, key, *index),
                };
                match found {
                    Some(found) => {
                        entry = Some(found);
                        depth += 1;
                    }
                    None => rest.push(key),
                }
            }
            _ => rest.push(key),
        }
    }
    let entity = entry.map(|e| outline.describe(e));
    let place = match (rest.as_slice(), &entity) {
        ([], Some(entity)) => entity.clone(),
        ([], None) => "the top level of the file".to_owned(),
        (keys, Some(entity)) => format!("`{}` of {entity}", keys.join(".")),
        (keys, None) => format!("`{}`", keys.join(".")),
    };
    let (message, hint) = phrase(detail, &place, &rest, entity.as_deref());
    Diagnostic::new(location, message).with_hint(hint)
}

/// The message and hint for serde's `detail` about the value at `place`.
fn phrase(detail: &str, place: &str, keys: &[&str], entity: Option<&str>) -> (String, String) {
    let names: Vec<&str> = detail.split('`').skip(1).step_by(2).collect();
    if let Some(rest) = detail.strip_prefix("unknown field ") {
        let unknown = names.first().copied().unwrap_or_default();
        let allowed: Vec<&str> = names.iter().skip(1).copied().collect();
        let hint = match closest(unknown, allowed.iter().copied()) {
            Some(name) => format!("did you mean `{name}`?"),
            None if rest.contains("there are no fields") => "remove it".to_owned(),
            None => format!("the keys allowed here are {}", list(&allowed)),
        };
        let at = if entity.is_none() && keys.is_empty() {
            "at the top level".to_owned()
        } else {
            format!("in {place}")
        };
        return (format!("unknown key `{unknown}` {at}"), hint);
    }
    if detail.starts_with("missing field ") {
        let missing = names.first().copied().unwrap_or_default();
        return (
            format!("{place} is missing the required key `{missing}`"),
            format!("add `{missing}:`; schema/README.md lists the keys of every entry"),
        );
    }
    if detail.starts_with("duplicate field ") {
        let key = names.first().copied().unwrap_or_default();
        return (format!("duplicate key `{key}` in {place}"), "keep one of them".to_owned());
    }
    if let Some(types) = detail.strip_prefix("invalid type: ") {
        let (found, expected) = types.split_once(", expected ").unwrap_or((types, "another type"));
        let hint = match expected {
            "a boolean" => "write `true` or `false`, without quotes".to_owned(),
            "a sequence" => "write a list: one `- ` entry per line, or `[]` for none".to_owned(),
            "a string" => "write plain text; quote it if it contains `: ` or ` #`".to_owned(),
            other if other.starts_with("struct ") => {
                "write a mapping: `key: value` lines, or `{ key: value, … }`".to_owned()
            }
            _ => "schema/README.md gives the type of every key".to_owned(),
        };
        let expected = match expected {
            "a sequence" => "a list",
            other if other.starts_with("struct ") => "a mapping",
            other => other,
        };
        return (format!("{place} must be {expected}, not {found}"), hint);
    }
    (format!("{place}: {detail}"), "schema/README.md describes the format".to_owned())
}

/// `a`, `b` and `c`.
fn list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => "none".to_owned(),
    }
}

/// The block-style list entries of a YAML text (`- …` lines and what is indented below them), so
/// that one entry can be parsed alone.
#[derive(Debug)]
struct Outline<'a> {
    lines: Vec<&'a str>,
    entries: Vec<OutlineEntry>,
    /// For every line, the innermost entry it belongs to (`None` outside every entry, and for
    /// blank and comment lines, which are always kept).
    owner: Vec<Option<usize>>,
}

#[derive(Debug)]
struct OutlineEntry {
    /// The key of the list it is in, e.g. `fields`.
    list: String,
    /// Its position in that list, from 0.
    index: usize,
    /// The entry whose list it is in.
    parent: Option<usize>,
    /// The line (from 0) of the list's key, which tells lists apart.
    list_line: Option<usize>,
    /// The column of its `-`.
    dash: usize,
}

/// The key that names an entry of each list, for messages.
const NAMING_KEYS: &[(&str, &str)] = &[
    ("domains", "id"),
    ("events", "type"),
    ("structs", "name"),
    ("enums", "name"),
    ("fields", "name"),
    ("values", "value"),
];

impl<'a> Outline<'a> {
    fn of(text: &'a str) -> Self {
        let lines: Vec<&str> = text.lines().collect();
        let mut entries: Vec<OutlineEntry> = Vec::new();
        let mut owner = Vec::with_capacity(lines.len());
        let mut open: Vec<usize> = Vec::new();
        for (number, line) in lines.iter().enumerate() {
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                owner.push(None);
                continue;
            }
            let indent = line.len() - trimmed.len();
            while open.last().is_some_and(|&e| entries.get(e).is_some_and(|e| e.dash >= indent)) {
                open.pop();
            }
            if trimmed == "-" || trimmed.starts_with("- ") {
                let list_line = (0..number).rev().find(|&n| {
                    lines.get(n).is_some_and(|l| {
                        let t = l.trim_start();
                        let i = l.len() - t.len();
                        !t.is_empty()
                            && !t.starts_with('#')
                            && (i < indent || (i == indent && !t.starts_with('-')))
                    })
                });
                let list = list_line
                    .and_then(|n| lines.get(n))
                    .and_then(|l| {
                        let t = l.trim_start();
                        t.strip_prefix("- ").unwrap_or(t).split_once(':').map(|(k, _)| k.trim())
                    })
                    .unwrap_or_default()
                    .to_owned();
                let index = entries.iter().filter(|e| e.list_line == list_line).count();
                entries.push(OutlineEntry {
                    list,
                    index,
                    parent: open.last().copied(),
                    list_line,
                    dash: indent,
                });
                open.push(entries.len() - 1);
            }
            owner.push(open.last().copied());
        }
        Self { lines, entries, owner }
    }

    /// `entry` and the entries it is nested in, outermost first.
    fn chain(&self, entry: usize) -> Vec<usize> {
        let mut chain = vec![entry];
        let mut at = entry;
        while let Some(parent) = self.entries.get(at).and_then(|e| e.parent) {
            chain.push(parent);
            at = parent;
        }
        chain.reverse();
        chain
    }

    fn child(&self, parent: Option<usize>, list: &str, index: usize) -> Option<usize> {
        self.entries.iter().position(|e| e.parent == parent && e.list == list && e.index == index)
    }

    /// The text with every line outside `entry` and the entries it is nested in left empty, so
    /// that positions stay as they were.
    fn isolate(&self, entry: usize) -> String {
        let chain = self.chain(entry);
        let mut text = String::new();
        for (line, owner) in self.lines.iter().zip(&self.owner) {
            if owner.is_none_or(|owner| chain.contains(&owner)) {
                text.push_str(line);
            }
            text.push('\n');
        }
        text
    }

    /// The value of `key` on the entry's own lines.
    fn value(&self, entry: usize, key: &str) -> Option<&'a str> {
        self.lines
            .iter()
            .zip(&self.owner)
            .filter(|(_, owner)| **owner == Some(entry))
            .filter_map(|(line, _)| key_value(line))
            .find(|(k, _, _)| *k == key)
            .map(|(_, value, _)| value)
            .filter(|value| !value.is_empty())
    }

    /// `field `Order.paidAmount``, `event `order.created``, or `structs[2]` when it has no name.
    fn describe(&self, entry: usize) -> String {
        let Some(item) = self.entries.get(entry) else { return "an entry".to_owned() };
        let naming = NAMING_KEYS.iter().find(|(list, _)| *list == item.list).map(|(_, key)| *key);
        let name = naming.and_then(|key| self.value(entry, key));
        let owner = item.parent.and_then(|p| self.value(p, "name"));
        match (item.list.as_str(), name, owner) {
            ("fields", Some(name), Some(owner)) => format!("field `{owner}.{name}`"),
            ("values", Some(value), Some(owner)) => format!("value `{value}` of `{owner}`"),
            (list, Some(name), _) => {
                let kind = list.strip_suffix('s').unwrap_or(list);
                format!("{kind} `{name}`")
            }
            (list, None, _) => format!("`{list}[{}]`", item.index),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TYPES: &str = "\
# A comment.
structs:
  - name: Order
    description: { ko: 주문, en: Order }
    fields:
      - name: id
        type: Long
        description: { ko: 번호, en: Id }
      - name: items
        type: List<Item>
        nulable: true
        description: { ko: 항목, en: Items }
  - name: Item
    fields: []
";

    #[test]
    fn outlines_nested_entries() {
        let outline = Outline::of(TYPES);
        let entries: Vec<(&str, usize, Option<usize>)> =
            outline.entries.iter().map(|e| (e.list.as_str(), e.index, e.parent)).collect();
        assert_eq!(
            entries,
            [
                ("structs", 0, None),
                ("fields", 0, Some(0)),
                ("fields", 1, Some(0)),
                ("structs", 1, None)
            ]
        );
        assert_eq!(outline.describe(2), "field `Order.items`");
        assert_eq!(outline.describe(3), "struct `Item`");
        // Isolating the second field keeps its struct's own lines and line numbers.
        let isolated = outline.isolate(2);
        assert_eq!(isolated.lines().count(), TYPES.lines().count());
        assert!(isolated.contains("  - name: Order") && isolated.contains("name: items"));
        assert!(!isolated.contains("name: id") && !isolated.contains("name: Item\n"));
    }

    #[test]
    fn reports_every_entry_with_a_shape_error() {
        let file = SourceFile::new("schema/types/order.yaml", TYPES);
        let errors = parse::<TypesFile>(&file).expect_err("two mistakes");
        let rendered: Vec<String> = errors
            .iter()
            .map(|d| {
                format!("{}:{} {} ({:?})", d.location.line, d.location.column, d.message, d.hint)
            })
            .collect();
        assert_eq!(
            rendered,
            [
                "11:9 unknown key `nulable` in field `Order.items` (Some(\"did you mean `nullable`?\"))",
                "13:5 struct `Item` is missing the required key `description` (Some(\"add `description:`; schema/README.md lists the keys of every entry\"))",
            ]
        );
    }
}
