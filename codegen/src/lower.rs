//! Stage 2: check the YAML mirror and lower it into the [`Catalogue`] model.
//!
//! Every check records a located [`Diagnostic`] and carries on, so one run reports every mistake
//! it can. The model is returned only when there were none.

use std::collections::{BTreeMap, BTreeSet};

use crate::Input;
use crate::diagnostic::{Diagnostic, Diagnostics, closest};
use crate::model::{
    Catalogue, Deviation, Domain, EnumDef, EnumValue, EventDef, FieldDef, PageSays, StructDef,
    Text, TypeDef, TypeKind, TypeRef,
};
use crate::names::{
    escape_keyword, is_identifier, is_keyword, is_unraw_keyword, pascal_case, snake_case,
};
use crate::source::{Location, SourceFile};
use crate::yaml::{self, DeviationYaml, EventsFile, TextYaml, TypesFile};

/// The crate's own type names, which a catalogue type must not take.
const CRATE_TYPE_NAMES: &[&str] = &[
    "Event",
    "EventType",
    "Handler",
    "HandlerError",
    "UnknownEvent",
    "Unrecognized",
    "Webhook",
    "ParseError",
    "ParseErrorKind",
    "ParseEventTypeError",
    "Redacted",
    "LenientId",
];

/// Names the generated modules use unqualified (imported, or from Rust's prelude), which a
/// catalogue type of the same name would shadow.
const SHADOWED_NAMES: &[&str] = &[
    "BTreeMap",
    "NaiveDateTime",
    "Serialize",
    "Serializer",
    "Deserialize",
    "Deserializer",
    "FromStr",
    "From",
    "Future",
    "Box",
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "Vec",
    "Send",
    "Sync",
];

/// Module names the generated crate uses itself, which a types file must not take.
const RESERVED_MODULES: &[&str] = &["event", "handler", "types", "mod"];

/// The crate's Cargo features that are not domains: a domain id becomes a feature, so it cannot
/// be one of these.
/// (`memory-store` is not an identifier, so no domain id can be it.)
const RESERVED_FEATURES: &[&str] = &["default", "axum", "receive", "sqlite", "postgres"];

/// The catch-all variant of every open enum.
const CATCH_ALL_VARIANT: &str = "Unrecognized";

/// The handler method for event types the crate does not know.
const UNKNOWN_EVENT_METHOD: &str = "unknown_event";

const SCALARS: &[&str] = &["Long", "Int", "Decimal", "Boolean", "String", "LocalDateTime"];

/// The folder of the types files, as named in messages.
const TYPES_DIR: &str = "schema/types/";

/// The folder of the example deliveries.
const EXAMPLES_DIR: &str = "schema/examples/";

pub(crate) fn lower(input: &Input) -> Result<Catalogue, Diagnostics> {
    let sources: Vec<&SourceFile> = std::iter::once(&input.events).chain(&input.types).collect();
    let mut diagnostics = Diagnostics::new(&sources);

    // Shape first: without it there is nothing to check for meaning.
    let events = yaml::parse::<EventsFile>(&input.events);
    let mut types_files = Vec::new();
    for file in &input.types {
        match yaml::parse::<TypesFile>(file) {
            Ok(parsed) => types_files.push((file, parsed)),
            Err(found) => found.into_iter().for_each(|d| diagnostics.push(d)),
        }
    }
    let events = events.map_err(|found| found.into_iter().for_each(|d| diagnostics.push(d)));
    let Ok(events) = events else { return Err(diagnostics.finish()) };
    if !diagnostics.is_empty() {
        return Err(diagnostics.finish());
    }

    let examples = input.examples.iter().map(|e| e.path.clone()).collect();
    let mut lowerer = Lowerer { diagnostics, type_kinds: BTreeMap::new(), examples };
    // Two mistakes leave nothing else worth checking against them: say so first, at the file
    // (or folder), rather than once per event or example that they break.
    if events.events.is_empty() {
        let what = if events.domains.is_empty() { "no domains and no events" } else { "no events" };
        lowerer.error(
            Diagnostic::new(input.events.start(), format!("`{}` declares {what}", input.events.path))
                .with_hint("it lists StepPay's domains under `domains:` and its event types under `events:`; schema/README.md shows the format"),
        );
    }
    if input.types.is_empty() {
        lowerer.error(
            Diagnostic::new(Location::folder(TYPES_DIR), format!("`{TYPES_DIR}` holds no types files"))
                .with_hint("it holds one `*.yaml` file per Rust module, each with the `structs:` and `enums:` that the events' schemas name; schema/README.md shows the format"),
        );
    }
    let types = lowerer.types(&types_files);
    let domains = lowerer.domains(&input.events, &events);
    let events = lowerer.events(&input.events, &events, &domains);
    lowerer.check_recursion(&types, &input.types);
    if lowerer.diagnostics.is_empty() {
        Ok(Catalogue::new(domains, events, types))
    } else {
        Err(lowerer.diagnostics.finish())
    }
}

