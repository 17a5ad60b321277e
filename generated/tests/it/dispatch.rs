//! `dispatch` calls the handler method of the event, and only that one.

use std::sync::{Arc, Mutex};

#[cfg(feature = "payment")]
use steppay_webhooks::types::Payment;
use steppay_webhooks::{
    Delivery, Event, EventType, Handler, HandlerError, UnknownEvent, Webhook, dispatch,
};

use super::{domain_enabled, example, examples};

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
/// below is written out by hand, independently of the generator. A method is implemented when its
/// domain's feature is on (the `#[cfg]`); the pairing is listed whatever the features.
macro_rules! recording {
    ($(#[$cfg:meta] $method:ident($payload:ident) => $event:literal,)*) => {
        impl Handler for Recorder {
            $(
                #[$cfg]
                async fn $method(&self, delivery: &Delivery<'_>, _: &steppay_webhooks::types::$payload) -> Result<(), HandlerError> {
                    self.record(stringify!($method), delivery.webhook);
                    Ok(())
                }
            )*

            async fn unknown_event(&self, delivery: &Delivery<'_>, _: &UnknownEvent) -> Result<(), HandlerError> {
                self.record("unknown_event", delivery.webhook);
                Ok(())
            }
        }

        /// Each hand-implemented method and the event type it must receive.
        pub(crate) const EXPECTED: &[(&str, &str)] = &[$((stringify!($method), $event)),*];
    };
}

recording! {
    #[cfg(feature = "order")] order_created(Order) => "order.created",
    #[cfg(feature = "order")] order_updated(Order) => "order.updated",
    #[cfg(feature = "order")] order_payment_completed(Order) => "order.payment_completed",
    #[cfg(feature = "subscription")] subscription_created(Subscription) => "subscription.created",
    #[cfg(feature = "subscription")] subscription_updated(Subscription) => "subscription.updated",
    #[cfg(feature = "subscription")] subscription_payment_due_notification(Subscription) => "subscription.payment_due_notification",
    #[cfg(feature = "subscription")] subscription_usage_added(Usage) => "subscription.usage.added",
    #[cfg(feature = "invoice")] invoice_created(Invoice) => "invoice.created",
    #[cfg(feature = "invoice")] invoice_updated(Invoice) => "invoice.updated",
    #[cfg(feature = "invoice")] invoice_deleted(Invoice) => "invoice.deleted",
    #[cfg(feature = "payment")] payment_completed(Payment) => "payment.completed",
    #[cfg(feature = "payment")] payment_failed(Payment) => "payment.failed",
    #[cfg(feature = "payment")] payment_canceled(Payment) => "payment.canceled",
    #[cfg(feature = "payment")] payment_standby(Payment) => "payment.standby",
    #[cfg(feature = "customer")] customer_created(Customer) => "customer.created",
    #[cfg(feature = "customer")] customer_updated(Customer) => "customer.updated",
    #[cfg(feature = "customer")] customer_deleted(Customer) => "customer.deleted",
    #[cfg(feature = "product")] product_created(Product) => "product.created",
    #[cfg(feature = "product")] product_updated(Product) => "product.updated",
    #[cfg(feature = "product")] product_deleted(Product) => "product.deleted",
    #[cfg(feature = "product")] product_price_created(Price) => "product.price.created",
    #[cfg(feature = "product")] product_price_updated(Price) => "product.price.updated",
    #[cfg(feature = "product")] product_price_deleted(Price) => "product.price.deleted",
    #[cfg(feature = "cover")] cover_sent_message(Cover) => "cover.sent_message",
    #[cfg(feature = "cover")] cover_delayed_message(Cover) => "cover.delayed_message",
    #[cfg(feature = "cover")] cover_changed_payment_date(Cover) => "cover.changed_payment_date",
    #[cfg(feature = "cover")] cover_paused(Cover) => "cover.paused",
}

/// Each event reaches its own method; with its domain's feature off, it parses as
/// [`Event::Unknown`] and reaches the unknown-event hook instead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_event_reaches_its_own_method() {
    for (method, event_type) in EXPECTED {
        let enabled = domain_enabled(event_type);
        assert_eq!(
            EventType::ALL.iter().any(|t| t.as_str() == *event_type),
            enabled,
            "{event_type} is generated exactly when its domain's feature is on"
        );
        let recorder = Recorder::default();
        let webhook = Webhook::from_slice(example(event_type).as_bytes()).expect("parse");
        assert_eq!(matches!(webhook.event, Event::Unknown(_)), !enabled, "{event_type}");
        // Spawned, so the dispatch future must be `Send` for this to compile.
        let task_recorder = recorder.clone();
        tokio::spawn(async move { dispatch(&task_recorder, &webhook).await })
            .await
            .expect("task")
            .expect("handler succeeds");
        let reached = if enabled { *method } else { "unknown_event" };
        assert_eq!(recorder.calls(), vec![(reached, (*event_type).to_owned())]);
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
#[cfg(feature = "payment")]
pub(crate) struct FailingPayments;

#[cfg(feature = "payment")]
impl Handler for FailingPayments {
    async fn payment_completed(
        &self,
        _: &Delivery<'_>,
        payment: &Payment,
    ) -> Result<(), HandlerError> {
        Err(format!("ledger unavailable for payment {}", payment.payment_id).into())
    }
}

#[tokio::test]
async fn default_methods_do_nothing_and_succeed() {
    for (name, bytes) in examples() {
        let webhook = Webhook::from_slice(&bytes).expect("parse");
        dispatch(&Nothing, &webhook).await.unwrap_or_else(|e| panic!("{name}: {e}"));
        // Only payment.completed reaches FailingPayments' one method.
        #[cfg(feature = "payment")]
        assert_eq!(
            dispatch(&FailingPayments, &webhook).await.is_err(),
            webhook.event_type() == Some(EventType::PaymentCompleted),
            "{name}"
        );
    }
}

#[cfg(feature = "payment")]
#[tokio::test]
async fn a_handler_error_is_handed_back() {
    let webhook = Webhook::from_slice(example("payment.completed").as_bytes()).expect("parse");
    let error = dispatch(&FailingPayments, &webhook).await.expect_err("fails");
    assert!(error.to_string().starts_with("ledger unavailable for payment"), "{error}");
}

/// A bare `&Webhook` dispatches as attempt 1 with no key; a `Delivery` carries its own.
#[cfg(feature = "payment")]
#[tokio::test]
async fn a_delivery_carries_its_key_and_attempt_to_the_handler() {
    #[derive(Default)]
    struct Seen(Mutex<Vec<(Option<String>, u32, i64)>>);

    impl Handler for Seen {
        async fn payment_completed(
            &self,
            delivery: &Delivery<'_>,
            _: &Payment,
        ) -> Result<(), HandlerError> {
            let key = delivery.key().map(|key| key.as_str().to_owned());
            // `Delivery` dereferences to the webhook.
            self.0.lock().expect("not poisoned").push((key, delivery.attempt, delivery.timestamp));
            Ok(())
        }
    }

    let webhook = Webhook::from_slice(example("payment.completed").as_bytes()).expect("parse");
    let seen = Seen::default();
    dispatch(&seen, &webhook).await.expect("ok");
    let key = steppay_webhooks::key::DeliveryKey::new("payment.completed:1");
    dispatch(&seen, Delivery::new(&webhook).with_key(&key, 3)).await.expect("ok");
    assert_eq!(
        *seen.0.lock().expect("not poisoned"),
        vec![
            (None, 1, webhook.timestamp),
            (Some("payment.completed:1".to_owned()), 3, webhook.timestamp)
        ]
    );
}
