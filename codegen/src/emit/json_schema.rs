//! Emits `generated/schema/`: a JSON Schema (draft 2020-12) per payload schema, and one for the
//! delivery body that checks `data` against the schema its `event` names.
//!
//! Each file is self-contained (its nested types under `$defs`), so any validator can use it
//! without resolving references across files. Enums list the documented values only: the files
//! describe StepPay's documented contract, while the crate also accepts values added later.
//! Properties that hold personal data carry the annotation `"x-sensitive": true`, and the one
//! that identifies the object a payload describes (its subject) `"x-subject": true`.

use std::collections::{BTreeMap, BTreeSet};

use schemars::{Schema, json_schema};
use serde_json::{Map, Value, json};

use super::{Files, SCHEMA_DIR, describe, header};
use crate::model::{Catalogue, TypeDef, TypeKind, TypeRef};

const DRAFT: &str = "https://json-schema.org/draft/2020-12/schema";

/// The annotation on a property that holds personal data (a field marked `sensitive`).
pub(super) const SENSITIVE: &str = "x-sensitive";

/// The annotation on the property that identifies the object a payload describes (a field
/// marked `subject`).
pub(super) const SUBJECT: &str = "x-subject";

/// A local date-time as StepPay writes it: no offset, 0 to 9 fraction digits.
const LOCAL_DATE_TIME: &str = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?$";

/// The JSON types of an id marked `lenient`: documented as a string, it may arrive as an integer.
pub(super) const LENIENT_TYPES: [&str; 2] = ["string", "integer"];

/// One member of the delivery body around `data`, as both the JSON Schema and the AsyncAPI
/// document describe it.
pub(super) struct EnvelopeMember {
    pub(super) name: &'static str,
    /// Its JSON Schema `type`.
    pub(super) json_type: &'static str,
    pub(super) required: bool,
    pub(super) description: &'static str,
}

/// The members of every delivery body, in the order StepPay writes them.
pub(super) const ENVELOPE: [EnvelopeMember; 5] = [
    EnvelopeMember {
        name: "timestamp",
        json_type: "integer",
        required: true,
        description: "발송 시각 (Unix 초) — Send time, in Unix seconds",
    },
    EnvelopeMember {
        name: "version",
        json_type: "string",
        required: true,
        description: "API 버전 — API version; selects the schema version of `data`",
    },
    EnvelopeMember {
        name: "event",
        json_type: "string",
        required: true,
        description: "이벤트 타입 — Event type",
    },
    EnvelopeMember {
        name: "data",
        json_type: "object",
        required: true,
        description: "이벤트 타입에 맞는 스키마 — The payload; its schema depends on `event`",
    },
    EnvelopeMember {
        name: "isTest",
        json_type: "boolean",
        required: false,
        description: "테스트 여부 — Sent in test mode (undocumented; seen in a real delivery)",
    },
];

