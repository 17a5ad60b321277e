//! Tables and times as people read them: aligned columns (Hangul counted as two), times in UTC
//! with how long ago or ahead, and long keys shortened.

use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use steppay_webhooks::store::{DeliverySummary, State};

use crate::output::{bold, pad, width};

/// The lines of a table: its headings in bold, then its rows, columns two spaces apart.
pub(crate) fn render<const N: usize>(headings: [&str; N], rows: &[[String; N]]) -> Vec<String> {
    let columns: Vec<usize> = (0..N)
        .map(|i| {
            let cells = rows.iter().map(|row| row.get(i).map_or(0, |c| width(c)));
            cells.chain([headings.get(i).map_or(0, |h| width(h))]).max().unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> =
            cells.iter().zip(&columns).map(|(cell, &columns)| pad(cell, columns)).collect();
        padded.join("  ").trim_end().to_owned()
    };
    let mut lines = vec![bold(&line(headings.to_vec()))];
    lines.extend(rows.iter().map(|row| line(row.iter().map(String::as_str).collect())));
    lines
}

/// `2026-12-02 22:31:05` (UTC).
pub(crate) fn time(time: SystemTime) -> String {
    DateTime::<Utc>::from(time).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// `2026-12-02 22:31:05.123 UTC`.
pub(crate) fn precise_time(time: SystemTime) -> String {
    DateTime::<Utc>::from(time).format("%Y-%m-%d %H:%M:%S%.3f UTC").to_string()
}

/// `in 4m`, `3h ago`, `now`.
pub(crate) fn relative(time: SystemTime, now: SystemTime) -> String {
    match time.duration_since(now) {
        Ok(ahead) if ahead >= Duration::from_secs(1) => format!("in {}", span(ahead)),
        Ok(_) => "now".to_owned(),
        Err(behind) => {
            let behind = behind.duration();
            if behind < Duration::from_secs(1) {
                "now".to_owned()
            } else {
                format!("{} ago", span(behind))
            }
        }
    }
}

/// A duration in its largest whole unit: `42s`, `4m`, `3h`, `2d`.
fn span(duration: Duration) -> String {
    let seconds = duration.as_secs();
    match seconds {
        0..60 => format!("{seconds}s"),
        60..3600 => format!("{}m", seconds / 60),
        3600..86_400 => format!("{}h", seconds / 3600),
        _ => format!("{}d", seconds / 86_400),
    }
}

/// A key short enough for a table: SHA-256 keys are 64 hex digits, and their first 12 tell
/// deliveries apart; `--wide` and `--json` print them whole, as `show` takes them.
pub(crate) fn short_key(key: &str) -> String {
    const SHOWN: usize = 12;
    if key.chars().count() <= SHOWN + 4 {
        key.to_owned()
    } else {
        let head: String = key.chars().take(SHOWN).collect();
        format!("{head}…")
    }
}

/// What comes next for a delivery: when it is due, when its run's lease ends, or how its last
/// run ended.
pub(crate) fn next_or_last(summary: &DeliverySummary, now: SystemTime) -> String {
    let last = summary.last_outcome.map(|o| o.as_str());
    match (summary.state, summary.due_at) {
        (State::Pending | State::Failed, Some(due)) => match last {
            Some(last) => format!("due {} (last {last})", relative(due, now)),
            None => format!("due {}", relative(due, now)),
        },
        (State::Processing, Some(until)) => format!("running, lease {}", relative(until, now)),
        _ => last.unwrap_or("-").to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_keys_read_short() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        assert_eq!(relative(now + Duration::from_secs(240), now), "in 4m");
        assert_eq!(relative(now - Duration::from_secs(3 * 3600 + 5), now), "3h ago");
        assert_eq!(relative(now, now), "now");
        assert_eq!(short_key("k1"), "k1");
        assert_eq!(short_key(&"a".repeat(64)), format!("{}…", "a".repeat(12)));
        assert_eq!(time(SystemTime::UNIX_EPOCH), "1970-01-01 00:00:00");
    }

    #[test]
    fn columns_align_with_wide_characters() {
        let lines = render(
            ["A", "B"],
            &[["결제".to_owned(), "x".to_owned()], ["ab".to_owned(), "y".to_owned()]],
        );
        let plain: Vec<String> =
            lines.iter().map(|l| anstream::adapter::strip_str(l).to_string()).collect();
        assert_eq!(plain, ["A     B", "결제  x", "ab    y"]);
    }
}
