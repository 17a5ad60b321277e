//! Emits `generated/asyncapi/asyncapi.yaml`: the whole webhook API as an AsyncAPI 3.0 document,
//! from the receiver's side, for tools in other languages (Modelina, the AsyncAPI generator,
//! AsyncAPI Studio).
//!
//! The layout:
//! - one server, the receiver's endpoint: `https`, its host and path as variables;
//! - one channel, the endpoint, carrying one message per event type (named by the event type);
//! - one `receive` operation per event type, named as the `Handler` method, with the HTTP
//!   binding `POST`;
//! - the `Steppay-Signature` header in a shared HTTP message binding and as a security scheme;
//! - `components.schemas`: every type the events reach, in the AsyncAPI Schema format (draft-07
//!   keywords only), inline so that no tool has to resolve another file.
//!
//! Each message's payload is the delivery body, with `event` fixed to its event type and `data`
//! referring to its schema (a reference with a description beside it is `anyOf: [{$ref}]`, as
//! draft-07 ignores what stands beside a `$ref`); its example is `schema/examples/<event type>.json`, when there is one.
//! Unlike the JSON Schemas, which list the documented enum values as a closed `enum`, the enums
//! here are open: each documented value is a `const` branch of an `anyOf` with its description,
//! and a last branch takes any other string. Personal data keeps `x-sensitive: true`, the field
//! that identifies the object a payload describes `x-subject: true`, and a lenient id is
//! `type: [string, integer]`.

mod yaml;

use std::collections::BTreeMap;

use self::yaml::{Map, Node};
use super::json_schema::{ENVELOPE, JsonShape, LENIENT_TYPES, SENSITIVE, SUBJECT, shape};
use super::{ASYNCAPI_DIR, Files, describe, header, note_paragraphs};
use crate::model::{Catalogue, EnumDef, EventDef, FieldDef, StructDef, TypeDef, TypeKind, TypeRef};
use crate::source::SourceFile;

/// The AsyncAPI version the document follows.
const ASYNCAPI_VERSION: &str = "3.0.0";

/// The version of the HTTP bindings used.
const HTTP_BINDING_VERSION: &str = "0.3.0";

/// The id of the one server, channel, security scheme and message binding.
const SERVER: &str = "receiver";
const CHANNEL: &str = "webhook";
const SIGNATURE_SCHEME: &str = "steppaySignature";
const SIGNED_BINDING: &str = "signed";

/// The header StepPay signs every delivery with.
const SIGNATURE_HEADER: &str = "Steppay-Signature";

const INFO_DESCRIPTION: &str = "\
스텝페이(StepPay)가 보내는 웹훅(webhook v2)을 받는 쪽, 곧 가맹점의 웹훅 수신 주소에서 본 문서입니다. \
스텝페이는 이벤트마다 JSON 본문 하나를 POST로 보내고 `Steppay-Signature` 헤더로 서명합니다. \
본문의 `event`가 이벤트 타입이고, `data`는 그 이벤트 타입이 정하는 스키마를 따릅니다. \
스텝페이는 이벤트 타입, 필드, 열거형 값을 예고 없이 더하므로, 받는 쪽은 여기에 없는 것도 거절하지 않아야 합니다: \
열거형은 문서에 나온 값을 나열할 뿐 다른 문자열도 받고, 어떤 객체도 닫혀 있지 않습니다.

StepPay's webhooks (webhook v2), seen from the receiver: your endpoint. StepPay POSTs one JSON \
body per event and signs it in the `Steppay-Signature` header. The body's `event` is the event \
type, and `data` follows the schema that event type names. StepPay adds event types, fields and \
enum values without notice, so a receiver should refuse none of them: the enums list the \
documented values and take any other string, and no object is closed.

