//! Stage 2's result: the catalogue as the emitters see it.
//!
//! Everything here has been checked: names are unique, references resolve, Rust identifiers are
//! valid and distinct. The model knows nothing of YAML or serde.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The whole catalogue: StepPay's domains, its event types and the types of their payloads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalogue {
    /// Domains in StepPay's order.
    pub domains: Vec<Domain>,
    /// Event types in StepPay's order.
    pub events: Vec<EventDef>,
    /// Types in file order (files sorted by name), then declaration order.
    pub types: Vec<TypeDef>,
    /// Where each type name is in [`Catalogue::types`].
    index: BTreeMap<String, usize>,
    /// Which events (positions in [`Catalogue::events`]) carry each schema.
    schema_events: BTreeMap<String, Vec<usize>>,
    /// The domains whose events reach each type (positions in [`Catalogue::domains`]).
    type_domains: BTreeMap<String, DomainSet>,
}

/// A set of domains, as positions in [`Catalogue::domains`]: the domains whose events need an
/// item, which decide the Cargo features it is compiled under.
pub type DomainSet = BTreeSet<usize>;

/// Text in Korean and English, as StepPay's docs are Korean and most readers also read English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    /// Korean.
    pub ko: String,
    /// English.
    pub en: String,
}

/// A group of event types: the first segment of an event type (`order` in `order.created`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domain {
    /// The segment, e.g. `order`.
    pub id: String,
    /// Its display name, e.g. 주문 / Order.
    pub name: Text,
}

/// One event type StepPay sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventDef {
    /// The `event` value, e.g. `subscription.usage.added`.
    pub event_type: String,
    /// The domain's id (the first segment of `event_type`).
    pub domain: String,
    /// StepPay's name for it, e.g. 사용량 추가 / Usage added.
    pub name: Text,
    /// The struct that `data` follows.
    pub schema: String,
    /// A longer description, if any.
    pub description: Option<Text>,
    /// Evidence or quirks, in English.
    pub note: Option<String>,
    /// Why it is deprecated and what to use instead.
    pub deprecated: Option<String>,
    /// Where StepPay's event table says otherwise, on purpose.
    pub deviation: Option<Deviation>,
    /// The Rust variant name, e.g. `SubscriptionUsageAdded`.
    pub variant: String,
    /// The handler method name, e.g. `subscription_usage_added`.
    pub method: String,
}

/// A named type: a struct (JSON object) or an open enum (JSON string).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeDef {
    /// The Rust type name, e.g. `SubscriptionItem`.
    pub name: String,
    /// The Rust module it is emitted into: the stem of its YAML file, e.g. `subscription`.
    pub module: String,
    /// The YAML file it was declared in, e.g. `schema/types/subscription.yaml`.
    pub source: String,
    /// What it is.
    pub description: Text,
    /// Evidence or quirks, in English.
    pub note: Option<String>,
    /// Where StepPay's Webhook-Schema page says otherwise, on purpose (structs only).
    pub deviation: Option<Deviation>,
    /// Its shape.
    pub kind: TypeKind,
}

impl TypeDef {
    /// The field marked as its subject, if it is a struct that has one.
    pub fn subject(&self) -> Option<&FieldDef> {
        match &self.kind {
            TypeKind::Struct(def) => def.fields.iter().find(|f| f.subject),
            TypeKind::Enum(_) => None,
        }
    }

    /// The kind of its subjects: its name in snake_case, e.g. `payment`, `price`.
    pub fn subject_kind(&self) -> String {
        crate::names::snake_case(&self.name)
    }
}

/// The shape of a [`TypeDef`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeKind {
    /// A JSON object with known fields.
    Struct(StructDef),
    /// A JSON string from a documented, open set of values.
    Enum(EnumDef),
}

/// A JSON object's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructDef {
    /// The fields in documentation order.
    pub fields: Vec<FieldDef>,
}

/// One field of a struct.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDef {
    /// The JSON key, e.g. `paymentId`.
    pub json_name: String,
    /// The Rust field name, e.g. `payment_id` or `r#type`.
    pub rust_name: String,
    /// The value's type.
    pub ty: TypeRef,
    /// Whether the key may be absent or `null`.
    pub nullable: bool,
    /// Whether it holds personal data: `Debug` prints a redaction marker instead of the value.
    pub sensitive: bool,
    /// Whether it is an id StepPay documents as a string but sends, or may send, as a JSON
    /// integer: both forms parse, read as text, and are written back as they came (the runtime's
    /// `LenientId`). Only ever set on a [`TypeRef::String`] field.
    pub lenient: bool,
    /// Whether it identifies the object its struct describes (`paymentId` of `Payment`): the
    /// generated `Event::subject` gives the struct's [`TypeDef::subject_kind`] and this field's
    /// value, e.g. `payment:4418273`. At most one field of a struct; only ever set on a `Long`,
    /// `Int` or `String` field that is not `sensitive`, of a struct that is an event's `data`.
    pub subject: bool,
    /// What it holds.
    pub description: Text,
    /// Evidence or quirks, in English.
    pub note: Option<String>,
    /// Where StepPay's Webhook-Schema page says otherwise, on purpose.
    pub deviation: Option<Deviation>,
}

