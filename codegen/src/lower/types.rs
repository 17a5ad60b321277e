//! The types files: one Rust module each, its structs and enums named as Rust allows and the
//! crate does not take for itself; and no struct that contains itself.

use std::collections::{BTreeMap, BTreeSet};

use super::deviation::STRUCT_PAGE_KEYS;
use super::fields::SCALARS;
use super::{Lowerer, is_segment, quoted};
use crate::diagnostic::Diagnostic;
use crate::model::{EnumDef, StructDef, TypeDef, TypeKind, TypeRef};
use crate::names::{is_identifier, is_keyword, is_unraw_keyword, pascal_case};
use crate::source::{Location, SourceFile};
use crate::yaml::TypesFile;

/// The crate's own type names, which a catalogue type must not take.
const CRATE_TYPE_NAMES: &[&str] = &[
    "Event",
    "EventType",
    "Handler",
    "HandlerError",
    "UnknownEvent",
    "Unrecognized",
    "Webhook",
    "ParseError",
    "ParseErrorKind",
    "ParseEventTypeError",
    "Redacted",
    "LenientId",
    "Subject",
];

/// Names the generated modules use unqualified (imported, or from Rust's prelude), which a
/// catalogue type of the same name would shadow.
const SHADOWED_NAMES: &[&str] = &[
    "BTreeMap",
    "NaiveDateTime",
    "Serialize",
    "Serializer",
    "Deserialize",
    "Deserializer",
    "FromStr",
    "From",
    "Future",
    "Box",
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "Vec",
    "Send",
    "Sync",
];

/// Module names the generated crate uses itself, which a types file must not take.
const RESERVED_MODULES: &[&str] = &["event", "handler", "types", "mod"];

impl Lowerer {
    pub(super) fn types(&mut self, files: &[(&SourceFile, TypesFile)]) -> Vec<TypeDef> {
        // Names first, so that references can be checked in any order.
        let mut declared: BTreeMap<String, Location> = BTreeMap::new();
        let mut modules = BTreeSet::new();
        for (file, parsed) in files {
            let module = module_name(&file.path);
            // Other keywords (`type.yaml`) become raw identifiers (`mod r#type;`).
            if !is_segment(&module)
                || RESERVED_MODULES.contains(&module.as_str())
                || is_unraw_keyword(&module)
            {
                self.error(
                    Diagnostic::new(
                        file.start(),
                        format!("`{}` cannot name a Rust module `{module}`", file.path),
                    )
                    .with_hint(format!(
                        "rename the file: its name becomes the module name, a lowercase identifier other than {}, `self`, `super` and `crate`",
                        quoted(RESERVED_MODULES)
                    )),
                );
            }
            if !modules.insert(module.clone()) {
                self.error(
                    Diagnostic::new(
                        file.start(),
                        format!("two types files map to the module `{module}`"),
                    )
                    .with_hint("rename one of the files"),
                );
            }
            let names = parsed
                .structs
                .iter()
                .map(|s| (&s.name, true))
                .chain(parsed.enums.iter().map(|e| (&e.name, false)));
            let mut in_file: BTreeMap<&str, usize> = BTreeMap::new();
            for (name, is_struct) in names {
                let occurrence = in_file.entry(name).or_default();
                let location = file.locate(&[], ("name", name), *occurrence);
                *occurrence += 1;
                if let Some(first) = declared.get(name) {
                    self.error(
                        Diagnostic::new(location, format!("duplicate type `{name}`"))
                            .with_hint(format!("`{name}` is first declared at {first}")),
                    );
                    continue;
                }
                if is_keyword(name) {
                    self.error(
                        Diagnostic::new(location.clone(), format!("type name `{name}` is a Rust keyword"))
                            .with_hint("type names are only Rust names (StepPay never sends them); choose another"),
                    );
                } else if !is_identifier(name)
                    || !name.starts_with(|c: char| c.is_ascii_uppercase())
                {
                    let example = pascal_case(name);
                    let example = if is_identifier(&example)
                        && !example.starts_with(|c: char| c.is_ascii_digit())
                    {
                        example
                    } else {
                        "OrderItem".to_owned()
                    };
                    self.error(
                        Diagnostic::new(
                            location.clone(),
                            format!("type name `{name}` is not a PascalCase Rust identifier"),
                        )
                        .with_hint(format!(
                            "write ASCII letters and digits in PascalCase, e.g. `{example}`"
                        )),
                    );
                }
                let reserved = if CRATE_TYPE_NAMES.contains(&name.as_str()) {
                    Some(format!("the crate has its own `{name}`"))
                } else if SHADOWED_NAMES.contains(&name.as_str()) {
                    Some(format!(
                        "the generated code uses Rust's `{name}`, which this type would shadow"
                    ))
                } else if SCALARS.contains(&name.as_str()) || name == "List" || name == "Map" {
                    Some(format!("`{name}` is a type of the catalogue's own syntax"))
                } else {
                    None
                };
                if let Some(why) = reserved {
                    self.error(
                        Diagnostic::new(
                            location.clone(),
                            format!("type name `{name}` is reserved"),
                        )
                        .with_hint(format!("{why}; choose another name")),
                    );
                }
                declared.insert(name.clone(), location);
                self.type_kinds.insert(name.clone(), is_struct);
            }
        }

        let mut types = Vec::new();
        for (file, parsed) in files {
            let module = module_name(&file.path);
            for item in &parsed.structs {
                let scope = [("name", item.name.as_str())];
                let what = format!("struct `{}`", item.name);
                let description =
                    self.text(file, &scope, ("description", &what), &item.description);
                let fields = self.fields(file, &item.name, &item.fields);
                let deviation = self.deviation(
                    file,
                    &scope,
                    (&what, STRUCT_PAGE_KEYS),
                    &[],
                    item.deviation.as_ref(),
                );
                types.push(TypeDef {
                    name: item.name.clone(),
                    module: module.clone(),
                    source: file.path.clone(),
                    description,
                    note: item.note.clone(),
                    deviation,
                    kind: TypeKind::Struct(StructDef { fields }),
                });
            }
            for item in &parsed.enums {
                let scope = [("name", item.name.as_str())];
                let what = format!("enum `{}`", item.name);
                let description =
                    self.text(file, &scope, ("description", &what), &item.description);
                let values = self.enum_values(file, &item.name, &item.values);
                types.push(TypeDef {
                    name: item.name.clone(),
                    module: module.clone(),
                    source: file.path.clone(),
                    description,
                    note: item.note.clone(),
                    deviation: None,
                    kind: TypeKind::Enum(EnumDef { values }),
                });
            }
        }
        // A duplicate declaration was reported above; keep the first so later checks see one.
        let mut seen = BTreeSet::new();
        types.retain(|t| seen.insert(t.name.clone()));
        types
    }