Generated from the catalogue of the steppay-webhooks crate, which follows StepPay's pages and \
the deliveries seen, and says where the two differ. A property marked `x-sensitive: true` holds \
personal data; one marked `x-subject: true` identifies the object its payload describes; an id \
typed string or integer is documented as a string but may arrive as a JSON integer.
";

const SERVER_DESCRIPTION: &str = "\
스텝페이 포탈(설정 > 결제 설정 > 웹훅 설정)에 등록한 웹훅 URL, `https://{host}{path}` 입니다.

The webhook URL you register in StepPay's portal (설정 > 결제 설정 > 웹훅 설정): \
`https://{host}{path}`.
";

const CHANNEL_DESCRIPTION: &str = "\
스텝페이는 모든 이벤트를 한 주소로 보냅니다. 본문의 `event`로 어떤 메시지인지 구별합니다.

StepPay sends every event to the one URL; the body's `event` tells the messages apart.
";

const SIGNATURE_DESCRIPTION: &str = "\
스텝페이는 모든 웹훅에 `Steppay-Signature` 헤더로 서명합니다: \
`timestamp=<Unix 초>,key=<서명>[;<서명>…]`. \
서명은 `\"<timestamp>.<본문>\"`, 곧 헤더의 timestamp와 점 하나, 받은 그대로의 요청 본문 바이트(다시 직렬화한 JSON이 아님)를 \
웹훅의 검증 KEY(포탈의 웹훅 상세 페이지)로 HMAC-SHA256 한 값의 Base64입니다. \
`key=` 뒤에는 `;`로 구분된 서명이 여러 개 올 수 있고(검증 KEY를 바꾸는 동안), 그중 하나라도 맞으면 스텝페이가 보낸 것입니다. \
비교는 상수 시간으로 하십시오. 문서는 `key=`라고 하지만 실제 웹훅에서 `v0=`도 보였으므로, `timestamp`가 아닌 모든 이름 뒤의 값을 서명으로 보십시오. \
재전송 공격을 막으려면 timestamp가 지금과 너무 먼 요청은 거절하십시오.

Not an API key: a signature to verify. StepPay signs every delivery in the `Steppay-Signature` \
header: `timestamp=<Unix seconds>,key=<signature>[;<signature>…]`. A signature is the Base64 \
(standard alphabet, padded) of HMAC-SHA256 over `\"<timestamp>.<body>\"`: the header's \
timestamp, a dot, and the request body's bytes as received (never re-serialized JSON), keyed \
with the webhook's 검증 KEY (verification key, on the webhook's page in StepPay's portal). After \
`key=` come one or more signatures separated by `;` (while a key is being replaced); the \
delivery is StepPay's if any one of them matches. Compare in constant time. StepPay's docs say \
`key=`, but a real delivery had `v0=`: take the values after every label other than \
`timestamp` as signatures. Refuse a timestamp far from your clock, so that a captured request \
cannot be replayed later.
";

const HOST_DESCRIPTION: &str = "\
웹훅을 받는 호스트 — The host that receives the webhooks (with `:port` if not 443)";

/// The second of the two signatures in the example of StepPay's signature page.
const HEADER_EXAMPLE: &str =
    "timestamp=1706002316,key=H3uZhieE19k/eF3ARNwjeQhdrJErf8Z8THV108mnC9w=";

const HEADER_DESCRIPTION: &str = "\
웹훅 서명 — The delivery's signature, `timestamp=<Unix seconds>,key=<signature>[;<signature>…]`; \
how to verify it is in the security scheme `steppaySignature`.";

const OPEN_ENUM_REST: &str = "\
그 밖의 값: 스텝페이가 나중에 더할 수 있으므로 받아야 합니다 — Any other value: StepPay may add values later, so accept them";

