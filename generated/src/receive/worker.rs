//! The worker: the pipeline's second entry. It claims the deliveries the store says are due
//! (failed ones whose next attempt has come, pending ones, runs whose lease expired) and runs
//! them as a request would, bounded by a number of places; it cleans up the store, and it
//! shuts down gracefully.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, watch};
use tracing::Instrument as _;

use super::{Outcome, Receiver, metrics};
use crate::store::{KeptDelivery, StartedBy, StateCounts, StoreError};
use crate::{Handler, Webhook};

/// How long a shutdown waits, after its grace, for the runs it stopped to give their leases
/// back.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// The longest the worker waits between polls while the store keeps failing.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// How often the worker updates the inbox gauges (feature `metrics`).
const GAUGE_INTERVAL: Duration = Duration::from_secs(15);

/// Where a receiver is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    /// Taking deliveries and running them.
    Running,
    /// Shutting down: no new delivery, no new claim; runs in flight finish.
    Draining,
    /// The grace is over: runs still going are stopped and give their leases back.
    Stopping,
}

/// What the clones of one receiver share: its worker, its runs in flight, and its shutdown.
#[derive(Debug)]
pub(super) struct Shared {
    phase: watch::Sender<Phase>,
    /// The worker's places: one per run it (or accept-first) may have going at once.
    places: Arc<Semaphore>,
    /// Runs in flight, of every trigger; `idle` is notified when it falls to zero.
    running: AtomicUsize,
    idle: Notify,
    /// Runs a shutdown stopped whose leases were given back.
    released: AtomicUsize,
    /// Wakes the worker: an operator's action, or a place freed while it had none.
    wake: Notify,
    starved: AtomicBool,
    /// Whether the worker was started: checked on every delivery without taking the lock.
    started: AtomicBool,
    worker: Mutex<Option<tokio::task::JoinHandle<()>>>,
    last_cleanup: Mutex<Option<Instant>>,
}

impl Shared {
    pub(super) fn new(places: usize) -> Self {
        Self {
            phase: watch::Sender::new(Phase::Running),
            places: Arc::new(Semaphore::new(places)),
            running: AtomicUsize::new(0),
            idle: Notify::new(),
            released: AtomicUsize::new(0),
            wake: Notify::new(),
            starved: AtomicBool::new(false),
            started: AtomicBool::new(false),
            worker: Mutex::new(None),
            last_cleanup: Mutex::new(None),
        }
    }

    pub(super) fn phase(&self) -> watch::Receiver<Phase> {
        self.phase.subscribe()
    }

    pub(super) fn is_running(&self) -> bool {
        *self.phase.borrow() == Phase::Running
    }

    /// Counts a run in flight until the guard is dropped.
    pub(super) fn enter(&self) -> RunGuard<'_> {
        self.running.fetch_add(1, Ordering::SeqCst);
        RunGuard(self)
    }

    /// Waits for one of the worker's places; `None` if the semaphore is closed (never, today).
    pub(super) async fn place(&self) -> Option<Place<'_>> {
        let permit = Arc::clone(&self.places).acquire_owned().await.ok()?;
        Some(Place { _permit: permit, shared: self })
    }

    pub(super) fn count_released(&self) {
        self.released.fetch_add(1, Ordering::SeqCst);
    }

    /// Waits until no run is in flight, or `timeout` passes; whether none is.
    async fn idle(&self, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.idle.notified();
            if self.running.load(Ordering::SeqCst) == 0 {
                return true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.running.load(Ordering::SeqCst) == 0;
            }
        }
    }
}

/// A run in flight, counted until dropped.
pub(super) struct RunGuard<'a>(&'a Shared);

impl Drop for RunGuard<'_> {
    fn drop(&mut self) {
        if self.0.running.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

/// One of the worker's places, held while a run goes on.
pub(super) struct Place<'a> {
    _permit: OwnedSemaphorePermit,
    shared: &'a Shared,
}