/// How a catalogue type is written in JSON Schema, for both emitters of schemas.
pub(super) enum JsonShape<'a> {
    /// A scalar: its keywords, `type` first.
    Scalar(&'static [(&'static str, &'static str)]),
    /// An array of the type.
    List(&'a TypeRef),
    /// An object whose values are of the type.
    Map(&'a TypeRef),
    /// A reference to the named struct or enum.
    Named(&'a str),
}

pub(super) fn shape(ty: &TypeRef) -> JsonShape<'_> {
    JsonShape::Scalar(match ty {
        TypeRef::Long => &[("type", "integer"), ("format", "int64")],
        TypeRef::Int => &[("type", "integer"), ("format", "int32")],
        TypeRef::Decimal => &[("type", "number")],
        TypeRef::Boolean => &[("type", "boolean")],
        TypeRef::String => &[("type", "string")],
        TypeRef::LocalDateTime => &[("type", "string"), ("pattern", LOCAL_DATE_TIME)],
        TypeRef::List(item) => return JsonShape::List(item),
        TypeRef::Map(value) => return JsonShape::Map(value),
        TypeRef::Named(name) => return JsonShape::Named(name),
    })
}

pub(crate) fn emit(catalogue: &Catalogue, files: &mut Files) {
    let mut schemas: Vec<&str> = catalogue.events.iter().map(|e| e.schema.as_str()).collect();
    schemas.sort_unstable();
    schemas.dedup();
    for name in schemas {
        if let Some(root) = catalogue.type_named(name) {
            let mut schema = type_schema(root);
            let defs =
                definitions(catalogue.reachable_from(name).into_iter().filter(|t| t.name != name));
            finish(&mut schema, name, defs);
            files.insert(format!("{SCHEMA_DIR}/{name}.schema.json"), to_text(schema));
        }
    }
    files.insert(format!("{SCHEMA_DIR}/webhook.schema.json"), to_text(envelope(catalogue)));
}

fn to_text(schema: Schema) -> String {
    // A `Value` with string keys always serializes.
    let mut text = serde_json::to_string_pretty(schema.as_value()).unwrap_or_default();
    text.push('\n');
    text
}

/// Adds the header keys and `$defs` to a root schema.
fn finish(schema: &mut Schema, title: &str, defs: Map<String, Value>) {
    // serde_json's map is ordered by key, so `$comment` comes first in the file.
    schema.insert("$comment".into(), json!(header("", "schema/").trim_start()));
    schema.insert("$schema".into(), json!(DRAFT));
    schema.insert("title".into(), json!(title));
    if !defs.is_empty() {
        schema.insert("$defs".into(), Value::Object(defs));
    }
}

fn definitions<'a>(types: impl Iterator<Item = &'a TypeDef>) -> Map<String, Value> {
    types.map(|t| (t.name.clone(), type_schema(t).to_value())).collect()
}

fn type_schema(ty: &TypeDef) -> Schema {
    match &ty.kind {
        TypeKind::Struct(def) => {
            let mut properties = Map::new();
            let mut required = Vec::new();
            for field in &def.fields {
                let mut schema = if field.lenient {
                    // An id documented as a string that may arrive as a JSON integer.
                    nullable_schema(json_schema!({ "type": LENIENT_TYPES }), field.nullable)
                } else {
                    field_schema(&field.ty, field.nullable)
                };
                schema.insert("description".into(), json!(describe(&field.description)));
                if field.sensitive {
                    // An annotation, not a constraint: tools that scrub logs can look for it.
                    schema.insert(SENSITIVE.into(), json!(true));
                }
                if field.subject {
                    // An annotation too: what a receiver records to find a delivery by.
                    schema.insert(SUBJECT.into(), json!(true));
                }
                properties.insert(field.json_name.clone(), schema.to_value());
                if !field.nullable {
                    required.push(field.json_name.clone());
                }
            }
            json_schema!({
                "description": describe(&ty.description),
                "type": "object",
                "properties": properties,
                "required": required,
            })
        }
        TypeKind::Enum(def) => {
            let values: Vec<&str> = def.values.iter().map(|v| v.value.as_str()).collect();
            json_schema!({
                "description": describe(&ty.description),
                "type": "string",
                "enum": values,
            })
        }
    }
}

fn field_schema(ty: &TypeRef, nullable: bool) -> Schema {
    let schema = match shape(ty) {
        JsonShape::Scalar(keywords) => {
            let keywords: Map<String, Value> =
                keywords.iter().map(|(key, value)| ((*key).to_owned(), json!(value))).collect();
            Schema::from(keywords)
        }
        JsonShape::List(item) => {
            json_schema!({ "type": "array", "items": field_schema(item, false) })
        }
        JsonShape::Map(value) => {
            json_schema!({ "type": "object", "additionalProperties": field_schema(value, false) })
        }
        JsonShape::Named(name) => Schema::new_ref(format!("#/$defs/{name}")),
    };
    nullable_schema(schema, nullable)
}

/// `schema`, or for a nullable field `schema` that also takes `null`.
fn nullable_schema(mut schema: Schema, nullable: bool) -> Schema {
    if !nullable {
        return schema;
    }
    let kinds = match schema.get("type") {
        Some(Value::String(kind)) => vec![json!(kind), json!("null")],
        Some(Value::Array(kinds)) => kinds.iter().cloned().chain([json!("null")]).collect(),
        _ => return json_schema!({ "anyOf": [schema, { "type": "null" }] }),
    };
    schema.insert("type".into(), Value::Array(kinds));
    schema
}

/// The delivery body: the envelope fields, and `data` checked by `event`.
fn envelope(catalogue: &Catalogue) -> Schema {
    let mut seen = BTreeSet::new();
    let schemas: Vec<&str> =
        catalogue.events.iter().map(|e| e.schema.as_str()).filter(|s| seen.insert(*s)).collect();
    let rules: Vec<Value> = schemas
        .iter()
        .map(|schema| {
            let events: Vec<&str> =
                catalogue.events_with_schema(schema).map(|e| e.event_type.as_str()).collect();
            json!({
                "if": { "properties": { "event": { "enum": events } }, "required": ["event"] },
                "then": { "properties": { "data": { "$ref": format!("#/$defs/{schema}") } } },
            })
        })
        .collect();
    let event_types: Vec<&str> = catalogue.events.iter().map(|e| e.event_type.as_str()).collect();
    let mut properties = Map::new();
    for member in &ENVELOPE {
        let mut property = json!({ "type": member.json_type, "description": member.description });
        if member.name == "event" {
            property["enum"] = json!(event_types);
        }
        properties.insert(member.name.to_owned(), property);
    }
    let required: Vec<&str> = ENVELOPE.iter().filter(|m| m.required).map(|m| m.name).collect();
    let mut schema = json_schema!({
        "description": "스텝페이 웹훅 요청 본문 — The body of a StepPay webhook delivery (webhook v2).",
        "type": "object",
        "properties": properties,
        "required": required,
        "allOf": rules,
    });
    let mut all: BTreeMap<&str, &TypeDef> = BTreeMap::new();
    for name in &schemas {
        for ty in catalogue.reachable_from(name) {
            all.entry(ty.name.as_str()).or_insert(ty);
        }
    }
    let all: Vec<&TypeDef> = all.into_values().collect();
    finish(&mut schema, "Webhook", definitions(all.into_iter()));
    schema
}
