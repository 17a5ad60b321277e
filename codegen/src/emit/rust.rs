//! Emits the Rust modules under `generated/src/generated/`.
//!
//! Each module is built with `quote!`, parsed into a `syn::File` and printed by prettyplease, so
//! the output is valid Rust by construction and formatted the same on every machine.
//!
//! The generated code leans on a small hand-written runtime, `crate::runtime` (the serde codecs
//! for decimals and date-times, `Unrecognized`, `UnknownEvent`, `Webhook`, and the
//! `impl_open_enum!` macro), so that what is generated stays declarative.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use super::{Files, RUST_DIR, header};
use crate::model::{
    Catalogue, EnumDef, EventDef, FieldDef, StructDef, Text, TypeDef, TypeKind, TypeRef,
};
use crate::names::{escape_keyword, serde_camel_case, snake_case};

pub(crate) fn emit(catalogue: &Catalogue, files: &mut Files) {
    for (module, types) in catalogue.modules() {
        let source = &types[0].source;
        let tokens = types_module(catalogue, module, &types);
        files.insert(format!("{RUST_DIR}/{module}.rs"), render(source, tokens));
    }
    files.insert(
        format!("{RUST_DIR}/event.rs"),
        render("schema/events.yaml", event_module(catalogue)),
    );
    files.insert(
        format!("{RUST_DIR}/handler.rs"),
        render("schema/events.yaml", handler_module(catalogue)),
    );
    files.insert(format!("{RUST_DIR}/mod.rs"), render("schema/", root_module(catalogue)));
}

/// Formats a module and puts the generated-file header on top.
fn render(source: &str, tokens: TokenStream) -> String {
    // The tokens come from this file's quote! templates; a parse failure is a bug here, not bad
    // input, and the message says where to look.
    let file: syn::File = match syn::parse2(tokens) {
        Ok(file) => file,
        Err(error) => panic!("codegen emitted invalid Rust for {source}: {error}"),
    };
    format!("{}\n{}", header("//", source), space_items(&prettyplease::unparse(&file)))
}

/// Puts blank lines where a person would: prettyplease prints none, which makes long modules
/// hard to read.
///
/// A line that starts an item (its docs, an attribute or the item itself) gets a blank line
/// before it when the line above ends an item at the same depth. Runs of one-line `mod`
/// declarations stay together, and `use` lines stay together within a group (std, other crates,
/// this crate), as rustfmt's `group_imports` would arrange them. Match arms, fields and
/// statements are never split.
fn space_items(text: &str) -> String {
    const STARTS: &[&str] = &[
        "///",
        "#[",
        "pub ",
        "pub(crate) ",
        "fn ",
        "impl",
        "mod ",
        "const ",
        "crate::",
        "use ",
        "trait ",
    ];
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let mut previous: Option<&str> = None;
    // The kind of the item that each depth's most recent item-starting line began.
    let mut kinds: BTreeMap<usize, Kind> = BTreeMap::new();
    for line in text.lines() {
        let indent = line.len() - line.trim_start().len();
        let trim = line.trim_start();
        let starts_item = STARTS.iter().any(|s| trim.starts_with(s));
        let kind = Kind::of(trim);
        if let Some(prev) = previous {
            let prev_trim = prev.trim();
            let prev_indent = prev.len() - prev.trim_start().len();
            let ends_item = prev_trim == "}" || prev_trim.ends_with(';');
            let same_run = kinds.get(&indent).is_some_and(|last| last.continues(kind));
            let after_module_doc = prev.starts_with("//!") && !line.starts_with("//!");
            if after_module_doc || (ends_item && starts_item && prev_indent == indent && !same_run)
            {
                out.push('\n');
            }
        }
        if starts_item && !trim.starts_with("///") && !trim.starts_with("#[") {
            kinds.insert(indent, kind);
        }
        out.push_str(line);
        out.push('\n');
        previous = Some(line);
    }
    out
}

/// What an item-starting line begins, for [`space_items`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A `use` of std (0), of another crate (1), or of this crate (2).
    Use(u8),
    /// A `pub use` re-export.
    Reexport,
    /// A one-line `mod name;`.
    Module,
    Other,
}

impl Kind {
    fn of(line: &str) -> Self {
        if line.starts_with("pub use ") || line.starts_with("pub(crate) use ") {
            return Kind::Reexport;
        }
        if let Some(path) = line.strip_prefix("use ") {
            let group = if ["std::", "core::", "alloc::"].iter().any(|p| path.starts_with(p)) {
                0
            } else if ["crate::", "super::", "self::"].iter().any(|p| path.starts_with(p)) {
                2
            } else {
                1
            };
            return Kind::Use(group);
        }
        if line.starts_with("mod ") && line.ends_with(';') { Kind::Module } else { Kind::Other }
    }

