//! Random interleavings of everything that can happen to deliveries, against the store's
//! lifecycle: StepPay sending (again), runs that succeed, fail, panic, quarantine, crash or are
//! stopped by a shutdown, the worker claiming what is due and burying what keeps dying,
//! operators retrying and discarding, cleanup, and the passing of time.
//!
//! Checked after every step: a key is never handed to a run while another run holds a live lease
//! on it, and every claim gets a newer attempt; at most one run of a key ever succeeds; an
//! unresolved delivery always has its body, byte for byte; the dead-letter hook is told at most
//! once per delivery. At the end, once the worker's runs all succeed, every delivery is done
//! (handled exactly once) or discarded (never handled).
//!
//! The store is a [`MemoryStore`] on a clock the test moves, so that leases expire and retries
//! come due without waiting; the SQL stores implement the same transitions, and the suite checks
//! them over HTTP.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use proptest::prelude::*;
use steppay_webhooks::key::DeliveryKey;
use steppay_webhooks::receive::RetrySchedule;
use steppay_webhooks::store::{
    Arrival, AttemptOutcome, AttemptRecord, Claim, DeliveryStore, Failed, Filter, Lease,
    MemoryStore, StartedBy, State, StoreError,
};

const LEASE: Duration = Duration::from_millis(100);
const KEYS: u8 = 3;

#[derive(Debug, Clone)]
enum Ending {
    Success,
    Failure,
    Panic,
    Quarantine,
}

#[derive(Debug, Clone)]
enum Step {
    /// StepPay sends key `k` (again): the receiver claims it and, if it gets it, starts a run.
    Deliver(u8),
    /// Run number `i` (modulo the runs in flight) ends so.
    Finish(usize, Ending),
    /// Run number `i` renews its lease.
    Renew(usize),
    /// The instance running run number `i` dies: nothing is recorded.
    Crash(usize),
    /// A shutdown stops run number `i` and gives its lease back.
    Release(usize),
    /// The worker claims up to `n` due deliveries, after burying what kept dying.
    Work(usize),
    /// An operator retries every failed, dead and quarantined delivery.
    Retry,
    /// An operator discards key `k`.
    Discard(u8),
    /// Cleanup runs.
    Cleanup,
    /// Time passes.
    Wait(u64),
}

fn ending() -> impl Strategy<Value = Ending> {
    prop_oneof![
        3 => Just(Ending::Success),
        3 => Just(Ending::Failure),
        1 => Just(Ending::Panic),
        1 => Just(Ending::Quarantine),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0..KEYS).prop_map(Step::Deliver),
        4 => (any::<usize>(), ending()).prop_map(|(i, end)| Step::Finish(i, end)),
        1 => any::<usize>().prop_map(Step::Renew),
        1 => any::<usize>().prop_map(Step::Crash),
        1 => any::<usize>().prop_map(Step::Release),
        3 => (1usize..4).prop_map(Step::Work),
        1 => Just(Step::Retry),
        1 => (0..KEYS).prop_map(Step::Discard),
        1 => Just(Step::Cleanup),
        3 => (0u64..250).prop_map(Step::Wait),
    ]
}

struct World {
    clock: Arc<AtomicU64>,
    store: MemoryStore,
    schedule: RetrySchedule,
    /// The runs in flight, each with when its lease runs out on the store's clock (ms).
    running: Vec<(Lease, u64)>,
    /// Successful runs per key: a handler succeeded and its completion was recorded.
    successes: BTreeMap<DeliveryKey, u32>,
    /// How many times the dead-letter hook was told of each key.
    deaths: BTreeMap<DeliveryKey, u32>,
    /// The highest attempt handed out per key.
    attempts: BTreeMap<DeliveryKey, u32>,
    delivered: BTreeSet<DeliveryKey>,
}

fn key(k: u8) -> DeliveryKey {
    DeliveryKey::new(format!("key-{k}"))
}

/// The history's record of a run under `lease` that ended in `outcome`.
fn run(lease: &Lease, outcome: AttemptOutcome) -> AttemptRecord {
    AttemptRecord::new(lease.attempt, UNIX_EPOCH, Duration::ZERO, outcome, StartedBy::Worker)
}

fn body(key: &DeliveryKey) -> Vec<u8> {
    format!("{{\"body of\":\"{key}\"}}").into_bytes()
}

