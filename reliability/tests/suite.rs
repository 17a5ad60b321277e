//! The behavioural suite: every scenario, over real HTTP, against each store (in memory, an
//! SQLite file, PostgreSQL). Each scenario is written once below and instantiated per store by
//! `suite!`; the PostgreSQL instances pass without running when `STEPPAY_TEST_POSTGRES` is not
//! set, and say so on the terminal.

use std::sync::Arc;
use std::time::Duration;

use steppay_webhooks::UnreadableAction;
use steppay_webhooks::key::KeyStrategy;
use steppay_webhooks::store::{Claim, DeliveryStore, StoreError};
use steppay_webhooks_reliability::{
    Act, Backend, Fixture, Probe, client, delivery, next_version_delivery, post,
    post_until_settled, serve, unreadable_delivery,
};
use tokio::io::AsyncWriteExt as _;

/// 50 copies of one delivery at once: the handler runs once; every answer is `200` (done) or
/// `503` with `Retry-After` (in progress), and once the run is over every retry gets `200`.
async fn identical_deliveries_are_handled_once(backend: Backend) {
    let fixture = Fixture::of(backend).await;
    let probe = Probe::default().with_delay(Duration::from_millis(300));
    let server = serve(fixture.receiver(&probe)).await;
    let client = client();
    let body = delivery(1001);
    let address = server.address;
    let replies = futures_join_all((0..50).map(|_| {
        let (client, body) = (client.clone(), body.clone());
        async move { post(&client, address, &body).await }
    }))
    .await;
    for reply in &replies {
        match reply.status {
            200 => {}
            503 => assert!(reply.retry_after.is_some_and(|s| s >= 1), "{reply:?}"),
            _ => panic!("unexpected answer {reply:?}"),
        }
    }
    assert_eq!(replies.iter().filter(|r| r.text == "handled").count(), 1, "{replies:?}");
    for _ in replies.iter().filter(|r| r.status == 503) {
        let retried = post_until_settled(&client, server.address, &body, 50).await;
        assert_eq!((retried.status, retried.text.as_str()), (200, "duplicate: handled before"));
    }
    assert_eq!(probe.runs(), vec![(1001, 1)]);
    assert_eq!(probe.successes(1001), 1);
}

/// A failing run is answered `500` and recorded failed; the retry runs the handler again, as
/// attempt 2, and after it succeeds the delivery is done.
async fn a_failed_delivery_is_handled_on_retry(backend: Backend) {
    let fixture = Fixture::of(backend).await;
    let probe = Probe::scripted([Act::Fail]);
    let server = serve(fixture.receiver(&probe)).await;
    let client = client();
    let body = delivery(1002);
    let first = post(&client, server.address, &body).await;
    assert_eq!((first.status, first.text.as_str()), (500, "webhook handler failed"));
    let second = post(&client, server.address, &body).await;
    assert_eq!((second.status, second.text.as_str()), (200, "handled"));
    let third = post(&client, server.address, &body).await;
    assert_eq!(third.status, 200);
    assert_eq!(probe.runs(), vec![(1002, 1), (1002, 2)]);
    assert_eq!(probe.successes(1002), 1);
}

/// A panicking handler gets `500`, the server keeps serving, and the retry is handled.
async fn a_panicking_handler_gets_500_and_its_retry_is_handled(backend: Backend) {
    let fixture = Fixture::of(backend).await;
    let probe = Probe::scripted([Act::Panic]);
    let server = serve(fixture.receiver(&probe)).await;
    let client = client();
    let body = delivery(1003);
    let first = post(&client, server.address, &body).await;
    assert_eq!(first.status, 500, "{first:?}");
    // The server still answers, other deliveries and the retry alike.
    assert_eq!(post(&client, server.address, &delivery(1004)).await.status, 200);
    assert_eq!(post(&client, server.address, &body).await.status, 200);
    assert_eq!(probe.runs(), vec![(1003, 1), (1004, 1), (1003, 2)]);
    assert_eq!((probe.successes(1003), probe.successes(1004)), (1, 1));
}

