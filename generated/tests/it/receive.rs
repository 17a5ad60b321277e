//! The axum integration over a real socket: a server on 127.0.0.1:0, a real HTTP client, real
//! signatures.

use std::net::SocketAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::http::StatusCode;
#[cfg(feature = "order")]
use axum::routing::post;
#[cfg(feature = "order")]
use steppay_webhooks::Event;
use steppay_webhooks::Handler;
#[cfg(feature = "order")]
use steppay_webhooks::axum::VerifiedWebhook;
use steppay_webhooks::receive::Receiver;
use steppay_webhooks::verify::{Verifier, sign};

#[cfg(feature = "payment")]
use super::dispatch::FailingPayments;
use super::dispatch::{EXPECTED, Recorder};
use super::{domain_enabled, example, examples};

const SECRET: &str = "whsec_e2e_4b1d9a";
const PATH: &str = "/webhooks/steppay";

fn now() -> i64 {
    let elapsed = SystemTime::now().duration_since(UNIX_EPOCH).expect("after 1970");
    i64::try_from(elapsed.as_secs()).expect("fits")
}

/// Serves `app` on an ephemeral loopback port until the test's runtime ends.
async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    address
}

async fn receiver<H: Handler + Send + Sync + 'static>(handler: H, body_limit: usize) -> SocketAddr {
    let verifier = Verifier::new([SECRET]).expect("secret");
    let endpoint = Receiver::new(verifier, handler).body_limit(body_limit);
    serve(Router::new().route(PATH, endpoint.into_method_router())).await
}

fn client() -> reqwest::Client {
    // Loopback only: never route through a proxy from the environment.
    reqwest::Client::builder().no_proxy().build().expect("client")
}

async fn post_body(
    address: SocketAddr,
    signature: Option<String>,
    body: Vec<u8>,
) -> (StatusCode, String) {
    let mut request = client()
        .post(format!("http://{address}{PATH}"))
        .header("content-type", "application/json")
        .body(body);
    if let Some(signature) = signature {
        // Lower-case, as StepPay sends it.
        request = request.header("steppay-signature", signature);
    }
    let response = request.send().await.expect("request");
    let status = StatusCode::from_u16(response.status().as_u16()).expect("status");
    (status, response.text().await.expect("body"))
}

async fn post_signed(address: SocketAddr, body: &[u8]) -> (StatusCode, String) {
    post_body(address, Some(sign(SECRET, now(), body)), body.to_vec()).await
}

#[tokio::test]
async fn every_example_is_received_and_reaches_its_handler_method() {
    let recorder = Recorder::default();
    let address = receiver(recorder.clone(), 256 * 1024).await;
    for (method, event_type) in EXPECTED {
        let before = recorder.calls().len();
        let (status, text) = post_signed(address, example(event_type).as_bytes()).await;
        assert_eq!(status, StatusCode::OK, "{event_type}: {text}");
        let reached = if domain_enabled(event_type) { *method } else { "unknown_event" };
        assert_eq!(
            recorder.calls()[before..],
            [(reached, (*event_type).to_owned())],
            "{event_type}"
        );
    }
    for (name, bytes) in examples().into_iter().filter(|(name, _)| name.starts_with("extra/")) {
        let (status, text) = post_signed(address, &bytes).await;
        assert_eq!(status, StatusCode::OK, "{name}: {text}");
    }
}