struct Lowerer {
    diagnostics: Diagnostics,
    /// Every declared type name and whether it is a struct.
    type_kinds: BTreeMap<String, bool>,
    /// The paths of the example deliveries, which a deviation may cite as its evidence.
    examples: BTreeSet<String>,
}

/// The `page:` keys of a deviation on each kind of entry.
const EVENT_PAGE_KEYS: &[&str] = &["schema", "listed"];
const STRUCT_PAGE_KEYS: &[&str] = &["listed"];
const FIELD_PAGE_KEYS: &[&str] = &["type", "nullable", "listed"];
const VALUE_PAGE_KEYS: &[&str] = &["listed"];

impl Lowerer {
    fn error(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// Checks the text under `key` (`name`, `description`) of the entry at `scope`, which is
    /// `what` (e.g. "event `order.created`").
    fn text(
        &mut self,
        file: &SourceFile,
        scope: &[(&str, &str)],
        (key, what): (&str, &str),
        text: &TextYaml,
    ) -> Text {
        for (lang, value) in [("ko", &text.ko), ("en", &text.en)] {
            if value.trim().is_empty() {
                let location = file.locate_key(scope, key);
                self.error(
                    Diagnostic::new(location, format!("empty `{lang}` text in `{key}` of {what}"))
                        .with_hint("every text is written in Korean (`ko`) and English (`en`)"),
                );
            }
        }
        Text { ko: text.ko.trim().to_owned(), en: text.en.trim().to_owned() }
    }

    /// Checks the `deviation:` of the entry at `scope`, which is `what`; `allowed` are the
    /// `page:` keys that apply to that kind of entry. `catalogue` is what the catalogue itself
    /// says for each aspect a deviation may record, so that one which agrees is refused.
    fn deviation(
        &mut self,
        file: &SourceFile,
        scope: &[(&str, &str)],
        (what, allowed): (&str, &[&str]),
        catalogue: &[PageSays],
        yaml: Option<&DeviationYaml>,
    ) -> Option<Deviation> {
        let yaml = yaml?;
        // Each mistake points at its key: `page:`, `reason:` or `evidence:` of this deviation.
        let at = |key: &str| {
            let mut within = scope.to_vec();
            within.push(("deviation", ""));
            file.locate_key(&within, key)
        };
        let error =
            |message: String, hint: String| Diagnostic::new(at("page"), message).with_hint(hint);
        let allowed_keys = quoted(allowed);
        let mut found = Vec::new();
        let given = [
            ("listed", yaml.page.listed.is_some()),
            ("schema", yaml.page.schema.is_some()),
            ("type", yaml.page.ty.is_some()),
            ("nullable", yaml.page.nullable.is_some()),
        ];
        for (key, _) in given.iter().filter(|(key, given)| *given && !allowed.contains(key)) {
            found.push(error(
                format!("the deviation of {what} records `page: {{ {key}: … }}`, which does not apply to it"),
                format!("here `page:` takes {allowed_keys}"),
            ));
        }
        let mut page = Vec::new();
        match yaml.page.listed {
            Some(true) => found.push(error(
                format!("the deviation of {what} records `listed: true`, which says nothing"),
                "write `listed: false` where StepPay's page does not list the entry".to_owned(),
            )),
            Some(false) => page.push(PageSays::NotListed),
            None => {}
        }
        if let Some(schema) = &yaml.page.schema {
            page.push(PageSays::Schema(schema.trim().to_owned()));
        }
        if let Some(ty) = &yaml.page.ty {
            // The page's type may name a type the catalogue lacks (`PriceSchema`); only the
            // syntax is checked.
            match parse_type(ty) {
                Ok(ty) => page.push(PageSays::Type(ty.to_string())),
                Err(message) => found.push(error(
                    format!("the deviation of {what}: {message}"),
                    "write the page's type as the catalogue would, e.g. `String` or `List<PriceSchema>`".to_owned(),
                )),
            }
        }
        if let Some(nullable) = yaml.page.nullable {
            page.push(PageSays::Nullable(nullable));
        }
        if page.is_empty() && found.is_empty() {
            found.push(error(
                format!("the deviation of {what} records nothing that StepPay's page says"),
                format!("give `page:` one of {allowed_keys}"),
            ));
        }
        for claim in page.iter().filter(|claim| catalogue.contains(claim)) {
            found.push(error(
                format!("the deviation of {what} records `{claim}`, which is what the catalogue says too"),
                "a deviation records where StepPay's page differs from the catalogue; remove it".to_owned(),
            ));
        }
        for (key, text) in [("reason", &yaml.reason), ("evidence", &yaml.evidence)] {
            if text.trim().is_empty() {
                found.push(
                    Diagnostic::new(at(key), format!("empty `{key}` in the deviation of {what}"))
                        .with_hint(
                            "say why the catalogue departs from StepPay's page, and what shows it",
                        ),
                );
            }
        }
        for token in yaml.evidence.split_whitespace() {
            let path = token.trim_start_matches('(').trim_end_matches([',', ';', '.', ')']);
            if path.starts_with(EXAMPLES_DIR) && !self.examples.contains(path) {
                found.push(
                    Diagnostic::new(at("evidence"), format!("the deviation of {what} cites `{path}`, which is not an example delivery of the catalogue"))
                        .with_hint("name a file under schema/examples/, or describe the evidence in words"),
                );
            }
        }
        found.into_iter().for_each(|d| self.error(d));
        Some(Deviation {
            page,
            reason: yaml.reason.trim().to_owned(),
            evidence: yaml.evidence.trim().to_owned(),
        })
    }

    fn domains(&mut self, file: &SourceFile, yaml: &EventsFile) -> Vec<Domain> {
        let mut seen = BTreeSet::new();
        let mut domains = Vec::new();
        for domain in &yaml.domains {
            let location =
                file.locate(&[], ("id", &domain.id), usize::from(seen.contains(&domain.id)));
            let first = file.locate(&[], ("id", &domain.id), 0);
            if !is_segment(&domain.id) {
                self.error(
                    Diagnostic::new(location.clone(), format!("domain id `{}` is not a lowercase identifier", domain.id))
                        .with_hint("use lowercase letters, digits and `_`, starting with a letter, e.g. `order`"),
                );
            }
            if RESERVED_FEATURES.contains(&domain.id.as_str()) {
                self.error(
                    Diagnostic::new(location.clone(), format!("domain id `{}` is reserved", domain.id))
                        .with_hint(format!(
                            "each domain becomes a Cargo feature of the crate, which has its own `{}`; choose another id",
                            domain.id
                        )),
                );
            }
            if !seen.insert(domain.id.clone()) {
                self.error(
                    Diagnostic::new(location, format!("duplicate domain `{}`", domain.id))
                        .with_hint(format!("`{}` is first declared at {first}", domain.id)),
                );
                continue;
            }
            let what = format!("domain `{}`", domain.id);
            let name = self.text(file, &[("id", &domain.id)], ("name", &what), &domain.name);
            domains.push(Domain { id: domain.id.clone(), name });
        }
        domains
    }

    fn events(
        &mut self,
        file: &SourceFile,
        yaml: &EventsFile,
        domains: &[Domain],
    ) -> Vec<EventDef> {
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        let mut variants: BTreeMap<String, String> = BTreeMap::new();
        let mut events = Vec::new();
        for event in &yaml.events {
            let event_type = event.event_type.as_str();
            let occurrence = seen.entry(event_type).or_default();
            let location = file.locate(&[], ("type", event_type), *occurrence);
            *occurrence += 1;
            if *occurrence > 1 {
                let first = file.locate(&[], ("type", event_type), 0);
                self.error(
                    Diagnostic::new(location, format!("duplicate event type `{event_type}`"))
                        .with_hint(format!("`{event_type}` is first declared at {first}")),
                );
                continue;
            }
            let scope = [("type", event_type)];
            let segments: Vec<&str> = event_type.split('.').collect();
            if segments.len() < 2 || !segments.iter().all(|s| is_segment(s)) {
                self.error(
                    Diagnostic::new(location.clone(), format!("event type `{event_type}` is not of the form `domain.action`"))
                        .with_hint("use lowercase segments separated by dots, e.g. `order.created` or `product.price.updated`"),
                );
                continue;
            }
            let domain = segments[0];
            if !domains.iter().any(|d| d.id == domain) {
                let declare = format!("declare `{domain}` under `domains:` or fix the event type");
                let hint = match closest(domain, domains.iter().map(|d| d.id.as_str())) {
                    Some(known) => format!("did you mean `{known}`? Otherwise {declare}"),
                    None => declare,
                };
                self.error(
                    Diagnostic::new(
                        location.clone(),
                        format!("event type `{event_type}` is in undeclared domain `{domain}`"),
                    )
                    .with_hint(hint),
                );
            }
            match self.type_kinds.get(&event.schema) {
                Some(true) => {}
                Some(false) => {
                    let location = file.locate(&scope, ("schema", &event.schema), 0);
                    self.error(
                        Diagnostic::new(
                            location,
                            format!(
                                "schema `{}` of event `{event_type}` is an enum, not a struct",
                                event.schema
                            ),
                        )
                        .with_hint("`data` is a JSON object: name a struct from schema/types/"),
                    );
                }
                // With no types at all, the one mistake was reported at the folder.
                None if self.type_kinds.is_empty() => {}
                None => {
                    let location = file.locate(&scope, ("schema", &event.schema), 0);
                    let known: Vec<String> = self
                        .type_kinds
                        .iter()
                        .filter(|(_, s)| **s)
                        .map(|(n, _)| n.clone())
                        .collect();
                    self.error(
                        Diagnostic::new(
                            location,
                            format!(
                                "event `{event_type}` refers to unknown schema `{}`",
                                event.schema
                            ),
                        )
                        .with_hint("`schema` names a struct declared in schema/types/")
                        .suggest(&event.schema, known.iter().map(String::as_str)),
                    );
                }
            }
            let variant = pascal_case(event_type);
            let method = snake_case(event_type);
            if method == UNKNOWN_EVENT_METHOD {
                self.error(
                    Diagnostic::new(location.clone(), format!("event type `{event_type}` would take the handler method `{method}`"))
                        .with_hint("`Handler::unknown_event` is kept for event types the crate does not know; choose another event type"),
                );
            }
            if let Some(other) = variants.insert(variant.clone(), event_type.to_owned()) {
                self.error(Diagnostic::new(
                    location.clone(),
                    format!("event types `{other}` and `{event_type}` both become the Rust name `{variant}`"),
                ).with_hint("rename one of them"));
            }
            let what = format!("event `{event_type}`");
            let name = self.text(file, &scope, ("name", &what), &event.name);
            let description = event
                .description
                .as_ref()
                .map(|d| self.text(file, &scope, ("description", &what), d));
            let deviation = self.deviation(
                file,
                &scope,
                (&what, EVENT_PAGE_KEYS),
                &[PageSays::Schema(event.schema.clone())],
                event.deviation.as_ref(),
            );
            events.push(EventDef {
                event_type: event_type.to_owned(),
                domain: domain.to_owned(),
                name,
                schema: event.schema.clone(),
                description,
                note: event.note.clone(),
                deprecated: event.deprecated.clone(),
                deviation,
                method,
                variant,
            });
        }
        events
    }

    fn types(&mut self, files: &[(&SourceFile, TypesFile)]) -> Vec<TypeDef> {
        // Names first, so that references can be checked in any order.
        let mut declared: BTreeMap<String, Location> = BTreeMap::new();
        let mut modules = BTreeSet::new();
        for (file, parsed) in files {
            let module = module_name(&file.path);
            // Other keywords (`type.yaml`) become raw identifiers (`mod r#type;`).
            if !is_segment(&module)
                || RESERVED_MODULES.contains(&module.as_str())
                || is_unraw_keyword(&module)
            {
                self.error(
                    Diagnostic::new(
                        file.start(),
                        format!("`{}` cannot name a Rust module `{module}`", file.path),
                    )
                    .with_hint(format!(
                        "rename the file: its name becomes the module name, a lowercase identifier other than {}, `self`, `super` and `crate`",
                        quoted(RESERVED_MODULES)
                    )),
                );
            }
            if !modules.insert(module.clone()) {
                self.error(
                    Diagnostic::new(
                        file.start(),
                        format!("two types files map to the module `{module}`"),
                    )
                    .with_hint("rename one of the files"),
                );
            }
            let names = parsed
                .structs
                .iter()
                .map(|s| (&s.name, true))
                .chain(parsed.enums.iter().map(|e| (&e.name, false)));
            let mut in_file: BTreeMap<&str, usize> = BTreeMap::new();
            for (name, is_struct) in names {
                let occurrence = in_file.entry(name).or_default();
                let location = file.locate(&[], ("name", name), *occurrence);
                *occurrence += 1;
                if let Some(first) = declared.get(name) {
                    self.error(
                        Diagnostic::new(location, format!("duplicate type `{name}`"))
                            .with_hint(format!("`{name}` is first declared at {first}")),
                    );
                    continue;
                }
                if is_keyword(name) {
                    self.error(
                        Diagnostic::new(location.clone(), format!("type name `{name}` is a Rust keyword"))
                            .with_hint("type names are only Rust names (StepPay never sends them); choose another"),
                    );
                } else if !is_identifier(name)
                    || !name.starts_with(|c: char| c.is_ascii_uppercase())
                {
                    let example = pascal_case(name);
                    let example = if is_identifier(&example)
                        && !example.starts_with(|c: char| c.is_ascii_digit())
                    {
                        example
                    } else {
                        "OrderItem".to_owned()
                    };
                    self.error(
                        Diagnostic::new(
                            location.clone(),
                            format!("type name `{name}` is not a PascalCase Rust identifier"),
                        )
                        .with_hint(format!(
                            "write ASCII letters and digits in PascalCase, e.g. `{example}`"
                        )),
                    );
                }
                let reserved = if CRATE_TYPE_NAMES.contains(&name.as_str()) {
                    Some(format!("the crate has its own `{name}`"))
                } else if SHADOWED_NAMES.contains(&name.as_str()) {
                    Some(format!(
                        "the generated code uses Rust's `{name}`, which this type would shadow"
                    ))
                } else if SCALARS.contains(&name.as_str()) || name == "List" || name == "Map" {
                    Some(format!("`{name}` is a type of the catalogue's own syntax"))
                } else {
                    None
                };
                if let Some(why) = reserved {
                    self.error(
                        Diagnostic::new(
                            location.clone(),
                            format!("type name `{name}` is reserved"),
                        )
                        .with_hint(format!("{why}; choose another name")),
                    );
                }
                declared.insert(name.clone(), location);
                self.type_kinds.insert(name.clone(), is_struct);
            }
        }

        let mut types = Vec::new();
        for (file, parsed) in files {
            let module = module_name(&file.path);
            for item in &parsed.structs {
                let scope = [("name", item.name.as_str())];
                let what = format!("struct `{}`", item.name);
                let description =
                    self.text(file, &scope, ("description", &what), &item.description);
                let fields = self.fields(file, &item.name, &item.fields);
                let deviation = self.deviation(
                    file,
                    &scope,
                    (&what, STRUCT_PAGE_KEYS),
                    &[],
                    item.deviation.as_ref(),
                );
                types.push(TypeDef {
                    name: item.name.clone(),
                    module: module.clone(),
                    source: file.path.clone(),
                    description,
                    note: item.note.clone(),
                    deviation,
                    kind: TypeKind::Struct(StructDef { fields }),
                });
            }
            for item in &parsed.enums {
                let scope = [("name", item.name.as_str())];
                let what = format!("enum `{}`", item.name);
                let description =
                    self.text(file, &scope, ("description", &what), &item.description);
                let values = self.enum_values(file, &item.name, &item.values);
                types.push(TypeDef {
                    name: item.name.clone(),
                    module: module.clone(),
                    source: file.path.clone(),
                    description,
                    note: item.note.clone(),
                    deviation: None,
                    kind: TypeKind::Enum(EnumDef { values }),
                });
            }
        }
        // A duplicate declaration was reported above; keep the first so later checks see one.
        let mut seen = BTreeSet::new();
        types.retain(|t| seen.insert(t.name.clone()));
        types
    }

    fn fields(
        &mut self,
        file: &SourceFile,
        owner: &str,
        fields: &[yaml::FieldYaml],
    ) -> Vec<FieldDef> {
        let mut json_names: BTreeMap<&str, usize> = BTreeMap::new();
        let mut rust_names: BTreeMap<String, &str> = BTreeMap::new();
        let mut out = Vec::new();
        for field in fields {
            let json = field.name.as_str();
            let occurrence = json_names.entry(json).or_default();
            let location = file.locate(&[("name", owner)], ("name", json), *occurrence);
            *occurrence += 1;
            if *occurrence > 1 {
                let first = file.locate(&[("name", owner)], ("name", json), 0);
                self.error(
                    Diagnostic::new(location, format!("duplicate field `{json}` in `{owner}`"))
                        .with_hint(format!("`{owner}.{json}` is first declared at {first}")),
                );
                continue;
            }
            // A keyword is fine: `type` becomes `r#type`, `self` becomes `self_`.
            let rust_name = escape_keyword(snake_case(json));
            if !rust_name.starts_with("r#") && !is_identifier(&rust_name) {
                self.error(
                    Diagnostic::new(location.clone(), format!("field `{json}` of `{owner}` does not make a Rust identifier (`{rust_name}`)"))
                        .with_hint("the Rust name is the JSON key in snake_case, so the key must start with an ASCII letter and hold only ASCII letters, digits and separators"),
                );
            }
            if let Some(other) = rust_names.insert(rust_name.clone(), json) {
                self.error(
                    Diagnostic::new(location.clone(), format!("fields `{other}` and `{json}` of `{owner}` both become the Rust field `{rust_name}`"))
                        .with_hint("StepPay's JSON names must differ after conversion to snake_case"),
                );
            }
            let scope = [("name", owner), ("name", json)];
            let ty = match parse_type(&field.ty) {
                Ok(ty) => self.check_type_ref(file, &scope, &field.ty, ty),
                Err(message) => {
                    let location = file.locate(&scope, ("type", &field.ty), 0);
                    self.error(Diagnostic::new(location, format!("field `{owner}.{json}`: {message}")).with_hint(
                        "types are Long, Int, Decimal, Boolean, String, LocalDateTime, List<T>, Map<String, T> or a declared type",
                    ));
                    None
                }
            };
            if field.lenient
                && let Some(ty) = &ty
            {
                self.check_lenient(file, &scope, ty);
            }
            let what = format!("field `{owner}.{json}`");
            let description = self.text(file, &scope, ("description", &what), &field.description);
            let said = ty.iter().map(|ty| PageSays::Type(ty.to_string()));
            let said: Vec<PageSays> = said.chain([PageSays::Nullable(field.nullable)]).collect();
            let deviation = self.deviation(
                file,
                &scope,
                (&what, FIELD_PAGE_KEYS),
                &said,
                field.deviation.as_ref(),
            );
            if let Some(ty) = ty {
                out.push(FieldDef {
                    json_name: json.to_owned(),
                    rust_name,
                    ty,
                    nullable: field.nullable,
                    sensitive: field.sensitive,
                    lenient: field.lenient,
                    description,
                    note: field.note.clone(),
                    deviation,
                });
            }
        }
        out
    }

    /// Resolves the names in a parsed type and rejects the combinations the runtime cannot read.
    fn check_type_ref(
        &mut self,
        file: &SourceFile,
        scope: &[(&str, &str)],
        written: &str,
        ty: TypeRef,
    ) -> Option<TypeRef> {
        let location = file.locate(scope, ("type", written), 0);
        if let Some(name) = ty.named()
            && !self.type_kinds.contains_key(name)
        {
            let known: Vec<&str> =
                self.type_kinds.keys().map(String::as_str).chain(SCALARS.iter().copied()).collect();
            let diagnostic = Diagnostic::new(location, format!("unknown type `{name}`"))
                .with_hint("declare it in schema/types/, or use Long, Int, Decimal, Boolean, String or LocalDateTime")
                .suggest(name, known);
            self.error(diagnostic);
            return None;
        }
        if let TypeRef::List(inner) | TypeRef::Map(inner) = &ty
            && matches!(
                **inner,
                TypeRef::Decimal | TypeRef::LocalDateTime | TypeRef::List(_) | TypeRef::Map(_)
            )
        {
            self.error(
                Diagnostic::new(location, format!("`{written}` is not supported"))
                    .with_hint("Decimal, LocalDateTime and nested containers may only be a field's type directly; wrap them in a struct"),
            );
            return None;
        }
        Some(ty)
    }

    /// `lenient: true` is for a `String` id that may arrive as a JSON integer: the runtime's
    /// `LenientId` reads both as text. No list of such ids is known, so lists are refused too.
    fn check_lenient(&mut self, file: &SourceFile, scope: &[(&str, &str)], ty: &TypeRef) {
        if *ty == TypeRef::String {
            return;
        }
        let field = scope.iter().map(|(_, name)| *name).collect::<Vec<_>>().join(".");
        let location = file.locate_key(scope, "lenient");
        let hint = match ty {
            TypeRef::Long | TypeRef::Int => format!(
                "a `{ty}` field reads JSON integers already; `lenient: true` is for `String` ids that StepPay may also send as integers, so remove it"
            ),
            _ => "`lenient: true` is for a `String` id that StepPay may also send as a JSON integer; it is allowed on `String` fields only".to_owned(),
        };
        self.error(
            Diagnostic::new(
                location,
                format!("field `{field}` is `lenient`, but its type is `{ty}`, not `String`"),
            )
            .with_hint(hint),
        );
    }

    fn enum_values(
        &mut self,
        file: &SourceFile,
        owner: &str,
        values: &[yaml::EnumValueYaml],
    ) -> Vec<EnumValue> {
        if values.is_empty() {
            let location = file.locate(&[], ("name", owner), 0);
            self.error(
                Diagnostic::new(location, format!("enum `{owner}` has no values")).with_hint(
                    "list the values StepPay documents; values added later are accepted anyway",
                ),
            );
        }
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        let mut variants: BTreeMap<String, &str> = BTreeMap::new();
        let mut out = Vec::new();
        for value in values {
            let text = value.value.as_str();
            let occurrence = seen.entry(text).or_default();
            let location = file.locate(&[("name", owner)], ("value", text), *occurrence);
            *occurrence += 1;
            if *occurrence > 1 {
                let first = file.locate(&[("name", owner)], ("value", text), 0);
                self.error(
                    Diagnostic::new(
                        location,
                        format!("duplicate value `{text}` in enum `{owner}`"),
                    )
                    .with_hint(format!("`{text}` is first listed at {first}")),
                );
                continue;
            }
            // `SELF` is fine: its variant is `Self_`.
            let variant = escape_keyword(pascal_case(text));
            if !is_identifier(&variant) {
                self.error(
                    Diagnostic::new(location.clone(), format!("value `{text}` of `{owner}` does not make a Rust variant name (`{variant}`)"))
                        .with_hint("the variant is the value in PascalCase, so the value must start with an ASCII letter and hold only ASCII letters, digits and separators"),
                );
            } else if variant == CATCH_ALL_VARIANT {
                self.error(
                    Diagnostic::new(location.clone(), format!("value `{text}` of `{owner}` would take the name of the catch-all variant `{CATCH_ALL_VARIANT}`"))
                        .with_hint("the generator reserves this variant for values StepPay adds later"),
                );
            }
            if let Some(other) = variants.insert(variant.clone(), text) {
                self.error(
                    Diagnostic::new(location.clone(), format!("values `{other}` and `{text}` of `{owner}` both become the variant `{variant}`"))
                        .with_hint("values must stay distinct in PascalCase; they differ only in case or separators"),
                );
            }
            let what = format!("value `{text}` of `{owner}`");
            let scope = [("name", owner), ("value", text)];
            let description = self.text(file, &scope, ("description", &what), &value.description);
            let deviation = self.deviation(
                file,
                &scope,
                (&what, VALUE_PAGE_KEYS),
                &[],
                value.deviation.as_ref(),
            );
            out.push(EnumValue {
                value: text.to_owned(),
                variant,
                description,
                note: value.note.clone(),
                deprecated: value.deprecated.clone(),
                deviation,
            });
        }
        out
    }

    /// A struct that contains itself without a `List` or `Map` in between has infinite size.
    fn check_recursion(&mut self, types: &[TypeDef], files: &[SourceFile]) {
        let direct: BTreeMap<&str, Vec<(&str, &str)>> = types
            .iter()
            .filter_map(|t| match &t.kind {
                TypeKind::Struct(s) => Some((
                    t.name.as_str(),
                    s.fields
                        .iter()
                        .filter_map(|f| match &f.ty {
                            TypeRef::Named(n) => Some((f.json_name.as_str(), n.as_str())),
                            _ => None,
                        })
                        .collect(),
                )),
                TypeKind::Enum(_) => None,
            })
            .collect();
        for ty in types {
            let mut steps = Vec::new();
            let mut dead = BTreeSet::new();
            if !find_cycle(&direct, ty.name.as_str(), ty.name.as_str(), &mut steps, &mut dead) {
                continue;
            }
            let Some(&(_, field)) = steps.first() else { continue };
            let file = files.iter().find(|f| f.path == ty.source);
            let location = file.map_or_else(
                || Location { path: ty.source.clone(), line: 0, column: 0 },
                |f| f.locate(&[("name", &ty.name)], ("name", field), 0),
            );
            let cycle: Vec<String> = steps.iter().map(|(t, f)| format!("{t}.{f}")).collect();
            self.error(
                Diagnostic::new(
                    location,
                    format!(
                        "struct `{}` contains itself: {} → {}",
                        ty.name,
                        cycle.join(" → "),
                        ty.name
                    ),
                )
                .with_hint(
                    "a struct cannot hold itself directly; make one field in the cycle a `List<…>`",
                ),
            );
        }
    }
}

/// Depth-first search from `at` back to `start` through fields of struct type, recording the
/// `(type, field)` steps taken; `dead` holds types known not to lead back.
fn find_cycle<'a>(
    direct: &BTreeMap<&'a str, Vec<(&'a str, &'a str)>>,
    at: &'a str,
    start: &'a str,
    steps: &mut Vec<(&'a str, &'a str)>,
    dead: &mut BTreeSet<&'a str>,
) -> bool {
    for &(field, target) in direct.get(at).map(Vec::as_slice).unwrap_or_default() {
        steps.push((at, field));
        if target == start {
            return true;
        }
        let on_path = steps.iter().any(|(t, _)| *t == target);
        if !on_path && !dead.contains(target) && find_cycle(direct, target, start, steps, dead) {
            return true;
        }
        steps.pop();
    }
    dead.insert(at);
    false
}

