//! The generator behind `cargo xtask gen`: StepPay's webhook catalogue in, the generated files of
//! the `steppay-webhooks` crate out.
//!
//! ```text
//!  schema/events.yaml ─┐  1. yaml     2. lower            3. emit
//!  schema/types/*.yaml ┴─▶ YAML mirror ─▶ Catalogue model ─┬─▶ Rust        generated/src/generated/
//!                        (shape)      (meaning)   ▲      ├─▶ Markdown    generated/docs/
//!  schema/examples/ ──────────────────────────────┘      ├─▶ JSON Schema generated/schema/
//!                       (each parses as its event)       ├─▶ AsyncAPI    generated/asyncapi/
//!                                                        ├─▶ [features]  generated/Cargo.toml
//!                                                        └─▶ examples    generated/deliveries/
//! ```
//!
//! 1. `yaml` (a private module) mirrors the files with serde types and checks their shape.
//! 2. `lower` checks meaning (unique names, references that resolve, valid Rust names) and builds
//!    the [`Catalogue`], which knows nothing of YAML; `examples` then reads every example
//!    delivery against it (both private too).
//! 3. One emitter per output reads the catalogue (the AsyncAPI document also takes each event's
//!    example delivery).
//!
//! Two analyses of the catalogue serve the maintainer: [`drift`] compares it with StepPay's own
//! pages (read by [`pages`]) and [`changes`] classes the changes between two catalogues for the
//! crate's users. Each returns a report value, rendered separately.
//!
//! This crate does no I/O: [`generate`] takes the texts and returns the files or every mistake
//! it found, as [`Diagnostics`]. Only `xtask` reads and writes the disk. Output is deterministic:
//! ordered maps, stable order, LF line endings, no timestamps or machine paths.

pub mod changes;
mod diagnostic;
pub mod drift;
mod emit;
mod examples;
mod lower;
mod model;
mod names;
pub mod pages;
mod source;
mod yaml;

use std::collections::BTreeMap;

pub use crate::diagnostic::{Diagnostic, Diagnostics};
pub use crate::emit::{MANIFEST, OWNED_DIRS, REGENERATE, SpliceError, splice_features};
pub use crate::model::{
    Catalogue, Deviation, Domain, DomainSet, EnumDef, EnumValue, EventDef, FieldDef, FieldFlag,
    FlagEffect, PageSays, StructDef, Text, TypeDef, TypeKind, TypeRef,
};
pub use crate::source::{Location, SourceFile};

/// The catalogue's files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// `schema/events.yaml`: domains and event types.
    pub events: SourceFile,
    /// `schema/types/*.yaml`: the data schemas, in any order (they are sorted by path).
    pub types: Vec<SourceFile>,
    /// `schema/examples/**/*.json`: example deliveries, each checked to parse as its event. A
    /// file directly in `schema/examples/` is named after its event type.
    pub examples: Vec<SourceFile>,
}

/// What the generator produces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// The generated files: path relative to the repository root → contents; every path lies in
    /// one of [`OWNED_DIRS`].
    pub files: BTreeMap<String, String>,
    /// The crate's per-domain Cargo features: the generated block of [`MANIFEST`], to put in
    /// with [`splice_features`].
    pub features: String,
}

/// Checks the catalogue and builds its model.
///
/// # Errors
///
/// Every mistake found, located and sorted by position.
pub fn load(input: &Input) -> Result<Catalogue, Diagnostics> {
    let mut input = input.clone();
    input.types.sort_by(|a, b| a.path.cmp(&b.path));
    input.examples.sort_by(|a, b| a.path.cmp(&b.path));
    let catalogue = lower::lower(&input)?;
    let mut diagnostics = Diagnostics::new(&input.examples.iter().collect::<Vec<_>>());
    for diagnostic in examples::check(&catalogue, &input.examples) {
        diagnostics.push(diagnostic);
    }
    if diagnostics.is_empty() { Ok(catalogue) } else { Err(diagnostics.finish()) }
}

/// Checks the catalogue and emits every generated file.
///
/// # Errors
///
/// Every mistake found in the catalogue; nothing is emitted then.
pub fn generate(input: &Input) -> Result<Output, Diagnostics> {
    let catalogue = load(input)?;
    let files = emit::emit(&catalogue, &input.examples);
    Ok(Output { files, features: emit::features(&catalogue) })
}
