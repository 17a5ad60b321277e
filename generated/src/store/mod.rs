//! 배달 저장소 — Where a receiver keeps deliveries until they are resolved: every verified body
//! from its first claim until its handler succeeds (or an operator discards it), which runs
//! hold a lease on them, when each is due again, and which ones wait for an operator.
//!
//! A [`Receiver`](crate::receive::Receiver) takes a delivery through the states of
//! [`lifecycle`]: the request claims it (the body is written with the claim, before the handler
//! runs), the run records `done`, `failed` (due again on the retry schedule), `dead` or
//! `quarantined`, and the receiver's worker claims what is due. Operators list, count, retry,
//! replay and discard deliveries through the same trait, by key or by [`Filter`].
//!
//! A claim is a **lease**: it lasts [`Lease::duration`] as measured by the store's own clock
//! (the database server's for PostgreSQL, SQLite's for SQLite), is renewed while the handler
//! runs, and expires when the instance that holds it dies, so that the worker (or a resend)
//! takes the delivery over. Every claim of a key gets the next **attempt** number; recording an
//! outcome or renewing with an older one is [`StoreError::LeaseLost`], so a run that lost its
//! lease cannot record anything over a newer one.
//!
//! Three implementations, each behind its own feature: [`MemoryStore`] (`memory-store`; one
//! process, bounded, forgets everything at exit), [`SqliteStore`] (`sqlite`; one host, survives
//! restarts) and [`PostgresStore`] (`postgres`; shared by any number of instances). The trait
//! is object-safe: `Arc<dyn DeliveryStore>` chooses a store at run time.

pub mod lifecycle;
#[cfg(feature = "memory-store")]
mod memory;
#[cfg(feature = "postgres")]
mod postgres;
mod query;
#[cfg(feature = "sqlite")]
mod sqlite;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

pub use self::lifecycle::{
    AttemptOutcome, AttemptRecord, DeadLetter, Failed, StartedBy, State, UnknownState,
};
#[cfg(feature = "memory-store")]
pub use self::memory::{DEFAULT_MEMORY_CAPACITY, MemoryStore};
#[cfg(feature = "postgres")]
pub use self::postgres::{DEFAULT_POSTGRES_TABLE, PostgresStore};
pub use self::query::{
    Cleanup, Cursor, DeliveryRecord, DeliverySummary, Filter, HourCount, Page, StateCounts,
};
#[cfg(feature = "sqlite")]
pub use self::sqlite::SqliteStore;
use crate::key::DeliveryKey;

/// How long done and discarded records are kept by default: 7 days.
///
/// StepPay does not document how long it retries; other senders retry for up to about 3 days.
/// A delivery is recognised as a duplicate only while its record exists, so records outlive
/// any retry, and any replay of a captured request that the signature tolerance still admits
/// (see [`Receiver`](crate::receive::Receiver)). Failed, dead and quarantined deliveries are
/// never deleted automatically, however old.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// Any error a store's backend reports.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A boxed future, as every [`DeliveryStore`] method returns (so that the trait is
/// object-safe).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why a store operation failed. Messages name keys and states, never a delivery's body.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The store could not be reached or did not answer: the receiver answers `503` and does not
    /// call the handler.
    #[error("the delivery store is unavailable: {0}")]
    Unavailable(#[source] BoxError),
    /// The lease was taken over by a later attempt (it had expired), or given back: this run
    /// must not record an outcome.
    #[error("the lease on delivery {key} for attempt {attempt} was lost to a later attempt")]
    LeaseLost {
        /// The delivery's key.
        key: DeliveryKey,
        /// The attempt whose lease was lost.
        attempt: u32,
    },
    /// A bounded store is full of records it may not drop (unresolved deliveries).
    #[error("the delivery store is full: {0} records are unresolved")]
    Full(usize),
    /// The receiver has no store, so a delivery cannot be kept.
    #[error("the receiver has no store to keep the delivery in")]
    NoStore,
    /// The store holds a record this version cannot read (a state it does not know, say).
    #[error("the delivery store holds a record it cannot read: {0}")]
    Corrupt(String),
    /// The store's configuration is invalid (a table name that is not an identifier, say).
    #[error("invalid delivery store configuration: {0}")]
    Config(String),
}

