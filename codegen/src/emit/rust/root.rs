//! `mod.rs` (the module tree and the `types` re-exports) and `examples.rs` (each event type's
//! example delivery and JSON Schema, for the crate's `testing` module).

use proc_macro2::TokenStream;
use quote::quote;

use super::{
    all_domains, cfg, event_cfgs, grouped, ident, module_domains, module_ident, needed, render,
};
use crate::model::Catalogue;

pub(super) fn module(catalogue: &Catalogue) -> TokenStream {
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
        #[cfg(any(feature = "test-util", feature = "redact"))]
        pub(crate) mod examples;
        mod handler;
        #(#declarations)*

        pub use self::event::{Event, EventType};
        pub(crate) use self::event::SUBJECT_KINDS;
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
/// `testing` module (and the schemas for its `redact` module). `has_example` says which event types have an example in the catalogue.
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
        //! The example delivery and the JSON Schema of each event type: both for
        //! `crate::testing` (feature `test-util`), the schemas for `crate::redact` (feature
        //! `redact`). The bodies are the copies in `generated/deliveries/`.

        use super::event::EventType;

        /// The example delivery of `event_type`, byte for byte as in
        /// `schema/examples/<event type>.json`; `None` when the catalogue has none.
        #[cfg(feature = "test-util")]
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
