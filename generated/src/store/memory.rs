//! [`MemoryStore`]: deliveries kept in this process's memory.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{
    Arrival, AttemptOutcome, AttemptRecord, BoxFuture, Claim, Cleanup, DEFAULT_RETENTION,
    DeadLetter, DeliveryRecord, DeliveryStore, DeliverySummary, Failed, Filter, HourCount,
    KeptDelivery, Lease, Page, State, StateCounts, StoreError,
};
use crate::key::DeliveryKey;

/// How many records a [`MemoryStore`] holds by default.
pub const DEFAULT_MEMORY_CAPACITY: usize = 100_000;

/// 메모리 저장소 — A [`DeliveryStore`] in this process's memory (feature `memory-store`): for one
/// instance, for tests, and for trying the receiver out.
///
/// It is bounded: past its capacity it forgets the oldest done or discarded records first (and
/// refuses new claims with [`StoreError::Full`] if every record is unresolved). It forgets
/// everything when the process exits, the bodies of failed and dead deliveries included, so
/// [`remembers_for`](DeliveryStore::remembers_for) is `None` and a receiver keeps the short
/// signature tolerance with it. Use [`SqliteStore`](super::SqliteStore) or
/// [`PostgresStore`](super::PostgresStore) in production.
///
/// Times come from the system clock; [`MemoryStore::with_clock`] replaces it in tests, so that
/// leases expire and retries come due without waiting.
pub struct MemoryStore {
    inner: Mutex<Inner>,
    capacity: usize,
    retention: Duration,
    keep_done_bodies: Duration,
    clock: Arc<dyn Fn() -> SystemTime + Send + Sync>,
}

#[derive(Default)]
struct Inner {
    records: BTreeMap<DeliveryKey, Record>,
    /// Pending, failed and processing records by when they are due (a processing one when its
    /// lease runs out): what the worker looks at.
    due: BTreeSet<(Duration, DeliveryKey)>,
    /// Done and discarded records by when they were resolved, oldest first: the order of
    /// eviction and cleanup.
    resolved: BTreeMap<(Duration, u64), DeliveryKey>,
    /// Tells apart records resolved at the same instant.
    sequence: u64,
}

/// One delivery. Times are durations since the Unix epoch on the store's clock.
#[derive(Clone)]
struct Record {
    state: State,
    attempts: u32,
    event_type: Option<String>,
    subject: Option<String>,
    received_at: Duration,
    updated_at: Duration,
    due_at: Option<Duration>,
    last_outcome: Option<AttemptOutcome>,
    reason: Option<String>,
    body: Option<Vec<u8>>,
    /// Whether it has ever been dead: the dead-letter hook is told only the first time.
    died: bool,
    /// Its place in [`Inner::resolved`], while done or discarded.
    resolved_at: Option<(Duration, u64)>,
    /// The runs whose end was recorded.
    history: Vec<AttemptRecord>,
}

impl Record {
    fn summary(&self, key: &DeliveryKey) -> DeliverySummary {
        DeliverySummary {
            key: key.clone(),
            state: self.state,
            event_type: self.event_type.clone(),
            subject: self.subject.clone(),
            attempts: self.attempts,
            received_at: at(self.received_at),
            updated_at: at(self.updated_at),
            due_at: self.due_at.map(at),
            last_outcome: self.last_outcome,
            reason: self.reason.clone(),
            has_body: self.body.is_some(),
        }
    }

    /// Takes the record into processing for a new run: the next attempt, a lease from `now`.
    fn start_run(&mut self, now: Duration, lease: Duration) {
        if self.state == State::Processing {
            // Its lease expired without an outcome.
            self.last_outcome = Some(AttemptOutcome::Abandoned);
        }
        self.state = State::Processing;
        self.attempts = self.attempts.saturating_add(1);
        self.due_at = Some(now.saturating_add(lease));
        self.updated_at = now;
    }
}

/// A time on the store's clock as the API shows it.
fn at(since_epoch: Duration) -> SystemTime {
    UNIX_EPOCH + since_epoch
}

impl MemoryStore {
    /// A store of [`DEFAULT_MEMORY_CAPACITY`] records that keeps done records for
    /// [`DEFAULT_RETENTION`](super::DEFAULT_RETENTION) and drops done bodies at once.
    pub fn new() -> Self {
        Self::with_clock(SystemTime::now)
    }