    /// A struct that contains itself without a `List` or `Map` in between has infinite size.
    pub(super) fn check_recursion(&mut self, types: &[TypeDef], files: &[SourceFile]) {
        let direct: BTreeMap<&str, Vec<(&str, &str)>> = types
            .iter()
            .filter_map(|t| match &t.kind {
                TypeKind::Struct(s) => Some((
                    t.name.as_str(),
                    s.fields
                        .iter()
                        .filter_map(|f| match &f.ty {
                            TypeRef::Named(n) => Some((f.json_name.as_str(), n.as_str())),
                            _ => None,
                        })
                        .collect(),
                )),
                TypeKind::Enum(_) => None,
            })
            .collect();
        for ty in types {
            let mut steps = Vec::new();
            let mut dead = BTreeSet::new();
            if !find_cycle(&direct, ty.name.as_str(), ty.name.as_str(), &mut steps, &mut dead) {
                continue;
            }
            let Some(&(_, field)) = steps.first() else { continue };
            let file = files.iter().find(|f| f.path == ty.source);
            let location = file.map_or_else(
                || Location { path: ty.source.clone(), line: 0, column: 0 },
                |f| f.locate(&[("name", &ty.name)], ("name", field), 0),
            );
            let cycle: Vec<String> = steps.iter().map(|(t, f)| format!("{t}.{f}")).collect();
            self.error(
                Diagnostic::new(
                    location,
                    format!(
                        "struct `{}` contains itself: {} → {}",
                        ty.name,
                        cycle.join(" → "),
                        ty.name
                    ),
                )
                .with_hint(
                    "a struct cannot hold itself directly; make one field in the cycle a `List<…>`",
                ),
            );
        }
    }
}

/// Depth-first search from `at` back to `start` through fields of struct type, recording the
/// `(type, field)` steps taken; `dead` holds types known not to lead back.
fn find_cycle<'a>(
    direct: &BTreeMap<&'a str, Vec<(&'a str, &'a str)>>,
    at: &'a str,
    start: &'a str,
    steps: &mut Vec<(&'a str, &'a str)>,
    dead: &mut BTreeSet<&'a str>,
) -> bool {
    for &(field, target) in direct.get(at).map(Vec::as_slice).unwrap_or_default() {
        steps.push((at, field));
        if target == start {
            return true;
        }
        let on_path = steps.iter().any(|(t, _)| *t == target);
        if !on_path && !dead.contains(target) && find_cycle(direct, target, start, steps, dead) {
            return true;
        }
        steps.pop();
    }
    dead.insert(at);
    false
}

/// `schema/types/price.yaml` → `price`.
fn module_name(path: &str) -> String {
    let file = path.rsplit('/').next().unwrap_or(path);
    file.strip_suffix(".yaml").or_else(|| file.strip_suffix(".yml")).unwrap_or(file).to_owned()
}
