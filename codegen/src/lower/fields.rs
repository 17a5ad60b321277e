//! A struct's fields: unique JSON and Rust names, a type that resolves and that the runtime
//! can read, `lenient` only where it means something (`subject` is checked in
//! [`super::subject`]).

use std::collections::BTreeMap;

use super::Lowerer;
use super::deviation::FIELD_PAGE_KEYS;
use crate::diagnostic::Diagnostic;
use crate::model::{FieldDef, PageSays, TypeRef};
use crate::names::{escape_keyword, is_identifier, is_keyword, snake_case};
use crate::source::{Location, SourceFile};
use crate::yaml;

/// The catalogue's scalar types.
pub(super) const SCALARS: &[&str] =
    &["Long", "Int", "Decimal", "Boolean", "String", "LocalDateTime"];

impl Lowerer {
    pub(super) fn fields(
        &mut self,
        file: &SourceFile,
        owner: &str,
        fields: &[yaml::FieldYaml],
    ) -> Vec<FieldDef> {
        let mut json_names: BTreeMap<&str, usize> = BTreeMap::new();
        let mut rust_names: BTreeMap<String, &str> = BTreeMap::new();
        // The struct's subject so far: its JSON name and where `subject: true` is written.
        let mut subject: Option<(String, Location)> = None;
        let mut out = Vec::new();
        for field in fields {
            let json = field.name.as_str();
            let occurrence = json_names.entry(json).or_default();
            let location = file.locate(&[("name", owner)], ("name", json), *occurrence);
            *occurrence += 1;
            if *occurrence > 1 {
                let first = file.locate(&[("name", owner)], ("name", json), 0);
                self.error(
                    Diagnostic::new(location, format!("duplicate field `{json}` in `{owner}`"))
                        .with_hint(format!("`{owner}.{json}` is first declared at {first}")),
                );
                continue;
            }
            // A keyword is fine: `type` becomes `r#type`, `self` becomes `self_`.
            let rust_name = escape_keyword(snake_case(json));
            if !rust_name.starts_with("r#") && !is_identifier(&rust_name) {
                self.error(
                    Diagnostic::new(location.clone(), format!("field `{json}` of `{owner}` does not make a Rust identifier (`{rust_name}`)"))
                        .with_hint("the Rust name is the JSON key in snake_case, so the key must start with an ASCII letter and hold only ASCII letters, digits and separators"),
                );
            }
            if let Some(other) = rust_names.insert(rust_name.clone(), json) {
                self.error(
                    Diagnostic::new(location.clone(), format!("fields `{other}` and `{json}` of `{owner}` both become the Rust field `{rust_name}`"))
                        .with_hint("StepPay's JSON names must differ after conversion to snake_case"),
                );
            }
            let scope = [("name", owner), ("name", json)];
            let ty = match parse_type(&field.ty) {
                Ok(ty) => self.check_type_ref(file, &scope, &field.ty, ty),
                Err(message) => {
                    let location = file.locate(&scope, ("type", &field.ty), 0);
                    self.error(Diagnostic::new(location, format!("field `{owner}.{json}`: {message}")).with_hint(
                        "types are Long, Int, Decimal, Boolean, String, LocalDateTime, List<T>, Map<String, T> or a declared type",
                    ));
                    None
                }
            };
            if field.lenient
                && let Some(ty) = &ty
            {
                self.check_lenient(file, &scope, ty);
            }
            if field.subject {
                let location = self.subject(
                    file,
                    &scope,
                    (owner, json),
                    (ty.as_ref(), field.sensitive),
                    subject.as_ref(),
                );
                subject.get_or_insert((json.to_owned(), location));
            }
            let what = format!("field `{owner}.{json}`");
            let description = self.text(file, &scope, ("description", &what), &field.description);
            let said = ty.iter().map(|ty| PageSays::Type(ty.to_string()));
            let said: Vec<PageSays> = said.chain([PageSays::Nullable(field.nullable)]).collect();
            let deviation = self.deviation(
                file,
                &scope,
                (&what, FIELD_PAGE_KEYS),
                &said,
                field.deviation.as_ref(),
            );
            if let Some(ty) = ty {
                out.push(FieldDef {
                    json_name: json.to_owned(),
                    rust_name,
                    ty,
                    nullable: field.nullable,
                    sensitive: field.sensitive,
                    lenient: field.lenient,
                    subject: field.subject,
                    description,
                    note: field.note.clone(),
                    deviation,
                });
            }
        }
        out
    }

