//! How the generator scales: synthetic catalogues of 30, 300 and 3,000 events.
//!
//! ```sh
//! cargo bench -p steppay-webhooks-codegen --bench generate
//! ```
//!
//! Each event gets its own payload struct (8 fields of every kind), a nested struct and an enum
//! of 5 values, so types grow with events; 10 events share a domain and a types file. Measured
//! separately: `load` (parse the YAML, check it, build the model), `generate` (all of it: load,
//! emit Rust, Markdown and JSON Schema, format), and `format` (prettyplease over the generated
//! Rust alone, parsed beforehand), so emit ≈ generate − load.

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::Duration;

use codegen::{Input, SourceFile};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

/// A catalogue of `events` events in `events / 10` domains (at least one).
fn synthetic(events: usize) -> Input {
    let domains = events.div_ceil(10);
    let mut catalogue = String::from("domains:\n");
    for d in 0..domains {
        writeln!(catalogue, "  - id: d{d}\n    name: {{ ko: 도메인 {d}, en: Domain {d} }}").ok();
    }
    catalogue.push_str("events:\n");
    let mut files = vec![String::from("structs:\n"); domains];
    let mut enums = vec![String::from("enums:\n"); domains];
    for e in 0..events {
        let d = e % domains;
        writeln!(catalogue, "  - type: d{d}.event_{e}\n    name: {{ ko: 이벤트 {e}, en: Event {e} }}\n    schema: Payload{e}").ok();
        let field = |name: &str, ty: &str, nullable: bool| {
            let nullable = if nullable { "\n        nullable: true" } else { "" };
            format!(
                "      - name: {name}\n        type: {ty}{nullable}\n        description: {{ ko: 필드, en: A field }}\n"
            )
        };
        let mut payload = format!(
            "  - name: Payload{e}\n    description: {{ ko: 페이로드, en: A payload }}\n    fields:\n"
        );
        for (name, ty, nullable) in [
            ("id", "Long".to_owned(), false),
            ("code", "String".to_owned(), true),
            ("amount", "Decimal".to_owned(), false),
            ("createdAt", "LocalDateTime".to_owned(), true),
            ("ids", "List<Long>".to_owned(), false),
            ("status", format!("Status{e}"), false),
            ("detail", format!("Detail{e}"), true),
            ("attributes", "Map<String, String>".to_owned(), true),
        ] {
            payload.push_str(&field(name, &ty, nullable));
        }
        files[d].push_str(&payload);
        let mut detail = format!(
            "  - name: Detail{e}\n    description: {{ ko: 상세, en: A detail }}\n    fields:\n"
        );
        for (name, ty) in [("count", "Int"), ("label", "String"), ("enabled", "Boolean")] {
            detail.push_str(&field(name, ty, false));
        }
        files[d].push_str(&detail);
        enums[d].push_str(&format!(
            "  - name: Status{e}\n    description: {{ ko: 상태, en: A status }}\n    values:\n"
        ));
        for value in ["ACTIVE", "PAUSED", "CANCELED", "EXPIRED", "PENDING_PAYMENT"] {
            writeln!(
                enums[d],
                "      - value: {value}\n        description: {{ ko: 값, en: A value }}"
            )
            .ok();
        }
    }
    Input {
        events: SourceFile::new("schema/events.yaml", catalogue),
        types: (0..domains)
            .map(|d| {
                SourceFile::new(
                    format!("schema/types/d{d}.yaml"),
                    format!("{}{}", files[d], enums[d]),
                )
            })
            .collect(),
        examples: Vec::new(),
    }
}

fn scaling(c: &mut Criterion) {
    let mut group = c.benchmark_group("generator");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(5));
    for events in [30, 300, 3000] {
        let input = synthetic(events);
        let output = codegen::generate(&input).unwrap_or_else(|e| panic!("{e}"));
        let rust: Vec<syn::File> = output
            .files
            .iter()
            .filter(|(path, _)| path.ends_with(".rs"))
            .map(|(_, text)| syn::parse_file(text).expect("generated Rust parses"))
            .collect();
        group.bench_with_input(BenchmarkId::new("load", events), &input, |b, input| {
            b.iter(|| codegen::load(black_box(input)).expect("valid"));
        });
        group.bench_with_input(BenchmarkId::new("generate", events), &input, |b, input| {
            b.iter(|| codegen::generate(black_box(input)).expect("valid"));
        });
        group.bench_with_input(BenchmarkId::new("format", events), &rust, |b, rust| {
            b.iter(|| {
                rust.iter().map(|file| prettyplease::unparse(black_box(file)).len()).sum::<usize>()
            });
        });
    }
    group.finish();
}

criterion_group!(benches, scaling);
criterion_main!(benches);
