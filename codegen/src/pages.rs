//! StepPay's own webhook pages, read as StepPay publishes them: the Webhook-Events page (one
//! table of events per domain) and the Webhook-Schema page (one table of fields per schema).
//!
//! The Markdown is parsed with a CommonMark parser with GFM tables (pulldown-cmark), so cells
//! with `|` in links or code, inline HTML (`<br/>`) and indented tables are read as a browser
//! shows them. The structure the drift report relies on is checked, not assumed: a table with
//! other columns, a table outside a section, a type or a nullability it cannot read is a
//! [`PageError`] naming the line, never a silent guess.
//!
//! What a page says is kept in its own words (types in the catalogue's spelling, `Object`
//! included); comparing it with the catalogue is [`crate::drift`]'s job.

use std::fmt;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// The Webhook-Events page: StepPay's event types by domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventsPage {
    /// The page's path as given, for messages.
    pub path: String,
    /// The domains in page order, each a `###` section with one table.
    pub domains: Vec<PageDomain>,
}

/// One domain section of the events page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageDomain {
    /// The section heading, StepPay's Korean name of the domain, e.g. `주문`.
    pub name: String,
    /// The heading's line, from 1.
    pub line: usize,
    /// Its events in page order.
    pub events: Vec<PageEvent>,
}

/// One row of an events table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageEvent {
    /// The Korean name, e.g. `주문 생성`.
    pub name: String,
    /// The event type, e.g. `order.created`.
    pub event_type: String,
    /// The schema the row names: the text of its link, e.g. `Order`.
    pub schema: String,
    /// The row's line, from 1.
    pub line: usize,
}

/// The Webhook-Schema page: a table of fields per schema and per nested object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaPage {
    /// The page's path as given, for messages.
    pub path: String,
    /// The tables in page order.
    pub tables: Vec<PageTable>,
}

/// One field table of the schema page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageTable {
    /// The `###` section it is in, e.g. `Subscription`.
    pub section: String,
    /// What the table describes.
    pub label: TableLabel,
    /// The line of its header row, from 1.
    pub line: usize,
    /// Its rows in page order.
    pub fields: Vec<PageField>,
}

/// What a table of the schema page describes, as the page labels it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableLabel {
    /// A named schema: the section's first table takes the section's name (`### Payment`); a
    /// later one the bold name before it (`- **Payer**`).
    Type(String),
    /// The objects of a field of an earlier table of the same section, when the bold label is
    /// that field's name (`- **recordQuotas**`, `- **`demoCycle`**`).
    FieldOf {
        /// The earlier table, as a position in [`SchemaPage::tables`].
        table: usize,
        /// The field's name.
        field: String,
    },
}

/// One row of a field table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageField {
    /// The JSON key, e.g. `paymentId`.
    pub name: String,
    /// The type in the catalogue's spelling: `Long`, `List<SubscriptionItem>`,
    /// `Map<String, String>`, `Object`.
    pub ty: String,
    /// Whether the page marks it nullable.
    pub nullable: bool,
    /// The first line of the description cell, e.g. `결제 상태`.
    pub description: String,
    /// The values the description lists (`- ACTIVE: 활성화`), in page order; empty when it
    /// lists none.
    pub values: Vec<PageValue>,
    /// The row's line, from 1.
    pub line: usize,
}

/// One value listed in a description cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageValue {
    /// The JSON string, e.g. `ACTIVE`.
    pub value: String,
    /// What the page says it means, e.g. `활성화`; may be empty.
    pub description: String,
}

/// A page whose structure is not what the reader expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageError {
    /// The page's path as given.
    pub path: String,
    /// The line, from 1 (0 for the page as a whole).
    pub line: usize,
    /// What is wrong.
    pub message: String,
    /// What the reader expected, or what to do.
    pub hint: String,
}

impl fmt::Display for PageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: {}", self.message)?;
        if self.line > 0 {
            writeln!(f, "  --> {}:{}", self.path, self.line)?;
        } else {
            writeln!(f, "  --> {}", self.path)?;
        }
        write!(f, "  = help: {}", self.hint)
    }
}

impl std::error::Error for PageError {}

