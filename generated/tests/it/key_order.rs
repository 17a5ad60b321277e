//! The order of the envelope's keys changes no result, and neither does the look-ahead that lets
//! [`Webhook::from_slice`] read a `data` that comes before `event` in one pass.
//!
//! When `from_slice` meets `data` first, it looks for `event` backwards from the end of the body,
//! and gives up (reading `data` raw and parsing it once `event` is known, as it always did) at
//! the first top-level string with an escape. So a body that ends with the member `"~":"\\"` is
//! read without looking ahead, and the same body ending with `"~":"ab"` (as long, so that every
//! error is at the same line and column) is read with it: comparing the two compares the
//! look-ahead with the plain reading, on the same bytes.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::Value;
use steppay_webhooks::{Event, ParseError, ParseErrorKind, Webhook};

use super::{domain_enabled, example, examples};

/// The envelope's keys in StepPay's order.
const ENVELOPE: [&str; 5] = ["timestamp", "version", "event", "data", "isTest"];

/// The last member of a body that `from_slice` may look ahead in.
const LOOK_AHEAD: &str = r#""~":"ab""#;
/// The same, with an escape: `from_slice` does not look ahead past it.
const NO_LOOK_AHEAD: &str = r#""~":"\\""#;

/// A body's top-level members: key and value.
type Members = Vec<(String, Value)>;

/// A body's top-level members, the envelope's first, in StepPay's order.
fn members(body: &[u8]) -> Members {
    let map: BTreeMap<String, Value> =
        serde_json::from_slice(body).expect("an example is an object");
    let mut members: Members = map.into_iter().collect();
    members
        .sort_by_key(|(key, _)| ENVELOPE.iter().position(|k| k == key).unwrap_or(ENVELOPE.len()));
    members
}

/// The body with `members` in the order given, then the member `last`, compact or with
/// whitespace wherever JSON allows it.
fn write(members: &[(String, Value)], order: &[usize], last: &str, pretty: bool) -> String {
    let (open, comma, colon, close) =
        if pretty { ("\n{\n  ", ",\n  ", " : ", "\r\n}\n ") } else { ("{", ",", ":", "}") };
    let mut body = open.to_owned();
    for &index in order {
        let (key, value) = &members[index];
        let value = if pretty {
            serde_json::to_string_pretty(value).expect("JSON")
        } else {
            value.to_string()
        };
        let value = value.replace(&Value::from(NOT_JSON).to_string(), "01");
        body.push_str(&format!("{}{colon}{value}{comma}", Value::from(key.as_str())));
    }
    body.push_str(last);
    body.push_str(close);
    body
}

/// The order `members` are listed in: StepPay's for an example's (see [`members`]).
fn in_order(members: &Members) -> Vec<usize> {
    (0..members.len()).collect()
}

/// The order of `n` members that sorts them by `keys`.
fn shuffled(n: usize, keys: &[u32]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| keys[i % keys.len()]);
    order
}

/// Every order of `n` things.
fn permutations(n: usize) -> Vec<Vec<usize>> {
    if n == 0 {
        return vec![Vec::new()];
    }
    let mut all = Vec::new();
    for shorter in permutations(n - 1) {
        for at in 0..=shorter.len() {
            let mut order = shorter.clone();
            order.insert(at, n - 1);
            all.push(order);
        }
    }
    all
}

/// Every example's members, parsed once.
fn example_members() -> &'static [(String, Members)] {
    static MEMBERS: OnceLock<Vec<(String, Members)>> = OnceLock::new();
    MEMBERS.get_or_init(|| {
        examples().into_iter().map(|(name, bytes)| (name, members(&bytes))).collect()
    })
}

/// What an error says, leaving out where it is: that moves with the keys.
type Gist = Result<Webhook, (ParseErrorKind, Option<String>, String, String)>;

