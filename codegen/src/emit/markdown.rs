//! Emits `generated/docs/webhooks.md`: StepPay's event tables and a field table per schema.
//!
//! One file, so that the links from the event tables to the schema sections (`#order`) work
//! both on a Git host and inside rustdoc, where the crate includes this file as a module's docs.

use std::collections::BTreeSet;
use std::fmt::Write;

use super::{DOCS_DIR, Files, describe, deviation_text, header};
use crate::model::{Catalogue, Deviation, EnumDef, StructDef, Text, TypeDef, TypeKind, TypeRef};

/// Enum values listed inline in a field table before it defers to the enum's own table.
const INLINE_VALUES: usize = 12;

/// The type cell of a `lenient` field (always a `String`, which may arrive as an integer).
const LENIENT: &str = "String (또는 정수 · or an integer)";

/// The mark after the name of a struct's subject field, in the field cell.
const SUBJECT: &str = "(대상 · subject)";

pub(crate) fn emit(catalogue: &Catalogue, files: &mut Files) {
    let mut out = String::new();
    // `fmt::Write` for `String` cannot fail.
    let _ = write_reference(catalogue, &mut out);
    files.insert(format!("{DOCS_DIR}/webhooks.md"), out);
}

fn write_reference(catalogue: &Catalogue, out: &mut String) -> std::fmt::Result {
    writeln!(out, "{} -->", header("<!--", "schema/"))?;
    writeln!(out, "# StepPay webhooks")?;
    writeln!(out)?;
    // The introduction is the project's own text, in Korean and in English.
    writeln!(
        out,
        "웹훅을 받는 서비스가 옆에 두고 보는 참조표입니다. 요청 본문의 `event` 값이 `data`에 담기는 \
         객체의 모양을 정하므로, 아래에서는 이벤트를 도메인(주문, 구독, 결제 등)으로 묶어 이벤트 \
         타입마다 `data`의 스키마를 적고, 이어서 스키마마다 필드를 하나씩 설명합니다. 표는 스텝페이 \
         문서와 실제로 전송된 웹훅을 함께 검토한 이 프로젝트의 카탈로그(`schema/`)에서 생성되며, \
         둘이 어긋나는 곳은 해당 항목에 따로 적었습니다. 크레이트에서는 도메인마다 Cargo 기능이 \
         하나씩 있고 모두 기본으로 켜져 있습니다. 기능을 끈 도메인의 이벤트는 `Event::Unknown`으로 \
         읽히고, 그 타입과 처리기 메서드는 컴파일되지 않습니다."
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "A reference to keep beside a service that receives StepPay's webhooks. A delivery's \
         `event` value decides the shape of its `data`, so the tables below group the event types \
         by domain (orders, subscriptions, payments, …) with the schema of each one's `data`, and \
         then describe every schema field by field. They are generated from this project's \
         catalogue (`schema/`), which was reviewed against both StepPay's pages and deliveries \
         StepPay really sent; where the two disagree, the entry says so. In the crate, each domain \
         is a Cargo feature, all on by default; with a domain's feature off, its events parse as \
         `Event::Unknown` and its types and handler methods are not compiled."
    )?;
    writeln!(out)?;
    writeln!(out, "## Events")?;
    for domain in &catalogue.domains {
        writeln!(out)?;
        writeln!(out, "### {} · {}", domain.name.ko, domain.name.en)?;
        writeln!(out)?;
        writeln!(out, "Cargo feature `{}` (on by default).", domain.id)?;
        writeln!(out)?;
        writeln!(out, "| 이벤트 | Event | 이벤트 타입 | Schema |")?;
        writeln!(out, "| --- | --- | --- | --- |")?;
        for event in catalogue.events.iter().filter(|e| e.domain == domain.id) {
            let mut english = cell(&event.name.en);
            if let Some(deprecated) = &event.deprecated {
                write!(english, " (deprecated: {})", cell(deprecated))?;
            }
            writeln!(
                out,
                "| {} | {} | `{}` | {} |",
                cell(&event.name.ko),
                english,
                event.event_type,
                link(&event.schema)
            )?;
        }
        let explained = catalogue.events.iter().filter(|e| {
            e.domain == domain.id
                && (e.description.is_some() || e.note.is_some() || e.deviation.is_some())
        });
        let mut first = true;
        for event in explained {
            if std::mem::take(&mut first) {
                writeln!(out)?;
            }
            write!(out, "- `{}`:", event.event_type)?;
            if let Some(description) = &event.description {
                write!(out, " {}.", describe(description))?;
            }
            if let Some(note) = &event.note {
                write!(out, " *Note:* {note}")?;
            }
            if let Some(deviation) = &event.deviation {
                write!(out, " {}", deviation_cell(deviation))?;
            }
            writeln!(out)?;
        }
    }
    writeln!(out)?;
    writeln!(out, "## Schemas")?;
    writeln!(out)?;
    writeln!(
        out,
        "Nullable fields may be absent or `null`; StepPay usually leaves them out. \
         Enums are open: values not listed here are accepted and kept. \
         Fields marked as personal data (names, contacts, addresses, account, card and \
         registration numbers) print as `<redacted>` in the crate's `Debug` output; \
         serialization writes them unchanged. \
         A field typed `{LENIENT}` is an id StepPay documents as a string but may send as a JSON \
         integer: the crate takes both (`LenientId`), reads them as text and writes each back in \
         the form it came in. \
         The field marked `{SUBJECT}` identifies the object a payload describes: the crate's \
         `Event::subject` gives the payload type's name in snake_case and that field's value, \
         e.g. `payment:4418273`, which a receiver can record to find a delivery by."
    )?;
    for ty in ordered_types(catalogue) {
        writeln!(out)?;
        match &ty.kind {
            TypeKind::Struct(def) => write_struct(catalogue, ty, def, out)?,
            TypeKind::Enum(def) => write_enum(ty, def, out)?,
        }
    }
    Ok(())
}