    /// Whether an item of kind `next` stays in the same block as one of kind `self`.
    fn continues(self, next: Kind) -> bool {
        self == next && self != Kind::Other
    }
}

fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

/// `#[doc]` attributes: the bilingual summary line, then further paragraphs.
fn docs(summary: &str, paragraphs: &[String]) -> TokenStream {
    let mut lines = vec![format!(" {summary}")];
    for paragraph in paragraphs.iter().filter(|p| !p.is_empty()) {
        lines.push(String::new());
        lines.extend(paragraph.lines().map(|l| format!(" {l}")));
    }
    quote! { #(#[doc = #lines])* }
}

fn summary(text: &Text) -> String {
    format!("{} — {}", text.ko, text.en)
}

fn note_paragraphs(note: Option<&String>, deprecated: Option<&String>) -> Vec<String> {
    let mut paragraphs = Vec::new();
    if let Some(deprecated) = deprecated {
        paragraphs.push(format!("**Deprecated:** {deprecated}"));
    }
    if let Some(note) = note {
        paragraphs.push(format!("**Note:** {note}"));
    }
    paragraphs
}

fn types_module(catalogue: &Catalogue, module: &str, types: &[&TypeDef]) -> TokenStream {
    let mut uses = Uses::default();
    let items: Vec<TokenStream> = types
        .iter()
        .map(|ty| match &ty.kind {
            TypeKind::Struct(def) => struct_item(catalogue, ty, def, module, &mut uses),
            TypeKind::Enum(def) => {
                uses.runtime.insert("Unrecognized");
                enum_item(ty, def)
            }
        })
        .collect();
    let doc = format!(
        " Types declared in `{}`.",
        types.first().map_or("schema/types/", |t| t.source.as_str())
    );
    let uses = uses.tokens();
    quote! {
        #![doc = #doc]
        #uses
        #(#items)*
    }
}

/// The `use` lines a types module needs, collected while emitting its items.
#[derive(Default)]
struct Uses {
    fmt: bool,
    serde: bool,
    btree_map: bool,
    decimal: bool,
    date_time: bool,
    runtime: BTreeSet<&'static str>,
    redacted: bool,
    siblings: BTreeSet<(String, String)>,
}

impl Uses {
    fn tokens(&self) -> TokenStream {
        let mut out = TokenStream::new();
        if self.fmt {
            out.extend(quote! { use std::fmt; });
        }
        if self.btree_map {
            out.extend(quote! { use std::collections::BTreeMap; });
        }
        if self.date_time {
            out.extend(quote! { use chrono::NaiveDateTime; });
        }
        if self.decimal {
            out.extend(quote! { use rust_decimal::Decimal; });
        }
        if self.serde {
            out.extend(quote! { use serde::{Deserialize, Serialize}; });
        }
        if !self.runtime.is_empty() {
            let names = self.runtime.iter().map(|n| ident(n));
            out.extend(quote! { use crate::runtime::{#(#names),*}; });
        }
        if self.redacted {
            out.extend(quote! { use crate::runtime::codec::Redacted; });
        }
        let mut modules: Vec<&str> = self.siblings.iter().map(|(m, _)| m.as_str()).collect();
        modules.dedup();
        for module in modules {
            let module_ident = module_ident(module);
            let names = self.siblings.iter().filter(|(m, _)| m == module).map(|(_, n)| ident(n));
            out.extend(quote! { use super::#module_ident::{#(#names),*}; });
        }
        out
    }
}

fn struct_item(
    catalogue: &Catalogue,
    ty: &TypeDef,
    def: &StructDef,
    module: &str,
    uses: &mut Uses,
) -> TokenStream {
    uses.serde = true;
    let name = ident(&ty.name);
    let mut paragraphs = Vec::new();
    let events: Vec<String> =
        catalogue.events_with_schema(&ty.name).map(|e| format!("`{}`", e.event_type)).collect();
    if !events.is_empty() {
        paragraphs.push(format!("The `data` of {}.", events.join(", ")));
    }
    paragraphs.extend(note_paragraphs(ty.note.as_ref(), None));
    let doc = docs(&summary(&ty.description), &paragraphs);
    let fields: Vec<TokenStream> = def
        .fields
        .iter()
        .map(|field| {
            let field_name = ident(&field.rust_name);
            let field_ty = rust_type(catalogue, &field.ty, field.nullable, module, uses);
            let mut paragraphs = note_paragraphs(field.note.as_ref(), None);
            if field.sensitive {
                paragraphs
                    .push(format!("**개인정보 — Personal data:** `Debug` prints `{REDACTED}`."));
            }
            let doc = docs(&summary(&field.description), &paragraphs);
            let serde = field_serde(field);
            quote! {
                #doc
                #serde
                pub #field_name: #field_ty,
            }
        })
        .collect();
    if !def.fields.iter().any(|f| f.sensitive) {
        return quote! {
            #doc
            #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
            #[serde(rename_all = "camelCase")]
            #[non_exhaustive]
            pub struct #name {
                #(#fields)*
            }
        };
    }
    uses.fmt = true;
    uses.redacted = true;
    let debug_fields = def.fields.iter().map(|field| {
        let field_name = ident(&field.rust_name);
        // `derive(Debug)` prints a raw identifier without its `r#`.
        let label = field.rust_name.trim_start_matches("r#");
        let value = match (field.sensitive, field.nullable) {
            (false, _) => quote! { &self.#field_name },
            (true, false) => quote! { &Redacted },
            (true, true) => quote! { &self.#field_name.as_ref().map(|_| Redacted) },
        };
        quote! { .field(#label, #value) }
    });
    let sensitive: Vec<String> =
        def.fields.iter().filter(|f| f.sensitive).map(|f| format!("`{}`", f.json_name)).collect();
    let impl_doc = format!(
        " Prints `{REDACTED}` for the personal data ({}); everything else as `derive(Debug)` would.",
        sensitive.join(", ")
    );
    let label = &ty.name;
    quote! {
        #doc
        #[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase")]
        #[non_exhaustive]
        pub struct #name {
            #(#fields)*
        }

        #[doc = #impl_doc]
        impl fmt::Debug for #name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(#label)
                    #(#debug_fields)*
                    .finish()
            }
        }
    }
}

/// What `Debug` prints in place of personal data; `crate::runtime::codec::Redacted` prints it.
const REDACTED: &str = "<redacted>";

/// A module's name as a Rust identifier: `type.yaml` declares `mod r#type`.
fn module_ident(module: &str) -> Ident {
    ident(&escape_keyword(module.to_owned()))
}

/// The `#[serde(...)]` attribute of a field, if it needs one.
fn field_serde(field: &FieldDef) -> TokenStream {
    let mut parts = Vec::new();
    if serde_camel_case(&field.rust_name) != field.json_name {
        let json = &field.json_name;
        parts.push(quote! { rename = #json });
    }
    if field.nullable {
        parts.push(quote! { default, skip_serializing_if = "Option::is_none" });
    }
    let codec = match field.ty {
        TypeRef::Decimal => Some("decimal"),
        TypeRef::LocalDateTime => Some("local_date_time"),
        _ => None,
    };
    if let Some(codec) = codec {
        let path = if field.nullable {
            format!("crate::runtime::codec::{codec}::option")
        } else {
            format!("crate::runtime::codec::{codec}")
        };
        parts.push(quote! { with = #path });
    }
    if parts.is_empty() {
        TokenStream::new()
    } else {
        quote! { #[serde(#(#parts),*)] }
    }
}

fn rust_type(
    catalogue: &Catalogue,
    ty: &TypeRef,
    nullable: bool,
    module: &str,
    uses: &mut Uses,
) -> TokenStream {
    let inner = match ty {
        TypeRef::Long => quote! { i64 },
        TypeRef::Int => quote! { i32 },
        TypeRef::Boolean => quote! { bool },
        TypeRef::String => quote! { String },
        TypeRef::Decimal => {
            uses.decimal = true;
            quote! { Decimal }
        }
        TypeRef::LocalDateTime => {
            uses.date_time = true;
            quote! { NaiveDateTime }
        }
        TypeRef::List(item) => {
            let item = rust_type(catalogue, item, false, module, uses);
            quote! { Vec<#item> }
        }
        TypeRef::Map(value) => {
            uses.btree_map = true;
            let value = rust_type(catalogue, value, false, module, uses);
            quote! { BTreeMap<String, #value> }
        }
        TypeRef::Named(name) => {
            if let Some(target) = catalogue.type_named(name)
                && target.module != module
            {
                uses.siblings.insert((target.module.clone(), name.clone()));
            }
            let name = ident(name);
            quote! { #name }
        }
    };
    if nullable {
        quote! { Option<#inner> }
    } else {
        inner
    }
}

fn enum_item(ty: &TypeDef, def: &EnumDef) -> TokenStream {
    let name = ident(&ty.name);
    let doc = docs(
        &summary(&ty.description),
        &[
            note_paragraphs(ty.note.as_ref(), None),
            vec![format!(
                "Open: a value StepPay adds later parses as [`{0}::Unrecognized`] and serializes back unchanged.",
                ty.name
            )],
        ]
        .concat(),
    );
    let variants: Vec<Ident> = def.values.iter().map(|v| ident(&v.variant)).collect();
    let values: Vec<&str> = def.values.iter().map(|v| v.value.as_str()).collect();
    let variant_docs = def.values.iter().map(|v| {
        let mut paragraphs = vec![format!("`{}`", v.value)];
        paragraphs.extend(note_paragraphs(v.note.as_ref(), v.deprecated.as_ref()));
        docs(&summary(&v.description), &paragraphs)
    });
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #name {
            #(
                #variant_docs
                #variants,
            )*
            /// 이 버전이 알지 못하는 값 — A value this version of the crate does not know, kept as sent.
            Unrecognized(Unrecognized),
        }

        impl #name {
            /// The values StepPay documents, in its order.
            pub const KNOWN: &'static [Self] = &[#(Self::#variants),*];

            /// The value as StepPay sends it.
            pub fn as_str(&self) -> &str {
                match self {
                    #(Self::#variants => #values,)*
                    Self::Unrecognized(value) => value.as_str(),
                }
            }
        }

        impl From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #(#values => Self::#variants,)*
                    other => Self::Unrecognized(Unrecognized::new(other)),
                }
            }
        }

        crate::runtime::impl_open_enum!(#name);
    }
}

/// The schema types that event payloads use, sorted, for `use` lines.
fn payload_types(catalogue: &Catalogue) -> Vec<Ident> {
    let names: BTreeSet<&str> = catalogue.events.iter().map(|e| e.schema.as_str()).collect();
    names.into_iter().map(ident).collect()
}

fn event_module(catalogue: &Catalogue) -> TokenStream {
    let payloads = payload_types(catalogue);
    let events = &catalogue.events;
    let variants: Vec<Ident> = events.iter().map(|e| ident(&e.variant)).collect();
    let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
    let schemas: Vec<Ident> = events.iter().map(|e| ident(&e.schema)).collect();
    let variant_docs: Vec<TokenStream> = events.iter().map(|e| event_docs(e, true)).collect();
    let type_docs: Vec<TokenStream> = events.iter().map(|e| event_docs(e, false)).collect();
    let count = proc_macro2::Literal::usize_unsuffixed(events.len());
    quote! {
        //! The [`Event`] enum (one variant per event type) and [`EventType`].

        use std::fmt;
        use std::str::FromStr;

        use serde::de::{Deserialize, Deserializer};
        use serde::ser::{Serialize, Serializer};

        use crate::runtime::{ParseEventTypeError, UnknownEvent};
        use super::types::{#(#payloads),*};

        /// 웹훅 이벤트 — A webhook event: its type and its typed `data`.
        ///
        /// Known event types carry their payload (boxed, so that `Event` stays small); any other
        /// event type parses as [`Event::Unknown`], which keeps the type and the raw `data`.
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum Event {
            #(
                #variant_docs
                #variants(Box<#schemas>),
            )*
            /// 알 수 없는 이벤트 — An event type this version of the crate does not know, with its raw `data`.
            Unknown(UnknownEvent),
        }

        impl Event {
            /// The event type, or `None` for [`Event::Unknown`].
            pub fn event_type(&self) -> Option<EventType> {
                match self {
                    #(Self::#variants(_) => Some(EventType::#variants),)*
                    Self::Unknown(_) => None,
                }
            }

            /// The `event` value as StepPay sent it, e.g. `"order.created"`.
            pub fn as_str(&self) -> &str {
                match self {
                    #(Self::#variants(_) => #types,)*
                    Self::Unknown(event) => event.event_type(),
                }
            }

            /// Reads `data` for `event_type` straight into its payload type.
            pub(crate) fn deserialize_data<'de, D: Deserializer<'de>>(
                event_type: &str,
                data: D,
            ) -> Result<Self, D::Error> {
                let event = match event_type {
                    #(#types => Self::#variants(Box::new(#schemas::deserialize(data)?)),)*
                    _ => Self::Unknown(UnknownEvent::deserialize_data(event_type, data)?),
                };
                Ok(event)
            }

            /// Writes `data` as StepPay sends it.
            pub(crate) fn serialize_data<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    #(Self::#variants(data) => data.serialize(serializer),)*
                    Self::Unknown(event) => event.data().serialize(serializer),
                }
            }
        }

        /// 이벤트 타입 — The event types this version of the crate knows.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum EventType {
            #(
                #type_docs
                #variants,
            )*
        }

        impl EventType {
            /// Every known event type, in StepPay's order.
            pub const ALL: [Self; #count] = [#(Self::#variants),*];

            /// The `event` value, e.g. `"order.created"`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    #(Self::#variants => #types,)*
                }
            }
        }

        impl FromStr for EventType {
            type Err = ParseEventTypeError;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                match value {
                    #(#types => Ok(Self::#variants),)*
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
    paragraphs.extend(note_paragraphs(event.note.as_ref(), event.deprecated.as_ref()));
    docs(&summary(&event.name), &paragraphs)
}

fn handler_module(catalogue: &Catalogue) -> TokenStream {
    let payloads = payload_types(catalogue);
    let methods = catalogue.events.iter().map(|event| {
        let method = ident(&event.method);
        let schema = ident(&event.schema);
        let param = ident(&escape_keyword(snake_case(&event.schema)));
        let doc = docs(
            &summary(&event.name),
            &[format!("Called for `{}`. Does nothing unless implemented.", event.event_type)],
        );
        quote! {
            #doc
            fn #method(
                &self,
                webhook: &Webhook,
                #param: &#schema,
            ) -> impl Future<Output = Result<(), HandlerError>> + Send {
                let _ = (webhook, #param);
                async { Ok(()) }
            }
        }
    });
    let arms = catalogue.events.iter().map(|event| {
        let variant = ident(&event.variant);
        let method = ident(&event.method);
        quote! { Event::#variant(data) => handler.#method(webhook, data).await, }
    });
    quote! {
        //! The [`Handler`] trait (one method per event type) and [`dispatch`].

        use crate::runtime::{HandlerError, UnknownEvent, Webhook};
        use super::event::Event;
        use super::types::{#(#payloads),*};

        /// 웹훅 처리기 — Handles webhooks, one method per event type.
        ///
        /// Implement the methods for the events you care about; every method has a default body
        /// that does nothing and succeeds. [`dispatch`] calls the method that matches a
        /// [`Webhook`]'s event. The futures are `Send`, so a `Handler` runs on a multi-threaded
        /// runtime.
        ///
        /// An error returned from a method is handed back by [`dispatch`]; a receiver should answer
        /// StepPay with a server error so that the delivery is retried.
        pub trait Handler: Sync {
            #(#methods)*

            /// 알 수 없는 이벤트 — Called for an event type this version of the crate does not know.
            /// Does nothing unless implemented.
            fn unknown_event(
                &self,
                webhook: &Webhook,
                event: &UnknownEvent,
            ) -> impl Future<Output = Result<(), HandlerError>> + Send {
                let _ = (webhook, event);
                async { Ok(()) }
            }
        }

        /// Calls the [`Handler`] method that matches `webhook`'s event, with its payload.
        ///
        /// # Errors
        ///
        /// Whatever the handler method returns.
        pub async fn dispatch<H: Handler + ?Sized>(handler: &H, webhook: &Webhook) -> Result<(), HandlerError> {
            match &webhook.event {
                #(#arms)*
                Event::Unknown(event) => handler.unknown_event(webhook, event).await,
            }
        }
    }
}

fn root_module(catalogue: &Catalogue) -> TokenStream {
    let modules = catalogue.modules();
    let module_idents: Vec<Ident> = modules.keys().map(|m| module_ident(m)).collect();
    let reexports = modules.iter().map(|(module, types)| {
        let module = module_ident(module);
        let names = types.iter().map(|t| ident(&t.name));
        quote! { pub use super::#module::{#(#names),*}; }
    });
    quote! {
        //! Everything generated from `schema/`: the payload types, [`Event`], [`EventType`],
        //! [`Handler`] and [`dispatch`].

        mod event;
        mod handler;
        #(mod #module_idents;)*

        pub use self::event::{Event, EventType};
        pub use self::handler::{dispatch, Handler};

        /// 페이로드 타입 — The payload types: every struct and enum of `schema/types/`.
        ///
        /// Structs are `#[non_exhaustive]` so that fields StepPay adds can be added here without
        /// breaking your code; build them from JSON (`serde_json::from_value`) in tests.
        pub mod types {
            #(#reexports)*
        }
    }
}
