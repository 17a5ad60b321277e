//! Drift: what StepPay's own pages say, against the catalogue.
//!
//! [`drift`] compares the [`Catalogue`] with the parsed [`EventsPage`] and [`SchemaPage`] and
//! returns a [`DriftReport`]: every difference as a [`Finding`] with the YAML that would adopt
//! it, except those a [`Deviation`] in the catalogue records exactly, which are listed as
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

pub mod render;

use std::collections::BTreeSet;

use serde::Serialize;

use crate::model::{
    Catalogue, Deviation, EnumDef, FieldDef, PageSays, StructDef, Text, TypeDef, TypeKind,
};
use crate::pages::{EventsPage, PageField, PageTable, SchemaPage, TableLabel};

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
    let (findings, accepted) = review(catalogue, findings);
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

    fn events(&mut self, page: &EventsPage) {
        let catalogue = self.catalogue;
        let at = |line: usize| format!("{}:{line}", page.path);
        for page_domain in &page.domains {
            // The domain of a section is the first segment of its events.
            let ids: BTreeSet<&str> =
                page_domain.events.iter().filter_map(|e| e.event_type.split('.').next()).collect();
            for domain in catalogue.domains.iter().filter(|d| ids.contains(d.id.as_str())) {
                if domain.name.ko != page_domain.name {
                    let finding = renamed(
                        (FindingKind::DomainName, format!("domain {}", domain.id)),
                        &domain.name,
                        &page_domain.name,
                        at(page_domain.line),
                        ("`domains:`", format!("- id: {}", domain.id)),
                    );
                    self.push(finding, None);
                }
            }
        }
        for (page_domain, page_event) in page.events() {
            let Some(event) =
                catalogue.events.iter().find(|e| e.event_type == page_event.event_type)
            else {
                let domain_id = page_event.event_type.split('.').next().unwrap_or_default();
                let mut snippet = String::new();
                let mut place = format!("{EVENTS_FILE}, under `events:`");
                if catalogue.domain_index(domain_id).is_none() {
                    place = format!("{EVENTS_FILE}, under `domains:` and `events:`");
                    snippet.push_str(&format!(
                        "# under domains:\n- id: {domain_id}\n  name: {{ ko: {}, en: {} }}\n# under events:\n",
                        yaml_text(&page_domain.name),
                        yaml_text(&humanize(domain_id))
                    ));
                }
                let en = humanize(&page_event.event_type);
                snippet.push_str(&format!(
                    "- type: {}\n  name: {{ ko: {}, en: {} }}\n  schema: {}\n",
                    page_event.event_type,
                    yaml_text(&page_event.name),
                    yaml_text(&en),
                    page_event.schema
                ));
                place.push_str(&format!(
                    "; then add schema/examples/{}.json",
                    page_event.event_type
                ));
                self.push(
                    Finding {
                        kind: FindingKind::EventMissing,
                        subject: page_event.event_type.clone(),
                        names: Names { ko: page_event.name.clone(), en },
                        page: format!(
                            "{} in {}, schema {}",
                            page_event.event_type, page_domain.name, page_event.schema
                        ),
                        catalogue: "no such event".to_owned(),
                        page_at: at(page_event.line),
                        place,
                        snippet,
                    },
                    None,
                );
                continue;
            };
            if event.name.ko != page_event.name {
                let finding = renamed(
                    (FindingKind::EventName, event.event_type.clone()),
                    &event.name,
                    &page_event.name,
                    at(page_event.line),
                    (
                        &format!("event `{}`", event.event_type),
                        format!("- type: {}", event.event_type),
                    ),
                );
                self.push(finding, None);
            }
            if event.schema != page_event.schema {
                self.push(
                    Finding {
                        kind: FindingKind::EventSchema,
                        subject: event.event_type.clone(),
                        names: (&event.name).into(),
                        page: format!("schema: {}", page_event.schema),
                        catalogue: format!("schema: {}", event.schema),
                        page_at: at(page_event.line),
                        place: format!("{EVENTS_FILE}, event `{}`", event.event_type),
                        snippet: format!(
                            "- type: {}\n  schema: {}\n",
                            event.event_type, page_event.schema
                        ),
                    },
                    Some((
                        Subject::Event(event.event_type.clone()),
                        PageSays::Schema(page_event.schema.clone()),
                    )),
                );
            }
        }
        for event in &catalogue.events {
            if page.events().any(|(_, e)| e.event_type == event.event_type) {
                continue;
            }
            self.push(
                Finding {
                    kind: FindingKind::EventExtra,
                    subject: event.event_type.clone(),
                    names: (&event.name).into(),
                    page: "not listed".to_owned(),
                    catalogue: format!("{}, schema {}", event.event_type, event.schema),
                    page_at: page.path.clone(),
                    place: format!("{EVENTS_FILE}, event `{}`", event.event_type),
                    snippet: removal(
                        "delete it (a breaking change: its `Event` variant and handler method go), or keep it with `deprecated:`",
                        &format!("- type: {}", event.event_type),
                    ),
                },
                Some((Subject::Event(event.event_type.clone()), PageSays::NotListed)),
            );
        }
    }

    fn schemas(&mut self, page: &SchemaPage) {
        let catalogue = self.catalogue;
        let names = table_names(catalogue, page);
        let mut documented = BTreeSet::new();
        for (index, table) in page.tables.iter().enumerate() {
            let name = &names[index];
            documented.insert(name.as_str());
            match catalogue.type_named(name) {
                Some(ty @ TypeDef { kind: TypeKind::Struct(def), .. }) => {
                    self.fields(page, &names, index, ty, def);
                }
                _ => self.missing_schema(page, &names, index, table),
            }
        }
        for ty in &catalogue.types {
            if !matches!(ty.kind, TypeKind::Struct(_)) || documented.contains(ty.name.as_str()) {
                continue;
            }
            self.push(
                Finding {
                    kind: FindingKind::SchemaExtra,
                    subject: ty.name.clone(),
                    names: (&ty.description).into(),
                    page: "no table".to_owned(),
                    catalogue: format!("struct {}", ty.name),
                    page_at: page.path.clone(),
                    place: format!("{}, struct `{}`", ty.source, ty.name),
                    snippet: removal(
                        "delete it and every field that names it (breaking), or record why it stays",
                        &format!("- name: {}", ty.name),
                    ),
                },
                Some((Subject::Type(ty.name.clone()), PageSays::NotListed)),
            );
        }
    }

    fn missing_schema(
        &mut self,
        page: &SchemaPage,
        names: &[String],
        index: usize,
        table: &PageTable,
    ) {
        let name = &names[index];
        let file = self.catalogue.type_named(&table.section).map_or_else(
            || format!("{TYPES_DIR}/{}.yaml", table.section.to_lowercase()),
            |t| t.source.clone(),
        );
        let mut snippet = format!(
            "- name: {name}\n  description: {{ ko: {}, en: {} }}\n  fields:\n",
            yaml_text(name),
            yaml_text(name)
        );
        for field in &table.fields {
            let ty = page_type_named(page, names, index, field);
            for line in field_snippet(field, &ty).lines() {
                snippet.push_str(&format!("    {line}\n"));
            }
        }
        self.push(
            Finding {
                kind: FindingKind::SchemaMissing,
                subject: name.clone(),
                names: Names { ko: name.clone(), en: name.clone() },
                page: format!(
                    "a table of {} field{} in `{}`",
                    table.fields.len(),
                    if table.fields.len() == 1 { "" } else { "s" },
                    table.section
                ),
                catalogue: "no such struct".to_owned(),
                page_at: format!("{}:{}", page.path, table.line),
                place: format!("{file}, under `structs:`"),
                snippet,
            },
            None,
        );
    }

    fn fields(
        &mut self,
        page: &SchemaPage,
        names: &[String],
        index: usize,
        ty: &TypeDef,
        def: &StructDef,
    ) {
        let table = &page.tables[index];
        let at = |line: usize| format!("{}:{line}", page.path);
        for page_field in &table.fields {
            let page_ty = page_type_named(page, names, index, page_field);
            let Some(field) = def.fields.iter().find(|f| f.json_name == page_field.name) else {
                self.push(
                    Finding {
                        kind: FindingKind::FieldMissing,
                        subject: format!("{}.{}", ty.name, page_field.name),
                        names: Names {
                            ko: page_field.description.clone(),
                            en: humanize(&page_field.name),
                        },
                        page: format!("type: {page_ty}, nullable: {}", page_field.nullable),
                        catalogue: "no such field".to_owned(),
                        page_at: at(page_field.line),
                        place: format!("{}, struct `{}`, under `fields:`", ty.source, ty.name),
                        snippet: field_snippet(page_field, &page_ty),
                    },
                    None,
                );
                continue;
            };
            let subject = Subject::Field(ty.name.clone(), field.json_name.clone());
            let place = format!("{}, field `{}.{}`", ty.source, ty.name, field.json_name);
            let field_ty = field.ty.to_string();
            if page_ty != field_ty {
                self.push(
                    Finding {
                        kind: FindingKind::FieldType,
                        subject: subject.label(),
                        names: (&field.description).into(),
                        page: format!("type: {page_ty}"),
                        catalogue: format!("type: {field_ty}"),
                        page_at: at(page_field.line),
                        place: place.clone(),
                        snippet: format!("- name: {}\n  type: {page_ty}\n", field.json_name),
                    },
                    Some((subject.clone(), PageSays::Type(page_ty.clone()))),
                );
            }
            if page_field.nullable != field.nullable {
                self.push(
                    Finding {
                        kind: FindingKind::FieldNullable,
                        subject: subject.label(),
                        names: (&field.description).into(),
                        page: format!("nullable: {}", page_field.nullable),
                        catalogue: format!("nullable: {}", field.nullable),
                        page_at: at(page_field.line),
                        place: place.clone(),
                        snippet: format!(
                            "- name: {}\n  nullable: {}\n",
                            field.json_name, page_field.nullable
                        ),
                    },
                    Some((subject.clone(), PageSays::Nullable(page_field.nullable))),
                );
            }
            self.values(page, page_field, field);
        }
        for field in &def.fields {
            if table.fields.iter().any(|f| f.name == field.json_name) {
                continue;
            }
            let subject = Subject::Field(ty.name.clone(), field.json_name.clone());
            self.push(
                Finding {
                    kind: FindingKind::FieldExtra,
                    subject: subject.label(),
                    names: (&field.description).into(),
                    page: "not listed".to_owned(),
                    catalogue: format!("type: {}, nullable: {}", field.ty, field.nullable),
                    page_at: at(table.line),
                    place: format!("{}, struct `{}`", ty.source, ty.name),
                    snippet: removal(
                        "delete it (breaking), or make it `nullable: true` if older deliveries still carry it",
                        &format!("- name: {}", field.json_name),
                    ),
                },
                Some((subject, PageSays::NotListed)),
            );
        }
    }

    /// The values a description lists, against the enum the catalogue's field names.
    fn values(&mut self, page: &SchemaPage, page_field: &PageField, field: &FieldDef) {
        if page_field.values.is_empty() {
            return;
        }
        let Some((enum_ty, def)) =
            field.ty.named().and_then(|name| match self.catalogue.type_named(name) {
                Some(ty @ TypeDef { kind: TypeKind::Enum(def), .. }) => Some((ty, def)),
                _ => None,
            })
        else {
            return;
        };
        let at = format!("{}:{}", page.path, page_field.line);
        for listed in &page_field.values {
            if def.values.iter().any(|v| v.value == listed.value) {
                continue;
            }
            let en = humanize(&listed.value);
            let ko = if listed.description.is_empty() {
                listed.value.clone()
            } else {
                listed.description.clone()
            };
            self.push(
                Finding {
                    kind: FindingKind::ValueMissing,
                    subject: format!("{}.{}", enum_ty.name, listed.value),
                    names: Names { ko: ko.clone(), en: en.clone() },
                    page: format!("listed for {}", page_field.name),
                    catalogue: format!("not a value of {}", enum_ty.name),
                    page_at: at.clone(),
                    place: format!("{}, enum `{}`, under `values:`", enum_ty.source, enum_ty.name),
                    snippet: format!(
                        "- value: {}\n  description: {{ ko: {}, en: {} }}\n",
                        listed.value,
                        yaml_text(&ko),
                        yaml_text(&en)
                    ),
                },
                None,
            );
        }
        self.unlisted_values(enum_ty, def, page_field, &at);
    }

    fn unlisted_values(
        &mut self,
        enum_ty: &TypeDef,
        def: &EnumDef,
        page_field: &PageField,
        at: &str,
    ) {
        for value in &def.values {
            // A value kept as deprecated has already adopted its removal from the page.
            if value.deprecated.is_some()
                || page_field.values.iter().any(|v| v.value == value.value)
            {
                continue;
            }
            let subject = Subject::Value(enum_ty.name.clone(), value.value.clone());
            self.push(
                Finding {
                    kind: FindingKind::ValueExtra,
                    subject: subject.label(),
                    names: (&value.description).into(),
                    page: "not listed".to_owned(),
                    catalogue: format!("a value of {}", enum_ty.name),
                    page_at: at.to_owned(),
                    place: format!("{}, enum `{}`, value `{}`", enum_ty.source, enum_ty.name, value.value),
                    snippet: format!(
                        "# keep the variant, so that code matching it still compiles:\n- value: {}\n  deprecated: StepPay's page no longer lists it.\n",
                        value.value
                    ),
                },
                Some((subject, PageSays::NotListed)),
            );
        }
    }
}

