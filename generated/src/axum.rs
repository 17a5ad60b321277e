//! Receiving deliveries with [axum](https://docs.rs/axum) (feature `axum`).
//!
//! Two ways in, both verifying the signature over the raw body before anything is parsed:
//!
//! - [`Receiver::into_method_router`]: the whole endpoint, with de-duplication when the
//!   receiver has a store. Mount it and implement [`Handler`]:
//!
//!   ```no_run
//!   # use steppay_webhooks::{receive::Receiver, verify::Verifier, Handler};
//!   # struct Billing;
//!   # impl Handler for Billing {}
//!   # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//!   let verifier = Verifier::new([std::env::var("STEPPAY_WEBHOOK_SECRET")?])?;
//!   let app = axum::Router::new()
//!       .route("/webhooks/steppay", Receiver::new(verifier, Billing).into_method_router());
//!   axum::serve(tokio::net::TcpListener::bind("127.0.0.1:3000").await?, app).await?;
//!   # Ok(())
//!   # }
//!   ```
//!
//!   Its answers are the [`Outcome`](crate::receive::Outcome)'s: `200` handled or already handled, `401` for a signature
//!   that does not verify, `413` for a body over the limit, `500` when the handler fails and
//!   `503` with `Retry-After` when the delivery is being handled elsewhere or the store is down;
//!   a `POST` is all it takes (`405` otherwise). The route is the receiver's
//!   [`tower::Service`](crate::tower), and answers exactly as the hyper, Lambda and actix-web
//!   adapters do.
//!
//! - [`VerifiedWebhook`]: an extractor for a route of your own; it needs a [`Verifier`] in the
//!   router's state. It neither de-duplicates nor keeps unreadable bodies: a body that verified
//!   but cannot be read is answered `500`, so that StepPay retries.
//!
//! StepPay does not document which status it expects; its delivery log marks a delivery 성공
//! (success), and any `2xx` is the safe reading. Response bodies are short plain text and never
//! contain a secret, an expected signature or a payload value.

use axum::body::Bytes;
use axum::extract::{FromRef, FromRequest, Request};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;

pub use crate::receive::DEFAULT_BODY_LIMIT;
use crate::receive::Receiver;
use crate::verify::{Fingerprint, HEADER, Verifier, VerifyError};
use crate::{Handler, ParseError, Webhook};

/// A delivery that passed signature verification and parsed, with the fingerprint of its raw
/// body (for de-duplication; see [`Fingerprint`]).
///
/// Use it as the last argument of an axum handler whose state provides a [`Verifier`]
/// (through [`FromRef`]). The body limit is axum's [`DefaultBodyLimit`](axum::extract::DefaultBodyLimit).
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
    /// The signature verified but the body is not a delivery this version can read: `500`, so
    /// that StepPay sends it again (StepPay signed it; the catalogue is what is behind).
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
            Self::InvalidBody(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::UnreadableBody => StatusCode::BAD_REQUEST,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        }
    }
}

impl IntoResponse for WebhookRejection {
    fn into_response(self) -> Response {
        (self.status(), self.to_string()).into_response()
    }
}

impl<H: Handler + Send + Sync + 'static> Receiver<H> {
    /// A route to mount with [`axum::Router::route`]: the receiver's
    /// [`tower::Service`](crate::tower), so its answers are the same as on every other adapter
    /// (`405` with `Allow: POST` for another method). With a store, it starts the receiver's
    /// worker (inside a tokio runtime; otherwise the first delivery starts it).
    pub fn into_method_router<St: Clone + Send + Sync + 'static>(self) -> MethodRouter<St> {
        self.start_worker_if_possible();
        axum::routing::any_service(self)
    }
}
