//! What an operator asks a store: which deliveries ([`Filter`], [`Page`]), what they look like
//! ([`DeliverySummary`], [`DeliveryRecord`]), and how many there are ([`StateCounts`]).

use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, SystemTime};

use super::lifecycle::{AttemptOutcome, AttemptRecord, State};
use crate::key::DeliveryKey;

/// 배달 필터 — Which deliveries an operation applies to. Every part left empty matches every
/// delivery; the parts given must all match.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use steppay_webhooks::store::{Filter, State};
///
/// // What failed or died in the last hour, of the payment events.
/// let filter = Filter::new()
///     .state(State::Failed)
///     .state(State::Dead)
///     .event_type("payment.completed")
///     .event_type("payment.failed")
///     .received_since(SystemTime::now() - Duration::from_secs(3600));
/// # let _ = filter;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Filter {
    /// One delivery, by its key.
    pub key: Option<DeliveryKey>,
    /// The deliveries about one business object, as `kind:id` (`payment:4418273`).
    pub subject: Option<String>,
    /// Any of these states.
    pub states: Vec<State>,
    /// Any of these event types (`payment.completed`, …).
    pub event_types: Vec<String>,
    /// First received at or after this time.
    pub received_since: Option<SystemTime>,
    /// First received before this time.
    pub received_before: Option<SystemTime>,
    /// Run at least this many times.
    pub min_attempts: Option<u32>,
    /// With the body kept (`true`: a replay can run it) or gone (`false`: done and dropped, or
    /// discarded).
    pub has_body: Option<bool>,
    /// Whose key starts with this text: a key cut short, as `deliveries list` prints it. It
    /// scans the table, where [`key`](Self::key) is one lookup.
    pub key_prefix: Option<String>,
}

impl Filter {
    /// A filter that matches every delivery.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only the delivery `key`.
    #[must_use]
    pub fn key(mut self, key: DeliveryKey) -> Self {
        self.key = Some(key);
        self
    }

    /// Only the deliveries about `subject`, as `kind:id` (`payment:4418273`).
    #[must_use]
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    /// Also deliveries in `state` (the states given are alternatives).
    #[must_use]
    pub fn state(mut self, state: State) -> Self {
        if !self.states.contains(&state) {
            self.states.push(state);
        }
        self
    }

    /// Also deliveries of `event_type` (the event types given are alternatives).
    #[must_use]
    pub fn event_type(mut self, event_type: impl Into<String>) -> Self {
        let event_type = event_type.into();
        if !self.event_types.contains(&event_type) {
            self.event_types.push(event_type);
        }
        self
    }

    /// Only deliveries first received at or after `time`.
    #[must_use]
    pub fn received_since(mut self, time: SystemTime) -> Self {
        self.received_since = Some(time);
        self
    }

    /// Only deliveries first received before `time`.
    #[must_use]
    pub fn received_before(mut self, time: SystemTime) -> Self {
        self.received_before = Some(time);
        self
    }

    /// Only deliveries run at least `attempts` times.
    #[must_use]
    pub fn min_attempts(mut self, attempts: u32) -> Self {
        self.min_attempts = Some(attempts);
        self
    }

    /// Only deliveries whose body the store still keeps (`true`), or no longer keeps (`false`).
    #[must_use]
    pub fn has_body(mut self, kept: bool) -> Self {
        self.has_body = Some(kept);
        self
    }

    /// Only deliveries whose key starts with `prefix`.
    #[must_use]
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = Some(prefix.into());
        self
    }

    /// Whether a delivery with these properties matches: the one definition that the memory
    /// store applies and the SQL stores' `filter.sql` mirrors.
    pub fn matches(&self, summary: &DeliverySummary) -> bool {
        self.key.as_ref().is_none_or(|key| *key == summary.key)
            && self.subject.as_ref().is_none_or(|subject| summary.subject.as_ref() == Some(subject))
            && (self.states.is_empty() || self.states.contains(&summary.state))
            && (self.event_types.is_empty()
                || summary.event_type.as_ref().is_some_and(|t| self.event_types.contains(t)))
            && self.received_since.is_none_or(|since| summary.received_at >= since)
            && self.received_before.is_none_or(|before| summary.received_at < before)
            && self.min_attempts.is_none_or(|min| summary.attempts >= min)
            && self.has_body.is_none_or(|kept| summary.has_body == kept)
            && self
                .key_prefix
                .as_ref()
                .is_none_or(|prefix| summary.key.as_str().starts_with(prefix.as_str()))
    }
}

