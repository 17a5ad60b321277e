//! 테스트 도구 — Testing a receiver without StepPay (feature `test-util`).
//!
//! **This module may change in minor releases.** It is for your tests, not for your service:
//! put the feature on your `[dev-dependencies]` line only.
//!
//! - [`example`]: the catalogue's example delivery of every event type, parsed into a
//!   [`Webhook`] and as the exact bytes of `schema/examples/<event type>.json`. Payload fields are
//!   public: take an example, change fields, sign it.
//! - [`signed_request`]: a body (bytes, or a [`Webhook`] you changed) signed the way StepPay signs
//!   it, as an [`http::Request`] to hand to your router with `tower::ServiceExt::oneshot`, no
//!   socket needed. [`sign_delivery`] gives the header and the body, for any other framework.
//! - [`broken`]: the requests your endpoint must refuse (a wrong secret, a stale timestamp, no
//!   header, a body changed after signing).
//!
//! Signing goes through [`verify::sign`], the crate's one signing function, which the
//! `steppay-webhooks` command-line tool also signs with (through [`verify::sign_with_label`], for
//! its `--label`).
//!
//! # A unit test of your `Handler`
//!
#![cfg_attr(feature = "payment", doc = "```")]
#![cfg_attr(not(feature = "payment"), doc = "```ignore")]
//! use std::sync::Mutex;
//!
//! use steppay_webhooks::types::{Payment, PaymentStatus};
//! use steppay_webhooks::{dispatch, testing, Delivery, Event, EventType, Handler, HandlerError};
//!
//! /// Your handler: here it records what it was given.
//! #[derive(Default)]
//! struct Billing {
//!     seen: Mutex<Vec<(String, PaymentStatus)>>,
//! }
//!
//! impl Handler for Billing {
//!     async fn payment_completed(&self, _: &Delivery<'_>, payment: &Payment) -> Result<(), HandlerError> {
//!         let amount = payment.paid_amount.map(|a| a.to_string()).unwrap_or_default();
//!         self.seen.lock().map_err(|_| "poisoned")?.push((amount, payment.status.clone()));
//!         Ok(())
//!     }
//! }
//!
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() -> Result<(), HandlerError> {
//!     // The catalogue's payment.completed, with the amount and the status changed.
//!     let mut webhook = testing::example(EventType::PaymentCompleted).webhook;
//!     let Event::PaymentCompleted(payment) = &mut webhook.event else { unreachable!() };
//!     payment.paid_amount = Some("1500".parse()?);
//!     payment.status = PaymentStatus::PartialCanceled;
//!
//!     let billing = Billing::default();
//!     dispatch(&billing, &webhook).await?;
//!     assert_eq!(*billing.seen.lock().unwrap(), [("1500".to_owned(), PaymentStatus::PartialCanceled)]);
//!     Ok(())
//! }
//! ```
//!
//! # A test of your axum router
//!
//! With the `axum` feature as well, and `tower` (feature `util`) among your dev-dependencies:
//!
#![cfg_attr(all(feature = "axum", feature = "payment"), doc = "```")]
#![cfg_attr(not(all(feature = "axum", feature = "payment")), doc = "```ignore")]
//! use axum::http::StatusCode;
//! use steppay_webhooks::{receive::Receiver, testing, verify::Verifier, EventType, Handler};
//! use tower::ServiceExt as _;
//!
//! struct Billing;
//! impl Handler for Billing {}
//!
//! /// Your app, built the way your `main` builds it.
//! fn app(secret: &str) -> axum::Router {
//!     let verifier = Verifier::new([secret]).expect("a secret");
//!     axum::Router::new().route("/webhooks/steppay", Receiver::new(verifier, Billing).into_method_router())
//! }
//!
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     const SECRET: &str = "test-secret";
//!     let body = testing::example(EventType::PaymentCompleted).body;
//!
//!     let signed = testing::signed_request(SECRET, body, testing::now());
//!     assert_eq!(app(SECRET).oneshot(signed).await?.status(), StatusCode::OK);
//!
//!     for refused in [
//!         testing::broken::wrong_secret(SECRET, body, testing::now()),
//!         testing::broken::stale(SECRET, body, testing::now()),
//!         testing::broken::missing_header(body),
//!         testing::broken::body_changed_after_signing(SECRET, body, testing::now()),
//!     ] {
//!         assert_eq!(app(SECRET).oneshot(refused.request()).await?.status(), StatusCode::UNAUTHORIZED);
//!     }
//!     Ok(())
//! }
//! ```

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderValue};
use http::{Method, Request, Uri};
use http_body_util::Full;

