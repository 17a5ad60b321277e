//! The change report: what a change of the catalogue means for the generated crate's users.
//!
//! [`compare`] takes two lowered catalogues and classes every difference as breaking, additive
//! or documentation, under the promises the generated crate makes:
//!
//! - payload structs are `#[non_exhaustive]`, so a new field breaks no code;
//! - enums are open and `#[non_exhaustive]`, so a new value breaks no code, but a removed value
//!   removes its variant, and code that names it stops compiling;
//! - `Event` is `#[non_exhaustive]` and an event type it does not know parses as
//!   `Event::Unknown`, so a new event breaks no code;
//! - every `Handler` method has a default body, so a new one breaks no implementation, but an
//!   implementation of a removed one stops compiling;
//! - each domain is a Cargo feature, on by default.
//!
//! So additions are additive; removals, renames and any change of a Rust type (nullable ↔
//! required is `T` ↔ `Option<T>`) are breaking; texts, notes, deviations and examples are
//! documentation. A required field added is additive but flagged: an older delivery without it
//! no longer parses. A subject marked where a struct had none is additive (`Event::subject`
//! gives a value where it gave `None`); one removed or moved to another field is breaking, as the
//! same delivery then gives another subject than the one users recorded. Rendering is in
//! [`render`].

pub mod render;

use std::collections::BTreeSet;

use serde::Serialize;

use crate::model::{
    Catalogue, Deviation, Domain, EnumDef, EnumValue, EventDef, FieldDef, FlagEffect, StructDef,
    Text, TypeDef, TypeKind,
};
use crate::source::SourceFile;

/// Every change between two catalogues, classed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ChangeReport {
    /// The changes, breaking first, then additive, then documentation; in catalogue order
    /// within each class.
    pub changes: Vec<Change>,
}

/// One change, as the crate's users see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Its class.
    pub class: Class,
    /// Where: an event type (`payment.refunded`), a type (`Payment`), a field (`Payment.paidAt`),
    /// an enum value (`PaymentStatus.COMPLETE`), `domain order`, or an example's path.
    pub location: String,
    /// What happened, e.g. `field added`.
    pub what: String,
    /// Before, or `—` for an addition.
    pub before: String,
    /// After, or `—` for a removal.
    pub after: String,
    /// A warning or advice that goes with it, e.g. a runtime risk.
    pub note: Option<String>,
}

/// How a change affects the generated crate's users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// No API change: texts, notes, deviations, examples, `Debug` output.
    Documentation,
    /// New API that breaks no code.
    Additive,
    /// Code that compiled may not compile, a type changes, or a method gives another value for
    /// the same delivery.
    Breaking,
}

impl Class {
    /// `breaking`, `additive` or `documentation`.
    pub fn name(self) -> &'static str {
        match self {
            Class::Breaking => "breaking",
            Class::Additive => "additive",
            Class::Documentation => "documentation",
        }
    }

    /// Reads `breaking`, `additive` or `documentation`.
    pub fn parse(text: &str) -> Option<Self> {
        [Class::Breaking, Class::Additive, Class::Documentation]
            .into_iter()
            .find(|c| c.name() == text)
    }
}

/// A semver release level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Bump {
    /// Nothing to release.
    None,
    /// Fixes and documentation.
    Patch,
    /// New API, compatible.
    Minor,
    /// Incompatible API.
    Major,
}

impl Bump {
    /// `none`, `patch`, `minor` or `major`.
    pub fn name(self) -> &'static str {
        match self {
            Bump::None => "none",
            Bump::Patch => "patch",
            Bump::Minor => "minor",
            Bump::Major => "major",
        }
    }
}

impl ChangeReport {
    /// How many changes of `class` there are.
    pub fn count(&self, class: Class) -> usize {
        self.changes.iter().filter(|c| c.class == class).count()
    }

    /// The most severe class present, if any.
    pub fn worst(&self) -> Option<Class> {
        self.changes.iter().map(|c| c.class).max()
    }

    /// The release level the changes call for, as semver defines it from 1.0 on: breaking →
    /// major, additive → minor, documentation → patch.
    pub fn bump(&self) -> Bump {
        match self.worst() {
            Some(Class::Breaking) => Bump::Major,
            Some(Class::Additive) => Bump::Minor,
            Some(Class::Documentation) => Bump::Patch,
            None => Bump::None,
        }
    }