/// The catalogue type each page table describes.
fn table_names(catalogue: &Catalogue, page: &SchemaPage) -> Vec<String> {
    let mut names: Vec<String> = Vec::with_capacity(page.tables.len());
    for table in &page.tables {
        let name = match &table.label {
            TableLabel::Type(name) => name.clone(),
            TableLabel::FieldOf { table: parent, field } => {
                let parent_name = names.get(*parent).cloned().unwrap_or_default();
                let page_ty = page
                    .tables
                    .get(*parent)
                    .and_then(|t| t.fields.iter().find(|f| &f.name == field))
                    .map(|f| innermost(&f.ty).to_owned())
                    .unwrap_or_default();
                if page_ty == "Object" {
                    // The page leaves the objects unnamed; the catalogue's field names them.
                    catalogue_field(catalogue, &parent_name, field)
                        .and_then(|f| f.ty.named().map(str::to_owned))
                        .unwrap_or_else(|| format!("{parent_name}.{field}"))
                } else {
                    page_ty
                }
            }
        };
        names.push(name);
    }
    names
}

/// A page field's type, with `Object` replaced by the name of the table that describes it.
fn page_type_named(page: &SchemaPage, names: &[String], index: usize, field: &PageField) -> String {
    if innermost(&field.ty) != "Object" {
        return field.ty.clone();
    }
    let described = page.tables.iter().position(|t| {
        matches!(&t.label, TableLabel::FieldOf { table, field: f } if *table == index && *f == field.name)
    });
    match described.and_then(|at| names.get(at)) {
        Some(name) => field.ty.replace("Object", name),
        None => field.ty.clone(),
    }
}