/// Payload schemas in event order, each followed by the types it reaches that are not listed
/// yet; then any type no event reaches.
pub(super) fn ordered_types(catalogue: &Catalogue) -> Vec<&TypeDef> {
    /// Types in listing order, each once.
    #[derive(Default)]
    struct Listing<'a> {
        ordered: Vec<&'a TypeDef>,
        listed: BTreeSet<&'a str>,
    }

    impl<'a> Listing<'a> {
        fn push(&mut self, ty: &'a TypeDef) {
            if self.listed.insert(ty.name.as_str()) {
                self.ordered.push(ty);
            }
        }
    }

    let mut listing = Listing::default();
    for event in &catalogue.events {
        // Each schema's group once: later events with the same schema add nothing.
        if let Some(schema) = catalogue.type_named(&event.schema)
            && !listing.listed.contains(schema.name.as_str())
        {
            listing.push(schema);
            for ty in catalogue.reachable_from(&event.schema) {
                listing.push(ty);
            }
        }
    }
    for ty in &catalogue.types {
        listing.push(ty);
    }
    listing.ordered
}

fn write_struct(
    catalogue: &Catalogue,
    ty: &TypeDef,
    def: &StructDef,
    out: &mut String,
) -> std::fmt::Result {
    writeln!(out, "### {}", ty.name)?;
    writeln!(out)?;
    write_description(&ty.description, ty.note.as_deref(), ty.deviation.as_ref(), out)?;
    let events: Vec<String> =
        catalogue.events_with_schema(&ty.name).map(|e| format!("`{}`", e.event_type)).collect();
    if !events.is_empty() {
        writeln!(out, "The `data` of {}.", events.join(", "))?;
        writeln!(out)?;
    }
    if let Some(field) = ty.subject() {
        writeln!(
            out,
            "대상 — Subject: `{0}`, as `{1}:<{0}>` (`Event::subject`).",
            field.json_name,
            ty.subject_kind()
        )?;
        writeln!(out)?;
    }
    writeln!(out, "| Field | Type | Nullable | Personal data | 설명 | Description | Values |")?;
    writeln!(out, "| --- | --- | --- | --- | --- | --- | --- |")?;
    for field in &def.fields {
        let mut description = cell(&field.description.en);
        if let Some(note) = &field.note {
            write!(description, "<br>*Note:* {}", cell(note))?;
        }
        if let Some(deviation) = &field.deviation {
            write!(description, "<br>{}", deviation_cell(deviation))?;
        }
        let mark = if field.subject { format!(" {SUBJECT}") } else { String::new() };
        writeln!(
            out,
            "| `{}`{mark} | {} | {} | {} | {} | {} | {} |",
            field.json_name,
            if field.lenient { LENIENT.to_owned() } else { type_cell(&field.ty) },
            if field.nullable { "Yes" } else { "No" },
            if field.sensitive { "Yes" } else { "No" },
            cell(&field.description.ko),
            description,
            values_cell(catalogue, &field.ty),
        )?;
    }
    Ok(())
}

