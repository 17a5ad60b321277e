//! The receive pipeline's first entry, a request: verify → parse → key → claim (the body kept)
//! → run, inline or after answering; and the operators' actions, which make deliveries due for
//! the second entry, the worker.

use std::time::Instant;

use bytes::Bytes;
use tracing::Instrument as _;
use tracing::field::Empty;

use super::{Mode, Outcome, Receiver, metrics};
use crate::key::{DeliveryKey, LazyKey};
use crate::store::{Arrival, Claim, Filter, Lease, StartedBy, StoreError};
use crate::verify::VerifyError;
use crate::{Handler, Webhook};

impl<H: Handler + Send + Sync + 'static> Receiver<H> {
    /// Receives one delivery: `signature` is the `Steppay-Signature` header's value as sent
    /// (`None` when absent), `body` the raw body. Answer StepPay with the [`Outcome`]'s status,
    /// `Retry-After` and message.
    ///
    /// The work runs on a task of its own: if the caller stops waiting (the client disconnected),
    /// the delivery is still handled and recorded. The first delivery starts the worker, if the
    /// receiver has a store and mounting did not start it already. Needs a tokio runtime.
    pub async fn receive(&self, signature: Option<&[u8]>, body: Bytes) -> Outcome {
        self.start_worker();
        let this = self.clone();
        let signature = signature.map(<[u8]>::to_vec);
        let span = tracing::info_span!(
            "steppay_webhook",
            event = Empty,
            key = Empty,
            attempt = Empty,
            trigger = Empty
        );
        let task = tokio::spawn(
            async move {
                let started = Instant::now();
                let (outcome, event) = this.process(signature.as_deref(), body).await;
                log(&outcome, started);
                metrics::delivery(&outcome, event);
                outcome
            }
            .instrument(span),
        );
        // The task catches the handler's panics itself; a join error here means the runtime is
        // shutting down.
        task.await.unwrap_or(Outcome::ShuttingDown)
    }

    /// Takes one delivery from its bytes to its outcome; also names its event type, for the
    /// metrics (a name from the catalogue, `unknown`, or `none` when there is no readable one).
    async fn process(&self, signature: Option<&[u8]>, body: Bytes) -> (Outcome, &'static str) {
        if !self.shared.is_running() {
            return (Outcome::ShuttingDown, metrics::NO_EVENT);
        }
        if body.len() > self.body_limit {
            return (Outcome::TooLarge, metrics::NO_EVENT);
        }
        let signature = match signature.map(std::str::from_utf8) {
            None => None,
            Some(Ok(text)) => Some(text),
            Some(Err(_)) => {
                let error = VerifyError::MalformedHeader("the header is not visible ASCII");
                return (Outcome::Rejected(error), metrics::NO_EVENT);
            }
        };
        if let Err(error) = self.verifier.verify(signature, &body) {
            return (Outcome::Rejected(error), metrics::NO_EVENT);
        }
        let parsed = Webhook::from_slice(&body)
            .and_then(|webhook| webhook.check_version(&self.versions).map(|()| webhook));
        let event_type = match &parsed {
            Ok(webhook) => Some(webhook.event.as_str()),
            Err(error) => error.event_type(),
        };
        let event = metrics::event_label(parsed.as_ref().ok());
        let span = tracing::Span::current();
        if let Some(event_type) = event_type {
            span.record("event", event_type);
        }
        let key = LazyKey::new(&self.keys, &body, parsed.as_ref().ok());
        // The key is made here only when a store keeps the delivery under it or a subscriber
        // records it; without either, only the handler may ask for it (`Delivery::key`).
        if !span.is_disabled() {
            span.record("key", key.get().as_str());
        }
        if !self.keeps_deliveries() {
            // Nothing to claim: every delivery is acquired as attempt 1 (`NoStore`), under a
            // lease no store sees, so it carries a stand-in; the handler gets the lazy key.
            let lease = Lease::new(DeliveryKey::new("not kept"), 1, self.lease);
            span.record("attempt", lease.attempt);
            span.record("trigger", StartedBy::Request.as_str());
            let outcome = self.run(lease, &body, &parsed, StartedBy::Request, Some(&key)).await;
            return (outcome, event);
        }
        let key = key.get();
        // Accept-first keeps the delivery in the store (without one, it ran inline above).
        let accept_first = self.mode == Mode::AcceptFirst;
        // What an operator will look it up by: `payment:4418273`.
        let subject = parsed.as_ref().ok().and_then(Webhook::subject).map(|s| s.to_string());
        let arrival =
            Arrival::new(key, event_type, &body).subject(subject.as_deref()).durable(accept_first);
        let lease = match self.store.claim(&arrival, self.lease).await {
            Ok(Claim::Acquired(lease)) => lease,
            Ok(Claim::Done) => return (Outcome::Duplicate, event),
            Ok(Claim::Discarded) => return (Outcome::Discarded, event),
            Ok(Claim::Quarantined) => return (Outcome::AlreadyQuarantined, event),
            Ok(Claim::InProgress { retry_after }) => {
                return (Outcome::InProgress { retry_after }, event);
            }
            Err(error) => {
                tracing::warn!(%error, "could not claim the delivery");
                return (Outcome::StoreUnavailable, event);
            }
        };
        span.record("attempt", lease.attempt);
        if !accept_first {
            span.record("trigger", StartedBy::Request.as_str());
            return (self.run(lease, &body, &parsed, StartedBy::Request, None).await, event);
        }
        // Accept-first: the claim is on disk; answer now, and run on a task of its own (in the
        // worker's places, its lease renewed while it waits for one).
        let this = self.clone();
        let run_span = tracing::info_span!(
            "steppay_webhook",
            event = event_type.unwrap_or("?"),
            key = lease.key.as_str(),
            attempt = lease.attempt,
            trigger = StartedBy::Accepted.as_str(),
        );
        tokio::spawn(
            async move {
                let started = Instant::now();
                let outcome = this.run(lease, &body, &parsed, StartedBy::Accepted, None).await;
                log(&outcome, started);
            }
            .instrument(run_span),
        );
        (Outcome::Accepted, event)
    }

    /// 지금 재시도 — Runs again, as soon as a worker is free, the failed, dead and quarantined
    /// deliveries `filter` matches (each becomes pending); returns how many. Count them first
    /// with [`DeliveryStore::count`](crate::store::DeliveryStore::count) for a bulk action.
    ///
    /// # Errors
    ///
    /// When the store fails; nothing was changed then.
    pub async fn retry(&self, filter: &Filter) -> Result<u64, StoreError> {
        let changed = self.store.retry(filter).await?;
        self.wake_worker();
        Ok(changed)
    }

    /// 재실행 — As [`Receiver::retry`], and done deliveries whose body the store still keeps
    /// run again too (see the stores' `keep_done_bodies`): after a handler's bug is fixed, say.
    /// Replaying what was quarantined, after a release that reads it, is
    /// `replay(&Filter::new().state(State::Quarantined))`.
    ///
    /// # Errors
    ///
    /// When the store fails; nothing was changed then.
    pub async fn replay(&self, filter: &Filter) -> Result<u64, StoreError> {
        let changed = self.store.replay(filter).await?;
        self.wake_worker();
        Ok(changed)
    }

    /// 폐기 — Gives up the pending, failed, dead and quarantined deliveries `filter` matches,
    /// recording `reason` and dropping their bodies; returns how many. A resend of one is
    /// answered `200` and not run.
    ///
    /// # Errors
    ///
    /// When the store fails; nothing was changed then.
    pub async fn discard(&self, filter: &Filter, reason: &str) -> Result<u64, StoreError> {
        self.store.discard(filter, reason).await
    }
}

/// One event per delivery, in its span (event type, key, attempt): the outcome, the status and the
/// latency. Never a payload value, a secret or a signature.
pub(super) fn log(outcome: &Outcome, started: Instant) {
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    match outcome {
        Outcome::Rejected(error) => tracing::warn!(
            outcome = outcome.name(),
            status = outcome.status(),
            latency_ms,
            %error,
            "delivery rejected"
        ),
        _ if outcome.status() >= 500 => tracing::warn!(
            outcome = outcome.name(),
            status = outcome.status(),
            latency_ms,
            "delivery not handled; it will be retried"
        ),
        _ => tracing::info!(
            outcome = outcome.name(),
            status = outcome.status(),
            latency_ms,
            "delivery answered"
        ),
    }
}
