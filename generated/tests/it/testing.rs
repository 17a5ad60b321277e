//! The `testing` module (feature `test-util`), used as a user would: the examples against the
//! catalogue's files, and signed and broken requests against a router built as the README builds
//! it, with `tower::ServiceExt::oneshot` (no socket).

use steppay_webhooks::testing::{self, broken};
use steppay_webhooks::verify::{Verifier, VerifyError};
use steppay_webhooks::{EventType, Webhook};

use super::example;

const SECRET: &str = "whsec_testing_8c1f";

#[test]
fn every_event_type_has_its_example_byte_for_byte() {
    for &event_type in EventType::ALL {
        let found = testing::example(event_type);
        assert_eq!(found.event_type, event_type);
        assert_eq!(
            found.body,
            example(event_type.as_str()).as_bytes(),
            "{event_type}: not the bytes of schema/examples/"
        );
        assert_eq!(found.webhook, Webhook::from_slice(found.body).expect("parses"));
        assert_eq!(found.webhook.event_type(), Some(event_type));
        // The example's Debug shows neither its bytes nor the personal data in them.
        let debug = format!("{found:?}");
        assert!(debug.contains(&format!("<{} bytes>", found.body.len())), "{debug}");
    }
    let all: Vec<EventType> = testing::examples().map(|e| e.event_type).collect();
    assert_eq!(all, EventType::ALL);
}

#[test]
fn each_json_schema_is_the_one_of_its_payload_type() {
    for &event_type in EventType::ALL {
        let schema: serde_json::Value =
            serde_json::from_str(testing::json_schema(event_type)).expect("JSON");
        assert_eq!(schema["title"], event_type.schema(), "{event_type}");
    }
}

#[test]
fn signed_and_broken_deliveries_verify_as_a_receiver_sees_them() {
    let body = br#"{"timestamp":1,"version":"v1","event":"order.refunded","data":{}}"#;
    let now = 1_800_000_000;
    let verifier = Verifier::new([SECRET]).expect("secret").clock(move || now);
    let check =
        |delivery: &testing::SignedDelivery| verifier.verify(delivery.header(), delivery.body());

    let signed = testing::sign_delivery(SECRET, body, now);
    assert_eq!(signed.body(), body);
    assert_eq!(check(&signed), Ok(()));
    // Debug shows the header as parsed, its timestamp and label, and never the signature.
    let debug = format!("{signed:?}");
    assert_eq!(
        debug,
        format!(
            r#"SignedDelivery {{ Steppay-Signature: SignatureHeader {{ timestamp: {now}, signatures: ["key=<redacted>"] }}, body: <{} bytes> }}"#,
            body.len()
        )
    );
    let signature = signed.header().and_then(|h| h.rsplit_once("key=")).expect("signed").1;
    assert!(!debug.contains(signature), "{debug}");
    assert!(format!("{:?}", broken::missing_header(body)).contains("Steppay-Signature: None"));

    assert_eq!(
        check(&broken::wrong_secret(SECRET, body, now)),
        Err(VerifyError::NoMatchingSignature)
    );
    assert!(matches!(
        check(&broken::stale(SECRET, body, now)),
        Err(VerifyError::TimestampTooOld { age, .. }) if age == 8 * 24 * 60 * 60
    ));
    assert_eq!(check(&broken::missing_header(body)), Err(VerifyError::MissingHeader));
    let changed = broken::body_changed_after_signing(SECRET, body, now);
    assert_ne!(changed.body(), body);
    assert_eq!(check(&changed), Err(VerifyError::NoMatchingSignature));
}

#[cfg(feature = "axum")]
mod router {
    use std::sync::{Arc, Mutex};

    use axum::Router;
    use axum::http::StatusCode;
    use steppay_webhooks::receive::Receiver;
    use steppay_webhooks::testing::{self, broken};
    use steppay_webhooks::verify::Verifier;
    use steppay_webhooks::{Handler, HandlerError};
    use tower::ServiceExt as _;

    use super::SECRET;
    use crate::dispatch::{EXPECTED, Recorder};
    use crate::domain_enabled;