/// A client that disconnects while the handler runs does not cancel it: the delivery still ends
/// up done, and its retry is a duplicate.
async fn a_disconnect_mid_handler_still_leaves_the_delivery_done(backend: Backend) {
    let fixture = Fixture::of(backend).await;
    let probe = Probe::scripted([Act::Block]);
    let server = serve(fixture.receiver(&probe)).await;
    let body = delivery(1005);
    let mut connection = tokio::net::TcpStream::connect(server.address).await.expect("connect");
    let signature = steppay_webhooks::verify::sign(
        steppay_webhooks_reliability::SECRET,
        steppay_webhooks_reliability::now(),
        &body,
    );
    let head = format!(
        "POST {} HTTP/1.1\r\nhost: {}\r\ncontent-type: application/json\r\n\
         steppay-signature: {signature}\r\ncontent-length: {}\r\n\r\n",
        steppay_webhooks_reliability::PATH,
        server.address,
        body.len()
    );
    connection.write_all(head.as_bytes()).await.expect("write");
    connection.write_all(&body).await.expect("write");
    probe.started(1).await;
    drop(connection);
    // Let the server notice the disconnect before the handler may finish.
    tokio::time::sleep(Duration::from_millis(200)).await;
    probe.open_gate(1);
    let retry = post_until_settled(&client(), server.address, &body, 50).await;
    assert_eq!((retry.status, retry.text.as_str()), (200, "duplicate: handled before"));
    assert_eq!(probe.runs(), vec![(1005, 1)]);
    assert_eq!(probe.successes(1005), 1);
}

/// An instance dies while its handler runs. Until its lease expires, the retry is refused with
/// `503`; after, it is handled, once, as attempt 2. With SQLite and PostgreSQL the instance is a
/// child process killed with SIGKILL; the memory store cannot outlive its process, so there the
/// dead instance's claim is made directly on the store.
async fn a_crashed_claim_is_handled_after_its_lease(backend: Backend) {
    let fixture = Fixture::of(backend).await;
    let body = delivery(1006);
    let lease = Duration::from_secs(2);
    let mut child = None;
    match fixture.child_arguments() {
        Some(arguments) => {
            let (process, address) = start_child(&arguments).await;
            let client = client();
            let request = {
                let body = body.clone();
                tokio::spawn(async move { post(&client, address, &body).await })
            };
            child = Some(process);
            wait_for_line(child.as_mut().expect("child"), "handling 1006").await;
            let process = child.as_mut().expect("child");
            process.kill().await.expect("kill");
            assert!(request.await.is_err(), "the request died with its server");
        }
        None => {
            let key = KeyStrategy::default().key(&body, None);
            let claim = fixture.store.claim(&key, Some("payment.completed"), lease).await;
            assert!(matches!(claim, Ok(Claim::Acquired(_))), "{claim:?}");
        }
    }
    let probe = Probe::default();
    let server = serve(fixture.receiver(&probe).lease(lease)).await;
    let client = client();
    let refused = post(&client, server.address, &body).await;
    assert_eq!(refused.status, 503, "{refused:?}");
    assert!(refused.retry_after.is_some_and(|s| (1..=2).contains(&s)), "{refused:?}");
    assert!(probe.runs().is_empty());
    tokio::time::sleep(lease + Duration::from_millis(300)).await;
    // The abandoned claim is reported (never deleted) until a retry takes it over.
    let stale = fixture.store.stale(Duration::ZERO).await.expect("stale claims");
    assert_eq!(stale.len(), 1, "{stale:?}");
    assert_eq!((stale[0].attempt, stale[0].event_type.as_deref()), (1, Some("payment.completed")));
    let handled = post(&client, server.address, &body).await;
    assert_eq!((handled.status, handled.text.as_str()), (200, "handled"));
    assert_eq!(post(&client, server.address, &body).await.status, 200);
    assert_eq!(probe.runs(), vec![(1006, 2)]);
    drop(child);
}

