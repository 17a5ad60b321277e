//! What a request asks for, read from its query string or form: a filter of deliveries, a page
//! of them, a key. Every value is checked here, and anything wrong is a [`BadInput`], which the
//! page answers with a `4xx` that says what and why in the operator's language.

use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::i18n::Lang;
use super::security::{hex, unhex};
use crate::Subject;
use crate::key::DeliveryKey;
use crate::store::{Cursor, Filter, Page, State};

/// The page size when none is asked for.
pub(super) const DEFAULT_LIMIT: usize = 50;
/// The largest page size the page serves.
pub(super) const MAX_LIMIT: usize = 200;
/// The longest text any one parameter may have (a reason, a subject, an event type).
const MAX_TEXT: usize = 500;

/// Something wrong with what a request asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum BadInput {
    /// Not `application/x-www-form-urlencoded` UTF-8.
    Encoding,
    UnknownState(String),
    BadTime {
        field: &'static str,
        value: String,
    },
    BadNumber {
        field: &'static str,
        value: String,
    },
    LimitOverCap(usize),
    BadSubject(String),
    BadCursor,
    TooLong(&'static str),
    MissingKey,
    UnknownKey(String),
    MissingReason,
    /// A form without this process's CSRF token (or from another site).
    Csrf,
}

impl BadInput {
    /// The status it is answered with.
    pub(super) fn status(&self) -> u16 {
        match self {
            BadInput::UnknownKey(_) => 404,
            BadInput::Csrf => 403,
            _ => 400,
        }
    }

    /// What is wrong, in `lang`. Values are the request's own (to be escaped by the page).
    pub(super) fn message(&self, lang: Lang) -> String {
        let ko = lang == Lang::Ko;
        match self {
            BadInput::Encoding => lang.pick("요청의 인코딩을 읽을 수 없습니다.", "The request's encoding cannot be read.").to_owned(),
            BadInput::UnknownState(value) => if ko {
                format!("`{value}`은(는) 배달 상태가 아닙니다. 상태: pending, processing, done, failed, dead, quarantined, discarded.")
            } else {
                format!("`{value}` is not a delivery state; the states are pending, processing, done, failed, dead, quarantined and discarded.")
            },
            BadInput::BadTime { field, value } => if ko {
                format!("{field}의 `{value}`은(는) 시각이 아닙니다. 2026-12-02T09:30 (UTC) 형식으로 적어 주세요.")
            } else {
                format!("`{value}` in {field} is not a time; write it as 2026-12-02T09:30 (UTC).")
            },
            BadInput::BadNumber { field, value } => if ko {
                format!("{field}의 `{value}`은(는) 0 이상의 정수가 아닙니다.")
            } else {
                format!("`{value}` in {field} is not a whole number of 0 or more.")
            },
            BadInput::LimitOverCap(limit) => if ko {
                format!("한 쪽에 {limit}개는 너무 많습니다. 최대 {MAX_LIMIT}개입니다.")
            } else {
                format!("{limit} deliveries per page is too many; the most is {MAX_LIMIT}.")
            },
            BadInput::BadSubject(value) => if ko {
                format!("`{value}`은(는) 대상이 아닙니다. payment:4418273처럼 종류:번호로 적어 주세요.")
            } else {
                format!("`{value}` is not a subject; write it as kind:id, like payment:4418273.")
            },
            BadInput::BadCursor => lang.pick("다음 쪽 위치(after)가 올바르지 않습니다. 첫 쪽부터 다시 보세요.", "The page position (after) is not valid; start again from the first page.").to_owned(),
            BadInput::TooLong(field) => if ko {
                format!("{field}이(가) 너무 깁니다 (최대 {MAX_TEXT}자).")
            } else {
                format!("{field} is too long (at most {MAX_TEXT} characters).")
            },
            BadInput::MissingKey => lang.pick("배달 키(key)가 없습니다.", "No delivery key (key) was given.").to_owned(),
            BadInput::UnknownKey(key) => if ko {
                format!("키가 `{key}`인 배달이 없습니다. 이미 정리되었을 수 있습니다.")
            } else {
                format!("There is no delivery with key `{key}`; it may have been cleaned up.")
            },
            BadInput::MissingReason => lang.pick("폐기하려면 이유를 적어 주세요.", "Give a reason to discard.").to_owned(),
            BadInput::Csrf => lang.pick(
                "이 양식은 이 화면에서 보낸 것이 아니거나 만료되었습니다. 화면을 새로 고치고 다시 시도하세요.",
                "This form did not come from this page, or it has expired; reload the page and try again.",
            ).to_owned(),
        }
    }
}