/// The table layout each page has: its columns (each by the names it may go by), what its rows
/// are, and how to say so.
struct Layout<const N: usize> {
    columns: [&'static [&'static str]; N],
    rows: &'static str,
    page: &'static str,
    header: &'static str,
}

const EVENT_TABLE: Layout<3> = Layout {
    columns: [&["이벤트", "event"], &["이벤트 타입", "event type"], &["schema"]],
    rows: "events",
    page: "Webhook-Events",
    header: "이벤트 | 이벤트 타입 | Schema",
};

const FIELD_TABLE: Layout<4> = Layout {
    columns: [
        &["변수명", "field name", "field"],
        &["타입", "type"],
        &["설명", "description"],
        &["nullable"],
    ],
    rows: "a schema's fields",
    page: "Webhook-Schema",
    header: "변수명 | 타입 | 설명 | Nullable (or Field Name | Type | Description | Nullable)",
};

impl PageError {
    fn at(path: &str, line: usize, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self { path: path.to_owned(), line, message: message.into(), hint: hint.into() }
    }
}

/// Where `table`'s columns of `layout` are, or why it is not such a table; a table of the other
/// page's layout means the pages were given the wrong way round.
fn columns_of<const N: usize, const M: usize>(
    path: &str,
    table: &Table,
    layout: &Layout<N>,
    other: &Layout<M>,
) -> Result<[usize; N], PageError> {
    if table.columns(&other.columns).is_some() {
        return Err(PageError::at(
            path,
            table.line,
            format!("this table lists {}, not {}", other.rows, layout.rows),
            format!(
                "this looks like the {} page; give the Webhook-Events page first, then the Webhook-Schema page",
                other.page
            ),
        ));
    }
    table.columns(&layout.columns).ok_or_else(|| {
        PageError::at(
            path,
            table.line,
            format!("a table of {} with unexpected columns: {}", layout.rows, table.header_names()),
            format!("the {} page's tables have the columns {}", layout.page, layout.header),
        )
    })
}

impl EventsPage {
    /// Reads StepPay's Webhook-Events page.
    ///
    /// # Errors
    ///
    /// The first place where the page is not a `###` section per domain, each with a table of
    /// 이벤트 · 이벤트 타입 · Schema.
    pub fn parse(path: &str, text: &str) -> Result<Self, PageError> {
        let error = |line, message: String, hint: &str| PageError::at(path, line, message, hint);
        let mut domains: Vec<PageDomain> = Vec::new();
        let mut open: Option<PageDomain> = None;
        for block in blocks(text) {
            match block {
                Block::Heading { level, text: heading, line } => {
                    if let Some(domain) = open.take() {
                        domains.push(domain);
                    }
                    if level == 3 {
                        open = Some(PageDomain { name: heading, line, events: Vec::new() });
                    }
                }
                Block::Strong { .. } => {}
                Block::Table(table) => {
                    let columns = columns_of(path, &table, &EVENT_TABLE, &FIELD_TABLE)?;
                    let Some(domain) = open.as_mut() else {
                        return Err(error(
                            table.line,
                            "an events table outside a domain section".to_owned(),
                            "each table of the Webhook-Events page follows a `### <domain>` heading, e.g. `### 주문`",
                        ));
                    };
                    if !domain.events.is_empty() {
                        return Err(error(
                            table.line,
                            format!("a second events table in the section `{}`", domain.name),
                            "each domain section of the Webhook-Events page has one table",
                        ));
                    }
                    for row in &table.rows {
                        domain.events.push(event_row(path, row, columns)?);
                    }
                    if domain.events.is_empty() {
                        return Err(error(
                            table.line,
                            format!("the events table of `{}` has no rows", domain.name),
                            "a domain section lists at least one event",
                        ));
                    }
                }
            }
        }
        if let Some(domain) = open.take() {
            domains.push(domain);
        }
        if let Some(empty) = domains.iter().find(|d| d.events.is_empty()) {
            return Err(error(
                empty.line,
                format!("the section `{}` has no events table", empty.name),
                "each `###` section of the Webhook-Events page is a domain with a table of 이벤트 | 이벤트 타입 | Schema",
            ));
        }
        if domains.is_empty() {
            return Err(error(
                0,
                "no events tables".to_owned(),
                "the Webhook-Events page has a `### <domain>` section per domain, each with a table of 이벤트 | 이벤트 타입 | Schema",
            ));
        }
        Ok(Self { path: path.to_owned(), domains })
    }