fn gist(result: Result<Webhook, ParseError>) -> Gist {
    result.map_err(|error| {
        let text = error.to_string();
        let message = text.rsplit_once(" (line ").map_or(text.as_str(), |(message, _)| message);
        let event_type = error.event_type().map(str::to_owned);
        (error.kind(), event_type, error.path().to_owned(), message.to_owned())
    })
}

fn parse(body: &str) -> Result<Webhook, ParseError> {
    Webhook::from_slice(body.as_bytes())
}

#[test]
fn every_order_of_every_example_parses_to_the_same_webhook() {
    for (name, members) in example_members() {
        for pretty in [false, true] {
            // With whitespace or without, as an unknown event keeps its `data` byte for byte.
            let expected = parse(&write(members, &in_order(members), LOOK_AHEAD, pretty))
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            for order in permutations(members.len()) {
                for last in [LOOK_AHEAD, NO_LOOK_AHEAD] {
                    let body = write(members, &order, last, pretty);
                    let parsed = parse(&body).unwrap_or_else(|e| panic!("{name}: {e}\n{body}"));
                    assert_eq!(parsed, expected, "{name}\n{body}");
                    let through_serde: Webhook = serde_json::from_str(&body).expect("serde");
                    assert_eq!(through_serde, expected, "{name}\n{body}");
                }
            }
        }
    }
}

/// A value of another JSON type than `value`.
fn other_type(value: &Value, pick: usize) -> Value {
    let candidates = [
        Value::Null,
        Value::from(true),
        Value::from(7),
        Value::from(-1.5),
        Value::from("2023-07-07T01:35:42"),
        Value::from(""),
        serde_json::json!([1]),
        serde_json::json!({ "id": 1 }),
    ];
    let kind = |value: &Value| match value {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Number(n) if n.is_f64() => 2,
        Value::Number(_) => 3,
        Value::String(_) => 4,
        Value::Array(_) => 5,
        Value::Object(_) => 6,
    };
    let others: Vec<&Value> = candidates.iter().filter(|c| kind(c) != kind(value)).collect();
    others[pick % others.len()].clone()
}

/// The JSON pointer of every value below `value`, each after `at`.
fn pointers(value: &Value, at: &str, found: &mut Vec<String>) {
    let children: Vec<(String, &Value)> = match value {
        Value::Array(items) => items.iter().enumerate().map(|(i, v)| (i.to_string(), v)).collect(),
        Value::Object(members) => {
            members.iter().map(|(k, v)| (k.replace('~', "~0").replace('/', "~1"), v)).collect()
        }
        _ => Vec::new(),
    };
    for (token, child) in children {
        let pointer = format!("{at}/{token}");
        found.push(pointer.clone());
        pointers(child, &pointer, found);
    }
}

/// One change to a body.
#[derive(Debug, Clone)]
enum Mutation {
    None,
    /// A value becomes one of another type.
    OtherType(Index, usize),
    /// A value goes.
    Remove(Index),
    /// A top-level member appears twice, the copy elsewhere and maybe of another type.
    Duplicate(Index, Index, Option<usize>),
    /// `event` is one this version does not know.
    UnknownEvent,
    /// A value becomes text that is not JSON (see [`NOT_JSON`]).
    NotJson(Index),
}

/// A string that [`write`] writes as `01`, a number JSON does not allow.
const NOT_JSON: &str = "\u{0}not JSON";

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        1 => Just(Mutation::None),
        4 => (any::<Index>(), any::<usize>()).prop_map(|(at, pick)| Mutation::OtherType(at, pick)),
        2 => any::<Index>().prop_map(Mutation::Remove),
        2 => (any::<Index>(), any::<Index>(), any::<Option<usize>>())
            .prop_map(|(which, at, pick)| Mutation::Duplicate(which, at, pick)),
        1 => Just(Mutation::UnknownEvent),
        1 => any::<Index>().prop_map(Mutation::NotJson),
    ]
}

