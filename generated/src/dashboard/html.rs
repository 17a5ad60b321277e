//! HTML text: escaping, the page's frame and style, and how times and states are shown. Every
//! value that did not come from this module's own literals goes through [`esc`].

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::i18n::Lang;
use crate::store::State;

/// `text` escaped for HTML text and for a double- or single-quoted attribute.
pub(super) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// The colour of a state, shared by the badges and the chart.
pub(super) fn state_colour(state: State) -> &'static str {
    match state {
        State::Pending => "#6b7280",
        State::Processing => "#2563eb",
        State::Done => "#16a34a",
        State::Failed => "#d97706",
        State::Dead => "#dc2626",
        State::Quarantined => "#7c3aed",
        State::Discarded => "#9ca3af",
    }
}

/// A state as a coloured badge.
pub(super) fn badge(lang: Lang, state: State) -> String {
    format!(
        r#"<span class="badge" style="background:{}" data-state="{}">{}</span>"#,
        state_colour(state),
        state.as_str(),
        esc(lang.state(state))
    )
}

/// A time as `2026-12-02 09:30:15 UTC`.
pub(super) fn time(at: SystemTime) -> String {
    let Ok(since) = at.duration_since(UNIX_EPOCH) else { return "-".to_owned() };
    i64::try_from(since.as_secs())
        .ok()
        .and_then(|secs| chrono::DateTime::from_timestamp(secs, 0))
        .map_or_else(|| "-".to_owned(), |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
}

/// A duration as `850 ms`, `12.3 s` or `4 min 5 s`.
pub(super) fn duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1_000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{:.1} s", d.as_secs_f64())
    } else {
        format!("{} min {} s", d.as_secs() / 60, d.as_secs() % 60)
    }
}

const STYLE: &str = r#"
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", "Noto Sans KR", "Apple SD Gothic Neo", sans-serif; color: #111827; background: #f3f4f6; }
header { background: #111827; color: #f9fafb; padding: 10px 24px; display: flex; gap: 16px; align-items: baseline; }
header a { color: #f9fafb; text-decoration: none; font-weight: 600; }
header small { color: #9ca3af; }
main { padding: 16px 24px; max-width: 1280px; }
h1 { font-size: 20px; margin: 8px 0 12px; }
h2 { font-size: 16px; margin: 20px 0 8px; }
section, .card { background: #fff; border: 1px solid #e5e7eb; border-radius: 6px; padding: 12px 16px; margin-bottom: 16px; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #e5e7eb; vertical-align: top; }
th { background: #f9fafb; font-weight: 600; color: #374151; white-space: nowrap; }
tr:hover td { background: #f9fafb; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
pre { background: #f9fafb; border: 1px solid #e5e7eb; border-radius: 4px; padding: 10px; overflow: auto; max-height: 480px; }
.badge { display: inline-block; color: #fff; border-radius: 10px; padding: 0 8px; font-size: 12px; font-weight: 600; }
.counts { display: flex; flex-wrap: wrap; gap: 8px; }
.counts a { display: block; min-width: 96px; padding: 6px 10px; border-radius: 6px; border: 1px solid #e5e7eb; background: #fff; text-decoration: none; color: inherit; }
.counts a b { display: block; font-size: 20px; }
.counts a.zero { opacity: .55; }
form.filter { display: flex; flex-wrap: wrap; gap: 10px 16px; align-items: flex-end; }
form.filter label { display: flex; flex-direction: column; font-size: 12px; color: #374151; }
form.filter fieldset { border: 0; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: 4px 10px; }
form.filter fieldset label { flex-direction: row; gap: 4px; align-items: center; font-size: 13px; }
input, select, button { font: inherit; padding: 4px 8px; border: 1px solid #d1d5db; border-radius: 4px; background: #fff; }
button { background: #111827; color: #fff; border-color: #111827; cursor: pointer; }
button.secondary { background: #fff; color: #111827; }
button.danger { background: #b91c1c; border-color: #b91c1c; }
.actions { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
.actions form { display: flex; gap: 6px; align-items: center; margin: 0; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
dt { color: #6b7280; }
dd { margin: 0; }
.muted { color: #6b7280; }
.notice { background: #ecfdf5; border: 1px solid #a7f3d0; border-radius: 6px; padding: 8px 12px; margin-bottom: 12px; }
.error { background: #fef2f2; border-color: #fecaca; }
nav.pages { margin-top: 10px; display: flex; gap: 12px; }
svg text { font: 11px system-ui, sans-serif; fill: #374151; }
"#;

/// A whole page: `title` (text) and `body` (HTML).
pub(super) fn page(lang: Lang, home: &str, title: &str, body: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{title} · StepPay webhooks</title>
<style>{STYLE}</style>
</head>
<body>
<header><a href="{home}">{brand}</a><small>{sub}</small></header>
<main>
{body}
</main>
</body>
</html>
"#,
        lang = lang.code(),
        title = esc(title),
        home = esc(home),
        brand = lang.pick("스텝페이 웹훅 · 운영 화면", "StepPay webhooks · operator view"),
        sub = lang.pick("배달 저장소", "delivery store"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped_everywhere() {
        assert_eq!(
            esc(r#"<a href="x" onclick='y'>&</a>"#),
            "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
        let page = page(Lang::En, "/ops/", "<script>", "");
        assert!(page.contains("&lt;script&gt;") && !page.contains("<script>"));
        assert_eq!(duration(Duration::from_millis(850)), "850 ms");
        assert_eq!(duration(Duration::from_secs(245)), "4 min 5 s");
        assert_eq!(time(UNIX_EPOCH + Duration::from_secs(86_400)), "1970-01-02 00:00:00 UTC");
    }
}
