//! The mini fixture's subjects, through the real runtime: an integer id, a string id, and a
//! nullable lenient id (only the fixture has one), which gives a subject in either form and none
//! when absent.

#![cfg(all(feature = "shop", feature = "billing", feature = "stock"))]

use serde_json::{Value, json};
use steppay_webhooks_fixture::runtime::{Subject, Webhook};

fn subject(event: &str, data: Value) -> Option<Subject> {
    let body = json!({ "timestamp": 1, "version": "v1", "event": event, "data": data });
    let webhook = Webhook::from_slice(&serde_json::to_vec(&body).expect("serialize"))
        .unwrap_or_else(|e| panic!("{event}: {e}"));
    assert_eq!(webhook.subject(), webhook.event.subject());
    webhook.subject()
}

fn item() -> Value {
    json!({ "id": 7, "type": "BOX", "tags": [] })
}

#[test]
fn an_integer_and_a_string_id() {
    let item = subject("shop.item.removed", item()).expect("an item's subject");
    assert_eq!(item.to_string(), "item:7");
    let charge = json!({
        "chargeId": "ch_1", "amount": 100, "chargedAt": "2024-01-01T00:00:00", "paid": true,
        "items": [], "holder": "Kim",
    });
    let charge = subject("billing.charged", charge).expect("a charge's subject");
    assert_eq!((charge.kind(), charge.id()), ("charge", "ch_1"));
    assert_eq!("charge:ch_1".parse::<Subject>(), Ok(charge));
}

#[test]
fn a_nullable_lenient_id_in_either_form_or_none() {
    let count = |count_id: Option<Value>| {
        let mut data = json!({
            "item": item(), "quantity": 3, "counter": "Kim", "counterNo": "12",
            "window": { "from": "2024-01-01T00:00:00", "until": "2024-01-02T00:00:00" },
        });
        if let Some(id) = count_id {
            data["countId"] = id;
        }
        subject("stock.counted", data).map(|s| s.to_string())
    };
    assert_eq!(count(Some(json!(90210))).as_deref(), Some("count:90210"));
    assert_eq!(count(Some(json!("C-90210"))).as_deref(), Some("count:C-90210"));
    assert_eq!(count(Some(Value::Null)), None);
    assert_eq!(count(None), None);
}
