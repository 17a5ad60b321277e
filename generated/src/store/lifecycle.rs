//! 배달의 생애 — The one model of a delivery's life: its [`State`]s, what a run of the handler
//! can end in ([`AttemptOutcome`]), and the transitions between them.
//!
//! Every store implements exactly these transitions, each as one operation of
//! [`DeliveryStore`](super::DeliveryStore) (and, for SQLite and PostgreSQL, one SQL statement
//! named after it); none of them decides anything the table below does not say. The receiver
//! decides *when* to take a transition (the retry schedule, the mode); the store makes it atomic.
//!
//! ```text
//! arrives ──claim──▶ processing ──complete──▶ done ──cleanup──▶ (deleted)
//!                      ▲  │ │ │
//!                      │  │ │ └──quarantine──────────▶ quarantined
//!                      │  │ └────fail, none left─────▶ dead
//!                      │  └──────fail, attempts left─▶ failed
//!                      │
//!                      └── claim (StepPay sends it again): from pending, failed, dead, or
//!                          processing with its lease expired
//!                      └── claim_due (the worker, when due): from pending, failed, or
//!                          processing with its lease expired
//!
//! operators:  failed, dead, quarantined ──retry──▶ pending
//!             and done with its body kept ─replay─▶ pending
//!             pending, failed, dead, quarantined ──discard──▶ discarded ──cleanup──▶ (deleted)
//! ```
//!
//! | from | transition | to | who |
//! |---|---|---|---|
//! | (none), pending, failed, dead, processing with its lease expired | `claim` | processing | a delivery arrives (from StepPay, a first time or again) |
//! | pending, failed (due), processing (lease expired, attempts left) | `claim_due` | processing | the worker |
//! | processing (lease expired, no attempts left) | `bury_abandoned` | dead | the worker: a run that keeps dying with its instance is not started again |
//! | processing | `renew` | processing | the run, while the handler works |
//! | processing | `complete` | done | the run: the handler succeeded |
//! | processing | `fail` | failed (due again later) or dead | the run: the handler failed or panicked |
//! | processing | `quarantine` | quarantined | the run: the body verified but cannot be read |
//! | processing | `release` | processing, due at once | a graceful shutdown gives a run's lease back |
//! | failed, dead, quarantined | `retry` | pending | an operator |
//! | failed, dead, quarantined, done with its body kept | `replay` | pending | an operator |
//! | pending, failed, dead, quarantined | `discard` | discarded | an operator, with a reason |
//! | done, discarded (older than the retention) | `cleanup` | (deleted) | the worker, hourly |
//!
//! What never happens:
//!
//! - Two runs of one delivery at once: every transition into `processing` is atomic and takes
//!   the next attempt number, and every transition out of it is guarded by that number, so a
//!   run whose lease was taken over cannot record anything.
//! - A key without its body while the delivery is unresolved: the body is written with the
//!   first claim and dropped only by `complete` (unless done bodies are kept), `discard` and
//!   `cleanup`.
//! - An automatic deletion of anything but `done` and `discarded` records: `dead`, `failed` and
//!   `quarantined` deliveries wait for an operator however old they are.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime};

use crate::key::DeliveryKey;

/// 배달 상태 — Where a delivery is in its life (see the [module docs](self) for the
/// transitions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum State {
    /// 대기 — Kept and waiting for a run, due at once: an operator asked for a retry or a
    /// replay. The worker takes it.
    Pending,
    /// 처리 중 — A run holds the lease on it; the handler is working.
    Processing,
    /// 완료 — The handler succeeded. Its body is dropped (unless the store keeps done bodies
    /// for a while); the record stays for the retention, so that a resend is answered as a
    /// duplicate.
    Done,
    /// 실패 — The last run failed or panicked; the body is kept, and the worker runs it again
    /// when the retry schedule says (or sooner, if StepPay sends it again).
    Failed,
    /// 포기 — The last run the retry schedule allows failed (or its runs kept dying with their
    /// instance). The body is kept until an operator retries or discards it; it is never
    /// deleted automatically. A resend from StepPay is still run.
    Dead,
    /// 격리 — Verified, but this version of the crate cannot read it; the body is kept until a
    /// version that reads it replays it, or an operator discards it.
    Quarantined,
    /// 폐기 — An operator gave it up, with a reason. The body is dropped; the record stays for
    /// the retention, so that a resend is not run.
    Discarded,
}

impl State {
    /// Every state, in the order of a delivery's life.
    pub const ALL: [Self; 7] = [
        Self::Pending,
        Self::Processing,
        Self::Done,
        Self::Failed,
        Self::Dead,
        Self::Quarantined,
        Self::Discarded,
    ];