/// One page of a [list](super::DeliveryStore::list): newest first, at most `limit`
/// deliveries, after the `after` cursor. Pages are read by keyset (the time first received and
/// the key), so a page costs the same however deep it is, and deliveries arriving meanwhile do
/// not shift later pages.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Page {
    /// The most deliveries to return (at least 1, at most [`Page::MAX_LIMIT`]).
    pub limit: usize,
    /// Start after this delivery: the [`cursor`](DeliverySummary::cursor) of the last one of
    /// the previous page.
    pub after: Option<Cursor>,
}

impl Page {
    /// The largest page a store returns.
    pub const MAX_LIMIT: usize = 1000;

    /// The first page of `limit` deliveries (clamped to 1..=[`Page::MAX_LIMIT`]).
    pub fn first(limit: usize) -> Self {
        Self { limit: limit.clamp(1, Self::MAX_LIMIT), after: None }
    }

    /// The page of `limit` deliveries after `cursor`.
    pub fn after(limit: usize, cursor: Cursor) -> Self {
        Self { limit: limit.clamp(1, Self::MAX_LIMIT), after: Some(cursor) }
    }
}

/// Where a page of deliveries ended: the time its last delivery was first received, and its
/// key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cursor {
    /// When the last delivery of the page was first received.
    pub received_at: SystemTime,
    /// Its key.
    pub key: DeliveryKey,
}

/// 배달 요약 — One delivery as a list shows it: no body.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeliverySummary {
    /// Its key.
    pub key: DeliveryKey,
    /// Its state.
    pub state: State,
    /// Its `event`, when that could be read.
    pub event_type: Option<String>,
    /// The business object it is about, as `kind:id` (`payment:4418273`), when known.
    pub subject: Option<String>,
    /// How many runs it was given (each claim is one).
    pub attempts: u32,
    /// When it was first received, on the store's clock.
    pub received_at: SystemTime,
    /// When its state last changed (or its lease was last renewed).
    pub updated_at: SystemTime,
    /// Processing: when its lease runs out. Pending or failed: when its next run is due.
    /// Otherwise `None`.
    pub due_at: Option<SystemTime>,
    /// How its last run ended; `None` before the first run ends.
    pub last_outcome: Option<AttemptOutcome>,
    /// Quarantined: why it cannot be read (the parse error, which never repeats a payload
    /// value). Discarded: the operator's reason.
    pub reason: Option<String>,
    /// Whether the store holds its body.
    pub has_body: bool,
}

impl DeliverySummary {
    /// A delivery `key` in `state`, first received at `received_at`, with nothing else known
    /// yet: no event type, subject, run, due time or reason, and no body. A store of your own
    /// builds its summaries from this and sets the other fields.
    pub fn new(key: DeliveryKey, state: State, received_at: SystemTime) -> Self {
        Self {
            key,
            state,
            event_type: None,
            subject: None,
            attempts: 0,
            received_at,
            updated_at: received_at,
            due_at: None,
            last_outcome: None,
            reason: None,
            has_body: false,
        }
    }

    /// The cursor of the page that ends with this delivery.
    pub fn cursor(&self) -> Cursor {
        Cursor { received_at: self.received_at, key: self.key.clone() }
    }
}

/// 배달 기록 — One delivery with its body and the history of its runs, as
/// [`get`](super::DeliveryStore::get) returns it. `Debug` shows the body's size, never its
/// contents (it holds personal data).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeliveryRecord {
    /// What a list shows of it.
    pub summary: DeliverySummary,
    /// Its raw body, exactly as received and verified, while the store keeps it.
    pub body: Option<Vec<u8>>,
    /// Each run whose end was recorded, in the order of their attempts. An attempt with no
    /// record here was abandoned (its instance died) before it could be recorded.
    pub attempts: Vec<AttemptRecord>,
}

impl DeliveryRecord {
    /// A record of `summary` with `body` and the history `attempts`.
    pub fn new(
        summary: DeliverySummary,
        body: Option<Vec<u8>>,
        attempts: Vec<AttemptRecord>,
    ) -> Self {
        Self { summary, body, attempts }
    }
}

