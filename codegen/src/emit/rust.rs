//! Emits the Rust modules under `generated/src/generated/`.
//!
//! Each module is built with `quote!`, parsed into a `syn::File` and printed by prettyplease, so
//! the output is valid Rust by construction and formatted the same on every machine.
//!
//! The generated code leans on a small hand-written runtime, `crate::runtime` (the serde codecs
//! for decimals and date-times, `LenientId`, `Unrecognized`, `UnknownEvent`, `Webhook`, and the
//! `impl_open_enum!` macro), so that what is generated stays declarative.
//!
//! Every domain is a Cargo feature. An event is compiled under its domain's feature, a type under
//! the features of the domains whose events reach it, a module under the union of its types', and
//! an import under the union of the items that use it; a `#[cfg]` equal to the one around it is
//! left out, so the code reads as if written for the features it needs.

use std::collections::BTreeMap;

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use super::{Files, RUST_DIR, header, note_paragraphs};
use crate::model::{
    Catalogue, DomainSet, EnumDef, EventDef, FieldDef, StructDef, Text, TypeDef, TypeKind, TypeRef,
};
use crate::names::{escape_keyword, serde_camel_case, snake_case};

pub(crate) fn emit(catalogue: &Catalogue, files: &mut Files) {
    // The two large modules first, so that they land on different threads.
    let mut jobs = vec![Job::Event, Job::Handler, Job::Root];
    jobs.extend(catalogue.modules().into_iter().map(|(module, types)| Job::Types(module, types)));
    // Each module is built, parsed and printed on its own, which is most of the generator's time:
    // spread the modules over the cores. Tokens stay on the thread that made them (they are not
    // `Send`); only the finished text comes back, into an ordered map.
    let threads = std::thread::available_parallelism().map_or(1, usize::from).min(jobs.len());
    let rendered: Vec<(String, String)> = if threads <= 1 {
        jobs.iter().map(|job| job.render(catalogue)).collect()
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|thread| {
                    let jobs = &jobs;
                    scope.spawn(move || {
                        jobs.iter()
                            .skip(thread)
                            .step_by(threads)
                            .map(|job| job.render(catalogue))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|handle| {
                    handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect()
        })
    };
    files.extend(rendered);
}

/// One generated Rust module.
enum Job<'a> {
    /// `event.rs`: `Event` and `EventType`.
    Event,
    /// `handler.rs`: `Handler` and `dispatch`.
    Handler,
    /// `mod.rs`: the module tree and the re-exports.
    Root,
    /// The module of one types file, with its types.
    Types(&'a str, Vec<&'a TypeDef>),
}

impl Job<'_> {
    /// The module's path and text.
    fn render(&self, catalogue: &Catalogue) -> (String, String) {
        match self {
            Job::Event => (
                format!("{RUST_DIR}/event.rs"),
                render("schema/events.yaml", event_module(catalogue)),
            ),
            Job::Handler => (
                format!("{RUST_DIR}/handler.rs"),
                render("schema/events.yaml", handler_module(catalogue)),
            ),
            Job::Root => (format!("{RUST_DIR}/mod.rs"), render("schema/", root_module(catalogue))),
            Job::Types(module, types) => {
                let source = types.first().map_or("schema/types/", |t| t.source.as_str());
                (
                    format!("{RUST_DIR}/{module}.rs"),
                    render(source, types_module(catalogue, module, types)),
                )
            }
        }
    }
}

/// Formats a module and puts the generated-file header on top.
fn render(source: &str, tokens: TokenStream) -> String {
    // The tokens come from this file's quote! templates; a parse failure is a bug here, not bad
    // input, and the message says where to look.
    let file: syn::File = match syn::parse2(tokens) {
        Ok(file) => file,
        Err(error) => panic!("codegen emitted invalid Rust for {source}: {error}"),
    };
    let text = join_cfgs(&prettyplease::unparse(&file));
    format!("{}\n{}", header("//", source), space_items(&text))
}

/// The width rustfmt gives a line, which a joined `#[cfg]` keeps to.
const MAX_WIDTH: usize = 100;