    /// The next version of a crate at `current` (`major.minor.patch`), applying [`Self::bump`]
    /// as Cargo reads semver: from 1.0 on as is; for `0.y.z`, one level down, since a 0.x
    /// crate's minor number is the one that signals a breaking change (breaking → `0.(y+1).0`,
    /// additive or documentation → `0.y.(z+1)`).
    pub fn next_version(&self, current: &str) -> Option<String> {
        let mut parts = current.split('.').map(|p| p.parse::<u64>().ok());
        let (major, minor, patch) = (parts.next()??, parts.next()??, parts.next()??);
        let bump = self.bump();
        let bump = if major == 0 {
            match bump {
                Bump::Major => Bump::Minor,
                Bump::Minor => Bump::Patch,
                other => other,
            }
        } else {
            bump
        };
        Some(match bump {
            Bump::None => current.to_owned(),
            Bump::Patch => format!("{major}.{minor}.{}", patch + 1),
            Bump::Minor => format!("{major}.{}.0", minor + 1),
            Bump::Major => format!("{}.0.0", major + 1),
        })
    }

    /// Adds a documentation change per example delivery added, removed or edited.
    pub fn with_examples(mut self, before: &[SourceFile], after: &[SourceFile]) -> Self {
        let paths: BTreeSet<&str> =
            before.iter().chain(after).map(|file| file.path.as_str()).collect();
        for path in paths {
            let old = before.iter().find(|f| f.path == path);
            let new = after.iter().find(|f| f.path == path);
            let (what, before, after) = match (old, new) {
                (None, Some(_)) => ("example added", DASH.to_owned(), path.to_owned()),
                (Some(_), None) => ("example removed", path.to_owned(), DASH.to_owned()),
                (Some(old), Some(new)) if old.text != new.text => {
                    ("example changed", "previous text".to_owned(), "new text".to_owned())
                }
                _ => continue,
            };
            self.changes.push(Change {
                class: Class::Documentation,
                location: path.to_owned(),
                what: what.to_owned(),
                before,
                after,
                note: None,
            });
        }
        self.changes.sort_by_key(|c| std::cmp::Reverse(c.class));
        self
    }
}

const DASH: &str = "—";

/// Classes every difference between `before` and `after` for the generated crate's users.
pub fn compare(before: &Catalogue, after: &Catalogue) -> ChangeReport {
    let mut changes = Changes::default();
    changes.domains(&before.domains, &after.domains);
    changes.events(&before.events, &after.events);
    changes.types(before, after);
    let mut changes = changes.0;
    // Stable: catalogue order within each class.
    changes.sort_by_key(|c| std::cmp::Reverse(c.class));
    ChangeReport { changes }
}

#[derive(Default)]
struct Changes(Vec<Change>);

impl Changes {
    fn push(
        &mut self,
        class: Class,
        location: &str,
        what: &str,
        (before, after): (String, String),
    ) {
        self.0.push(Change {
            class,
            location: location.to_owned(),
            what: what.to_owned(),
            before,
            after,
            note: None,
        });
    }

    fn note(&mut self, note: &str) {
        if let Some(last) = self.0.last_mut() {
            last.note = Some(note.to_owned());
        }
    }

    /// Documentation changes of a name, a description, a note and a deviation.
    fn texts(
        &mut self,
        location: &str,
        (what, old, new): (&str, &Text, &Text),
        notes: (Option<&String>, Option<&String>),
        deviations: (Option<&Deviation>, Option<&Deviation>),
    ) {
        if old != new {
            self.push(
                Class::Documentation,
                location,
                &format!("{what} changed"),
                (text(old), text(new)),
            );
        }
        self.optional(location, "note", notes);
        if deviations.0 != deviations.1 {
            let show = |d: Option<&Deviation>| {
                d.map_or_else(
                    || DASH.to_owned(),
                    |d| {
                        let claims: Vec<String> = d.page.iter().map(ToString::to_string).collect();
                        format!("page says `{}`", claims.join("`, `"))
                    },
                )
            };
            let what = format!("deviation from StepPay's page {}", verb(deviations));
            self.push(
                Class::Documentation,
                location,
                &what,
                (show(deviations.0), show(deviations.1)),
            );
        }
    }

    /// A documentation change of an optional text (a note, a description).
    fn optional(
        &mut self,
        location: &str,
        what: &str,
        (old, new): (Option<&String>, Option<&String>),
    ) {
        if old != new {
            let show = |t: Option<&String>| t.map_or_else(|| DASH.to_owned(), Clone::clone);
            let what = format!("{what} {}", verb((old, new)));
            self.push(Class::Documentation, location, &what, (show(old), show(new)));
        }
    }

