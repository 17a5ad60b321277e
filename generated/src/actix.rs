//! Receiving deliveries with [actix-web](https://docs.rs/actix-web) 4 (feature `actix-web`).
//!
//! actix-web is not built on tower and keeps the `http` 0.2 types, so it has an adapter of its
//! own: [`Receiver::into_actix_route`], a [`Route`] that reads the body up to
//! the receiver's limit, runs it through [`Receiver::receive`](crate::receive::Receiver::receive)
//! and answers with the same [`Answer`] as every other adapter (status, `Retry-After`, `Allow`,
//! body and content type).
//!
//! ```no_run
//! # use steppay_webhooks::{receive::Receiver, verify::Verifier, Handler};
//! # #[derive(Clone)]
//! # struct Billing;
//! # impl Handler for Billing {}
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let verifier = Verifier::new([std::env::var("STEPPAY_WEBHOOK_SECRET")?])?;
//! let receiver = Receiver::new(verifier, Billing);
//! actix_web::HttpServer::new(move || {
//!     actix_web::App::new().route("/webhooks/steppay", receiver.clone().into_actix_route())
//! })
//! .bind(("127.0.0.1", 3000))?
//! .run()
//! .await?;
//! # Ok(())
//! # }
//! ```
//!
//! Each of actix-web's worker threads runs its own tokio runtime; the handler's run is a task on
//! the runtime of the thread that took the request (so a disconnect cannot cancel it), and a
//! receiver with a store runs its worker on the first thread that mounts it.

use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, Route, web};

use crate::Handler;
use crate::receive::{Answer, Outcome, Receiver};
use crate::verify::HEADER;

impl<H: Handler + Send + Sync + 'static> Receiver<H> {
    /// A route for [`actix_web::App::route`] or a resource: `POST` deliveries are received,
    /// any other method is answered `405` with `Allow: POST`. With a store, it starts the
    /// receiver's worker.
    pub fn into_actix_route(self) -> Route {
        self.start_worker_if_possible();
        web::route().to(move |request: HttpRequest, body: web::Payload| {
            let this = self.clone();
            async move { respond(this.answer_actix(&request, body).await) }
        })
    }

    /// The answer to one request, as [`crate::tower`] gives it.
    async fn answer_actix(&self, request: &HttpRequest, body: web::Payload) -> Answer {
        if request.method() != actix_web::http::Method::POST {
            return Answer::method_not_allowed();
        }
        let signature = request.headers().get(HEADER).map(|value| value.as_bytes().to_vec());
        match body.to_bytes_limited(self.max_body()).await {
            Ok(Ok(body)) => self.receive(signature.as_deref(), body).await.into(),
            Ok(Err(_)) => Answer::body_not_read(),
            Err(_) => Outcome::TooLarge.into(),
        }
    }
}

/// actix-web's response for an [`Answer`].
fn respond(answer: Answer) -> HttpResponse {
    let status = StatusCode::from_u16(answer.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = HttpResponse::build(status);
    for (name, value) in answer.headers() {
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.insert_header((HeaderName::from_static(name), value));
        }
    }
    response.body(answer.into_body())
}
