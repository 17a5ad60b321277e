//! The schema page against the catalogue: a struct per table, then each field's type and
//! nullability, and the enum values a field's description lists.

use std::collections::BTreeSet;

use super::snippet::{field_snippet, humanize, removal, yaml_text};
use super::{Comparison, Finding, FindingKind, Names, Subject, TYPES_DIR};
use crate::model::{Catalogue, EnumDef, FieldDef, PageSays, StructDef, TypeDef, TypeKind};
use crate::pages::{PageField, PageTable, SchemaPage, TableLabel};

impl Comparison<'_> {
    pub(super) fn schemas(&mut self, page: &SchemaPage) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_innermost_type_name() {
        assert_eq!(innermost("List<Object>"), "Object");
        assert_eq!(innermost("Map<String, Object>"), "Object");
        assert_eq!(innermost("DemoCycle"), "DemoCycle");
    }
}