impl fmt::Debug for DeliveryRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let body = self.body.as_ref().map(|body| format!("<{} bytes, not shown>", body.len()));
        f.debug_struct("DeliveryRecord")
            .field("summary", &self.summary)
            .field("body", &body)
            .field("attempts", &self.attempts)
            .finish()
    }
}

/// How many deliveries a store holds in each state, and how late its work is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StateCounts {
    /// Deliveries per state; a state with none is absent.
    pub by_state: BTreeMap<State, u64>,
    /// How long the oldest delivery that is due (pending or failed, its time come) has been
    /// waiting for a run; `None` when nothing is due. A worker that keeps up holds this near
    /// its poll interval.
    pub oldest_due: Option<Duration>,
}

impl StateCounts {
    /// How many deliveries are in `state`.
    pub fn get(&self, state: State) -> u64 {
        self.by_state.get(&state).copied().unwrap_or(0)
    }
}

/// How many deliveries that first arrived in one hour are in one state now: a bar of the
/// operator page's chart ([`per_hour`](super::DeliveryStore::per_hour)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct HourCount {
    /// The start of the hour, in UTC.
    pub hour: SystemTime,
    /// The state.
    pub state: State,
    /// How many.
    pub count: u64,
}

impl HourCount {
    /// `count` deliveries of the hour starting at `hour`, now in `state`.
    pub fn new(hour: SystemTime, state: State, count: u64) -> Self {
        Self { hour, state, count }
    }
}

/// What [`cleanup`](super::DeliveryStore::cleanup) did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Cleanup {
    /// Done and discarded records older than the retention, deleted.
    pub deleted: u64,
    /// Bodies of done deliveries older than the time done bodies are kept, dropped.
    pub bodies_dropped: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary() -> DeliverySummary {
        DeliverySummary {
            key: DeliveryKey::new("k1"),
            state: State::Failed,
            event_type: Some("payment.completed".into()),
            subject: Some("payment:4418273".into()),
            attempts: 2,
            received_at: SystemTime::UNIX_EPOCH + Duration::from_secs(1_000),
            updated_at: SystemTime::UNIX_EPOCH + Duration::from_secs(1_010),
            due_at: None,
            last_outcome: Some(AttemptOutcome::Failed),
            reason: None,
            has_body: true,
        }
    }

    #[test]
    fn an_empty_filter_matches_everything_and_each_part_narrows() {
        let s = summary();
        let at = |secs| SystemTime::UNIX_EPOCH + Duration::from_secs(secs);
        assert!(Filter::new().matches(&s));
        assert!(Filter::new().state(State::Dead).state(State::Failed).matches(&s));
        assert!(!Filter::new().state(State::Dead).matches(&s));
        assert!(Filter::new().event_type("payment.completed").matches(&s));
        assert!(Filter::new().has_body(true).matches(&s));
        assert!(Filter::new().key_prefix("k").matches(&s));
        assert!(!Filter::new().key_prefix("k1x").matches(&s));
        assert!(!Filter::new().has_body(false).matches(&s));
        assert!(!Filter::new().event_type("order.created").matches(&s));
        assert!(Filter::new().received_since(at(1_000)).received_before(at(1_001)).matches(&s));
        assert!(!Filter::new().received_since(at(1_001)).matches(&s));
        assert!(!Filter::new().received_before(at(1_000)).matches(&s));
        assert!(Filter::new().min_attempts(2).matches(&s));
        assert!(!Filter::new().min_attempts(3).matches(&s));
        assert!(!Filter::new().key(DeliveryKey::new("k2")).matches(&s));
        assert!(Filter::new().subject("payment:4418273").matches(&s));
        assert!(!Filter::new().subject("payment:1").matches(&s));
        let unknown = DeliverySummary { event_type: None, ..s };
        assert!(!Filter::new().event_type("payment.completed").matches(&unknown));
    }

    #[test]
    fn a_record_shows_the_size_of_its_body_never_the_body() {
        let record = DeliveryRecord::new(
            summary(),
            Some(br#"{"name":"Hong Gildong"}"#.to_vec()),
            Vec::new(),
        );
        let shown = format!("{record:?}");
        assert!(!shown.contains("Hong") && shown.contains("<23 bytes, not shown>"), "{shown}");
    }

    #[test]
    fn pages_are_clamped() {
        assert_eq!(Page::first(0).limit, 1);
        assert_eq!(Page::first(1_000_000).limit, Page::MAX_LIMIT);
    }
}