    /// Every event of the page, in page order, with its domain.
    pub fn events(&self) -> impl Iterator<Item = (&PageDomain, &PageEvent)> {
        self.domains.iter().flat_map(|d| d.events.iter().map(move |e| (d, e)))
    }
}

fn event_row(
    path: &str,
    row: &Row,
    [name, ty, schema]: [usize; 3],
) -> Result<PageEvent, PageError> {
    let error = |message: String, hint: &str| PageError::at(path, row.line, message, hint);
    let cell = |at: usize| row.cells.get(at).cloned().unwrap_or_default();
    let (name, event_type, schema) = (cell(name), cell(ty), cell(schema));
    let name = name.text.trim().to_owned();
    if name.is_empty() {
        return Err(error(
            "an event without a name".to_owned(),
            "the 이벤트 column holds the event's Korean name",
        ));
    }
    let event_type = event_type.text.trim().to_owned();
    let segments: Vec<&str> = event_type.split('.').collect();
    if segments.len() < 2 || !segments.iter().all(|s| is_segment(s)) {
        return Err(error(
            format!("`{event_type}` is not an event type"),
            "the 이벤트 타입 column holds lowercase segments separated by dots, e.g. `order.created`",
        ));
    }
    let schema = match schema.links.as_slice() {
        [link] => link.clone(),
        [] => schema.text.trim().to_owned(),
        _ => {
            return Err(error(
                format!("the Schema cell of `{event_type}` has more than one link"),
                "the Schema column holds one link to the schema, e.g. [Order](…#order)",
            ));
        }
    };
    if !is_identifier(&schema) {
        return Err(error(
            format!("the Schema cell of `{event_type}` does not name a schema: `{schema}`"),
            "the Schema column holds one link to the schema, e.g. [Order](…#order)",
        ));
    }
    Ok(PageEvent { name, event_type, schema, line: row.line })
}

impl SchemaPage {
    /// Reads StepPay's Webhook-Schema page.
    ///
    /// # Errors
    ///
    /// The first place where the page is not a `###` section per schema, each table labelled
    /// (the section's name, or a bold name before it) with the columns 변수명 · 타입 · 설명 ·
    /// Nullable, and every type and nullability readable.
    pub fn parse(path: &str, text: &str) -> Result<Self, PageError> {
        let error = |line, message: String, hint: &str| PageError::at(path, line, message, hint);
        let mut tables: Vec<PageTable> = Vec::new();
        let mut section: Option<(String, usize)> = None;
        // The first bold text since the last heading or table: the label of the next table.
        let mut label: Option<String> = None;
        let mut first_in_section = false;
        for block in blocks(text) {
            match block {
                Block::Heading { level, text: heading, line } => {
                    section = (level == 3).then_some((heading, line));
                    first_in_section = true;
                    label = None;
                }
                Block::Strong { text: strong, .. } => {
                    label.get_or_insert(strong);
                }
                Block::Table(table) => {
                    let columns = columns_of(path, &table, &FIELD_TABLE, &EVENT_TABLE)?;
                    let Some((section_name, _)) = &section else {
                        return Err(error(
                            table.line,
                            "a field table outside a schema section".to_owned(),
                            "each table of the Webhook-Schema page is in a `### <Schema>` section",
                        ));
                    };
                    let fields = table
                        .rows
                        .iter()
                        .map(|row| field_row(path, row, columns))
                        .collect::<Result<Vec<_>, _>>()?;
                    if fields.is_empty() {
                        return Err(error(
                            table.line,
                            "a field table with no rows".to_owned(),
                            "a schema's table lists at least one field",
                        ));
                    }
                    let table_label = if first_in_section {
                        TableLabel::Type(section_name.clone())
                    } else {
                        let Some(label) = label.take() else {
                            return Err(error(
                                table.line,
                                format!("a table in `{section_name}` without a label"),
                                "a nested table follows a bold name: the schema's (`- **Payer**`) or the field's whose objects it describes (`- **recordQuotas**`)",
                            ));
                        };
                        let parent = tables.iter().enumerate().rev().find(|(_, t)| {
                            t.section == *section_name && t.fields.iter().any(|f| f.name == label)
                        });
                        match parent {
                            Some((table, _)) => TableLabel::FieldOf { table, field: label },
                            None if is_identifier(&label) => TableLabel::Type(label),
                            None => {
                                return Err(error(
                                    table.line,
                                    format!(
                                        "the table labelled `{label}` names neither a schema nor a field above it"
                                    ),
                                    "a nested table follows a bold name: the schema's (`- **Payer**`) or the field's whose objects it describes (`- **recordQuotas**`)",
                                ));
                            }
                        }
                    };
                    tables.push(PageTable {
                        section: section_name.clone(),
                        label: table_label,
                        line: table.line,
                        fields,
                    });
                    first_in_section = false;
                    label = None;
                }
            }
        }
        if tables.is_empty() {
            return Err(error(
                0,
                "no field tables".to_owned(),
                "the Webhook-Schema page has a `### <Schema>` section per schema, each with a table of 변수명 | 타입 | 설명 | Nullable",
            ));
        }
        Ok(Self { path: path.to_owned(), tables })
    }
}

