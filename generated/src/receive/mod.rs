//! 수신기 — Receiving deliveries so that none is lost and none is handled twice, even when
//! StepPay never sends one again (feature `receive`; the `axum` feature mounts it as a route).
//!
//! [`Receiver`] is one pipeline of plain Rust over a signature header and a body, so that any
//! HTTP framework is a thin adapter over [`Receiver::receive`]. Its worker is the same
//! pipeline's second entry: it runs what the store says is due.
//!
//! ```text
//! request: verify ─▶ parse ─▶ key ─▶ claim (body kept) ─▶ run ─▶ answer by its outcome   (inline)
//!            401                       │                  └──▶ answer 200 first, run after (accept-first)
//!                                      └─ done / discarded: 200 · in progress: 503 + Retry-After · store down: 503
//! worker:  claim_due (failed and due · pending · a lease that expired) ─▶ run
//! run:     the handler, on the delivery's own task, lease renewed, panics caught
//!            ─▶ complete (done) │ fail (failed, due again on the schedule; or dead) │ quarantine
//! ```
//!
//! - **The body is kept until the delivery is resolved.** With a store, the claim writes the
//!   verified body before the handler runs; it stays through every failure, panic, lost lease
//!   or crash, and is dropped only when the delivery is done (or an operator discards it).
//! - **Retries on our own schedule.** A failed run is due again after the
//!   [`RetrySchedule`]'s next delay ([`STANDARD_SCHEDULE`] by default: 5 s, 5 min, 30 min, 2 h,
//!   5 h, 10 h, 14 h, 20 h, 24 h); after the last, the delivery is dead and
//!   [`Receiver::on_dead`] is told, once. A run whose instance died is taken over when its lease
//!   expires. StepPay's own resends race through the same claim, so a delivery never runs twice
//!   at once.
//! - **The worker cannot be forgotten.** Mounting a receiver that has a store starts its worker
//!   ([`Receiver::start_worker`]); a process that only works, with no HTTP, calls
//!   [`Receiver::run_worker`].
//! - **Two ways to answer.** Inline (the default) runs the handler inside the request and
//!   answers by its outcome, so StepPay retries too. [`Receiver::accept_first`] keeps the
//!   delivery on disk, answers `200` at once, and runs it after: for handlers slower than
//!   StepPay's (undocumented) timeout.
//! - **Verified means answered `2xx` or `5xx`, never `4xx`.** A body the catalogue cannot read
//!   goes to [`Handler::unreadable`], which by default quarantines it for a later version to
//!   replay. Without a store it is answered `500`, so that StepPay retries.
//! - **Each run is a task of its own**, so a client that disconnects cannot cancel your handler
//!   halfway, and a panic in it is caught and recorded as a failed run.
//!
//! The statuses and what they ask of StepPay are in [`Outcome`]; the states a delivery goes
//! through are in [`lifecycle`](crate::store::lifecycle).
//!
//! # The signature tolerance
//!
//! Without a store, the [`Verifier`]'s tolerance applies (5 minutes unless you chose one). With a
//! store that remembers done deliveries for a known time ([`DeliveryStore::remembers_for`]: the
//! SQLite and PostgreSQL stores), a receiver accepts signatures up to [`STORED_TOLERANCE`]
//! (3 days) old, unless you chose a tolerance with [`Verifier::tolerance`] or
//! [`Receiver::tolerance`]. StepPay does not document whether a retry is signed again; if it is
//! not, a 5-minute window refuses every retry after the fifth minute, for good. The risk of the
//! wider window is replay: someone holding a captured request can send it again for 3 days. The
//! store makes that harmless while it remembers the delivery, which is why the tolerance never
//! exceeds its retention (7 days by default): a replay of a handled delivery is answered `200`
//! and not handled again.

mod answer;
pub mod metrics;
mod outcome;
mod pipeline;
mod run;
mod schedule;
mod unwind;
mod worker;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

pub use self::answer::Answer;
pub use self::outcome::Outcome;
pub use self::schedule::{RetrySchedule, STANDARD_SCHEDULE};
use self::worker::Shared;
pub use self::worker::{Maintenance, ShutdownReport, WorkReport};
use crate::Handler;
use crate::key::KeyStrategy;
use crate::store::{DeadLetter, DeliveryStore, NoStore};
use crate::verify::Verifier;

