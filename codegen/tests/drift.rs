//! The drift report against StepPay's own pages: the kept copies of the current pages show no
//! unreviewed drift, and each kind of change StepPay could make to a page is reported with the
//! YAML that adopts it.
//!
//! The pages are in `tests/data/steppay-docs/` (see the README there); each doctored case edits
//! them in memory. The rendered reports are snapshots in `tests/drift/`: refresh them with
//! `UPDATE_EXPECT=1 cargo test -p steppay-webhooks-codegen --test drift` and review the diff.

mod support;

use std::path::Path;

use codegen::drift::{self, DriftReport, Finding, FindingKind, render};
use codegen::pages::{EventsPage, SchemaPage};
use codegen::{Catalogue, Deviation, PageSays};
use expect_test::expect_file;

use crate::support::read_catalogue;

const EVENTS: &str = include_str!("data/steppay-docs/08-1-1_Webhook-Events.md");
const SCHEMAS: &str = include_str!("data/steppay-docs/08-1-2_Webhook-Schema.md");
const OLDER_EVENTS: &str = include_str!("data/steppay-docs/08-1-1_Webhook-Events.older.md");

fn catalogue() -> Catalogue {
    let input = read_catalogue(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema"));
    codegen::load(&input).unwrap_or_else(|e| panic!("{e}"))
}

fn report_on(catalogue: &Catalogue, events: &str, schemas: &str) -> DriftReport {
    let events =
        EventsPage::parse("08-1-1_Webhook-Events.md", events).unwrap_or_else(|e| panic!("{e}"));
    let schemas =
        SchemaPage::parse("08-1-2_Webhook-Schema.md", schemas).unwrap_or_else(|e| panic!("{e}"));
    drift::drift(catalogue, &events, &schemas)
}

/// `text` with `from` replaced by `to`, which must occur exactly once.
fn doctor(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "the page should contain `{from}` once");
    text.replacen(from, to, 1)
}

/// The one finding of the report, which must be of `kind` and about `subject`.
fn only_finding(report: &DriftReport, kind: FindingKind, subject: &str) -> Finding {
    match report.findings.as_slice() {
        [finding] => {
            assert_eq!((finding.kind, finding.subject.as_str()), (kind, subject), "{finding:#?}");
            finding.clone()
        }
        other => panic!("expected one {kind:?} finding about {subject}, got {other:#?}"),
    }
}

#[test]
fn the_current_pages_show_no_unreviewed_drift() {
    let report = report_on(&catalogue(), EVENTS, SCHEMAS);
    assert!(report.is_clean(), "{}", render::text(&report));
    assert_eq!((report.page_events, report.page_tables), (27, 31));
    // Every deviation recorded in the catalogue is borne out by the pages.
    let recorded = count_deviations(&catalogue());
    assert_eq!(report.accepted.len(), recorded);
    expect_file!["drift/current.txt"].assert_eq(&render::text(&report));
}

fn count_deviations(catalogue: &Catalogue) -> usize {
    let events = catalogue.events.iter().filter(|e| e.deviation.is_some()).count();
    let types = catalogue.types.iter().map(|ty| {
        let own = usize::from(ty.deviation.is_some());
        own + match &ty.kind {
            codegen::TypeKind::Struct(s) => {
                s.fields.iter().filter(|f| f.deviation.is_some()).count()
            }
            codegen::TypeKind::Enum(e) => e.values.iter().filter(|v| v.deviation.is_some()).count(),
        }
    });
    events + types.sum::<usize>()
}

