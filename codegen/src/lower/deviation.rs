//! A `deviation:`: where the catalogue departs from StepPay's page on purpose, what the page
//! says, why, and what shows it.

use super::fields::parse_type;
use super::{Lowerer, quoted};
use crate::diagnostic::Diagnostic;
use crate::model::{Deviation, PageSays};
use crate::source::SourceFile;
use crate::yaml::DeviationYaml;

/// The folder of the example deliveries.
const EXAMPLES_DIR: &str = "schema/examples/";

/// The `page:` keys of a deviation on each kind of entry.
pub(super) const EVENT_PAGE_KEYS: &[&str] = &["schema", "listed"];
pub(super) const STRUCT_PAGE_KEYS: &[&str] = &["listed"];
pub(super) const FIELD_PAGE_KEYS: &[&str] = &["type", "nullable", "listed"];
pub(super) const VALUE_PAGE_KEYS: &[&str] = &["listed"];

impl Lowerer {
    /// Checks the `deviation:` of the entry at `scope`, which is `what`; `allowed` are the
    /// `page:` keys that apply to that kind of entry. `catalogue` is what the catalogue itself
    /// says for each aspect a deviation may record, so that one which agrees is refused.
    pub(super) fn deviation(
        &mut self,
        file: &SourceFile,
        scope: &[(&str, &str)],
        (what, allowed): (&str, &[&str]),
        catalogue: &[PageSays],
        yaml: Option<&DeviationYaml>,
    ) -> Option<Deviation> {
        let yaml = yaml?;
        // Each mistake points at its key: `page:`, `reason:` or `evidence:` of this deviation.
        let at = |key: &str| {
            let mut within = scope.to_vec();
            within.push(("deviation", ""));
            file.locate_key(&within, key)
        };
        let error =
            |message: String, hint: String| Diagnostic::new(at("page"), message).with_hint(hint);
        let allowed_keys = quoted(allowed);
        let mut found = Vec::new();
        let given = [
            ("listed", yaml.page.listed.is_some()),
            ("schema", yaml.page.schema.is_some()),
            ("type", yaml.page.ty.is_some()),
            ("nullable", yaml.page.nullable.is_some()),
        ];
        for (key, _) in given.iter().filter(|(key, given)| *given && !allowed.contains(key)) {
            found.push(error(
                format!("the deviation of {what} records `page: {{ {key}: … }}`, which does not apply to it"),
                format!("here `page:` takes {allowed_keys}"),
            ));
        }
        let mut page = Vec::new();
        match yaml.page.listed {
            Some(true) => found.push(error(
                format!("the deviation of {what} records `listed: true`, which says nothing"),
                "write `listed: false` where StepPay's page does not list the entry".to_owned(),
            )),
            Some(false) => page.push(PageSays::NotListed),
            None => {}
        }
        if let Some(schema) = &yaml.page.schema {
            page.push(PageSays::Schema(schema.trim().to_owned()));
        }
        if let Some(ty) = &yaml.page.ty {
            // The page's type may name a type the catalogue lacks (`PriceSchema`); only the
            // syntax is checked.
            match parse_type(ty) {
                Ok(ty) => page.push(PageSays::Type(ty.to_string())),
                Err(message) => found.push(error(
                    format!("the deviation of {what}: {message}"),
                    "write the page's type as the catalogue would, e.g. `String` or `List<PriceSchema>`".to_owned(),
                )),
            }
        }
        if let Some(nullable) = yaml.page.nullable {
            page.push(PageSays::Nullable(nullable));
        }
        if page.is_empty() && found.is_empty() {
            found.push(error(
                format!("the deviation of {what} records nothing that StepPay's page says"),
                format!("give `page:` one of {allowed_keys}"),
            ));
        }
        for claim in page.iter().filter(|claim| catalogue.contains(claim)) {
            found.push(error(
                format!("the deviation of {what} records `{claim}`, which is what the catalogue says too"),
                "a deviation records where StepPay's page differs from the catalogue; remove it".to_owned(),
            ));
        }
        for (key, text) in [("reason", &yaml.reason), ("evidence", &yaml.evidence)] {
            if text.trim().is_empty() {
                found.push(
                    Diagnostic::new(at(key), format!("empty `{key}` in the deviation of {what}"))
                        .with_hint(
                            "say why the catalogue departs from StepPay's page, and what shows it",
                        ),
                );
            }
        }
        for token in yaml.evidence.split_whitespace() {
            let path = token.trim_start_matches('(').trim_end_matches([',', ';', '.', ')']);
            if path.starts_with(EXAMPLES_DIR) && !self.examples.contains(path) {
                found.push(
                    Diagnostic::new(at("evidence"), format!("the deviation of {what} cites `{path}`, which is not an example delivery of the catalogue"))
                        .with_hint("name a file under schema/examples/, or describe the evidence in words"),
                );
            }
        }
        found.into_iter().for_each(|d| self.error(d));
        Some(Deviation {
            page,
            reason: yaml.reason.trim().to_owned(),
            evidence: yaml.evidence.trim().to_owned(),
        })
    }
}
