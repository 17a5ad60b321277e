//! Receiving StepPay's webhooks on hyper 1 alone. The receiver is a `tower::Service` (feature
//! `tower`), and hyper-util's `TowerToHyperService` makes it hyper's: one line per connection.
//!
//! ```text
//! STEPPAY_WEBHOOK_SECRET=… cargo run -p steppay-webhooks-reliability --example hyper
//! ```
//!
//! The service answers every path it is given; route in front of it if the server has others.

use std::error::Error;

use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use steppay_webhooks::receive::Receiver;
use steppay_webhooks::store::MemoryStore;
use steppay_webhooks::types::Payment;
use steppay_webhooks::verify::Verifier;
use steppay_webhooks::{Delivery, Handler, HandlerError};
use tokio::net::TcpListener;

/// The service's handler: one event type, the rest ignored.
struct Billing;

impl Handler for Billing {
    async fn payment_completed(
        &self,
        _delivery: &Delivery<'_>,
        _payment: &Payment,
    ) -> Result<(), HandlerError> {
        // Mark the order paid in your database here; an error is retried.
        Ok(())
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let verifier = Verifier::new([std::env::var("STEPPAY_WEBHOOK_SECRET")?])?;
    let receiver = Receiver::new(verifier, Billing).store(MemoryStore::new());
    // With a store, the worker retries failed deliveries; start it now rather than with the
    // first delivery.
    receiver.start_worker();
    let listener = TcpListener::bind("127.0.0.1:3000").await?;
    loop {
        let (stream, _) = listener.accept().await?;
        let service = TowerToHyperService::new(receiver.clone());
        tokio::spawn(async move {
            let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
            if let Err(error) = connection.await {
                eprintln!("connection ended with an error: {error}");
            }
        });
    }
}