#[test]
fn each_doctored_page_reports_its_finding_with_the_yaml_that_adopts_it() {
    let catalogue = catalogue();
    // (case, events page, schema page, kind, subject, what the snippet must contain)
    let payment_link = "[Payment](https://docs.develop.steppay.kr/docs/guide/fioxeabxny8hf-webhook-schema#payment) |";
    let cases: Vec<(&str, String, String, FindingKind, &str, &str)> = vec![
        (
            "a new event",
            doctor(
                EVENTS,
                &format!("| 결제 대기 | payment.standby   | {payment_link}\n"),
                &format!(
                    "| 결제 대기 | payment.standby   | {payment_link}\n| 결제 환불 | payment.refunded | {payment_link}\n"
                ),
            ),
            SCHEMAS.to_owned(),
            FindingKind::EventMissing,
            "payment.refunded",
            "- type: payment.refunded\n  name: { ko: 결제 환불, en: Payment refunded }\n  schema: Payment\n",
        ),
        (
            "an event gone from the page",
            doctor(EVENTS, &format!("| 결제 대기 | payment.standby   | {payment_link}\n"), ""),
            SCHEMAS.to_owned(),
            FindingKind::EventExtra,
            "payment.standby",
            "- type: payment.standby",
        ),
        (
            "a new field",
            EVENTS.to_owned(),
            doctor(
                SCHEMAS,
                "| paymentOnly      | Boolean     |                                            | Yes      |\n",
                "| paymentOnly      | Boolean     |                                            | Yes      |\n| refundedAt | LocalDateTime | 환불 일시 | Yes |\n",
            ),
            FindingKind::FieldMissing,
            "Payment.refundedAt",
            "- name: refundedAt\n  type: LocalDateTime\n  nullable: true\n  description: { ko: 환불 일시, en: Refunded at }\n",
        ),
        (
            "a changed type",
            EVENTS.to_owned(),
            doctor(
                SCHEMAS,
                "| paymentId        | Long        |",
                "| paymentId        | String      |",
            ),
            FindingKind::FieldType,
            "Payment.paymentId",
            "- name: paymentId\n  type: String\n",
        ),
        (
            "a field made nullable",
            EVENTS.to_owned(),
            doctor(
                SCHEMAS,
                "| code               | String                  | 주문 코드                                 | No       |",
                "| code               | String                  | 주문 코드                                 | Yes      |",
            ),
            FindingKind::FieldNullable,
            "Order.code",
            "- name: code\n  nullable: true\n",
        ),
        (
            "a removed enum value",
            EVENTS.to_owned(),
            doctor(SCHEMAS, "<br/>- PAUSE: 일시 정지", ""),
            FindingKind::ValueExtra,
            "SubscriptionStatus.PAUSE",
            "- value: PAUSE\n  deprecated: StepPay's page no longer lists it.\n",
        ),
        (
            "a new enum value",
            EVENTS.to_owned(),
            doctor(
                SCHEMAS,
                "<br/>- PAUSE: 일시 정지",
                "<br/>- PAUSE: 일시 정지<br/>- TRIAL: 무료 체험",
            ),
            FindingKind::ValueMissing,
            "SubscriptionStatus.TRIAL",
            "- value: TRIAL\n  description: { ko: 무료 체험, en: Trial }\n",
        ),
        (
            "a deviation whose page value changed",
            EVENTS.to_owned(),
            doctor(SCHEMAS, "List (PriceSchema)", "List (PriceDTO)"),
            FindingKind::DeviationOutdated,
            "Product.prices",
            "deviation:\n  page: { type: List<PriceDTO> }\n",
        ),
        (
            "a page that now agrees with a deviation",
            EVENTS.to_owned(),
            doctor(
                SCHEMAS,
                "| deltaQuota        | Long           | Quota 증감량                       | No       |",
                "| deltaQuota        | Long           | Quota 증감량                       | Yes      |",
            ),
            FindingKind::DeviationObsolete,
            "RecordQuota.deltaQuota",
            "# delete the whole `deviation:` of `RecordQuota.deltaQuota`\n",
        ),
        (
            "a new schema table",
            EVENTS.to_owned(),
            doctor(
                SCHEMAS,
                "- **VBank**\n",
                "- **Refund**\n\n  | 변수명 | 타입 | 설명 | Nullable |\n  | --- | --- | --- | --- |\n  | refundId | Long | 환불 번호 | No |\n\n- **VBank**\n",
            ),
            FindingKind::SchemaMissing,
            "Refund",
            "- name: Refund\n  description: { ko: Refund, en: Refund }\n  fields:\n    - name: refundId\n      type: Long\n      description: { ko: 환불 번호, en: Refund id }\n",
        ),
    ];
    let mut rendered = String::new();
    for (case, events, schemas, kind, subject, snippet) in cases {
        let report = report_on(&catalogue, &events, &schemas);
        let finding = only_finding(&report, kind, subject);
        assert!(finding.snippet.contains(snippet), "{case}: the snippet is\n{}", finding.snippet);
        // The snippet is YAML a maintainer can paste.
        let yaml: Result<serde_yaml::Value, _> = serde_yaml::from_str(&finding.snippet);
        assert!(yaml.is_ok(), "{case}: the snippet is not YAML: {yaml:?}\n{}", finding.snippet);
        // The accepted deviations are in `current.txt`; here, only what the case changes.
        let mut findings_only = report.clone();
        findings_only.accepted.clear();
        rendered.push_str(&format!("==== {case}\n{}\n", render::text(&findings_only)));
    }
    expect_file!["drift/doctored.txt"].assert_eq(&rendered);
}