use crate::generated::examples;
use crate::verify::{self, HEADER, SignatureHeader};
use crate::{EventType, Webhook};

/// The path the README's receiver is mounted at, which [`signed_request`] and
/// [`SignedDelivery::request`] post to; [`SignedDelivery::request_to`] takes another.
pub const PATH: &str = "/webhooks/steppay";

/// How far before `now` [`broken::stale`] signs: 8 days, past every tolerance a receiver uses by
/// default (5 minutes, or 3 days with a durable store) and past a store's 7-day retention.
pub const STALE_AGE: Duration = Duration::from_secs(8 * 24 * 60 * 60);

/// 예시 배달 — The catalogue's example delivery of one event type.
#[derive(Clone)]
#[non_exhaustive]
pub struct Example {
    /// Its event type.
    pub event_type: EventType,
    /// The body exactly as in `schema/examples/<event type>.json`: sign these bytes to send the
    /// example unchanged.
    pub body: &'static [u8],
    /// The body parsed. Change its payload and pass `&example.webhook` to [`signed_request`] to
    /// send the changed delivery (serialized again, as JSON).
    pub webhook: Webhook,
}

impl fmt::Debug for Example {
    /// The body's size, not its bytes, which hold (made-up) personal data; the webhook's own
    /// `Debug` redacts it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Example")
            .field("event_type", &self.event_type)
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .field("webhook", &self.webhook)
            .finish()
    }
}

/// The example delivery of `event_type`, from the catalogue (`schema/examples/`).
///
/// # Panics
///
/// If the catalogue has no example for `event_type`, or it does not parse. Neither happens with
/// a published catalogue: `cargo xtask gen` checks that every example parses as its event, and
/// the crate's tests that every event type has one.
#[allow(clippy::panic, reason = "a test helper; the crate's own tests rule both cases out")]
pub fn example(event_type: EventType) -> Example {
    let Some(text) = examples::body(event_type) else {
        panic!("the catalogue has no example delivery for `{event_type}` (schema/examples/)");
    };
    match Webhook::from_slice(text.as_bytes()) {
        Ok(webhook) => Example { event_type, body: text.as_bytes(), webhook },
        Err(error) => panic!("the example delivery of `{event_type}` does not parse: {error}"),
    }
}

/// Every event type's example delivery, in StepPay's order (the event types of the domains
/// whose features are on).
pub fn examples() -> impl Iterator<Item = Example> {
    EventType::ALL.iter().filter(|t| examples::body(**t).is_some()).map(|t| example(*t))
}

/// The JSON Schema (draft 2020-12) of `event_type`'s `data`, as in the crate's
/// `generated/schema/`; properties that hold personal data carry `"x-sensitive": true`.
pub fn json_schema(event_type: EventType) -> &'static str {
    examples::json_schema(event_type)
}

/// The current time in Unix seconds, to sign with.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX))
}

/// A delivery body to sign: raw bytes (sent exactly as they are), or a [`Webhook`] (serialized as
/// JSON first, so a changed payload is sent changed).
pub trait DeliveryBody {
    /// The bytes to sign and send.
    fn to_body(&self) -> Vec<u8>;
}

impl DeliveryBody for [u8] {
    fn to_body(&self) -> Vec<u8> {
        self.to_vec()
    }
}

impl<const N: usize> DeliveryBody for [u8; N] {
    fn to_body(&self) -> Vec<u8> {
        self.to_vec()
    }
}

impl DeliveryBody for Vec<u8> {
    fn to_body(&self) -> Vec<u8> {
        self.clone()
    }
}

impl DeliveryBody for str {
    fn to_body(&self) -> Vec<u8> {
        self.as_bytes().to_vec()
    }
}

impl DeliveryBody for String {
    fn to_body(&self) -> Vec<u8> {
        self.as_bytes().to_vec()
    }
}

impl DeliveryBody for Webhook {
    /// Compact JSON, fields in the catalogue's order. A parsed webhook always serializes; were it
    /// ever to fail, the body would be empty, which no receiver accepts.
    fn to_body(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// A delivery as it travels: the `Steppay-Signature` header (absent for
/// [`broken::missing_header`]) and the body bytes. Give them to any framework's test client.
///
/// `Debug` shows the header's timestamp and label but not the signature.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedDelivery {
    header: Option<String>,
    body: Vec<u8>,
}

impl SignedDelivery {
    /// The value of the `Steppay-Signature` header ([`verify::HEADER`]), or `None` when the
    /// request should have none.
    pub fn header(&self) -> Option<&str> {
        self.header.as_deref()
    }

