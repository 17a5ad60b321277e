//! Parsing behaviour a receiver relies on: forward compatibility, strictness where it matters,
//! and errors that say where.

use std::str::FromStr;

#[cfg(feature = "payment")]
use rust_decimal::Decimal;
use serde_json::Value;
#[cfg(any(feature = "payment", feature = "order"))]
use serde_json::json;
#[cfg(feature = "payment")]
use steppay_webhooks::types::{Payment, PaymentGateway, PaymentStatus};
#[cfg(feature = "subscription")]
use steppay_webhooks::types::{SubscriptionStatus, Usage};
use steppay_webhooks::{Event, EventType, ParseErrorKind, Webhook};

use super::{domain_enabled, example, examples};

#[cfg(feature = "payment")]
fn payment_body(data: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "timestamp": 1690943620,
        "version": "v1",
        "event": "payment.completed",
        "data": data,
        "isTest": false,
    }))
    .expect("serialize")
}

#[cfg(feature = "payment")]
fn minimal_payment() -> Value {
    json!({
        "paymentId": 41235,
        "idKey": "1690943619871Xb3kQ9wLmP2rT8vY",
        "status": "COMPLETE",
        "paymentGateway": "NICE",
        "paymentMethod": "CARD",
    })
}

#[cfg(feature = "payment")]
fn payment(webhook: &Webhook) -> &Payment {
    match &webhook.event {
        Event::PaymentCompleted(payment) => payment,
        other => panic!("expected payment.completed, got {other:?}"),
    }
}