impl Drop for Place<'_> {
    fn drop(&mut self) {
        // The worker found no place free when it last looked: tell it one is.
        if self.shared.starved.swap(false, Ordering::SeqCst) {
            self.shared.wake.notify_one();
        }
    }
}

/// What one pass of the worker did ([`Receiver::work_once`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WorkReport {
    /// Deliveries that were due and claimed.
    pub claimed: usize,
    /// Runs that ended done.
    pub handled: usize,
    /// Runs that failed or panicked (each now failed and due again, or dead).
    pub failed: usize,
    /// Runs of bodies that still cannot be read (quarantined again, or failed by the hook).
    pub unreadable: usize,
    /// Runs whose result could not be recorded (a lost lease, the store down, a shutdown).
    pub not_recorded: usize,
    /// Deliveries that died because their runs kept dying with their instance.
    pub buried: usize,
}

impl WorkReport {
    fn count(&mut self, outcome: &Outcome) {
        match outcome {
            Outcome::Handled => self.handled += 1,
            Outcome::HandlerFailed | Outcome::HandlerPanicked => self.failed += 1,
            Outcome::Quarantined | Outcome::Unreadable => self.unreadable += 1,
            _ => self.not_recorded += 1,
        }
    }
}

/// What [`Receiver::maintain`] did and found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Maintenance {
    /// Done and discarded records older than the retention, deleted.
    pub deleted: u64,
    /// Bodies of done deliveries kept longer than the store keeps them, dropped.
    pub bodies_dropped: u64,
    /// Deliveries that died because their runs kept dying with their instance.
    pub buried: usize,
    /// How many deliveries are in each state now.
    pub counts: StateCounts,
}

/// What a graceful [`Receiver::shutdown`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShutdownReport {
    /// Runs in flight when the shutdown began.
    pub in_flight: usize,
    /// Of those, runs still going when the grace ran out: stopped, their leases given back so
    /// that another instance takes them at once.
    pub released: usize,
}

