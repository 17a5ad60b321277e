//! `schema/events.yaml`: the domains (each a Cargo feature) and the event types (each an
//! `Event` variant and a `Handler` method).

use std::collections::{BTreeMap, BTreeSet};

use super::deviation::EVENT_PAGE_KEYS;
use super::{Lowerer, is_segment};
use crate::diagnostic::{Diagnostic, closest};
use crate::model::{Domain, EventDef, PageSays};
use crate::names::{pascal_case, snake_case};
use crate::source::SourceFile;
use crate::yaml::EventsFile;

/// The crate's Cargo features that are not domains: a domain id becomes a feature, so it cannot
/// be one of these.
/// (`memory-store` is not an identifier, so no domain id can be it.)
const RESERVED_FEATURES: &[&str] = &["default", "axum", "receive", "sqlite", "postgres"];

/// The handler method for event types the crate does not know.
const UNKNOWN_EVENT_METHOD: &str = "unknown_event";

impl Lowerer {
    pub(super) fn domains(&mut self, file: &SourceFile, yaml: &EventsFile) -> Vec<Domain> {
        let mut seen = BTreeSet::new();
        let mut domains = Vec::new();
        for domain in &yaml.domains {
            let location =
                file.locate(&[], ("id", &domain.id), usize::from(seen.contains(&domain.id)));
            let first = file.locate(&[], ("id", &domain.id), 0);
            if !is_segment(&domain.id) {
                self.error(
                    Diagnostic::new(location.clone(), format!("domain id `{}` is not a lowercase identifier", domain.id))
                        .with_hint("use lowercase letters, digits and `_`, starting with a letter, e.g. `order`"),
                );
            }
            if RESERVED_FEATURES.contains(&domain.id.as_str()) {
                self.error(
                    Diagnostic::new(location.clone(), format!("domain id `{}` is reserved", domain.id))
                        .with_hint(format!(
                            "each domain becomes a Cargo feature of the crate, which has its own `{}`; choose another id",
                            domain.id
                        )),
                );
            }
            if !seen.insert(domain.id.clone()) {
                self.error(
                    Diagnostic::new(location, format!("duplicate domain `{}`", domain.id))
                        .with_hint(format!("`{}` is first declared at {first}", domain.id)),
                );
                continue;
            }
            let what = format!("domain `{}`", domain.id);
            let name = self.text(file, &[("id", &domain.id)], ("name", &what), &domain.name);
            domains.push(Domain { id: domain.id.clone(), name });
        }
        domains
    }

    pub(super) fn events(
        &mut self,
        file: &SourceFile,
        yaml: &EventsFile,
        domains: &[Domain],
    ) -> Vec<EventDef> {
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        let mut variants: BTreeMap<String, String> = BTreeMap::new();
        let mut events = Vec::new();
        for event in &yaml.events {
            let event_type = event.event_type.as_str();
            let occurrence = seen.entry(event_type).or_default();
            let location = file.locate(&[], ("type", event_type), *occurrence);
            *occurrence += 1;
            if *occurrence > 1 {
                let first = file.locate(&[], ("type", event_type), 0);
                self.error(
                    Diagnostic::new(location, format!("duplicate event type `{event_type}`"))
                        .with_hint(format!("`{event_type}` is first declared at {first}")),
                );
                continue;
            }
            let scope = [("type", event_type)];
            let segments: Vec<&str> = event_type.split('.').collect();
            if segments.len() < 2 || !segments.iter().all(|s| is_segment(s)) {
                self.error(
                    Diagnostic::new(location.clone(), format!("event type `{event_type}` is not of the form `domain.action`"))
                        .with_hint("use lowercase segments separated by dots, e.g. `order.created` or `product.price.updated`"),
                );
                continue;
            }
            let domain = segments[0];
            if !domains.iter().any(|d| d.id == domain) {
                let declare = format!("declare `{domain}` under `domains:` or fix the event type");
                let hint = match closest(domain, domains.iter().map(|d| d.id.as_str())) {
                    Some(known) => format!("did you mean `{known}`? Otherwise {declare}"),
                    None => declare,
                };
                self.error(
                    Diagnostic::new(
                        location.clone(),
                        format!("event type `{event_type}` is in undeclared domain `{domain}`"),
                    )
                    .with_hint(hint),
                );
            }
            match self.type_kinds.get(&event.schema) {
                Some(true) => {}
                Some(false) => {
                    let location = file.locate(&scope, ("schema", &event.schema), 0);
                    self.error(
                        Diagnostic::new(
                            location,
                            format!(
                                "schema `{}` of event `{event_type}` is an enum, not a struct",
                                event.schema
                            ),
                        )
                        .with_hint("`data` is a JSON object: name a struct from schema/types/"),
                    );
                }
                // With no types at all, the one mistake was reported at the folder.
                None if self.type_kinds.is_empty() => {}
                None => {
                    let location = file.locate(&scope, ("schema", &event.schema), 0);
                    let known: Vec<String> = self
                        .type_kinds
                        .iter()
                        .filter(|(_, s)| **s)
                        .map(|(n, _)| n.clone())
                        .collect();
                    self.error(
                        Diagnostic::new(
                            location,
                            format!(
                                "event `{event_type}` refers to unknown schema `{}`",
                                event.schema
                            ),
                        )
                        .with_hint("`schema` names a struct declared in schema/types/")
                        .suggest(&event.schema, known.iter().map(String::as_str)),
                    );
                }
            }
            let variant = pascal_case(event_type);
            let method = snake_case(event_type);
            if method == UNKNOWN_EVENT_METHOD {
                self.error(
                    Diagnostic::new(location.clone(), format!("event type `{event_type}` would take the handler method `{method}`"))
                        .with_hint("`Handler::unknown_event` is kept for event types the crate does not know; choose another event type"),
                );
            }
            if let Some(other) = variants.insert(variant.clone(), event_type.to_owned()) {
                self.error(Diagnostic::new(
                    location.clone(),
                    format!("event types `{other}` and `{event_type}` both become the Rust name `{variant}`"),
                ).with_hint("rename one of them"));
            }
            let what = format!("event `{event_type}`");
            let name = self.text(file, &scope, ("name", &what), &event.name);
            let description = event
                .description
                .as_ref()
                .map(|d| self.text(file, &scope, ("description", &what), d));
            let deviation = self.deviation(
                file,
                &scope,
                (&what, EVENT_PAGE_KEYS),
                &[PageSays::Schema(event.schema.clone())],
                event.deviation.as_ref(),
            );
            events.push(EventDef {
                event_type: event_type.to_owned(),
                domain: domain.to_owned(),
                name,
                schema: event.schema.clone(),
                description,
                note: event.note.clone(),
                deprecated: event.deprecated.clone(),
                deviation,
                method,
                variant,
            });
        }
        events
    }
}
