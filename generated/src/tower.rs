//! 어디서나 수신 — The receiver as a [`tower::Service`](tower_service::Service) over the `http`
//! crate's requests (feature `tower`): mount it on hyper 1, in a tower stack of your own, or on
//! AWS Lambda with `lambda_http`, unchanged. The axum route ([`Receiver::into_method_router`])
//! is this service too.
//!
//! [`Receiver`] implements `Service<http::Request<B>>` for any request body `B`
//! ([`http_body::Body`]) and answers `http::Response<String>`, never an error:
//!
//! - a `POST`'s body is read up to the receiver's [body limit](Receiver::body_limit) (a larger
//!   one is answered `413` without being read to its end), then goes through
//!   [`Receiver::receive`], and the [`Outcome`] is the answer;
//! - any other method is answered `405` with `Allow: POST`, and a body that breaks off `400`.
//!
//! Every status, header and body comes from [`Answer`], which the actix-web adapter uses too, so
//! all adapters answer alike. `poll_ready` is always ready: the receiver bounds nothing itself
//! (put a `ConcurrencyLimitLayer` in front if you want a bound). A receiver with a store starts
//! its worker with its first request; call [`Receiver::start_worker`] at startup to start it
//! before that.
//!
//! With hyper 1 and `hyper-util`:
//!
//! ```ignore
//! let service = hyper_util::service::TowerToHyperService::new(receiver.clone());
//! hyper::server::conn::http1::Builder::new().serve_connection(io, service).await?;
//! ```
//!
//! On AWS Lambda (`lambda_http`), the whole `main`:
//!
//! ```ignore
//! lambda_http::run(receiver).await
//! ```
//!
//! The whole programs are `reliability/examples/hyper.rs` and `reliability/examples/lambda.rs`
//! in the repository, built by every `cargo test --workspace`.
//!
//! [`Receiver::body_limit`]: crate::receive::Receiver::body_limit
//! [`Receiver::receive`]: crate::receive::Receiver::receive
//! [`Receiver::start_worker`]: crate::receive::Receiver::start_worker

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Method, Request, Response};
use http_body_util::{BodyExt as _, LengthLimitError, Limited};

use crate::Handler;
use crate::receive::{Answer, Outcome, Receiver};
use crate::verify::HEADER;

/// The future of [`Receiver`]'s `Service::call`: the answer, once the delivery is handled (or
/// kept, in accept-first mode).
pub type ResponseFuture =
    Pin<Box<dyn Future<Output = Result<Response<String>, Infallible>> + Send + 'static>>;

/// An error of a request body, as `http-body-util` boxes it.
type BodyError = Box<dyn std::error::Error + Send + Sync>;

impl<H, B> tower_service::Service<Request<B>> for Receiver<H>
where
    H: Handler + Send + Sync + 'static,
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BodyError>,
{
    type Response = Response<String>;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> ResponseFuture {
        let this = self.clone();
        Box::pin(async move { Ok(this.answer(request).await.into()) })
    }
}

impl<H: Handler + Send + Sync + 'static> Receiver<H> {
    /// The answer to one request at the webhook's URL.
    async fn answer<B>(&self, request: Request<B>) -> Answer
    where
        B: http_body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BodyError>,
    {
        let (parts, body) = request.into_parts();
        if parts.method != Method::POST {
            return Answer::method_not_allowed();
        }
        let signature = parts.headers.get(HEADER).map(|value| value.as_bytes().to_vec());
        match read(body, self.max_body()).await {
            Ok(body) => self.receive(signature.as_deref(), body).await.into(),
            Err(answer) => answer,
        }
    }
}

/// Reads a body up to `limit` bytes: `413` past it, `400` when it breaks off.
async fn read<B>(body: B, limit: usize) -> Result<Bytes, Answer>
where
    B: http_body::Body,
    B::Error: Into<BodyError>,
{
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.is::<LengthLimitError>() => Err(Outcome::TooLarge.into()),
        Err(_) => Err(Answer::body_not_read()),
    }
}
