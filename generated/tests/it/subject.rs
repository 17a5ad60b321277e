//! A delivery's subject: every example gives the id the JSON holds in the field that identifies
//! its payload, and `Subject` reads back what it writes and refuses what is not one.

use proptest::prelude::*;
use serde_json::Value;
use steppay_webhooks::{ParseSubjectError, Subject, Webhook};

use super::{domain_enabled, examples};

/// The kind of subject and the JSON key of the subject field of `event_type`'s `data`. Written
/// out by hand from StepPay's schemas, so that the test does not take the catalogue's word for
/// which field identifies a payload.
fn subject_field(event_type: &str) -> (&'static str, &'static str) {
    match event_type.split('.').collect::<Vec<_>>().as_slice() {
        ["order", ..] => ("order", "id"),
        ["subscription", "usage", ..] => ("usage", "id"),
        ["subscription", ..] => ("subscription", "subscriptionId"),
        ["invoice", ..] => ("invoice", "id"),
        ["payment", ..] => ("payment", "paymentId"),
        ["customer", ..] => ("customer", "id"),
        ["product", "price", ..] => ("price", "priceCode"),
        ["product", ..] => ("product", "code"),
        ["cover", ..] => ("cover", "id"),
        _ => panic!(
            "`{event_type}`: add its subject field to `subject_field` in tests/it/subject.rs"
        ),
    }
}

/// Every kind of subject the catalogue has, whichever domains are compiled.
const KINDS: [&str; 9] = [
    "order",
    "subscription",
    "usage",
    "invoice",
    "payment",
    "customer",
    "product",
    "price",
    "cover",
];

/// A JSON id as text: a string as it is, an integer in decimal; `None` when absent or `null`.
fn id_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::Null => None,
        Value::String(text) => Some(text.clone()),
        Value::Number(number) if number.is_i64() || number.is_u64() => Some(number.to_string()),
        other => panic!("a subject field holds an id, not {other}"),
    }
}

#[test]
fn every_example_gives_the_id_its_json_holds() {
    let mut seen = Vec::new();
    for (name, body) in examples() {
        let json: Value = serde_json::from_slice(&body).unwrap_or_else(|e| panic!("{name}: {e}"));
        let event_type = json["event"].as_str().unwrap_or_else(|| panic!("{name}: no event"));
        let webhook = Webhook::from_slice(&body).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(webhook.subject(), webhook.event.subject(), "{name}");
        if !domain_enabled(event_type) {
            assert_eq!(webhook.subject(), None, "{name}: an Event::Unknown has no subject");
            continue;
        }
        let (kind, field) = subject_field(event_type);
        let expected = id_text(json["data"].get(field));
        match (webhook.subject(), expected) {
            (Some(subject), Some(id)) => {
                assert_eq!((subject.kind(), subject.id()), (kind, id.as_str()), "{name}");
                assert_eq!(subject.to_string(), format!("{kind}:{id}"), "{name}");
                assert_eq!(subject.to_string().parse::<Subject>().as_ref(), Ok(&subject), "{name}");
                seen.push(kind);
            }
            (None, None) => {}
            (got, expected) => {
                panic!("{name}: subject {got:?}, but `data.{field}` is {expected:?}")
            }
        }
    }
    // Each compiled domain's kinds were checked against at least one example.
    let probes = [
        ("order", "order.created"),
        ("subscription", "subscription.created"),
        ("usage", "subscription.usage.added"),
        ("invoice", "invoice.created"),
        ("payment", "payment.completed"),
        ("customer", "customer.created"),
        ("product", "product.created"),
        ("price", "product.price.created"),
        ("cover", "cover.paused"),
    ];
    for (kind, event_type) in probes {
        if domain_enabled(event_type) {
            assert!(seen.contains(&kind), "no example gave a `{kind}` subject");
        }
    }
}

#[test]
fn an_unknown_event_has_no_subject() {
    let body = br#"{"timestamp":1,"version":"v1","event":"refund.created","data":{"id":7}}"#;
    let webhook = Webhook::from_slice(body).expect("an unknown event parses");
    assert_eq!(webhook.subject(), None);
}

