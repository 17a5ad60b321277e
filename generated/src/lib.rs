//! Typed StepPay (스텝페이) webhooks.
//!
//! StepPay POSTs a JSON body for each of its webhook events: an envelope (`timestamp`,
//! `version`, `event`, `isTest`) around a `data` object whose schema depends on the event type.
//! This crate parses that body into a [`Webhook`] whose [`Event`] carries the typed payload, and
//! routes it to your [`Handler`].
//!
//! Every event type, payload struct and enum here is generated from a reviewed catalogue of
//! StepPay's documentation and of what StepPay really sends; see [`reference`](mod@reference) for the tables.
//!
//! # Parse and match
//!
// The examples use the `payment` and `subscription` domains; they are not compiled without them.
#![cfg_attr(feature = "payment", doc = "```")]
#![cfg_attr(not(feature = "payment"), doc = "```ignore")]
//! use steppay_webhooks::{Event, Webhook};
//! use steppay_webhooks::types::PaymentStatus;
//!
//! let body = br#"{
//!     "timestamp": 1690943620, "version": "v1", "event": "payment.completed",
//!     "data": {
//!         "paymentId": 41235, "idKey": "1690943619871Xb3kQ9wLmP2rT8vY", "orderId": "183682",
//!         "paidAmount": 9900.0, "paidAt": "2023-08-02T02:33:39", "status": "COMPLETE",
//!         "paymentGateway": "NICE", "paymentMethod": "CARD", "cancel": { "canceledAmount": 0 }
//!     },
//!     "isTest": false
//! }"#;
//!
//! let webhook = Webhook::from_slice(body)?;
//! match &webhook.event {
//!     Event::PaymentCompleted(payment) => {
//!         assert_eq!(payment.status, PaymentStatus::Complete);
//!         assert_eq!(payment.order_id.as_deref(), Some("183682"));
//!         assert_eq!(payment.paid_amount.map(|a| a.to_string()), Some("9900".to_owned()));
//!     }
//!     Event::Unknown(event) => println!("an event type this version does not know: {}", event.event_type()),
//!     other => println!("not handled here: {}", other.as_str()),
//! }
//! # Ok::<(), steppay_webhooks::ParseError>(())
//! ```
//!
//! # Handle
//!
//! Implement the [`Handler`] methods you need (each defaults to doing nothing) and call
//! [`dispatch`]:
//!
#![cfg_attr(all(feature = "payment", feature = "subscription"), doc = "```")]
#![cfg_attr(not(all(feature = "payment", feature = "subscription")), doc = "```ignore")]
//! use steppay_webhooks::types::{Payment, Subscription};
//! use steppay_webhooks::{dispatch, Delivery, Handler, HandlerError, Webhook};
//!
//! struct Billing;
//!
//! impl Handler for Billing {
//!     async fn payment_completed(&self, delivery: &Delivery<'_>, payment: &Payment) -> Result<(), HandlerError> {
//!         println!("payment {} completed at {:?}", payment.payment_id, delivery.sent_at());
//!         Ok(())
//!     }
//!
//!     async fn subscription_updated(&self, _: &Delivery<'_>, subscription: &Subscription) -> Result<(), HandlerError> {
//!         println!("subscription {} is now {}", subscription.subscription_id, subscription.status);
//!         Ok(())
//!     }
//! }
//!
//! # async fn receive(body: &[u8]) -> Result<(), HandlerError> {
//! let webhook = Webhook::from_slice(body)?;
//! dispatch(&Billing, &webhook).await?;
//! # Ok(())
//! # }
//! ```
//!
//! # Verify and receive
//!
//! Check the `Steppay-Signature` header over the raw body before trusting a delivery:
//! [`verify::Verifier::verify_and_parse`] does both in one call. With the `receive` feature,
//! `receive::Receiver` is the whole pipeline: verify, parse, keep the body in a delivery store
//! (`store`) until it is handled, de-duplicate, run your [`Handler`] on a task of its own, retry
//! failed runs on its own schedule, keep what never succeeds as a dead letter and what it cannot
//! read for replay; a verified delivery is never refused with a `4xx`. The `axum` feature mounts it as a
//! route and adds `axum::VerifiedWebhook`, an extractor for routes of your own. StepPay sends no
//! delivery id; [`key::KeyStrategy`] says what stands in for one.
//!
//! # Features
//!
//! - One per StepPay domain, all on by default: `order`, `subscription`, `invoice`, `payment`,
//!   `customer`, `product`, `cover` (the [`reference`](mod@reference) lists each domain's
//!   events). With `default-features = false` and only the domains you take, the others' types,
//!   [`Event`] variants and [`Handler`] methods are not compiled, and their events parse as
//!   [`Event::Unknown`].
//! - `receive`: the `receive` module (the [`Receiver`](crate#verify-and-receive) pipeline) and
//!   the `store` module's trait; needs a tokio runtime.
//! - `memory-store`, `sqlite`, `postgres`: the delivery stores, one feature each (SQLite is
//!   compiled in; PostgreSQL through tokio-postgres and a deadpool pool). Each turns `receive` on.
//! - `metrics`: the receiver records what it does through the `metrics` facade; the application
//!   picks the exporter.
//! - `axum`: the `axum` module, the receiver as an axum route, and an extractor.
//! - `dashboard`: the `dashboard` module, an operator's page over a delivery store as an axum
//!   router (counts, a chart, filters, a delivery's runs and redacted body, retry, replay and
//!   discard). Turns on `axum` and `redact`.
//! - `redact`: the `redact` module: a delivery's body with the values the catalogue marks as
//!   personal data (and any member it does not list) replaced by `"<redacted>"`, for showing it
//!   to people. It compiles in the JSON Schema of each event type. With it comes `json_tree`,
//!   JSON that keeps its members' order and its numbers as written.
//! - `test-util`: the `testing` module, for your tests: every event type's example delivery,
//!   requests signed as StepPay signs them, and the broken ones a receiver must refuse. It may
//!   change in minor releases.
//!
//! # What to expect from the types
//!
//! - **Nullable fields are `Option`s**, and a missing key reads the same as `null` (StepPay
//!   leaves null keys out). Unknown fields are ignored, so fields StepPay adds never break you.
//! - **Enums are open**: a value StepPay adds later parses as `Unrecognized` and is written back
//!   unchanged. Match with a `_` arm (they are `#[non_exhaustive]`).
//! - **Unknown event types** parse as [`Event::Unknown`], keeping the raw `data`.
//! - **A known event whose `data` does not fit is an error** ([`ParseError`]), naming the event
//!   type and the JSON path, never a silent `Unknown`.
//! - **Amounts are exact** [`rust_decimal::Decimal`]s (never `f64`), written back as JSON
//!   numbers. **Date-times are [`chrono::NaiveDateTime`]**: StepPay sends no offset and does not
//!   document a time zone; the evidence (ids that embed epoch milliseconds) points to UTC.
//! - **Ids are typed as StepPay sends them**: StepPay's own numbers are `i64`. The ids it
//!   documents as strings but may send as JSON integers (`Payment.orderId`, `Payment.customerId`
//!   and the Cover ids) are [`LenientId`]s: either form parses and reads as text
//!   (`payment.customer_id.as_deref() == Some("12345")`), and is written back in the form it came
//!   in, so an id sent as a 64-bit integer does not fail the delivery.
//! - **Personal data stays out of logs**: `Debug` prints `<redacted>` for the fields the
//!   catalogue marks sensitive (names, emails, phones, addresses, bank accounts, registration
//!   numbers; the reference tables list them), and an unknown event's raw `data` is not printed.
//!   Serialization is unchanged.
//! - **Each delivery names what it is about**: [`Webhook::subject`] gives a [`Subject`] such as
//!   `payment:4418273`, the payload type's name in snake_case and the id of the object it
//!   describes (the reference tables mark that field), to record and to find deliveries by.
//!   Its text reads back with `parse`, and a [`ParseSubjectError`] says what is wrong with bad
//!   text. A subject is never personal data.
//! - Payload structs are `#[non_exhaustive]`, and their fields public: in tests, start from an
//!   example delivery (`testing::example`, feature `test-util`) or from JSON, and change fields.