#[test]
fn an_unknown_event_type_parses_and_serializes_back_unchanged() {
    // An event type StepPay will never send, so the test holds when the catalogue grows.
    let body = r#"{"timestamp":1700000000,"version":"v1","event":"example.not_an_event","data":{"paymentId": 7, "nested": {"a": [1, 2.50, "x"]}}}"#;
    let webhook = Webhook::from_slice(body.as_bytes()).expect("unknown events parse");
    let Event::Unknown(event) = &webhook.event else {
        panic!("expected Unknown, got {:?}", webhook.event)
    };
    assert_eq!(event.event_type(), "example.not_an_event");
    assert_eq!(webhook.event.as_str(), "example.not_an_event");
    assert_eq!(webhook.event_type(), None);
    // The raw data is kept byte for byte, spacing and `2.50` included.
    assert_eq!(event.data().get(), r#"{"paymentId": 7, "nested": {"a": [1, 2.50, "x"]}}"#);
    assert_eq!(serde_json::to_string(&webhook).expect("serialize"), body);
    let data: Value = event.parse_data().expect("data is JSON");
    assert_eq!(data["paymentId"], 7);
}

#[test]
fn an_unknown_event_type_parses_when_data_comes_first() {
    let body =
        r#"{"data":{"x":1},"timestamp":1700000000,"event":"subscription.renewed","version":"v1"}"#;
    let webhook = Webhook::from_slice(body.as_bytes()).expect("parse");
    let Event::Unknown(event) = &webhook.event else { panic!("expected Unknown") };
    assert_eq!((event.event_type(), event.data().get()), ("subscription.renewed", r#"{"x":1}"#));
}

#[cfg(feature = "payment")]
#[test]
fn an_unknown_enum_value_is_kept_and_written_back() {
    let mut data = minimal_payment();
    data["status"] = json!("REFUND_PENDING");
    data["paymentGateway"] = json!("NEWPG");
    let webhook = Webhook::from_slice(&payment_body(data)).expect("unknown values parse");
    let payment = payment(&webhook);
    assert!(
        matches!(&payment.status, PaymentStatus::Unrecognized(v) if v.as_str() == "REFUND_PENDING")
    );
    assert_eq!(payment.payment_gateway.as_str(), "NEWPG");
    let written = serde_json::to_value(&webhook).expect("serialize");
    assert_eq!(written["data"]["status"], "REFUND_PENDING");
    assert_eq!(written["data"]["paymentGateway"], "NEWPG");
}

#[cfg(feature = "payment")]
#[test]
fn the_documented_value_unknown_is_not_the_catch_all() {
    let mut data = minimal_payment();
    data["paymentGateway"] = json!("UNKNOWN");
    let webhook = Webhook::from_slice(&payment_body(data)).expect("parse");
    assert_eq!(payment(&webhook).payment_gateway, PaymentGateway::Unknown);
    assert_eq!(PaymentGateway::from("UNKNOWN"), PaymentGateway::Unknown);
    assert!(matches!(PaymentGateway::from("UNKNOWN_2"), PaymentGateway::Unrecognized(_)));
}

#[cfg(feature = "subscription")]
#[test]
fn open_enums_convert_from_and_to_text() {
    for status in SubscriptionStatus::KNOWN {
        assert_eq!(&SubscriptionStatus::from(status.as_str()), status);
        assert_eq!(status.to_string(), status.as_str());
    }
    assert_eq!(SubscriptionStatus::from_str("PENDING_PAUSE"), Ok(SubscriptionStatus::PendingPause));
    // A value built from text equals the parsed one: documented text never lands in the catch-all.
    assert_eq!(SubscriptionStatus::from("ACTIVE"), SubscriptionStatus::Active);
    assert_ne!(SubscriptionStatus::from("active"), SubscriptionStatus::Active);
}

#[cfg(feature = "payment")]
#[test]
fn absent_and_null_read_alike() {
    let mut with_nulls = minimal_payment();
    for key in [
        "orderId",
        "customerId",
        "payer",
        "paidAmount",
        "paidAt",
        "cancel",
        "vBank",
        "niceCms",
        "paymentOnly",
    ] {
        with_nulls[key] = Value::Null;
    }
    let absent = Webhook::from_slice(&payment_body(minimal_payment())).expect("absent");
    let null = Webhook::from_slice(&payment_body(with_nulls)).expect("null");
    assert_eq!(absent, null);
    assert_eq!(payment(&absent).paid_amount, None);
    assert_eq!(payment(&absent).paid_at, None);
}

#[cfg(feature = "payment")]
#[test]
fn fields_steppay_adds_later_are_ignored() {
    let mut data = minimal_payment();
    data["refundPolicy"] = json!({ "days": 7 });
    data["currency"] = json!("KRW");
    let mut body: Value = serde_json::from_slice(&payment_body(data)).expect("json");
    body["deliveryId"] = json!("d-1");
    let webhook = Webhook::from_slice(&serde_json::to_vec(&body).expect("json")).expect("parse");
    assert_eq!(webhook, Webhook::from_slice(&payment_body(minimal_payment())).expect("parse"));
}

#[cfg(feature = "payment")]
#[test]
fn a_wrong_type_in_a_known_event_is_an_error_naming_the_field() {
    let mut data = minimal_payment();
    data["paidAmount"] = json!("1000");
    let error = Webhook::from_slice(&payment_body(data)).expect_err("a string amount is rejected");
    assert_eq!(error.kind(), ParseErrorKind::Data);
    assert_eq!(error.event_type(), Some("payment.completed"));
    assert_eq!(error.path(), "data.paidAmount");
    let message = error.to_string();
    assert!(
        message.contains("payment.completed") && message.contains("data.paidAmount"),
        "{message}"
    );
    assert!(message.contains("expected a decimal number"), "{message}");
}

#[cfg(feature = "order")]
#[test]
fn errors_name_nested_paths_whichever_comes_first() {
    let body = example("order.payment_completed");
    let mut order: Value = serde_json::from_str(&body).expect("json");
    order["data"]["items"][1]["quantity"] = json!("two");
    let event_first = serde_json::to_vec(&order).expect("json");
    let error = Webhook::from_slice(&event_first).expect_err("rejected");
    assert_eq!(error.path(), "data.items[1].quantity");

    // The same body with `data` before `event`.
    let data = order["data"].take();
    let data_first = format!(
        r#"{{"data":{data},"timestamp":1700000000,"version":"v1","event":"order.payment_completed"}}"#
    );
    let error = Webhook::from_slice(data_first.as_bytes()).expect_err("rejected");
    assert_eq!((error.kind(), error.path()), (ParseErrorKind::Data, "data.items[1].quantity"));
    // The reported column points into the body at the offending value.
    let at = data_first.find(r#""quantity":"two""#).expect("present") + r#""quantity":"two""#.len();
    assert_eq!((error.line(), error.column()), (1, at));
}

#[cfg(feature = "payment")]
#[test]
fn a_known_event_with_a_missing_required_field_is_an_error() {
    let mut data = minimal_payment();
    data.as_object_mut().expect("object").remove("idKey");
    let error = Webhook::from_slice(&payment_body(data)).expect_err("rejected");
    assert_eq!(error.kind(), ParseErrorKind::Data);
    assert!(error.to_string().contains("missing field `idKey`"), "{error}");
}

#[test]
fn envelope_and_syntax_errors_are_told_apart() {
    let error = Webhook::from_slice(
        br#"{"timestamp":"soon","version":"v1","event":"payment.completed","data":{}}"#,
    )
    .expect_err("rejected");
    assert_eq!((error.kind(), error.path()), (ParseErrorKind::Envelope, "timestamp"));
    assert_eq!(error.event_type(), Some("payment.completed"));

    let error =
        Webhook::from_slice(br#"{"timestamp":1,"version":"v1","data":{}}"#).expect_err("rejected");
    assert_eq!(error.kind(), ParseErrorKind::Envelope);
    assert!(error.to_string().contains("missing field `event`"), "{error}");

    let error = Webhook::from_slice(br#"{"timestamp":1,"version":"v1","event":"payment.comp"#)
        .expect_err("cut");
    assert_eq!(error.kind(), ParseErrorKind::Syntax);
    let error = Webhook::from_slice(b"\xff\xfe").expect_err("not UTF-8");
    assert_eq!(error.kind(), ParseErrorKind::Syntax);
}

#[test]
fn a_duplicate_envelope_key_is_an_error() {
    let error = Webhook::from_slice(
        br#"{"timestamp":1,"version":"v1","event":"payment.completed","event":"order.created","data":{}}"#,
    )
    .expect_err("rejected");
    assert!(error.to_string().contains("duplicate field `event`"), "{error}");
}

#[test]
fn key_order_does_not_matter() {
    let body: Value = serde_json::from_str(&example("subscription.usage.added")).expect("json");
    let event_first = Webhook::from_slice(body.to_string().as_bytes()).expect("parse");
    let reversed = format!(
        r#"{{"data":{},"event":"subscription.usage.added","version":"v1","timestamp":{}}}"#,
        body["data"], body["timestamp"]
    );
    let data_first = Webhook::from_slice(reversed.as_bytes()).expect("parse");
    assert_eq!(data_first, event_first);
    // Through serde_json::Value, whose map sorts `data` before `event`.
    let via_value: Webhook = serde_json::from_value(body).expect("from_value");
    assert_eq!(via_value, event_first);
}

#[cfg(feature = "payment")]
#[test]
fn decimals_are_exact_and_written_as_numbers() {
    for (written, expected) in [
        ("0", "0"),
        ("10000.0", "10000"),
        ("1500.5", "1500.5"),
        ("0.1", "0.1"),
        ("99999999999", "99999999999"),
    ] {
        let body = payment_body(minimal_payment());
        let body = String::from_utf8(body).expect("utf-8").replacen(
            "\"paymentId\"",
            &format!("\"paidAmount\":{written},\"paymentId\""),
            1,
        );
        let webhook =
            Webhook::from_slice(body.as_bytes()).unwrap_or_else(|e| panic!("{written}: {e}"));
        assert_eq!(
            payment(&webhook).paid_amount,
            Some(Decimal::from_str(expected).expect("decimal"))
        );
        let back = serde_json::to_value(&webhook).expect("serialize");
        assert!(back["data"]["paidAmount"].is_number(), "{written}");
        assert_eq!(back["data"]["paidAmount"].as_f64(), written.parse::<f64>().ok());
    }
}

#[cfg(feature = "payment")]
#[test]
fn local_date_times_keep_their_precision_and_steppay_spelling() {
    for text in [
        "2023-07-07T01:35:42",
        "2023-06-19T06:19:55.403711",
        "2023-06-19T06:19:55.4",
        "2023-06-19T06:19:55.123456789",
    ] {
        let mut data = minimal_payment();
        data["paidAt"] = json!(text);
        let webhook =
            Webhook::from_slice(&payment_body(data)).unwrap_or_else(|e| panic!("{text}: {e}"));
        let back = serde_json::to_value(&webhook).expect("serialize");
        assert_eq!(back["data"]["paidAt"], text);
    }
    let mut data = minimal_payment();
    data["paidAt"] = json!("2023-07-07T01:35:42+09:00");
    let error =
        Webhook::from_slice(&payment_body(data)).expect_err("an offset is not a LocalDateTime");
    assert_eq!(error.path(), "data.paidAt");
}

#[cfg(feature = "payment")]
#[test]
fn string_and_number_ids_are_typed_as_steppay_sends_them() {
    let mut data = minimal_payment();
    data["paymentId"] = json!("41235");
    let error = Webhook::from_slice(&payment_body(data)).expect_err("Payment.paymentId is a Long");
    assert_eq!(error.path(), "data.paymentId");
    // `Payment.orderId` is documented as a string and may come as a number (see lenient_ids.rs).
    let mut data = minimal_payment();
    data["orderId"] = json!(183682);
    let webhook = Webhook::from_slice(&payment_body(data)).expect("Payment.orderId is lenient");
    assert_eq!(payment(&webhook).order_id.as_deref(), Some("183682"));
}

#[cfg(feature = "subscription")]
#[test]
fn optional_envelope_fields_and_metadata() {
    let body = example("subscription.usage.added");
    let webhook = Webhook::from_slice(body.as_bytes()).expect("parse");
    assert_eq!(webhook.version, "v1");
    let sent_at = webhook.sent_at().expect("in range");
    assert_eq!(sent_at.timestamp(), webhook.timestamp);
    let Event::SubscriptionUsageAdded(usage) = &webhook.event else { panic!("usage") };
    let usage: &Usage = usage;
    // StepPay's own Usage example leaves out `deltaQuota`, documented as non-null.
    assert!(usage.record_quotas.iter().all(|r| r.delta_quota.is_none()));
    assert_eq!(Webhook::from_str(&body).expect("FromStr"), webhook);
}

#[test]
fn event_types_are_listed_and_convert() {
    // Each event type with an example, once: known exactly when its domain's feature is on.
    let mut expected = std::collections::BTreeSet::new();
    for (name, bytes) in examples() {
        let body: Value = serde_json::from_slice(&bytes).expect("JSON");
        let event = body["event"].as_str().expect("event");
        let parsed = EventType::from_str(event);
        if domain_enabled(event) {
            let event_type = parsed.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(event_type.as_str(), event);
            expected.insert(event_type);
        } else {
            assert_eq!(parsed.map_err(|e| e.value().to_owned()), Err(event.to_owned()), "{name}");
        }
    }
    // No duplicates, none without an example, in a stable order.
    assert_eq!(EventType::ALL.iter().copied().collect::<std::collections::BTreeSet<_>>(), expected);
    assert_eq!(EventType::ALL.len(), expected.len());
    for event_type in EventType::ALL {
        assert_eq!(EventType::from_str(event_type.as_str()), Ok(*event_type));
        assert_eq!(event_type.to_string(), event_type.as_str());
    }
    #[cfg(feature = "subscription")]
    assert_eq!(
        EventType::from_str("subscription.usage.added"),
        Ok(EventType::SubscriptionUsageAdded)
    );
    let error = EventType::from_str("example.not_an_event").expect_err("unknown");
    assert_eq!(error.value(), "example.not_an_event");
}

#[cfg(feature = "order")]
#[test]
fn serde_errors_name_the_event_type_and_the_path_too() {
    let body = example("order.payment_completed");
    let mut order: Value = serde_json::from_str(&body).expect("json");
    order["data"]["items"][1]["quantity"] = json!("two");
    let event_first = format!(
        r#"{{"timestamp":1700000000,"version":"v1","event":"order.payment_completed","data":{}}}"#,
        order["data"]
    );
    let expected = "invalid `order.payment_completed` webhook at `data.items[1].quantity`: invalid type: string (value not shown), expected i32";

    let from_str = serde_json::from_str::<Webhook>(&event_first).expect_err("rejected");
    assert!(from_str.is_data(), "{from_str}");
    assert!(from_str.to_string().starts_with(expected), "{from_str}");
    // serde_json adds the position, as for any error: the character after the offending value.
    let end =
        event_first.find(r#""quantity":"two""#).expect("present") + r#""quantity":"two""#.len();
    assert_eq!((from_str.line(), from_str.column()), (1, end + 1));

    // serde_json's `Value` sorts `data` before `event`: the path is the same.
    let from_value = serde_json::from_value::<Webhook>(order).expect_err("rejected");
    assert_eq!(from_value.to_string(), expected);

    // And `from_slice` says the same, as a typed error.
    let parsed = Webhook::from_slice(event_first.as_bytes()).expect_err("rejected");
    assert!(parsed.to_string().starts_with(expected), "{parsed}");
}

#[test]
fn serde_errors_in_the_envelope_name_the_field() {
    let error = serde_json::from_str::<Webhook>(
        r#"{"timestamp":"soon","version":"v1","event":"payment.completed","data":{}}"#,
    )
    .expect_err("rejected");
    assert!(error.is_data());
    assert!(
        error.to_string().starts_with(
            "invalid webhook at `timestamp`: invalid type: string (value not shown), expected i64"
        ),
        "{error}"
    );
}

#[test]
fn serde_syntax_errors_stay_syntax_errors() {
    // Frameworks answer a syntax error with 400 and bad data with 422, by serde_json's category.
    let cut = r#"{"timestamp":1,"version":"v1","event":"payment.completed","data":{"paymentId":1"#;
    let error = serde_json::from_str::<Webhook>(cut).expect_err("cut short");
    assert!(error.is_eof(), "{error}");
    let broken =
        r#"{"timestamp":1,"version":"v1","event":"payment.completed","data":{"paymentId":tru}}"#;
    let error = serde_json::from_str::<Webhook>(broken).expect_err("not JSON");
    assert!(error.is_syntax(), "{error}");
    let error = Webhook::from_slice(broken.as_bytes()).expect_err("not JSON");
    assert_eq!(error.kind(), ParseErrorKind::Syntax);
}

#[test]
fn an_unknown_events_debug_does_not_print_its_data() {
    let body = br#"{"timestamp":1,"version":"v1","event":"example.not_an_event","data":{"email":"kim@example.com"}}"#;
    let webhook = Webhook::from_slice(body).expect("parse");
    let printed = format!("{webhook:?}");
    assert!(
        printed.contains("example.not_an_event") && !printed.contains("kim@example.com"),
        "{printed}"
    );
}

#[cfg(feature = "payment")]
#[test]
fn error_messages_do_not_repeat_payload_values() {
    let mut data = minimal_payment();
    data["paidAmount"] = json!("010-9876-5432");
    data["paymentId"] = json!(1);
    let body = payment_body(data.clone());
    let from_slice = Webhook::from_slice(&body).expect_err("rejected").to_string();
    data["paidAmount"] = json!(1);
    data["productName"] = json!(1098765432);
    let as_number = Webhook::from_slice(&payment_body(data)).expect_err("rejected").to_string();
    let via_serde = serde_json::from_slice::<Webhook>(&body).expect_err("rejected").to_string();
    for message in [&from_slice, &as_number, &via_serde] {
        assert!(!message.contains("9876") && message.contains("(value not shown)"), "{message}");
    }
    assert!(from_slice.contains("data.paidAmount") && as_number.contains("data.productName"));
}
