//! Drift: what StepPay's own pages say, against the catalogue.
//!
//! [`drift`] compares the [`Catalogue`] with the parsed [`EventsPage`] and [`SchemaPage`] and
//! returns a [`DriftReport`]: every difference as a [`Finding`] with the YAML that would adopt
//! it, except those a [`Deviation`](crate::Deviation) in the catalogue records exactly, which are listed as
//! [`Accepted`]. A deviation whose recorded page value no longer matches is reported as
//! outdated; one where the page now agrees with the catalogue, as obsolete. Rendering is in
//! [`render`]; nothing here reads a file.
//!
//! How the pages map onto the catalogue:
//! - events by event type; a page event's schema is the text of its link;
//! - a page table describes the struct it is labelled with, or, when labelled with a field's
//!   name, that field's objects; where the page types such a field `Object`
//!   (`recordQuotas: List (Object)`), the catalogue's type of that field names them;
//! - fields by JSON key; types in the catalogue's spelling; nullability from the Nullable column;
//! - where a description lists values (`- ACTIVE: 활성화`) and the catalogue's field is an enum,
//!   the values; a value the catalogue keeps with `deprecated:` may be missing from the page.
//!
//! This file holds the report and the comparison's state; `events.rs` compares the events page,
//! `schemas.rs` the schema page (structs, fields, enum values), `deviations.rs` applies the
//! recorded deviations to what they found, and `snippet.rs` writes the YAML each finding offers.

mod deviations;
mod events;
pub mod render;
mod schemas;
mod snippet;

use serde::Serialize;

use crate::model::{Catalogue, PageSays, Text};
use crate::pages::{EventsPage, SchemaPage};

const EVENTS_FILE: &str = "schema/events.yaml";
const TYPES_DIR: &str = "schema/types";

/// The outcome of comparing the catalogue with StepPay's pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DriftReport {
    /// The events page's path, as given.
    pub events_page: String,
    /// The schema page's path, as given.
    pub schema_page: String,
    /// How many events the events page lists.
    pub page_events: usize,
    /// How many field tables the schema page has.
    pub page_tables: usize,
    /// Every difference no deviation accounts for, and every deviation that is outdated or
    /// obsolete: what a maintainer has to look at.
    pub findings: Vec<Finding>,
    /// The deviations the pages still bear out exactly.
    pub accepted: Vec<Accepted>,
}

impl DriftReport {
    /// Whether there is nothing to review.
    pub fn is_clean(&self) -> bool {
        self.findings.is_empty()
    }
}

/// One difference between a page and the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// What kind of difference.
    pub kind: FindingKind,
    /// What it is about: `order.created`, `Payment`, `Payment.status`, `PaymentStatus.COMPLETE`.
    pub subject: String,
    /// The subject's Korean and English names (for something only the page has, the page's
    /// Korean and an English name made from the key).
    pub names: Names,
    /// What the page says, e.g. `type: String`.
    pub page: String,
    /// What the catalogue says, e.g. `type: PaymentStatus`.
    pub catalogue: String,
    /// Where the page says it: `path:line`.
    pub page_at: String,
    /// Where to make the change: the file, and the entry in it.
    pub place: String,
    /// The YAML that adopts what the page says (or, for a deviation, updates or removes it).
    pub snippet: String,
}

/// The kinds of [`Finding`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// A page domain's Korean name differs from the catalogue's.
    DomainName,
    /// The page lists an event the catalogue lacks.
    EventMissing,
    /// The catalogue has an event the page does not list.
    EventExtra,
    /// An event's Korean name differs.
    EventName,
    /// An event's schema differs.
    EventSchema,
    /// The page has a table for a struct the catalogue lacks.
    SchemaMissing,
    /// The catalogue has a struct the page has no table for.
    SchemaExtra,
    /// The page lists a field the catalogue's struct lacks.
    FieldMissing,
    /// The catalogue's struct has a field the page does not list.
    FieldExtra,
    /// A field's type differs.
    FieldType,
    /// A field's nullability differs.
    FieldNullable,
    /// The page lists an enum value the catalogue lacks.
    ValueMissing,
    /// The catalogue has an enum value the page does not list where it lists the others.
    ValueExtra,
    /// A deviation records a page value the page no longer says.
    DeviationOutdated,
    /// A deviation records a difference the page no longer has: remove it.
    DeviationObsolete,
}

