//! Stage 2: check the YAML mirror and lower it into the [`Catalogue`] model.
//!
//! Every check records a located [`Diagnostic`] and carries on, so one run reports every mistake
//! it can. The model is returned only when there were none.
//!
//! The [`Lowerer`] holds the diagnostics and what later checks need to know; each kind of entry
//! is checked in its own file: [`events`] (domains and event types), [`types`] (the types files,
//! their names and recursion), [`fields`] (a struct's fields and their types), [`subject`] (the
//! field that identifies what a payload describes), [`enums`] (an enum's values), and
//! [`deviation`] (a recorded difference from StepPay's page, on any of them).

mod deviation;
mod enums;
mod events;
mod fields;
mod subject;
mod types;

use std::collections::{BTreeMap, BTreeSet};

use crate::Input;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::{Catalogue, Text};
use crate::source::{Location, SourceFile};
use crate::yaml::{self, EventsFile, TextYaml, TypesFile};

/// The folder of the types files, as named in messages.
const TYPES_DIR: &str = "schema/types/";

pub(crate) fn lower(input: &Input) -> Result<Catalogue, Diagnostics> {
    let sources: Vec<&SourceFile> = std::iter::once(&input.events).chain(&input.types).collect();
    let mut diagnostics = Diagnostics::new(&sources);

    // Shape first: without it there is nothing to check for meaning.
    let events = yaml::parse::<EventsFile>(&input.events);
    let mut types_files = Vec::new();
    for file in &input.types {
        match yaml::parse::<TypesFile>(file) {
            Ok(parsed) => types_files.push((file, parsed)),
            Err(found) => found.into_iter().for_each(|d| diagnostics.push(d)),
        }
    }
    let events = events.map_err(|found| found.into_iter().for_each(|d| diagnostics.push(d)));
    let Ok(events) = events else { return Err(diagnostics.finish()) };
    if !diagnostics.is_empty() {
        return Err(diagnostics.finish());
    }

    let examples = input.examples.iter().map(|e| e.path.clone()).collect();
    let mut lowerer =
        Lowerer { diagnostics, type_kinds: BTreeMap::new(), examples, subjects: Vec::new() };
    // Two mistakes leave nothing else worth checking against them: say so first, at the file
    // (or folder), rather than once per event or example that they break.
    if events.events.is_empty() {
        let what = if events.domains.is_empty() { "no domains and no events" } else { "no events" };
        lowerer.error(
            Diagnostic::new(input.events.start(), format!("`{}` declares {what}", input.events.path))
                .with_hint("it lists StepPay's domains under `domains:` and its event types under `events:`; schema/README.md shows the format"),
        );
    }
    if input.types.is_empty() {
        lowerer.error(
            Diagnostic::new(Location::folder(TYPES_DIR), format!("`{TYPES_DIR}` holds no types files"))
                .with_hint("it holds one `*.yaml` file per Rust module, each with the `structs:` and `enums:` that the events' schemas name; schema/README.md shows the format"),
        );
    }
    let types = lowerer.types(&types_files);
    let domains = lowerer.domains(&input.events, &events);
    let events = lowerer.events(&input.events, &events, &domains);
    lowerer.check_recursion(&types, &input.types);
    lowerer.check_subjects_are_read(&events);
    if lowerer.diagnostics.is_empty() {
        Ok(Catalogue::new(domains, events, types))
    } else {
        Err(lowerer.diagnostics.finish())
    }
}

struct Lowerer {
    diagnostics: Diagnostics,
    /// Every declared type name and whether it is a struct.
    type_kinds: BTreeMap<String, bool>,
    /// The paths of the example deliveries, which a deviation may cite as its evidence.
    examples: BTreeSet<String>,
    /// The fields marked `subject`, checked against the events once those are lowered.
    subjects: Vec<subject::MarkedSubject>,
}

impl Lowerer {
    fn error(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// Checks the text under `key` (`name`, `description`) of the entry at `scope`, which is
    /// `what` (e.g. "event `order.created`").
    fn text(
        &mut self,
        file: &SourceFile,
        scope: &[(&str, &str)],
        (key, what): (&str, &str),
        text: &TextYaml,
    ) -> Text {
        for (lang, value) in [("ko", &text.ko), ("en", &text.en)] {
            if value.trim().is_empty() {
                let location = file.locate_key(scope, key);
                self.error(
                    Diagnostic::new(location, format!("empty `{lang}` text in `{key}` of {what}"))
                        .with_hint("every text is written in Korean (`ko`) and English (`en`)"),
                );
            }
        }
        Text { ko: text.ko.trim().to_owned(), en: text.en.trim().to_owned() }
    }
}

/// Lowercase letters, digits and `_`, starting with a letter.
fn is_segment(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn quoted(names: &[&str]) -> String {
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}