/// The largest body accepted by default: 256 KiB.
///
/// StepPay's deliveries are small (the captured one was 560 bytes; a product with many prices
/// is tens of kilobytes), so anything near this limit is not from StepPay.
pub const DEFAULT_BODY_LIMIT: usize = 256 * 1024;

/// How long a claim lasts by default before it must be renewed: 30 seconds. The receiver renews
/// it every third of that while the handler runs, so a slow handler keeps it; an instance that
/// dies loses it within this time, and the worker of another instance (or of the restarted one)
/// takes the delivery over then.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);

/// The widest signature tolerance a receiver with a durable store uses by default: 3 days, the
/// retry horizon of the senders that document one (see the [module docs](self)).
pub const STORED_TOLERANCE: Duration = Duration::from_secs(3 * 24 * 60 * 60);

/// How often a receiver's worker cleans up its store by default: hourly.
pub const DEFAULT_CLEANUP_INTERVAL: Duration = Duration::from_secs(60 * 60);

/// How often the worker asks the store for due deliveries by default: every second.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(1);

/// How many deliveries one instance runs at once on its worker by default: the runs it claims
/// when they are due, and in accept-first mode the deliveries it accepted (the runs of requests
/// in inline mode are not counted: the HTTP server bounds those).
pub const DEFAULT_WORKER_CONCURRENCY: usize = 32;

/// How a receiver answers StepPay: after the handler ran, or before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Run the handler inside the request, and answer by its outcome.
    Inline,
    /// Keep the delivery on disk, answer `200`, then run the handler.
    AcceptFirst,
}

/// What a service is told when a delivery dies.
type DeadHook = Arc<dyn Fn(&DeadLetter) + Send + Sync>;

/// 수신기 — Verifies, keeps, de-duplicates, handles and retries deliveries; see the
/// [module docs](self).
///
/// ```no_run
/// # #[cfg(all(feature = "axum", feature = "sqlite"))]
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use steppay_webhooks::{receive::Receiver, store::SqliteStore, verify::Verifier, Handler};
///
/// struct Billing;
/// impl Handler for Billing {}
///
/// let verifier = Verifier::new([std::env::var("STEPPAY_WEBHOOK_SECRET")?])?;
/// let store = SqliteStore::open("deliveries.sqlite3").await?;
/// let receiver = Receiver::new(verifier, Billing)
///     .store(store)
///     .on_dead(|dead| eprintln!("delivery {} ({:?}) is dead", dead.key, dead.event_type));
/// let app = axum::Router::new().route("/webhooks/steppay", receiver.clone().into_method_router());
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
/// axum::serve(listener, app).with_graceful_shutdown(async { let _ = tokio::signal::ctrl_c().await; }).await?;
/// receiver.shutdown(std::time::Duration::from_secs(10)).await;
/// # Ok(())
/// # }
/// ```
///
/// Cloning is cheap and shares the handler, the store and the worker. Every setting returns a
/// receiver of its own, with no worker yet: configure first, then mount or clone.
pub struct Receiver<H> {
    handler: Arc<H>,
    store: Arc<dyn DeliveryStore>,
    verifier: Verifier,
    keys: KeyStrategy,
    versions: Arc<[String]>,
    lease: Duration,
    body_limit: usize,
    mode: Mode,
    schedule: RetrySchedule,
    on_dead: Option<DeadHook>,
    cleanup_every: Option<Duration>,
    poll_every: Duration,
    concurrency: usize,
    /// The worker, the runs in flight and the shutdown: shared by the clones of one receiver.
    shared: Arc<Shared>,
    /// Held by every clone a user has (and by the tasks of requests): the worker ends when the
    /// last one is dropped.
    alive: Arc<()>,
}

