//! Ids StepPay documents as strings but may send as JSON integers (`lenient: true` in the
//! catalogue, `LenientId` in the crate): both forms parse, read as text, and go back out in the
//! form they came in.

use std::collections::BTreeMap;
use std::hash::{BuildHasher, RandomState};

#[cfg(feature = "payment")]
use proptest::prelude::*;
#[cfg(any(feature = "payment", feature = "cover"))]
use serde_json::Value;
#[cfg(feature = "payment")]
use serde_json::json;
use steppay_webhooks::LenientId;
#[cfg(any(feature = "payment", feature = "cover"))]
use steppay_webhooks::{Event, Webhook};
#[cfg(feature = "payment")]
use steppay_webhooks::{ParseErrorKind, types::Payment};

#[cfg(feature = "payment")]
fn payment_body(customer_id: &str) -> String {
    // Compact and in the crate's field order, so that a round trip gives back the same text.
    format!(
        concat!(
            r#"{{"timestamp":1751358972,"version":"v1","event":"payment.completed","data":{{"#,
            r#""paymentId":4583310,"idKey":"1751358941077pL4mN8qR2sT6vW0x","#,
            r#""orderId":"20250701017","customerId":{customer_id},"#,
            r#""status":"COMPLETE","paymentGateway":"KG","paymentMethod":"CARD"}},"isTest":false}}"#,
        ),
        customer_id = customer_id,
    )
}

#[cfg(feature = "payment")]
fn payment(webhook: &Webhook) -> &Payment {
    match &webhook.event {
        Event::PaymentCompleted(payment) => payment,
        other => panic!("expected payment.completed, got {other:?}"),
    }
}