fn field_row(
    path: &str,
    row: &Row,
    [name, ty, description, nullable]: [usize; 4],
) -> Result<PageField, PageError> {
    let error = |message: String, hint: &str| PageError::at(path, row.line, message, hint);
    let cell = |at: usize| row.cells.get(at).map(|c| c.text.clone()).unwrap_or_default();
    let name = cell(name).trim().to_owned();
    if !is_identifier(&name) {
        return Err(error(
            format!("`{name}` is not a field name"),
            "the first column holds the JSON key, e.g. `paymentId`",
        ));
    }
    let written = cell(ty);
    let Some(ty) = page_type(&written) else {
        return Err(error(
            format!("cannot read the type `{}` of `{name}`", written.trim()),
            "types are a name (`Long`, `Payer`), `List (T)` or `Map (String, T)`",
        ));
    };
    let written = cell(nullable);
    let nullable = match written.trim().to_ascii_lowercase().as_str() {
        "yes" => true,
        "no" => false,
        _ => {
            return Err(error(
                format!("`{name}` has the nullability `{}`", written.trim()),
                "the Nullable column holds Yes or No",
            ));
        }
    };
    let description = cell(description);
    let mut lines = description.lines().map(str::trim);
    let first = lines.next().unwrap_or_default().to_owned();
    let values = lines.filter_map(value_line).collect();
    Ok(PageField { name, ty, nullable, description: first, values, line: row.line })
}

/// `List (SubscriptionItem)` → `List<SubscriptionItem>`; `Map (String, String)` →
/// `Map<String, String>`; a name stays itself.
fn page_type(text: &str) -> Option<String> {
    let text = text.trim();
    fn inner(rest: &str) -> Option<&str> {
        let rest = rest.trim_start();
        rest.strip_prefix('(')
            .and_then(|r| r.strip_suffix(')'))
            .or_else(|| rest.strip_prefix('<').and_then(|r| r.strip_suffix('>')))
            .map(str::trim)
    }
    if let Some(item) = text.strip_prefix("List").and_then(inner) {
        return Some(format!("List<{}>", page_type(item)?));
    }
    if let Some(pair) = text.strip_prefix("Map").and_then(inner) {
        let (key, value) = pair.split_once(',')?;
        return Some(format!("Map<{}, {}>", page_type(key)?, page_type(value)?));
    }
    is_identifier(text).then(|| text.to_owned())
}

