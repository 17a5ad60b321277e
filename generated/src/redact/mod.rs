//! 개인정보 가림 — A delivery's body as people may see it: every value the catalogue marks as
//! personal data replaced by `"<redacted>"` (feature `redact`).
//!
//! StepPay's deliveries carry names, emails, phone numbers, addresses and bank accounts. An
//! operator's page, a command-line tool or a support ticket needs the rest of the body (ids,
//! amounts, states, dates) but none of those. [`body`] gives the whole delivery with them
//! hidden, and [`data`] a payload alone, by the same rules:
//!
//! - every value of a field marked `sensitive` in the catalogue (`"x-sensitive": true` in the
//!   JSON Schemas of `generated/schema/`) becomes `"<redacted>"`, unless it is `null`, which
//!   shows nothing;
//! - so does every member the catalogue does not list (StepPay may add one, and whether it is
//!   personal is not known), and every value whose JSON type is not the catalogue's (a body
//!   this version could not read may hold anything there);
//! - everything else stays as StepPay wrote it: members in their order, numbers as written
//!   (`1500.50` stays `1500.50`).
//!
//! A body that cannot be read this way (not UTF-8, not JSON, not a delivery, or of an event
//! type this build does not know) is never shown: [`RedactedBody::Withheld`] gives only its
//! size and why.
//!
//! 개인정보로 표시된 필드 값, 카탈로그에 없는 멤버, 타입이 맞지 않는 값은 모두
//! `"<redacted>"`로 바뀌고, 읽을 수 없는 본문은 크기만 보여 줍니다.
//!
#![cfg_attr(feature = "payment", doc = "```")]
#![cfg_attr(not(feature = "payment"), doc = "```ignore")]
//! use steppay_webhooks::redact::{self, RedactedBody};
//!
//! let body = r#"{"timestamp":1690943620,"version":"v1","event":"payment.completed",
//!   "data":{"paymentId":41235,"paidAmount":9900.50,"status":"COMPLETE",
//!   "payer":{"userName":"홍길동","email":"gildong@example.com","phone":null}}}"#;
//! let RedactedBody::Shown(shown) = redact::body(body.as_bytes()) else { panic!("a readable delivery") };
//! assert_eq!(shown.count(), 2);
//! assert!(shown.compact().contains(r#""payer":{"userName":"<redacted>","email":"<redacted>","phone":null}"#));
//! assert!(shown.compact().contains(r#""paidAmount":9900.50"#));
//!
//! let RedactedBody::Withheld(withheld) = redact::body(b"not json") else { panic!("withheld") };
//! assert_eq!(withheld.len(), 8);
//! ```

mod schema;

use std::fmt;

use self::schema::{PayloadSchema, ScalarKind, hide};
use crate::EventType;
use crate::json_tree::JsonTree as Tree;

/// 가림 표시 — What stands in for a hidden value: the JSON string `"<redacted>"`.
pub const REDACTED: &str = "<redacted>";

/// 가린 JSON — A JSON value with personal data hidden, and how many values were.
///
/// Its text keeps the members in the order they came and the numbers as written. `Debug` shows
/// the count only (the text is for pages that escape it, not for logs).
#[derive(Clone, PartialEq, Eq)]
pub struct Redacted {
    tree: Tree,
    count: usize,
}

impl Redacted {
    /// 가린 값의 수 — How many values were replaced by `"<redacted>"`.
    pub fn count(&self) -> usize {
        self.count
    }

    /// 한 줄 JSON — The JSON text with no whitespace between tokens.
    pub fn compact(&self) -> String {
        self.tree.compact()
    }

    /// 들여쓴 JSON — The JSON text indented by two spaces, one member per line.
    pub fn pretty(&self) -> String {
        self.tree.pretty()
    }

    /// 트리 — The redacted value as a tree, to lay out another way or to walk.
    pub fn tree(&self) -> &Tree {
        &self.tree
    }
}

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redacted").field("count", &self.count).finish_non_exhaustive()
    }
}

/// 가린 본문 — What [`body`] makes of a delivery's body.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RedactedBody {
    /// 표시 — The whole delivery, its personal data hidden.
    Shown(Redacted),
    /// 표시 안 함 — Nothing of the body can be shown safely: only its size, and why.
    Withheld(Withheld),
}