    /// Resolves the names in a parsed type and rejects the combinations the runtime cannot read.
    fn check_type_ref(
        &mut self,
        file: &SourceFile,
        scope: &[(&str, &str)],
        written: &str,
        ty: TypeRef,
    ) -> Option<TypeRef> {
        let location = file.locate(scope, ("type", written), 0);
        if let Some(name) = ty.named()
            && !self.type_kinds.contains_key(name)
        {
            let known: Vec<&str> =
                self.type_kinds.keys().map(String::as_str).chain(SCALARS.iter().copied()).collect();
            let diagnostic = Diagnostic::new(location, format!("unknown type `{name}`"))
                .with_hint("declare it in schema/types/, or use Long, Int, Decimal, Boolean, String or LocalDateTime")
                .suggest(name, known);
            self.error(diagnostic);
            return None;
        }
        if let TypeRef::List(inner) | TypeRef::Map(inner) = &ty
            && matches!(
                **inner,
                TypeRef::Decimal | TypeRef::LocalDateTime | TypeRef::List(_) | TypeRef::Map(_)
            )
        {
            self.error(
                Diagnostic::new(location, format!("`{written}` is not supported"))
                    .with_hint("Decimal, LocalDateTime and nested containers may only be a field's type directly; wrap them in a struct"),
            );
            return None;
        }
        Some(ty)
    }

    /// `lenient: true` is for a `String` id that may arrive as a JSON integer: the runtime's
    /// `LenientId` reads both as text. No list of such ids is known, so lists are refused too.
    fn check_lenient(&mut self, file: &SourceFile, scope: &[(&str, &str)], ty: &TypeRef) {
        if *ty == TypeRef::String {
            return;
        }
        let field = scope.iter().map(|(_, name)| *name).collect::<Vec<_>>().join(".");
        let location = file.locate_key(scope, "lenient");
        let hint = match ty {
            TypeRef::Long | TypeRef::Int => format!(
                "a `{ty}` field reads JSON integers already; `lenient: true` is for `String` ids that StepPay may also send as integers, so remove it"
            ),
            _ => "`lenient: true` is for a `String` id that StepPay may also send as a JSON integer; it is allowed on `String` fields only".to_owned(),
        };
        self.error(
            Diagnostic::new(
                location,
                format!("field `{field}` is `lenient`, but its type is `{ty}`, not `String`"),
            )
            .with_hint(hint),
        );
    }
}

/// Parses `List<Map<String, Foo>>` and friends.
pub(super) fn parse_type(text: &str) -> Result<TypeRef, String> {
    let text = text.trim();
    if let Some(inner) = text.strip_prefix("List<").and_then(|t| t.strip_suffix('>')) {
        return Ok(TypeRef::List(Box::new(parse_type(inner)?)));
    }
    if let Some(inner) = text.strip_prefix("Map<").and_then(|t| t.strip_suffix('>')) {
        let (key, value) = inner
            .split_once(',')
            .ok_or_else(|| format!("`{text}` needs a key and a value type"))?;
        if key.trim() != "String" {
            return Err(format!(
                "`{text}` has key type `{}`; JSON object keys are always String",
                key.trim()
            ));
        }
        return Ok(TypeRef::Map(Box::new(parse_type(value)?)));
    }
    match text {
        "Long" => Ok(TypeRef::Long),
        "Int" => Ok(TypeRef::Int),
        "Decimal" => Ok(TypeRef::Decimal),
        "Boolean" => Ok(TypeRef::Boolean),
        "String" => Ok(TypeRef::String),
        "LocalDateTime" => Ok(TypeRef::LocalDateTime),
        // A keyword (`Self`) is read as a name; declaring a type of that name is the error.
        name if is_identifier(name) || is_keyword(name) => Ok(TypeRef::Named(name.to_owned())),
        _ => Err(format!("cannot read the type `{text}`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_types() {
        assert_eq!(parse_type("List<Long>"), Ok(TypeRef::List(Box::new(TypeRef::Long))));
        assert_eq!(parse_type("Map<String, String>"), Ok(TypeRef::Map(Box::new(TypeRef::String))));
        assert_eq!(parse_type("Period"), Ok(TypeRef::Named("Period".into())));
        assert!(parse_type("Map<Long, String>").is_err());
        assert!(parse_type("List<").is_err());
    }
}
