//! `event.rs`: the `Event` enum (one variant per event type, its payload boxed) with each
//! event's subject, `EventType` with its names and schema, and the kinds of subject.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::{docs, event_cfgs, ident, payload_uses};
use crate::emit::note_paragraphs;
use crate::model::{Catalogue, EventDef, TypeDef, TypeRef};

pub(super) fn module(catalogue: &Catalogue) -> TokenStream {
    let payload_uses = payload_uses(catalogue);
    let cfgs = event_cfgs(catalogue);
    let events = &catalogue.events;
    let variants: Vec<Ident> = events.iter().map(|e| ident(&e.variant)).collect();
    let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
    let schemas: Vec<Ident> = events.iter().map(|e| ident(&e.schema)).collect();
    let variant_docs: Vec<TokenStream> = events.iter().map(|e| event_docs(e, true)).collect();
    let type_docs: Vec<TokenStream> = events.iter().map(|e| event_docs(e, false)).collect();
    let names_ko: Vec<&str> = events.iter().map(|e| e.name.ko.as_str()).collect();
    let names_en: Vec<&str> = events.iter().map(|e| e.name.en.as_str()).collect();
    let schema_names: Vec<&str> = events.iter().map(|e| e.schema.as_str()).collect();
    let subjects: Vec<TokenStream> = events.iter().map(|e| subject_of(catalogue, e)).collect();
    let subject_doc = subject_doc(catalogue);
    let subject_kinds: Vec<String> = payload_types(catalogue)
        .iter()
        .filter(|t| t.subject().is_some())
        .map(|t| t.subject_kind())
        .collect();
    quote! {
        //! The [`Event`] enum (one variant per event type) and [`EventType`].

        use std::fmt;
        use std::str::FromStr;

        use serde::de::Deserializer;
        use serde::ser::{Serialize, Serializer};

        use crate::runtime::{ParseEventTypeError, Subject, UnknownEvent};
        #payload_uses

        /// The kinds of [`Subject`]: the payload types that have a subject field, in snake_case,
        /// in catalogue order. `Subject`'s `FromStr` takes these, whichever domains are compiled.
        pub(crate) const SUBJECT_KINDS: &[&str] = &[#(#subject_kinds),*];

        /// 웹훅 이벤트 — A webhook event: its type and its typed `data`.
        ///
        /// Known event types carry their payload (boxed, so that `Event` stays small); any other
        /// event type parses as [`Event::Unknown`], which keeps the type and the raw `data`. So
        /// does an event of a domain whose Cargo feature is off.
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum Event {
            #(
                #variant_docs
                #cfgs
                #variants(Box<#schemas>),
            )*
            /// 알 수 없는 이벤트 — An event type this version of the crate does not know, with its raw `data`.
            Unknown(UnknownEvent),
        }

        impl Event {
            /// The event type, or `None` for [`Event::Unknown`].
            pub fn event_type(&self) -> Option<EventType> {
                match self {
                    #(#cfgs Self::#variants(_) => Some(EventType::#variants),)*
                    Self::Unknown(_) => None,
                }
            }

            /// The `event` value as StepPay sent it, e.g. `"order.created"`.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#cfgs Self::#variants(_) => #types,)*
                    Self::Unknown(event) => event.event_type(),
                }
            }

            #subject_doc
            pub fn subject(&self) -> Option<Subject> {
                match self {
                    #(#cfgs Self::#variants #subjects,)*
                    Self::Unknown(_) => None,
                }
            }

            /// Reads `data` for `event_type` straight into its payload type.
            pub(crate) fn deserialize_data<'de, D: Deserializer<'de>>(
                event_type: &str,
                data: D,
            ) -> Result<Self, D::Error> {
                let event = match event_type {
                    #(#cfgs #types => Self::#variants(Box::new(serde::Deserialize::deserialize(data)?)),)*
                    _ => Self::Unknown(UnknownEvent::deserialize_data(event_type, data)?),
                };
                Ok(event)
            }

            /// Writes `data` as StepPay sends it.
            pub(crate) fn serialize_data<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    #(#cfgs Self::#variants(data) => data.serialize(serializer),)*
                    Self::Unknown(event) => event.data().serialize(serializer),
                }
            }
        }

        /// 이벤트 타입 — The event types this version of the crate knows, of the domains whose
        /// Cargo features are on.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum EventType {
            #(
                #type_docs
                #cfgs
                #variants,
            )*
        }

        impl EventType {
            /// Every known event type, in StepPay's order.
            pub const ALL: &'static [Self] = &[#(#cfgs Self::#variants),*];

            /// The `event` value, e.g. `"order.created"`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    #(#cfgs Self::#variants => #types,)*
                }
            }

            /// 이벤트 이름 — StepPay's Korean name for it, e.g. `"결제 성공"`.
            pub const fn name_ko(self) -> &'static str {
                match self {
                    #(#cfgs Self::#variants => #names_ko,)*
                }
            }

            /// Its English name, e.g. `"Payment completed"`.
            pub const fn name_en(self) -> &'static str {
                match self {
                    #(#cfgs Self::#variants => #names_en,)*
                }
            }

            /// The name of its payload type, the schema of `data`, e.g. `"Payment"` (see
            /// [`types`](super::types)).
            pub const fn schema(self) -> &'static str {
                match self {
                    #(#cfgs Self::#variants => #schema_names,)*
                }
            }
        }

        impl FromStr for EventType {
            type Err = ParseEventTypeError;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                match value {
                    #(#cfgs #types => Ok(Self::#variants),)*
                    _ => Err(ParseEventTypeError::new(value)),
                }
            }
        }

        impl fmt::Display for EventType {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    }
}

