//! One run of a claimed delivery: the handler (or the unreadable hook) under a renewed lease,
//! then the transition its result calls for. Both entries of the pipeline, the request and the
//! worker, end here.

use std::time::{Duration, Instant};

use super::unwind::{CatchUnwind, Panicked};
use super::worker::Phase;
use super::{Outcome, Receiver, metrics};
use crate::store::{AttemptOutcome, DeadLetter, Failed, Lease, StoreError};
use crate::{Delivery, Handler, ParseError, Unreadable, UnreadableAction, Webhook, dispatch};

/// Who started a run: for logs and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Trigger {
    /// A request, answered after the run (inline).
    Request,
    /// A request already answered `200` (accept-first).
    Accepted,
    /// The worker: the delivery was due.
    Worker,
}

impl Trigger {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Request => "request",
            Self::Accepted => "accepted",
            Self::Worker => "worker",
        }
    }
}

/// How waiting for a run ended.
enum RunEnd<T> {
    /// It finished (or panicked).
    Ran(Result<T, Panicked>),
    /// A shutdown stopped it, and its lease was given back.
    Stopped,
}

impl<H: Handler + Send + Sync + 'static> Receiver<H> {
    /// Runs one delivery the caller has claimed under `lease`: its body, read (or not) by this
    /// version. Returns what became of it.
    pub(super) async fn run(
        &self,
        lease: Lease,
        body: &[u8],
        parsed: Result<Webhook, ParseError>,
        trigger: Trigger,
    ) -> Outcome {
        let _running = self.shared.enter();
        match parsed {
            Ok(webhook) => self.handle(&webhook, lease, trigger).await,
            Err(error) => self.unreadable(body, &error, lease, trigger).await,
        }
    }

    /// Runs the handler (catching a panic), renewing the lease until it ends, and records the
    /// result.
    async fn handle(&self, webhook: &Webhook, lease: Lease, trigger: Trigger) -> Outcome {
        let event_type = webhook.event.as_str();
        let delivery = Delivery::new(webhook).with_key(&lease.key, lease.attempt);
        let started = Instant::now();
        let ended = self.renewing(&lease, trigger, dispatch(&*self.handler, delivery)).await;
        let outcome = match ended {
            RunEnd::Ran(Ok(Ok(()))) => match self.store.complete(&lease).await {
                Ok(()) => Outcome::Handled,
                Err(error) => not_recorded(&error),
            },
            // The handler's error stays unlogged: it may quote the payload. Handlers log their
            // own errors, knowing what is safe to.
            RunEnd::Ran(Ok(Err(_))) => {
                self.failed(&lease, AttemptOutcome::Failed, Some(event_type)).await;
                Outcome::HandlerFailed
            }
            RunEnd::Ran(Err(Panicked)) => {
                // The panic's message is not logged: it may quote the payload.
                tracing::error!("the webhook handler panicked");
                self.failed(&lease, AttemptOutcome::Panicked, Some(event_type)).await;
                Outcome::HandlerPanicked
            }
            RunEnd::Stopped => Outcome::ShuttingDown,
        };
        metrics::run(&outcome, trigger, event_type, started.elapsed());
        outcome
    }

    /// Gives a delivery that verified but cannot be read to the handler's hook, and carries out
    /// its decision.
    async fn unreadable(
        &self,
        body: &[u8],
        error: &ParseError,
        lease: Lease,
        trigger: Trigger,
    ) -> Outcome {
        tracing::warn!(%error, "the body cannot be read by this version of the catalogue");
        let event_type = error.event_type();
        let delivery = Unreadable::new(body, error).with_key(&lease.key, lease.attempt);
        let action = match self.renewing(&lease, trigger, self.handler.unreadable(&delivery)).await
        {
            RunEnd::Ran(Ok(action)) => action,
            RunEnd::Ran(Err(Panicked)) => {
                tracing::error!("the webhook handler's unreadable hook panicked");
                self.failed(&lease, AttemptOutcome::Panicked, event_type).await;
                return Outcome::HandlerPanicked;
            }
            RunEnd::Stopped => return Outcome::ShuttingDown,
        };
        match action {
            UnreadableAction::Quarantine => {
                match self.store.quarantine(&lease, &error.to_string()).await {
                    Ok(()) => Outcome::Quarantined,
                    Err(StoreError::NoStore) => {
                        self.failed(&lease, AttemptOutcome::Unreadable, event_type).await;
                        Outcome::Unreadable
                    }
                    Err(error) => not_recorded(&error),
                }
            }
            UnreadableAction::Retry => {
                self.failed(&lease, AttemptOutcome::Unreadable, event_type).await;
                Outcome::Unreadable
            }
            UnreadableAction::Handled => match self.store.complete(&lease).await {
                Ok(()) => Outcome::Handled,
                Err(error) => not_recorded(&error),
            },
        }
    }

    /// Waits for `run`, renewing `lease` every third of its duration, and catching a panic in
    /// it. A lost lease stops the renewals but not the run: its result will not be recorded. A
    /// shutdown past its grace drops the run and gives the lease back. Accepted and worker runs
    /// wait for one of the worker's places first, renewing their lease meanwhile.
    async fn renewing<T>(
        &self,
        lease: &Lease,
        trigger: Trigger,
        run: impl Future<Output = T>,
    ) -> RunEnd<T> {
        // Boxed, so that a stopped run is dropped (its guards released) before its lease is
        // given back.
        let mut run = Box::pin(async {
            let _place = match trigger {
                Trigger::Request => None,
                Trigger::Accepted | Trigger::Worker => self.shared.place().await,
            };
            CatchUnwind::new(run).await
        });
        let period = (lease.duration / 3).max(Duration::from_millis(100));
        let mut renewals = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        renewals.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut renewing = true;
        let mut phase = self.shared.phase();
        loop {
            tokio::select! {
                // The run first: a handler that finishes on its first poll never arms the timer.
                biased;
                result = &mut run => return RunEnd::Ran(result),
                _ = renewals.tick(), if renewing => match self.store.renew(lease).await {
                    Ok(()) => {}
                    Err(error @ StoreError::LeaseLost { .. }) => {
                        tracing::warn!(%error, "the handler outlived its lease");
                        renewing = false;
                    }
                    Err(error) => tracing::warn!(%error, "could not renew the lease; will try again"),
                },
                Ok(()) = phase.changed() => if *phase.borrow() == Phase::Stopping {
                    break;
                },
            }
        }
        // Stopped by a shutdown: the run is dropped here (as a crash would stop it, but with
        // the lease given back, so that another instance takes the delivery at once).
        drop(run);
        match self.store.release(lease).await {
            Ok(()) => self.shared.count_released(),
            Err(error) => tracing::warn!(%error, "could not give the lease back; it will expire"),
        }
        tracing::warn!("the run was stopped by a shutdown; its lease was given back");
        RunEnd::Stopped
    }

    /// Records a failed run: due again on the schedule, or dead when it has run out (and then
    /// the dead-letter hook is told, the first time).
    async fn failed(&self, lease: &Lease, outcome: AttemptOutcome, event_type: Option<&str>) {
        let retry_in = self.schedule.delay_after(&lease.key, lease.attempt);
        match self.store.fail(lease, outcome, retry_in).await {
            Ok(Failed::Dead { first: true }) => self.report_dead(&DeadLetter {
                key: lease.key.clone(),
                event_type: event_type.map(str::to_owned),
                attempts: lease.attempt,
                last_outcome: outcome,
            }),
            Ok(Failed::Dead { first: false } | Failed::WillRetry) => {}
            // The lease expires anyway, and the worker (or a resend) takes the delivery then.
            Err(error) => tracing::warn!(%error, "could not record the failure"),
        }
    }

    /// Tells the service that a delivery died.
    pub(super) fn report_dead(&self, dead: &DeadLetter) {
        tracing::error!(
            key = dead.key.as_str(),
            event = dead.event_type.as_deref().unwrap_or("?"),
            attempts = dead.attempts,
            last_outcome = dead.last_outcome.as_str(),
            "a delivery is dead: its retries ran out; it waits in the store for an operator"
        );
        metrics::died();
        if let Some(hook) = &self.on_dead {
            // A panicking hook must not take the run (or the worker) down with it.
            let called = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| hook(dead)));
            if called.is_err() {
                tracing::error!("the dead-letter hook panicked");
            }
        }
    }
}

/// The run's result could not be recorded: its lease expires, and the worker (or a resend)
/// finds out what became of it.
fn not_recorded(error: &StoreError) -> Outcome {
    tracing::warn!(%error, "could not record the result");
    match error {
        StoreError::LeaseLost { .. } => Outcome::LeaseLost,
        _ => Outcome::StoreUnavailable,
    }
}