/// A handler that runs longer than its lease keeps it, because the receiver renews it: a retry
/// meanwhile waits (`503`) instead of running the handler a second time.
async fn a_slow_handler_keeps_its_lease(backend: Backend) {
    let fixture = Fixture::of(backend).await;
    let probe = Probe::scripted([Act::Block]);
    let server = serve(fixture.receiver(&probe).lease(Duration::from_secs(1))).await;
    let client = client();
    let body = delivery(1011);
    let first = {
        let (client, body, address) = (client.clone(), body.clone(), server.address);
        tokio::spawn(async move { post(&client, address, &body).await })
    };
    probe.started(1).await;
    // Well past the 1 s lease: only renewals keep it.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let meanwhile = post(&client, server.address, &body).await;
    assert_eq!(meanwhile.status, 503, "{meanwhile:?}");
    probe.open_gate(1);
    assert_eq!(first.await.expect("first").text, "handled");
    assert_eq!(probe.runs(), vec![(1011, 1)]);
}

/// A retry that StepPay re-stamped (another `timestamp`, so another body and signature) is the
/// same delivery under the default key; a custom key can make two bodies one delivery too.
async fn a_restamped_retry_is_a_duplicate(backend: Backend) {
    let fixture = Fixture::of(backend).await;
    let probe = Probe::default();
    let server = serve(fixture.receiver(&probe)).await;
    let client = client();
    let body = delivery(1012);
    let restamped = String::from_utf8(body.clone())
        .expect("UTF-8")
        .replacen("\"timestamp\": 1741065731", "\"timestamp\": 1741069331", 1)
        .into_bytes();
    assert_ne!(body, restamped);
    assert_eq!(post(&client, server.address, &body).await.text, "handled");
    assert_eq!(post(&client, server.address, &restamped).await.text, "duplicate: handled before");
    // Keyed on the payment id, a delivery whose `data` changed in another field is the same.
    let by_payment = KeyStrategy::custom(|webhook| match &webhook.event {
        steppay_webhooks::Event::PaymentCompleted(payment) => {
            Some(format!("payment:{}", payment.payment_id))
        }
        _ => None,
    });
    let keyed = serve(fixture.receiver(&probe).key(by_payment)).await;
    let other_field = String::from_utf8(delivery(1013))
        .expect("UTF-8")
        .replacen("\"paymentOnly\": false", "\"paymentOnly\": true", 1)
        .into_bytes();
    assert_eq!(post(&client, keyed.address, &delivery(1013)).await.text, "handled");
    assert_eq!(post(&client, keyed.address, &other_field).await.text, "duplicate: handled before");
    assert_eq!(probe.runs(), vec![(1012, 1), (1013, 1)]);
}

/// With a store that remembers done deliveries for days (SQLite, PostgreSQL), a signature hours
/// old is accepted, and a replay of a handled delivery is not handled again; the memory store
/// keeps the verifier's 5 minutes; a tolerance chosen on the receiver always wins.
async fn the_tolerance_follows_the_store(backend: Backend) {
    let fixture = Fixture::of(backend).await;
    let probe = Probe::default();
    let server = serve(fixture.receiver(&probe)).await;
    let client = client();
    let body = delivery(1014);
    let hours_old = steppay_webhooks::verify::sign(
        steppay_webhooks_reliability::SECRET,
        steppay_webhooks_reliability::now() - 6 * 3600,
        &body,
    );
    let send = |address, signature: String| {
        let (client, body) = (client.clone(), body.clone());
        async move {
            let response = client
                .post(format!("http://{address}{}", steppay_webhooks_reliability::PATH))
                .header("steppay-signature", signature)
                .body(body)
                .send()
                .await
                .expect("request");
            response.status().as_u16()
        }
    };
    let expected = if backend == Backend::Memory { 401 } else { 200 };
    assert_eq!(send(server.address, hours_old.clone()).await, expected);
    assert_eq!(send(server.address, hours_old.clone()).await, expected, "a replay");
    let strict = serve(fixture.receiver(&probe).tolerance(Duration::from_secs(300))).await;
    assert_eq!(send(strict.address, hours_old).await, 401);
    let handled = if backend == Backend::Memory { 0 } else { 1 };
    assert_eq!(probe.runs().len(), handled);
}