pub(crate) fn emit(
    catalogue: &Catalogue,
    examples: &BTreeMap<&str, &SourceFile>,
    files: &mut Files,
) {
    let examples: BTreeMap<&str, Node> = examples
        .iter()
        // The examples were read before (a wrong one stops the generator), so this holds.
        .filter_map(|(event, file)| Some((*event, serde_json::from_str(&file.text).ok()?)))
        .collect();
    let mut text = header("#", "schema/");
    text.push('\n');
    text.push_str(&yaml::to_string(&document(catalogue, &examples)));
    files.insert(format!("{ASYNCAPI_DIR}/asyncapi.yaml"), text);
}

fn document(catalogue: &Catalogue, examples: &BTreeMap<&str, Node>) -> Map {
    let channel = Map::new()
        .with("title", "스텝페이 웹훅 · StepPay webhooks")
        .with("description", CHANNEL_DESCRIPTION)
        .with("servers", vec![pointer(&format!("#/servers/{SERVER}"))])
        .with("messages", each_event(catalogue, |e| reference("messages", &e.event_type)));
    let mut operations = Map::new();
    for event in &catalogue.events {
        operations.insert(&event.method, operation(event));
    }
    Map::new()
        .with("asyncapi", ASYNCAPI_VERSION)
        .with("info", info(catalogue))
        .with("defaultContentType", "application/json")
        .with("servers", Map::new().with(SERVER, server()))
        .with("channels", Map::new().with(CHANNEL, channel))
        .with("operations", operations)
        .with("components", components(catalogue, examples))
}

fn info(catalogue: &Catalogue) -> Map {
    let tags: Vec<Map> = catalogue.domains.iter().map(|d| reference("tags", &d.id)).collect();
    let docs = Map::new()
        .with("description", "스텝페이 웹훅 이벤트 문서 — StepPay's Webhook-Events page")
        .with("url", "https://docs.steppay.kr/docs/08-1-1_Webhook-Events");
    Map::new()
        .with("title", "StepPay webhooks (스텝페이 웹훅)")
        .with("version", "v2")
        .with("description", INFO_DESCRIPTION)
        .with("tags", tags)
        .with("externalDocs", docs)
}

/// The receiver's endpoint, `https://{host}{path}`.
fn server() -> Map {
    let host =
        Map::new().with("description", HOST_DESCRIPTION).with("examples", vec!["shop.example.com"]);
    let path = Map::new()
        .with("description", "웹훅을 받는 경로 — The path that receives the webhooks")
        .with("default", "/webhooks/steppay");
    Map::new()
        .with("host", "{host}")
        .with("pathname", "{path}")
        .with("protocol", "https")
        .with("title", "웹훅 수신 주소 · Your webhook endpoint")
        .with("description", SERVER_DESCRIPTION)
        .with("variables", Map::new().with("host", host).with("path", path))
        .with("security", vec![reference("securitySchemes", SIGNATURE_SCHEME)])
}

/// A map with one entry per event type, keyed by the event type.
fn each_event(catalogue: &Catalogue, value: impl Fn(&EventDef) -> Map) -> Map {
    let mut map = Map::new();
    for event in &catalogue.events {
        map.insert(&event.event_type, value(event));
    }
    map
}

/// `$ref` to an entry of `components`.
fn reference(kind: &str, name: &str) -> Map {
    pointer(&format!("#/components/{kind}/{name}"))
}

fn pointer(to: &str) -> Map {
    Map::new().with("$ref", to)
}

/// The `receive` operation of one event type, named as its `Handler` method.
fn operation(event: &EventDef) -> Map {
    Map::new()
        .with("action", "receive")
        .with("channel", pointer(&format!("#/channels/{CHANNEL}")))
        .with("title", title(event))
        .with("tags", vec![reference("tags", &event.domain)])
        .with(
            "messages",
            vec![pointer(&format!("#/channels/{CHANNEL}/messages/{}", event.event_type))],
        )
        .with(
            "bindings",
            Map::new().with(
                "http",
                Map::new().with("method", "POST").with("bindingVersion", HTTP_BINDING_VERSION),
            ),
        )
}

