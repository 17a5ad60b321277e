//! The mini fixture's lenient ids, through the real runtime: a string or an integer parses, goes
//! back out in its own form, and a lenient id that is personal data stays out of `Debug`.

#![cfg(all(feature = "billing", feature = "stock"))]

use serde_json::{Value, json};
use steppay_webhooks_fixture::generated::Event;
use steppay_webhooks_fixture::runtime::Webhook;

fn delivery(event: &str, data: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({ "timestamp": 1, "version": "v1", "event": event, "data": data }))
        .expect("serialize")
}

fn item() -> Value {
    json!({ "id": 7, "type": "BOX", "tags": [] })
}

#[test]
fn a_personal_lenient_id_is_redacted_in_either_form() {
    let window = json!({ "from": "2024-01-01T00:00:00", "until": "2024-01-02T00:00:00" });
    for counter_no in [json!(4815162342_u64), json!("4815162342")] {
        let data = json!({
            "item": item(), "quantity": 3, "counter": "Kim", "counterNo": counter_no.clone(),
            "window": window.clone(),
        });
        let webhook = Webhook::from_slice(&delivery("stock.counted", data)).expect("parse");
        let Event::StockCounted(count) = &webhook.event else { panic!("stock.counted") };
        assert_eq!(count.counter_no, "4815162342");
        let debug = format!("{count:?}");
        assert!(
            !debug.contains("4815162342") && debug.contains("counter_no: <redacted>"),
            "{debug}"
        );
        let written = serde_json::to_value(&webhook).expect("serialize");
        assert_eq!(written["data"]["counterNo"], counter_no);
    }
}

#[test]
fn a_nullable_lenient_id_is_an_option() {
    let mut data = json!({
        "chargeId": "ch_1", "amount": 100, "chargedAt": "2024-01-01T00:00:00", "paid": true,
        "items": [item()], "holder": "Kim",
    });
    let webhook = Webhook::from_slice(&delivery("billing.charged", data.clone())).expect("parse");
    let Event::BillingCharged(charge) = &webhook.event else { panic!("billing.charged") };
    assert_eq!(charge.order_id, None);
    data["orderId"] = json!(-12);
    let webhook = Webhook::from_slice(&delivery("billing.charged", data)).expect("parse");
    let Event::BillingCharged(charge) = &webhook.event else { panic!("billing.charged") };
    assert_eq!(charge.order_id.as_deref(), Some("-12"));
    assert_eq!(format!("{:?}", charge.order_id), r#"Some("-12")"#);
    assert_eq!(serde_json::to_value(&webhook).expect("serialize")["data"]["orderId"], json!(-12));
}
