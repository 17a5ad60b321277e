//! Receiving deliveries with [axum](https://docs.rs/axum) (feature `axum`).
//!
//! Two ways in, both verifying the signature over the raw body before anything is parsed:
//!
//! - [`WebhookReceiver`]: the whole endpoint. Mount it and implement [`Handler`]:
//!
//!   ```no_run
//!   # use steppay_webhooks::{axum::WebhookReceiver, verify::Verifier, Handler};
//!   # struct Billing;
//!   # impl Handler for Billing {}
//!   # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//!   let verifier = Verifier::new([std::env::var("STEPPAY_WEBHOOK_SECRET")?])?;
//!   let app = axum::Router::new()
//!       .route("/webhooks/steppay", WebhookReceiver::new(verifier, Billing).into_method_router());
//!   axum::serve(tokio::net::TcpListener::bind("127.0.0.1:3000").await?, app).await?;
//!   # Ok(())
//!   # }
//!   ```
//!
//! - [`VerifiedWebhook`]: an extractor for a route of your own; it needs a [`Verifier`] in the
//!   router's state.
//!
//! # Responses
//!
//! | outcome | status |
//! |---|---|
//! | verified, parsed, and the handler succeeded | `200 OK`, empty body |
//! | signature missing, malformed, not matching, or timestamp outside the tolerance | `401 Unauthorized` |
//! | verified, but the body is not a valid delivery | `400 Bad Request`, naming the JSON path |
//! | body larger than the limit ([`DEFAULT_BODY_LIMIT`]) | `413 Payload Too Large` |
//! | the handler returned an error | `500 Internal Server Error`, so that StepPay can retry |
//! | a method other than `POST` | `405 Method Not Allowed` |
//!
//! StepPay does not document which status it expects; its delivery log marks a delivery 성공
//! (success), and any `2xx` is the safe reading. Response bodies are short plain text and never
//! contain a secret or an expected signature.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRef, FromRequest, Request};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;

use crate::verify::{Fingerprint, HEADER, Verifier, VerifyError};
use crate::{Handler, ParseError, Webhook, dispatch};

/// The largest body accepted by default: 256 KiB.
///
/// StepPay's deliveries are small (the captured one was 560 bytes; a product with many prices
/// is tens of kilobytes), so anything near this limit is not from StepPay.
pub const DEFAULT_BODY_LIMIT: usize = 256 * 1024;

/// A delivery that passed signature verification and parsed, with the fingerprint of its raw
/// body (for de-duplication; see [`Fingerprint`]).
///
/// Use it as the last argument of an axum handler whose state provides a [`Verifier`]
/// (through [`FromRef`]). The body limit is axum's [`DefaultBodyLimit`].
#[derive(Debug, Clone)]
pub struct VerifiedWebhook {
    /// The parsed delivery.
    pub webhook: Webhook,
    /// The SHA-256 of the raw body.
    pub fingerprint: Fingerprint,
}

impl<S> FromRequest<S> for VerifiedWebhook
where
    Verifier: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = WebhookRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let verifier = Verifier::from_ref(state);
        let header = signature_header(request.headers())?;
        let body = Bytes::from_request(request, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                WebhookRejection::PayloadTooLarge
            } else {
                WebhookRejection::UnreadableBody
            }
        })?;
        let webhook = verifier.verify_and_parse(header.as_deref(), &body)?;
        Ok(Self { webhook, fingerprint: Fingerprint::of(&body) })
    }
}

/// The `Steppay-Signature` header as text; `None` when absent.
fn signature_header(headers: &HeaderMap) -> Result<Option<String>, WebhookRejection> {
    match headers.get(HEADER) {
        None => Ok(None),
        Some(value) => match value.to_str() {
            Ok(text) => Ok(Some(text.to_owned())),
            Err(_) => Err(WebhookRejection::Unauthorized(VerifyError::MalformedHeader(
                "the header is not visible ASCII",
            ))),
        },
    }
}

/// Why a request was refused; each maps to the status in the [module docs](self).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookRejection {
    /// The signature did not verify: `401`.
    #[error("{0}")]
    Unauthorized(VerifyError),
    /// The signature verified but the body is not a valid delivery: `400`.
    #[error("{0}")]
    InvalidBody(ParseError),
    /// The body is larger than the limit: `413`.
    #[error("webhook body is larger than the limit")]
    PayloadTooLarge,
    /// The body could not be read from the connection: `400`.
    #[error("webhook body could not be read")]
    UnreadableBody,
}

impl From<VerifyError> for WebhookRejection {
    fn from(error: VerifyError) -> Self {
        match error {
            VerifyError::InvalidBody(error) => Self::InvalidBody(error),
            other => Self::Unauthorized(other),
        }
    }
}

impl WebhookRejection {
    /// The HTTP status this rejection answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::InvalidBody(_) | Self::UnreadableBody => StatusCode::BAD_REQUEST,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        }
    }
}

impl IntoResponse for WebhookRejection {
    fn into_response(self) -> Response {
        (self.status(), self.to_string()).into_response()
    }
}

/// A complete webhook endpoint: verifies, parses and calls your [`Handler`] through
/// [`dispatch`].
#[derive(Debug)]
pub struct WebhookReceiver<H> {
    verifier: Verifier,
    handler: H,
    body_limit: usize,
}

impl<H: Handler + Send + Sync + 'static> WebhookReceiver<H> {
    /// An endpoint that checks signatures with `verifier` and hands deliveries to `handler`.
    pub fn new(verifier: Verifier, handler: H) -> Self {
        Self { verifier, handler, body_limit: DEFAULT_BODY_LIMIT }
    }

    /// The largest body accepted, in bytes ([`DEFAULT_BODY_LIMIT`] unless set).
    #[must_use]
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// A `POST` route to mount with [`axum::Router::route`]; other methods get `405`.
    pub fn into_method_router<S: Clone + Send + Sync + 'static>(self) -> MethodRouter<S> {
        let body_limit = self.body_limit;
        let shared = Arc::new(Shared { verifier: self.verifier, handler: self.handler });
        axum::routing::post(move |request: Request| async move { shared.receive(request).await })
            .layer(DefaultBodyLimit::max(body_limit))
    }
}

struct Shared<H> {
    verifier: Verifier,
    handler: H,
}

impl<H: Handler + Send + Sync> Shared<H> {
    async fn receive(&self, request: Request) -> Response {
        let delivery = match VerifiedWebhook::from_request(request, &self.verifier).await {
            Ok(delivery) => delivery,
            Err(rejection) => return rejection.into_response(),
        };
        match dispatch(&self.handler, &delivery.webhook).await {
            Ok(()) => StatusCode::OK.into_response(),
            // The error stays on this side: it may describe the receiver's internals.
            Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "webhook handler failed").into_response(),
        }
    }
}
