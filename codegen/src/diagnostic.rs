//! Mistakes in the catalogue, with where they are and what to do about them.
//!
//! Every problem the generator finds in its input becomes a [`Diagnostic`]; they are collected
//! into [`Diagnostics`], sorted by position and rendered in one place, so a maintainer sees every
//! mistake of a run at once.

use std::fmt;

use crate::source::{Location, SourceFile};

/// One mistake in the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where the mistake is.
    pub location: Location,
    /// What is wrong, naming the offending name.
    pub message: String,
    /// What would fix it, when the generator can tell.
    pub hint: Option<String>,
}

impl Diagnostic {
    pub(crate) fn new(location: Location, message: impl Into<String>) -> Self {
        Self { location, message: message.into(), hint: None }
    }

    pub(crate) fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Adds "did you mean" for the known name closest to `unknown`, if one is close enough.
    pub(crate) fn suggest<'a>(
        self,
        unknown: &str,
        known: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        match closest(unknown, known) {
            Some(name) => self.with_hint(format!("did you mean `{name}`?")),
            None => self,
        }
    }
}

/// Every mistake found in one run, sorted by file and position.
///
/// `Display` renders them for a person; `Debug` lists them without the source texts.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
    /// The source lines, kept so that rendering can quote the offending line.
    sources: Vec<SourceFile>,
}

impl Diagnostics {
    pub(crate) fn new(sources: &[&SourceFile]) -> Self {
        Self { items: Vec::new(), sources: sources.iter().map(|s| (*s).clone()).collect() }
    }

    pub(crate) fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The diagnostics, sorted by path, line and column.
    pub fn items(&self) -> &[Diagnostic] {
        &self.items
    }

    /// Sorts by position; a mistake about a whole file or folder (line 0) comes first, since it
    /// usually explains the others.
    pub(crate) fn finish(mut self) -> Self {
        self.items.sort_by(|a, b| {
            (a.location.line > 0, &a.location.path, a.location.line, a.location.column, &a.message)
                .cmp(&(
                    b.location.line > 0,
                    &b.location.path,
                    b.location.line,
                    b.location.column,
                    &b.message,
                ))
        });
        self.items.dedup();
        self
    }
}

impl fmt::Debug for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.items).finish()
    }
}

impl fmt::Display for Diagnostics {
    /// Renders like a compiler: the message, the position, the quoted line and the hint.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, item) in self.items.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            let Location { path, line, column } = &item.location;
            writeln!(f, "error: {}", item.message)?;
            writeln!(f, "  --> {}", item.location)?;
            let text = self
                .sources
                .iter()
                .find(|s| &s.path == path)
                .and_then(|s| s.line(*line))
                .filter(|_| *line > 0);
            if let Some(text) = text {
                let gutter = line.to_string().len();
                writeln!(f, "{:gutter$} |", "")?;
                writeln!(f, "{line} | {text}")?;
                let caret_at = text.chars().take(column.saturating_sub(1)).count();
                writeln!(f, "{:gutter$} | {:caret_at$}^", "", "")?;
            }
            if let Some(hint) = &item.hint {
                writeln!(f, "  = help: {hint}")?;
            }
        }
        let count = self.items.len();
        write!(f, "{count} error{} in the catalogue", if count == 1 { "" } else { "s" })
    }
}

impl std::error::Error for Diagnostics {}

/// The known name closest to `unknown` by edit distance, ignoring case, if it is plausibly a
/// misspelling; of two as close, the first in alphabetical order.
pub(crate) fn closest<'a>(
    unknown: &str,
    known: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (unknown.chars().count() / 3).max(2);
    let unknown = unknown.to_lowercase();
    known
        .into_iter()
        .map(|name| (strsim::levenshtein(&unknown, &name.to_lowercase()), name))
        .filter(|(distance, _)| *distance <= limit)
        .min()
        .map(|(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let known = ["Order", "Payment", "Subscription"];
        assert_eq!(closest("Oder", known), Some("Order"));
        assert_eq!(closest("payment", known), Some("Payment"));
        assert_eq!(closest("Invoice", known), None);
        assert_eq!(closest("Ordr", ["Orders", "Order"]), Some("Order"));
        assert_eq!(closest("Pay2", ["Pay3", "Pay1"]), Some("Pay1"));
    }
}