    /// The app as the README builds it: a `Receiver` mounted at `/webhooks/steppay`.
    fn app<H: Handler + Send + Sync + 'static>(handler: H) -> Router {
        let verifier = Verifier::new([SECRET]).expect("a secret");
        Router::new()
            .route("/webhooks/steppay", Receiver::new(verifier, handler).into_method_router())
    }

    async fn status_and_text(
        app: Router,
        request: http::Request<http_body_util::Full<bytes::Bytes>>,
    ) -> (StatusCode, String) {
        let response = app.oneshot(request).await.expect("infallible");
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("body");
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    #[tokio::test]
    async fn every_example_signed_reaches_its_handler_method() {
        let recorder = Recorder::default();
        for example in testing::examples() {
            let before = recorder.calls().len();
            let request = testing::signed_request(SECRET, example.body, testing::now());
            let (status, text) = status_and_text(app(recorder.clone()), request).await;
            let event_type = example.event_type.as_str();
            assert_eq!(status, StatusCode::OK, "{event_type}: {text}");
            let method = EXPECTED.iter().find(|(_, e)| *e == event_type).expect("listed").0;
            let reached = if domain_enabled(event_type) { method } else { "unknown_event" };
            assert_eq!(recorder.calls()[before..], [(reached, event_type.to_owned())]);
        }
        assert_eq!(recorder.calls().len(), steppay_webhooks::EventType::ALL.len());
    }

    #[tokio::test]
    async fn broken_requests_are_refused_and_reach_no_handler() {
        let recorder = Recorder::default();
        let body = testing::examples().next().expect("an example").body;
        let now = testing::now();
        for (what, delivery) in [
            ("wrong secret", broken::wrong_secret(SECRET, body, now)),
            ("stale", broken::stale(SECRET, body, now)),
            ("missing header", broken::missing_header(body)),
            ("changed body", broken::body_changed_after_signing(SECRET, body, now)),
        ] {
            let (status, text) = status_and_text(app(recorder.clone()), delivery.request()).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}: {text}");
        }
        assert!(recorder.calls().is_empty());
    }

    #[cfg(feature = "payment")]
    #[tokio::test]
    async fn a_changed_example_reaches_the_handler_changed() {
        use steppay_webhooks::types::{Payment, PaymentStatus};
        use steppay_webhooks::{Delivery, Event, EventType};

        /// The amount and status of a completed payment.
        type Paid = (Option<String>, PaymentStatus);

        /// Records every completed payment.
        #[derive(Clone, Default)]
        struct Payments(Arc<Mutex<Vec<Paid>>>);

        impl Handler for Payments {
            async fn payment_completed(
                &self,
                _: &Delivery<'_>,
                payment: &Payment,
            ) -> Result<(), HandlerError> {
                let amount = payment.paid_amount.map(|a| a.to_string());
                self.0.lock().expect("not poisoned").push((amount, payment.status.clone()));
                Ok(())
            }
        }

        let original = testing::example(EventType::PaymentCompleted);
        let mut webhook = original.webhook.clone();
        let Event::PaymentCompleted(payment) = &mut webhook.event else { panic!("a payment") };
        assert_ne!(payment.status, PaymentStatus::PartialCanceled, "the example must differ");
        payment.paid_amount = Some("1234.5".parse().expect("a decimal"));
        payment.status = PaymentStatus::PartialCanceled;

        let payments = Payments::default();
        let request = testing::signed_request(SECRET, &webhook, testing::now());
        let (status, text) = status_and_text(app(payments.clone()), request).await;
        assert_eq!(status, StatusCode::OK, "{text}");
        let unchanged = testing::signed_request(SECRET, original.body, testing::now());
        let (status, _) = status_and_text(app(payments.clone()), unchanged).await;
        assert_eq!(status, StatusCode::OK);
        let Event::PaymentCompleted(before) = &original.webhook.event else { panic!("a payment") };
        assert_eq!(
            *payments.0.lock().expect("not poisoned"),
            [
                (Some("1234.5".to_owned()), PaymentStatus::PartialCanceled),
                (before.paid_amount.map(|a| a.to_string()), before.status.clone()),
            ]
        );
    }

    #[tokio::test]
    async fn a_request_to_another_path_goes_there() {
        let body = testing::examples().next().expect("an example").body;
        let request = testing::sign_delivery(SECRET, body, testing::now())
            .request_to(http::Uri::from_static("/elsewhere"));
        let (status, _) = status_and_text(app(Recorder::default()), request).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}
