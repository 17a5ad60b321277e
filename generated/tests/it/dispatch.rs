//! `dispatch` calls the handler method of the event, and only that one.

use std::sync::{Arc, Mutex};

use steppay_webhooks::types::{
    Cover, Customer, Invoice, Order, Payment, Price, Product, Subscription, Usage,
};
use steppay_webhooks::{EventType, Handler, HandlerError, UnknownEvent, Webhook, dispatch};

use super::{example, examples};

/// Records `(method, event type of the webhook)` for every call.
#[derive(Default, Clone)]
pub(crate) struct Recorder {
    calls: Arc<Mutex<Vec<(&'static str, String)>>>,
}

impl Recorder {
    fn record(&self, method: &'static str, webhook: &Webhook) {
        self.calls.lock().expect("not poisoned").push((method, webhook.event.as_str().to_owned()));
    }

    pub(crate) fn calls(&self) -> Vec<(&'static str, String)> {
        self.calls.lock().expect("not poisoned").clone()
    }
}

/// Implements each listed method to record its own name: the pairing of method and event type
/// below is written out by hand, independently of the generator.
macro_rules! recording {
    ($($method:ident($payload:ty) => $event:literal,)*) => {
        impl Handler for Recorder {
            $(
                async fn $method(&self, webhook: &Webhook, _: &$payload) -> Result<(), HandlerError> {
                    self.record(stringify!($method), webhook);
                    Ok(())
                }
            )*

            async fn unknown_event(&self, webhook: &Webhook, _: &UnknownEvent) -> Result<(), HandlerError> {
                self.record("unknown_event", webhook);
                Ok(())
            }
        }

        /// Each hand-implemented method and the event type it must receive.
        pub(crate) const EXPECTED: &[(&str, &str)] = &[$((stringify!($method), $event)),*];
    };
}

recording! {
    order_created(Order) => "order.created",
    order_updated(Order) => "order.updated",
    order_payment_completed(Order) => "order.payment_completed",
    subscription_created(Subscription) => "subscription.created",
    subscription_updated(Subscription) => "subscription.updated",
    subscription_payment_due_notification(Subscription) => "subscription.payment_due_notification",
    subscription_usage_added(Usage) => "subscription.usage.added",
    invoice_created(Invoice) => "invoice.created",
    invoice_updated(Invoice) => "invoice.updated",
    invoice_deleted(Invoice) => "invoice.deleted",
    payment_completed(Payment) => "payment.completed",
    payment_failed(Payment) => "payment.failed",
    payment_canceled(Payment) => "payment.canceled",
    payment_standby(Payment) => "payment.standby",
    customer_created(Customer) => "customer.created",
    customer_updated(Customer) => "customer.updated",
    customer_deleted(Customer) => "customer.deleted",
    product_created(Product) => "product.created",
    product_updated(Product) => "product.updated",
    product_deleted(Product) => "product.deleted",
    product_price_created(Price) => "product.price.created",
    product_price_updated(Price) => "product.price.updated",
    product_price_deleted(Price) => "product.price.deleted",
    cover_sent_message(Cover) => "cover.sent_message",
    cover_delayed_message(Cover) => "cover.delayed_message",
    cover_changed_payment_date(Cover) => "cover.changed_payment_date",
    cover_paused(Cover) => "cover.paused",
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_event_reaches_its_own_method() {
    for (method, event_type) in EXPECTED {
        assert!(
            EventType::ALL.iter().any(|t| t.as_str() == *event_type),
            "{event_type} is no longer generated"
        );
        let recorder = Recorder::default();
        let webhook = Webhook::from_slice(example(event_type).as_bytes()).expect("parse");
        // Spawned, so the dispatch future must be `Send` for this to compile.
        let task_recorder = recorder.clone();
        tokio::spawn(async move { dispatch(&task_recorder, &webhook).await })
            .await
            .expect("task")
            .expect("handler succeeds");
        assert_eq!(recorder.calls(), vec![(*method, (*event_type).to_owned())]);
    }
}

/// An event type added to the catalogue after the list above was written still reaches a method
/// of its own (here, the default one), never the unknown-event hook.
#[tokio::test]
async fn events_not_listed_above_reach_a_method_of_their_own() {
    for event_type in
        EventType::ALL.iter().filter(|t| !EXPECTED.iter().any(|(_, e)| *e == t.as_str()))
    {
        let recorder = Recorder::default();
        let webhook = Webhook::from_slice(example(event_type.as_str()).as_bytes()).expect("parse");
        dispatch(&recorder, &webhook).await.expect("default succeeds");
        assert_eq!(recorder.calls(), Vec::new(), "{event_type}");
    }
}

#[tokio::test]
async fn unknown_events_reach_the_unknown_hook() {
    let recorder = Recorder::default();
    let body =
        br#"{"timestamp":1700000000,"version":"v1","event":"example.not_an_event","data":{}}"#;
    dispatch(&recorder, &Webhook::from_slice(body).expect("parse")).await.expect("ok");
    assert_eq!(recorder.calls(), vec![("unknown_event", "example.not_an_event".to_owned())]);
}

/// Implements nothing: every method keeps its default body.
struct Nothing;

impl Handler for Nothing {}

/// Implements one method, which fails.
pub(crate) struct FailingPayments;

impl Handler for FailingPayments {
    async fn payment_completed(&self, _: &Webhook, payment: &Payment) -> Result<(), HandlerError> {
        Err(format!("ledger unavailable for payment {}", payment.payment_id).into())
    }
}

#[tokio::test]
async fn default_methods_do_nothing_and_succeed() {
    for (name, bytes) in examples() {
        let webhook = Webhook::from_slice(&bytes).expect("parse");
        dispatch(&Nothing, &webhook).await.unwrap_or_else(|e| panic!("{name}: {e}"));
        // Only payment.completed reaches FailingPayments' one method.
        let result = dispatch(&FailingPayments, &webhook).await;
        assert_eq!(
            result.is_err(),
            webhook.event_type() == Some(EventType::PaymentCompleted),
            "{name}"
        );
    }
}

#[tokio::test]
async fn a_handler_error_is_handed_back() {
    let webhook = Webhook::from_slice(example("payment.completed").as_bytes()).expect("parse");
    let error = dispatch(&FailingPayments, &webhook).await.expect_err("fails");
    assert!(error.to_string().starts_with("ledger unavailable for payment"), "{error}");
}