/// A line of a description cell that lists a value: `- ACTIVE: 활성화`, `-REMIND: 결제 안내`,
/// `BOX: 배송상품`, `INCOMPLETE`, `BANKPAY (deprecated, …): 뱅크페이`.
fn value_line(line: &str) -> Option<PageValue> {
    let line = line.strip_prefix('-').unwrap_or(line).trim_start();
    let end = line
        .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
        .unwrap_or(line.len());
    let (value, rest) = line.split_at(end);
    if value.len() < 2 || !value.starts_with(|c: char| c.is_ascii_uppercase()) {
        return None;
    }
    if !(rest.is_empty() || rest.starts_with([':', ' ', '('])) {
        return None;
    }
    let mut rest = rest.trim_start();
    if rest.starts_with('(') {
        rest = rest.split_once(')').map_or("", |(_, after)| after).trim_start();
    }
    let description = rest.strip_prefix(':').unwrap_or(rest).trim().to_owned();
    Some(PageValue { value: value.to_owned(), description })
}

fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_segment(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// What the readers need of a Markdown document, in order.
#[derive(Debug)]
enum Block {
    Heading {
        level: u8,
        text: String,
        line: usize,
    },
    /// Bold text outside tables.
    Strong {
        text: String,
    },
    Table(Table),
}

#[derive(Debug, Default)]
struct Table {
    line: usize,
    header: Vec<Cell>,
    rows: Vec<Row>,
}

#[derive(Debug, Default)]
struct Row {
    line: usize,
    cells: Vec<Cell>,
}

#[derive(Debug, Default, Clone)]
struct Cell {
    /// The text as shown, with `\n` for each `<br>`.
    text: String,
    /// The text of each link in it.
    links: Vec<String>,
}

impl Table {
    fn header_names(&self) -> String {
        let names: Vec<&str> = self.header.iter().map(|c| c.text.trim()).collect();
        names.join(" | ")
    }

    /// Where each expected column is, when the header has exactly these columns.
    fn columns<const N: usize>(&self, expected: &[&[&str]; N]) -> Option<[usize; N]> {
        if self.header.len() != N {
            return None;
        }
        let mut found = [0; N];
        for (slot, names) in found.iter_mut().zip(expected) {
            *slot = self.header.iter().position(|cell| {
                let name = cell.text.trim().to_lowercase();
                names.contains(&name.as_str())
            })?;
        }
        Some(found)
    }
}

/// Headings, bold text and tables, with their lines.
fn blocks(text: &str) -> Vec<Block> {
    let line_starts: Vec<usize> =
        std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
    let line_of = |offset: usize| line_starts.partition_point(|&start| start <= offset);
    let options = Options::ENABLE_TABLES | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS;
    let mut blocks = Vec::new();
    // What is being read: a heading's text, a bold text's, a table's.
    let mut heading: Option<(u8, String, usize)> = None;
    let mut strong: Option<String> = None;
    let mut table: Option<Table> = None;
    let mut in_head = false;
    let mut cell: Option<Cell> = None;
    let mut link: Option<String> = None;
    for (event, range) in Parser::new_ext(text, options).into_offset_iter() {
        let text_event = match &event {
            // A control character shows as nothing in a browser (the cover rows of the events
            // page have a backspace before `Cover`): the page says what it shows.
            Event::Text(t) | Event::Code(t) => Some(visible(t)),
            Event::SoftBreak | Event::HardBreak => Some("\n".to_owned()),
            Event::InlineHtml(html) => is_line_break(html).then(|| "\n".to_owned()),
            _ => None,
        };
        if let Some(piece) = text_event {
            if let Some(cell) = cell.as_mut() {
                cell.text.push_str(&piece);
            } else if let Some((_, text, _)) = heading.as_mut() {
                text.push_str(&piece);
            } else if let Some(text) = strong.as_mut() {
                text.push_str(&piece);
            }
            if let Some(link) = link.as_mut() {
                link.push_str(&piece);
            }
            continue;
        }
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some((heading_level(level), String::new(), line_of(range.start)));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, text, line)) = heading.take() {
                    blocks.push(Block::Heading { level, text: text.trim().to_owned(), line });
                }
            }
            Event::Start(Tag::Strong) if table.is_none() && heading.is_none() => {
                strong = Some(String::new());
            }
            Event::End(TagEnd::Strong) => {
                if let Some(text) = strong.take() {
                    blocks.push(Block::Strong { text: text.trim().to_owned() });
                }
            }
            Event::Start(Tag::Table(_)) => {
                table = Some(Table { line: line_of(range.start), ..Table::default() });
            }
            Event::End(TagEnd::Table) => {
                if let Some(table) = table.take() {
                    blocks.push(Block::Table(table));
                }
            }
            Event::Start(Tag::TableHead) => in_head = true,
            Event::End(TagEnd::TableHead) => in_head = false,
            Event::Start(Tag::TableRow) => {
                if let Some(table) = table.as_mut() {
                    table.rows.push(Row { line: line_of(range.start), cells: Vec::new() });
                }
            }
            Event::Start(Tag::TableCell) => cell = Some(Cell::default()),
            Event::End(TagEnd::TableCell) => {
                if let (Some(done), Some(table)) = (cell.take(), table.as_mut()) {
                    if in_head {
                        table.header.push(done);
                    } else if let Some(row) = table.rows.last_mut() {
                        row.cells.push(done);
                    }
                }
            }
            Event::Start(Tag::Link { .. }) => link = Some(String::new()),
            Event::End(TagEnd::Link) => {
                if let (Some(text), Some(cell)) = (link.take(), cell.as_mut()) {
                    cell.links.push(text.trim().to_owned());
                }
            }
            _ => {}
        }
    }
    blocks
}

