//! The receive pipeline: verify → parse → key → claim → handle → complete, fail or quarantine;
//! and replaying what was quarantined.

use std::sync::PoisonError;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tracing::Instrument as _;
use tracing::field::Empty;

use super::unwind::{CatchUnwind, Panicked};
use super::{Outcome, Receiver};
use crate::key::DeliveryKey;
use crate::store::{Claim, DeliveryStore, KeptDelivery, Lease, StaleClaim, StoreError};
use crate::verify::VerifyError;
use crate::{Delivery, Handler, ParseError, Unreadable, UnreadableAction, Webhook, dispatch};

/// How long ago a lease must have expired for [`Receiver::maintain`] to report its claim as
/// stale: long past any retry that would have claimed it again.
const STALE_AFTER: Duration = Duration::from_secs(10 * 60);

/// The most stale claims one maintenance run logs one by one.
const STALE_LOGGED: usize = 20;

/// What [`Receiver::replay`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReplayReport {
    /// Read and handled: now done.
    pub handled: usize,
    /// Read, but the handler failed (or panicked, or the store failed): back in quarantine.
    pub failed: usize,
    /// Still unreadable: back in quarantine with the new reason.
    pub unreadable: usize,
    /// Listed, but taken by another replay or delivery before this one claimed it.
    pub skipped: usize,
}

/// What [`Receiver::maintain`] found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Maintenance {
    /// Done records older than the store's retention, deleted.
    pub deleted: u64,
    /// Claims whose lease expired long ago without an outcome: probably lost to a crash. They are
    /// never deleted; a retry from StepPay claims them again.
    pub stale: Vec<StaleClaim>,
}