/// `mutation` applied to `members`; with `data_only`, a value it changes, removes or makes
/// not JSON is `data` or in it, and only `data` is duplicated.
fn mutate(members: &Members, mutation: &Mutation, data_only: bool) -> Members {
    let mut members = members.clone();
    // Every value: its member and its pointer in the member's value.
    let mut values = Vec::new();
    for (index, (key, value)) in members.iter().enumerate() {
        if !data_only || key == "data" {
            let mut found = vec![String::new()];
            pointers(value, "", &mut found);
            values.extend(found.into_iter().map(|pointer| (index, pointer)));
        }
    }
    match mutation {
        Mutation::None => {}
        Mutation::OtherType(at, pick) => {
            let (index, pointer) = &values[at.index(values.len())];
            let value = members[*index].1.pointer_mut(pointer).expect("a value");
            *value = other_type(value, *pick);
        }
        Mutation::Remove(at) => match &values[at.index(values.len())] {
            (index, pointer) if pointer.is_empty() => {
                members.remove(*index);
            }
            (index, pointer) => {
                let (parent, token) = pointer.rsplit_once('/').expect("a pointer");
                match members[*index].1.pointer_mut(parent).expect("a value") {
                    Value::Object(object) => {
                        object.remove(&token.replace("~1", "/").replace("~0", "~"));
                    }
                    Value::Array(items) => {
                        items.remove(token.parse::<usize>().expect("an index"));
                    }
                    _ => unreachable!("a pointer with a parent"),
                }
            }
        },
        Mutation::Duplicate(which, at, pick) => {
            let candidates: Vec<usize> =
                (0..members.len()).filter(|&i| !data_only || members[i].0 == "data").collect();
            let mut copy = members[candidates[which.index(candidates.len())]].clone();
            if let Some(pick) = pick {
                copy.1 = other_type(&copy.1, *pick);
            }
            members.insert(at.index(members.len() + 1), copy);
        }
        Mutation::NotJson(at) => {
            let (index, pointer) = &values[at.index(values.len())];
            *members[*index].1.pointer_mut(pointer).expect("a value") = Value::from(NOT_JSON);
        }
        Mutation::UnknownEvent => {
            for (key, value) in &mut members {
                if key == "event" {
                    *value = Value::from("payment.refunded_in_a_later_version");
                }
            }
        }
    }
    members
}

/// An example, by index.
fn any_example() -> impl Strategy<Value = &'static Members> {
    any::<Index>().prop_map(|at| {
        let all = example_members();
        &all[at.index(all.len())].1
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1_000, ..ProptestConfig::default() })]

    /// Values, errors, and where the errors are: all as without looking ahead, with one thing
    /// wrong in the body or two.
    #[test]
    fn looking_ahead_changes_no_result(
        members in any_example(),
        mutations in prop::collection::vec(mutation(), 1..=2),
        keys in prop::collection::vec(any::<u32>(), 8),
        pretty in any::<bool>(),
    ) {
        let members = mutations.iter().fold(members.clone(), |members, mutation| {
            mutate(&members, mutation, false)
        });
        let order = shuffled(members.len(), &keys);
        let looked_ahead = parse(&write(&members, &order, LOOK_AHEAD, pretty));
        let body = write(&members, &order, NO_LOOK_AHEAD, pretty);
        prop_assert_eq!(looked_ahead, parse(&body), "{}", body);
    }

    /// A change in `data`, or an event type this version does not know, gives the same value or
    /// the same error (but for its line and column) whatever the order of the keys.
    #[test]
    fn the_order_of_the_keys_changes_no_value_and_no_error(
        members in any_example(),
        mutation in mutation(),
        keys in prop::collection::vec(any::<u32>(), 8),
    ) {
        let members = mutate(members, &mutation, true);
        let in_order = parse(&write(&members, &in_order(&members), LOOK_AHEAD, false));
        let body = write(&members, &shuffled(members.len(), &keys), LOOK_AHEAD, false);
        prop_assert_eq!(gist(in_order), gist(parse(&body)), "{}", body);
    }
}