#[tokio::test]
async fn a_bad_signature_gets_401_and_reaches_no_handler() {
    let recorder = Recorder::default();
    let address = receiver(recorder.clone(), 256 * 1024).await;
    let body = example("payment.completed").into_bytes();
    let forged = sign("not-the-secret", now(), &body);
    let (status, text) = post_body(address, Some(forged), body.clone()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(!text.contains(SECRET), "{text}");
    let (status, _) = post_body(address, None, body.clone()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let stale = sign(SECRET, now() - 3600, &body);
    let (status, text) = post_body(address, Some(stale), body.clone()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(text.contains("old"), "{text}");
    // A valid signature over another body does not carry over.
    let other = sign(SECRET, now(), b"{}");
    let (status, _) = post_body(address, Some(other), body).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(recorder.calls().is_empty());
}

#[tokio::test]
async fn an_oversized_body_gets_413() {
    let recorder = Recorder::default();
    let address = receiver(recorder.clone(), 4 * 1024).await;
    let body = example("product.updated").into_bytes();
    assert!(body.len() > 4 * 1024, "the example must exceed the limit for this test");
    let (status, _) = post_signed(address, &body).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(recorder.calls().is_empty());
}

#[tokio::test]
async fn an_unknown_event_with_a_valid_signature_reaches_the_unknown_hook() {
    let recorder = Recorder::default();
    let address = receiver(recorder.clone(), 256 * 1024).await;
    let body =
        br#"{"timestamp":1730000000,"version":"v1","event":"example.not_an_event","data":{"x":1}}"#;
    let (status, _) = post_signed(address, body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(recorder.calls(), vec![("unknown_event", "example.not_an_event".to_owned())]);
}

/// StepPay signed it, so a body the catalogue cannot read is never refused with a `4xx`: without
/// a store to keep it in, it is answered `500` so that StepPay sends it again.
#[cfg(feature = "payment")]
#[tokio::test]
async fn a_verified_but_unreadable_body_gets_500_without_a_store() {
    let recorder = Recorder::default();
    let address = receiver(recorder.clone(), 256 * 1024).await;
    let body = example("payment.completed").replacen(
        "\"paymentId\": ",
        "\"paymentId\": \"x\", \"ignored\": ",
        1,
    );
    let unknown_version = example("payment.completed").replacen("\"v1\"", "\"v2\"", 1);
    for body in [body.as_bytes(), b"not json", unknown_version.as_bytes()] {
        let (status, text) = post_signed(address, body).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{text}");
        assert!(!text.contains("\"x\""), "no payload value in the answer: {text}");
    }
    assert!(recorder.calls().is_empty());
}

#[cfg(feature = "payment")]
#[tokio::test]
async fn a_failing_handler_gets_500_so_steppay_retries() {
    let address = receiver(FailingPayments, 256 * 1024).await;
    let (status, text) = post_signed(address, example("payment.completed").as_bytes()).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!text.contains("ledger"), "the handler's error stays inside: {text}");
    let (status, _) = post_signed(address, example("order.created").as_bytes()).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn only_post_is_allowed() {
    let address = receiver(Recorder::default(), 256 * 1024).await;
    let response = client().get(format!("http://{address}{PATH}")).send().await.expect("request");
    assert_eq!(response.status().as_u16(), 405);
}

#[cfg(feature = "order")]
#[tokio::test]
async fn the_extractor_serves_a_route_of_your_own() {
    async fn receive(VerifiedWebhook { webhook, fingerprint }: VerifiedWebhook) -> String {
        let kind = match webhook.event {
            Event::OrderCreated(order) => format!("order {}", order.id),
            other => other.as_str().to_owned(),
        };
        format!("{kind} {fingerprint}")
    }
    let verifier = Verifier::new([SECRET]).expect("secret");
    let address = serve(Router::new().route(PATH, post(receive)).with_state(verifier)).await;
    let body = example("order.created");
    let (status, text) = post_signed(address, body.as_bytes()).await;
    assert_eq!(status, StatusCode::OK);
    let fingerprint = steppay_webhooks::verify::Fingerprint::of(body.as_bytes());
    assert!(text.starts_with("order ") && text.ends_with(&fingerprint.to_string()), "{text}");
    let (status, _) =
        post_body(address, Some("timestamp=1,key=AAAA".into()), body.into_bytes()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // A body that verified but cannot be read: 500, so that StepPay retries; never 400.
    let (status, text) = post_signed(address, b"not json").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{text}");
}

/// A receiver without a store makes the key only when asked; the handler (and the unreadable
/// hook) still gets the one a store would keep the delivery under, by the strategy chosen.
#[cfg(feature = "payment")]
#[tokio::test]
async fn without_a_store_the_handler_still_gets_the_key_the_strategy_makes() {
    use std::sync::{Arc, Mutex};

    use steppay_webhooks::key::KeyStrategy;
    use steppay_webhooks::types::Payment;
    use steppay_webhooks::{Delivery, HandlerError, Unreadable, UnreadableAction, Webhook};

    #[derive(Clone, Default)]
    struct Keys(Arc<Mutex<Vec<Option<String>>>>);

    impl Keys {
        fn push(&self, key: Option<&steppay_webhooks::key::DeliveryKey>) {
            let key = key.map(|key| key.as_str().to_owned());
            self.0.lock().expect("not poisoned").push(key);
        }

        fn take(&self) -> Vec<Option<String>> {
            std::mem::take(&mut *self.0.lock().expect("not poisoned"))
        }
    }

    impl Handler for Keys {
        async fn payment_completed(
            &self,
            delivery: &Delivery<'_>,
            _: &Payment,
        ) -> Result<(), HandlerError> {
            // Asked twice: made once, the same both times.
            assert_eq!(delivery.key(), delivery.key());
            self.push(delivery.key());
            Ok(())
        }

        async fn unreadable(&self, delivery: &Unreadable<'_>) -> UnreadableAction {
            self.push(delivery.key());
            UnreadableAction::Retry
        }
    }

    let body = example("payment.completed");
    let webhook = Webhook::from_slice(body.as_bytes()).expect("parses");
    let unreadable = b"not json".as_slice();
    let custom = KeyStrategy::custom(|webhook| Some(format!("custom:{}", webhook.timestamp)));
    for strategy in [KeyStrategy::EventAndData, KeyStrategy::RawBody, custom] {
        let keys = Keys::default();
        let verifier = Verifier::new([SECRET]).expect("secret");
        let receiver = Receiver::new(verifier, keys.clone()).key(strategy.clone());
        for body in [body.as_bytes(), unreadable] {
            let signature = sign(SECRET, now(), body);
            let _ = receiver.receive(Some(signature.as_bytes()), body.to_vec().into()).await;
        }
        let expected =
            [strategy.key(body.as_bytes(), Some(&webhook)), strategy.key(unreadable, None)];
        assert_eq!(
            keys.take(),
            expected.iter().map(|key| Some(key.as_str().to_owned())).collect::<Vec<_>>(),
            "{strategy:?}"
        );
    }

    // Made only when asked, and once however often: a strategy that counts its calls. (No
    // `tracing` subscriber is set in this test binary; one would ask, to record the key.)
    let made = Arc::new(Mutex::new(0));
    let counting = {
        let made = Arc::clone(&made);
        KeyStrategy::custom(move |_| {
            *made.lock().expect("not poisoned") += 1;
            Some("counted".to_owned())
        })
    };
    let signed = || sign(SECRET, now(), body.as_bytes());
    let verifier = Verifier::new([SECRET]).expect("secret");
    let never_asks = Receiver::new(verifier, Recorder::default()).key(counting.clone());
    let outcome = never_asks.receive(Some(signed().as_bytes()), body.clone().into()).await;
    assert_eq!(outcome.status(), 200);
    assert_eq!(*made.lock().expect("not poisoned"), 0, "nobody asked for the key");
    let verifier = Verifier::new([SECRET]).expect("secret");
    let asks = Receiver::new(verifier, Keys::default()).key(counting);
    let _ = asks.receive(Some(signed().as_bytes()), body.clone().into()).await;
    assert_eq!(*made.lock().expect("not poisoned"), 1, "asked twice, made once");
}