/// An example delivery of `schema/examples/extra/`, as text.
#[cfg(any(feature = "payment", feature = "cover"))]
fn extra_example(name: &str) -> String {
    let path = super::examples_dir().join("extra").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `data.customerId` of a serialized webhook, as JSON text.
#[cfg(feature = "payment")]
fn written_customer_id(webhook: &Webhook) -> String {
    let written = serde_json::to_string(webhook).expect("serialize");
    let value: Value = serde_json::from_str(&written).expect("JSON");
    value["data"]["customerId"].to_string()
}

#[cfg(feature = "payment")]
#[test]
fn a_numeric_customer_id_parses_reads_as_text_and_is_written_back_as_a_number() {
    let body = payment_body("12345");
    let parsed = Webhook::from_slice(body.as_bytes()).expect("from_slice");
    let via_serde: Webhook = serde_json::from_str(&body).expect("serde");
    assert_eq!(parsed, via_serde);
    for webhook in [&parsed, &via_serde] {
        let payment = payment(webhook);
        assert_eq!(payment.customer_id.as_deref(), Some("12345"));
        let id = payment.customer_id.as_ref().expect("present");
        assert!(id.is_number());
        assert_eq!(id.to_string(), "12345");
        assert_eq!(format!("{:?}", payment.customer_id), r#"Some("12345")"#);
        assert_eq!(written_customer_id(webhook), "12345");
    }
    // The body goes back out as it came, digit for digit.
    assert_eq!(serde_json::to_string(&parsed).expect("serialize"), body);
}

#[cfg(feature = "payment")]
#[test]
fn a_string_customer_id_stays_a_string() {
    let webhook = Webhook::from_slice(payment_body(r#""12345""#).as_bytes()).expect("parse");
    let id = payment(&webhook).customer_id.as_ref().expect("present");
    assert_eq!(id, "12345");
    assert!(!id.is_number());
    assert_eq!(written_customer_id(&webhook), r#""12345""#);
    // The same id, whichever form it came in.
    let numeric = Webhook::from_slice(payment_body("12345").as_bytes()).expect("parse");
    assert_eq!(payment(&numeric).customer_id.as_ref(), Some(id));
}

#[cfg(feature = "payment")]
#[test]
fn an_integer_beyond_i64_round_trips_and_one_beyond_u64_is_refused() {
    for digits in ["9223372036854775808", "18446744073709551615", "-9223372036854775808", "0"] {
        let body = payment_body(digits);
        let webhook = Webhook::from_slice(body.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(payment(&webhook).customer_id.as_deref(), Some(digits));
        assert_eq!(serde_json::to_string(&webhook).expect("serialize"), body);
        let via_serde: Webhook = serde_json::from_str(&body).expect("serde");
        assert_eq!(serde_json::to_string(&via_serde).expect("serialize"), body);
    }
    // serde_json reads 2^64 as a float; rounding it would change the id, so it is refused.
    let error = Webhook::from_slice(payment_body("18446744073709551616").as_bytes())
        .expect_err("beyond u64");
    assert_eq!((error.kind(), error.path()), (ParseErrorKind::Data, "data.customerId"));
}

#[cfg(feature = "payment")]
#[test]
fn other_kinds_of_value_are_errors_naming_the_path_and_not_the_value() {
    for (value, kind) in [
        ("98765.25", "floating point"),
        ("98765e3", "floating point"),
        ("true", "boolean"),
        (r#"{"no":"98765"}"#, "map"),
        ("[98765]", "sequence"),
    ] {
        let body = payment_body(value);
        let error = Webhook::from_slice(body.as_bytes()).expect_err(value);
        assert_eq!(error.kind(), ParseErrorKind::Data, "{value}");
        assert_eq!(error.event_type(), Some("payment.completed"));
        assert_eq!(error.path(), "data.customerId", "{value}");
        let via_serde = serde_json::from_str::<Webhook>(&body).expect_err(value);
        assert!(via_serde.is_data(), "{value}: {via_serde}");
        for message in [error.to_string(), via_serde.to_string()] {
            assert!(message.contains("data.customerId"), "{message}");
            assert!(
                message
                    .contains(&format!("invalid type: {kind}, expected a string or an integer id")),
                "{message}"
            );
            assert!(!message.contains("98765") && !message.contains("true"), "{message}");
        }
    }
}

#[cfg(feature = "payment")]
#[test]
fn the_numeric_ids_example_reads_as_text() {
    let body = extra_example("payment-completed-numeric-ids.json");
    let webhook = Webhook::from_slice(body.as_bytes()).expect("parse");
    let payment = payment(&webhook);
    assert_eq!(payment.order_id.as_deref(), Some("20250701017"));
    assert_eq!(payment.customer_id.as_deref(), Some("10482"));
    let written = serde_json::to_value(&webhook).expect("serialize");
    assert_eq!(written["data"]["orderId"], json!(20250701017_u64));
    assert_eq!(written["data"]["customerId"], json!(10482));
}

#[cfg(feature = "cover")]
#[test]
fn cover_ids_take_either_form_and_are_required() {
    let body = extra_example("cover-sent-message-numeric-ids.json");
    let webhook = Webhook::from_slice(body.as_bytes()).expect("parse");
    let Event::CoverSentMessage(cover) = &webhook.event else { panic!("cover.sent_message") };
    assert_eq!(
        (cover.customer_id.as_str(), cover.order_id.as_str(), cover.subscription_id.as_str()),
        ("243562", "921874", "59107")
    );
    assert!(cover.customer_id.is_number() && cover.subscription_id.is_number());
    let strings = super::example("cover.sent_message");
    let webhook = Webhook::from_slice(strings.as_bytes()).expect("parse");
    let Event::CoverSentMessage(cover) = &webhook.event else { panic!("cover.sent_message") };
    assert!(!cover.order_id.is_number());

    // Not nullable: `null` is a wrong type, and a missing id a missing field.
    let mut null: Value = serde_json::from_str(&body).expect("JSON");
    null["data"]["orderId"] = Value::Null;
    let error = Webhook::from_slice(null.to_string().as_bytes()).expect_err("null");
    assert_eq!(error.path(), "data.orderId");
    assert!(error.to_string().contains("expected a string or an integer id"), "{error}");
    let mut missing = null;
    missing["data"].as_object_mut().expect("object").remove("orderId");
    let error = Webhook::from_slice(missing.to_string().as_bytes()).expect_err("missing");
    assert!(error.to_string().contains("missing field `orderId`"), "{error}");
}

#[cfg(feature = "payment")]
proptest! {
    #[test]
    fn any_i64_round_trips_exactly(number in any::<i64>()) {
        let body = payment_body(&number.to_string());
        let webhook = Webhook::from_slice(body.as_bytes()).expect("parse");
        let id = payment(&webhook).customer_id.clone().expect("present");
        prop_assert!(id.is_number());
        prop_assert_eq!(id.as_str(), number.to_string());
        prop_assert_eq!(serde_json::to_string(&webhook).expect("serialize"), body);
    }

    #[test]
    fn any_u64_round_trips_exactly(number in any::<u64>()) {
        let body = payment_body(&number.to_string());
        let webhook: Webhook = serde_json::from_str(&body).expect("parse");
        let digits = number.to_string();
        prop_assert_eq!(payment(&webhook).customer_id.as_deref(), Some(digits.as_str()));
        prop_assert_eq!(serde_json::to_string(&webhook).expect("serialize"), body);
    }

    #[test]
    fn any_string_round_trips_exactly(text in any::<String>()) {
        let body = payment_body(&serde_json::to_string(&text).expect("a JSON string"));
        let webhook = Webhook::from_slice(body.as_bytes()).expect("parse");
        let id = payment(&webhook).customer_id.clone().expect("present");
        prop_assert!(!id.is_number());
        prop_assert_eq!(id.as_str(), text.as_str());
        prop_assert_eq!(serde_json::to_string(&webhook).expect("serialize"), body);
    }
}

#[test]
fn a_lenient_id_reads_as_text() {
    let number = LenientId::from(183682_u64);
    let text = LenientId::from("183682");
    assert_eq!((number.as_str(), &*text, text.as_ref()), ("183682", "183682", "183682"));
    assert_eq!(format!("{number} {number:?}"), r#"183682 "183682""#);
    assert!(number.is_number() && !text.is_number());
    // Equal, ordered and hashed by the text, whichever form it came in.
    assert_eq!(number, text);
    let owned = String::from("183682");
    assert!(number == "183682" && number == *"183682" && number == owned);
    assert!("183682" == number && *"183682" == number && owned == number);
    let (ten, nine) = (LenientId::from(10_i64), LenientId::from("9"));
    assert!(ten < nine, "ordered as text");
    let hasher = RandomState::new();
    assert_eq!(hasher.hash_one(&number), hasher.hash_one("183682"));
    let mut orders = BTreeMap::new();
    orders.insert(number.clone(), "paid");
    assert_eq!(orders.get("183682"), Some(&"paid"));
    // Built from a number, it serializes as one; from text, as a string.
    assert_eq!(serde_json::to_string(&number).expect("serialize"), "183682");
    assert_eq!(serde_json::to_string(&text).expect("serialize"), r#""183682""#);
    assert_eq!(serde_json::to_string(&LenientId::from(-7_i64)).expect("serialize"), "-7");
    assert_eq!(String::from(LenientId::from(String::from("mb-1"))), "mb-1");
}

#[test]
fn a_nullable_id_is_an_option() {
    let id: Option<LenientId> = serde_json::from_str("null").expect("null");
    assert_eq!(id, None);
    let id: Option<LenientId> = serde_json::from_str("42").expect("a number");
    assert_eq!(id.as_deref(), Some("42"));
    assert_eq!(serde_json::to_string(&id).expect("serialize"), "42");
}
