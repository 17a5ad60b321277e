//! An enum's values: at least one, unique, each a Rust variant other than the catch-all.

use std::collections::BTreeMap;

use super::Lowerer;
use super::deviation::VALUE_PAGE_KEYS;
use crate::diagnostic::Diagnostic;
use crate::model::EnumValue;
use crate::names::{escape_keyword, is_identifier, pascal_case};
use crate::source::SourceFile;
use crate::yaml;

/// The catch-all variant of every open enum.
const CATCH_ALL_VARIANT: &str = "Unrecognized";

impl Lowerer {
    pub(super) fn enum_values(
        &mut self,
        file: &SourceFile,
        owner: &str,
        values: &[yaml::EnumValueYaml],
    ) -> Vec<EnumValue> {
        if values.is_empty() {
            let location = file.locate(&[], ("name", owner), 0);
            self.error(
                Diagnostic::new(location, format!("enum `{owner}` has no values")).with_hint(
                    "list the values StepPay documents; values added later are accepted anyway",
                ),
            );
        }
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        let mut variants: BTreeMap<String, &str> = BTreeMap::new();
        let mut out = Vec::new();
        for value in values {
            let text = value.value.as_str();
            let occurrence = seen.entry(text).or_default();
            let location = file.locate(&[("name", owner)], ("value", text), *occurrence);
            *occurrence += 1;
            if *occurrence > 1 {
                let first = file.locate(&[("name", owner)], ("value", text), 0);
                self.error(
                    Diagnostic::new(
                        location,
                        format!("duplicate value `{text}` in enum `{owner}`"),
                    )
                    .with_hint(format!("`{text}` is first listed at {first}")),
                );
                continue;
            }
            // `SELF` is fine: its variant is `Self_`.
            let variant = escape_keyword(pascal_case(text));
            if !is_identifier(&variant) {
                self.error(
                    Diagnostic::new(location.clone(), format!("value `{text}` of `{owner}` does not make a Rust variant name (`{variant}`)"))
                        .with_hint("the variant is the value in PascalCase, so the value must start with an ASCII letter and hold only ASCII letters, digits and separators"),
                );
            } else if variant == CATCH_ALL_VARIANT {
                self.error(
                    Diagnostic::new(location.clone(), format!("value `{text}` of `{owner}` would take the name of the catch-all variant `{CATCH_ALL_VARIANT}`"))
                        .with_hint("the generator reserves this variant for values StepPay adds later"),
                );
            }
            if let Some(other) = variants.insert(variant.clone(), text) {
                self.error(
                    Diagnostic::new(location.clone(), format!("values `{other}` and `{text}` of `{owner}` both become the variant `{variant}`"))
                        .with_hint("values must stay distinct in PascalCase; they differ only in case or separators"),
                );
            }
            let what = format!("value `{text}` of `{owner}`");
            let scope = [("name", owner), ("value", text)];
            let description = self.text(file, &scope, ("description", &what), &value.description);
            let deviation = self.deviation(
                file,
                &scope,
                (&what, VALUE_PAGE_KEYS),
                &[],
                value.deviation.as_ref(),
            );
            out.push(EnumValue {
                value: text.to_owned(),
                variant,
                description,
                note: value.note.clone(),
                deprecated: value.deprecated.clone(),
                deviation,
            });
        }
        out
    }
}
