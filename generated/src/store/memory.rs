//! [`MemoryStore`]: deliveries remembered in this process's memory.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::{
    Claim, DEFAULT_RETENTION, DeliveryStore, KeptDelivery, Lease, QuarantinedDelivery, StaleClaim,
    StoreError,
};
use crate::key::DeliveryKey;

/// How many records a [`MemoryStore`] holds by default.
pub const DEFAULT_MEMORY_CAPACITY: usize = 100_000;

/// 메모리 저장소 — A [`DeliveryStore`] in this process's memory (feature `memory-store`): for one
/// instance, for tests, and for trying the receiver out.
///
/// It is bounded: past its capacity it forgets the oldest done records first (and refuses new
/// claims with [`StoreError::Full`] if every record is in progress or quarantined). It forgets
/// everything when the process exits, quarantined bodies included, so
/// [`remembers_for`](DeliveryStore::remembers_for) is `None` and a receiver keeps the short
/// signature tolerance with it. Use [`SqliteStore`](super::SqliteStore) or
/// [`PostgresStore`](super::PostgresStore) in production.
///
/// Leases are measured with a monotonic clock ([`Instant`]); [`MemoryStore::with_clock`]
/// replaces it in tests.
pub struct MemoryStore {
    state: Mutex<State>,
    capacity: usize,
    retention: Duration,
    clock: Arc<dyn Fn() -> Duration + Send + Sync>,
}

#[derive(Default)]
struct State {
    records: BTreeMap<DeliveryKey, Record>,
    /// Done records by when they were done, oldest first: the eviction and cleanup order.
    done: BTreeMap<(Duration, u64), DeliveryKey>,
    /// Tells apart records done at the same instant.
    sequence: u64,
}

struct Record {
    status: Status,
    attempts: u32,
    event_type: Option<String>,
    /// When the status last changed, on the store's clock.
    since: Duration,
    /// The body and reason of a quarantined delivery, kept through its replays until it is done.
    kept: Option<(Vec<u8>, String)>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Status {
    Processing { lease_until: Duration },
    Done { order: (Duration, u64) },
    Failed,
    Quarantined,
}

impl MemoryStore {
    /// A store of [`DEFAULT_MEMORY_CAPACITY`] records that keeps done records for
    /// [`DEFAULT_RETENTION`](super::DEFAULT_RETENTION).
    pub fn new() -> Self {
        let start = Instant::now();
        Self::with_clock(move || start.elapsed())
    }

    /// A store whose clock is `now` (time since any fixed start; it must never go back).
    pub fn with_clock(now: impl Fn() -> Duration + Send + Sync + 'static) -> Self {
        Self {
            state: Mutex::new(State::default()),
            capacity: DEFAULT_MEMORY_CAPACITY,
            retention: DEFAULT_RETENTION,
            clock: Arc::new(now),
        }
    }

    /// How many records it holds at most (at least 1).
    #[must_use]
    pub fn capacity(mut self, records: usize) -> Self {
        self.capacity = records.max(1);
        self
    }

    /// How long done records are kept before [`cleanup`](DeliveryStore::cleanup) deletes them.
    #[must_use]
    pub fn retention(mut self, retention: Duration) -> Self {
        self.retention = retention;
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

    fn lock(&self) -> MutexGuard<'_, State> {
        // No code panics while holding the lock; if a panic ever did, the state is still
        // consistent record by record, so keep using it.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `change` on the record `lease` holds, if it still holds it.
    fn with_lease<T>(
        &self,
        lease: &Lease,
        change: impl FnOnce(&mut State, Duration) -> T,
    ) -> Result<T, StoreError> {
        let now = (self.clock)();
        let mut state = self.lock();
        match state.records.get(&lease.key) {
            Some(record)
                if record.attempts == lease.attempt
                    && matches!(record.status, Status::Processing { .. }) =>
            {
                Ok(change(&mut state, now))
            }
            _ => Err(StoreError::LeaseLost { key: lease.key.clone(), attempt: lease.attempt }),
        }
    }
}

impl State {
    fn record(&mut self, key: &DeliveryKey) -> Option<&mut Record> {
        self.records.get_mut(key)
    }

    fn set_status(&mut self, key: &DeliveryKey, status: Status, now: Duration) {
        if let Some(record) = self.records.get_mut(key) {
            if let Status::Done { order } = record.status {
                self.done.remove(&order);
            }
            record.status = status;
            record.since = now;
        }
        if let Status::Done { order } = status {
            self.done.insert(order, key.clone());
        }
    }