fn innermost(ty: &str) -> &str {
    let inner = ty.trim_end_matches('>');
    let inner = inner.rsplit(['<', ' ']).next().unwrap_or(inner);
    inner.trim()
}

fn catalogue_field<'a>(catalogue: &'a Catalogue, owner: &str, field: &str) -> Option<&'a FieldDef> {
    match catalogue.type_named(owner) {
        Some(TypeDef { kind: TypeKind::Struct(def), .. }) => {
            def.fields.iter().find(|f| f.json_name == field)
        }
        _ => None,
    }
}

/// Applies the catalogue's deviations to the raw differences.
fn review(catalogue: &Catalogue, raw: Vec<Raw>) -> (Vec<Finding>, Vec<Accepted>) {
    let mut suppressed = vec![false; raw.len()];
    let mut findings = Vec::new();
    let mut accepted = Vec::new();
    for recorded in deviations(catalogue) {
        let mut all_matched = true;
        for claim in &recorded.deviation.page {
            let same_aspect: Vec<usize> = raw
                .iter()
                .enumerate()
                .filter(|(_, r)| {
                    r.claim.as_ref().is_some_and(|(subject, said)| {
                        *subject == recorded.subject
                            && std::mem::discriminant(said) == std::mem::discriminant(claim)
                    })
                })
                .map(|(i, _)| i)
                .collect();
            let matching: Vec<usize> = same_aspect
                .iter()
                .copied()
                .filter(|&i| raw[i].claim.as_ref().is_some_and(|(_, said)| said == claim))
                .collect();
            if !matching.is_empty() {
                matching.iter().for_each(|&i| suppressed[i] = true);
                continue;
            }
            all_matched = false;
            let label = recorded.subject.label();
            let kept = snippet_without(&recorded.deviation.page, claim);
            match same_aspect.first().and_then(|&i| raw[i].claim.as_ref().map(|c| (i, c))) {
                Some((i, (_, now))) => {
                    same_aspect.iter().for_each(|&j| suppressed[j] = true);
                    let updated: Vec<PageSays> = recorded
                        .deviation
                        .page
                        .iter()
                        .map(|c| if c == claim { now.clone() } else { c.clone() })
                        .collect();
                    findings.push(Finding {
                        kind: FindingKind::DeviationOutdated,
                        subject: label.clone(),
                        names: recorded.names.clone(),
                        page: now.to_string(),
                        catalogue: format!("deviation records {claim}"),
                        page_at: raw[i].finding.page_at.clone(),
                        place: format!("{}, the `deviation:` of `{label}`", recorded.file),
                        snippet: format!(
                            "# if the departure still stands, record what the page says now; otherwise adopt the page:\n{}{}",
                            deviation_snippet(&updated, recorded.deviation),
                            adopt_hint(&raw[i].finding.snippet)
                        ),
                    });
                }
                None => findings.push(Finding {
                    kind: FindingKind::DeviationObsolete,
                    subject: label.clone(),
                    names: recorded.names.clone(),
                    page: "agrees with the catalogue now".to_owned(),
                    catalogue: format!("deviation records {claim}"),
                    page_at: String::new(),
                    place: format!("{}, the `deviation:` of `{label}`", recorded.file),
                    snippet: match kept {
                        Some(kept) => format!(
                            "# drop `{claim}` from the deviation:\n{}",
                            deviation_snippet(&kept, recorded.deviation)
                        ),
                        None => format!("# delete the whole `deviation:` of `{label}`\n"),
                    },
                }),
            }
        }
        if all_matched {
            accepted.push(Accepted {
                subject: recorded.subject.label(),
                names: recorded.names.clone(),
                page: recorded.deviation.page.iter().map(ToString::to_string).collect(),
                reason: recorded.deviation.reason.clone(),
                evidence: recorded.deviation.evidence.clone(),
                file: recorded.file.clone(),
            });
        }
    }
    let unreviewed = raw
        .into_iter()
        .zip(suppressed)
        .filter(|(_, suppressed)| !suppressed)
        .map(|(raw, _)| raw.finding);
    let mut all: Vec<Finding> = unreviewed.collect();
    all.extend(findings);
    (all, accepted)
}