/// Cleanup, run over and over while deliveries are claimed and completed, deletes the done
/// records older than the retention and nothing else: never one in progress, failed or
/// quarantined, and it disturbs no claim.
async fn cleanup_runs_concurrently_with_claims(backend: Backend) {
    let retention = Duration::from_millis(500);
    let fixture = Fixture::with_retention(backend, retention).await;
    let store = &fixture.store;
    let lease = Duration::from_secs(60);
    for i in 0..20 {
        let old = claim(store, &format!("cleanup:old:{i}"), lease).await;
        store.complete(&old).await.expect("complete");
    }
    // A record in progress, one quarantined, one failed: cleanup must keep all three, however old.
    let busy = claim(store, "cleanup:busy", lease).await;
    let kept = claim(store, "cleanup:kept", lease).await;
    store.quarantine(&kept, b"{}", "test").await.expect("quarantine");
    let failed = claim(store, "cleanup:failed", lease).await;
    store.fail(&failed).await.expect("fail");
    tokio::time::sleep(retention + Duration::from_millis(200)).await;
    let cleaner = {
        let store = Arc::clone(store);
        tokio::spawn(async move {
            let mut deleted = 0;
            for _ in 0..30 {
                deleted += store.cleanup().await.expect("cleanup");
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            deleted
        })
    };
    futures_join_all((0..40).map(|i| {
        let store = Arc::clone(store);
        async move {
            let lease = claim(&store, &format!("cleanup:new:{i}"), lease).await;
            store.complete(&lease).await.expect("complete");
        }
    }))
    .await;
    let deleted = cleaner.await.expect("cleaner");
    assert!(deleted >= 20, "the 20 old done records are deleted: {deleted}");
    let key = steppay_webhooks::key::DeliveryKey::new;
    for i in 0..20 {
        // Forgotten: a new delivery of it would be claimed afresh.
        let claimed = store.claim(&key(format!("cleanup:old:{i}")), None, lease).await;
        assert!(
            matches!(&claimed, Ok(Claim::Acquired(lease)) if lease.attempt == 1),
            "{claimed:?}"
        );
    }
    for i in 0..40 {
        // Done, or (if the machine was slow enough for it to age past the retention) forgotten.
        let claimed = store.claim(&key(format!("cleanup:new:{i}")), None, lease).await;
        assert!(
            matches!(
                &claimed,
                Ok(Claim::Done)
                    | Ok(Claim::Acquired(steppay_webhooks::store::Lease { attempt: 1, .. }))
            ),
            "{claimed:?}"
        );
    }
    assert!(matches!(
        store.claim(&key("cleanup:busy".into()), None, lease).await,
        Ok(Claim::InProgress { .. })
    ));
    assert_eq!(
        store.claim(&key("cleanup:kept".into()), None, lease).await.expect("claim"),
        Claim::Quarantined
    );
    let retried = store.claim(&key("cleanup:failed".into()), None, lease).await;
    assert!(matches!(&retried, Ok(Claim::Acquired(lease)) if lease.attempt == 2), "{retried:?}");
    store.complete(&busy).await.expect("the busy run still holds its lease");
}

/// A verified delivery the catalogue cannot read is kept, answered `200`, and not handled; a
/// retry of it is answered `200` too. Once the receiver can read it, a replay handles it once.
async fn unreadable_deliveries_are_quarantined_and_replayed(backend: Backend) {
    let fixture = Fixture::of(backend).await;
    let probe = Probe::default();
    let server = serve(fixture.receiver(&probe)).await;
    let client = client();
    let wrong_type = unreadable_delivery(1007);
    let next_version = next_version_delivery(1008);
    let not_json = b"{\"event\": \"payment.completed\", \"data\": ".to_vec();
    for body in [&wrong_type, &next_version, &not_json] {
        let reply = post(&client, server.address, body).await;
        assert_eq!((reply.status, reply.text.as_str()), (200, "unreadable: kept for replay"));
        let again = post(&client, server.address, body).await;
        assert_eq!(
            (again.status, again.text.as_str()),
            (200, "unreadable: already kept for replay")
        );
    }
    assert!(probe.runs().is_empty());
    let hook: Vec<(Option<String>, String, u32)> = probe.unreadable();
    assert_eq!(
        hook,
        vec![
            (Some("payment.completed".into()), "data.paidAmount".into(), 1),
            (Some("payment.completed".into()), "version".into(), 1),
            (None, "data".into(), 1),
        ]
    );
    let kept = fixture.store.quarantined(10).await.expect("list");
    assert_eq!(kept.len(), 3);
    assert!(kept.iter().all(|k| !k.reason.contains("17900 KRW")), "no payload value: {kept:?}");

    // The same catalogue still cannot read them: they stay, with their reasons.
    let same = fixture.receiver(&probe);
    let report = same.replay().await.expect("replay");
    assert_eq!((report.handled, report.unreadable, report.failed), (0, 3, 0), "{report:?}");
    // A receiver that reads v2 (the "fix"): the v2 delivery is handled, once, as attempt 3.
    let fixed = fixture.receiver(&probe).versions(["v1", "v2"]);
    let report = fixed.replay().await.expect("replay");
    assert_eq!((report.handled, report.unreadable, report.failed), (1, 2, 0), "{report:?}");
    assert_eq!(probe.runs(), vec![(1008, 3)]);
    let report = fixed.replay().await.expect("replay");
    assert_eq!(report.handled, 0, "{report:?}");
    let reply = post(&client, server.address, &next_version).await;
    assert_eq!((reply.status, reply.text.as_str()), (200, "duplicate: handled before"));
    assert_eq!(probe.successes(1008), 1);
    assert_eq!(fixture.store.quarantined(10).await.expect("list").len(), 2);
}

/// A replay whose handler fails goes back to quarantine, body and all, and a later replay
/// handles it.
async fn a_failed_replay_stays_quarantined(backend: Backend) {
    let fixture = Fixture::of(backend).await;
    let probe = Probe::scripted([Act::Fail]);
    let server = serve(fixture.receiver(&probe)).await;
    let body = next_version_delivery(1009);
    assert_eq!(post(&client(), server.address, &body).await.status, 200);
    let fixed = fixture.receiver(&probe).versions(["v1", "v2"]);
    let report = fixed.replay().await.expect("replay");
    assert_eq!((report.handled, report.failed), (0, 1), "{report:?}");
    assert_eq!(fixture.store.quarantined(10).await.expect("list").len(), 1);
    let report = fixed.replay().await.expect("replay");
    assert_eq!((report.handled, report.failed), (1, 0), "{report:?}");
    assert_eq!(probe.runs(), vec![(1009, 2), (1009, 3)]);
    assert!(fixture.store.quarantined(10).await.expect("list").is_empty());
}

/// A hook that says `Retry` gets `500` and keeps nothing; one that says `Handled` gets `200`
/// and the key is done.
async fn the_unreadable_hook_decides(backend: Backend) {
    let fixture = Fixture::of(backend).await;
    let client = client();
    let retry = Probe::default().on_unreadable(UnreadableAction::Retry);
    let server = serve(fixture.receiver(&retry)).await;
    let body = unreadable_delivery(1010);
    assert_eq!(post(&client, server.address, &body).await.status, 500);
    assert_eq!(post(&client, server.address, &body).await.status, 500);
    assert_eq!(retry.unreadable().len(), 2);
    assert!(fixture.store.quarantined(10).await.expect("list").is_empty());
    let handled = Probe::default().on_unreadable(UnreadableAction::Handled);
    let server = serve(fixture.receiver(&handled)).await;
    let reply = post(&client, server.address, &body).await;
    assert_eq!((reply.status, reply.text.as_str()), (200, "handled"));
    let again = post(&client, server.address, &body).await;
    assert_eq!((again.status, again.text.as_str()), (200, "duplicate: handled before"));
    // Attempts 1 and 2 failed (Retry); this was the third claim.
    assert_eq!(
        handled.unreadable(),
        vec![(Some("payment.completed".into()), "data.paidAmount".into(), 3)]
    );
}

/// A run whose lease expired and was taken over cannot record its outcome, and the attempt
/// numbers fence the two runs apart.
async fn a_lost_lease_cannot_record(backend: Backend) {
    let fixture = Fixture::of(backend).await;
    let store = &fixture.store;
    let first = claim(store, "lease:lost", Duration::from_secs(1)).await;
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let second = claim(store, "lease:lost", Duration::from_secs(60)).await;
    assert_eq!((first.attempt, second.attempt), (1, 2));
    for result in [
        store.renew(&first).await,
        store.complete(&first).await,
        store.fail(&first).await,
        store.quarantine(&first, b"{}", "x").await,
    ] {
        assert!(matches!(result, Err(StoreError::LeaseLost { attempt: 1, .. })), "{result:?}");
    }
    store.renew(&second).await.expect("the newer run holds the lease");
    store.complete(&second).await.expect("and records its outcome");
    assert_eq!(
        store.claim(&second.key, None, Duration::from_secs(1)).await.expect("claim"),
        Claim::Done
    );
}

/// Claims `key` and expects to get it.
async fn claim(
    store: &Arc<dyn steppay_webhooks::store::DynDeliveryStore>,
    key: &str,
    lease: Duration,
) -> steppay_webhooks::store::Lease {
    let key = steppay_webhooks::key::DeliveryKey::new(key);
    match store.claim(&key, None, lease).await {
        Ok(Claim::Acquired(lease)) => lease,
        other => panic!("claim of {key}: {other:?}"),
    }
}

/// Starts `crash-receiver` with `arguments` and reads where it listens.
async fn start_child(arguments: &[String]) -> (tokio::process::Child, std::net::SocketAddr) {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_crash-receiver"))
        .args(arguments)
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start crash-receiver");
    let line = read_line(&mut child).await;
    let address = line.strip_prefix("listening ").unwrap_or_else(|| panic!("child said {line:?}"));
    (child, address.parse().expect("address"))
}

async fn wait_for_line(child: &mut tokio::process::Child, expected: &str) {
    let line = read_line(child).await;
    assert_eq!(line, expected);
}

/// Reads one line of the child's standard output, byte by byte so that nothing is buffered
/// away from the next call.
async fn read_line(child: &mut tokio::process::Child) -> String {
    use tokio::io::AsyncReadExt as _;
    let stdout = child.stdout.as_mut().expect("piped");
    let mut line = Vec::new();
    let read = async {
        loop {
            let byte = stdout.read_u8().await.expect("the child's output");
            if byte == b'\n' {
                break;
            }
            line.push(byte);
        }
    };
    tokio::time::timeout(Duration::from_secs(20), read).await.expect("the child answers");
    String::from_utf8(line).expect("UTF-8")
}

/// Runs futures concurrently and collects their outputs in order.
async fn futures_join_all<F>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let tasks: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut outputs = Vec::with_capacity(tasks.len());
    for task in tasks {
        outputs.push(task.await.expect("task"));
    }
    outputs
}

/// One test per scenario and store.
macro_rules! suite {
    ($($scenario:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $scenario() {
                    super::$scenario(super::Backend::Memory).await;
                }
            )*
        }
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $scenario() {
                    super::$scenario(super::Backend::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $scenario() {
                    // Without STEPPAY_TEST_POSTGRES this says on the terminal that it did not run.
                    if steppay_webhooks_reliability::postgres_url().is_some() {
                        super::$scenario(super::Backend::Postgres).await;
                    }
                }
            )*
        }
    };
}

suite!(
    identical_deliveries_are_handled_once,
    a_failed_delivery_is_handled_on_retry,
    a_panicking_handler_gets_500_and_its_retry_is_handled,
    a_disconnect_mid_handler_still_leaves_the_delivery_done,
    a_crashed_claim_is_handled_after_its_lease,
    cleanup_runs_concurrently_with_claims,
    unreadable_deliveries_are_quarantined_and_replayed,
    a_failed_replay_stays_quarantined,
    the_unreadable_hook_decides,
    a_lost_lease_cannot_record,
    a_slow_handler_keeps_its_lease,
    a_restamped_retry_is_a_duplicate,
    the_tolerance_follows_the_store,
);
