//! Receiving StepPay's webhooks with actix-web 4 (feature `actix-web`): the receiver is a
//! route, mounted like any other.
//!
//! ```text
//! STEPPAY_WEBHOOK_SECRET=… cargo run -p steppay-webhooks-reliability --example actix
//! ```

use actix_web::{App, HttpServer};
use steppay_webhooks::receive::Receiver;
use steppay_webhooks::store::MemoryStore;
use steppay_webhooks::types::Payment;
use steppay_webhooks::verify::Verifier;
use steppay_webhooks::{Delivery, Handler, HandlerError};

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

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // actix-web's own runtime: a system, and a tokio runtime on each worker thread.
    actix_web::rt::System::new().block_on(serve())
}

async fn serve() -> Result<(), Box<dyn std::error::Error>> {
    let verifier = Verifier::new([std::env::var("STEPPAY_WEBHOOK_SECRET")?])?;
    let receiver = Receiver::new(verifier, Billing).store(MemoryStore::new());
    let shutdown = receiver.clone();
    HttpServer::new(move || {
        App::new().route("/webhooks/steppay", receiver.clone().into_actix_route())
    })
    .bind(("127.0.0.1", 3000))?
    .run()
    .await?;
    // Runs in flight finish, or give their lease back, within ten seconds.
    shutdown.shutdown(std::time::Duration::from_secs(10)).await;
    Ok(())
}
