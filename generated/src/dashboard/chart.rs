//! Deliveries per hour over the last 24 hours, by the state they are in now: a stacked bar
//! chart drawn on the server as inline SVG (no script, no image request).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::html::{esc, state_colour};
use super::i18n::Lang;
use crate::store::{HourCount, State};

const HOURS: u64 = 24;
const WIDTH: u64 = 760;
const HEIGHT: u64 = 180;
const LEFT: u64 = 40;
const BOTTOM: u64 = 24;
const TOP: u64 = 10;

/// The start of the hour 23 hours before `now`'s: the chart's first bar, and what to ask the
/// store for.
pub(super) fn since(now: SystemTime) -> SystemTime {
    let hour = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() / 3600);
    UNIX_EPOCH + Duration::from_secs(hour.saturating_sub(HOURS - 1) * 3600)
}

/// The chart of `counts` (from `per_hour(since(now))`) as an `<svg>` element.
pub(super) fn svg(lang: Lang, now: SystemTime, counts: &[HourCount]) -> String {
    let first = since(now).duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() / 3600);
    // Per bar, per state, in the order of a delivery's life.
    let mut bars: BTreeMap<u64, BTreeMap<State, u64>> = BTreeMap::new();
    for count in counts {
        let hour = count.hour.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() / 3600);
        if let Some(bar) = hour.checked_sub(first).filter(|bar| *bar < HOURS) {
            *bars.entry(bar).or_default().entry(count.state).or_default() += count.count;
        }
    }
    let highest = bars.values().map(|bar| bar.values().sum::<u64>()).max().unwrap_or(0).max(1);
    let plot = HEIGHT - BOTTOM - TOP;
    let slot = (WIDTH - LEFT) / HOURS;
    let mut out = format!(
        r#"<svg role="img" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" style="max-width:{WIDTH}px" aria-label="{}">"#,
        esc(lang.pick("지난 24시간 시간별 배달 수", "Deliveries per hour, last 24 hours"))
    );
    // The axis, its top value and the zero line.
    let _ = write!(
        out,
        r##"<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{base}" stroke="#9ca3af"/><line x1="{LEFT}" y1="{base}" x2="{WIDTH}" y2="{base}" stroke="#9ca3af"/><text x="{x}" y="{y}" text-anchor="end">{highest}</text><text x="{x}" y="{base}" text-anchor="end">0</text>"##,
        base = HEIGHT - BOTTOM,
        x = LEFT - 4,
        y = TOP + 8,
    );
    for bar in 0..HOURS {
        let x = LEFT + bar * slot + 2;
        let mut y = HEIGHT - BOTTOM;
        for (state, count) in bars.get(&bar).into_iter().flatten() {
            let h = (count * plot).div_ceil(highest).max(1);
            y = y.saturating_sub(h);
            let _ = write!(
                out,
                r#"<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{c}" data-state="{s}"><title>{t}</title></rect>"#,
                w = slot - 4,
                c = state_colour(*state),
                s = state.as_str(),
                t = esc(&format!(
                    "{:02}:00 UTC · {} {count}",
                    (first + bar) % 24,
                    lang.state(*state)
                )),
            );
        }
        if bar % 6 == 0 || bar == HOURS - 1 {
            let _ = write!(
                out,
                r#"<text x="{}" y="{}" text-anchor="middle">{:02}:00</text>"#,
                x + slot / 2 - 2,
                HEIGHT - 8,
                (first + bar) % 24
            );
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_stack_by_state_and_hours_outside_the_day_are_left_out() {
        let now = UNIX_EPOCH + Duration::from_secs(100 * 3600 + 1800);
        let start = since(now);
        assert_eq!(start, UNIX_EPOCH + Duration::from_secs(77 * 3600));
        let counts = [
            HourCount::new(start, State::Done, 3),
            HourCount::new(start, State::Dead, 1),
            HourCount::new(UNIX_EPOCH + Duration::from_secs(100 * 3600), State::Failed, 2),
            HourCount::new(UNIX_EPOCH, State::Failed, 99),
        ];
        let svg = svg(Lang::En, now, &counts);
        assert_eq!(svg.matches("<rect").count(), 3, "{svg}");
        assert!(svg.contains("dead 1") && svg.contains(">4</text>") && !svg.contains("99"));
    }
}
