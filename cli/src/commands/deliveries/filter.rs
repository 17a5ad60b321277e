//! The filters all five `deliveries` subcommands share, read into the library's
//! [`Filter`]: states, event types, a time window, a least number of runs, a subject, a key.

use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use steppay_webhooks::key::DeliveryKey;
use steppay_webhooks::store::{Filter, State};
use steppay_webhooks::{EventType, Subject};

use crate::error::{CliError, closest};

#[derive(clap::Args)]
pub(crate) struct FilterArgs {
    /// Only deliveries in these states: pending, processing, done, failed, dead, quarantined,
    /// discarded (comma-separated, or the flag repeated)
    #[arg(long, value_name = "STATE", value_delimiter = ',')]
    state: Vec<String>,

    /// Only deliveries of these event types, e.g. `payment.completed` (comma-separated, or
    /// repeated)
    #[arg(long = "event", value_name = "EVENT TYPE", value_delimiter = ',')]
    event: Vec<String>,

    /// Only deliveries first received since this time: RFC 3339 (`2026-12-02T21:00:00Z`) or
    /// a duration ago (`30m`, `1h`, `24h`, `7d`)
    #[arg(long, value_name = "TIME | DURATION")]
    since: Option<String>,

    /// Only deliveries first received before this time: RFC 3339, or a duration ago
    #[arg(long, value_name = "TIME | DURATION")]
    until: Option<String>,

    /// Only deliveries run at least N times
    #[arg(long, value_name = "N")]
    min_attempts: Option<u32>,

    /// Only deliveries about one business object, `kind:id`, e.g. `payment:4418273`
    #[arg(long, value_name = "KIND:ID")]
    subject: Option<String>,

    /// Only the delivery with this key (as `list --wide` or `--json` prints it)
    #[arg(long, value_name = "KEY")]
    key: Option<String>,
}

impl FilterArgs {
    /// The library's filter, with times relative to `now`.
    pub(crate) fn filter(&self, now: SystemTime) -> Result<Filter, CliError> {
        let mut filter = Filter::new();
        for name in &self.state {
            filter = filter.state(parse_state(name)?);
        }
        for event in &self.event {
            filter = filter.event_type(parse_event_type(event)?);
        }
        if let Some(since) = &self.since {
            filter = filter.received_since(parse_time(since, now, "--since")?);
        }
        if let Some(until) = &self.until {
            filter = filter.received_before(parse_time(until, now, "--until")?);
        }
        if let (Some(since), Some(before)) = (filter.received_since, filter.received_before)
            && since >= before
        {
            return Err(CliError::usage("`--since` is not before `--until`: nothing can match")
                .at(format!("--since {} --until {}", self.since_text(), self.until_text())));
        }
        if let Some(min) = self.min_attempts {
            filter = filter.min_attempts(min);
        }
        if let Some(subject) = &self.subject {
            let parsed: Subject = subject.trim().parse().map_err(|error| {
                CliError::usage(format!("`{subject}` is not a subject"))
                    .at(format!("--subject {subject}"))
                    .note(format!("{error}"))
            })?;
            filter = filter.subject(parsed.to_string());
        }
        if let Some(key) = &self.key {
            filter = filter.key(DeliveryKey::new(key.trim()));
        }
        Ok(filter)
    }

    /// Whether any part was given: a bulk action over every delivery is asked for by name.
    pub(crate) fn is_empty(&self) -> bool {
        self.state.is_empty()
            && self.event.is_empty()
            && self.since.is_none()
            && self.until.is_none()
            && self.min_attempts.is_none()
            && self.subject.is_none()
            && self.key.is_none()
    }

    /// The filter as flags again, for the line that continues a list.
    pub(crate) fn as_flags(&self) -> Vec<String> {
        let mut flags = Vec::new();
        if !self.state.is_empty() {
            flags.push(format!("--state {}", self.state.join(",")));
        }
        if !self.event.is_empty() {
            flags.push(format!("--event {}", self.event.join(",")));
        }
        // A relative time is repeated as the absolute one it meant, so that the next page is
        // the same list.
        if self.since.is_some() {
            flags.push(format!("--since {}", self.since_text()));
        }
        if self.until.is_some() {
            flags.push(format!("--until {}", self.until_text()));
        }
        if let Some(min) = self.min_attempts {
            flags.push(format!("--min-attempts {min}"));
        }
        if let Some(subject) = &self.subject {
            flags.push(format!("--subject {subject}"));
        }
        if let Some(key) = &self.key {
            flags.push(format!("--key {key}"));
        }
        flags
    }

    fn since_text(&self) -> String {
        self.since.clone().unwrap_or_default()
    }

    fn until_text(&self) -> String {
        self.until.clone().unwrap_or_default()
    }