impl<H, S> Receiver<H, S>
where
    H: Handler + Send + Sync + 'static,
    S: DeliveryStore + 'static,
{
    /// Receives one delivery: `signature` is the `Steppay-Signature` header's value as sent
    /// (`None` when absent), `body` the raw body. Answer StepPay with the [`Outcome`]'s status,
    /// `Retry-After` and message.
    ///
    /// The work runs on a task of its own: if the caller stops waiting (the client disconnected),
    /// the delivery is still handled and recorded. Needs a tokio runtime.
    pub async fn receive(&self, signature: Option<&[u8]>, body: Bytes) -> Outcome {
        let this = self.clone();
        let signature = signature.map(<[u8]>::to_vec);
        let span =
            tracing::info_span!("steppay_webhook", event = Empty, key = Empty, attempt = Empty,);
        let task = tokio::spawn(
            async move {
                let started = Instant::now();
                let outcome = this.process(signature.as_deref(), &body).await;
                log(&outcome, started);
                this.maybe_maintain();
                outcome
            }
            .instrument(span),
        );
        // The task catches the handler's panics itself; a join error here means the runtime is
        // shutting down.
        task.await.unwrap_or(Outcome::StoreUnavailable)
    }

    async fn process(&self, signature: Option<&[u8]>, body: &Bytes) -> Outcome {
        if body.len() > self.body_limit {
            return Outcome::TooLarge;
        }
        let signature = match signature.map(std::str::from_utf8) {
            None => None,
            Some(Ok(text)) => Some(text),
            Some(Err(_)) => {
                return Outcome::Rejected(VerifyError::MalformedHeader(
                    "the header is not visible ASCII",
                ));
            }
        };
        if let Err(error) = self.verifier.verify(signature, body) {
            return Outcome::Rejected(error);
        }
        let parsed = Webhook::from_slice(body)
            .and_then(|webhook| webhook.check_version(&self.versions).map(|()| webhook));
        let key = self.keys.key(body, parsed.as_ref().ok());
        let event_type = match &parsed {
            Ok(webhook) => Some(webhook.event.as_str()),
            Err(error) => error.event_type(),
        };
        let span = tracing::Span::current();
        span.record("key", key.as_str());
        if let Some(event_type) = event_type {
            span.record("event", event_type);
        }
        let lease = match self.store.claim(&key, event_type, self.lease).await {
            Ok(Claim::Acquired(lease)) => lease,
            Ok(Claim::Done) => return Outcome::Duplicate,
            Ok(Claim::Quarantined) => return Outcome::AlreadyQuarantined,
            Ok(Claim::InProgress { retry_after }) => return Outcome::InProgress { retry_after },
            Err(error) => {
                tracing::warn!(%error, "could not claim the delivery");
                return Outcome::StoreUnavailable;
            }
        };
        span.record("attempt", lease.attempt);
        match parsed {
            Ok(webhook) => self.handle(webhook, lease).await,
            Err(error) => self.unreadable(body.clone(), error, lease).await,
        }
    }

    /// Runs the handler (catching a panic), renewing the lease until it ends, and records the
    /// result.
    async fn handle(&self, webhook: Webhook, lease: Lease) -> Outcome {
        let delivery = Delivery::new(&webhook).with_key(&lease.key, lease.attempt);
        let run = CatchUnwind::new(dispatch(&*self.handler, delivery));
        match self.renewing(&lease, run).await {
            Ok(Ok(())) => match self.store.complete(&lease).await {
                Ok(()) => Outcome::Handled,
                Err(error) => self.not_recorded(&error),
            },
            Ok(Err(_)) => {
                // The handler's error stays unlogged: it may quote the payload. Handlers log
                // their own errors, knowing what is safe to.
                self.fail(&lease).await;
                Outcome::HandlerFailed
            }
            Err(Panicked) => self.panicked(&lease).await,
        }
    }

    /// Gives a delivery that verified but cannot be read to the handler's hook, and carries out
    /// its decision.
    async fn unreadable(&self, body: Bytes, error: ParseError, lease: Lease) -> Outcome {
        tracing::warn!(%error, "the body cannot be read by this version of the catalogue");
        let delivery = Unreadable::new(&body, &error).with_key(&lease.key, lease.attempt);
        let run = CatchUnwind::new(self.handler.unreadable(&delivery));
        let action = match self.renewing(&lease, run).await {
            Ok(action) => action,
            Err(Panicked) => return self.panicked(&lease).await,
        };
        match action {
            UnreadableAction::Quarantine => {
                match self.store.quarantine(&lease, &body, &error.to_string()).await {
                    Ok(()) => Outcome::Quarantined,
                    Err(StoreError::NoStore) => {
                        self.fail(&lease).await;
                        Outcome::Unreadable
                    }
                    Err(error @ StoreError::LeaseLost { .. }) => self.not_recorded(&error),
                    Err(error) => {
                        self.fail(&lease).await;
                        self.not_recorded(&error)
                    }
                }
            }
            UnreadableAction::Retry => {
                self.fail(&lease).await;
                Outcome::Unreadable
            }
            UnreadableAction::Handled => match self.store.complete(&lease).await {
                Ok(()) => Outcome::Handled,
                Err(error) => self.not_recorded(&error),
            },
        }
    }

    /// Waits for `run`, renewing `lease` every third of its duration. A lost lease stops the
    /// renewals but not the run: its result will not be recorded.
    async fn renewing<T>(
        &self,
        lease: &Lease,
        mut run: CatchUnwind<impl Future<Output = T>>,
    ) -> Result<T, Panicked> {
        let period = (lease.duration / 3).max(Duration::from_millis(100));
        let mut renewals = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        renewals.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut renewing = true;
        loop {
            tokio::select! {
                // The run first: a handler that finishes on its first poll never arms the timer.
                biased;
                result = &mut run => return result,
                _ = renewals.tick(), if renewing => match self.store.renew(lease).await {
                    Ok(()) => {}
                    Err(error @ StoreError::LeaseLost { .. }) => {
                        tracing::warn!(%error, "the handler outlived its lease");
                        renewing = false;
                    }
                    Err(error) => tracing::warn!(%error, "could not renew the lease; will try again"),
                },
            }
        }
    }

    /// The handler panicked: the run is recorded as failed, so that the retry handles it.
    async fn panicked(&self, lease: &Lease) -> Outcome {
        self.fail(lease).await;
        // The panic's message is not logged: it may quote the payload.
        tracing::error!("the webhook handler panicked");
        Outcome::HandlerPanicked
    }

    /// Records a failed run, so that the next delivery of the key is handled.
    async fn fail(&self, lease: &Lease) {
        if let Err(error) = self.store.fail(lease).await {
            // The lease expires anyway, and the retry claims it then.
            tracing::warn!(%error, "could not record the failure");
        }
    }

    /// The handler's result could not be recorded: the retry finds out what became of it.
    fn not_recorded(&self, error: &StoreError) -> Outcome {
        tracing::warn!(%error, "could not record the result");
        match error {
            StoreError::LeaseLost { .. } => Outcome::LeaseLost,
            _ => Outcome::StoreUnavailable,
        }
    }

    /// Handles the quarantined deliveries again with this version of the crate: each one that now
    /// reads goes to its handler method (the signature was checked when it arrived), and the
    /// rest stay quarantined with their new reason.
    ///
    /// # Errors
    ///
    /// When the store cannot list or claim them; what was replayed before stays replayed.
    pub async fn replay(&self) -> Result<ReplayReport, StoreError> {
        let mut report = ReplayReport::default();
        for kept in self.store.quarantined(usize::MAX).await? {
            match self.replay_one(&kept.key).await? {
                None => report.skipped += 1,
                Some(Outcome::Handled) => report.handled += 1,
                Some(Outcome::Quarantined) => report.unreadable += 1,
                Some(_) => report.failed += 1,
            }
        }
        Ok(report)
    }

    /// Replays the quarantined delivery `key`, as [`Receiver::replay`] does each; `None` when it
    /// is not quarantined (any more).
    ///
    /// # Errors
    ///
    /// When the store cannot claim it.
    pub async fn replay_one(&self, key: &DeliveryKey) -> Result<Option<Outcome>, StoreError> {
        let Some(KeptDelivery { lease, body }) =
            self.store.claim_quarantined(key, self.lease).await?
        else {
            return Ok(None);
        };
        let span = tracing::info_span!(
            "steppay_webhook_replay",
            key = key.as_str(),
            attempt = lease.attempt,
            event = Empty
        );
        let started = Instant::now();
        let parsed = Webhook::from_slice(&body)
            .and_then(|webhook| webhook.check_version(&self.versions).map(|()| webhook));
        let outcome = match parsed {
            Ok(webhook) => {
                span.record("event", webhook.event.as_str());
                self.handle(webhook, lease).instrument(span.clone()).await
            }
            Err(error) => {
                self.store.quarantine(&lease, &body, &error.to_string()).await?;
                Outcome::Quarantined
            }
        };
        span.in_scope(|| log(&outcome, started));
        Ok(Some(outcome))
    }

    /// Deletes done records older than the store's retention and reports stale claims (logged
    /// as warnings too). The receiver does this on its own every
    /// [`cleanup_every`](Receiver::cleanup_every); call it yourself if you turned that off.
    ///
    /// # Errors
    ///
    /// When the store fails.
    pub async fn maintain(&self) -> Result<Maintenance, StoreError> {
        let deleted = self.store.cleanup().await?;
        let stale = self.store.stale(STALE_AFTER).await?;
        for claim in stale.iter().take(STALE_LOGGED) {
            tracing::warn!(
                key = claim.key.as_str(),
                event = claim.event_type.as_deref().unwrap_or("?"),
                attempt = claim.attempt,
                expired_secs = claim.expired_for.as_secs(),
                "a claim was abandoned (its instance probably died while handling it); a retry \
                 from StepPay will handle it"
            );
        }
        if deleted > 0 || !stale.is_empty() {
            tracing::info!(deleted, stale = stale.len(), "delivery store maintained");
        }
        Ok(Maintenance { deleted, stale })
    }

    /// Starts [`Receiver::maintain`] in the background when it is due.
    fn maybe_maintain(&self) {
        let Some(every) = self.cleanup_every else { return };
        {
            let mut last = self.last_cleanup.lock().unwrap_or_else(PoisonError::into_inner);
            let now = Instant::now();
            match *last {
                Some(at) if now.duration_since(at) < every => return,
                _ => *last = Some(now),
            }
        }
        let this = self.clone();
        tokio::spawn(
            async move {
                if let Err(error) = this.maintain().await {
                    tracing::warn!(%error, "could not clean up the delivery store");
                }
            }
            .in_current_span(),
        );
    }
}

/// One event per delivery, in its span (event type, key, attempt): the outcome, the status and the
/// latency. Never a payload value, a secret or a signature.
fn log(outcome: &Outcome, started: Instant) {
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
            "delivery not handled; StepPay should retry"
        ),
        _ => tracing::info!(
            outcome = outcome.name(),
            status = outcome.status(),
            latency_ms,
            "delivery answered"
        ),
    }
}
