//! The default de-duplication key: the SHA-256 of `event` and of `data` in canonical form
//! (members sorted by key, no whitespace), whatever the layout of the body.

use proptest::prelude::*;
use serde_json::Value;
use sha2::{Digest, Sha256};
use steppay_webhooks::key::KeyStrategy;

/// The canonical form the straightforward way, through `serde_json::Value`.
fn reference(value: &Value) -> String {
    match value {
        Value::Array(items) => {
            format!("[{}]", items.iter().map(reference).collect::<Vec<_>>().join(","))
        }
        Value::Object(members) => {
            let mut members: Vec<_> = members.iter().collect();
            members.sort_by(|a, b| a.0.cmp(b.0));
            let members: Vec<String> = members
                .into_iter()
                .map(|(k, v)| {
                    format!("{}:{}", serde_json::to_string(k).expect("key"), reference(v))
                })
                .collect();
            format!("{{{}}}", members.join(","))
        }
        scalar => serde_json::to_string(scalar).expect("scalar"),
    }
}

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e12f64..1e12).prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            proptest::collection::btree_map("[a-zA-Z가-힣\\\\\"]{0,6}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// `value` as JSON text with every object's members in reverse order and, if `pretty`, spread
/// over lines: another layout of the same value.
fn relaid(value: &Value, pretty: bool) -> String {
    fn reversed(value: &Value) -> String {
        match value {
            Value::Array(items) => {
                format!("[ {} ]", items.iter().map(reversed).collect::<Vec<_>>().join(" , "))
            }
            Value::Object(members) => {
                let members: Vec<String> = members
                    .iter()
                    .rev()
                    .map(|(k, v)| {
                        format!("{} : {}", serde_json::to_string(k).expect("key"), reversed(v))
                    })
                    .collect();
                format!("{{ {} }}", members.join(",\n "))
            }
            scalar => serde_json::to_string(scalar).expect("scalar"),
        }
    }
    if pretty { reversed(value) } else { serde_json::to_string(value).expect("text") }
}

proptest! {
    /// The key hashes the canonical form of `data`, so any layout of the same `data`, with any
    /// envelope around it, gets the same key.
    #[test]
    fn the_key_is_the_hash_of_event_and_canonical_data(data in json(), pretty in any::<bool>(), timestamp in any::<i64>()) {
        let body = format!(
            r#"{{"timestamp":{timestamp},"version":"v1","event":"order.updated","data":{}}}"#,
            relaid(&data, pretty)
        );
        let mut expected = Sha256::new();
        expected.update(b"steppay-webhooks/event-and-data/1\0order.updated\0");
        expected.update(reference(&data).as_bytes());
        let expected: String = expected.finalize().iter().map(|b| format!("{b:02x}")).collect();
        let key = KeyStrategy::default().key(body.as_bytes(), None);
        prop_assert_eq!(key.as_str(), expected.as_str());
    }
}