    /// `--since` and `--until` made absolute, so that repeating them gives the same window.
    pub(crate) fn pin_times(&mut self, filter: &Filter) {
        if let Some(since) = filter.received_since {
            self.since = Some(rfc3339(since));
        }
        if let Some(before) = filter.received_before {
            self.until = Some(rfc3339(before));
        }
    }
}

fn parse_state(name: &str) -> Result<State, CliError> {
    let name = name.trim();
    name.to_ascii_lowercase().parse().map_err(|_| {
        let names = State::ALL.map(State::as_str);
        let error = CliError::usage(format!("`{name}` is not a delivery state"))
            .at(format!("--state {name}"))
            .note(format!("the states are {}", names.join(", ")));
        match closest(name, names) {
            Some(close) => error.help(format!("did you mean `{close}`?")),
            None => error,
        }
    })
}

/// An event type this version knows, or a close name's suggestion. A name far from any is
/// taken as written: the store may hold deliveries of an event type newer than this version.
fn parse_event_type(name: &str) -> Result<String, CliError> {
    let name = name.trim();
    if name.parse::<EventType>().is_ok() {
        return Ok(name.to_owned());
    }
    match closest(name, EventType::ALL.iter().map(|t| t.as_str())) {
        Some(close) => Err(CliError::usage(format!("`{name}` is not an event type"))
            .at(format!("--event {name}"))
            .help(format!("did you mean `{close}`? (`steppay-webhooks events` lists them)"))),
        None => {
            crate::output::warn(&format!(
                "`{name}` is not an event type this version knows; filtering on it as written"
            ));
            Ok(name.to_owned())
        }
    }
}

/// RFC 3339, or a duration before `now`: a number and `s`, `m`, `h`, `d` or `w`.
pub(crate) fn parse_time(text: &str, now: SystemTime, flag: &str) -> Result<SystemTime, CliError> {
    let text = text.trim();
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(SystemTime::from(time.with_timezone(&Utc)));
    }
    let ago = parse_duration(text).ok_or_else(|| {
        CliError::usage(format!("`{text}` is neither a time nor a duration"))
            .at(format!("{flag} {text}"))
            .help("write a duration ago (`30m`, `1h`, `24h`, `7d`) or an RFC 3339 time (`2026-12-02T21:00:00Z`, `2026-12-03T06:00:00+09:00`)")
    })?;
    now.checked_sub(ago).ok_or_else(|| {
        CliError::usage(format!("`{text}` reaches back before 1970")).at(format!("{flag} {text}"))
    })
}

fn parse_duration(text: &str) -> Option<Duration> {
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().ok()?;
    let seconds = match unit {
        "s" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return None,
    };
    number.checked_mul(seconds).map(Duration::from_secs)
}

/// A time as RFC 3339 in UTC, to the microsecond (what the stores keep).
pub(crate) fn rfc3339(time: SystemTime) -> String {
    DateTime::<Utc>::from(time).to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(state: &[&str]) -> FilterArgs {
        FilterArgs {
            state: state.iter().map(|s| (*s).to_owned()).collect(),
            event: Vec::new(),
            since: None,
            until: None,
            min_attempts: None,
            subject: None,
            key: None,
        }
    }

    #[test]
    fn states_are_read_and_a_typo_gets_a_suggestion() {
        let now = SystemTime::now();
        let filter = args(&["failed", "Dead"]).filter(now).expect("valid");
        assert_eq!(filter.states, vec![State::Failed, State::Dead]);
        let error = args(&["faild"]).filter(now).expect_err("a typo");
        let text = anstream::adapter::strip_str(&error.to_string()).to_string();
        assert!(text.contains("`faild` is not a delivery state"), "{text}");
        assert!(text.contains("did you mean `failed`?"), "{text}");
    }

    #[test]
    fn times_are_durations_ago_or_rfc3339() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        assert_eq!(parse_time("1h", now, "--since").ok(), Some(now - Duration::from_secs(3600)));
        assert_eq!(
            parse_time("2d", now, "--since").ok(),
            Some(now - Duration::from_secs(2 * 86_400))
        );
        assert_eq!(
            parse_time("1970-01-01T09:00:00+09:00", now, "--since").ok(),
            Some(SystemTime::UNIX_EPOCH)
        );
        assert!(parse_time("1 hour", now, "--since").is_err());
        assert!(parse_time("h", now, "--since").is_err());
        assert!(parse_time("99999999999999999999h", now, "--since").is_err());
    }

    #[test]
    fn event_types_and_subjects_are_checked() {
        let now = SystemTime::now();
        let mut a = args(&[]);
        a.event = vec!["payment.complted".into()];
        assert!(a.filter(now).is_err());
        a.event = vec!["payment.completed".into()];
        a.subject = Some("payment:4418273".into());
        let filter = a.filter(now).expect("valid");
        assert_eq!(filter.subject.as_deref(), Some("payment:4418273"));
        a.subject = Some("4418273".into());
        assert!(a.filter(now).is_err());
    }
}