/// A verified delivery arriving at a store's [`claim`](DeliveryStore::claim). `Debug` shows
/// the body's size, never its contents.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub struct Arrival<'a> {
    /// Its de-duplication key.
    pub key: &'a DeliveryKey,
    /// Its `event`, when that could be read (recorded for lists and filters).
    pub event_type: Option<&'a str>,
    /// The business object it is about, as `kind:id` (`payment:4418273`), when known: what an
    /// operator looks it up by.
    pub subject: Option<&'a str>,
    /// Its raw body, exactly as received and verified: kept until the delivery is resolved.
    pub body: &'a [u8],
    /// Whether the claim must be on disk before the store answers: a receiver that answers
    /// `2xx` before running the handler (accept-first) needs this; one that answers after the
    /// outcome lets the claim commit without waiting, since the outcome's commit makes it
    /// durable.
    pub durable: bool,
}

impl<'a> Arrival<'a> {
    /// A delivery of `body` under `key`, whose claim may commit without waiting for the disk.
    pub fn new(key: &'a DeliveryKey, event_type: Option<&'a str>, body: &'a [u8]) -> Self {
        Self { key, event_type, subject: None, body, durable: false }
    }

    /// The same arrival, about `subject` (`kind:id`).
    #[must_use]
    pub fn subject(self, subject: Option<&'a str>) -> Self {
        Self { subject, ..self }
    }

    /// The same arrival, whose claim must be on disk before the store answers.
    #[must_use]
    pub fn durable(self, durable: bool) -> Self {
        Self { durable, ..self }
    }
}

impl fmt::Debug for Arrival<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Arrival")
            .field("key", self.key)
            .field("event_type", &self.event_type)
            .field("subject", &self.subject)
            .field("body", &format_args!("<{} bytes, not shown>", self.body.len()))
            .field("durable", &self.durable)
            .finish()
    }
}

/// The result of [`DeliveryStore::claim`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Claim {
    /// The delivery is this caller's to run, under this lease.
    Acquired(Lease),
    /// It was handled already.
    Done,
    /// An operator discarded it.
    Discarded,
    /// Another run holds a live lease on it; ask again after `retry_after`.
    InProgress {
        /// How long the lease has left, as the store measures it.
        retry_after: Duration,
    },
    /// It is kept for a version that reads it.
    Quarantined,
}

/// The right to run one delivery, until its duration runs out on the store's clock.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Lease {
    /// The delivery's key.
    pub key: DeliveryKey,
    /// Which claim of the key this is, from 1; the fencing token.
    pub attempt: u32,
    /// How long the lease lasts from its last claim or renewal.
    pub duration: Duration,
    /// Whether the claim that gave this lease is on disk (a durable [`Arrival`], or the
    /// worker's claim). Its outcome then need not wait for the disk: a crash that loses the
    /// outcome leaves the claim, body and all, for the worker to take over. PostgreSQL commits
    /// such outcomes asynchronously; an outcome after a claim that is not on disk waits, since
    /// its commit is what makes the claim durable.
    pub claim_on_disk: bool,
}

impl Lease {
    /// A lease on `key` for its claim number `attempt`, lasting `duration`, whose claim is not
    /// known to be on disk.
    pub fn new(key: DeliveryKey, attempt: u32, duration: Duration) -> Self {
        Self { key, attempt, duration, claim_on_disk: false }
    }

    /// The same lease, its claim on disk (or not).
    #[must_use]
    pub fn claim_on_disk(self, on_disk: bool) -> Self {
        Self { claim_on_disk: on_disk, ..self }
    }
}

/// A kept delivery claimed by the worker ([`DeliveryStore::claim_due`]): the lease to run it
/// under, and its body. `Debug` shows the body's size, never its contents.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeptDelivery {
    /// The lease on it.
    pub lease: Lease,
    /// Its `event`, when that could be read.
    pub event_type: Option<String>,
    /// Its raw body, as received and verified.
    pub body: Vec<u8>,
}

