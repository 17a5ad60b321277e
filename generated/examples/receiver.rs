//! A StepPay webhook receiver: verifies, logs and dispatches every delivery.
//!
//! ```sh
//! STEPPAY_WEBHOOK_SECRET='<검증 KEY>' cargo run -p steppay-webhooks --example receiver --features axum
//! ```
//!
//! It listens on `http://127.0.0.1:3000/webhooks/steppay` (set `PORT` for another port). The
//! README shows a `curl` line that posts a signed example delivery to it.

use std::error::Error;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use steppay_webhooks::axum::{VerifiedWebhook, WebhookRejection};
use steppay_webhooks::types::{Payment, Subscription};
use steppay_webhooks::verify::Verifier;
use steppay_webhooks::{Handler, HandlerError, UnknownEvent, Webhook, dispatch};

/// What this receiver does with events; every other event type is accepted and ignored.
struct Shop;

impl Handler for Shop {
    async fn payment_completed(&self, _: &Webhook, payment: &Payment) -> Result<(), HandlerError> {
        eprintln!(
            "  payment {} completed: {:?} for order {:?}",
            payment.payment_id, payment.paid_amount, payment.order_id
        );
        Ok(())
    }

    async fn subscription_updated(
        &self,
        _: &Webhook,
        subscription: &Subscription,
    ) -> Result<(), HandlerError> {
        eprintln!("  subscription {} is now {}", subscription.subscription_id, subscription.status);
        Ok(())
    }

    async fn unknown_event(&self, _: &Webhook, event: &UnknownEvent) -> Result<(), HandlerError> {
        eprintln!("  an event type this version does not know: {}", event.event_type());
        Ok(())
    }
}

async fn receive(delivery: Result<VerifiedWebhook, WebhookRejection>) -> Response {
    let VerifiedWebhook { webhook, fingerprint } = match delivery {
        Ok(delivery) => delivery,
        Err(rejection) => {
            eprintln!("rejected ({}): {rejection}", rejection.status());
            return rejection.into_response();
        }
    };
    eprintln!(
        "{} sent at {} (version {}, test: {:?}, fingerprint {fingerprint})",
        webhook.event.as_str(),
        webhook.sent_at().map_or_else(|| webhook.timestamp.to_string(), |at| at.to_rfc3339()),
        webhook.version,
        webhook.is_test,
    );
    match dispatch(&Shop, &webhook).await {
        Ok(()) => StatusCode::OK.into_response(),
        Err(error) => {
            eprintln!("  handler failed: {error}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let secret = std::env::var("STEPPAY_WEBHOOK_SECRET")
        .map_err(|_| "set STEPPAY_WEBHOOK_SECRET to the webhook's 검증 KEY")?;
    let port: u16 = match std::env::var("PORT") {
        Ok(port) => port.parse().map_err(|_| format!("PORT={port} is not a port number"))?,
        Err(_) => 3000,
    };
    let verifier = Verifier::new([secret])?;
    let app = Router::new().route("/webhooks/steppay", post(receive)).with_state(verifier);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    eprintln!("listening on http://{}/webhooks/steppay", listener.local_addr()?);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