    /// A store whose clock is `now`.
    pub fn with_clock(now: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            capacity: DEFAULT_MEMORY_CAPACITY,
            retention: DEFAULT_RETENTION,
            keep_done_bodies: Duration::ZERO,
            clock: Arc::new(now),
        }
    }

    /// How many records it holds at most (at least 1).
    #[must_use]
    pub fn capacity(mut self, records: usize) -> Self {
        self.capacity = records.max(1);
        self
    }

    /// How long done and discarded records are kept before [`cleanup`](DeliveryStore::cleanup)
    /// deletes them.
    #[must_use]
    pub fn retention(mut self, retention: Duration) -> Self {
        self.retention = retention;
        self
    }

    /// Keeps the bodies of done deliveries this long (none by default), so that they can be
    /// [replayed](DeliveryStore::replay) after a handler's bug is fixed. They hold personal
    /// data: keep them no longer than you need.
    #[must_use]
    pub fn keep_done_bodies(mut self, time: Duration) -> Self {
        self.keep_done_bodies = time;
        self
    }

    /// How many records it holds now.
    pub fn len(&self) -> usize {
        self.lock().records.len()
    }

    /// Whether it holds no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn now(&self) -> Duration {
        (self.clock)().duration_since(UNIX_EPOCH).unwrap_or_default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // No code panics while holding the lock; if a panic ever did, the records are still
        // consistent one by one, so keep using them.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `change` on the record `lease` holds, if it still holds it.
    fn with_lease<T>(
        &self,
        lease: &Lease,
        change: impl FnOnce(&mut Record, Duration) -> T,
    ) -> Result<T, StoreError> {
        let now = self.now();
        let mut inner = self.lock();
        let holds = inner.records.get(&lease.key).is_some_and(|record| {
            record.attempts == lease.attempt && record.state == State::Processing
        });
        if !holds {
            return Err(StoreError::LeaseLost { key: lease.key.clone(), attempt: lease.attempt });
        }
        inner
            .update(&lease.key, |record| {
                let value = change(record, now);
                record.updated_at = now;
                value
            })
            .ok_or_else(|| StoreError::Corrupt(format!("delivery {} vanished", lease.key)))
    }

    /// Applies `change` to every record `filter` matches whose state is in `from`; returns how
    /// many it changed.
    fn bulk(
        &self,
        filter: &Filter,
        from: impl Fn(&Record) -> bool,
        change: impl Fn(&mut Record, Duration),
    ) -> u64 {
        let now = self.now();
        let mut inner = self.lock();
        let keys: Vec<DeliveryKey> = inner
            .records
            .iter()
            .filter(|(key, record)| from(record) && filter.matches(&record.summary(key)))
            .map(|(key, _)| key.clone())
            .collect();
        for key in &keys {
            inner.update(key, |record| {
                change(record, now);
                record.updated_at = now;
            });
        }
        u64::try_from(keys.len()).unwrap_or(u64::MAX)
    }
}

impl Inner {
    /// Changes one record and keeps the indexes in step with it: the only way a record changes
    /// after it is inserted.
    fn update<T>(&mut self, key: &DeliveryKey, change: impl FnOnce(&mut Record) -> T) -> Option<T> {
        // The record changes in place; only its entries in the indexes move.
        let Self { records, due, resolved, sequence } = self;
        let record = records.get_mut(key)?;
        unindex(due, resolved, key, record);
        let value = change(record);
        *sequence += 1;
        record.resolved_at = record.state.is_resolved().then_some((record.updated_at, *sequence));
        index(due, resolved, key, record);
        Some(value)
    }

    fn index(&mut self, key: &DeliveryKey, record: &Record) {
        index(&mut self.due, &mut self.resolved, key, record);
    }

    /// Makes room for one more record by forgetting the oldest resolved one.
    fn make_room(&mut self, capacity: usize) -> Result<(), StoreError> {
        while self.records.len() >= capacity {
            let Some((_, key)) = self.resolved.pop_first() else {
                return Err(StoreError::Full(self.records.len()));
            };
            self.records.remove(&key);
        }
        Ok(())
    }
}

/// Enters `record` in the indexes: when it is due, or when it was resolved.
fn index(
    due: &mut BTreeSet<(Duration, DeliveryKey)>,
    resolved: &mut BTreeMap<(Duration, u64), DeliveryKey>,
    key: &DeliveryKey,
    record: &Record,
) {
    if let (Some(at), State::Pending | State::Failed | State::Processing) =
        (record.due_at, record.state)
    {
        due.insert((at, key.clone()));
    }
    if let Some(order) = record.resolved_at {
        resolved.insert(order, key.clone());
    }
}