impl World {
    fn new() -> Self {
        let clock = Arc::new(AtomicU64::new(1_000_000));
        let now = Arc::clone(&clock);
        let store = MemoryStore::with_clock(move || {
            UNIX_EPOCH + Duration::from_millis(now.load(Ordering::SeqCst))
        })
        .retention(Duration::from_secs(3600));
        Self {
            clock,
            store,
            schedule: RetrySchedule::new([Duration::from_millis(50), Duration::from_millis(150)]),
            running: Vec::new(),
            successes: BTreeMap::new(),
            deaths: BTreeMap::new(),
            attempts: BTreeMap::new(),
            delivered: BTreeSet::new(),
        }
    }

    fn now(&self) -> u64 {
        self.clock.load(Ordering::SeqCst)
    }

    /// A run starts under `lease`: no other run of its key holds a live lease, and its attempt
    /// is newer than any before.
    fn start(&mut self, lease: Lease) -> Result<(), TestCaseError> {
        let now = self.now();
        for (other, live_until) in self.running.iter().filter(|(r, _)| r.key == lease.key) {
            prop_assert!(
                *live_until <= now,
                "{} handed to attempt {} while attempt {} holds it",
                lease.key,
                lease.attempt,
                other.attempt
            );
        }
        let before = self.attempts.insert(lease.key.clone(), lease.attempt).unwrap_or(0);
        prop_assert!(lease.attempt > before, "attempt {} after {}", lease.attempt, before);
        self.running.push((lease, now + LEASE.as_millis() as u64));
        Ok(())
    }

    fn take(&mut self, i: usize) -> Option<Lease> {
        (!self.running.is_empty()).then(|| self.running.remove(i % self.running.len()).0)
    }

    fn died(&mut self, key: &DeliveryKey) {
        *self.deaths.entry(key.clone()).or_default() += 1;
    }

    async fn apply(&mut self, step: &Step) -> Result<(), TestCaseError> {
        match step {
            Step::Deliver(k) => {
                let key = key(*k);
                self.delivered.insert(key.clone());
                let body = body(&key);
                let claim = self.store.claim(&Arrival::new(&key, None, &body), LEASE).await;
                if let Claim::Acquired(lease) = claim.expect("claim") {
                    self.start(lease)?;
                }
            }
            Step::Finish(i, ending) => {
                let Some(lease) = self.take(*i) else { return Ok(()) };
                let result = match ending {
                    Ending::Success => {
                        let handled = run(&lease, AttemptOutcome::Handled);
                        self.store.complete(&lease, &handled).await.map(|()| None)
                    }
                    Ending::Quarantine => {
                        let unreadable = run(&lease, AttemptOutcome::Unreadable);
                        self.store.quarantine(&lease, "test", &unreadable).await.map(|()| None)
                    }
                    Ending::Failure | Ending::Panic => {
                        let outcome = match ending {
                            Ending::Panic => AttemptOutcome::Panicked,
                            _ => AttemptOutcome::Failed,
                        };
                        let retry_in = self.schedule.delay_after(&lease.key, lease.attempt);
                        self.store.fail(&lease, &run(&lease, outcome), retry_in).await.map(Some)
                    }
                };
                match result {
                    Ok(None) if matches!(ending, Ending::Success) => {
                        *self.successes.entry(lease.key).or_default() += 1;
                    }
                    Ok(Some(Failed::Dead { first: true })) => self.died(&lease.key),
                    Ok(_) | Err(StoreError::LeaseLost { .. }) => {}
                    Err(other) => prop_assert!(false, "unexpected store error {other}"),
                }
            }
            Step::Renew(i) if !self.running.is_empty() => {
                let now = self.now();
                let index = i % self.running.len();
                match self.store.renew(&self.running[index].0).await {
                    Ok(()) => self.running[index].1 = now + LEASE.as_millis() as u64,
                    Err(StoreError::LeaseLost { .. }) => {}
                    Err(other) => prop_assert!(false, "unexpected store error {other}"),
                }
            }
            Step::Crash(i) => {
                let _ = self.take(*i);
            }
            Step::Release(i) => {
                if let Some(lease) = self.take(*i) {
                    match self.store.release(&lease).await {
                        Ok(()) | Err(StoreError::LeaseLost { .. }) => {}
                        Err(other) => prop_assert!(false, "unexpected store error {other}"),
                    }
                }
            }
            Step::Work(n) => {
                let max = self.schedule.max_attempts();
                for dead in self.store.bury_abandoned(max).await.expect("bury") {
                    self.died(&dead.key);
                }
                for kept in self.store.claim_due(*n, LEASE, max).await.expect("claim due") {
                    prop_assert_eq!(&kept.body, &body(&kept.lease.key), "the body, as received");
                    self.start(kept.lease)?;
                }
            }
            Step::Retry => {
                let filter =
                    Filter::new().state(State::Failed).state(State::Dead).state(State::Quarantined);
                self.store.retry(&filter).await.expect("retry");
            }
            Step::Discard(k) => {
                self.store.discard(&Filter::new().key(key(*k)), "test").await.expect("discard");
            }
            Step::Cleanup => {
                self.store.cleanup().await.expect("cleanup");
            }
            Step::Wait(ms) => {
                self.clock.fetch_add(*ms, Ordering::SeqCst);
            }
            Step::Renew(_) => {}
        }
        self.check().await
    }