fn title(event: &EventDef) -> String {
    format!("{} · {}", event.name.ko, event.name.en)
}

fn components(catalogue: &Catalogue, examples: &BTreeMap<&str, Node>) -> Map {
    let mut tags = Map::new();
    for domain in &catalogue.domains {
        tags.insert(
            &domain.id,
            Map::new().with("name", domain.id.as_str()).with("description", describe(&domain.name)),
        );
    }
    let signature = Map::new()
        .with("type", "httpApiKey")
        .with("in", "header")
        .with("name", SIGNATURE_HEADER)
        .with("description", SIGNATURE_DESCRIPTION);
    let messages =
        each_event(catalogue, |event| message(event, examples.get(event.event_type.as_str())));
    let mut schemas = Map::new();
    for ty in super::markdown::ordered_types(catalogue) {
        if !catalogue.type_domains(&ty.name).is_empty() {
            schemas.insert(&ty.name, type_schema(ty));
        }
    }
    Map::new()
        .with("tags", tags)
        .with("securitySchemes", Map::new().with(SIGNATURE_SCHEME, signature))
        .with("messageBindings", Map::new().with(SIGNED_BINDING, signed_binding()))
        .with("messages", messages)
        .with("schemas", schemas)
}

/// The HTTP binding every message shares: the signature header.
fn signed_binding() -> Map {
    let header = Map::new()
        .with("type", "string")
        .with("description", HEADER_DESCRIPTION)
        .with("examples", vec![HEADER_EXAMPLE]);
    let headers = Map::new()
        .with("type", "object")
        .with("required", vec![SIGNATURE_HEADER])
        .with("properties", Map::new().with(SIGNATURE_HEADER, header));
    Map::new().with(
        "http",
        Map::new().with("headers", headers).with("bindingVersion", HTTP_BINDING_VERSION),
    )
}

fn message(event: &EventDef, example: Option<&Node>) -> Map {
    let summary = format!(
        "{}: `data`는 `{schema}` 스키마를 따릅니다 — {}: `data` follows the `{schema}` schema",
        event.name.ko,
        event.name.en,
        schema = event.schema,
    );
    let mut details = Vec::new();
    if let Some(description) = &event.description {
        details.push(format!("{}.", describe(description)));
    }
    details.extend(note_paragraphs(
        event.note.as_ref(),
        event.deprecated.as_ref(),
        event.deviation.as_ref(),
    ));
    let example = example.map(|body| {
        vec![
            Map::new()
                .with("name", event.event_type.as_str())
                .with(
                    "summary",
                    format!(
                        "예시 — An example delivery (schema/examples/{}.json)",
                        event.event_type
                    ),
                )
                .with("payload", body.clone()),
        ]
    });
    Map::new()
        .with("name", event.event_type.as_str())
        .with("title", title(event))
        .with("summary", summary)
        .with_some("description", (!details.is_empty()).then(|| details.join("\n\n")))
        .with("bindings", reference("messageBindings", SIGNED_BINDING))
        .with("payload", envelope(event))
        .with_some("examples", example)
}

/// The delivery body of one event type: `event` is that type, `data` its schema.
fn envelope(event: &EventDef) -> Map {
    let mut properties = Map::new();
    for member in &ENVELOPE {
        let property = match member.name {
            "event" => Map::new().with("type", "string").with("const", event.event_type.as_str()),
            "data" => beside_ref(reference("schemas", &event.schema)),
            _ => Map::new().with("type", member.json_type),
        };
        properties.insert(member.name, property.with("description", member.description));
    }
    let required: Vec<&str> = ENVELOPE.iter().filter(|m| m.required).map(|m| m.name).collect();
    Map::new()
        .with("title", format!("{}Webhook", event.variant))
        .with("type", "object")
        .with(
            "description",
            format!(
                "{} 웹훅의 요청 본문 — The request body of `{}`",
                event.name.ko, event.event_type
            ),
        )
        .with("required", required)
        .with("properties", properties)
}