#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]
// A webhook body is untrusted input: nothing on the way from its bytes to a typed value may panic.
// Tests are exempt (see clippy.toml's `allow-*-in-tests`).
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::unreachable,
    clippy::todo,
    clippy::unimplemented,
    clippy::indexing_slicing,
    clippy::string_slice
)]

#[rustfmt::skip]
mod generated;
pub mod key;
mod runtime;
pub mod verify;

#[cfg(feature = "actix-web")]
pub mod actix;
#[cfg(feature = "axum")]
pub mod axum;
#[cfg(feature = "dashboard")]
pub mod dashboard;
#[cfg(feature = "redact")]
pub mod json_tree;
#[cfg(feature = "receive")]
pub mod receive;
#[cfg(feature = "redact")]
pub mod redact;
#[cfg(feature = "receive")]
pub mod store;
#[cfg(feature = "test-util")]
pub mod testing;
#[cfg(feature = "tower")]
pub mod tower;

pub use crate::generated::{Event, EventType, Handler, dispatch, types};
pub use crate::runtime::{
    Delivery, HandlerError, LenientId, OperatorNote, ParseError, ParseErrorKind,
    ParseEventTypeError, ParseSubjectError, Subject, UnknownEvent, Unreadable, UnreadableAction,
    Unrecognized, Webhook,
};

/// The README's examples, compiled and run as doctests so that it stays true. They use the
/// `axum` feature, so they run under `cargo test --all-features` (as CI does).
#[cfg(all(doctest, feature = "axum"))]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

/// The Korean README's examples, run the same way.
#[cfg(all(doctest, feature = "axum"))]
#[doc = include_str!("../../README.ko.md")]
struct ReadmeKoDoctests;

/// 웹훅 레퍼런스 — The event and schema tables generated from the catalogue, as in StepPay's docs.
#[doc = include_str!("../docs/webhooks.md")]
pub mod reference {}