/// Writes each `#[cfg(any(..))]` that prettyplease spread over a line per token the way rustfmt
/// does: on one line when it fits, else one feature per line inside `#[cfg(any(` and `))]`.
fn join_cfgs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.trim() != "#[cfg(" {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let indent = &line[..line.len() - line.trim_start().len()];
        let mut features = Vec::new();
        for inner in lines.by_ref() {
            let inner = inner.trim();
            if inner == ")]" {
                break;
            }
            if inner.starts_with("feature = ") {
                features.push(inner.trim_end_matches(','));
            }
        }
        let one_line = format!("{indent}#[cfg(any({}))]", features.join(", "));
        if one_line.len() <= MAX_WIDTH {
            out.push_str(&one_line);
            out.push('\n');
        } else {
            out.push_str(&format!("{indent}#[cfg(any(\n{indent}    "));
            out.push_str(&features.join(&format!(",\n{indent}    ")));
            out.push_str(&format!("\n{indent}))]\n"));
        }
    }
    out
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
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let mut previous: Option<&str> = None;
    // The kind of the item that each depth's most recent item-starting line began.
    let mut kinds: BTreeMap<usize, Kind> = BTreeMap::new();
    for (i, line) in lines.iter().enumerate() {
        let indent = line.len() - line.trim_start().len();
        let trim = line.trim_start();
        let starts_item = STARTS.iter().any(|s| trim.starts_with(s));
        // Docs and attributes belong to the item below them: a `#[cfg]` on a `use` keeps it in
        // its run of `use` lines.
        let item_line = lines
            .iter()
            .skip(i)
            .map(|l| l.trim_start())
            .find(|l| !l.starts_with("///") && !l.starts_with("#["))
            .unwrap_or(trim);
        let kind = Kind::of(item_line);
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
        previous = Some(*line);
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

/// The `#[cfg]` that compiles an item needed by the domains `needed` when the code around it is
/// already compiled for the domains `context`: nothing when they are the same.
///
/// A type no event reaches (`needed` empty) is compiled whenever the code around it is.
fn cfg(catalogue: &Catalogue, needed: &DomainSet, context: &DomainSet) -> TokenStream {
    if needed.is_empty() || needed == context {
        return TokenStream::new();
    }
    let features: Vec<&str> =
        needed.iter().filter_map(|&i| catalogue.domains.get(i)).map(|d| d.id.as_str()).collect();
    match features.as_slice() {
        [feature] => quote! { #[cfg(feature = #feature)] },
        _ => quote! { #[cfg(any(#(feature = #features),*))] },
    }
}

/// Every domain: the context of code that is always compiled.
fn all_domains(catalogue: &Catalogue) -> DomainSet {
    (0..catalogue.domains.len()).collect()
}

/// The domains an item needs, an empty set (reached by no event) read as every domain.
fn needed(catalogue: &Catalogue, domains: &DomainSet) -> DomainSet {
    if domains.is_empty() { all_domains(catalogue) } else { domains.clone() }
}

/// The domains of a module: the union of its types'.
fn module_domains(catalogue: &Catalogue, types: &[&TypeDef]) -> DomainSet {
    types.iter().flat_map(|t| needed(catalogue, catalogue.type_domains(&t.name))).collect()
}

/// Names grouped by the domains that need them, groups in order of first appearance, for one
/// `use` line each.
fn grouped<'a>(
    names: impl IntoIterator<Item = (&'a str, DomainSet)>,
) -> Vec<(DomainSet, Vec<&'a str>)> {
    let mut groups: Vec<(DomainSet, Vec<&'a str>)> = Vec::new();
    for (name, domains) in names {
        match groups.iter_mut().find(|(d, _)| *d == domains) {
            Some((_, group)) => group.push(name),
            None => groups.push((domains, vec![name])),
        }
    }
    groups
}

fn types_module(catalogue: &Catalogue, module: &str, types: &[&TypeDef]) -> TokenStream {
    let context = module_domains(catalogue, types);
    let mut uses = Uses::default();
    let items: Vec<TokenStream> = types
        .iter()
        .map(|ty| {
            let domains = needed(catalogue, catalogue.type_domains(&ty.name));
            let cfg = cfg(catalogue, &domains, &context);
            match &ty.kind {
                TypeKind::Struct(def) => {
                    struct_item(catalogue, ty, def, module, &cfg, &mut uses.with(&domains))
                }
                TypeKind::Enum(def) => {
                    uses.with(&domains).add(Import::Unrecognized);
                    enum_item(ty, def, &cfg)
                }
            }
        })
        .collect();
    let doc = format!(
        " Types declared in `{}`.",
        types.first().map_or("schema/types/", |t| t.source.as_str())
    );
    let uses = uses.tokens(catalogue, &context);
    quote! {
        #![doc = #doc]
        #uses
        #(#items)*
    }
}

/// An import of a types module.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Import {
    // In the order of the `use` lines: std, other crates, this crate.
    Fmt,
    BTreeMap,
    NaiveDateTime,
    Decimal,
    Serde,
    LenientId,
    Unrecognized,
    Redacted,
    /// A type of another module: (module, type).
    Sibling(String, String),
}

/// The `use` lines a types module needs, collected while emitting its items, each with the
/// domains of the items that need it.
#[derive(Default)]
struct Uses {
    needs: BTreeMap<Import, DomainSet>,
}

/// [`Uses`] while emitting an item that the domains `domains` need.
struct ItemUses<'a> {
    uses: &'a mut Uses,
    domains: &'a DomainSet,
}

impl ItemUses<'_> {
    fn add(&mut self, import: Import) {
        self.uses.needs.entry(import).or_default().extend(self.domains);
    }
}

impl Uses {
    fn with<'a>(&'a mut self, domains: &'a DomainSet) -> ItemUses<'a> {
        ItemUses { uses: self, domains }
    }

    fn tokens(&self, catalogue: &Catalogue, context: &DomainSet) -> TokenStream {
        let mut out = TokenStream::new();
        let mut siblings: BTreeMap<&str, Vec<(&str, DomainSet)>> = BTreeMap::new();
        for (import, domains) in &self.needs {
            let cfg = cfg(catalogue, domains, context);
            match import {
                Import::Fmt => out.extend(quote! { #cfg use std::fmt; }),
                Import::BTreeMap => out.extend(quote! { #cfg use std::collections::BTreeMap; }),
                Import::NaiveDateTime => out.extend(quote! { #cfg use chrono::NaiveDateTime; }),
                Import::Decimal => out.extend(quote! { #cfg use rust_decimal::Decimal; }),
                Import::Serde => out.extend(quote! { #cfg use serde::{Deserialize, Serialize}; }),
                Import::LenientId => out.extend(quote! { #cfg use crate::runtime::LenientId; }),
                Import::Unrecognized => {
                    out.extend(quote! { #cfg use crate::runtime::Unrecognized; })
                }
                Import::Redacted => {
                    out.extend(quote! { #cfg use crate::runtime::codec::Redacted; });
                }
                Import::Sibling(module, name) => {
                    siblings.entry(module).or_default().push((name, domains.clone()));
                }
            }
        }
        for (module, names) in siblings {
            let module_ident = module_ident(module);
            for (domains, names) in grouped(names) {
                let cfg = cfg(catalogue, &domains, context);
                let names = names.into_iter().map(ident);
                out.extend(quote! { #cfg use super::#module_ident::{#(#names),*}; });
            }
        }
        out
    }
}

fn struct_item(
    catalogue: &Catalogue,
    ty: &TypeDef,
    def: &StructDef,
    module: &str,
    cfg: &TokenStream,
    uses: &mut ItemUses<'_>,
) -> TokenStream {
    uses.add(Import::Serde);
    let name = ident(&ty.name);
    let mut paragraphs = Vec::new();
    let events: Vec<String> =
        catalogue.events_with_schema(&ty.name).map(|e| format!("`{}`", e.event_type)).collect();
    if !events.is_empty() {
        paragraphs.push(format!("The `data` of {}.", events.join(", ")));
    }
    paragraphs.extend(note_paragraphs(ty.note.as_ref(), None, ty.deviation.as_ref()));
    let doc = docs(&summary(&ty.description), &paragraphs);
    let fields: Vec<TokenStream> = def
        .fields
        .iter()
        .map(|field| {
            let field_name = ident(&field.rust_name);
            let field_ty = if field.lenient {
                // Lowering allows `lenient` on `String` fields only.
                uses.add(Import::LenientId);
                optional(quote! { LenientId }, field.nullable)
            } else {
                rust_type(catalogue, &field.ty, field.nullable, module, uses)
            };
            let mut paragraphs =
                note_paragraphs(field.note.as_ref(), None, field.deviation.as_ref());
            if field.lenient {
                paragraphs.push(
                    "**문자열 또는 정수 — String or integer:** StepPay may send this id as a JSON \
                     string or a JSON integer; both read as text, and it is written back in the form \
                     it came in."
                        .to_owned(),
                );
            }
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
            #cfg
            #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
            #[serde(rename_all = "camelCase")]
            #[non_exhaustive]
            pub struct #name {
                #(#fields)*
            }
        };
    }
    uses.add(Import::Fmt);
    uses.add(Import::Redacted);
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
        #cfg
        #[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase")]
        #[non_exhaustive]
        pub struct #name {
            #(#fields)*
        }

        #[doc = #impl_doc]
        #cfg
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
    uses: &mut ItemUses<'_>,
) -> TokenStream {
    let inner = match ty {
        TypeRef::Long => quote! { i64 },
        TypeRef::Int => quote! { i32 },
        TypeRef::Boolean => quote! { bool },
        TypeRef::String => quote! { String },
        TypeRef::Decimal => {
            uses.add(Import::Decimal);
            quote! { Decimal }
        }
        TypeRef::LocalDateTime => {
            uses.add(Import::NaiveDateTime);
            quote! { NaiveDateTime }
        }
        TypeRef::List(item) => {
            let item = rust_type(catalogue, item, false, module, uses);
            quote! { Vec<#item> }
        }
        TypeRef::Map(value) => {
            uses.add(Import::BTreeMap);
            let value = rust_type(catalogue, value, false, module, uses);
            quote! { BTreeMap<String, #value> }
        }
        TypeRef::Named(name) => {
            if let Some(target) = catalogue.type_named(name)
                && target.module != module
            {
                uses.add(Import::Sibling(target.module.clone(), name.clone()));
            }
            let name = ident(name);
            quote! { #name }
        }
    };
    optional(inner, nullable)
}

/// `Option<ty>` for a nullable field, else `ty`.
fn optional(ty: TokenStream, nullable: bool) -> TokenStream {
    if nullable {
        quote! { Option<#ty> }
    } else {
        ty
    }
}

fn enum_item(ty: &TypeDef, def: &EnumDef, cfg: &TokenStream) -> TokenStream {
    let name = ident(&ty.name);
    let doc = docs(
        &summary(&ty.description),
        &[
            note_paragraphs(ty.note.as_ref(), None, None),
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
        paragraphs.extend(note_paragraphs(
            v.note.as_ref(),
            v.deprecated.as_ref(),
            v.deviation.as_ref(),
        ));
        docs(&summary(&v.description), &paragraphs)
    });
    quote! {
        #doc
        #cfg
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

        #cfg
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

        #cfg
        impl From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #(#values => Self::#variants,)*
                    other => Self::Unrecognized(Unrecognized::new(other)),
                }
            }
        }

        #cfg
        crate::runtime::impl_open_enum!(#name);
    }
}

/// `use super::types::{..};` lines for the payload types of the events: one line for each set
/// of domains whose events carry them, in catalogue order.
fn payload_uses(catalogue: &Catalogue) -> TokenStream {
    let mut schemas: BTreeMap<&str, DomainSet> = BTreeMap::new();
    let mut order = Vec::new();
    for event in &catalogue.events {
        let domains = schemas.entry(&event.schema).or_insert_with(|| {
            order.push(event.schema.as_str());
            DomainSet::new()
        });
        domains.extend(catalogue.event_domains(event));
    }
    let names = order.into_iter().map(|schema| (schema, schemas[schema].clone()));
    let all = all_domains(catalogue);
    let mut out = TokenStream::new();
    for (domains, names) in grouped(names) {
        let cfg = cfg(catalogue, &domains, &all);
        let names = names.into_iter().map(ident);
        out.extend(quote! { #cfg use super::types::{#(#names),*}; });
    }
    out
}

/// The `#[cfg]` of each event, in catalogue order.
fn event_cfgs(catalogue: &Catalogue) -> Vec<TokenStream> {
    let all = all_domains(catalogue);
    catalogue.events.iter().map(|e| cfg(catalogue, &catalogue.event_domains(e), &all)).collect()
}

fn event_module(catalogue: &Catalogue) -> TokenStream {
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
    quote! {
        //! The [`Event`] enum (one variant per event type) and [`EventType`].

        use std::fmt;
        use std::str::FromStr;

        use serde::de::Deserializer;
        use serde::ser::{Serialize, Serializer};

        use crate::runtime::{ParseEventTypeError, UnknownEvent};
        #payload_uses

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
    docs(&summary(&event.name), &paragraphs)
}

fn handler_module(catalogue: &Catalogue) -> TokenStream {
    let payload_uses = payload_uses(catalogue);
    let cfgs = event_cfgs(catalogue);
    let methods = catalogue.events.iter().zip(&cfgs).map(|(event, cfg)| {
        let method = ident(&event.method);
        let schema = ident(&event.schema);
        let param = ident(&escape_keyword(snake_case(&event.schema)));
        let doc = docs(
            &summary(&event.name),
            &[format!("Called for `{}`. Does nothing unless implemented.", event.event_type)],
        );
        quote! {
            #doc
            #cfg
            fn #method(
                &self,
                delivery: &Delivery<'_>,
                #param: &#schema,
            ) -> impl Future<Output = Result<(), HandlerError>> + Send {
                let _ = (delivery, #param);
                async { Ok(()) }
            }
        }
    });
    let arms = catalogue.events.iter().zip(&cfgs).map(|(event, cfg)| {
        let variant = ident(&event.variant);
        let method = ident(&event.method);
        quote! { #cfg Event::#variant(data) => handler.#method(&delivery, data).await, }
    });
    quote! {
        //! The [`Handler`] trait (one method per event type) and [`dispatch`].

        use crate::runtime::{Delivery, HandlerError, UnknownEvent, Unreadable, UnreadableAction};
        use super::event::Event;
        #payload_uses

        /// 웹훅 처리기 — Handles webhooks, one method per event type.
        ///
        /// Implement the methods for the events you care about; every method has a default body
        /// that does nothing and succeeds. [`dispatch`] calls the method that matches a
        /// delivery's event, with the [`Delivery`] (the parsed webhook, and a receiver's key and
        /// attempt number) and the typed payload. The futures are `Send`, so a `Handler` runs on
        /// a multi-threaded runtime.
        ///
        /// An error returned from a method is handed back by [`dispatch`]; a receiver answers
        /// StepPay with a server error so that the delivery is retried.
        ///
        /// The methods of a domain whose Cargo feature is off are compiled out; its events reach
        /// [`Handler::unknown_event`].
        pub trait Handler: Sync {
            #(#methods)*

            /// 알 수 없는 이벤트 — Called for an event type this version of the crate does not know,
            /// or whose domain's Cargo feature is off. Does nothing unless implemented.
            fn unknown_event(
                &self,
                delivery: &Delivery<'_>,
                event: &UnknownEvent,
            ) -> impl Future<Output = Result<(), HandlerError>> + Send {
                let _ = (delivery, event);
                async { Ok(()) }
            }

            /// 읽을 수 없는 배달 — Called by a receiver for a delivery whose signature verified but
            /// whose body this version of the crate cannot read (a value of an unexpected type, an
            /// unknown API version, a body that is not JSON), instead of refusing it: StepPay
            /// signed it, so the catalogue is what is behind.
            ///
            /// The default keeps it for replay ([`UnreadableAction::Quarantine`]); see
            /// [`UnreadableAction`] for the others.
            fn unreadable(
                &self,
                delivery: &Unreadable<'_>,
            ) -> impl Future<Output = UnreadableAction> + Send {
                let _ = delivery;
                async { UnreadableAction::Quarantine }
            }
        }

        /// Calls the [`Handler`] method that matches the delivery's event, with its payload.
        ///
        /// `delivery` is a [`Delivery`], or a `&Webhook` of your own (attempt 1, no key).
        ///
        /// # Errors
        ///
        /// Whatever the handler method returns.
        pub async fn dispatch<'a, H: Handler + ?Sized>(
            handler: &H,
            delivery: impl Into<Delivery<'a>>,
        ) -> Result<(), HandlerError> {
            let delivery = delivery.into();
            match &delivery.webhook.event {
                #(#arms)*
                Event::Unknown(event) => handler.unknown_event(&delivery, event).await,
            }
        }
    }
}

fn root_module(catalogue: &Catalogue) -> TokenStream {
    let all = all_domains(catalogue);
    let modules = catalogue.modules();
    let declarations = modules.iter().map(|(module, types)| {
        let cfg = cfg(catalogue, &module_domains(catalogue, types), &all);
        let module = module_ident(module);
        quote! { #cfg mod #module; }
    });
    let reexports = modules.iter().flat_map(|(module, types)| {
        let module = module_ident(module);
        let names = types
            .iter()
            .map(|t| (t.name.as_str(), needed(catalogue, catalogue.type_domains(&t.name))));
        grouped(names)
            .into_iter()
            .map(|(domains, names)| {
                let cfg = cfg(catalogue, &domains, &all);
                let names = names.into_iter().map(ident);
                quote! { #cfg pub use super::#module::{#(#names),*}; }
            })
            .collect::<Vec<_>>()
    });
    quote! {
        //! Everything generated from `schema/`: the payload types, [`Event`], [`EventType`],
        //! [`Handler`] and [`dispatch`].

        mod event;
        #[cfg(feature = "test-util")]
        pub(crate) mod examples;
        mod handler;
        #(#declarations)*

        pub use self::event::{Event, EventType};
        pub use self::handler::{dispatch, Handler};

        /// 페이로드 타입 — The payload types: every struct and enum of `schema/types/`.
        ///
        /// Structs are `#[non_exhaustive]` so that fields StepPay adds can be added here without
        /// breaking your code. Their fields are public: in tests, take an example delivery
        /// (`testing::example`, feature `test-util`) and change what you need, or build them from
        /// JSON (`serde_json::from_value`).
        ///
        /// A type is compiled when the Cargo feature of a domain whose events carry it is on.
        pub mod types {
            #(#reexports)*
        }
    }
}

/// `examples.rs`: the example delivery and the JSON Schema of each event type, for the crate's
/// `testing` module. `has_example` says which event types have an example in the catalogue.
pub(crate) fn examples_module(catalogue: &Catalogue, has_example: impl Fn(&str) -> bool) -> String {
    let cfgs = event_cfgs(catalogue);
    let mut body_arms = Vec::new();
    for (event, cfg) in catalogue.events.iter().zip(&cfgs) {
        if has_example(&event.event_type) {
            let variant = ident(&event.variant);
            let path = format!("../../deliveries/{}.json", event.event_type);
            body_arms.push(quote! { #cfg EventType::#variant => Some(include_str!(#path)), });
        }
    }
    // Every event with an example: one arm each. None: nothing to match. Some: the others fall
    // to `None`, an arm that is unreachable, or alone, with some domains off.
    let (allow, body) = if body_arms.is_empty() {
        (TokenStream::new(), quote! { let _ = event_type; None })
    } else if body_arms.len() < catalogue.events.len() {
        (
            quote! { #[allow(unreachable_patterns, clippy::match_single_binding, reason = "which arms remain depends on the domains compiled in")] },
            quote! { match event_type { #(#body_arms)* _ => None, } },
        )
    } else {
        (TokenStream::new(), quote! { match event_type { #(#body_arms)* } })
    };
    let schema_arms = catalogue.events.iter().zip(&cfgs).map(|(event, cfg)| {
        let variant = ident(&event.variant);
        let path = format!("../../schema/{}.schema.json", event.schema);
        quote! { #cfg EventType::#variant => include_str!(#path), }
    });
    let tokens = quote! {
        //! The example delivery and the JSON Schema of each event type, for `crate::testing`
        //! (feature `test-util`). The bodies are the copies in `generated/deliveries/`.

        use super::event::EventType;

        /// The example delivery of `event_type`, byte for byte as in
        /// `schema/examples/<event type>.json`; `None` when the catalogue has none.
        #allow
        pub(crate) fn body(event_type: EventType) -> Option<&'static str> {
            #body
        }

        /// The JSON Schema of `event_type`'s `data`, as in `generated/schema/`.
        pub(crate) fn json_schema(event_type: EventType) -> &'static str {
            match event_type {
                #(#schema_arms)*
            }
        }
    };
    render("schema/examples/", tokens)
}
