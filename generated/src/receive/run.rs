//! One run of a claimed delivery: the handler (or the unreadable hook) under a renewed lease,
//! then the transition its result calls for. Both entries of the pipeline, the request and the
//! worker, end here.

use std::time::{Duration, Instant, SystemTime};

use super::unwind::{CatchUnwind, Panicked};
use super::worker::Phase;
use super::{Outcome, Receiver, metrics};
use crate::key::LazyKey;
use crate::store::{
    AttemptOutcome, AttemptRecord, DeadLetter, Failed, Lease, StartedBy, StoreError,
};
use crate::{
    Delivery, Handler, OperatorNote, ParseError, Unreadable, UnreadableAction, Webhook, dispatch,
};

/// How waiting for a run ended.
enum RunEnd<T> {
    /// It finished (or panicked); it started then.
    Ran(Result<T, Panicked>, Started),
    /// A shutdown stopped it, and its lease was given back.
    Stopped,
}

/// When a run's handler started: on the wall clock for the history, and on the monotonic one
/// for its duration.
#[derive(Clone, Copy)]
struct Started {
    at: SystemTime,
    instant: Instant,
}

impl Started {
    fn now() -> Self {
        Self { at: SystemTime::now(), instant: Instant::now() }
    }

    /// The history's record of this run, ended in `outcome`.
    fn record(self, lease: &Lease, outcome: AttemptOutcome, by: StartedBy) -> AttemptRecord {
        AttemptRecord::new(lease.attempt, self.at, self.instant.elapsed(), outcome, by)
    }
}

