//! Receiving StepPay's webhooks on AWS Lambda, behind a function URL or API Gateway's HTTP API.
//! `lambda_http` runs any `tower::Service` over `http` requests, and the receiver is one
//! (feature `tower`), so `main` is three lines.
//!
//! Build it with `cargo lambda build --release --example lambda`, or as any Lambda binary. A
//! store that outlives the function is PostgreSQL (feature `postgres`): a Lambda's memory and
//! disk go away with it, and with them anything kept there.
//!
//! `tests/adapters.rs` calls this same service with an API Gateway event, without AWS.

use steppay_webhooks::receive::Receiver;
use steppay_webhooks::types::Payment;
use steppay_webhooks::verify::Verifier;
use steppay_webhooks::{Delivery, Handler, HandlerError};

/// The function's handler: one event type, the rest ignored.
struct Billing;

impl Handler for Billing {
    async fn payment_completed(
        &self,
        _delivery: &Delivery<'_>,
        _payment: &Payment,
    ) -> Result<(), HandlerError> {
        // Mark the order paid in your database here; an error answers 500 and StepPay retries.
        Ok(())
    }
}

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let verifier = Verifier::new([std::env::var("STEPPAY_WEBHOOK_SECRET")?])?;
    lambda_http::run(Receiver::new(verifier, Billing)).await
}