impl KeptDelivery {
    /// A claimed delivery: its lease, event type and body.
    pub fn new(lease: Lease, event_type: Option<String>, body: Vec<u8>) -> Self {
        Self { lease, event_type, body }
    }
}

impl fmt::Debug for KeptDelivery {
    /// The body may hold personal data: only its size is shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeptDelivery")
            .field("lease", &self.lease)
            .field("event_type", &self.event_type)
            .field("body", &format_args!("<{} bytes, not shown>", self.body.len()))
            .finish()
    }
}

/// 배달 저장소 — Keeps deliveries for a [`Receiver`](crate::receive::Receiver) and its
/// operators; see the [module docs](self), and [`lifecycle`] for the transitions each method
/// performs.
///
/// Implementations must make every transition into `processing` atomic (two concurrent claims
/// of one key never both get a lease; two workers never claim the same due delivery), measure
/// leases and due times with one clock shared by every instance that uses the store, and guard
/// `renew`, `complete`, `fail`, `quarantine` and `release` by the lease's attempt. The shared
/// behaviour suite in `reliability/` runs against each implementation.
pub trait DeliveryStore: Send + Sync + fmt::Debug {
    // The receive path.

    /// `claim`: a new key is inserted as processing with its body, attempt 1; a pending,
    /// failed or dead one, or one whose lease has expired, is taken with the next attempt
    /// number; otherwise says why not.
    fn claim<'a>(
        &'a self,
        arrival: &'a Arrival<'a>,
        lease: Duration,
    ) -> BoxFuture<'a, Result<Claim, StoreError>>;

    /// `renew`: extends the lease by its duration from now.
    fn renew<'a>(&'a self, lease: &'a Lease) -> BoxFuture<'a, Result<(), StoreError>>;

    /// `complete`: done. The body is dropped, unless the store keeps done bodies for a while.
    /// `run` is added to the delivery's history, in the same transaction.
    fn complete<'a>(
        &'a self,
        lease: &'a Lease,
        run: &'a AttemptRecord,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// `fail`: the run ended in `run.outcome` (failed, panicked, or unreadable and to be tried
    /// again). With `retry_in`, the delivery is failed and due again that long from now;
    /// without, it is dead. The body stays; `run` is added to the history.
    fn fail<'a>(
        &'a self,
        lease: &'a Lease,
        run: &'a AttemptRecord,
        retry_in: Option<Duration>,
    ) -> BoxFuture<'a, Result<Failed, StoreError>>;

    /// `quarantine`: the body cannot be read, for `reason` (a parse error, which never repeats
    /// a payload value); it is kept for a version that reads it. `run` is added to the history.
    fn quarantine<'a>(
        &'a self,
        lease: &'a Lease,
        reason: &'a str,
        run: &'a AttemptRecord,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Adds `run` to the history of `key` without touching the delivery: for a run that lost
    /// its lease, whose outcome the delivery must not take.
    fn record_attempt<'a>(
        &'a self,
        key: &'a DeliveryKey,
        run: &'a AttemptRecord,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// `release`: gives the lease back, so that the worker of any instance (or a resend) takes
    /// the delivery at once; what a graceful shutdown does with a run it stopped.
    fn release<'a>(&'a self, lease: &'a Lease) -> BoxFuture<'a, Result<(), StoreError>>;

    // The worker.

    /// `claim_due`: up to `limit` deliveries whose time has come (pending, failed and due, or
    /// processing with their lease expired and fewer than `max_attempts` runs), oldest due
    /// first, each with the next attempt number and its body. Concurrent callers never get the
    /// same delivery.
    fn claim_due(
        &self,
        limit: usize,
        lease: Duration,
        max_attempts: u32,
    ) -> BoxFuture<'_, Result<Vec<KeptDelivery>, StoreError>>;

    /// `bury_abandoned`: deliveries whose lease expired while they had already had
    /// `max_attempts` runs become dead (a delivery whose runs keep killing their instance is
    /// not started again); returns those that died for the first time.
    fn bury_abandoned(
        &self,
        max_attempts: u32,
    ) -> BoxFuture<'_, Result<Vec<DeadLetter>, StoreError>>;

    /// `cleanup`: deletes done and discarded records older than the store's retention and
    /// drops done bodies older than the time they are kept; nothing else.
    fn cleanup(&self) -> BoxFuture<'_, Result<Cleanup, StoreError>>;

    // Operators.

    /// One delivery, with its body while the store keeps it, and the history of its runs.
    fn get<'a>(
        &'a self,
        key: &'a DeliveryKey,
    ) -> BoxFuture<'a, Result<Option<DeliveryRecord>, StoreError>>;

    /// The deliveries `filter` matches, newest first, one [`Page`] at a time.
    fn list<'a>(
        &'a self,
        filter: &'a Filter,
        page: &'a Page,
    ) -> BoxFuture<'a, Result<Vec<DeliverySummary>, StoreError>>;

    /// How many deliveries `filter` matches: what a bulk action will touch, before it does.
    fn count<'a>(&'a self, filter: &'a Filter) -> BoxFuture<'a, Result<u64, StoreError>>;

    /// How many deliveries are in each state, and how long the oldest due one has waited.
    fn counts(&self) -> BoxFuture<'_, Result<StateCounts, StoreError>>;

    /// How many deliveries first received since `since` are in each state now, by the hour
    /// they arrived (hours on the store's clock, in UTC), oldest hour first.
    fn per_hour(&self, since: SystemTime) -> BoxFuture<'_, Result<Vec<HourCount>, StoreError>>;

    /// `retry`: the failed, dead and quarantined deliveries `filter` matches become pending,
    /// due at once; returns how many.
    fn retry<'a>(&'a self, filter: &'a Filter) -> BoxFuture<'a, Result<u64, StoreError>>;

    /// `replay`: as `retry`, and done deliveries whose body is kept run again too; returns how
    /// many.
    fn replay<'a>(&'a self, filter: &'a Filter) -> BoxFuture<'a, Result<u64, StoreError>>;

    /// `discard`: the pending, failed, dead and quarantined deliveries `filter` matches are
    /// given up, with `reason` recorded and their bodies dropped; returns how many.
    fn discard<'a>(
        &'a self,
        filter: &'a Filter,
        reason: &'a str,
    ) -> BoxFuture<'a, Result<u64, StoreError>>;

    // What the store promises.

    /// How long a done record is certain to be remembered; `None` when the store may forget one
    /// sooner (at a restart, or when full). A receiver lets late signatures in only as long as
    /// this (see [`Receiver`](crate::receive::Receiver)).
    fn remembers_for(&self) -> Option<Duration>;

    /// Whether it keeps deliveries at all ([`NoStore`] does not): a receiver runs no worker,
    /// and answers after the handler, without one.
    fn keeps_deliveries(&self) -> bool {
        true
    }
}

