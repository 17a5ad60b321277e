//! The deviations the catalogue records, applied to the raw differences: each one the pages
//! still bear out is accepted and hides its differences; one whose recorded page value changed is
//! outdated, one the page no longer differs from is obsolete.

use super::snippet::yaml_text;
use super::{Accepted, EVENTS_FILE, Finding, FindingKind, Names, Raw, Subject};
use crate::model::{Catalogue, Deviation, PageSays, TypeKind};

/// Applies the catalogue's deviations to the raw differences.
pub(super) fn review(catalogue: &Catalogue, raw: Vec<Raw>) -> (Vec<Finding>, Vec<Accepted>) {
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
