//! The pages, each a function from what the store answered to HTML: the list (counts, chart,
//! filter, a page of deliveries), one delivery, the bulk retry's confirmation, and the pages
//! that say no. They do no I/O; every value they show goes through `esc`.

use std::fmt::Write as _;
use std::str::FromStr;
use std::time::SystemTime;

use super::chart;
use super::html::{badge, duration, esc, page, time};
use super::i18n::Lang;
use super::query::{ListQuery, cursor_text, encode};
use crate::EventType;
use crate::redact::{self, RedactedBody, WithheldReason};
use crate::store::{DeliveryRecord, DeliverySummary, HourCount, State, StateCounts};

/// What every page needs to know about the request.
#[derive(Debug, Clone)]
pub(super) struct Ctx {
    pub(super) lang: Lang,
    /// Where the dashboard is mounted, ending with `/`: the start of its other routes.
    pub(super) base: String,
    /// The list's path: where it is mounted (`/ops`), or `/`.
    pub(super) home: String,
    /// The CSRF token its forms carry.
    pub(super) csrf: String,
}

impl Ctx {
    fn t(&self, ko: &'static str, en: &'static str) -> &'static str {
        self.lang.pick(ko, en)
    }

    fn csrf_field(&self) -> String {
        format!(r#"<input type="hidden" name="csrf" value="{}">"#, esc(&self.csrf))
    }

    fn delivery_href(&self, key: &str) -> String {
        format!("{}delivery?key={}", self.base, encode(key))
    }
}

/// What an action did, shown at the top of the next page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Did {
    Retry(u64),
    Replay(u64),
    Discard(u64),
}

impl Did {
    pub(super) fn from_pairs(pairs: &[(String, String)]) -> Option<Self> {
        let n = super::query::value(pairs, "n")?.parse().ok()?;
        match super::query::value(pairs, "did")? {
            "retry" => Some(Did::Retry(n)),
            "replay" => Some(Did::Replay(n)),
            "discard" => Some(Did::Discard(n)),
            _ => None,
        }
    }