fn type_schema(ty: &TypeDef) -> Map {
    match &ty.kind {
        TypeKind::Struct(def) => struct_schema(ty, def),
        TypeKind::Enum(def) => enum_schema(ty, def),
    }
}

fn struct_schema(ty: &TypeDef, def: &StructDef) -> Map {
    let mut properties = Map::new();
    for field in &def.fields {
        properties.insert(&field.json_name, field_schema(field));
    }
    let required: Vec<&str> =
        def.fields.iter().filter(|f| !f.nullable).map(|f| f.json_name.as_str()).collect();
    Map::new()
        .with("type", "object")
        .with("description", describe(&ty.description))
        .with_some("required", (!required.is_empty()).then_some(required))
        .with("properties", properties)
}

/// An open enum: each documented value, then any other string.
fn enum_schema(ty: &TypeDef, def: &EnumDef) -> Map {
    let mut branches: Vec<Map> = def
        .values
        .iter()
        .map(|value| {
            Map::new()
                .with("const", value.value.as_str())
                .with("description", describe(&value.description))
                .with_some("deprecated", value.deprecated.as_ref().map(|_| true))
        })
        .collect();
    branches.push(Map::new().with("type", "string").with("description", OPEN_ENUM_REST));
    Map::new()
        .with("type", "string")
        .with("description", describe(&ty.description))
        .with("anyOf", branches)
}

fn field_schema(field: &FieldDef) -> Map {
    let schema = if field.lenient {
        Map::new().with("type", LENIENT_TYPES.to_vec())
    } else {
        type_ref_schema(&field.ty)
    };
    let schema = if field.nullable { nullable(schema) } else { beside_ref(schema) };
    schema
        .with("description", describe(&field.description))
        .with_some(SENSITIVE, field.sensitive.then_some(true))
        .with_some(SUBJECT, field.subject.then_some(true))
}

fn type_ref_schema(ty: &TypeRef) -> Map {
    match shape(ty) {
        JsonShape::Scalar(keywords) => {
            keywords.iter().fold(Map::new(), |schema, (key, value)| schema.with(*key, *value))
        }
        JsonShape::List(item) => {
            Map::new().with("type", "array").with("items", type_ref_schema(item))
        }
        JsonShape::Map(value) => {
            Map::new().with("type", "object").with("additionalProperties", type_ref_schema(value))
        }
        JsonShape::Named(name) => reference("schemas", name),
    }
}

/// `schema` ready for keywords beside it (a `description`, `x-sensitive`): a bare `$ref` goes
/// into `anyOf: [{$ref}]`, because draft-07, which AsyncAPI schemas follow, ignores every
/// keyword beside a `$ref`; any other schema as it is.
///
/// `anyOf` rather than the usual `allOf`: a one-branch `anyOf` validates the same, is the shape
/// a nullable reference already has (`anyOf: [{$ref}, {type: "null"}]`), and Modelina reads it
/// as the referenced model, where it merges an `allOf` into an anonymous copy (19 extra
/// `AnonymousSchema_*` models, `data` typed by them, and the open enums' values lost).
fn beside_ref(schema: Map) -> Map {
    if schema.get("$ref").is_some() { Map::new().with("anyOf", vec![schema]) } else { schema }
}

/// `schema` that also takes `null`: `null` added to its `type`, or for a reference, either.
fn nullable(mut schema: Map) -> Map {
    let types = match schema.get("type") {
        Some(Node::Str(ty)) => vec![Node::from(ty.as_str()), Node::from("null")],
        Some(Node::Seq(types)) => types.iter().cloned().chain([Node::from("null")]).collect(),
        _ => return Map::new().with("anyOf", vec![schema, Map::new().with("type", "null")]),
    };
    schema.insert("type", Node::Seq(types));
    schema
}
