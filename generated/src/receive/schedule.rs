//! [`RetrySchedule`]: when a failed delivery runs again, and when it is given up.

use std::sync::Arc;
use std::time::Duration;

use crate::key::DeliveryKey;

/// The delays of the default schedule, after the first failed run, the second, and so on: the
/// schedule the Standard Webhooks specification recommends to senders (5 s, 5 min, 30 min, 2 h,
/// 5 h, 10 h, 14 h, 20 h, 24 h), about 3 days and 3 hours in all.
pub const STANDARD_SCHEDULE: [Duration; 9] = [
    Duration::from_secs(5),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 3600),
    Duration::from_secs(5 * 3600),
    Duration::from_secs(10 * 3600),
    Duration::from_secs(14 * 3600),
    Duration::from_secs(20 * 3600),
    Duration::from_secs(24 * 3600),
];

/// How far a delay may move either way, as a fraction of it: deliveries that failed together
/// (a database that was down for a minute) do not all come due at the same instant.
const JITTER: f64 = 0.1;

/// 재시도 일정 — How long a failed delivery waits before each run again; after the last delay's
/// run fails too, it is dead.
///
/// Attempt `n` (the `n`-th run of a delivery, whoever started it: StepPay's resend, the worker,
/// an operator) that fails waits the `n`-th delay; when there is none, the delivery is dead.
/// So a schedule of `k` delays gives a delivery `k + 1` runs. Each delay moves by up to 10%
/// either way, by an amount taken from the delivery's key and attempt (so it needs no random
/// numbers, and differs from one delivery to the next).
#[derive(Debug, Clone, PartialEq)]
pub struct RetrySchedule {
    delays: Arc<[Duration]>,
}

impl RetrySchedule {
    /// A schedule of these delays, in order.
    pub fn new(delays: impl IntoIterator<Item = Duration>) -> Self {
        Self { delays: delays.into_iter().collect() }
    }

    /// The delays, in order.
    pub fn delays(&self) -> &[Duration] {
        &self.delays
    }

    /// How many runs a delivery gets in all: one more than there are delays.
    pub fn max_attempts(&self) -> u32 {
        u32::try_from(self.delays.len()).unwrap_or(u32::MAX - 1).saturating_add(1)
    }

    /// How long the delivery `key` waits after its run `attempt` failed; `None` when that was
    /// its last run.
    pub fn delay_after(&self, key: &DeliveryKey, attempt: u32) -> Option<Duration> {
        let index = usize::try_from(attempt.checked_sub(1)?).ok()?;
        let delay = *self.delays.get(index)?;
        Some(jitter(delay, key, attempt))
    }
}

impl Default for RetrySchedule {
    /// [`STANDARD_SCHEDULE`].
    fn default() -> Self {
        Self::new(STANDARD_SCHEDULE)
    }
}

/// `delay` moved by up to [`JITTER`] of itself either way, by an amount the key and attempt
/// decide (FNV-1a over them).
fn jitter(delay: Duration, key: &DeliveryKey, attempt: u32) -> Duration {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in key.as_str().bytes().chain(attempt.to_le_bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    // A number in [-1, 1] from the hash's top 53 bits.
    #[allow(clippy::cast_precision_loss)]
    let unit = (hash >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0;
    delay.mul_f64(1.0 + JITTER * unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_schedule_gives_ten_runs_within_ten_percent_of_each_delay() {
        let schedule = RetrySchedule::default();
        assert_eq!(schedule.max_attempts(), 10);
        let key = DeliveryKey::new("k");
        for (attempt, expected) in (1..).zip(STANDARD_SCHEDULE) {
            let delay = schedule.delay_after(&key, attempt).expect("a delay");
            assert!(
                delay >= expected.mul_f64(0.9) && delay <= expected.mul_f64(1.1),
                "attempt {attempt}: {delay:?} for {expected:?}"
            );
        }
        assert_eq!(schedule.delay_after(&key, 10), None, "the tenth failed run is the last");
        assert_eq!(schedule.delay_after(&key, 0), None);
    }

    #[test]
    fn jitter_spreads_deliveries_and_is_the_same_for_the_same_one() {
        let schedule = RetrySchedule::new([Duration::from_secs(100)]);
        let delays: Vec<Duration> = (0..50)
            .map(|i| schedule.delay_after(&DeliveryKey::new(format!("key-{i}")), 1).unwrap())
            .collect();
        let (min, max) = (delays.iter().min().unwrap(), delays.iter().max().unwrap());
        assert!(
            *max - *min > Duration::from_secs(10),
            "spread over the ±10 s band: {min:?}–{max:?}"
        );
        let key = DeliveryKey::new("key-1");
        assert_eq!(schedule.delay_after(&key, 1), schedule.delay_after(&key, 1));
    }

    #[test]
    fn an_empty_schedule_gives_one_run() {
        let schedule = RetrySchedule::new([]);
        assert_eq!(schedule.max_attempts(), 1);
        assert_eq!(schedule.delay_after(&DeliveryKey::new("k"), 1), None);
    }
}
