//! [`Outcome`]: what became of one delivery, and the HTTP answer it gets.

use std::fmt;
use std::time::Duration;

use crate::verify::VerifyError;

/// What became of one delivery at a [`Receiver`](super::Receiver), and so what to answer
/// StepPay: [`Outcome::status`], [`Outcome::retry_after`] and [`Outcome::message`] are the whole
/// HTTP response.
///
/// | outcome | status | StepPay should |
/// |---|---|---|
/// | [`Handled`](Outcome::Handled), [`Accepted`](Outcome::Accepted), [`Duplicate`](Outcome::Duplicate), [`Discarded`](Outcome::Discarded), [`Quarantined`](Outcome::Quarantined), [`AlreadyQuarantined`](Outcome::AlreadyQuarantined) | `200` | stop sending it |
/// | [`Rejected`](Outcome::Rejected) | `401` | (not StepPay's delivery, or too old) |
/// | [`TooLarge`](Outcome::TooLarge) | `413` | (not StepPay's delivery) |
/// | [`HandlerFailed`](Outcome::HandlerFailed), [`HandlerPanicked`](Outcome::HandlerPanicked), [`Unreadable`](Outcome::Unreadable) | `500` | send it again |
/// | [`InProgress`](Outcome::InProgress), [`StoreUnavailable`](Outcome::StoreUnavailable), [`LeaseLost`](Outcome::LeaseLost), [`ShuttingDown`](Outcome::ShuttingDown) | `503` + `Retry-After` | send it again later |
///
/// No answer after the signature verified is a `4xx`: StepPay signed the body, so a body this
/// crate cannot read is the receiver's problem, and StepPay does not say whether it ever resends
/// a delivery refused with a `4xx`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// The handler ran and succeeded, and the delivery is recorded as done.
    Handled,
    /// Accept-first: the delivery is kept (on disk, with a durable store) and will be handled
    /// on the worker; the handler has not run yet.
    Accepted,
    /// The delivery was handled before; the handler was not called.
    Duplicate,
    /// An operator discarded this delivery; the handler was not called.
    Discarded,
    /// The body could not be read and is kept for replay.
    Quarantined,
    /// The body is already kept for replay.
    AlreadyQuarantined,
    /// The signature did not verify (missing, malformed, not matching, or outside the
    /// tolerance); nothing was parsed or recorded.
    Rejected(VerifyError),
    /// The body is larger than the receiver's limit.
    TooLarge,
    /// The handler returned an error; the delivery is recorded as failed (the worker runs it
    /// again on the retry schedule, and so does a resend), or as dead when the schedule ran out.
    HandlerFailed,
    /// The handler panicked; recorded as [`HandlerFailed`](Outcome::HandlerFailed) is.
    HandlerPanicked,
    /// The body could not be read and was not kept (no store, or the hook said
    /// [`Retry`](crate::UnreadableAction::Retry)).
    Unreadable,
    /// Another run holds a live lease on this delivery.
    InProgress {
        /// How long that lease has left.
        retry_after: Duration,
    },
    /// The store could not be reached, so the handler was not called (or ran, but its success
    /// could not be recorded: the retry runs it again).
    StoreUnavailable,
    /// The handler's lease expired and a later attempt took the delivery over, so this run's
    /// result was not recorded.
    LeaseLost,
    /// The receiver is shutting down: it takes no new delivery, or it stopped this one's run
    /// and gave its lease back, so that another instance handles it at once.
    ShuttingDown,
}

/// How long to ask StepPay to wait when the store is unavailable.
const STORE_RETRY: Duration = Duration::from_secs(5);

impl Outcome {
    /// The HTTP status to answer with.
    pub fn status(&self) -> u16 {
        match self {
            Self::Handled
            | Self::Accepted
            | Self::Duplicate
            | Self::Discarded
            | Self::Quarantined
            | Self::AlreadyQuarantined => 200,
            Self::Rejected(_) => 401,
            Self::TooLarge => 413,
            Self::HandlerFailed | Self::HandlerPanicked | Self::Unreadable => 500,
            Self::InProgress { .. }
            | Self::StoreUnavailable
            | Self::LeaseLost
            | Self::ShuttingDown => 503,
        }
    }

    /// The `Retry-After` to send, in whole seconds (at least 1), for a `503`.
    pub fn retry_after(&self) -> Option<u64> {
        let wait = match self {
            Self::InProgress { retry_after } => *retry_after,
            Self::StoreUnavailable => STORE_RETRY,
            Self::LeaseLost | Self::ShuttingDown => Duration::from_secs(1),
            _ => return None,
        };
        Some((wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1))
    }

    /// Whether StepPay should consider the delivery delivered (a `2xx`).
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status())
    }

    /// A short name for logs and metrics, e.g. `"duplicate"`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Handled => "handled",
            Self::Accepted => "accepted",
            Self::Duplicate => "duplicate",
            Self::Discarded => "discarded",
            Self::Quarantined => "quarantined",
            Self::AlreadyQuarantined => "already_quarantined",
            Self::Rejected(_) => "rejected",
            Self::TooLarge => "too_large",
            Self::HandlerFailed => "handler_failed",
            Self::HandlerPanicked => "handler_panicked",
            Self::Unreadable => "unreadable",
            Self::InProgress { .. } => "in_progress",
            Self::StoreUnavailable => "store_unavailable",
            Self::LeaseLost => "lease_lost",
            Self::ShuttingDown => "shutting_down",
        }
    }

    /// The response body: a short plain-text line. It never contains a secret, an expected
    /// signature, a payload value or an error of the handler's (which may describe your
    /// internals).
    pub fn message(&self) -> String {
        match self {
            Self::Handled => "handled".to_owned(),
            Self::Accepted => "accepted: kept, to be handled".to_owned(),
            Self::Duplicate => "duplicate: handled before".to_owned(),
            Self::Discarded => "discarded by an operator".to_owned(),
            Self::Quarantined => "unreadable: kept for replay".to_owned(),
            Self::AlreadyQuarantined => "unreadable: already kept for replay".to_owned(),
            Self::Rejected(error) => error.to_string(),
            Self::TooLarge => "webhook body is larger than the limit".to_owned(),
            Self::HandlerFailed | Self::HandlerPanicked => "webhook handler failed".to_owned(),
            Self::Unreadable => "webhook body could not be read; send it again".to_owned(),
            Self::InProgress { .. } => "being handled by another request; retry later".to_owned(),
            Self::StoreUnavailable => "delivery store unavailable; retry later".to_owned(),
            Self::LeaseLost => "handled by a later attempt; retry later".to_owned(),
            Self::ShuttingDown => "receiver shutting down; retry later".to_owned(),
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status(), self.message())
    }
}