/// The payment example's `data`, with `extra` members added to it.
fn payment_data(extra: &str) -> String {
    let members = members(example("payment.completed").as_bytes());
    let data = &members.iter().find(|(key, _)| key == "data").expect("data").1;
    let text = data.to_string();
    format!("{{{extra}{}", &text[1..])
}

/// Parses `body` and checks that it is a `payment.completed`, typed when its domain is built.
fn parse_payment(body: &str) -> Webhook {
    let webhook = parse(body).unwrap_or_else(|e| panic!("{e}\n{body}"));
    assert_eq!(webhook.event.as_str(), "payment.completed");
    assert_eq!(matches!(webhook.event, Event::Unknown(_)), !domain_enabled("payment.completed"));
    webhook
}

#[test]
fn event_as_a_key_or_in_a_string_anywhere_else_is_not_taken_for_the_envelopes() {
    // In `data` (fields Payment does not have) and after the real `event`, nested, with escaped
    // quotes and brackets in strings.
    let data = payment_data(
        r#""event":"order.created","note":"\",\"event\":\"order.created\"}","meta":{"event":["order.created"]},"#,
    );
    let after = r#""x":{"event":"order.created","data":{},"s":"\"}]\\"},"y":["\",\"event\":\"order.created"]"#;
    let envelope = r#""timestamp":1745544673,"version":"v1""#;
    let event = r#""event":"payment.completed""#;
    let event_first = parse_payment(&format!("{{{envelope},{event},\"data\":{data},{after}}}"));
    for body in [
        format!("{{\"data\":{data},{envelope},{event},{after}}}"),
        format!("{{\"data\":{data},{event},{after},{envelope}}}"),
        format!("{{{envelope},\"data\":{data},{after},{event}}}"),
    ] {
        assert_eq!(parse_payment(&body), event_first, "{body}");
    }
}