impl<H: Handler + Send + Sync + 'static> Receiver<H> {
    /// Runs one delivery the caller has claimed under `lease`: its body, read (or not) by this
    /// version. Returns what became of it. `key` is the key to give the handler when the lease
    /// carries none (a receiver without a store makes it only if asked).
    pub(super) async fn run(
        &self,
        lease: Lease,
        body: &[u8],
        parsed: &Result<Webhook, ParseError>,
        by: StartedBy,
        key: Option<&LazyKey<'_>>,
    ) -> Outcome {
        let _running = self.shared.enter();
        match parsed {
            Ok(webhook) => self.handle(webhook, lease, by, key).await,
            Err(error) => self.unreadable(body, error, lease, by, key).await,
        }
    }

    /// Runs the handler (catching a panic), renewing the lease until it ends, and records the
    /// result and the run's history.
    async fn handle(
        &self,
        webhook: &Webhook,
        lease: Lease,
        by: StartedBy,
        key: Option<&LazyKey<'_>>,
    ) -> Outcome {
        let event_type = webhook.event.as_str();
        let delivery = match key {
            Some(key) => Delivery::new(webhook).with_lazy_key(key, lease.attempt),
            None => Delivery::new(webhook).with_key(&lease.key, lease.attempt),
        };
        let (outcome, took) =
            match self.renewing(&lease, by, dispatch(&*self.handler, delivery)).await {
                RunEnd::Ran(Ok(Ok(())), started) => {
                    let record = started.record(&lease, AttemptOutcome::Handled, by);
                    let took = record.duration;
                    (self.complete(&lease, &record).await, took)
                }
                // The handler's error stays unlogged and unrecorded: it may quote the payload.
                // Handlers log their own errors, knowing what is safe to, and may return an
                // `OperatorNote` for the history.
                RunEnd::Ran(Ok(Err(error)), started) => {
                    let note = OperatorNote::of(&*error).map(|note| note.message().to_owned());
                    let record = started.record(&lease, AttemptOutcome::Failed, by).note(note);
                    let took = record.duration;
                    self.failed(&lease, &record, Some(event_type)).await;
                    (Outcome::HandlerFailed, took)
                }
                RunEnd::Ran(Err(Panicked), started) => {
                    // The panic's message is not logged: it may quote the payload.
                    tracing::error!("the webhook handler panicked");
                    let record = started.record(&lease, AttemptOutcome::Panicked, by);
                    let took = record.duration;
                    self.failed(&lease, &record, Some(event_type)).await;
                    (Outcome::HandlerPanicked, took)
                }
                RunEnd::Stopped => (Outcome::ShuttingDown, Duration::ZERO),
            };
        metrics::run(&outcome, by, event_type, took);
        outcome
    }

    /// Gives a delivery that verified but cannot be read to the handler's hook, and carries out
    /// its decision.
    async fn unreadable(
        &self,
        body: &[u8],
        error: &ParseError,
        lease: Lease,
        by: StartedBy,
        key: Option<&LazyKey<'_>>,
    ) -> Outcome {
        tracing::warn!(%error, "the body cannot be read by this version of the catalogue");
        let event_type = error.event_type();
        // The rare path: the key is made now.
        let key = key.map_or(&lease.key, LazyKey::get);
        let delivery = Unreadable::new(body, error).with_key(key, lease.attempt);
        let (action, started) =
            match self.renewing(&lease, by, self.handler.unreadable(&delivery)).await {
                RunEnd::Ran(Ok(action), started) => (action, started),
                RunEnd::Ran(Err(Panicked), started) => {
                    tracing::error!("the webhook handler's unreadable hook panicked");
                    let record = started.record(&lease, AttemptOutcome::Panicked, by);
                    self.failed(&lease, &record, event_type).await;
                    return Outcome::HandlerPanicked;
                }
                RunEnd::Stopped => return Outcome::ShuttingDown,
            };
        match action {
            UnreadableAction::Quarantine => {
                let record = started.record(&lease, AttemptOutcome::Unreadable, by);
                match self.store.quarantine(&lease, &error.to_string(), &record).await {
                    Ok(()) => Outcome::Quarantined,
                    Err(StoreError::NoStore) => {
                        self.failed(&lease, &record, event_type).await;
                        Outcome::Unreadable
                    }
                    Err(error) => self.not_recorded(&lease, &record, &error).await,
                }
            }
            UnreadableAction::Retry => {
                let record = started.record(&lease, AttemptOutcome::Unreadable, by);
                self.failed(&lease, &record, event_type).await;
                Outcome::Unreadable
            }
            UnreadableAction::Handled => {
                let record = started.record(&lease, AttemptOutcome::Handled, by);
                self.complete(&lease, &record).await
            }
        }
    }

    /// Records a run as done.
    async fn complete(&self, lease: &Lease, record: &AttemptRecord) -> Outcome {
        match self.store.complete(lease, record).await {
            Ok(()) => Outcome::Handled,
            Err(error) => self.not_recorded(lease, record, &error).await,
        }
    }

    /// Waits for `run`, renewing `lease` every third of its duration, and catching a panic in
    /// it. A lost lease stops the renewals but not the run: its result will not be recorded. A
    /// shutdown past its grace drops the run and gives the lease back. Accepted and worker runs
    /// wait for one of the worker's places first, renewing their lease meanwhile.
    async fn renewing<T>(
        &self,
        lease: &Lease,
        by: StartedBy,
        run: impl Future<Output = T>,
    ) -> RunEnd<T> {
        // Boxed, so that a stopped run is dropped (its guards released) before its lease is
        // given back.
        let mut run = Box::pin(async {
            let _place = match by {
                StartedBy::Accepted | StartedBy::Worker => self.shared.place().await,
                _ => None,
            };
            let started = Started::now();
            (CatchUnwind::new(run).await, started)
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
                (result, started) = &mut run => return RunEnd::Ran(result, started),
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
    async fn failed(&self, lease: &Lease, record: &AttemptRecord, event_type: Option<&str>) {
        let retry_in = self.schedule.delay_after(&lease.key, lease.attempt);
        match self.store.fail(lease, record, retry_in).await {
            Ok(Failed::Dead { first: true }) => self.report_dead(&DeadLetter {
                key: lease.key.clone(),
                event_type: event_type.map(str::to_owned),
                attempts: lease.attempt,
                last_outcome: record.outcome,
            }),
            Ok(Failed::Dead { first: false } | Failed::WillRetry) => {}
            Err(error) => {
                // The lease expires anyway, and the worker (or a resend) takes the delivery then.
                let _ = self.not_recorded(lease, record, &error).await;
            }
        }
    }

    /// The run's result could not be recorded: its lease expires, and the worker (or a resend)
    /// finds out what became of it. A run that lost its lease still enters the history, as such.
    async fn not_recorded(
        &self,
        lease: &Lease,
        record: &AttemptRecord,
        error: &StoreError,
    ) -> Outcome {
        tracing::warn!(%error, "could not record the result");
        match error {
            StoreError::LeaseLost { .. } => {
                let mut lost = record.clone();
                lost.outcome = AttemptOutcome::LeaseLost;
                if let Err(error) = self.store.record_attempt(&lease.key, &lost).await {
                    tracing::warn!(%error, "could not record the lost run in the history");
                }
                Outcome::LeaseLost
            }
            _ => Outcome::StoreUnavailable,
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
