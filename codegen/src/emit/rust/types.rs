//! A types module: one per file of `schema/types/`, with its structs (a redacting `Debug` where
//! a field is personal data) and open enums, and the `use` lines its items need.

use std::collections::BTreeMap;

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::{cfg, docs, grouped, ident, module_domains, module_ident, needed};
use crate::emit::note_paragraphs;
use crate::model::{
    Catalogue, DomainSet, EnumDef, FieldDef, StructDef, TypeDef, TypeKind, TypeRef,
};
use crate::names::serde_camel_case;

pub(super) fn module(catalogue: &Catalogue, module: &str, types: &[&TypeDef]) -> TokenStream {
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
    let doc = docs(&ty.description, &paragraphs);
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
            if field.subject {
                paragraphs.push(format!(
                    "**대상 — Subject:** identifies the object; [`Event::subject`](super::Event::subject) \
                     gives `{}:` and this value.",
                    ty.subject_kind()
                ));
            }
            let doc = docs(&field.description, &paragraphs);
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
        &ty.description,
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
        docs(&v.description, &paragraphs)
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