impl FieldDef {
    /// The field's yes/no properties other than nullability, each with what changing it
    /// changes for the crate's users. Readers that compare fields (the change report) go through
    /// this list, so a new flag of the model is one more entry here.
    pub const FLAGS: &'static [FieldFlag] = &[
        FieldFlag {
            name: "sensitive",
            effect: FlagEffect::DebugOutput,
            get: |field| field.sensitive,
        },
        FieldFlag { name: "lenient", effect: FlagEffect::RustType, get: |field| field.lenient },
        FieldFlag { name: "subject", effect: FlagEffect::EventSubject, get: |field| field.subject },
    ];
}

/// A yes/no property of a [`FieldDef`], as listed in [`FieldDef::FLAGS`].
#[derive(Debug, Clone, Copy)]
pub struct FieldFlag {
    /// The YAML key, e.g. `sensitive`.
    pub name: &'static str,
    /// What turning it on or off changes in the generated crate.
    pub effect: FlagEffect,
    /// Reads it.
    pub get: fn(&FieldDef) -> bool,
}

/// What changing a [`FieldFlag`] changes for the generated crate's users.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagEffect {
    /// The field's Rust type: code that names or matches it no longer compiles.
    RustType,
    /// Only what `Debug` prints; the API is unchanged.
    DebugOutput,
    /// What the generated `Event::subject` gives for the same delivery: turned on, a value where
    /// it gave `None`, which breaks no code; turned off (or moved to another field), `None` or
    /// another value where it gave one, so subjects users recorded no longer match new ones.
    EventSubject,
}

/// A reviewed, deliberate difference between the catalogue and StepPay's own pages (the
/// Webhook-Events and Webhook-Schema pages), kept on the entry it concerns.
///
/// The drift report accepts a difference only while the page still says exactly what
/// [`Deviation::page`] records: if the page comes to say something else, the deviation is
/// outdated; if it comes to agree with the catalogue, the deviation is obsolete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deviation {
    /// What the page says, one entry per aspect; at least one.
    pub page: Vec<PageSays>,
    /// Why the catalogue departs from it, in English.
    pub reason: String,
    /// What shows it: an example delivery (`schema/examples/…`), another of StepPay's sources,
    /// or the page's own words.
    pub evidence: String,
}

/// One aspect of an entry as StepPay's page states it, where the catalogue differs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum PageSays {
    /// The page does not list the entry at all (`listed: false`).
    NotListed,
    /// The event's schema as the page names it (`schema: Product`).
    Schema(String),
    /// The field's type in the catalogue's spelling (`type: String`, `type: List<PriceSchema>`).
    Type(String),
    /// Whether the page marks the field nullable (`nullable: false`).
    Nullable(bool),
}

impl fmt::Display for PageSays {
    /// As written in the YAML, e.g. `type: String`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PageSays::NotListed => f.write_str("listed: false"),
            PageSays::Schema(schema) => write!(f, "schema: {schema}"),
            PageSays::Type(ty) => write!(f, "type: {ty}"),
            PageSays::Nullable(nullable) => write!(f, "nullable: {nullable}"),
        }
    }
}

impl PageSays {
    /// What the page does, as the end of "StepPay's page …", e.g. "types it `String`".
    pub fn describe(&self) -> String {
        match self {
            PageSays::NotListed => "does not list it".to_owned(),
            PageSays::Schema(schema) => format!("names its schema `{schema}`"),
            PageSays::Type(ty) => format!("types it `{ty}`"),
            PageSays::Nullable(true) => "marks it nullable".to_owned(),
            PageSays::Nullable(false) => "marks it not nullable".to_owned(),
        }
    }
}

/// An open enum's documented values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumDef {
    /// The values in documentation order.
    pub values: Vec<EnumValue>,
}

/// One documented value of an enum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumValue {
    /// The JSON string, e.g. `PENDING_PAUSE`.
    pub value: String,
    /// The Rust variant name, e.g. `PendingPause`.
    pub variant: String,
    /// What it means.
    pub description: Text,
    /// Evidence or quirks, in English.
    pub note: Option<String>,
    /// Why it is deprecated and what to use instead.
    pub deprecated: Option<String>,
    /// Where StepPay's Webhook-Schema page says otherwise, on purpose.
    pub deviation: Option<Deviation>,
}

