//! What the receiver measures (feature `metrics`), as a Prometheus exporter renders it: every
//! outcome counted under its name and event type, the handler's duration, deaths, and the
//! inbox gauges, with labels from small fixed sets, never a key, an id or a payload value.

use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder};
use steppay_webhooks::key::KeyStrategy;
use steppay_webhooks::receive::metrics;
use steppay_webhooks::store::{Filter, State};
use steppay_webhooks_reliability::{
    Backend, Fixture, Probe, client, delivery, post, serve, unreadable_delivery,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_receiver_reports_outcomes_runs_deaths_and_the_inbox() {
    // As the README sets the exporter up: Prometheus's names, and the handler's duration as a
    // histogram with OpenTelemetry's buckets.
    let duration = Matcher::Full(metrics::HANDLER_DURATION.to_owned());
    let prometheus = PrometheusBuilder::new()
        .with_recommended_naming(true)
        .set_buckets_for_metric(duration, &metrics::DURATION_BUCKETS)
        .expect("buckets")
        .install_recorder()
        .expect("the only recorder in this test binary");
    let fixture = Fixture::of(Backend::Sqlite).await;
    // Payment 9002 fails every run; the others succeed.
    let probe = Probe::default();
    let failing = Probe::default().failing_below_attempt(u32::MAX);
    let receiver = fixture.receiver(&probe);
    let server = serve(receiver.clone()).await;
    let dying = serve(fixture.receiver(&failing).retry_schedule([])).await;
    let client = client();
    assert_eq!(post(&client, server.address, &delivery(9001)).await.text, "handled");
    assert_eq!(
        post(&client, server.address, &delivery(9001)).await.text,
        "duplicate: handled before"
    );
    assert_eq!(post(&client, dying.address, &delivery(9002)).await.status, 500);
    let unreadable = unreadable_delivery(9003);
    assert_eq!(post(&client, server.address, &unreadable).await.status, 200);
    let forged = client
        .post(format!("http://{}{}", server.address, steppay_webhooks_reliability::PATH))
        .header("steppay-signature", "timestamp=1,key=00")
        .body(delivery(9004))
        .send()
        .await
        .expect("request");
    assert_eq!(forged.status().as_u16(), 401);
    let counts = receiver.maintain().await.expect("maintain").counts;
    assert_eq!((counts.get(State::Dead), counts.get(State::Quarantined)), (1, 1), "{counts:?}");
    tokio::time::sleep(Duration::from_millis(100)).await;

    let text = prometheus.render();
    for expected in [
        r#"steppay_webhooks_deliveries_total{outcome="handled",event="payment.completed"} 1"#,
        r#"steppay_webhooks_deliveries_total{outcome="duplicate",event="payment.completed"} 1"#,
        r#"steppay_webhooks_deliveries_total{outcome="handler_failed",event="payment.completed"} 1"#,
        r#"steppay_webhooks_deliveries_total{outcome="quarantined",event="none"} 1"#,
        r#"steppay_webhooks_deliveries_total{outcome="rejected",event="none"} 1"#,
        r#"steppay_webhooks_runs_total{outcome="handled",trigger="request",event="payment.completed"} 1"#,
        r#"steppay_webhooks_runs_total{outcome="handler_failed",trigger="request",event="payment.completed"} 1"#,
        "steppay_webhooks_dead_total 1",
        "# TYPE steppay_webhooks_handler_duration_seconds histogram",
        r#"steppay_webhooks_inbox_deliveries{state="dead"} 1"#,
        r#"steppay_webhooks_inbox_deliveries{state="quarantined"} 1"#,
        r#"steppay_webhooks_inbox_deliveries{state="pending"} 0"#,
        "steppay_webhooks_inbox_oldest_due_age_seconds 0",
        r#"steppay_webhooks_handler_duration_seconds_bucket{outcome="handled",trigger="request",event="payment.completed",le="10"} 1"#,
        r#"steppay_webhooks_handler_duration_seconds_count{outcome="handled",trigger="request",event="payment.completed"} 1"#,
    ] {
        assert!(text.contains(expected), "missing `{expected}` in:\n{text}");
    }
    // No key, id or payload value anywhere: only names from fixed sets.
    let key = KeyStrategy::default().key(&delivery(9001), None);
    for secret in [key.as_str(), "9001", "9002", "17900", "4418273"] {
        assert!(!text.contains(secret), "`{secret}` leaked into the metrics:\n{text}");
    }
    assert_eq!(fixture.store.count(&Filter::new()).await.expect("count"), 3);
}
