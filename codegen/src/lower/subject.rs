//! A `subject: true` on a field: the one field that identifies the object a payload describes,
//! which the generated `Event::subject` reads. So it is an id (a `Long`, `Int` or `String`),
//! never personal data, one per struct, and on a struct that some event carries as its `data`.

use super::Lowerer;
use crate::diagnostic::Diagnostic;
use crate::model::{EventDef, TypeRef};
use crate::source::{Location, SourceFile};

/// What every hint about a subject's type starts from.
const WHAT_A_SUBJECT_IS: &str = "`subject: true` marks the one field that identifies the object a payload describes, so it is an id: a `Long`, `Int` or `String` field (nullable or `lenient` is fine)";

/// A field marked `subject`, kept until the events are known.
pub(super) struct MarkedSubject {
    /// The struct it belongs to.
    owner: String,
    /// Its JSON name.
    field: String,
    /// Where `subject: true` is written.
    location: Location,
}

impl Lowerer {
    /// Checks the `subject: true` of the field `json` of `owner` at `scope`, whose type is `ty`
    /// when it resolved; `first` is the struct's subject so far, as (JSON name, location).
    /// Returns the location of its `subject` key.
    pub(super) fn subject(
        &mut self,
        file: &SourceFile,
        scope: &[(&str, &str)],
        (owner, json): (&str, &str),
        (ty, sensitive): (Option<&TypeRef>, bool),
        first: Option<&(String, Location)>,
    ) -> Location {
        let location = file.locate_key(scope, "subject");
        if let Some((first, at)) = first {
            self.error(
                Diagnostic::new(
                    location.clone(),
                    format!("struct `{owner}` has a second subject, `{json}`"),
                )
                .with_hint(format!(
                    "`{owner}.{first}` is its subject already ({at}); a payload describes one object, so keep `subject: true` on the one field that identifies it"
                )),
            );
        } else {
            self.subjects.push(MarkedSubject {
                owner: owner.to_owned(),
                field: json.to_owned(),
                location: location.clone(),
            });
        }
        if let Some(ty) = ty {
            self.subject_type(&location, (owner, json), ty);
        }
        if sensitive {
            self.error(
                Diagnostic::new(
                    location.clone(),
                    format!("field `{owner}.{json}` is the `subject`, but it is `sensitive` (personal data)"),
                )
                .with_hint("a subject is recorded with every delivery, shown to operators and printed by `Debug`; mark the object's own number or code instead, or leave the struct without a subject"),
            );
        }
        location
    }

    /// A subject is a scalar id: not a struct, a list, a map, an enum, an amount, a flag or a time.
    fn subject_type(&mut self, location: &Location, (owner, json): (&str, &str), ty: &TypeRef) {
        let why = match ty {
            TypeRef::Long | TypeRef::Int | TypeRef::String => return,
            TypeRef::Named(name) if self.type_kinds.get(name) == Some(&true) => format!(
                "`{name}` is a struct, an object of its own; mark the id of the object `{owner}` describes"
            ),
            TypeRef::Named(name) => {
                format!("`{name}` is an enum, whose values name a state, not an object")
            }
            TypeRef::List(_) | TypeRef::Map(_) => {
                format!("`{ty}` holds many values, and a subject is one id")
            }
            TypeRef::Decimal => "a `Decimal` is an amount, not an id".to_owned(),
            TypeRef::Boolean | TypeRef::LocalDateTime => format!("a `{ty}` is not an id"),
        };
        self.error(
            Diagnostic::new(
                location.clone(),
                format!("field `{owner}.{json}` is the `subject`, but its type is `{ty}`"),
            )
            .with_hint(format!("{WHAT_A_SUBJECT_IS}; {why}")),
        );
    }

    /// `Event::subject` reads the subject of an event's `data` only: on a struct that no event
    /// carries, `subject: true` would never be read.
    pub(super) fn check_subjects_are_read(&mut self, events: &[EventDef]) {
        let unread: Vec<MarkedSubject> = std::mem::take(&mut self.subjects)
            .into_iter()
            .filter(|marked| !events.iter().any(|e| e.schema == marked.owner))
            .collect();
        for MarkedSubject { owner, field, location } in unread {
            self.error(
                Diagnostic::new(
                    location,
                    format!("field `{owner}.{field}` is the `subject`, but no event's `data` is `{owner}`"),
                )
                .with_hint(format!(
                    "`Event::subject` reads the subject of an event's payload only, so it would never read this one; remove `subject: true` from `{owner}`, or mark it on the struct an event names as its `schema`"
                )),
            );
        }
    }
}