/// 표시하지 않은 본문 — A body [`body`] does not show: its size and the reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Withheld {
    len: usize,
    reason: WithheldReason,
}

impl Withheld {
    /// 크기 — The body's size in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// 빈 본문 — Whether the body was empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// 이유 — Why it is not shown.
    pub fn reason(&self) -> WithheldReason {
        self.reason
    }
}

/// 표시하지 않는 이유 — Why a body is not shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WithheldReason {
    /// UTF-8이 아님 — The body is not UTF-8 text.
    NotUtf8,
    /// JSON이 아님 — The body is not one JSON value.
    NotJson,
    /// 배달 형식이 아님 — The body is JSON, but not an object with an `event` string.
    NotADelivery,
    /// 모르는 이벤트 — Its event type is not in this build's catalogue (a newer event, or a
    /// domain whose Cargo feature is off), so which of its fields are personal is not known.
    UnknownEventType,
}

impl fmt::Display for WithheldReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotUtf8 => "the body is not UTF-8 text",
            Self::NotJson => "the body is not JSON",
            Self::NotADelivery => "the body is not a delivery (no `event`)",
            Self::UnknownEventType => {
                "its event type is not in this version's catalogue, so which fields are personal is not known"
            }
        })
    }
}

/// 본문 가리기 — `body`, a delivery as StepPay sends it, with its personal data hidden; or,
/// when it cannot be read as a delivery of an event type this build knows, only its size.
///
/// The event type is read from the body's own `event` member, so it cannot disagree with the
/// payload. Of the envelope, `timestamp`, `version`, `event` and `isTest` are shown when their
/// types are the expected ones; any other member is hidden like an unlisted field of `data`.
pub fn body(body: &[u8]) -> RedactedBody {
    let withheld = |reason| RedactedBody::Withheld(Withheld { len: body.len(), reason });
    let Ok(text) = std::str::from_utf8(body) else { return withheld(WithheldReason::NotUtf8) };
    let Ok(mut tree) = Tree::parse(text) else { return withheld(WithheldReason::NotJson) };
    let Tree::Object(members) = &mut tree else { return withheld(WithheldReason::NotADelivery) };
    let event = members.iter().find_map(|(key, value)| match value {
        Tree::Scalar(text) if key == "event" => serde_json::from_str::<String>(text).ok(),
        _ => None,
    });
    let Some(event) = event else { return withheld(WithheldReason::NotADelivery) };
    let Ok(event_type) = event.parse::<EventType>() else {
        return withheld(WithheldReason::UnknownEventType);
    };
    let schema = PayloadSchema::of(event_type);
    let count = members
        .iter_mut()
        .map(|(key, value)| {
            let expected = match key.as_str() {
                "data" => return schema.redact(value),
                "timestamp" => ScalarKind::Number,
                "version" | "event" => ScalarKind::String,
                "isTest" => ScalarKind::Boolean,
                _ => return hide(value),
            };
            match value {
                Tree::Scalar(text)
                    if matches!(ScalarKind::of(text), kind if kind == expected || kind == ScalarKind::Null) =>
                {
                    0
                }
                _ => hide(value),
            }
        })
        .sum();
    RedactedBody::Shown(Redacted { tree, count })
}

/// `data` 가리기 — `data`, the JSON text of a payload of `event_type` (a delivery's `data`
/// member, or a typed payload written back with serde), with its personal data hidden; an
/// error when it is not JSON.
pub fn data(event_type: EventType, data: &str) -> Result<Redacted, NotJson> {
    let mut tree = Tree::parse(data).map_err(|_| NotJson)?;
    let count = PayloadSchema::of(event_type).redact(&mut tree);
    Ok(Redacted { tree, count })
}

/// JSON이 아님 — The text given to [`data`] is not one JSON value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the payload is not JSON")]
pub struct NotJson;

#[cfg(all(test, feature = "payment"))]
mod tests {
    use super::*;

    #[allow(clippy::panic, reason = "a test helper: a withheld body fails the test")]
    fn shown(body: &[u8]) -> Redacted {
        let shown = super::body(body);
        let RedactedBody::Shown(shown) = shown else { panic!("withheld: {shown:?}") };
        shown
    }