    fn domains(&mut self, before: &[Domain], after: &[Domain]) {
        for old in before {
            let location = format!("domain {}", old.id);
            match after.iter().find(|d| d.id == old.id) {
                None => {
                    self.push(
                        Class::Breaking,
                        &location,
                        "domain removed",
                        (format!("Cargo feature `{}`", old.id), DASH.to_owned()),
                    );
                    self.note("a dependency that names the feature no longer builds");
                }
                Some(new) if new.name != old.name => {
                    self.push(
                        Class::Documentation,
                        &location,
                        "name changed",
                        (text(&old.name), text(&new.name)),
                    );
                }
                Some(_) => {}
            }
        }
        for new in after.iter().filter(|d| !before.iter().any(|o| o.id == d.id)) {
            self.push(
                Class::Additive,
                &format!("domain {}", new.id),
                "domain added",
                (
                    DASH.to_owned(),
                    format!("Cargo feature `{}` ({}), on by default", new.id, text(&new.name)),
                ),
            );
        }
    }

    fn events(&mut self, before: &[EventDef], after: &[EventDef]) {
        for old in before {
            let location = old.event_type.as_str();
            let Some(new) = after.iter().find(|e| e.event_type == old.event_type) else {
                self.push(
                    Class::Breaking,
                    location,
                    "event removed",
                    (event(old), DASH.to_owned()),
                );
                self.note(&format!(
                    "`Event::{}` and `Handler::{}` go; consider `deprecated:` instead",
                    old.variant, old.method
                ));
                continue;
            };
            if new.schema != old.schema {
                self.push(
                    Class::Breaking,
                    location,
                    "event points to another schema",
                    (format!("data `{}`", old.schema), format!("data `{}`", new.schema)),
                );
                self.note(&format!(
                    "`Event::{}` and `Handler::{}` take the new type",
                    new.variant, new.method
                ));
            }
            self.deprecation(location, old.deprecated.as_ref(), new.deprecated.as_ref());
            self.texts(
                location,
                ("name", &old.name, &new.name),
                (old.note.as_ref(), new.note.as_ref()),
                (old.deviation.as_ref(), new.deviation.as_ref()),
            );
            let describe = |d: Option<&Text>| d.map(text);
            self.optional(
                location,
                "description",
                (
                    describe(old.description.as_ref()).as_ref(),
                    describe(new.description.as_ref()).as_ref(),
                ),
            );
        }
        for new in after.iter().filter(|e| !before.iter().any(|o| o.event_type == e.event_type)) {
            self.push(
                Class::Additive,
                &new.event_type,
                "event added",
                (DASH.to_owned(), event(new)),
            );
        }
    }

    fn deprecation(&mut self, location: &str, old: Option<&String>, new: Option<&String>) {
        match (old, new) {
            (None, Some(why)) => {
                self.push(Class::Additive, location, "deprecated", (DASH.to_owned(), why.clone()));
                self.note("`#[deprecated]`: code that uses it gets a warning, not an error");
            }
            (Some(_), None) => self.push(
                Class::Documentation,
                location,
                "no longer deprecated",
                (old.cloned().unwrap_or_default(), DASH.to_owned()),
            ),
            (Some(a), Some(b)) if a != b => self.push(
                Class::Documentation,
                location,
                "deprecation text changed",
                (a.clone(), b.clone()),
            ),
            _ => {}
        }
    }

    fn types(&mut self, before: &Catalogue, after: &Catalogue) {
        for old in &before.types {
            let Some(new) = after.type_named(&old.name) else {
                self.push(
                    Class::Breaking,
                    &old.name,
                    &format!("{} removed", kind(old)),
                    (format!("`types::{}`", old.name), DASH.to_owned()),
                );
                continue;
            };
            match (&old.kind, &new.kind) {
                (TypeKind::Struct(a), TypeKind::Struct(b)) => self.fields(&old.name, a, b),
                (TypeKind::Enum(a), TypeKind::Enum(b)) => self.values(&old.name, a, b),
                _ => {
                    self.push(
                        Class::Breaking,
                        &old.name,
                        "changed between struct and enum",
                        (kind(old).to_owned(), kind(new).to_owned()),
                    );
                    continue;
                }
            }
            self.texts(
                &old.name,
                ("description", &old.description, &new.description),
                (old.note.as_ref(), new.note.as_ref()),
                (old.deviation.as_ref(), new.deviation.as_ref()),
            );
            if old.source != new.source {
                self.push(
                    Class::Documentation,
                    &old.name,
                    "moved to another types file",
                    (old.source.clone(), new.source.clone()),
                );
                self.note(&format!("its path `types::{}` is unchanged", old.name));
            }
        }
        for new in after.types.iter().filter(|t| before.type_named(&t.name).is_none()) {
            self.push(
                Class::Additive,
                &new.name,
                &format!("{} added", kind(new)),
                (DASH.to_owned(), format!("`types::{}`", new.name)),
            );
        }
    }

