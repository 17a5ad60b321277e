//! The change report, one catalogue pair per classification rule.
//!
//! Each pair is the `mini` fixture before and after one edit of its YAML (or examples), as a
//! pull request would make it. The test checks the class, location and kind of the change the
//! rule is about, and the suggested bump; the rendered Markdown of every pair is a snapshot in
//! `tests/changes/rules.md` (refresh with `UPDATE_EXPECT=1 cargo test -p
//! steppay-webhooks-codegen --test changes`).

mod support;

use std::path::Path;

use codegen::changes::{self, Bump, Class, render};
use codegen::{Input, SourceFile};
use expect_test::expect_file;

use crate::support::read_catalogue;

/// The `mini` fixture without its example delivery: the rules edit fields that the example
/// would then lack, and the examples rule adds an example of its own.
fn mini() -> Input {
    let input = read_catalogue(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini"));
    Input { examples: Vec::new(), ..input }
}

/// The file of `input` at `path`.
fn file<'a>(input: &'a mut Input, path: &str) -> &'a mut SourceFile {
    let files =
        std::iter::once(&mut input.events).chain(&mut input.types).chain(&mut input.examples);
    files.into_iter().find(|f| f.path == path).unwrap_or_else(|| panic!("no {path}"))
}

/// One edit: in the file at `path`, `from` (which must occur once) becomes `to`.
struct Edit(&'static str, &'static str, &'static str);

fn edited(edits: &[Edit]) -> Input {
    let mut input = mini();
    for Edit(path, from, to) in edits {
        let file = file(&mut input, path);
        assert_eq!(file.text.matches(from).count(), 1, "{path} should contain `{from}` once");
        *file = SourceFile::new(file.path.clone(), file.text.replacen(from, to, 1));
    }
    input
}

const EVENTS: &str = "schema/events.yaml";
const SHOP: &str = "schema/types/shop.yaml";
const BILLING: &str = "schema/types/billing.yaml";
const KIND: &str = "schema/types/type.yaml";

const NEW_EVENT: &str = "    schema: Count\n";
const ITEM_FIELDS: &str = "    fields:\n      - name: id\n        type: Long\n        subject: true\n        description: { ko: 상품 번호, en: Item id }\n";
const EXTRA_STRUCT: &str = "  - name: Count\n";
const CHARGE_SUBJECT: &str =
    "      - name: chargeId\n        type: String\n        subject: true\n";
const CHARGE_ID: &str = "      - name: chargeId\n        type: String\n";

struct Rule {
    name: &'static str,
    before: Vec<Edit>,
    after: Vec<Edit>,
    /// An example added in `after`, for the examples rule.
    example: bool,
    /// The change the rule is about: class, location, what.
    expected: (Class, &'static str, &'static str),
    bump: Bump,
}

fn rule(
    name: &'static str,
    after: Vec<Edit>,
    expected: (Class, &'static str, &'static str),
    bump: Bump,
) -> Rule {
    Rule { name, before: Vec::new(), after, example: false, expected, bump }
}

fn rules() -> Vec<Rule> {
    use Class::{Additive, Breaking, Documentation};
    vec![
        rule(
            "event added",
            vec![Edit(
                EVENTS,
                NEW_EVENT,
                "    schema: Count\n  - type: stock.recounted\n    name: { ko: 재고 재조사, en: Stock recounted }\n    schema: Count\n",
            )],
            (Additive, "stock.recounted", "event added"),
            Bump::Minor,
        ),
        rule(
            "schema added",
            vec![refund_struct()],
            (Additive, "Refund", "struct added"),
            Bump::Minor,
        ),
        rule(
            "nullable field added",
            vec![Edit(
                SHOP,
                ITEM_FIELDS,
                "    fields:\n      - name: id\n        type: Long\n        subject: true\n        description: { ko: 상품 번호, en: Item id }\n      - name: color\n        type: String\n        nullable: true\n        description: { ko: 색상, en: Colour }\n",
            )],
            (Additive, "Item.color", "field added"),
            Bump::Minor,
        ),
        rule(
            "required field added (runtime risk)",
            vec![Edit(
                SHOP,
                ITEM_FIELDS,
                "    fields:\n      - name: id\n        type: Long\n        subject: true\n        description: { ko: 상품 번호, en: Item id }\n      - name: sku\n        type: String\n        description: { ko: 재고 코드, en: SKU }\n",
            )],
            (Additive, "Item.sku", "field added"),
            Bump::Minor,
        ),
        rule(
            "enum value added",
            vec![Edit(
                KIND,
                "      - value: BOX\n",
                "      - value: DIGITAL\n        description: { ko: 디지털 상품, en: Digital goods }\n      - value: BOX\n",
            )],
            (Additive, "Kind.DIGITAL", "enum value added"),
            Bump::Minor,
        ),
        rule(
            "domain added (a new Cargo feature)",
            vec![
                Edit(
                    EVENTS,
                    "events:\n",
                    "  - id: refund\n    name: { ko: 환불, en: Refund }\nevents:\n",
                ),
                Edit(
                    EVENTS,
                    NEW_EVENT,
                    "    schema: Count\n  - type: refund.done\n    name: { ko: 환불 완료, en: Refund done }\n    schema: Count\n",
                ),
            ],
            (Additive, "domain refund", "domain added"),
            Bump::Minor,
        ),
        rule(
            "enum value deprecated",
            vec![Edit(
                KIND,
                "        description: { ko: 배송 상품, en: Shipped goods }\n",
                "        description: { ko: 배송 상품, en: Shipped goods }\n        deprecated: Use SELF.\n",
            )],
            (Additive, "Kind.BOX", "deprecated"),
            Bump::Minor,
        ),
        rule(
            "event removed",
            vec![Edit(
                EVENTS,
                "  - type: shop.item.removed\n    name: { ko: 상품 삭제, en: Item removed }\n    schema: Item\n    deprecated: Use shop.item.added with a zero quantity.\n",
                "",
            )],
            (Breaking, "shop.item.removed", "event removed"),
            Bump::Major,
        ),
        Rule {
            name: "schema removed",
            before: vec![refund_struct()],
            after: Vec::new(),
            example: false,
            expected: (Breaking, "Refund", "struct removed"),
            bump: Bump::Major,
        },
        rule(
            "field removed",
            vec![Edit(
                SHOP,
                "      - name: attributes\n        type: Map<String, String>\n        nullable: true\n        description: { ko: 추가 속성, en: Extra attributes }\n",
                "",
            )],
            (Breaking, "Item.attributes", "field removed"),
            Bump::Major,
        ),
        rule(
            "field renamed",
            vec![Edit(SHOP, "      - name: imageURL\n", "      - name: imageUrl\n")],
            (Breaking, "Item.imageURL", "field removed"),
            Bump::Major,
        ),
        rule(
            "event pointed to another schema",
            // `Charge` is then no event's `data`, so its subject goes too.
            vec![
                Edit(EVENTS, "    schema: Charge\n", "    schema: Count\n"),
                Edit(BILLING, CHARGE_SUBJECT, CHARGE_ID),
            ],
            (Breaking, "billing.charged", "event points to another schema"),
            Bump::Major,
        ),
        rule(
            "type changed",
            vec![Edit(
                SHOP,
                "      - name: quantity\n        type: Long\n",
                "      - name: quantity\n        type: Int\n",
            )],
            (Breaking, "Count.quantity", "type changed"),
            Bump::Major,
        ),
        rule(
            "nullable to required",
            vec![Edit(
                SHOP,
                "      - name: quantity\n        type: Int\n        nullable: true\n",
                "      - name: quantity\n        type: Int\n",
            )],
            (Breaking, "Item.quantity", "nullability changed"),
            Bump::Major,
        ),
        rule(
            "required to nullable",
            vec![Edit(
                BILLING,
                "      - name: amount\n        type: Decimal\n",
                "      - name: amount\n        type: Decimal\n        nullable: true\n",
            )],
            (Breaking, "Charge.amount", "nullability changed"),
            Bump::Major,
        ),
        rule(
            "enum value removed",
            vec![Edit(
                KIND,
                "      - value: SELF\n        description: { ko: 자체 제작, en: Made by the shop }\n        note: Its variant is Self_, as Self is a keyword.\n",
                "",
            )],
            (Breaking, "Kind.SELF", "enum value removed"),
            Bump::Major,
        ),
        rule(
            "description changed",
            vec![Edit(
                SHOP,
                "    description: { ko: 상품, en: An item }\n",
                "    description: { ko: 상품, en: An item for sale }\n",
            )],
            (Documentation, "Item", "description changed"),
            Bump::Patch,
        ),
        rule(
            "event name's text changed",
            vec![Edit(
                EVENTS,
                "    name: { ko: 재고 조사, en: Stock counted }\n",
                "    name: { ko: 재고 조사, en: Stock taken }\n",
            )],
            (Documentation, "stock.counted", "name changed"),
            Bump::Patch,
        ),
        rule(
            "note changed",
            vec![Edit(
                EVENTS,
                "    note: The amount may carry a fraction.\n",
                "    note: The amount may carry a fraction, e.g. 1500.5.\n",
            )],
            (Documentation, "billing.charged", "note changed"),
            Bump::Patch,
        ),
        rule(
            "deviation from StepPay's page recorded",
            vec![Edit(
                BILLING,
                "        description: { ko: 환불 금액, en: Refunded amount }\n",
                "        description: { ko: 환불 금액, en: Refunded amount }\n        deviation:\n          page: { nullable: false }\n          reason: Absent from uncharged deliveries.\n          evidence: a captured delivery\n",
            )],
            (Documentation, "Charge.refunded", "deviation from StepPay's page added"),
            Bump::Patch,
        ),
        rule(
            "personal-data marking changed",
            vec![Edit(
                BILLING,
                "      - name: holder\n        type: String\n        sensitive: true\n",
                "      - name: holder\n        type: String\n",
            )],
            (Documentation, "Charge.holder", "`sensitive` changed"),
            Bump::Patch,
        ),
        rule(
            "id made lenient (String becomes LenientId)",
            vec![Edit(
                BILLING,
                "      - name: holder\n        type: String\n        sensitive: true\n",
                "      - name: holder\n        type: String\n        sensitive: true\n        lenient: true\n",
            )],
            (Breaking, "Charge.holder", "`lenient` changed"),
            Bump::Major,
        ),
        Rule {
            name: "subject marked",
            before: vec![Edit(BILLING, CHARGE_SUBJECT, CHARGE_ID)],
            after: Vec::new(),
            example: false,
            expected: (Additive, "Charge.chargeId", "`subject` changed"),
            bump: Bump::Minor,
        },
        rule(
            "subject removed",
            vec![Edit(BILLING, CHARGE_SUBJECT, CHARGE_ID)],
            (Breaking, "Charge.chargeId", "`subject` changed"),
            Bump::Major,
        ),
        rule(
            "subject moved to another field",
            vec![
                Edit(BILLING, CHARGE_SUBJECT, CHARGE_ID),
                Edit(
                    BILLING,
                    "        lenient: true\n        description: { ko: 주문 번호, en: Order id }\n",
                    "        lenient: true\n        subject: true\n        description: { ko: 주문 번호, en: Order id }\n",
                ),
            ],
            (Breaking, "Charge.chargeId", "`subject` changed"),
            Bump::Major,
        ),
        Rule {
            name: "example added",
            before: Vec::new(),
            after: Vec::new(),
            example: true,
            expected: (Documentation, "schema/examples/stock.counted.json", "example added"),
            bump: Bump::Patch,
        },
    ]
}

/// A struct no event uses, to add or remove.
fn refund_struct() -> Edit {
    Edit(
        SHOP,
        EXTRA_STRUCT,
        "  - name: Refund\n    description: { ko: 환불, en: A refund }\n    fields:\n      - name: id\n        type: Long\n        description: { ko: 환불 번호, en: Refund id }\n  - name: Count\n",
    )
}

const EXAMPLE: &str = r#"{"timestamp":1,"version":"v1","event":"stock.counted","data":{"item":{"id":1,"type":"BOX","tags":[]},"quantity":3,"counter":"kim","counterNo":7,"window":{"from":"2024-01-01T00:00:00","until":"2024-01-02T00:00:00"}}}"#;

#[test]
fn every_rule_classes_its_change_and_suggests_the_bump() {
    let mut rendered = String::new();
    for rule in rules() {
        let before_input = edited(&rule.before);
        let mut after_input = edited(&rule.after);
        if rule.example {
            after_input
                .examples
                .push(SourceFile::new("schema/examples/stock.counted.json", EXAMPLE));
        }
        let before = codegen::load(&before_input).unwrap_or_else(|e| panic!("{}: {e}", rule.name));
        let after = codegen::load(&after_input).unwrap_or_else(|e| panic!("{}: {e}", rule.name));
        let report = changes::compare(&before, &after)
            .with_examples(&before_input.examples, &after_input.examples);
        let (class, location, what) = rule.expected;
        assert!(
            report
                .changes
                .iter()
                .any(|c| c.class == class && c.location == location && c.what == what),
            "{}: expected {class:?} {location} {what}, got {:#?}",
            rule.name,
            report.changes
        );
        assert_eq!(report.bump(), rule.bump, "{}", rule.name);
        rendered.push_str(&format!(
            "## {}\n\n{}\n",
            rule.name,
            render::markdown(&report, Some("0.1.0"))
        ));
    }
    expect_file!["changes/rules.md"].assert_eq(&rendered);
}

#[test]
fn the_same_catalogue_has_no_change() {
    let catalogue = codegen::load(&mini()).unwrap_or_else(|e| panic!("{e}"));
    let report = changes::compare(&catalogue, &catalogue);
    assert!(report.changes.is_empty());
    assert_eq!(report.bump(), Bump::None);
    assert_eq!(
        render::verdict(&report),
        "Suggested bump: none (0 breaking · 0 additive · 0 documentation)"
    );
}

#[test]
fn a_required_field_added_is_flagged_as_a_runtime_risk() {
    let rules = rules();
    let rule = rules.iter().find(|r| r.name.starts_with("required field")).expect("the rule");
    let before = codegen::load(&mini()).unwrap_or_else(|e| panic!("{e}"));
    let after = codegen::load(&edited(&rule.after)).unwrap_or_else(|e| panic!("{e}"));
    let report = changes::compare(&before, &after);
    let change = report.changes.iter().find(|c| c.location == "Item.sku").expect("the change");
    assert!(change.note.as_deref().is_some_and(|n| n.starts_with("runtime risk")), "{change:?}");
}

#[test]
fn semver_for_a_0x_crate_is_one_level_down() {
    let before = codegen::load(&mini()).unwrap_or_else(|e| panic!("{e}"));
    let breaking = rules().into_iter().find(|r| r.name == "type changed").expect("the rule");
    let after = codegen::load(&edited(&breaking.after)).unwrap_or_else(|e| panic!("{e}"));
    let report = changes::compare(&before, &after);
    assert_eq!(report.next_version("0.1.3").as_deref(), Some("0.2.0"));
    assert_eq!(report.next_version("1.4.2").as_deref(), Some("2.0.0"));
    let additive = rules().into_iter().find(|r| r.name == "event added").expect("the rule");
    let after = codegen::load(&edited(&additive.after)).unwrap_or_else(|e| panic!("{e}"));
    let report = changes::compare(&before, &after);
    assert_eq!(report.next_version("0.1.3").as_deref(), Some("0.1.4"));
    assert_eq!(report.next_version("1.4.2").as_deref(), Some("1.5.0"));
    let json: serde_json::Value = serde_json::from_str(&render::json(&report)).expect("JSON");
    assert_eq!(json["suggested_bump"], "minor");
    assert_eq!(json["changes"][0]["class"], "additive");
}