#[cfg(feature = "invoice")]
#[test]
fn an_absent_or_null_subject_field_gives_none() {
    for data in ["{}", r#"{"id":null}"#] {
        let body =
            format!(r#"{{"timestamp":1,"version":"v1","event":"invoice.updated","data":{data}}}"#);
        let webhook = Webhook::from_slice(body.as_bytes()).expect("parse");
        assert_eq!(webhook.subject(), None, "{data}");
    }
}

#[cfg(feature = "product")]
#[test]
fn an_empty_or_overlong_id_gives_none() {
    let product = |code: &str| {
        let body = format!(
            r#"{{"timestamp":1,"version":"v1","event":"product.updated","data":{{"code":"{code}"}}}}"#
        );
        Webhook::from_slice(body.as_bytes()).expect("parse").subject()
    };
    assert_eq!(product(""), None);
    // `product:` and 120 bytes is the longest a subject may be.
    let longest = "p".repeat(Subject::MAX_LEN - "product:".len());
    let subject = product(&longest).expect("a subject of MAX_LEN bytes");
    assert_eq!(subject.to_string().len(), Subject::MAX_LEN);
    assert_eq!(product(&format!("{longest}p")), None);
}

#[test]
fn every_kind_reads_back_whichever_domains_are_compiled() {
    for kind in KINDS {
        let subject: Subject =
            format!("{kind}:4418273").parse().unwrap_or_else(|e| panic!("{kind}: {e}"));
        assert_eq!((subject.kind(), subject.id()), (kind, "4418273"));
        assert_eq!(subject.to_string(), format!("{kind}:4418273"));
    }
}

#[test]
fn the_id_is_everything_after_the_first_colon() {
    let subject: Subject = "order:A-17:b 2".parse().expect("an id may hold `:` and spaces");
    assert_eq!((subject.kind(), subject.id()), ("order", "A-17:b 2"));
    assert_eq!(subject.to_string(), "order:A-17:b 2");
    let subject: Subject = "customer:고객-7".parse().expect("any text");
    assert_eq!(subject.id(), "고객-7");
}

#[test]
fn bad_text_is_refused_with_what_is_wrong() {
    let cases: [(&str, ParseSubjectError); 7] = [
        ("", ParseSubjectError::NoColon),
        ("payment4418273", ParseSubjectError::NoColon),
        (":4418273", ParseSubjectError::EmptyKind),
        (":", ParseSubjectError::EmptyKind),
        ("payment:", ParseSubjectError::EmptyId),
        ("paymnt:4418273", ParseSubjectError::UnknownKind { kind: "paymnt".to_owned() }),
        ("Payment:4418273", ParseSubjectError::UnknownKind { kind: "Payment".to_owned() }),
    ];
    for (text, expected) in cases {
        assert_eq!(text.parse::<Subject>(), Err(expected), "{text:?}");
    }
    let long = format!("payment:{}", "1".repeat(Subject::MAX_LEN));
    assert_eq!(
        long.parse::<Subject>(),
        Err(ParseSubjectError::TooLong { len: Subject::MAX_LEN + "payment:".len() })
    );
    let longest = format!("payment:{}", "1".repeat(Subject::MAX_LEN - "payment:".len()));
    assert!(longest.parse::<Subject>().is_ok());
}

#[test]
fn the_messages_say_what_to_write() {
    let message = |text: &str| text.parse::<Subject>().expect_err(text).to_string();
    assert_eq!(
        message("4418273"),
        "a subject is written `kind:id`, e.g. `payment:4418273`, and this text has no `:`"
    );
    assert_eq!(
        message(":1"),
        "a subject needs a kind before its `:`, e.g. `payment` in `payment:4418273`"
    );
    assert_eq!(
        message("payment:"),
        "a subject needs an id after its `:`, e.g. `4418273` in `payment:4418273`"
    );
    assert_eq!(
        message("refund:1"),
        format!("`refund` is not a kind of subject; the kinds are {}", KINDS.join(", "))
    );
    assert_eq!(message(&"x".repeat(200)), "a subject is at most 128 bytes, and this text has 200");
}

proptest! {
    /// Any text is read without a panic, and what reads writes the same text back.
    #[test]
    fn any_text_reads_or_is_refused(text in ".{0,160}") {
        if let Ok(subject) = text.parse::<Subject>() {
            prop_assert_eq!(subject.to_string(), text);
        }
    }

    /// A subject written from any kind and any id that fits reads back equal.
    #[test]
    fn written_subjects_read_back(kind in prop::sample::select(KINDS.to_vec()), id in ".{1,25}") {
        let text = format!("{kind}:{id}");
        let subject: Subject =
            text.parse().map_err(|e: ParseSubjectError| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!((subject.kind(), subject.id()), (kind, id.as_str()));
        prop_assert_eq!(subject.to_string().parse::<Subject>(), Ok(subject));
    }
}