fn write_enum(ty: &TypeDef, def: &EnumDef, out: &mut String) -> std::fmt::Result {
    writeln!(out, "### {}", ty.name)?;
    writeln!(out)?;
    write_description(&ty.description, ty.note.as_deref(), None, out)?;
    writeln!(out, "| Value | 설명 | Description |")?;
    writeln!(out, "| --- | --- | --- |")?;
    for value in &def.values {
        let mut description = cell(&value.description.en);
        if let Some(deprecated) = &value.deprecated {
            write!(description, "<br>*Deprecated:* {}", cell(deprecated))?;
        }
        if let Some(note) = &value.note {
            write!(description, "<br>*Note:* {}", cell(note))?;
        }
        if let Some(deviation) = &value.deviation {
            write!(description, "<br>{}", deviation_cell(deviation))?;
        }
        writeln!(out, "| `{}` | {} | {} |", value.value, cell(&value.description.ko), description)?;
    }
    Ok(())
}

fn write_description(
    text: &Text,
    note: Option<&str>,
    deviation: Option<&Deviation>,
    out: &mut String,
) -> std::fmt::Result {
    writeln!(out, "{}", describe(text))?;
    writeln!(out)?;
    if let Some(note) = note {
        writeln!(out, "*Note:* {note}")?;
        writeln!(out)?;
    }
    if let Some(deviation) = deviation {
        writeln!(out, "{}", deviation_cell(deviation))?;
        writeln!(out)?;
    }
    Ok(())
}

/// A deviation from StepPay's page, labelled, safe inside a table cell.
fn deviation_cell(deviation: &Deviation) -> String {
    format!("*Differs from StepPay's docs:* {}", cell(&deviation_text(deviation)))
}

/// A link to a type's section; headings become lowercase anchors on Git hosts and in rustdoc.
fn link(name: &str) -> String {
    format!("[{name}](#{})", name.to_lowercase())
}

/// The type in the YAML's spelling, with `<` escaped so Markdown does not read it as HTML.
fn type_cell(ty: &TypeRef) -> String {
    match ty {
        TypeRef::List(item) => format!("List\\<{}\\>", type_cell(item)),
        TypeRef::Map(value) => format!("Map\\<String, {}\\>", type_cell(value)),
        TypeRef::Named(name) => link(name),
        scalar => scalar.to_string(),
    }
}

fn values_cell(catalogue: &Catalogue, ty: &TypeRef) -> String {
    let Some(TypeDef { name, kind: TypeKind::Enum(def), .. }) =
        ty.named().and_then(|n| catalogue.type_named(n))
    else {
        return String::new();
    };
    let shown: Vec<String> =
        def.values.iter().take(INLINE_VALUES).map(|v| format!("`{}`", v.value)).collect();
    if def.values.len() > INLINE_VALUES {
        format!("{}, … ({} values, see {})", shown.join(", "), def.values.len(), link(name))
    } else {
        shown.join(", ")
    }
}

/// Text safe inside a table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}
