//! A StepPay webhook receiver for production: verifies, keeps every delivery in an SQLite file
//! until it is handled, de-duplicates, logs and dispatches, retries failures on its own
//! schedule, and keeps the ones it cannot read for replay.
//!
//! ```sh
//! STEPPAY_WEBHOOK_SECRET='<검증 KEY>' cargo run -p steppay-webhooks --example receiver --features axum,sqlite
//! ```
//!
//! It listens on `http://127.0.0.1:3000/webhooks/steppay` (set `PORT` for another port) and
//! keeps its records in `deliveries.sqlite3` (set `STEPPAY_DELIVERY_DB` for another file). The
//! README shows how to post a signed example delivery to it. Run it with `replay` as its
//! argument to replay the deliveries it quarantined (after a release that reads them) and the
//! dead ones, then keep receiving; Ctrl-C shuts it down gracefully.

use std::error::Error;
use std::time::Duration;

use steppay_webhooks::receive::Receiver;
use steppay_webhooks::store::{Filter, SqliteStore, State};
use steppay_webhooks::types::{Payment, Subscription};
use steppay_webhooks::verify::Verifier;
use steppay_webhooks::{Delivery, Handler, HandlerError, UnknownEvent};

/// What this receiver does with events; every other event type is accepted and ignored.
struct Shop;

impl Handler for Shop {
    async fn payment_completed(
        &self,
        delivery: &Delivery<'_>,
        payment: &Payment,
    ) -> Result<(), HandlerError> {
        // A real handler records the payment here, in one transaction with the delivery's key
        // and attempt (see the README's "Production" section).
        eprintln!(
            "  payment {} completed: {:?} for order {:?} (attempt {})",
            payment.payment_id, payment.paid_amount, payment.order_id, delivery.attempt
        );
        Ok(())
    }

    async fn subscription_updated(
        &self,
        _: &Delivery<'_>,
        subscription: &Subscription,
    ) -> Result<(), HandlerError> {
        eprintln!("  subscription {} is now {}", subscription.subscription_id, subscription.status);
        Ok(())
    }

    async fn unknown_event(
        &self,
        _: &Delivery<'_>,
        event: &UnknownEvent,
    ) -> Result<(), HandlerError> {
        eprintln!("  an event type this version does not know: {}", event.event_type());
        Ok(())
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    // One line per delivery: its event type, key, attempt, outcome, status and latency.
    tracing_subscriber::fmt().with_target(false).init();
    let secret = std::env::var("STEPPAY_WEBHOOK_SECRET")
        .map_err(|_| "set STEPPAY_WEBHOOK_SECRET to the webhook's 검증 KEY")?;
    let port: u16 = match std::env::var("PORT") {
        Ok(port) => port.parse().map_err(|_| format!("PORT={port} is not a port number"))?,
        Err(_) => 3000,
    };
    let database =
        std::env::var("STEPPAY_DELIVERY_DB").unwrap_or_else(|_| "deliveries.sqlite3".to_owned());
    let store = SqliteStore::open(&database).await?;
    let receiver = Receiver::new(Verifier::new([secret])?, Shop).store(store).on_dead(|dead| {
        // Page someone here: the delivery's retries ran out, and it waits in the store.
        eprintln!("  DEAD: {} ({:?}) after {} runs", dead.key, dead.event_type, dead.attempts);
    });
    if std::env::args().nth(1).as_deref() == Some("replay") {
        let waiting = Filter::new().state(State::Quarantined).state(State::Dead);
        let scheduled = receiver.replay(&waiting).await?;
        eprintln!("{scheduled} kept deliveries will run again");
    }
    let app = axum::Router::new().route("/webhooks/steppay", receiver.clone().into_method_router());
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    eprintln!(
        "listening on http://{}/webhooks/steppay (records in {database})",
        listener.local_addr()?
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    // Runs in flight get 10 s to finish; the rest give their leases back for the next start.
    let report = receiver.shutdown(Duration::from_secs(10)).await;
    eprintln!("stopped: {report:?}");
    Ok(())
}