impl FindingKind {
    /// A short phrase for people.
    pub fn describe(self) -> &'static str {
        match self {
            FindingKind::DomainName => "domain name differs",
            FindingKind::EventMissing => "event missing from the catalogue",
            FindingKind::EventExtra => "event not on the page",
            FindingKind::EventName => "event name differs",
            FindingKind::EventSchema => "event schema differs",
            FindingKind::SchemaMissing => "schema missing from the catalogue",
            FindingKind::SchemaExtra => "schema not on the page",
            FindingKind::FieldMissing => "field missing from the catalogue",
            FindingKind::FieldExtra => "field not on the page",
            FindingKind::FieldType => "field type differs",
            FindingKind::FieldNullable => "nullability differs",
            FindingKind::ValueMissing => "enum value missing from the catalogue",
            FindingKind::ValueExtra => "enum value not on the page",
            FindingKind::DeviationOutdated => {
                "deviation outdated: the page says something else now"
            }
            FindingKind::DeviationObsolete => "deviation obsolete: the page agrees now; remove it",
        }
    }
}

/// Korean and English names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Names {
    /// Korean.
    pub ko: String,
    /// English.
    pub en: String,
}

impl From<&Text> for Names {
    fn from(text: &Text) -> Self {
        Self { ko: text.ko.clone(), en: text.en.clone() }
    }
}

/// A deviation the pages bear out exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Accepted {
    /// What it is about, as in [`Finding::subject`].
    pub subject: String,
    /// The subject's Korean and English names.
    pub names: Names,
    /// What the page says, as recorded, e.g. `type: String`.
    pub page: Vec<String>,
    /// Why the catalogue departs from it.
    pub reason: String,
    /// What shows it.
    pub evidence: String,
    /// Where the deviation is recorded.
    pub file: String,
}

/// Compares the catalogue with StepPay's pages.
pub fn drift(catalogue: &Catalogue, events: &EventsPage, schemas: &SchemaPage) -> DriftReport {
    let mut comparison = Comparison { catalogue, findings: Vec::new() };
    comparison.events(events);
    comparison.schemas(schemas);
    let Comparison { findings, .. } = comparison;
    let (findings, accepted) = deviations::review(catalogue, findings);
    DriftReport {
        events_page: events.path.clone(),
        schema_page: schemas.path.clone(),
        page_events: events.events().count(),
        page_tables: schemas.tables.len(),
        findings,
        accepted,
    }
}

/// What a deviation can be attached to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Subject {
    Event(String),
    Type(String),
    Field(String, String),
    Value(String, String),
}

impl Subject {
    fn label(&self) -> String {
        match self {
            Subject::Event(name) | Subject::Type(name) => name.clone(),
            Subject::Field(owner, name) | Subject::Value(owner, name) => format!("{owner}.{name}"),
        }
    }
}

/// A raw difference, before the deviations are applied.
#[derive(Debug)]
struct Raw {
    finding: Finding,
    /// What the page says that a deviation on `Subject` could record.
    claim: Option<(Subject, PageSays)>,
}

struct Comparison<'a> {
    catalogue: &'a Catalogue,
    findings: Vec<Raw>,
}

impl Comparison<'_> {
    fn push(&mut self, finding: Finding, claim: Option<(Subject, PageSays)>) {
        let duplicate = self.findings.iter().any(|raw| {
            raw.finding.kind == finding.kind
                && raw.finding.subject == finding.subject
                && raw.finding.page == finding.page
        });
        if !duplicate {
            self.findings.push(Raw { finding, claim });
        }
    }
}
