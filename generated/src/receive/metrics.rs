//! 지표 — What a receiver measures, through the [`metrics`](https://docs.rs/metrics) facade
//! (feature `metrics`): the library names and records, the application installs the exporter it
//! wants (Prometheus, OpenTelemetry, …). Without the feature nothing is recorded and nothing is
//! compiled in.
//!
//! Names and units follow OpenTelemetry's conventions (dot-separated, the unit in the
//! description rather than the name; a Prometheus exporter writes `steppay_webhooks_deliveries_total`
//! for [`DELIVERIES`]). Every label has a small, fixed set of values: never a key, an id, a
//! payload value or a secret.
//!
//! | name | kind | unit | labels |
//! |---|---|---|---|
//! | [`DELIVERIES`] | counter | `{delivery}` | `outcome` ([`Outcome::name`](super::Outcome::name)), `event` |
//! | [`RUNS`] | counter | `{run}` | `outcome`, `trigger` (`request`, `accepted`, `worker`), `event` |
//! | [`HANDLER_DURATION`] | histogram | `s` | `outcome`, `trigger`, `event` |
//! | [`DEAD`] | counter | `{delivery}` | — |
//! | [`INBOX_DELIVERIES`] | gauge | `{delivery}` | `state` (pending, processing, failed, dead, quarantined) |
//! | [`INBOX_OLDEST_DUE_AGE`] | gauge | `s` | — |
//!
//! `event` is the event type (`payment.completed`, …) for the types the catalogue knows,
//! `unknown` for one it does not, and `none` when the body could not be read or did not verify.
//! The gauges are updated by the worker every 15 seconds and at each cleanup, from the store,
//! so every instance reports the same values.

/// Deliveries received, by what the receiver answered.
pub const DELIVERIES: &str = "steppay.webhooks.deliveries";
/// Runs of the handler (a first run, a retry, a run after accepting), by how they ended.
pub const RUNS: &str = "steppay.webhooks.runs";
/// How long the handler took, in seconds.
pub const HANDLER_DURATION: &str = "steppay.webhooks.handler.duration";
/// Deliveries that died: their retries ran out.
pub const DEAD: &str = "steppay.webhooks.dead";
/// Deliveries the store holds, by state (done and discarded are not reported).
pub const INBOX_DELIVERIES: &str = "steppay.webhooks.inbox.deliveries";
/// How long the oldest due delivery has waited for a run, in seconds (0 when none is due).
pub const INBOX_OLDEST_DUE_AGE: &str = "steppay.webhooks.inbox.oldest_due.age";

/// The bucket bounds, in seconds, that OpenTelemetry advises for request durations: a good
/// choice for [`HANDLER_DURATION`] when the exporter draws histograms from buckets (Prometheus's
/// exporter renders a summary otherwise).
pub const DURATION_BUCKETS: [f64; 14] =
    [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0];

/// Whether metrics are recorded (feature `metrics`).
pub(super) const ENABLED: bool = cfg!(feature = "metrics");

/// The `event` label of a delivery that has no readable event type.
pub(super) const NO_EVENT: &str = "none";

/// The `event` label of a parsed delivery: its type if the catalogue knows it.
pub(super) fn event_label(webhook: Option<&crate::Webhook>) -> &'static str {
    match webhook {
        Some(webhook) => webhook.event.event_type().map_or("unknown", |known| known.as_str()),
        None => NO_EVENT,
    }
}

#[cfg(feature = "metrics")]
mod record {
    use std::sync::Once;
    use std::time::Duration;

    use super::super::Outcome;
    use super::{DEAD, DELIVERIES, HANDLER_DURATION, INBOX_DELIVERIES, INBOX_OLDEST_DUE_AGE, RUNS};
    use crate::store::StartedBy;
    use crate::store::{State, StateCounts};

    /// Describes each metric once, with its unit, for exporters that show descriptions.
    fn describe() {
        static ONCE: Once = Once::new();
        ONCE.call_once(|| {
            use metrics::Unit;
            metrics::describe_counter!(
                DELIVERIES,
                Unit::Count,
                "StepPay deliveries received, by the receiver's answer"
            );
            metrics::describe_counter!(
                RUNS,
                Unit::Count,
                "Runs of the webhook handler, by how they ended"
            );
            metrics::describe_histogram!(
                HANDLER_DURATION,
                Unit::Seconds,
                "How long the webhook handler ran"
            );
            metrics::describe_counter!(DEAD, Unit::Count, "Deliveries whose retries ran out");
            metrics::describe_gauge!(
                INBOX_DELIVERIES,
                Unit::Count,
                "Deliveries the store holds, by state"
            );
            metrics::describe_gauge!(
                INBOX_OLDEST_DUE_AGE,
                Unit::Seconds,
                "How long the oldest due delivery has waited"
            );
        });
    }

    pub(in super::super) fn delivery(outcome: &Outcome, event: &'static str) {
        describe();
        metrics::counter!(DELIVERIES, "outcome" => outcome.name(), "event" => event).increment(1);
    }

    pub(in super::super) fn run(
        outcome: &Outcome,
        trigger: StartedBy,
        event: &str,
        took: Duration,
    ) {
        describe();
        let event = known(event);
        let labels = [("outcome", outcome.name()), ("trigger", trigger.as_str()), ("event", event)];
        metrics::counter!(RUNS, &labels).increment(1);
        metrics::histogram!(HANDLER_DURATION, &labels).record(took.as_secs_f64());
    }

    pub(in super::super) fn died() {
        describe();
        metrics::counter!(DEAD).increment(1);
    }

    pub(in super::super) fn inbox(counts: &StateCounts) {
        describe();
        for state in
            [State::Pending, State::Processing, State::Failed, State::Dead, State::Quarantined]
        {
            #[allow(clippy::cast_precision_loss)]
            let count = counts.get(state) as f64;
            metrics::gauge!(INBOX_DELIVERIES, "state" => state.as_str()).set(count);
        }
        let age = counts.oldest_due.map_or(0.0, |age| age.as_secs_f64());
        metrics::gauge!(INBOX_OLDEST_DUE_AGE).set(age);
    }

    /// An event type as a label: one the catalogue knows, or `unknown`.
    fn known(event: &str) -> &'static str {
        event.parse::<crate::EventType>().map_or("unknown", |known| known.as_str())
    }
}

#[cfg(not(feature = "metrics"))]
mod record {
    use std::time::Duration;

    use super::super::Outcome;
    use crate::store::StartedBy;
    use crate::store::StateCounts;

    pub(in super::super) fn delivery(_: &Outcome, _: &'static str) {}
    pub(in super::super) fn run(_: &Outcome, _: StartedBy, _: &str, _: Duration) {}
    pub(in super::super) fn died() {}
    pub(in super::super) fn inbox(_: &StateCounts) {}
}

pub(super) use self::record::{delivery, died, inbox, run};