/// The snippet that adopts the page, as a comment after the updated deviation.
fn adopt_hint(snippet: &str) -> String {
    let mut out = String::from("# or, to adopt the page:\n");
    for line in snippet.lines() {
        let line = line.strip_prefix("# ").unwrap_or(line);
        out.push_str(&format!("# {line}\n"));
    }
    out
}

fn snippet_without(page: &[PageSays], claim: &PageSays) -> Option<Vec<PageSays>> {
    let kept: Vec<PageSays> = page.iter().filter(|c| *c != claim).cloned().collect();
    (!kept.is_empty()).then_some(kept)
}

/// A `deviation:` block with the given page values and the recorded reason and evidence.
fn deviation_snippet(page: &[PageSays], deviation: &Deviation) -> String {
    let claims: Vec<String> = page.iter().map(ToString::to_string).collect();
    format!(
        "deviation:\n  page: {{ {} }}\n  reason: {}\n  evidence: {}\n",
        claims.join(", "),
        yaml_text(&deviation.reason),
        yaml_text(&deviation.evidence)
    )
}

struct Recorded<'a> {
    subject: Subject,
    names: Names,
    deviation: &'a Deviation,
    file: String,
}

fn deviations(catalogue: &Catalogue) -> Vec<Recorded<'_>> {
    let mut out = Vec::new();
    for event in &catalogue.events {
        if let Some(deviation) = &event.deviation {
            out.push(Recorded {
                subject: Subject::Event(event.event_type.clone()),
                names: (&event.name).into(),
                deviation,
                file: EVENTS_FILE.to_owned(),
            });
        }
    }
    for ty in &catalogue.types {
        if let Some(deviation) = &ty.deviation {
            out.push(Recorded {
                subject: Subject::Type(ty.name.clone()),
                names: (&ty.description).into(),
                deviation,
                file: ty.source.clone(),
            });
        }
        match &ty.kind {
            TypeKind::Struct(def) => {
                for field in &def.fields {
                    if let Some(deviation) = &field.deviation {
                        out.push(Recorded {
                            subject: Subject::Field(ty.name.clone(), field.json_name.clone()),
                            names: (&field.description).into(),
                            deviation,
                            file: ty.source.clone(),
                        });
                    }
                }
            }
            TypeKind::Enum(def) => {
                for value in &def.values {
                    if let Some(deviation) = &value.deviation {
                        out.push(Recorded {
                            subject: Subject::Value(ty.name.clone(), value.value.clone()),
                            names: (&value.description).into(),
                            deviation,
                            file: ty.source.clone(),
                        });
                    }
                }
            }
        }
    }
    out
}