/// A field's type.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum TypeRef {
    /// `Long`: a 64-bit integer.
    Long,
    /// `Int`: a 32-bit integer.
    Int,
    /// `Decimal`: an exact decimal number.
    Decimal,
    /// `Boolean`.
    Boolean,
    /// `String`.
    String,
    /// `LocalDateTime`: a date and time without offset.
    LocalDateTime,
    /// `List<T>`: a JSON array.
    List(Box<TypeRef>),
    /// `Map<String, T>`: a JSON object with arbitrary keys.
    Map(Box<TypeRef>),
    /// A struct or enum of the catalogue.
    Named(String),
}

impl fmt::Display for TypeRef {
    /// The YAML spelling, as shown in the docs tables.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypeRef::Long => f.write_str("Long"),
            TypeRef::Int => f.write_str("Int"),
            TypeRef::Decimal => f.write_str("Decimal"),
            TypeRef::Boolean => f.write_str("Boolean"),
            TypeRef::String => f.write_str("String"),
            TypeRef::LocalDateTime => f.write_str("LocalDateTime"),
            TypeRef::List(item) => write!(f, "List<{item}>"),
            TypeRef::Map(value) => write!(f, "Map<String, {value}>"),
            TypeRef::Named(name) => f.write_str(name),
        }
    }
}

impl TypeRef {
    /// The named types this type mentions.
    pub fn named(&self) -> Option<&str> {
        match self {
            TypeRef::List(inner) | TypeRef::Map(inner) => inner.named(),
            TypeRef::Named(name) => Some(name),
            _ => None,
        }
    }
}

impl Catalogue {
    pub(crate) fn new(domains: Vec<Domain>, events: Vec<EventDef>, types: Vec<TypeDef>) -> Self {
        let index = types.iter().enumerate().map(|(i, t)| (t.name.clone(), i)).collect();
        let mut schema_events: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, event) in events.iter().enumerate() {
            schema_events.entry(event.schema.clone()).or_default().push(i);
        }
        let mut catalogue =
            Self { domains, events, types, index, schema_events, type_domains: BTreeMap::new() };
        let mut type_domains: BTreeMap<String, DomainSet> = BTreeMap::new();
        for event in &catalogue.events {
            let Some(domain) = catalogue.domain_index(&event.domain) else { continue };
            for ty in catalogue.reachable_from(&event.schema) {
                type_domains.entry(ty.name.clone()).or_default().insert(domain);
            }
        }
        catalogue.type_domains = type_domains;
        catalogue
    }

    /// The position of the domain `id` in [`Catalogue::domains`].
    pub fn domain_index(&self, id: &str) -> Option<usize> {
        self.domains.iter().position(|d| d.id == id)
    }

    /// The domains whose events reach the type `name`, directly or through other types; empty
    /// for a type no event reaches.
    pub fn type_domains(&self, name: &str) -> &DomainSet {
        static NONE: DomainSet = BTreeSet::new();
        self.type_domains.get(name).unwrap_or(&NONE)
    }

    /// The domain of `event`, as a set of one.
    pub fn event_domains(&self, event: &EventDef) -> DomainSet {
        self.domain_index(&event.domain).into_iter().collect()
    }

    /// The type called `name`.
    pub fn type_named(&self, name: &str) -> Option<&TypeDef> {
        self.index.get(name).map(|&i| &self.types[i])
    }

    /// The types of each module, modules sorted by name.
    pub fn modules(&self) -> BTreeMap<&str, Vec<&TypeDef>> {
        let mut modules: BTreeMap<&str, Vec<&TypeDef>> = BTreeMap::new();
        for ty in &self.types {
            modules.entry(&ty.module).or_default().push(ty);
        }
        modules
    }

    /// The events whose payload is `schema`, in catalogue order.
    pub fn events_with_schema<'a>(&'a self, schema: &str) -> impl Iterator<Item = &'a EventDef> {
        let indices = self.schema_events.get(schema).map_or(&[][..], Vec::as_slice);
        indices.iter().filter_map(|&i| self.events.get(i))
    }

    /// Every type reachable from `root` (itself included), in catalogue order.
    pub fn reachable_from(&self, root: &str) -> Vec<&TypeDef> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![root];
        while let Some(name) = stack.pop() {
            if !seen.insert(name) {
                continue;
            }
            if let Some(TypeDef { kind: TypeKind::Struct(s), .. }) = self.type_named(name) {
                stack.extend(s.fields.iter().filter_map(|f| f.ty.named()));
            }
        }
        let mut indices: Vec<usize> =
            seen.iter().filter_map(|name| self.index.get(*name).copied()).collect();
        indices.sort_unstable();
        indices.into_iter().filter_map(|i| self.types.get(i)).collect()
    }
}