/// A store shared behind an `Arc` (as `Arc<dyn DeliveryStore>`, or a store an application also
/// queries itself) is a store.
impl<S: DeliveryStore + ?Sized> DeliveryStore for Arc<S> {
    fn claim<'a>(
        &'a self,
        arrival: &'a Arrival<'a>,
        lease: Duration,
    ) -> BoxFuture<'a, Result<Claim, StoreError>> {
        (**self).claim(arrival, lease)
    }
    fn renew<'a>(&'a self, lease: &'a Lease) -> BoxFuture<'a, Result<(), StoreError>> {
        (**self).renew(lease)
    }
    fn complete<'a>(
        &'a self,
        lease: &'a Lease,
        run: &'a AttemptRecord,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        (**self).complete(lease, run)
    }
    fn fail<'a>(
        &'a self,
        lease: &'a Lease,
        run: &'a AttemptRecord,
        retry_in: Option<Duration>,
    ) -> BoxFuture<'a, Result<Failed, StoreError>> {
        (**self).fail(lease, run, retry_in)
    }
    fn quarantine<'a>(
        &'a self,
        lease: &'a Lease,
        reason: &'a str,
        run: &'a AttemptRecord,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        (**self).quarantine(lease, reason, run)
    }
    fn record_attempt<'a>(
        &'a self,
        key: &'a DeliveryKey,
        run: &'a AttemptRecord,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        (**self).record_attempt(key, run)
    }
    fn release<'a>(&'a self, lease: &'a Lease) -> BoxFuture<'a, Result<(), StoreError>> {
        (**self).release(lease)
    }
    fn claim_due(
        &self,
        limit: usize,
        lease: Duration,
        max_attempts: u32,
    ) -> BoxFuture<'_, Result<Vec<KeptDelivery>, StoreError>> {
        (**self).claim_due(limit, lease, max_attempts)
    }
    fn bury_abandoned(
        &self,
        max_attempts: u32,
    ) -> BoxFuture<'_, Result<Vec<DeadLetter>, StoreError>> {
        (**self).bury_abandoned(max_attempts)
    }
    fn cleanup(&self) -> BoxFuture<'_, Result<Cleanup, StoreError>> {
        (**self).cleanup()
    }
    fn get<'a>(
        &'a self,
        key: &'a DeliveryKey,
    ) -> BoxFuture<'a, Result<Option<DeliveryRecord>, StoreError>> {
        (**self).get(key)
    }
    fn list<'a>(
        &'a self,
        filter: &'a Filter,
        page: &'a Page,
    ) -> BoxFuture<'a, Result<Vec<DeliverySummary>, StoreError>> {
        (**self).list(filter, page)
    }
    fn count<'a>(&'a self, filter: &'a Filter) -> BoxFuture<'a, Result<u64, StoreError>> {
        (**self).count(filter)
    }
    fn counts(&self) -> BoxFuture<'_, Result<StateCounts, StoreError>> {
        (**self).counts()
    }
    fn per_hour(&self, since: SystemTime) -> BoxFuture<'_, Result<Vec<HourCount>, StoreError>> {
        (**self).per_hour(since)
    }
    fn retry<'a>(&'a self, filter: &'a Filter) -> BoxFuture<'a, Result<u64, StoreError>> {
        (**self).retry(filter)
    }
    fn replay<'a>(&'a self, filter: &'a Filter) -> BoxFuture<'a, Result<u64, StoreError>> {
        (**self).replay(filter)
    }
    fn discard<'a>(
        &'a self,
        filter: &'a Filter,
        reason: &'a str,
    ) -> BoxFuture<'a, Result<u64, StoreError>> {
        (**self).discard(filter, reason)
    }
    fn remembers_for(&self) -> Option<Duration> {
        (**self).remembers_for()
    }
    fn keeps_deliveries(&self) -> bool {
        (**self).keeps_deliveries()
    }
}