    /// The body bytes.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The header and the body.
    pub fn into_parts(self) -> (Option<String>, Vec<u8>) {
        (self.header, self.body)
    }

    /// A `POST` of this delivery to [`PATH`], as StepPay sends it (`Content-Type:
    /// application/json`, the signature header in lower case).
    pub fn request(&self) -> Request<Full<Bytes>> {
        self.request_to(Uri::from_static(PATH))
    }

    /// A `POST` of this delivery to `uri`, e.g. `Uri::from_static("/hooks/steppay")`.
    pub fn request_to(&self, uri: Uri) -> Request<Full<Bytes>> {
        let mut request = Request::new(Full::new(Bytes::from(self.body.clone())));
        *request.method_mut() = Method::POST;
        *request.uri_mut() = uri;
        let headers = request.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        // A signed header is ASCII, always a valid header value.
        if let Some(value) = self.header.as_deref().and_then(|h| HeaderValue::from_str(h).ok()) {
            headers.insert("steppay-signature", value);
        }
        request
    }
}

impl fmt::Debug for SignedDelivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("SignedDelivery");
        // The parsed header's `Debug` shows the timestamp and the labels, not the signatures.
        match self.header.as_deref().map(SignatureHeader::parse) {
            Some(Ok(header)) => debug.field(HEADER, &header),
            Some(Err(error)) => debug.field(HEADER, &error),
            None => debug.field(HEADER, &None::<()>),
        };
        debug.field("body", &format_args!("<{} bytes>", self.body.len())).finish()
    }
}

/// `body` signed with `secret` at `timestamp` (Unix seconds), as StepPay signs a delivery.
pub fn sign_delivery<B: DeliveryBody + ?Sized>(
    secret: impl AsRef<[u8]>,
    body: &B,
    timestamp: i64,
) -> SignedDelivery {
    let body = body.to_body();
    SignedDelivery { header: Some(verify::sign(secret, timestamp, &body)), body }
}

/// A request carrying `body` signed with `secret` at `timestamp`, posted to [`PATH`]: hand it to
/// your router with `tower::ServiceExt::oneshot`.
///
/// `body` is raw bytes (`example.body`, a `&str`, a `Vec<u8>`), sent exactly as they are, or a
/// `&Webhook`, serialized first.
pub fn signed_request<B: DeliveryBody + ?Sized>(
    secret: impl AsRef<[u8]>,
    body: &B,
    timestamp: i64,
) -> Request<Full<Bytes>> {
    sign_delivery(secret, body, timestamp).request()
}

/// Deliveries a receiver must refuse with `401`; `.request()` makes each an [`http::Request`].
pub mod broken {
    use super::{DeliveryBody, STALE_AGE, SignedDelivery, sign_delivery};

    /// `body` signed at `timestamp` with a key that is not `secret` (it is `secret` with more
    /// bytes after it).
    pub fn wrong_secret<B: DeliveryBody + ?Sized>(
        secret: impl AsRef<[u8]>,
        body: &B,
        timestamp: i64,
    ) -> SignedDelivery {
        let mut wrong = secret.as_ref().to_vec();
        wrong.extend_from_slice(b"-but-not-this-one");
        sign_delivery(wrong, body, timestamp)
    }

    /// `body` signed correctly, [`STALE_AGE`] (8 days) before `now`: a captured request replayed
    /// long after, outside every default tolerance.
    pub fn stale<B: DeliveryBody + ?Sized>(
        secret: impl AsRef<[u8]>,
        body: &B,
        now: i64,
    ) -> SignedDelivery {
        let age = i64::try_from(STALE_AGE.as_secs()).unwrap_or(i64::MAX);
        sign_delivery(secret, body, now.saturating_sub(age))
    }

    /// `body` with no `Steppay-Signature` header at all.
    pub fn missing_header<B: DeliveryBody + ?Sized>(body: &B) -> SignedDelivery {
        SignedDelivery { header: None, body: body.to_body() }
    }

    /// `body` signed correctly, then changed: a space added after its first byte. The JSON
    /// means the same, but the signature covers bytes, so even this must be refused.
    pub fn body_changed_after_signing<B: DeliveryBody + ?Sized>(
        secret: impl AsRef<[u8]>,
        body: &B,
        timestamp: i64,
    ) -> SignedDelivery {
        let mut delivery = sign_delivery(secret, body, timestamp);
        let at = usize::from(!delivery.body.is_empty());
        delivery.body.insert(at, b' ');
        delivery
    }
}