/// The text without control characters; a tab reads as a space.
fn visible(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

fn is_line_break(html: &str) -> bool {
    let tag: String =
        html.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_lowercase();
    matches!(tag.as_str(), "<br>" | "<br/>")
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_page_types() {
        assert_eq!(page_type("List (SubscriptionItem)").as_deref(), Some("List<SubscriptionItem>"));
        assert_eq!(page_type("Map (String, String)").as_deref(), Some("Map<String, String>"));
        assert_eq!(page_type(" Long ").as_deref(), Some("Long"));
        assert_eq!(page_type("List (Object)").as_deref(), Some("List<Object>"));
        assert_eq!(page_type("Long or String"), None);
        assert_eq!(page_type("List (Long"), None);
    }

    #[test]
    fn reads_value_lines_in_their_page_spellings() {
        let read = |line| value_line(line).map(|v| (v.value, v.description));
        assert_eq!(read("- ACTIVE: 활성화"), Some(("ACTIVE".into(), "활성화".into())));
        assert_eq!(read("-REMIND: 결제 안내"), Some(("REMIND".into(), "결제 안내".into())));
        assert_eq!(read("INCOMPLETE"), Some(("INCOMPLETE".into(), String::new())));
        assert_eq!(
            read("BANKPAY (deprecated, \"뱅크페이\"로 변경된 BLUE_WALNUT을 사용하세요.): 뱅크페이"),
            Some(("BANKPAY".into(), "뱅크페이".into()))
        );
        assert_eq!(
            read("BUNDLE 포함해서 판매하는 상품"),
            Some(("BUNDLE".into(), "포함해서 판매하는 상품".into()))
        );
        assert_eq!(read("- DateUnitType: 날짜 단위 타입"), None);
        assert_eq!(read("(허용 값)"), None);
        assert_eq!(read("KG이니시스"), None);
    }

    #[test]
    fn control_characters_are_invisible_as_in_a_browser() {
        let page = "### 커버\n\n| 이벤트 | 이벤트 타입 | Schema |\n|---|---|---|\n| 커버 만기 | cover.paused | [\u{8}Cover](https://example.com/#cover) |\n";
        let page = EventsPage::parse("e.md", page).expect("readable");
        assert_eq!(page.domains[0].events[0].schema, "Cover");
    }

    #[test]
    fn a_cell_with_a_pipe_in_code_and_line_breaks_is_one_cell() {
        let page = "### Pay\n\n| 변수명 | 타입 | 설명 | Nullable |\n|---|---|---|---|\n| status | String | 상태 `a\\|b`<br/>- A1: 하나<br>- B2 | No |\n";
        let page = SchemaPage::parse("p.md", page).expect("readable");
        let field = &page.tables[0].fields[0];
        assert_eq!(field.description, "상태 a|b");
        let values: Vec<&str> = field.values.iter().map(|v| v.value.as_str()).collect();
        assert_eq!(values, ["A1", "B2"]);
        assert_eq!(field.line, 5);
    }
}
