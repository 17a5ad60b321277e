//! The events page against the catalogue: domains' and events' Korean names, each event's
//! schema, events only one side lists.

use std::collections::BTreeSet;

use super::snippet::{humanize, removal, yaml_text};
use super::{Comparison, EVENTS_FILE, Finding, FindingKind, Names, Subject};
use crate::model::{PageSays, Text};
use crate::pages::EventsPage;

impl Comparison<'_> {
    pub(super) fn events(&mut self, page: &EventsPage) {
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