/// A Korean name that differs from the page's: the entry (`- id: order`) with the page's name.
fn renamed(
    (kind, subject): (FindingKind, String),
    names: &Text,
    page_name: &str,
    page_at: String,
    (entry, key_line): (&str, String),
) -> Finding {
    Finding {
        kind,
        subject,
        names: names.into(),
        page: format!("name: {page_name}"),
        catalogue: format!("name: {}", names.ko),
        page_at,
        place: format!("{EVENTS_FILE}, {entry}"),
        snippet: format!(
            "{key_line}\n  name: {{ ko: {}, en: {} }}\n",
            yaml_text(page_name),
            yaml_text(&names.en)
        ),
    }
}

/// A field entry for `schema/types/*.yaml`, from a page row.
fn field_snippet(field: &PageField, ty: &str) -> String {
    let mut out = format!("- name: {}\n  type: {ty}\n", field.name);
    if field.nullable {
        out.push_str("  nullable: true\n");
    }
    let ko =
        if field.description.is_empty() { field.name.clone() } else { field.description.clone() };
    out.push_str(&format!(
        "  description: {{ ko: {}, en: {} }}\n",
        yaml_text(&ko),
        yaml_text(&humanize(&field.name))
    ));
    out
}

/// A snippet that deletes an entry, with what that means.
fn removal(advice: &str, entry: &str) -> String {
    format!("# {advice}:\n{entry}\n")
}