    /// Its name as stored and shown: `pending`, `processing`, `done`, `failed`, `dead`,
    /// `quarantined`, `discarded`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Processing => "processing",
            Self::Done => "done",
            Self::Failed => "failed",
            Self::Dead => "dead",
            Self::Quarantined => "quarantined",
            Self::Discarded => "discarded",
        }
    }

    /// Whether nothing more happens to it on its own: done or discarded.
    pub fn is_resolved(self) -> bool {
        matches!(self, Self::Done | Self::Discarded)
    }

    /// Whether it waits for an operator (or a new version): dead or quarantined.
    pub fn needs_attention(self) -> bool {
        matches!(self, Self::Dead | Self::Quarantined)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A state name that is not one of [`State::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a delivery state; the states are pending, processing, done, failed, dead, \
     quarantined and discarded"
)]
pub struct UnknownState(pub String);

impl FromStr for State {
    type Err = UnknownState;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|state| state.as_str() == name)
            .ok_or_else(|| UnknownState(name.to_owned()))
    }
}

/// 시도 결과 — How one run of the handler ended, as the store records it for the delivery's
/// last attempt. It is a class, never the handler's error text (which may quote personal data).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum AttemptOutcome {
    /// The handler succeeded.
    Handled,
    /// The handler returned an error.
    Failed,
    /// The handler panicked.
    Panicked,
    /// The body could not be read.
    Unreadable,
    /// The run's lease expired without an outcome: its instance died, or it outlived its lease.
    Abandoned,
    /// The run ended, but its lease had been taken over by a later attempt, so its outcome
    /// (whatever the handler did) was not recorded on the delivery.
    LeaseLost,
}

impl AttemptOutcome {
    /// Its name as stored and shown: `handled`, `failed`, `panicked`, `unreadable`,
    /// `abandoned`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Handled => "handled",
            Self::Failed => "failed",
            Self::Panicked => "panicked",
            Self::Unreadable => "unreadable",
            Self::Abandoned => "abandoned",
            Self::LeaseLost => "lease_lost",
        }
    }

    /// The outcome named `name`, as [`AttemptOutcome::as_str`] writes it.
    pub fn from_name(name: &str) -> Option<Self> {
        [
            Self::Handled,
            Self::Failed,
            Self::Panicked,
            Self::Unreadable,
            Self::Abandoned,
            Self::LeaseLost,
        ]
        .into_iter()
        .find(|outcome| outcome.as_str() == name)
    }
}

impl fmt::Display for AttemptOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What started a run of the handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum StartedBy {
    /// A request, answered after the run (inline).
    Request,
    /// A request already answered `200` (accept-first).
    Accepted,
    /// The worker: the delivery was due (a retry, a run taken over, an operator's retry).
    Worker,
}

impl StartedBy {
    /// Its name as stored and shown: `request`, `accepted`, `worker`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Request => "request",
            Self::Accepted => "accepted",
            Self::Worker => "worker",
        }
    }

    /// The value named `name`, as [`StartedBy::as_str`] writes it.
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Request, Self::Accepted, Self::Worker].into_iter().find(|s| s.as_str() == name)
    }
}

impl fmt::Display for StartedBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// 시도 기록 — One run of the handler for a delivery, as the store keeps it for the operator
/// view: when it started, how long it took, how it ended and what started it. Times are the
/// receiving instance's. It holds no error text unless the handler returned an
/// [`OperatorNote`](crate::OperatorNote), whose message the handler marked as safe to show.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AttemptRecord {
    /// Which attempt of the delivery it was, from 1.
    pub attempt: u32,
    /// When the run started.
    pub started_at: SystemTime,
    /// How long it ran (to the millisecond, as stored).
    pub duration: Duration,
    /// How it ended.
    pub outcome: AttemptOutcome,
    /// What started it.
    pub started_by: StartedBy,
    /// The handler's note, when it returned an [`OperatorNote`](crate::OperatorNote).
    pub note: Option<String>,
}

impl AttemptRecord {
    /// The record of run `attempt`, started at `started_at` by `started_by`, that took
    /// `duration` and ended in `outcome`, with no note.
    pub fn new(
        attempt: u32,
        started_at: SystemTime,
        duration: Duration,
        outcome: AttemptOutcome,
        started_by: StartedBy,
    ) -> Self {
        Self { attempt, started_at, duration, outcome, started_by, note: None }
    }

    /// The same record, with the handler's note.
    #[must_use]
    pub fn note(self, note: Option<String>) -> Self {
        Self { note, ..self }
    }
}

/// Where [`fail`](super::DeliveryStore::fail) left a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Failed {
    /// [`State::Failed`]: it runs again when its next attempt is due.
    WillRetry,
    /// [`State::Dead`]. `first` is true when it had never been dead before: the receiver tells
    /// the service (its dead-letter hook) only then, so each delivery is reported once.
    Dead {
        /// Whether this is the first time the delivery died.
        first: bool,
    },
}

/// 사망 통지 — A delivery that has just died: what a receiver's dead-letter hook
/// ([`Receiver::on_dead`](crate::receive::Receiver::on_dead)) is told. It names the delivery;
/// its body stays in the store, never in an alert.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeadLetter {
    /// Its key.
    pub key: DeliveryKey,
    /// Its `event`, when that could be read.
    pub event_type: Option<String>,
    /// How many runs it was given.
    pub attempts: u32,
    /// How its last run ended.
    pub last_outcome: AttemptOutcome,
}

impl DeadLetter {
    /// The delivery `key`, which died after `attempts` runs, the last ending in `last_outcome`.
    pub fn new(
        key: DeliveryKey,
        event_type: Option<String>,
        attempts: u32,
        last_outcome: AttemptOutcome,
    ) -> Self {
        Self { key, event_type, attempts, last_outcome }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_names_round_trip_and_an_unknown_name_lists_the_states() {
        for state in State::ALL {
            assert_eq!(state.as_str().parse::<State>(), Ok(state));
            assert_eq!(state.to_string(), state.as_str());
        }
        let error = "deleted".parse::<State>().unwrap_err();
        assert_eq!(
            error.to_string(),
            "`deleted` is not a delivery state; the states are pending, processing, done, \
             failed, dead, quarantined and discarded"
        );
    }

    #[test]
    fn outcome_names_round_trip() {
        for outcome in [
            AttemptOutcome::Handled,
            AttemptOutcome::Failed,
            AttemptOutcome::Panicked,
            AttemptOutcome::Unreadable,
            AttemptOutcome::Abandoned,
            AttemptOutcome::LeaseLost,
        ] {
            assert_eq!(AttemptOutcome::from_name(outcome.as_str()), Some(outcome));
        }
        assert_eq!(AttemptOutcome::from_name("lost"), None);
    }
}