#[test]
fn escapes_in_the_event_key_or_value_are_read_in_either_order() {
    let data = payment_data("");
    let event_first = parse_payment(&format!(
        r#"{{"timestamp":1,"version":"v1","event":"payment.completed","data":{data}}}"#
    ));
    for event in [
        r#""event":"payment\u002ecompleted""#,
        r#""\u0065vent":"payment.completed""#,
        r#""ev\u0065nt":"\u0070ayment.complete\u0064""#,
    ] {
        for body in [
            format!(r#"{{"timestamp":1,"version":"v1",{event},"data":{data}}}"#),
            format!(r#"{{"data":{data},"timestamp":1,"version":"v1",{event}}}"#),
            format!(r#"{{"data":{data},{event},"timestamp":1,"version":"v1"}}"#),
        ] {
            assert_eq!(parse_payment(&body), event_first, "{body}");
        }
    }
}

#[test]
fn a_duplicate_event_is_an_error_even_when_the_one_looked_ahead_at_is_last() {
    let data = payment_data("");
    for events in [
        // `data` is read as the last `event`'s payload, then the first `event` differs from it.
        r#""event":"order.created","event":"payment.completed""#,
        r#""event":"payment.completed","event":"payment.completed""#,
        r#""event":"payment.completed","isTest":true,"event":"example.not_an_event""#,
    ] {
        let body = format!(r#"{{"data":{data},"timestamp":1,"version":"v1",{events}}}"#);
        let error = parse(&body).expect_err("a duplicate event");
        assert_eq!(error.kind(), ParseErrorKind::Envelope, "{error}");
        assert!(error.to_string().contains("duplicate field `event`"), "{error}");
        let ending = |last: &str| format!("{},{last}}}", body.strip_suffix('}').expect("}"));
        assert_eq!(parse(&ending(LOOK_AHEAD)), parse(&ending(NO_LOOK_AHEAD)), "{body}");
    }
}

#[test]
fn a_duplicate_data_is_an_error_in_either_order() {
    let data = payment_data("");
    for body in [
        format!(
            r#"{{"data":{data},"data":{data},"timestamp":1,"version":"v1","event":"payment.completed"}}"#
        ),
        format!(
            r#"{{"data":{data},"timestamp":1,"version":"v1","event":"payment.completed","data":{{}}}}"#
        ),
        format!(
            r#"{{"timestamp":1,"version":"v1","event":"payment.completed","data":{data},"data":{data}}}"#
        ),
    ] {
        let error = parse(&body).expect_err("a duplicate data");
        assert!(error.to_string().contains("duplicate field `data`"), "{error}");
    }
}

#[test]
fn an_unknown_event_keeps_its_data_byte_for_byte_in_either_order() {
    let data = r#"{ "paymentId" : 7, "nested": {"a": [1, 2.50, "\u00e9", "\"}"]} }"#;
    let event = r#""event":"example.not_an_event""#;
    for body in [
        format!(r#"{{"timestamp":1,"version":"v1",{event},"data":{data}}}"#),
        format!(r#"{{"data":{data},"timestamp":1,"version":"v1",{event}}}"#),
        format!("{{\n\"data\":{data}, \"timestamp\":1,\"version\":\"v1\",\n{event}\n}}"),
    ] {
        let webhook = parse(&body).unwrap_or_else(|e| panic!("{e}\n{body}"));
        let Event::Unknown(unknown) = &webhook.event else { panic!("{:?}", webhook.event) };
        assert_eq!(unknown.event_type(), "example.not_an_event");
        assert_eq!(unknown.data().get(), data);
    }
}

#[test]
fn an_error_after_a_data_read_ahead_is_the_one_reading_in_order_gives() {
    // `data` does not fit Payment, and after it `timestamp` is not JSON: the syntax error is
    // what the body is told for, as when `event` comes first and `data` is kept raw.
    let data = payment_data(r#""paymentId":"not a number","#);
    let event = r#""event":"payment.completed""#;
    let syntax_after_data = format!(r#"{{"data":{data},"timestamp":01,"version":"v1",{event}}}"#);
    let error = parse(&syntax_after_data).expect_err("not JSON");
    assert_eq!(error.kind(), ParseErrorKind::Syntax, "{error}");
    let event_first = format!(r#"{{{event},"timestamp":01,"version":"v1","data":{data}}}"#);
    assert_eq!(gist(parse(&event_first)), gist(Err(error)));
    // An envelope field of the wrong type after `data` is reported, not `data`.
    let envelope_after_data =
        format!(r#"{{"data":{data},"timestamp":"1","version":"v1",{event}}}"#);
    let error = parse(&envelope_after_data).expect_err("a string timestamp");
    assert_eq!((error.kind(), error.path()), (ParseErrorKind::Envelope, "timestamp"), "{error}");
}

#[test]
fn bytes_that_are_not_utf8_in_data_fail_when_data_comes_first_as_they_did() {
    // `data` that comes first is kept as raw text, which must be UTF-8, even in a field Payment
    // skips unread; when `event` comes first, that field is skipped without a look.
    let data = payment_data(r#""unknownField":"NOT UTF-8","#);
    let envelope = r#""timestamp":1,"version":"v1","event":"payment.completed""#;
    let not_utf8 = |body: String| {
        let (before, after) = body.split_once("NOT UTF-8").expect("the placeholder");
        [before.as_bytes(), &[0xFF], after.as_bytes()].concat()
    };
    let data_first = not_utf8(format!("{{\"data\":{data},{envelope}}}"));
    let error = Webhook::from_slice(&data_first).expect_err("raw data must be UTF-8");
    assert_eq!(error.kind(), ParseErrorKind::Syntax, "{error}");
    let event_first = not_utf8(format!("{{{envelope},\"data\":{data}}}"));
    assert_eq!(Webhook::from_slice(&event_first).is_ok(), domain_enabled("payment.completed"));
}