/// Parses `List<Map<String, Foo>>` and friends.
fn parse_type(text: &str) -> Result<TypeRef, String> {
    let text = text.trim();
    if let Some(inner) = text.strip_prefix("List<").and_then(|t| t.strip_suffix('>')) {
        return Ok(TypeRef::List(Box::new(parse_type(inner)?)));
    }
    if let Some(inner) = text.strip_prefix("Map<").and_then(|t| t.strip_suffix('>')) {
        let (key, value) = inner
            .split_once(',')
            .ok_or_else(|| format!("`{text}` needs a key and a value type"))?;
        if key.trim() != "String" {
            return Err(format!(
                "`{text}` has key type `{}`; JSON object keys are always String",
                key.trim()
            ));
        }
        return Ok(TypeRef::Map(Box::new(parse_type(value)?)));
    }
    match text {
        "Long" => Ok(TypeRef::Long),
        "Int" => Ok(TypeRef::Int),
        "Decimal" => Ok(TypeRef::Decimal),
        "Boolean" => Ok(TypeRef::Boolean),
        "String" => Ok(TypeRef::String),
        "LocalDateTime" => Ok(TypeRef::LocalDateTime),
        // A keyword (`Self`) is read as a name; declaring a type of that name is the error.
        name if is_identifier(name) || is_keyword(name) => Ok(TypeRef::Named(name.to_owned())),
        _ => Err(format!("cannot read the type `{text}`")),
    }
}

/// Lowercase letters, digits and `_`, starting with a letter.
fn is_segment(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// `schema/types/price.yaml` → `price`.
fn module_name(path: &str) -> String {
    let file = path.rsplit('/').next().unwrap_or(path);
    file.strip_suffix(".yaml").or_else(|| file.strip_suffix(".yml")).unwrap_or(file).to_owned()
}

fn quoted(names: &[&str]) -> String {
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_types() {
        assert_eq!(parse_type("List<Long>"), Ok(TypeRef::List(Box::new(TypeRef::Long))));
        assert_eq!(parse_type("Map<String, String>"), Ok(TypeRef::Map(Box::new(TypeRef::String))));
        assert_eq!(parse_type("Period"), Ok(TypeRef::Named("Period".into())));
        assert!(parse_type("Map<Long, String>").is_err());
        assert!(parse_type("List<").is_err());
    }
}