/// Takes `record` out of the indexes, before it changes.
fn unindex(
    due: &mut BTreeSet<(Duration, DeliveryKey)>,
    resolved: &mut BTreeMap<(Duration, u64), DeliveryKey>,
    key: &DeliveryKey,
    record: &Record,
) {
    if let Some(at) = record.due_at {
        due.remove(&(at, key.clone()));
    }
    if let Some(order) = record.resolved_at {
        resolved.remove(&order);
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("records", &self.len())
            .field("capacity", &self.capacity)
            .field("retention", &self.retention)
            .field("keep_done_bodies", &self.keep_done_bodies)
            .finish_non_exhaustive()
    }
}

/// A finished future of `value`: the memory store never waits.
fn ready<'a, T: Send + 'a>(value: T) -> BoxFuture<'a, T> {
    Box::pin(std::future::ready(value))
}

impl MemoryStore {
    fn claim_now(&self, arrival: &Arrival<'_>, lease: Duration) -> Result<Claim, StoreError> {
        let now = self.now();
        let mut inner = self.lock();
        let key = arrival.key;
        let Some(record) = inner.records.get(key) else {
            inner.make_room(self.capacity)?;
            let record = Record {
                state: State::Processing,
                attempts: 1,
                event_type: arrival.event_type.map(str::to_owned),
                subject: arrival.subject.map(str::to_owned),
                received_at: now,
                updated_at: now,
                due_at: Some(now.saturating_add(lease)),
                last_outcome: None,
                reason: None,
                body: Some(arrival.body.to_vec()),
                died: false,
                resolved_at: None,
                history: Vec::new(),
            };
            inner.index(key, &record);
            inner.records.insert(key.clone(), record);
            let lease = Lease::new(key.clone(), 1, lease).claim_on_disk(arrival.durable);
            return Ok(Claim::Acquired(lease));
        };
        match record.state {
            State::Done => return Ok(Claim::Done),
            State::Discarded => return Ok(Claim::Discarded),
            State::Quarantined => return Ok(Claim::Quarantined),
            State::Processing => match record.due_at {
                Some(until) if until > now => {
                    return Ok(Claim::InProgress { retry_after: until - now });
                }
                _ => {}
            },
            State::Pending | State::Failed | State::Dead => {}
        }
        let attempt = inner
            .update(key, |record| {
                record.start_run(now, lease);
                if record.event_type.is_none() {
                    record.event_type = arrival.event_type.map(str::to_owned);
                }
                if record.subject.is_none() {
                    record.subject = arrival.subject.map(str::to_owned);
                }
                if record.body.is_none() {
                    record.body = Some(arrival.body.to_vec());
                }
                record.attempts
            })
            .unwrap_or(1);
        Ok(Claim::Acquired(Lease::new(key.clone(), attempt, lease).claim_on_disk(arrival.durable)))
    }

    fn claim_due_now(&self, limit: usize, lease: Duration, max_attempts: u32) -> Vec<KeptDelivery> {
        let now = self.now();
        let mut inner = self.lock();
        let due: Vec<DeliveryKey> = inner
            .due
            .iter()
            .take_while(|(due, _)| *due <= now)
            .filter(|(_, key)| {
                inner.records.get(key).is_some_and(|record| {
                    record.state != State::Processing || record.attempts < max_attempts
                })
            })
            .take(limit)
            .map(|(_, key)| key.clone())
            .collect();
        due.into_iter()
            .filter_map(|key| {
                inner.update(&key, |record| {
                    record.start_run(now, lease);
                    KeptDelivery::new(
                        Lease::new(key.clone(), record.attempts, lease).claim_on_disk(true),
                        record.event_type.clone(),
                        record.body.clone().unwrap_or_default(),
                    )
                })
            })
            .collect()
    }

    fn bury_now(&self, max_attempts: u32) -> Vec<DeadLetter> {
        let now = self.now();
        let mut inner = self.lock();
        let abandoned: Vec<DeliveryKey> = inner
            .due
            .iter()
            .take_while(|(due, _)| *due <= now)
            .filter(|(_, key)| {
                inner.records.get(key).is_some_and(|record| {
                    record.state == State::Processing && record.attempts >= max_attempts
                })
            })
            .map(|(_, key)| key.clone())
            .collect();
        abandoned
            .into_iter()
            .filter_map(|key| {
                inner
                    .update(&key, |record| {
                        let first = !record.died;
                        record.state = State::Dead;
                        record.died = true;
                        record.due_at = None;
                        record.last_outcome = Some(AttemptOutcome::Abandoned);
                        record.updated_at = now;
                        first.then(|| DeadLetter {
                            key: key.clone(),
                            event_type: record.event_type.clone(),
                            attempts: record.attempts,
                            last_outcome: AttemptOutcome::Abandoned,
                        })
                    })
                    .flatten()
            })
            .collect()
    }