impl<H: Handler + Send + Sync + 'static> Receiver<H> {
    /// Starts this receiver's worker, unless it runs already or the receiver has no store;
    /// mounting a receiver (`into_method_router`) and its first delivery do this, so call it
    /// only to start working before either. Needs a tokio runtime.
    ///
    /// The worker lives while any clone of the receiver does (a mounted route holds one), and
    /// ends at [`Receiver::shutdown`].
    pub fn start_worker(&self) {
        if self.shared.started.load(Ordering::Acquire)
            || !self.keeps_deliveries()
            || !self.shared.is_running()
        {
            return;
        }
        let mut worker = self.shared.worker.lock().unwrap_or_else(PoisonError::into_inner);
        if self.shared.started.swap(true, Ordering::AcqRel) {
            return;
        }
        // The worker's own clone does not keep the receiver alive: it watches the users' clones.
        let watched = Arc::downgrade(&self.alive);
        let mut this = self.clone();
        this.alive = Arc::new(());
        let span = tracing::info_span!("steppay_webhook_worker");
        *worker = Some(tokio::spawn(this.work(watched).instrument(span)));
    }

    /// Starts the worker if there is a runtime to start it on (a route built before the
    /// runtime starts it with its first delivery instead).
    #[cfg_attr(not(any(feature = "axum", feature = "actix-web")), allow(dead_code))]
    pub(crate) fn start_worker_if_possible(&self) {
        if tokio::runtime::Handle::try_current().is_ok() {
            self.start_worker();
        }
    }

    /// 작업자만 — Runs the worker until `until` resolves, then shuts down gracefully within
    /// `grace`: the one call of a process that works the store without receiving (for
    /// deployments that split the two). Needs a tokio runtime.
    ///
    /// ```no_run
    /// # #[cfg(feature = "postgres")]
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// # use steppay_webhooks::{receive::Receiver, store::PostgresStore, verify::Verifier, Handler};
    /// # struct Billing;
    /// # impl Handler for Billing {}
    /// let store = PostgresStore::connect("host=db.internal user=shop dbname=shop").await?;
    /// let verifier = Verifier::new([std::env::var("STEPPAY_WEBHOOK_SECRET")?])?;
    /// let worker = Receiver::new(verifier, Billing).store(store);
    /// worker.run_worker(async { let _ = tokio::signal::ctrl_c().await; }, std::time::Duration::from_secs(30)).await;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn run_worker(
        &self,
        until: impl Future<Output = ()>,
        grace: Duration,
    ) -> ShutdownReport {
        self.start_worker();
        until.await;
        self.shutdown(grace).await
    }

    /// 정상 종료 — Stops taking deliveries (a request is answered `503`, so that StepPay sends
    /// it to another instance) and claiming due ones, lets the runs in flight finish within
    /// `grace`, then stops those still going and gives their leases back, so that another
    /// instance's worker takes them at once. Call it after the HTTP server stopped accepting.
    pub async fn shutdown(&self, grace: Duration) -> ShutdownReport {
        let in_flight = self.shared.running.load(Ordering::SeqCst);
        self.shared.phase.send_replace(Phase::Draining);
        self.shared.wake.notify_one();
        if !self.shared.idle(grace).await {
            self.shared.phase.send_replace(Phase::Stopping);
            if !self.shared.idle(STOP_TIMEOUT).await {
                tracing::warn!("runs stopped by the shutdown did not end in time");
            }
        }
        let worker = self.shared.worker.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(worker) = worker {
            let _ = worker.await;
        }
        ShutdownReport { in_flight, released: self.shared.released.load(Ordering::SeqCst) }
    }

    /// One pass of the worker, to the end: claims what is due (up to the worker's concurrency)
    /// and runs it all, concurrently. For a scheduler of your own (a cron job) and for tests;
    /// the worker does this on its own.
    ///
    /// # Errors
    ///
    /// When the store cannot be asked; no delivery was claimed then.
    pub async fn work_once(&self) -> Result<WorkReport, StoreError> {
        let mut report = WorkReport { buried: self.bury().await?, ..WorkReport::default() };
        let due = self
            .store
            .claim_due(self.concurrency, self.lease, self.schedule.max_attempts())
            .await?;
        report.claimed = due.len();
        let runs: Vec<_> = due
            .into_iter()
            .map(|kept| {
                let this = self.clone();
                tokio::spawn(async move { this.run_kept(kept).await })
            })
            .collect();
        for run in runs {
            // A join error means the runtime is shutting down; the lease expires and another
            // pass takes the delivery.
            report.count(&run.await.unwrap_or(Outcome::ShuttingDown));
        }
        Ok(report)
    }

    /// Deletes done and discarded records older than the store's retention (and done bodies
    /// kept past their time), buries deliveries whose runs keep dying, and counts what the
    /// store holds (also into the gauges, feature `metrics`). The worker does this on its own
    /// every [`cleanup_every`](Receiver::cleanup_every).
    ///
    /// # Errors
    ///
    /// When the store fails.
    pub async fn maintain(&self) -> Result<Maintenance, StoreError> {
        let cleanup = self.store.cleanup().await?;
        let buried = self.bury().await?;
        let counts = self.store.counts().await?;
        metrics::inbox(&counts);
        if cleanup.deleted > 0 || cleanup.bodies_dropped > 0 || buried > 0 {
            tracing::info!(
                deleted = cleanup.deleted,
                bodies_dropped = cleanup.bodies_dropped,
                buried,
                "delivery store maintained"
            );
        }
        Ok(Maintenance {
            deleted: cleanup.deleted,
            bodies_dropped: cleanup.bodies_dropped,
            buried,
            counts,
        })
    }

    /// Runs a delivery the worker claimed: reads its body with this version, as a request would.
    pub(super) async fn run_kept(&self, kept: KeptDelivery) -> Outcome {
        let KeptDelivery { lease, body, event_type, .. } = kept;
        let span = tracing::info_span!(
            "steppay_webhook",
            event = event_type.as_deref().unwrap_or("?"),
            key = lease.key.as_str(),
            attempt = lease.attempt,
            trigger = StartedBy::Worker.as_str(),
        );
        async {
            let started = Instant::now();
            let parsed = Webhook::from_slice(&body)
                .and_then(|webhook| webhook.check_version(&self.versions).map(|()| webhook));
            let outcome = self.run(lease, &body, &parsed, StartedBy::Worker, None).await;
            super::pipeline::log(&outcome, started);
            outcome
        }
        .instrument(span)
        .await
    }

    /// Buries what the store says has died with its instances too often, and reports each.
    async fn bury(&self) -> Result<usize, StoreError> {
        let dead = self.store.bury_abandoned(self.schedule.max_attempts()).await?;
        for letter in &dead {
            self.report_dead(letter);
        }
        Ok(dead.len())
    }

    /// The worker's loop; ends at a shutdown, or when every clone the users had is gone.
    async fn work(self, users: Weak<()>) {
        let mut phase = self.shared.phase();
        let mut failures = 0u32;
        let mut last_gauges: Option<Instant> = None;
        loop {
            if !self.shared.is_running() || users.strong_count() == 0 {
                return;
            }
            self.maybe_maintain(&mut last_gauges).await;
            let full = match self.claim_and_start().await {
                Ok(full) => {
                    failures = 0;
                    full
                }
                Err(error) => {
                    failures = failures.saturating_add(1);
                    tracing::warn!(%error, "the worker could not ask the store for due deliveries");
                    false
                }
            };
            // A full batch means more may be due: ask again at once. Otherwise wait for the
            // next poll (longer while the store keeps failing), a wake-up, or a shutdown.
            let wait = if full {
                Duration::ZERO
            } else {
                self.poll_every.saturating_mul(1 << failures.min(5)).min(MAX_BACKOFF)
            };
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = self.shared.wake.notified() => {}
                _ = phase.changed() => {}
            }
        }
    }

    /// Buries, claims as many due deliveries as there are free places, and starts a run for
    /// each; whether every place was filled.
    async fn claim_and_start(&self) -> Result<bool, StoreError> {
        self.bury().await?;
        let free = self.shared.places.available_permits();
        if free == 0 {
            self.shared.starved.store(true, Ordering::SeqCst);
            return Ok(false);
        }
        let due = self.store.claim_due(free, self.lease, self.schedule.max_attempts()).await?;
        let full = due.len() == free;
        for kept in due {
            let this = self.clone();
            tokio::spawn(async move { this.run_kept(kept).await }.in_current_span());
        }
        Ok(full)
    }

    /// Cleans up the store when it is due, and updates the gauges (feature `metrics`).
    async fn maybe_maintain(&self, last_gauges: &mut Option<Instant>) {
        let cleanup_due = self.cleanup_every.is_some_and(|every| {
            let mut last = self.shared.last_cleanup.lock().unwrap_or_else(PoisonError::into_inner);
            let now = Instant::now();
            let due = last.is_none_or(|at| now.duration_since(at) >= every);
            if due {
                *last = Some(now);
            }
            due
        });
        if cleanup_due {
            if let Err(error) = self.maintain().await {
                tracing::warn!(%error, "could not clean up the delivery store");
            }
            *last_gauges = Some(Instant::now());
        } else if metrics::ENABLED && last_gauges.is_none_or(|at| at.elapsed() >= GAUGE_INTERVAL) {
            *last_gauges = Some(Instant::now());
            match self.store.counts().await {
                Ok(counts) => metrics::inbox(&counts),
                Err(error) => tracing::warn!(%error, "could not count the deliveries"),
            }
        }
    }

    /// Wakes the worker, after an operator's action made deliveries due.
    pub(super) fn wake_worker(&self) {
        self.shared.wake.notify_one();
    }
}