impl<H: Handler + Send + Sync + 'static> Receiver<H> {
    /// A receiver that checks signatures with `verifier` and hands deliveries to `handler`, with
    /// no store: every verified delivery is handled (duplicates included), nothing is retried
    /// but by StepPay, and an unreadable one is answered `500`. Add a store with
    /// [`Receiver::store`].
    pub fn new(verifier: Verifier, handler: H) -> Self {
        Self {
            handler: Arc::new(handler),
            store: Arc::new(NoStore),
            verifier,
            keys: KeyStrategy::default(),
            versions: Arc::from([crate::Webhook::VERSION.to_owned()]),
            lease: DEFAULT_LEASE,
            body_limit: DEFAULT_BODY_LIMIT,
            mode: Mode::Inline,
            schedule: RetrySchedule::default(),
            on_dead: None,
            cleanup_every: Some(DEFAULT_CLEANUP_INTERVAL),
            poll_every: DEFAULT_POLL_INTERVAL,
            concurrency: DEFAULT_WORKER_CONCURRENCY,
            shared: Arc::new(Shared::new(DEFAULT_WORKER_CONCURRENCY)),
            alive: Arc::new(()),
        }
    }
}

impl<H: Handler + Send + Sync + 'static> Receiver<H> {
    /// A receiver of its own with one setting changed: no worker started, no runs shared with
    /// the receiver it came from.
    fn set(mut self, change: impl FnOnce(&mut Self)) -> Self {
        change(&mut self);
        self.shared = Arc::new(Shared::new(self.concurrency));
        self.alive = Arc::new(());
        self
    }

    /// Keeps deliveries in `store` (any [`DeliveryStore`], or an `Arc<dyn DeliveryStore>`):
    /// bodies are kept until handled, failed runs are retried on the schedule, duplicates are
    /// answered without calling the handler, and unreadable deliveries are quarantined. With a
    /// store that remembers done records for a known time, the signature tolerance widens (see
    /// the [module docs](self#the-signature-tolerance)).
    #[must_use]
    pub fn store(self, store: impl DeliveryStore + 'static) -> Self {
        self.set(|this| {
            if let Some(retention) = store.remembers_for() {
                this.verifier =
                    this.verifier.clone().default_tolerance(retention.min(STORED_TOLERANCE));
            }
            this.store = Arc::new(store);
        })
    }

    /// How deliveries are keyed for de-duplication ([`KeyStrategy::EventAndData`] by default).
    #[must_use]
    pub fn key(self, strategy: KeyStrategy) -> Self {
        self.set(|this| this.keys = strategy)
    }

    /// How long a claim lasts before it must be renewed ([`DEFAULT_LEASE`]; at least 1 s).
    #[must_use]
    pub fn lease(self, lease: Duration) -> Self {
        self.set(|this| this.lease = lease.max(Duration::from_secs(1)))
    }

    /// How far the signed timestamp may be from now, either way; overrides the verifier's and
    /// the widened default.
    #[must_use]
    pub fn tolerance(self, tolerance: Duration) -> Self {
        self.set(|this| this.verifier = this.verifier.clone().tolerance(tolerance))
    }

    /// The envelope `version`s this receiver reads (`["v1"]`, [`Webhook::VERSION`], by
    /// default); a delivery of another version is [unreadable](crate::Handler::unreadable).
    ///
    /// [`Webhook::VERSION`]: crate::Webhook::VERSION
    #[must_use]
    pub fn versions<I: IntoIterator<Item = V>, V: Into<String>>(self, versions: I) -> Self {
        let versions: Arc<[String]> = versions.into_iter().map(Into::into).collect();
        self.set(|this| this.versions = versions)
    }

    /// The largest body accepted, in bytes ([`DEFAULT_BODY_LIMIT`] unless set).
    #[must_use]
    pub fn body_limit(self, bytes: usize) -> Self {
        self.set(|this| this.body_limit = bytes)
    }

    /// 재시도 일정 — How long a failed delivery waits before each run again
    /// ([`STANDARD_SCHEDULE`] by default); after the last delay's run fails too, it is dead.
    /// Each delay moves by up to 10% either way (see [`RetrySchedule`]).
    #[must_use]
    pub fn retry_schedule(self, delays: impl IntoIterator<Item = Duration>) -> Self {
        let schedule = RetrySchedule::new(delays);
        self.set(|this| this.schedule = schedule)
    }

    /// 선응답 — Answer `200` as soon as the delivery is kept (on disk, with SQLite or
    /// PostgreSQL), and run the handler after, on this instance's worker: for handlers slower
    /// than StepPay's timeout. The answer then says nothing of the handler's outcome, so
    /// StepPay never retries; the store and its worker are the only retry. A crash after the
    /// answer loses nothing: the worker of the next instance to start takes the delivery over
    /// when its lease expires.
    ///
    /// Without a store there is nowhere to keep a delivery, and the receiver runs the handler
    /// inline whatever this says. With [`MemoryStore`](crate::store::MemoryStore), a crash of
    /// the process loses what it accepted and had not yet handled.
    #[must_use]
    pub fn accept_first(self) -> Self {
        self.set(|this| this.mode = Mode::AcceptFirst)
    }

    /// 사망 통지 — Calls `hook` when a delivery dies (its last scheduled run failed, or its runs
    /// kept dying with their instance): once per delivery, from the instance whose run it was.
    /// The hook is told the key, event type and attempts, never the body; keep it quick (spawn a
    /// task for an alert over the network). Dead deliveries stay in the store until an operator
    /// retries or discards them; the `steppay.webhooks.inbox.deliveries` gauge (feature
    /// `metrics`) counts them too, for an alert that does not depend on this instance.
    #[must_use]
    pub fn on_dead(self, hook: impl Fn(&DeadLetter) + Send + Sync + 'static) -> Self {
        let hook: DeadHook = Arc::new(hook);
        self.set(|this| this.on_dead = Some(hook))
    }

    /// How often the worker cleans up the store ([`DEFAULT_CLEANUP_INTERVAL`]); `None` leaves
    /// it to you ([`Receiver::maintain`]).
    #[must_use]
    pub fn cleanup_every(self, interval: Option<Duration>) -> Self {
        self.set(|this| this.cleanup_every = interval)
    }

    /// How often the worker asks the store for due deliveries ([`DEFAULT_POLL_INTERVAL`]; at
    /// least 10 ms).
    #[must_use]
    pub fn poll_every(self, interval: Duration) -> Self {
        self.set(|this| this.poll_every = interval.max(Duration::from_millis(10)))
    }

    /// How many deliveries the worker runs at once ([`DEFAULT_WORKER_CONCURRENCY`]; at
    /// least 1).
    #[must_use]
    pub fn worker_concurrency(self, runs: usize) -> Self {
        self.set(|this| this.concurrency = runs.max(1))
    }

    /// The largest body accepted, in bytes, for the adapters.
    #[cfg_attr(not(any(feature = "tower", feature = "actix-web")), allow(dead_code))]
    pub(crate) fn max_body(&self) -> usize {
        self.body_limit
    }

    /// The handler.
    pub fn handler(&self) -> &H {
        &self.handler
    }

    /// The store, for an operator's questions and actions (list, count, retry, replay,
    /// discard); [`Receiver::retry`] and the others also wake this receiver's worker.
    pub fn delivery_store(&self) -> &dyn DeliveryStore {
        &*self.store
    }

    /// The retry schedule.
    pub fn schedule(&self) -> &RetrySchedule {
        &self.schedule
    }

    /// Whether the receiver keeps deliveries (it has a store) and so runs a worker.
    fn keeps_deliveries(&self) -> bool {
        self.store.keeps_deliveries()
    }
}

impl<H> Clone for Receiver<H> {
    fn clone(&self) -> Self {
        Self {
            handler: Arc::clone(&self.handler),
            store: Arc::clone(&self.store),
            verifier: self.verifier.clone(),
            keys: self.keys.clone(),
            versions: Arc::clone(&self.versions),
            lease: self.lease,
            body_limit: self.body_limit,
            mode: self.mode,
            schedule: self.schedule.clone(),
            on_dead: self.on_dead.clone(),
            cleanup_every: self.cleanup_every,
            poll_every: self.poll_every,
            concurrency: self.concurrency,
            shared: Arc::clone(&self.shared),
            alive: Arc::clone(&self.alive),
        }
    }
}

impl<H> fmt::Debug for Receiver<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("verifier", &self.verifier)
            .field("keys", &self.keys)
            .field("versions", &self.versions)
            .field("lease", &self.lease)
            .field("body_limit", &self.body_limit)
            .field("mode", &self.mode)
            .field("schedule", &self.schedule)
            .field("on_dead", &self.on_dead.as_ref().map(|_| "a hook"))
            .field("cleanup_every", &self.cleanup_every)
            .field("poll_every", &self.poll_every)
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}