    fn cleanup_now(&self) -> Cleanup {
        let now = self.now();
        let mut inner = self.lock();
        let mut cleanup = Cleanup::default();
        while let Some(entry) = inner.resolved.first_entry() {
            if now.saturating_sub(entry.key().0) < self.retention {
                break;
            }
            let key = entry.remove();
            inner.records.remove(&key);
            cleanup.deleted += 1;
        }
        for record in inner.records.values_mut() {
            if record.state == State::Done
                && record.body.is_some()
                && now.saturating_sub(record.updated_at) >= self.keep_done_bodies
            {
                record.body = None;
                cleanup.bodies_dropped += 1;
            }
        }
        cleanup
    }

    fn list_now(&self, filter: &Filter, page: &Page) -> Vec<DeliverySummary> {
        let inner = self.lock();
        let mut found: Vec<DeliverySummary> = inner
            .records
            .iter()
            .map(|(key, record)| record.summary(key))
            .filter(|summary| {
                filter.matches(summary)
                    && page.after.as_ref().is_none_or(|after| summary.cursor() < *after)
            })
            .collect();
        found.sort_by_key(|summary| std::cmp::Reverse(summary.cursor()));
        found.truncate(page.limit);
        found
    }

    fn counts_now(&self) -> StateCounts {
        let now = self.now();
        let inner = self.lock();
        let mut counts = StateCounts::default();
        for record in inner.records.values() {
            *counts.by_state.entry(record.state).or_default() += 1;
        }
        counts.oldest_due = inner
            .due
            .iter()
            .take_while(|(due, _)| *due <= now)
            .find(|(_, key)| {
                inner.records.get(key).is_some_and(|record| record.state != State::Processing)
            })
            .map(|(due, _)| now.saturating_sub(*due));
        counts
    }
}