/// The payload types of the events, each once, in the order of their first event.
fn payload_types(catalogue: &Catalogue) -> Vec<&TypeDef> {
    let mut types: Vec<&TypeDef> = Vec::new();
    for event in &catalogue.events {
        if let Some(ty) = catalogue.type_named(&event.schema)
            && !types.iter().any(|t| t.name == ty.name)
        {
            types.push(ty);
        }
    }
    types
}

/// The rest of `Event::subject`'s arm for `event`, after its variant: the payload's subject
/// field read as a `Subject`, through `?` when it is optional, or none. An integer is passed by
/// value, a string by reference.
fn subject_of(catalogue: &Catalogue, event: &EventDef) -> TokenStream {
    let Some(ty) = catalogue.type_named(&event.schema) else { return quote! { (_) => None } };
    let Some(field) = ty.subject() else { return quote! { (_) => None } };
    let kind = ty.subject_kind();
    let name = ident(&field.rust_name);
    let copy = matches!(field.ty, TypeRef::Long | TypeRef::Int);
    let id = match (field.nullable, copy) {
        (false, false) => quote! { &data.#name },
        (false, true) => quote! { data.#name },
        (true, false) => quote! { data.#name.as_ref()? },
        (true, true) => quote! { data.#name? },
    };
    quote! { (data) => Subject::new(#kind, #id) }
}

/// `Event::subject`'s docs, with the subject field of each payload type.
fn subject_doc(catalogue: &Catalogue) -> TokenStream {
    let mut paragraphs = vec![
        "대상 — The business object this event is about, as a [`Subject`] (`kind:id`, e.g. \
         `payment:4418273`): the payload type's name in snake_case, and the value of the field \
         that identifies the object it describes:"
            .to_owned(),
    ];
    let mut kinds = Vec::new();
    let mut without = Vec::new();
    for ty in payload_types(catalogue) {
        match ty.subject() {
            Some(field) => {
                kinds.push(format!("- `{}`: `{}.{}`", ty.subject_kind(), ty.name, field.json_name));
            }
            None => without.push(format!("`{}`", ty.name)),
        }
    }
    paragraphs.push(kinds.join("\n"));
    let without = if without.is_empty() {
        String::new()
    } else {
        format!(", for the events of {}, which have none,", without.join(", "))
    };
    paragraphs.push(format!(
        "`None` for [`Event::Unknown`]{without} and when the field is absent, empty, or too long \
         for a subject ([`Subject::MAX_LEN`])."
    ));
    let lines = paragraphs.iter().enumerate().flat_map(|(i, paragraph)| {
        let blank = (i > 0).then(String::new);
        blank.into_iter().chain(paragraph.lines().flat_map(|line| wrap(line, DOC_WIDTH)))
    });
    let lines = lines.map(|line| if line.is_empty() { line } else { format!(" {line}") });
    quote! { #(#[doc = #lines])* }
}

/// The width of a doc comment's text in `impl Event`: 100 columns less the indentation and `/// `.
const DOC_WIDTH: usize = 92;

/// `text` broken between words into lines of at most `width` characters (a longer word alone).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
}

fn event_docs(event: &EventDef, with_payload: bool) -> TokenStream {
    let mut paragraphs = Vec::new();
    if with_payload {
        paragraphs.push(format!("`{}` · `data`: [`{}`]", event.event_type, event.schema));
    } else {
        paragraphs.push(format!("`{}`", event.event_type));
    }
    if let Some(description) = &event.description {
        paragraphs.push(description.ko.clone());
        paragraphs.push(description.en.clone());
    }
    paragraphs.extend(note_paragraphs(
        event.note.as_ref(),
        event.deprecated.as_ref(),
        event.deviation.as_ref(),
    ));
    docs(&event.name, &paragraphs)
}