/// The `name=value` pairs of a query string or form body, decoded, in order.
pub(super) fn pairs(text: &str) -> Result<Vec<(String, String)>, BadInput> {
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            Ok((decode(name)?, decode(value)?))
        })
        .collect()
}

/// A `application/x-www-form-urlencoded` component: `+` is a space, `%XX` a byte; UTF-8.
fn decode(text: &str) -> Result<String, BadInput> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        match byte {
            b'+' => out.push(b' '),
            b'%' => {
                let pair = text.get(at + 1..at + 3).ok_or(BadInput::Encoding)?;
                out.push(u8::from_str_radix(pair, 16).map_err(|_| BadInput::Encoding)?);
                at += 2;
            }
            other => out.push(other),
        }
        at += 1;
    }
    String::from_utf8(out).map_err(|_| BadInput::Encoding)
}

/// `text` as a query component: unreserved characters kept, everything else `%XX`.
pub(super) fn encode(text: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~' | b':') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// The list's question: a filter, and which page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct ListQuery {
    pub(super) states: Vec<State>,
    pub(super) event_types: Vec<String>,
    /// As written, to show in the form again.
    pub(super) since: String,
    pub(super) before: String,
    pub(super) min_attempts: Option<u32>,
    pub(super) subject: String,
    pub(super) limit: usize,
    pub(super) after: Option<Cursor>,
    since_time: Option<SystemTime>,
    before_time: Option<SystemTime>,
}

impl ListQuery {
    /// Reads the filter and page from `pairs`; other names (`token`, a form's `csrf`) are
    /// someone else's and are left alone.
    pub(super) fn from_pairs(pairs: &[(String, String)]) -> Result<Self, BadInput> {
        let mut query = ListQuery { limit: DEFAULT_LIMIT, ..Self::default() };
        for (name, value) in pairs {
            let value = value.trim();
            if value.len() > MAX_TEXT {
                return Err(BadInput::TooLong(field_name(name)));
            }
            match name.as_str() {
                "state" if !value.is_empty() => {
                    let state = State::from_str(value)
                        .map_err(|_| BadInput::UnknownState(value.to_owned()))?;
                    if !query.states.contains(&state) {
                        query.states.push(state);
                    }
                }
                "event" if !value.is_empty() && !query.event_types.iter().any(|t| t == value) => {
                    query.event_types.push(value.to_owned());
                }
                "since" if !value.is_empty() => {
                    query.since_time = Some(parse_time("since", value)?);
                    value.clone_into(&mut query.since);
                }
                "before" if !value.is_empty() => {
                    query.before_time = Some(parse_time("before", value)?);
                    value.clone_into(&mut query.before);
                }
                "min_attempts" if !value.is_empty() => {
                    query.min_attempts = Some(value.parse().map_err(|_| BadInput::BadNumber {
                        field: "min_attempts",
                        value: value.to_owned(),
                    })?);
                }
                "subject" if !value.is_empty() => {
                    Subject::from_str(value).map_err(|_| BadInput::BadSubject(value.to_owned()))?;
                    value.clone_into(&mut query.subject);
                }
                "limit" if !value.is_empty() => {
                    let limit: usize = value.parse().map_err(|_| BadInput::BadNumber {
                        field: "limit",
                        value: value.to_owned(),
                    })?;
                    if limit > MAX_LIMIT {
                        return Err(BadInput::LimitOverCap(limit));
                    }
                    query.limit = limit.max(1);
                }
                "after" if !value.is_empty() => {
                    query.after = Some(parse_cursor(value).ok_or(BadInput::BadCursor)?);
                }
                _ => {}
            }
        }
        Ok(query)
    }

    /// The store's filter of this question.
    pub(super) fn filter(&self) -> Filter {
        let mut filter = Filter::new();
        for state in &self.states {
            filter = filter.state(*state);
        }
        for event_type in &self.event_types {
            filter = filter.event_type(event_type.clone());
        }
        if let Some(since) = self.since_time {
            filter = filter.received_since(since);
        }
        if let Some(before) = self.before_time {
            filter = filter.received_before(before);
        }
        if let Some(min) = self.min_attempts {
            filter = filter.min_attempts(min);
        }
        if !self.subject.is_empty() {
            filter = filter.subject(self.subject.clone());
        }
        filter
    }

    /// The store's page: one more than shown, to know whether there is a next page.
    pub(super) fn page(&self) -> Page {
        match &self.after {
            Some(cursor) => Page::after(self.limit.saturating_add(1), cursor.clone()),
            None => Page::first(self.limit.saturating_add(1)),
        }
    }

    /// The filter as a query string (no page position), for links and hidden fields that keep
    /// it.
    pub(super) fn filter_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs: Vec<(&'static str, String)> =
            self.states.iter().map(|s| ("state", s.as_str().to_owned())).collect();
        pairs.extend(self.event_types.iter().map(|t| ("event", t.clone())));
        for (name, value) in
            [("since", &self.since), ("before", &self.before), ("subject", &self.subject)]
        {
            if !value.is_empty() {
                pairs.push((name, value.clone()));
            }
        }
        if let Some(min) = self.min_attempts {
            pairs.push(("min_attempts", min.to_string()));
        }
        if self.limit != DEFAULT_LIMIT {
            pairs.push(("limit", self.limit.to_string()));
        }
        pairs
    }

    /// `filter_pairs` as `a=b&c=d`, plus `extra`.
    pub(super) fn query_string(&self, extra: &[(&'static str, String)]) -> String {
        let mut all = self.filter_pairs();
        all.extend(extra.iter().cloned());
        all.iter().map(|(n, v)| format!("{n}={}", encode(v))).collect::<Vec<_>>().join("&")
    }

    /// Whether anything narrows the list.
    pub(super) fn is_filtered(&self) -> bool {
        self.filter() != Filter::new()
    }
}

/// The first value of `name`.
pub(super) fn value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

/// The delivery key a request names.
pub(super) fn key(pairs: &[(String, String)]) -> Result<DeliveryKey, BadInput> {
    match value(pairs, "key").map(str::trim) {
        None | Some("") => Err(BadInput::MissingKey),
        Some(key) if key.len() > MAX_TEXT => Err(BadInput::TooLong("key")),
        Some(key) => Ok(DeliveryKey::new(key)),
    }
}

/// A discard's reason: required, at most [`MAX_TEXT`] characters.
pub(super) fn reason(pairs: &[(String, String)]) -> Result<String, BadInput> {
    match value(pairs, "reason").map(str::trim) {
        None | Some("") => Err(BadInput::MissingReason),
        Some(reason) if reason.chars().count() > MAX_TEXT => Err(BadInput::TooLong("reason")),
        Some(reason) => Ok(reason.to_owned()),
    }
}

fn field_name(name: &str) -> &'static str {
    match name {
        "state" => "state",
        "event" => "event",
        "since" => "since",
        "before" => "before",
        "subject" => "subject",
        "reason" => "reason",
        "key" => "key",
        _ => "a parameter",
    }
}

/// `2026-12-02T09:30`, `2026-12-02T09:30:15`, `2026-12-02` (UTC), or RFC 3339 with an offset.
fn parse_time(field: &'static str, text: &str) -> Result<SystemTime, BadInput> {
    let bad = || BadInput::BadTime { field, value: text.to_owned() };
    let seconds = if let Ok(time) = chrono::DateTime::parse_from_rfc3339(text) {
        time.timestamp()
    } else {
        ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
            .iter()
            .find_map(|format| chrono::NaiveDateTime::parse_from_str(text, format).ok())
            .or_else(|| {
                chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                    .ok()
                    .and_then(|date| date.and_hms_opt(0, 0, 0))
            })
            .ok_or_else(bad)?
            .and_utc()
            .timestamp()
    };
    let seconds = u64::try_from(seconds).map_err(|_| bad())?;
    UNIX_EPOCH.checked_add(Duration::from_secs(seconds)).ok_or_else(bad)
}

/// A cursor as text: nanoseconds since the epoch, `-`, the key in hex.
pub(super) fn cursor_text(cursor: &Cursor) -> String {
    let nanos = cursor.received_at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("{nanos}-{}", hex(cursor.key.as_str().as_bytes()))
}

fn parse_cursor(text: &str) -> Option<Cursor> {
    let (nanos, key) = text.split_once('-')?;
    let nanos: u128 = nanos.parse().ok()?;
    let seconds = u64::try_from(nanos / 1_000_000_000).ok()?;
    let sub = u32::try_from(nanos % 1_000_000_000).ok()?;
    let received_at = UNIX_EPOCH.checked_add(Duration::new(seconds, sub))?;
    let key = String::from_utf8(unhex(key)?).ok().filter(|k| !k.is_empty())?;
    Some(Cursor { received_at, key: DeliveryKey::new(key) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(query: &str) -> Result<ListQuery, BadInput> {
        ListQuery::from_pairs(&pairs(query)?)
    }

    #[test]
    fn a_filter_reads_back_from_the_links_it_writes() {
        let query = list(
            "state=failed&state=dead&event=payment.failed&since=2026-12-01T00%3A00&min_attempts=2&subject=payment%3A4418273&limit=20",
        )
        .expect("valid");
        assert_eq!(query.states, vec![State::Failed, State::Dead]);
        assert_eq!(query.limit, 20);
        let again = list(&query.query_string(&[])).expect("valid");
        assert_eq!(again, query);
        let cursor = Cursor {
            received_at: UNIX_EPOCH + Duration::new(1_700_000_000, 123),
            key: DeliveryKey::new("k é/1"),
        };
        let paged = list(&query.query_string(&[("after", cursor_text(&cursor))])).expect("valid");
        assert_eq!(paged.after, Some(cursor));
        assert!(!list("").expect("valid").is_filtered() && query.is_filtered());
    }

    #[test]
    fn bad_values_are_named() {
        assert_eq!(list("state=gone"), Err(BadInput::UnknownState("gone".into())));
        assert!(matches!(list("since=yesterday"), Err(BadInput::BadTime { field: "since", .. })));
        assert!(matches!(list("since=1960-01-01"), Err(BadInput::BadTime { .. })));
        assert_eq!(list("limit=5000"), Err(BadInput::LimitOverCap(5000)));
        assert!(matches!(list("limit=-1"), Err(BadInput::BadNumber { field: "limit", .. })));
        assert!(matches!(list("min_attempts=x"), Err(BadInput::BadNumber { .. })));
        assert_eq!(list("after=12-zz"), Err(BadInput::BadCursor));
        assert_eq!(list("after=nope"), Err(BadInput::BadCursor));
        assert!(matches!(list("subject=payment"), Err(BadInput::BadSubject(_))));
        assert_eq!(list("state=%ff"), Err(BadInput::Encoding));
        assert_eq!(list("state=%4"), Err(BadInput::Encoding));
        assert_eq!(list(&format!("event={}", "x".repeat(600))), Err(BadInput::TooLong("event")));
        assert_eq!(key(&pairs("key=").expect("pairs")), Err(BadInput::MissingKey));
        assert_eq!(reason(&pairs("reason=+").expect("pairs")), Err(BadInput::MissingReason));
        for bad in [BadInput::Csrf, BadInput::UnknownKey("k".into()), BadInput::BadCursor] {
            assert!(!bad.message(Lang::Ko).is_empty() && !bad.message(Lang::En).is_empty());
        }
    }
}