/// No store: what a [`Receiver`](crate::receive::Receiver) uses until it is given one.
///
/// Every claim is acquired as attempt 1 and nothing is kept, so duplicates are handled again,
/// nothing is retried but by StepPay, and an unreadable delivery cannot be kept
/// ([`StoreError::NoStore`]): the receiver answers `500` so that StepPay sends it again.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoStore;

/// A statement file's text without its comment lines, to stand inside another statement
/// (`{filter}` and `{summary}` in the SQL stores' files).
#[cfg(any(feature = "sqlite", feature = "postgres"))]
fn fragment(text: &str) -> String {
    let lines: Vec<&str> =
        text.lines().filter(|line| !line.trim_start().starts_with("--")).collect();
    lines.join("\n").trim().to_owned()
}

/// A finished future of `value`.
fn ready<'a, T: Send + 'a>(value: T) -> BoxFuture<'a, T> {
    Box::pin(std::future::ready(value))
}

impl DeliveryStore for NoStore {
    fn claim<'a>(
        &'a self,
        arrival: &'a Arrival<'a>,
        lease: Duration,
    ) -> BoxFuture<'a, Result<Claim, StoreError>> {
        ready(Ok(Claim::Acquired(Lease::new(arrival.key.clone(), 1, lease))))
    }
    fn renew<'a>(&'a self, _: &'a Lease) -> BoxFuture<'a, Result<(), StoreError>> {
        ready(Ok(()))
    }
    fn complete<'a>(
        &'a self,
        _: &'a Lease,
        _: &'a AttemptRecord,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        ready(Ok(()))
    }
    fn fail<'a>(
        &'a self,
        _: &'a Lease,
        _: &'a AttemptRecord,
        _: Option<Duration>,
    ) -> BoxFuture<'a, Result<Failed, StoreError>> {
        // Nothing is kept, so nothing is retried here and nothing dies: StepPay retries.
        ready(Ok(Failed::WillRetry))
    }
    fn quarantine<'a>(
        &'a self,
        _: &'a Lease,
        _: &'a str,
        _: &'a AttemptRecord,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        ready(Err(StoreError::NoStore))
    }
    fn record_attempt<'a>(
        &'a self,
        _: &'a DeliveryKey,
        _: &'a AttemptRecord,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        ready(Ok(()))
    }
    fn release<'a>(&'a self, _: &'a Lease) -> BoxFuture<'a, Result<(), StoreError>> {
        ready(Ok(()))
    }
    fn claim_due(
        &self,
        _: usize,
        _: Duration,
        _: u32,
    ) -> BoxFuture<'_, Result<Vec<KeptDelivery>, StoreError>> {
        ready(Ok(Vec::new()))
    }
    fn bury_abandoned(&self, _: u32) -> BoxFuture<'_, Result<Vec<DeadLetter>, StoreError>> {
        ready(Ok(Vec::new()))
    }
    fn cleanup(&self) -> BoxFuture<'_, Result<Cleanup, StoreError>> {
        ready(Ok(Cleanup::default()))
    }
    fn get<'a>(
        &'a self,
        _: &'a DeliveryKey,
    ) -> BoxFuture<'a, Result<Option<DeliveryRecord>, StoreError>> {
        ready(Ok(None))
    }
    fn list<'a>(
        &'a self,
        _: &'a Filter,
        _: &'a Page,
    ) -> BoxFuture<'a, Result<Vec<DeliverySummary>, StoreError>> {
        ready(Ok(Vec::new()))
    }
    fn count<'a>(&'a self, _: &'a Filter) -> BoxFuture<'a, Result<u64, StoreError>> {
        ready(Ok(0))
    }
    fn counts(&self) -> BoxFuture<'_, Result<StateCounts, StoreError>> {
        ready(Ok(StateCounts::default()))
    }
    fn per_hour(&self, _: SystemTime) -> BoxFuture<'_, Result<Vec<HourCount>, StoreError>> {
        ready(Ok(Vec::new()))
    }
    fn retry<'a>(&'a self, _: &'a Filter) -> BoxFuture<'a, Result<u64, StoreError>> {
        ready(Ok(0))
    }
    fn replay<'a>(&'a self, _: &'a Filter) -> BoxFuture<'a, Result<u64, StoreError>> {
        ready(Ok(0))
    }
    fn discard<'a>(&'a self, _: &'a Filter, _: &'a str) -> BoxFuture<'a, Result<u64, StoreError>> {
        ready(Ok(0))
    }
    fn remembers_for(&self) -> Option<Duration> {
        None
    }
    fn keeps_deliveries(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_deliveries_and_arrivals_show_the_size_of_their_body_never_the_body() {
        let body = br#"{"data":{"customerName":"Hong Gildong"}}"#;
        let kept = KeptDelivery::new(
            Lease::new(DeliveryKey::new("k"), 2, Duration::from_secs(30)),
            Some("payment.completed".into()),
            body.to_vec(),
        );
        let shown = format!("{kept:?}");
        // A derived `Debug` would list the bytes: `[123, 34, ...]`.
        assert!(!shown.contains("Hong") && !shown.contains("123"), "{shown}");
        assert!(shown.contains("<40 bytes, not shown>") && shown.contains("attempt: 2"), "{shown}");
        let key = DeliveryKey::new("k");
        let shown = format!("{:?}", Arrival::new(&key, None, body));
        assert!(!shown.contains("Hong") && shown.contains("<40 bytes, not shown>"), "{shown}");
    }
}