    pub(super) fn pairs(self) -> [(&'static str, String); 2] {
        let (did, n) = match self {
            Did::Retry(n) => ("retry", n),
            Did::Replay(n) => ("replay", n),
            Did::Discard(n) => ("discard", n),
        };
        [("did", did.to_owned()), ("n", n.to_string())]
    }

    fn notice(self, ctx: &Ctx) -> String {
        let text = match self {
            Did::Retry(0) | Did::Replay(0) | Did::Discard(0) => ctx
                .t(
                    "바뀐 배달이 없습니다 (상태가 그 작업을 허용하지 않음).",
                    "No delivery changed (its state does not allow that).",
                )
                .to_owned(),
            Did::Retry(n) => match ctx.lang {
                Lang::Ko => {
                    format!("{n}건을 다시 시도하도록 대기시켰습니다. 워커가 곧 실행합니다.")
                }
                Lang::En => format!("{n} queued to run again; the worker runs them shortly."),
            },
            Did::Replay(n) => match ctx.lang {
                Lang::Ko => format!("{n}건을 다시 실행하도록 대기시켰습니다."),
                Lang::En => format!("{n} queued to replay."),
            },
            Did::Discard(n) => match ctx.lang {
                Lang::Ko => format!("{n}건을 폐기했습니다."),
                Lang::En => format!("{n} discarded."),
            },
        };
        format!(r#"<div class="notice" role="status">{}</div>"#, esc(&text))
    }
}

/// What the list page shows.
#[derive(Debug)]
pub(super) struct ListData<'a> {
    pub(super) query: &'a ListQuery,
    pub(super) counts: &'a StateCounts,
    pub(super) per_hour: &'a [HourCount],
    pub(super) now: SystemTime,
    /// The page of deliveries, with one more than shown when there is a next page.
    pub(super) rows: &'a [DeliverySummary],
    /// How many match the filter.
    pub(super) matching: u64,
    pub(super) did: Option<Did>,
}

/// The list: counts per state, the chart, the filter, a page of deliveries.
pub(super) fn list(ctx: &Ctx, data: &ListData<'_>) -> String {
    let query = data.query;
    let mut body = String::new();
    let _ = write!(body, "<h1>{}</h1>", ctx.t("배달", "Deliveries"));
    if let Some(did) = data.did {
        body.push_str(&did.notice(ctx));
    }

    // Counts per state, each a link to its deliveries.
    body.push_str(r#"<section aria-labelledby="counts"><h2 id="counts">"#);
    body.push_str(ctx.t("상태별 배달 수", "Deliveries by state"));
    body.push_str(r#"</h2><div class="counts">"#);
    for state in State::ALL {
        let count = data.counts.get(state);
        let _ = write!(
            body,
            r#"<a href="{base}?state={s}" class="{zero}" data-count-state="{s}">{badge}<b>{count}</b></a>"#,
            base = esc(&ctx.home),
            s = state.as_str(),
            zero = if count == 0 { "zero" } else { "" },
            badge = badge(ctx.lang, state),
        );
    }
    body.push_str("</div>");
    if let Some(oldest) = data.counts.oldest_due {
        let _ = write!(
            body,
            r#"<p class="muted">{} {}</p>"#,
            ctx.t("가장 오래 기다린 실행 예정 배달:", "The oldest due delivery has waited"),
            esc(&duration(oldest))
        );
    }
    body.push_str("</section>");

    // The chart.
    let _ = write!(
        body,
        r#"<section><h2>{}</h2>{}<p class="muted">{}</p></section>"#,
        ctx.t(
            "지난 24시간, 시간별 (지금 상태 기준)",
            "Last 24 hours, per hour (by their state now)"
        ),
        chart::svg(ctx.lang, data.now, data.per_hour),
        ctx.t(
            "시각은 UTC, 도착한 시간 기준입니다.",
            "Hours in UTC, by when the deliveries arrived."
        ),
    );

    body.push_str(&filter_form(ctx, query));

    // The results.
    let shown = data.rows.len().min(query.limit);
    let _ = write!(
        body,
        r#"<section><div class="actions"><h2 style="margin:0">{}</h2><span class="muted" data-matching="{m}">{}</span>"#,
        ctx.t("목록 (최신순)", "List (newest first)"),
        esc(&match ctx.lang {
            Lang::Ko => format!("조건에 맞는 배달 {}건", data.matching),
            Lang::En => format!("{} matching", data.matching),
        }),
        m = data.matching,
    );
    let _ = write!(
        body,
        r#"<a href="{}retry?{}">{}</a></div>"#,
        esc(&ctx.base),
        esc(&query.query_string(&[])),
        ctx.t(
            "이 조건의 실패·포기·격리 배달 모두 재시도…",
            "Retry the failed, dead and quarantined ones of these…"
        ),
    );
    if shown == 0 {
        let _ =
            write!(body, r#"<p class="muted">{}</p>"#, ctx.t("배달이 없습니다.", "No deliveries."));
    } else {
        let _ = write!(
            body,
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            ctx.t("받은 시각", "Received"),
            ctx.t("상태", "State"),
            ctx.t("이벤트", "Event"),
            ctx.t("대상", "Subject"),
            ctx.t("시도", "Attempts"),
            ctx.t("마지막 결과", "Last outcome"),
            ctx.t("다음 실행", "Next run"),
            ctx.t("키", "Key"),
        );
        for row in data.rows.iter().take(shown) {
            let key = row.key.as_str();
            let short: String = key.chars().take(12).collect();
            let ellipsis = if key.chars().count() > 12 { "…" } else { "" };
            let next = match row.state {
                State::Pending | State::Failed => row.due_at.map(time),
                _ => None,
            };
            let _ = write!(
                body,
                r#"<tr data-key="{k}" data-state="{s}"><td class="mono">{received}</td><td>{badge}</td><td>{event}</td><td class="mono">{subject}</td><td class="num">{attempts}</td><td>{outcome}</td><td class="mono">{next}</td><td class="mono"><a href="{href}">{short}{ellipsis}</a></td></tr>"#,
                k = esc(key),
                s = row.state.as_str(),
                received = esc(&time(row.received_at)),
                badge = badge(ctx.lang, row.state),
                event = esc(row.event_type.as_deref().unwrap_or("-")),
                subject = esc(row.subject.as_deref().unwrap_or("-")),
                attempts = row.attempts,
                outcome = esc(row.last_outcome.map_or("-", |o| ctx.lang.outcome(o))),
                next = esc(next.as_deref().unwrap_or("")),
                href = esc(&ctx.delivery_href(key)),
                short = esc(&short),
            );
        }
        body.push_str("</tbody></table>");
    }
    body.push_str(r#"<nav class="pages">"#);
    if query.after.is_some() {
        let _ = write!(
            body,
            r#"<a href="{}?{}">{}</a>"#,
            esc(&ctx.home),
            esc(&query.query_string(&[])),
            ctx.t("← 첫 쪽", "← First page")
        );
    }
    if data.rows.len() > query.limit
        && let Some(last) = data.rows.get(shown.saturating_sub(1))
    {
        let _ = write!(
            body,
            r#"<a rel="next" href="{}?{}">{}</a>"#,
            esc(&ctx.home),
            esc(&query.query_string(&[("after", cursor_text(&last.cursor()))])),
            ctx.t("다음 쪽 →", "Next page →")
        );
    }
    body.push_str("</nav></section>");
    page(ctx.lang, &ctx.home, ctx.t("배달", "Deliveries"), &body)
}

fn filter_form(ctx: &Ctx, query: &ListQuery) -> String {
    let mut form = format!(
        r#"<section><h2>{}</h2><form class="filter" method="get" action="{}"><fieldset><legend class="muted">{}</legend>"#,
        ctx.t("거르기", "Filter"),
        esc(&ctx.home),
        ctx.t("상태 (여럿 선택 가능)", "States (any of)"),
    );
    for state in State::ALL {
        let _ = write!(
            form,
            r#"<label><input type="checkbox" name="state" value="{s}"{c}> {name}</label>"#,
            s = state.as_str(),
            c = if query.states.contains(&state) { " checked" } else { "" },
            name = esc(ctx.lang.state(state)),
        );
    }
    form.push_str("</fieldset>");
    let _ = write!(
        form,
        r#"<label>{}<select name="event"><option value="">{}</option>"#,
        ctx.t("이벤트", "Event type"),
        ctx.t("모두", "any"),
    );
    let selected = |name: &str| query.event_types.iter().any(|t| t == name);
    for event_type in EventType::ALL {
        let name = event_type.as_str();
        let _ = write!(
            form,
            r#"<option value="{n}"{s}>{n} · {label}</option>"#,
            n = esc(name),
            s = if selected(name) { " selected" } else { "" },
            label = esc(ctx.lang.pick(event_type.name_ko(), event_type.name_en())),
        );
    }
    // An event type this build does not know, asked for by the URL: kept in the form.
    for other in query.event_types.iter().filter(|t| EventType::from_str(t).is_err()) {
        let _ = write!(form, r#"<option value="{n}" selected>{n}</option>"#, n = esc(other));
    }
    let _ = write!(
        form,
        r#"</select></label>
<label>{since}<input type="datetime-local" name="since" value="{sv}"></label>
<label>{before}<input type="datetime-local" name="before" value="{bv}"></label>
<label>{attempts}<input type="number" min="0" name="min_attempts" value="{av}" style="width:6em"></label>
<label>{subject}<input type="text" name="subject" placeholder="payment:4418273" value="{subv}"></label>
<label>{limit}<input type="number" min="1" max="{max}" name="limit" value="{limv}" style="width:6em"></label>
<button type="submit">{apply}</button> <a href="{base}">{reset}</a></form></section>"#,
        since = ctx.t("받은 시각부터 (UTC)", "Received from (UTC)"),
        sv = esc(&query.since),
        before = ctx.t("받은 시각까지 (UTC)", "Received before (UTC)"),
        bv = esc(&query.before),
        attempts = ctx.t("시도 횟수 이상", "Attempts at least"),
        av = query.min_attempts.map(|n| n.to_string()).unwrap_or_default(),
        subject = ctx.t("대상", "Subject"),
        subv = esc(&query.subject),
        limit = ctx.t("쪽 크기", "Page size"),
        max = super::query::MAX_LIMIT,
        limv = query.limit,
        apply = ctx.t("적용", "Apply"),
        base = esc(&ctx.home),
        reset = ctx.t("초기화", "Reset"),
    );
    form
}

/// One delivery: its state and history, its redacted body, and what an operator can do.
pub(super) fn detail(ctx: &Ctx, record: &DeliveryRecord, did: Option<Did>) -> String {
    let s = &record.summary;
    let key = s.key.as_str();
    let mut body = format!(
        r#"<p><a href="{}">{}</a></p><h1>{} <span class="mono">{}</span></h1>"#,
        esc(&ctx.home),
        ctx.t("← 목록", "← List"),
        ctx.t("배달", "Delivery"),
        esc(key)
    );
    if let Some(did) = did {
        body.push_str(&did.notice(ctx));
    }
    let event = s.event_type.as_deref().unwrap_or("-");
    let event_name = s
        .event_type
        .as_deref()
        .and_then(|t| EventType::from_str(t).ok())
        .map(|t| format!(" · {}", ctx.lang.pick(t.name_ko(), t.name_en())))
        .unwrap_or_default();
    let due_label = match s.state {
        State::Processing => Some(ctx.t("임대 만료", "Lease ends")),
        State::Pending | State::Failed => Some(ctx.t("다음 실행", "Next run")),
        _ => None,
    };
    let _ = write!(
        body,
        r#"<section><dl><dt>{}</dt><dd data-field="state">{}</dd><dt>{}</dt><dd data-field="event">{}{}</dd><dt>{}</dt><dd class="mono">{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd class="mono">{}</dd><dt>{}</dt><dd class="mono">{}</dd>"#,
        ctx.t("상태", "State"),
        badge(ctx.lang, s.state),
        ctx.t("이벤트", "Event"),
        esc(event),
        esc(&event_name),
        ctx.t("대상", "Subject"),
        esc(s.subject.as_deref().unwrap_or("-")),
        ctx.t("시도", "Attempts"),
        s.attempts,
        ctx.t("받은 시각", "Received"),
        esc(&time(s.received_at)),
        ctx.t("마지막 변경", "Last change"),
        esc(&time(s.updated_at)),
    );
    if let (Some(label), Some(due)) = (due_label, s.due_at) {
        let _ = write!(body, r#"<dt>{label}</dt><dd class="mono">{}</dd>"#, esc(&time(due)));
    }
    if let Some(outcome) = s.last_outcome {
        let _ = write!(
            body,
            "<dt>{}</dt><dd>{}</dd>",
            ctx.t("마지막 결과", "Last outcome"),
            esc(ctx.lang.outcome(outcome))
        );
    }
    if let Some(reason) = &s.reason {
        let _ = write!(body, "<dt>{}</dt><dd>{}</dd>", ctx.t("이유", "Reason"), esc(reason));
    }
    body.push_str("</dl></section>");

    body.push_str(&actions(ctx, s));

    // The history of its runs.
    let _ = write!(body, "<section><h2>{}</h2>", ctx.t("실행 기록", "Runs"));
    if record.attempts.is_empty() {
        let _ = write!(
            body,
            r#"<p class="muted">{}</p>"#,
            ctx.t("기록된 실행이 없습니다.", "No run recorded.")
        );
    } else {
        let _ = write!(
            body,
            "<table><thead><tr><th>#</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            ctx.t("시작", "Started"),
            ctx.t("걸린 시간", "Duration"),
            ctx.t("결과", "Outcome"),
            ctx.t("시작한 쪽", "Started by"),
            ctx.t("메모", "Note"),
        );
        for run in &record.attempts {
            let _ = write!(
                body,
                r#"<tr data-outcome="{o}"><td class="num">{}</td><td class="mono">{}</td><td class="num">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
                run.attempt,
                esc(&time(run.started_at)),
                esc(&duration(run.duration)),
                esc(ctx.lang.outcome(run.outcome)),
                esc(ctx.lang.started_by(run.started_by)),
                esc(run.note.as_deref().unwrap_or("")),
                o = run.outcome.as_str(),
            );
        }
        body.push_str("</tbody></table>");
    }
    if s.attempts as usize > record.attempts.len() {
        let _ = write!(
            body,
            r#"<p class="muted">{}</p>"#,
            ctx.t(
                "기록이 없는 시도는 인스턴스가 멈추는 등으로 결과를 남기지 못한 실행입니다 (또는 진행 중).",
                "An attempt with no record is a run that could not record its end (its instance stopped), or one still running."
            )
        );
    }
    body.push_str("</section>");

    // The body, redacted.
    let _ = write!(
        body,
        "<section><h2>{}</h2>",
        ctx.t("본문 (개인정보 가림)", "Body (personal data redacted)")
    );
    match &record.body {
        None => {
            let _ = write!(
                body,
                r#"<p class="muted">{}</p>"#,
                ctx.t(
                    "본문을 보관하지 않습니다 (완료 또는 폐기).",
                    "The body is not kept (done or discarded)."
                )
            );
        }
        Some(bytes) => match redact::body(bytes) {
            RedactedBody::Shown(shown) => {
                let _ = write!(
                    body,
                    r#"<p class="muted" data-redacted="{n}">{}</p><pre data-field="body">{}</pre>"#,
                    esc(&match ctx.lang {
                        Lang::Ko =>
                            format!("개인정보 등 {}개 값을 <redacted>로 가렸습니다.", shown.count()),
                        Lang::En => format!(
                            "{} values (personal data, unlisted members) shown as <redacted>.",
                            shown.count()
                        ),
                    }),
                    esc(&shown.pretty()),
                    n = shown.count(),
                );
            }
            RedactedBody::Withheld(withheld) => {
                let why = match withheld.reason() {
                    WithheldReason::NotUtf8 => ctx.t("UTF-8 텍스트가 아닙니다", "it is not UTF-8 text"),
                    WithheldReason::NotJson => ctx.t("JSON이 아닙니다", "it is not JSON"),
                    WithheldReason::NotADelivery => ctx.t("배달 형식이 아닙니다", "it is not a delivery"),
                    _ => ctx.t(
                        "이 버전이 모르는 이벤트라 어떤 값이 개인정보인지 알 수 없습니다",
                        "its event type is unknown to this version, so which values are personal is not known",
                    ),
                };
                let _ = write!(
                    body,
                    r#"<p class="notice error" data-field="withheld">{}</p>"#,
                    esc(&match ctx.lang {
                        Lang::Ko =>
                            format!("본문 {}바이트를 보여 주지 않습니다: {why}.", withheld.len()),
                        Lang::En =>
                            format!("The body ({} bytes) is not shown: {why}.", withheld.len()),
                    })
                );
            }
        },
    }
    body.push_str("</section>");
    page(ctx.lang, &ctx.home, ctx.t("배달", "Delivery"), &body)
}

/// Retry, replay and discard, each offered when the state allows it.
fn actions(ctx: &Ctx, s: &DeliverySummary) -> String {
    let retryable = matches!(s.state, State::Failed | State::Dead | State::Quarantined);
    let replayable = retryable || (s.state == State::Done && s.has_body);
    let discardable = retryable || s.state == State::Pending;
    if !replayable && !discardable {
        return String::new();
    }
    let hidden = format!(
        r#"{}<input type="hidden" name="key" value="{}">"#,
        ctx.csrf_field(),
        esc(s.key.as_str())
    );
    let mut out = format!(r#"<section><h2>{}</h2><div class="actions">"#, ctx.t("작업", "Actions"));
    if retryable {
        let _ = write!(
            out,
            r#"<form method="post" action="{}delivery/retry">{hidden}<button type="submit" id="retry">{}</button></form>"#,
            esc(&ctx.base),
            ctx.t("다시 시도", "Retry"),
        );
    }
    if replayable {
        let _ = write!(
            out,
            r#"<form method="post" action="{}delivery/replay">{hidden}<button type="submit" class="secondary" id="replay">{}</button></form>"#,
            esc(&ctx.base),
            ctx.t("다시 실행 (replay)", "Replay"),
        );
    }
    if discardable {
        let _ = write!(
            out,
            r#"<form method="post" action="{}delivery/discard">{hidden}<input type="text" name="reason" required maxlength="500" placeholder="{}"><button type="submit" class="danger" id="discard">{}</button></form>"#,
            esc(&ctx.base),
            ctx.t("폐기 이유", "Reason to discard"),
            ctx.t("폐기", "Discard"),
        );
    }
    out.push_str("</div></section>");
    out
}

/// The bulk retry's confirmation: how many it will touch, before it does.
pub(super) fn confirm_retry(ctx: &Ctx, query: &ListQuery, count: u64) -> String {
    let mut body = format!(
        r#"<p><a href="{}?{}">{}</a></p><h1>{}</h1>"#,
        esc(&ctx.home),
        esc(&query.query_string(&[])),
        ctx.t("← 목록", "← List"),
        ctx.t("한꺼번에 재시도", "Retry in bulk"),
    );
    let _ = write!(
        body,
        r#"<section><p data-confirm-count="{count}"><b>{}</b></p><p class="muted">{}</p>"#,
        esc(&match ctx.lang {
            Lang::Ko => format!("이 조건에 맞는 실패·포기·격리 배달 {count}건을 다시 시도합니다."),
            Lang::En => format!("This retries {count} failed, dead and quarantined deliveries matching the filter."),
        }),
        ctx.t(
            "각 배달은 대기 상태가 되고 워커가 곧 실행합니다. 그 사이에 바뀐 배달은 지금 상태에 따라 처리됩니다.",
            "Each becomes pending and the worker runs it shortly; any that changed meanwhile are taken as they are then."
        ),
    );
    if count > 0 {
        let _ = write!(
            body,
            r#"<form method="post" action="{}retry">{}"#,
            esc(&ctx.base),
            ctx.csrf_field()
        );
        for (name, value) in query.filter_pairs() {
            let _ = write!(body, r#"<input type="hidden" name="{name}" value="{}">"#, esc(&value));
        }
        let _ = write!(
            body,
            r#"<button type="submit" id="confirm-retry">{}</button></form>"#,
            esc(&match ctx.lang {
                Lang::Ko => format!("{count}건 재시도"),
                Lang::En => format!("Retry {count}"),
            })
        );
    }
    body.push_str("</section>");
    page(ctx.lang, &ctx.home, ctx.t("한꺼번에 재시도", "Retry in bulk"), &body)
}

/// A page that says no: `status`'s title and `message` (text).
pub(super) fn error(ctx: &Ctx, status: u16, message: &str) -> String {
    let title = match status {
        401 => ctx.t("접근 토큰이 필요합니다", "An access token is needed"),
        403 => ctx.t("허용되지 않은 요청", "Not allowed"),
        404 => ctx.t("찾을 수 없음", "Not found"),
        503 => ctx.t("배달 저장소를 쓸 수 없음", "The delivery store is unavailable"),
        _ => ctx.t("잘못된 요청", "Bad request"),
    };
    let body = format!(
        r#"<h1 data-status="{status}">{status} · {}</h1><section class="notice error" role="alert"><p>{}</p></section><p><a href="{}">{}</a></p>"#,
        esc(title),
        esc(message),
        esc(&ctx.home),
        ctx.t("목록으로", "Back to the list"),
    );
    page(ctx.lang, &ctx.home, title, &body)
}