    /// What holds after every step.
    async fn check(&self) -> Result<(), TestCaseError> {
        for (key, count) in &self.successes {
            prop_assert!(*count <= 1, "{key} succeeded {count} times");
        }
        for (key, count) in &self.deaths {
            prop_assert!(*count <= 1, "the hook was told {count} times of {key}");
        }
        for key in &self.delivered {
            let Some(record) = self.store.get(key).await.expect("get") else {
                prop_assert!(false, "{key} was forgotten");
                continue;
            };
            let state = record.summary.state;
            if state.is_resolved() {
                prop_assert_eq!(record.body, None, "{} is {} and keeps no body", key, state);
            } else {
                prop_assert_eq!(
                    record.body,
                    Some(body(key)),
                    "{} is {}: its body is kept",
                    key,
                    state
                );
            }
            let attempts: Vec<u32> = record.attempts.iter().map(|run| run.attempt).collect();
            prop_assert!(
                attempts.windows(2).all(|pair| pair[0] < pair[1])
                    && attempts.last().is_none_or(|last| *last <= record.summary.attempts),
                "{} has the history {:?} after {} attempts",
                key,
                attempts,
                record.summary.attempts
            );
            if state == State::Done {
                prop_assert_eq!(self.successes.get(key).copied(), Some(1), "{} done", key);
            }
        }
        Ok(())
    }

    /// Every run in flight dies; then an operator retries what waits for one, and the worker
    /// runs everything due until nothing is left, every run succeeding now.
    async fn resolve(&mut self) -> Result<(), TestCaseError> {
        self.running.clear();
        let max = self.schedule.max_attempts();
        for _ in 0..20 {
            self.clock.fetch_add(1_000, Ordering::SeqCst);
            for dead in self.store.bury_abandoned(max).await.expect("bury") {
                self.died(&dead.key);
            }
            let filter =
                Filter::new().state(State::Failed).state(State::Dead).state(State::Quarantined);
            self.store.retry(&filter).await.expect("retry");
            for kept in self.store.claim_due(100, LEASE, max).await.expect("claim due") {
                self.start(kept.lease.clone())?;
                self.running.clear();
                let handled = run(&kept.lease, AttemptOutcome::Handled);
                self.store.complete(&kept.lease, &handled).await.expect("the only run completes");
                *self.successes.entry(kept.lease.key).or_default() += 1;
            }
        }
        self.check().await?;
        for key in &self.delivered {
            let record = self.store.get(key).await.expect("get").expect("kept");
            let successes = self.successes.get(key).copied().unwrap_or(0);
            match record.summary.state {
                State::Done => prop_assert_eq!(successes, 1, "{} done once", key),
                State::Discarded => prop_assert_eq!(successes, 0, "{} discarded unhandled", key),
                other => prop_assert!(false, "{key} left {other}"),
            }
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn no_delivery_runs_twice_at_once_loses_its_body_or_succeeds_twice(steps in proptest::collection::vec(step(), 1..80)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().expect("runtime");
        runtime.block_on(async {
            let mut world = World::new();
            for step in &steps {
                world.apply(step).await?;
            }
            world.resolve().await
        })?;
    }
}

#[test]
fn times_are_the_store_clock() {
    // The clock the world moves is the one the store reads: a delivery received now is listed
    // with that time.
    let world = World::new();
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    runtime.block_on(async {
        let key = key(0);
        let body = body(&key);
        world.store.claim(&Arrival::new(&key, None, &body), LEASE).await.expect("claim");
        let record = world.store.get(&key).await.expect("get").expect("kept");
        let expected: SystemTime = UNIX_EPOCH + Duration::from_millis(1_000_000);
        assert_eq!(record.summary.received_at, expected);
    });
}
