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
//!
//! This file runs the jobs and holds what every module shares (names, docs, `#[cfg]`s); each
//! kind of module is built in its own file: [`types`] (the payload types), [`event`] (`Event`
//! and `EventType`), [`handler`] (`Handler` and `dispatch`), [`root`] (`mod.rs` and the
//! examples' lookup). [`layout`] makes prettyplease's text read as rustfmt's.

mod event;
mod handler;
mod layout;
mod root;
mod types;

use std::collections::BTreeMap;

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use self::layout::{join_cfgs, space_items};
pub(super) use self::root::examples_module;
use super::{Files, RUST_DIR, describe, header};
use crate::model::{Catalogue, DomainSet, Text, TypeDef};
use crate::names::escape_keyword;

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
                render("schema/events.yaml", event::module(catalogue)),
            ),
            Job::Handler => (
                format!("{RUST_DIR}/handler.rs"),
                render("schema/events.yaml", handler::module(catalogue)),
            ),
            Job::Root => (format!("{RUST_DIR}/mod.rs"), render("schema/", root::module(catalogue))),
            Job::Types(module, types) => {
                let source = types.first().map_or("schema/types/", |t| t.source.as_str());
                (
                    format!("{RUST_DIR}/{module}.rs"),
                    render(source, types::module(catalogue, module, types)),
                )
            }
        }
    }
}

/// Formats a module and puts the generated-file header on top.
fn render(source: &str, tokens: TokenStream) -> String {
    // The tokens come from this module's quote! templates; a parse failure is a bug here, not bad
    // input, and the message says where to look.
    let file: syn::File = match syn::parse2(tokens) {
        Ok(file) => file,
        Err(error) => panic!("codegen emitted invalid Rust for {source}: {error}"),
    };
    let text = join_cfgs(&prettyplease::unparse(&file));
    format!("{}\n{}", header("//", source), space_items(&text))
}

fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

/// A module's name as a Rust identifier: `type.yaml` declares `mod r#type`.
fn module_ident(module: &str) -> Ident {
    ident(&escape_keyword(module.to_owned()))
}

/// `#[doc]` attributes: the bilingual summary line, then further paragraphs.
fn docs(summary: &Text, paragraphs: &[String]) -> TokenStream {
    let mut lines = vec![format!(" {}", describe(summary))];
    for paragraph in paragraphs.iter().filter(|p| !p.is_empty()) {
        lines.push(String::new());
        lines.extend(paragraph.lines().map(|l| format!(" {l}")));
    }
    quote! { #(#[doc = #lines])* }
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
