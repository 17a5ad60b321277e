//! Random interleavings of deliveries, finished and failed runs, crashes and the passing of time,
//! against the store's claim protocol: at most one run per key ever succeeds, and if StepPay
//! keeps retrying, exactly one does.
//!
//! The store is a [`MemoryStore`] on a clock the test moves, so that leases expire without
//! waiting; the protocol (claim, renew, complete, fail, the attempt fence) is the one every store
//! implements, and the suite checks the others against it over HTTP.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use proptest::prelude::*;
use steppay_webhooks::key::DeliveryKey;
use steppay_webhooks::store::{Claim, DeliveryStore, Lease, MemoryStore, StoreError};

const LEASE: Duration = Duration::from_millis(100);
const KEYS: u8 = 3;

#[derive(Debug, Clone)]
enum Step {
    /// StepPay delivers key `k`: the receiver claims it and, if it gets it, starts a run.
    Deliver(u8),
    /// Run number `i` (modulo the runs in flight) ends: its handler succeeded or failed.
    Finish(usize, bool),
    /// Run number `i` renews its lease.
    Renew(usize),
    /// The instance running run number `i` dies: nothing is recorded.
    Crash(usize),
    /// Time passes.
    Wait(u64),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0..KEYS).prop_map(Step::Deliver),
        3 => (any::<usize>(), any::<bool>()).prop_map(|(i, ok)| Step::Finish(i, ok)),
        1 => any::<usize>().prop_map(Step::Renew),
        1 => any::<usize>().prop_map(Step::Crash),
        2 => (0u64..250).prop_map(Step::Wait),
    ]
}

struct World {
    clock: Arc<AtomicU64>,
    store: MemoryStore,
    /// The runs in flight, each with when its lease runs out on the store's clock (ms).
    running: Vec<(Lease, u64)>,
    /// Successful runs per key: a handler succeeded and its completion was recorded.
    successes: BTreeMap<DeliveryKey, u32>,
    delivered: Vec<DeliveryKey>,
}

impl World {
    fn new() -> Self {
        let clock = Arc::new(AtomicU64::new(0));
        let now = Arc::clone(&clock);
        let store =
            MemoryStore::with_clock(move || Duration::from_millis(now.load(Ordering::SeqCst)));
        Self {
            clock,
            store,
            running: Vec::new(),
            successes: BTreeMap::new(),
            delivered: Vec::new(),
        }
    }

    fn now(&self) -> u64 {
        self.clock.load(Ordering::SeqCst)
    }

    async fn apply(&mut self, step: &Step) -> Result<(), TestCaseError> {
        match *step {
            Step::Deliver(k) => {
                let key = DeliveryKey::new(format!("key-{k}"));
                if !self.delivered.contains(&key) {
                    self.delivered.push(key.clone());
                }
                if let Claim::Acquired(lease) =
                    self.store.claim(&key, None, LEASE).await.expect("claim")
                {
                    let now = self.now();
                    // A key is never handed out while another run holds a live lease on it, and
                    // every claim gets a newer attempt.
                    for (other, live_until) in self.running.iter().filter(|(r, _)| r.key == key) {
                        prop_assert!(
                            *live_until <= now,
                            "{} claimed while attempt {} holds it",
                            key,
                            other.attempt
                        );
                        prop_assert!(other.attempt < lease.attempt);
                    }
                    self.running.push((lease, now + LEASE.as_millis() as u64));
                }
            }
            Step::Finish(i, ok) if !self.running.is_empty() => {
                let (lease, _) = self.running.remove(i % self.running.len());
                let result = if ok {
                    self.store.complete(&lease).await
                } else {
                    self.store.fail(&lease).await
                };
                match result {
                    Ok(()) if ok => *self.successes.entry(lease.key).or_default() += 1,
                    Ok(()) => {}
                    Err(StoreError::LeaseLost { .. }) => {}
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
            Step::Crash(i) if !self.running.is_empty() => {
                let _ = self.running.remove(i % self.running.len());
            }
            Step::Wait(ms) => {
                self.clock.fetch_add(ms, Ordering::SeqCst);
            }
            _ => {}
        }
        for (key, count) in &self.successes {
            prop_assert!(*count <= 1, "{key} succeeded {count} times");
        }
        Ok(())
    }

    /// StepPay keeps retrying every delivered key, every time after the longest lease, and every
    /// run now succeeds: each key ends up with exactly one success.
    async fn retry_until_done(&mut self) -> Result<(), TestCaseError> {
        self.running.clear(); // whatever was running died
        for key in self.delivered.clone() {
            for _ in 0..3 {
                self.clock.fetch_add(LEASE.as_millis() as u64 + 1, Ordering::SeqCst);
                match self.store.claim(&key, None, LEASE).await.expect("claim") {
                    Claim::Done => break,
                    Claim::Acquired(lease) => {
                        self.store.complete(&lease).await.expect("the only run completes");
                        *self.successes.entry(key.clone()).or_default() += 1;
                    }
                    other => prop_assert!(false, "a retry after the lease got {other:?}"),
                }
            }
            prop_assert_eq!(self.successes.get(&key).copied(), Some(1), "{}", key);
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn at_most_one_run_succeeds_and_retries_make_it_exactly_one(steps in proptest::collection::vec(step(), 1..60)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().expect("runtime");
        runtime.block_on(async {
            let mut world = World::new();
            for step in &steps {
                world.apply(step).await?;
            }
            world.retry_until_done().await
        })?;
    }
}