impl DeliveryStore for MemoryStore {
    fn claim<'a>(
        &'a self,
        arrival: &'a Arrival<'a>,
        lease: Duration,
    ) -> BoxFuture<'a, Result<Claim, StoreError>> {
        ready(self.claim_now(arrival, lease))
    }

    fn renew<'a>(&'a self, lease: &'a Lease) -> BoxFuture<'a, Result<(), StoreError>> {
        ready(self.with_lease(lease, |record, now| {
            record.due_at = Some(now.saturating_add(lease.duration));
        }))
    }

    fn complete<'a>(
        &'a self,
        lease: &'a Lease,
        run: &'a AttemptRecord,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let keep = !self.keep_done_bodies.is_zero();
        ready(self.with_lease(lease, |record, _| {
            record.history.push(run.clone());
            record.state = State::Done;
            record.due_at = None;
            record.last_outcome = Some(AttemptOutcome::Handled);
            record.reason = None;
            if !keep {
                record.body = None;
            }
        }))
    }

    fn fail<'a>(
        &'a self,
        lease: &'a Lease,
        run: &'a AttemptRecord,
        retry_in: Option<Duration>,
    ) -> BoxFuture<'a, Result<Failed, StoreError>> {
        ready(self.with_lease(lease, |record, now| {
            record.history.push(run.clone());
            record.last_outcome = Some(run.outcome);
            match retry_in {
                Some(delay) => {
                    record.state = State::Failed;
                    record.due_at = Some(now.saturating_add(delay));
                    Failed::WillRetry
                }
                None => {
                    let first = !record.died;
                    record.state = State::Dead;
                    record.died = true;
                    record.due_at = None;
                    Failed::Dead { first }
                }
            }
        }))
    }

    fn quarantine<'a>(
        &'a self,
        lease: &'a Lease,
        reason: &'a str,
        run: &'a AttemptRecord,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        ready(self.with_lease(lease, |record, _| {
            record.history.push(run.clone());
            record.state = State::Quarantined;
            record.due_at = None;
            record.last_outcome = Some(AttemptOutcome::Unreadable);
            record.reason = Some(reason.to_owned());
        }))
    }

    fn record_attempt<'a>(
        &'a self,
        key: &'a DeliveryKey,
        run: &'a AttemptRecord,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        if let Some(record) = self.lock().records.get_mut(key) {
            record.history.push(run.clone());
            record.history.sort_by_key(|run| run.attempt);
        }
        ready(Ok(()))
    }

    fn release<'a>(&'a self, lease: &'a Lease) -> BoxFuture<'a, Result<(), StoreError>> {
        ready(self.with_lease(lease, |record, now| record.due_at = Some(now)))
    }

    fn claim_due(
        &self,
        limit: usize,
        lease: Duration,
        max_attempts: u32,
    ) -> BoxFuture<'_, Result<Vec<KeptDelivery>, StoreError>> {
        ready(Ok(self.claim_due_now(limit, lease, max_attempts)))
    }

    fn bury_abandoned(
        &self,
        max_attempts: u32,
    ) -> BoxFuture<'_, Result<Vec<DeadLetter>, StoreError>> {
        ready(Ok(self.bury_now(max_attempts)))
    }

    fn cleanup(&self) -> BoxFuture<'_, Result<Cleanup, StoreError>> {
        ready(Ok(self.cleanup_now()))
    }

    fn get<'a>(
        &'a self,
        key: &'a DeliveryKey,
    ) -> BoxFuture<'a, Result<Option<DeliveryRecord>, StoreError>> {
        let inner = self.lock();
        let record = inner.records.get(key).map(|record| {
            DeliveryRecord::new(record.summary(key), record.body.clone(), record.history.clone())
        });
        drop(inner);
        ready(Ok(record))
    }

    fn list<'a>(
        &'a self,
        filter: &'a Filter,
        page: &'a Page,
    ) -> BoxFuture<'a, Result<Vec<DeliverySummary>, StoreError>> {
        ready(Ok(self.list_now(filter, page)))
    }

    fn count<'a>(&'a self, filter: &'a Filter) -> BoxFuture<'a, Result<u64, StoreError>> {
        let inner = self.lock();
        let count = inner.records.iter().filter(|(key, r)| filter.matches(&r.summary(key))).count();
        drop(inner);
        ready(Ok(u64::try_from(count).unwrap_or(u64::MAX)))
    }

    fn counts(&self) -> BoxFuture<'_, Result<StateCounts, StoreError>> {
        ready(Ok(self.counts_now()))
    }

    fn per_hour(&self, since: SystemTime) -> BoxFuture<'_, Result<Vec<HourCount>, StoreError>> {
        const HOUR: u64 = 3600;
        let since = since.duration_since(UNIX_EPOCH).unwrap_or_default();
        let mut counts: BTreeMap<(u64, State), u64> = BTreeMap::new();
        for record in self.lock().records.values().filter(|r| r.received_at >= since) {
            let hour = record.received_at.as_secs() / HOUR * HOUR;
            *counts.entry((hour, record.state)).or_default() += 1;
        }
        let hours = counts.into_iter().map(|((hour, state), count)| {
            HourCount::new(UNIX_EPOCH + Duration::from_secs(hour), state, count)
        });
        ready(Ok(hours.collect()))
    }

    fn retry<'a>(&'a self, filter: &'a Filter) -> BoxFuture<'a, Result<u64, StoreError>> {
        ready(Ok(self.bulk(filter, |record| retryable(record.state), schedule_now)))
    }

    fn replay<'a>(&'a self, filter: &'a Filter) -> BoxFuture<'a, Result<u64, StoreError>> {
        let replayable = |record: &Record| {
            retryable(record.state) || (record.state == State::Done && record.body.is_some())
        };
        ready(Ok(self.bulk(filter, replayable, schedule_now)))
    }

    fn discard<'a>(
        &'a self,
        filter: &'a Filter,
        reason: &'a str,
    ) -> BoxFuture<'a, Result<u64, StoreError>> {
        let discardable = |record: &Record| {
            matches!(
                record.state,
                State::Pending | State::Failed | State::Dead | State::Quarantined
            )
        };
        ready(Ok(self.bulk(filter, discardable, |record, _| {
            record.state = State::Discarded;
            record.due_at = None;
            record.body = None;
            record.reason = Some(reason.to_owned());
        })))
    }

    fn remembers_for(&self) -> Option<Duration> {
        None
    }
}

/// Whether an operator's `retry` applies to a delivery in `state`.
fn retryable(state: State) -> bool {
    matches!(state, State::Failed | State::Dead | State::Quarantined)
}

/// What `retry` and `replay` do: pending, due at once.
fn schedule_now(record: &mut Record, now: Duration) {
    record.state = State::Pending;
    record.due_at = Some(now);
}