#[test]
fn the_older_events_page_named_product_for_the_cover_events() {
    let mut catalogue = catalogue();
    let report = report_on(&catalogue, OLDER_EVENTS, SCHEMAS);
    let subjects: Vec<(&str, &str)> =
        report.findings.iter().map(|f| (f.subject.as_str(), f.page.as_str())).collect();
    assert_eq!(
        subjects,
        [
            ("cover.sent_message", "schema: Product"),
            ("cover.delayed_message", "schema: Product"),
            ("cover.changed_payment_date", "schema: Product"),
            ("cover.paused", "schema: Product"),
        ]
    );
    assert!(report.findings.iter().all(|f| f.kind == FindingKind::EventSchema));

    // The deviation the catalogue once needed for it: accepted by the older page, obsolete
    // against the current one, which names Cover.
    let deviation = Deviation {
        page: vec![PageSays::Schema("Product".into())],
        reason: "The payload is a Cover; the link goes to the Cover schema.".into(),
        evidence: "the link's anchor, #cover".into(),
    };
    for event in catalogue.events.iter_mut().filter(|e| e.domain == "cover") {
        event.deviation = Some(deviation.clone());
    }
    let older = report_on(&catalogue, OLDER_EVENTS, SCHEMAS);
    assert!(older.is_clean(), "{}", render::text(&older));
    assert!(older.accepted.iter().any(|a| a.subject == "cover.paused"));
    let current = report_on(&catalogue, EVENTS, SCHEMAS);
    let obsolete: Vec<&str> = current
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::DeviationObsolete)
        .map(|f| f.subject.as_str())
        .collect();
    assert_eq!(
        obsolete,
        [
            "cover.sent_message",
            "cover.delayed_message",
            "cover.changed_payment_date",
            "cover.paused"
        ]
    );
    assert_eq!(current.findings.len(), 4);
}

#[test]
fn a_page_of_another_shape_is_an_error_naming_the_line() {
    // (case, which page, its text)
    let cases: Vec<(&str, bool, String)> = vec![
        ("the pages given the other way round", true, SCHEMAS.to_owned()),
        ("the pages given the other way round", false, EVENTS.to_owned()),
        ("no tables at all", true, "# Webhook-Events\n\nNothing here yet.\n".to_owned()),
        (
            "a renamed column",
            true,
            doctor(
                EVENTS,
                "| 이벤트   | 이벤트 타입        | Schema",
                "| 이벤트   | 타입        | Schema",
            ),
        ),
        (
            "a schema cell that is not a link to one schema",
            true,
            doctor(
                EVENTS,
                "[Usage](https://docs.develop.steppay.kr/docs/guide/fioxeabxny8hf-webhook-schema#usage)",
                "Usage or Order",
            ),
        ),
        (
            "an unreadable nullability",
            false,
            doctor(
                SCHEMAS,
                "| paymentId        | Long        | 스텝페이 결제 번호                        | No       |",
                "| paymentId        | Long        | 스텝페이 결제 번호                        | Maybe    |",
            ),
        ),
        (
            "an unreadable type",
            false,
            doctor(
                SCHEMAS,
                "| paymentId        | Long        |",
                "| paymentId        | Long or String |",
            ),
        ),
        ("a nested table without a label", false, doctor(SCHEMAS, "- **VBank**\n", "- VBank\n")),
        (
            "a table outside any schema section",
            false,
            doctor(SCHEMAS, "### Subscription\n", "Subscription\n"),
        ),
    ];
    let mut rendered = String::new();
    for (case, events_page, text) in cases {
        let error = if events_page {
            EventsPage::parse("08-1-1_Webhook-Events.md", &text).expect_err(case)
        } else {
            SchemaPage::parse("08-1-2_Webhook-Schema.md", &text).expect_err(case)
        };
        rendered.push_str(&format!("==== {case}\n{error}\n"));
    }
    expect_file!["drift/page-errors.txt"].assert_eq(&rendered);
}

#[test]
fn the_json_report_carries_every_finding() {
    let report = report_on(
        &catalogue(),
        &doctor(EVENTS, "| 결제 대기 | payment.standby   |", "| 결제 대기 | payment.waiting   |"),
        SCHEMAS,
    );
    let json: serde_json::Value = serde_json::from_str(&render::json(&report)).expect("JSON");
    let kinds: Vec<&str> = json["findings"]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|f| f["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["event-missing", "event-extra"]);
    assert_eq!(json["accepted"].as_array().map(Vec::len), Some(report.accepted.len()));
}