/// `order.refunded` → `Order refunded`; `refundId` → `Refund id`; `VOLUME_BASED` →
/// `Volume based`: a first English name for something only the page has.
fn humanize(key: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let all_upper = !key.chars().any(|c| c.is_ascii_lowercase());
    for c in key.chars() {
        if c == '.' || c == '_' || c == ' ' {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
        } else if c.is_ascii_uppercase() && !all_upper && !word.is_empty() {
            words.push(std::mem::take(&mut word));
            word.push(c);
        } else {
            word.push(c);
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    let sentence = words.iter().map(|w| w.to_lowercase()).collect::<Vec<_>>().join(" ");
    let mut chars = sentence.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => sentence,
    }
}

/// Text as a YAML scalar inside a flow mapping (`{ ko: …, en: … }`) or after `key: `: quoted
/// when a plain scalar would be read otherwise.
fn yaml_text(text: &str) -> String {
    let special = text.is_empty()
        || text.trim() != text
        || text.contains([
            ',', ':', '#', '[', ']', '{', '}', '"', '\'', '&', '*', '!', '|', '>', '%', '@', '`',
        ])
        || text.starts_with(['-', '?']);
    if special {
        format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn makes_english_names_from_keys() {
        assert_eq!(humanize("order.refunded"), "Order refunded");
        assert_eq!(humanize("refundId"), "Refund id");
        assert_eq!(humanize("VOLUME_BASED"), "Volume based");
        assert_eq!(humanize("product.price.created"), "Product price created");
    }

    #[test]
    fn quotes_yaml_text_only_when_needed() {
        assert_eq!(yaml_text("주문 환불"), "주문 환불");
        assert_eq!(yaml_text("기타 요금(도입비, 기본료 등)"), "\"기타 요금(도입비, 기본료 등)\"");
        assert_eq!(yaml_text("a: \"b\""), "\"a: \\\"b\\\"\"");
    }

    #[test]
    fn finds_the_innermost_type_name() {
        assert_eq!(innermost("List<Object>"), "Object");
        assert_eq!(innermost("Map<String, Object>"), "Object");
        assert_eq!(innermost("DemoCycle"), "DemoCycle");
    }
}