    /// Makes room for one more record by forgetting the oldest done one.
    fn make_room(&mut self, capacity: usize) -> Result<(), StoreError> {
        while self.records.len() >= capacity {
            let Some((_, key)) = self.done.pop_first() else {
                return Err(StoreError::Full(self.records.len()));
            };
            self.records.remove(&key);
        }
        Ok(())
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
            .finish_non_exhaustive()
    }
}

impl DeliveryStore for MemoryStore {
    async fn claim(
        &self,
        key: &DeliveryKey,
        event_type: Option<&str>,
        lease: Duration,
    ) -> Result<Claim, StoreError> {
        let now = (self.clock)();
        let mut state = self.lock();
        let lease_until = now.saturating_add(lease);
        let attempts = match state.records.get(key) {
            None => {
                state.make_room(self.capacity)?;
                let record = Record {
                    status: Status::Processing { lease_until },
                    attempts: 1,
                    event_type: event_type.map(str::to_owned),
                    since: now,
                    kept: None,
                };
                state.records.insert(key.clone(), record);
                1
            }
            Some(record) => match record.status {
                Status::Done { .. } => return Ok(Claim::Done),
                Status::Quarantined => return Ok(Claim::Quarantined),
                Status::Processing { lease_until } if lease_until > now => {
                    return Ok(Claim::InProgress { retry_after: lease_until - now });
                }
                Status::Processing { .. } | Status::Failed => {
                    let attempts = record.attempts.saturating_add(1);
                    state.set_status(key, Status::Processing { lease_until }, now);
                    if let Some(record) = state.record(key) {
                        record.attempts = attempts;
                        if record.event_type.is_none() {
                            record.event_type = event_type.map(str::to_owned);
                        }
                    }
                    attempts
                }
            },
        };
        Ok(Claim::Acquired(Lease { key: key.clone(), attempt: attempts, duration: lease }))
    }

    async fn renew(&self, lease: &Lease) -> Result<(), StoreError> {
        self.with_lease(lease, |state, now| {
            let lease_until = now.saturating_add(lease.duration);
            state.set_status(&lease.key, Status::Processing { lease_until }, now);
        })
    }

    async fn complete(&self, lease: &Lease) -> Result<(), StoreError> {
        self.with_lease(lease, |state, now| {
            state.sequence += 1;
            let order = (now, state.sequence);
            state.set_status(&lease.key, Status::Done { order }, now);
            if let Some(record) = state.record(&lease.key) {
                record.kept = None;
            }
        })
    }

    async fn fail(&self, lease: &Lease) -> Result<(), StoreError> {
        self.with_lease(lease, |state, now| {
            let kept = state.record(&lease.key).is_some_and(|record| record.kept.is_some());
            let status = if kept { Status::Quarantined } else { Status::Failed };
            state.set_status(&lease.key, status, now);
        })
    }

    async fn quarantine(&self, lease: &Lease, body: &[u8], reason: &str) -> Result<(), StoreError> {
        self.with_lease(lease, |state, now| {
            state.set_status(&lease.key, Status::Quarantined, now);
            if let Some(record) = state.record(&lease.key) {
                record.kept = Some((body.to_vec(), reason.to_owned()));
            }
        })
    }

    async fn quarantined(&self, limit: usize) -> Result<Vec<QuarantinedDelivery>, StoreError> {
        let now = (self.clock)();
        let state = self.lock();
        let mut found: Vec<QuarantinedDelivery> = state
            .records
            .iter()
            .filter(|(_, record)| record.status == Status::Quarantined)
            .map(|(key, record)| QuarantinedDelivery {
                key: key.clone(),
                event_type: record.event_type.clone(),
                reason: record.kept.as_ref().map(|(_, reason)| reason.clone()).unwrap_or_default(),
                attempts: record.attempts,
                age: now.saturating_sub(record.since),
            })
            .collect();
        found.sort_by(|a, b| b.age.cmp(&a.age).then_with(|| a.key.cmp(&b.key)));
        found.truncate(limit);
        Ok(found)
    }

    async fn claim_quarantined(
        &self,
        key: &DeliveryKey,
        lease: Duration,
    ) -> Result<Option<KeptDelivery>, StoreError> {
        let now = (self.clock)();
        let mut state = self.lock();
        let Some(record) = state.record(key) else { return Ok(None) };
        if record.status != Status::Quarantined {
            return Ok(None);
        }
        let Some((body, _)) = &record.kept else {
            return Err(StoreError::Corrupt(format!("quarantined delivery {key} has no body")));
        };
        let body = body.clone();
        record.attempts = record.attempts.saturating_add(1);
        let attempt = record.attempts;
        state.set_status(key, Status::Processing { lease_until: now.saturating_add(lease) }, now);
        Ok(Some(KeptDelivery { lease: Lease { key: key.clone(), attempt, duration: lease }, body }))
    }

    async fn cleanup(&self) -> Result<u64, StoreError> {
        let now = (self.clock)();
        let mut state = self.lock();
        let mut deleted = 0;
        while let Some(entry) = state.done.first_entry() {
            if now.saturating_sub(entry.key().0) < self.retention {
                break;
            }
            let key = entry.remove();
            state.records.remove(&key);
            deleted += 1;
        }
        Ok(deleted)
    }

    async fn stale(&self, older_than: Duration) -> Result<Vec<StaleClaim>, StoreError> {
        let now = (self.clock)();
        let state = self.lock();
        Ok(state
            .records
            .iter()
            .filter_map(|(key, record)| match record.status {
                Status::Processing { lease_until }
                    if now.saturating_sub(lease_until) > older_than =>
                {
                    Some(StaleClaim {
                        key: key.clone(),
                        event_type: record.event_type.clone(),
                        attempt: record.attempts,
                        expired_for: now.saturating_sub(lease_until),
                    })
                }
                _ => None,
            })
            .collect())
    }

    fn remembers_for(&self) -> Option<Duration> {
        None
    }
}