    #[test]
    fn personal_values_and_unlisted_members_are_redacted_and_the_rest_kept_as_written() {
        let data = super::data(
            EventType::PaymentCompleted,
            r#"{"paymentId":1,"payer":{"email":"a@b.c","phone":null},"paidAmount":1500.50,"newField":{"x":1}}"#,
        )
        .expect("JSON");
        assert_eq!(data.count(), 2);
        assert_eq!(
            data.compact(),
            r#"{"paymentId":1,"payer":{"email":"<redacted>","phone":null},"paidAmount":1500.50,"newField":"<redacted>"}"#
        );
        assert_eq!(super::data(EventType::PaymentCompleted, "{"), Err(NotJson));
    }

    #[test]
    fn a_whole_delivery_keeps_its_envelope_and_hides_unknown_top_level_members() {
        let body = br#"{"timestamp":1690943620,"version":"v1","event":"payment.completed","data":{"paymentId":7,"payer":{"name":"Hong Gildong"}},"isTest":false,"extra":"x"}"#;
        let shown = shown(body);
        assert_eq!(shown.count(), 2);
        assert_eq!(
            shown.compact(),
            r#"{"timestamp":1690943620,"version":"v1","event":"payment.completed","data":{"paymentId":7,"payer":{"name":"<redacted>"}},"isTest":false,"extra":"<redacted>"}"#
        );
        assert!(shown.pretty().starts_with("{\n  \"timestamp\": 1690943620,\n"));
        assert!(!format!("{shown:?}").contains("Hong"));
    }

    #[test]
    fn values_of_another_type_than_the_catalogues_are_hidden() {
        // A body this version cannot read (a quarantined one) may hold anything anywhere.
        let body = br#"{"timestamp":"Hong","version":"v1","event":"payment.completed","data":{"paymentId":"Hong Gildong","cancel":["Hong"],"status":{"x":"Hong"},"paidAmount":true}}"#;
        let shown = shown(body);
        assert!(!shown.compact().contains("Hong"), "{}", shown.compact());
        assert_eq!(shown.count(), 5);
    }

    #[cfg(feature = "test-util")]
    #[test]
    fn no_example_delivery_shows_the_personal_data_it_carries() {
        // The catalogue's examples all describe one customer, 김민지; each of these is the value
        // of a field marked sensitive wherever it appears.
        let personal = ["김민지", "minji.kim@example.com", "010-1234-5678", "와우산로"];
        let mut with_personal_data = 0;
        for example in crate::testing::examples() {
            let raw = String::from_utf8_lossy(example.body).into_owned();
            let shown = shown(example.body);
            let text = shown.pretty();
            assert!(Tree::parse(&text).is_ok(), "{}: {text}", example.event_type);
            for value in personal {
                assert!(!text.contains(value), "{} shows {value}: {text}", example.event_type);
            }
            if personal.iter().any(|value| raw.contains(value)) {
                with_personal_data += 1;
                assert!(shown.count() > 0 && text.contains(REDACTED), "{}", example.event_type);
            }
        }
        assert!(with_personal_data >= 5, "only {with_personal_data} examples hold personal data");
    }

    #[test]
    fn unreadable_bodies_show_nothing_but_their_size_and_why() {
        let reason = |body: &[u8]| match super::body(body) {
            RedactedBody::Withheld(withheld) => {
                assert_eq!(withheld.len(), body.len());
                Some(withheld.reason())
            }
            RedactedBody::Shown(_) => None,
        };
        assert_eq!(reason(b"\xff\xfe"), Some(WithheldReason::NotUtf8));
        assert_eq!(reason(b"{\"event\": \"payment.completed\", "), Some(WithheldReason::NotJson));
        assert_eq!(reason(b"[1, 2]"), Some(WithheldReason::NotADelivery));
        assert_eq!(reason(br#"{"event": 3, "data": {}}"#), Some(WithheldReason::NotADelivery));
        assert_eq!(
            reason(br#"{"event":"loyalty.points_added","data":{"name":"Hong"}}"#),
            Some(WithheldReason::UnknownEventType)
        );
        assert!(WithheldReason::UnknownEventType.to_string().contains("personal"));
    }
}