    fn fields(&mut self, owner: &str, before: &StructDef, after: &StructDef) {
        for old in &before.fields {
            let location = format!("{owner}.{}", old.json_name);
            let Some(new) = after.fields.iter().find(|f| f.json_name == old.json_name) else {
                self.push(
                    Class::Breaking,
                    &location,
                    "field removed",
                    (field(old), DASH.to_owned()),
                );
                self.note("a rename shows as this removal and an addition");
                continue;
            };
            if new.ty != old.ty {
                self.push(
                    Class::Breaking,
                    &location,
                    "type changed",
                    (format!("`{}`", old.ty), format!("`{}`", new.ty)),
                );
            }
            if new.nullable != old.nullable {
                self.push(
                    Class::Breaking,
                    &location,
                    "nullability changed",
                    (field(old), field(new)),
                );
                self.note(if new.nullable {
                    "the Rust type becomes `Option<…>`"
                } else {
                    "the Rust type loses its `Option`; deliveries without it no longer parse"
                });
            }
            for flag in FieldDef::FLAGS {
                let (was, is) = ((flag.get)(old), (flag.get)(new));
                if was == is {
                    continue;
                }
                let (class, note) = match flag.effect {
                    FlagEffect::RustType => (Class::Breaking, "the field's Rust type changes"),
                    FlagEffect::DebugOutput => {
                        (Class::Documentation, "only `Debug` output changes")
                    }
                    FlagEffect::EventSubject if is => (
                        Class::Additive,
                        "`Event::subject` gives this field's value for its events, where it gave `None`",
                    ),
                    FlagEffect::EventSubject => (
                        Class::Breaking,
                        "`Event::subject` no longer gives this field's value: subjects recorded before no longer match the new deliveries'",
                    ),
                };
                let show = |on: bool| format!("{}: {on}", flag.name);
                self.push(
                    class,
                    &location,
                    &format!("`{}` changed", flag.name),
                    (show(was), show(is)),
                );
                self.note(note);
            }
            self.texts(
                &location,
                ("description", &old.description, &new.description),
                (old.note.as_ref(), new.note.as_ref()),
                (old.deviation.as_ref(), new.deviation.as_ref()),
            );
        }
        for new in after
            .fields
            .iter()
            .filter(|f| !before.fields.iter().any(|o| o.json_name == f.json_name))
        {
            let location = format!("{owner}.{}", new.json_name);
            self.push(Class::Additive, &location, "field added", (DASH.to_owned(), field(new)));
            if !new.nullable {
                self.note("runtime risk: older deliveries may lack it, and then fail to parse");
            }
        }
    }

    fn values(&mut self, owner: &str, before: &EnumDef, after: &EnumDef) {
        for old in &before.values {
            let location = format!("{owner}.{}", old.value);
            let Some(new) = after.values.iter().find(|v| v.value == old.value) else {
                self.push(
                    Class::Breaking,
                    &location,
                    "enum value removed",
                    (value(owner, old), DASH.to_owned()),
                );
                self.note(
                    "its variant goes; prefer keeping it with `deprecated:`, which only warns",
                );
                continue;
            };
            self.deprecation(&location, old.deprecated.as_ref(), new.deprecated.as_ref());
            self.texts(
                &location,
                ("description", &old.description, &new.description),
                (old.note.as_ref(), new.note.as_ref()),
                (old.deviation.as_ref(), new.deviation.as_ref()),
            );
        }
        for new in after.values.iter().filter(|v| !before.values.iter().any(|o| o.value == v.value))
        {
            self.push(
                Class::Additive,
                &format!("{owner}.{}", new.value),
                "enum value added",
                (DASH.to_owned(), value(owner, new)),
            );
        }
    }
}

/// `added`, `removed` or `changed`, for an optional text or record.
fn verb<T>(pair: (Option<T>, Option<T>)) -> &'static str {
    match pair {
        (None, Some(_)) => "added",
        (Some(_), None) => "removed",
        _ => "changed",
    }
}

fn text(text: &Text) -> String {
    format!("{} · {}", text.ko, text.en)
}

fn event(event: &EventDef) -> String {
    format!("`Event::{}` ({}), data `{}`", event.variant, text(&event.name), event.schema)
}

fn field(field: &FieldDef) -> String {
    let requirement = if field.nullable { "nullable" } else { "required" };
    format!("{requirement} `{}`", field.ty)
}

fn value(owner: &str, value: &EnumValue) -> String {
    format!("`{owner}::{}`", value.variant)
}

fn kind(ty: &TypeDef) -> &'static str {
    match ty.kind {
        TypeKind::Struct(_) => "struct",
        TypeKind::Enum(_) => "enum",
    }
}
