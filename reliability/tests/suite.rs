//! The behavioural suite: every scenario, over real HTTP, against each store (in memory, an
//! SQLite file, PostgreSQL). Each scenario is written once below and instantiated per store by
//! `suite!`; the PostgreSQL instances pass without running when `STEPPAY_TEST_POSTGRES` is not
//! set, and say so on the terminal.
//!
//! Most scenarios send each delivery once and never again, as a sender that gives up would: what
//! gets handled is the receiver's own doing (its worker and its retry schedule).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use steppay_webhooks::UnreadableAction;
use steppay_webhooks::key::{DeliveryKey, KeyStrategy};
use steppay_webhooks::store::{
    Arrival, AttemptOutcome, AttemptRecord, Claim, DeadLetter, DeliveryStore, Failed, Filter,
    Lease, Page, StartedBy, State, StoreError,
};
use steppay_webhooks_reliability::{
    Act, Backend, ChildReceiver, Fixture, Probe, client, delivery, next_version_delivery, post,
    post_until_settled, serve, unreadable_delivery,
};
use tokio::io::AsyncWriteExt as _;

/// The default key of a body, as the receiver computes it.
fn key_of(body: &[u8]) -> DeliveryKey {
    KeyStrategy::default().key(body, None)
}

/// The state of the delivery `body` in the store.
async fn state_of(store: &Arc<dyn DeliveryStore>, body: &[u8]) -> Option<State> {
    store.get(&key_of(body)).await.expect("get").map(|record| record.summary.state)
}

/// Waits until the delivery `body` is in `state` (at most 20 s).
async fn until_state(store: &Arc<dyn DeliveryStore>, body: &[u8], state: State) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let now = state_of(store, body).await;
        if now == Some(state) {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "never {state}: still {now:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

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

/// A failing run is answered `500` and recorded failed, its body kept; StepPay's resend runs the
/// handler again at once, as attempt 2, and after it succeeds the delivery is done and its body
/// dropped.
async fn a_failed_delivery_is_handled_on_resend(backend: Backend) {
    let fixture = Fixture::of(backend).await;
    let probe = Probe::scripted([Act::Fail]);
    let server = serve(fixture.receiver(&probe)).await;
    let client = client();
    let body = delivery(1002);
    let first = post(&client, server.address, &body).await;
    assert_eq!((first.status, first.text.as_str()), (500, "webhook handler failed"));
    let failed = fixture.store.get(&key_of(&body)).await.expect("get").expect("recorded");
    assert_eq!(failed.summary.state, State::Failed);
    assert_eq!(failed.summary.last_outcome, Some(AttemptOutcome::Failed));
    assert_eq!(failed.body.as_deref(), Some(body.as_slice()), "the body is kept, byte for byte");
    assert!(failed.summary.due_at.is_some(), "due again on the schedule");
    let second = post(&client, server.address, &body).await;
    assert_eq!((second.status, second.text.as_str()), (200, "handled"));
    let third = post(&client, server.address, &body).await;
    assert_eq!(third.status, 200);
    assert_eq!(probe.runs(), vec![(1002, 1), (1002, 2)]);
    assert_eq!(probe.successes(1002), 1);
    let done = fixture.store.get(&key_of(&body)).await.expect("get").expect("recorded");
    assert_eq!((done.summary.state, done.body), (State::Done, None), "done drops the body");
}

/// The sender sends once and never again: a run that fails is retried by the receiver's own
/// worker when the schedule says, and handled.
async fn a_failed_delivery_is_retried_without_a_resend(backend: Backend) {
    let fixture = Fixture::of(backend).await;
    let probe = Probe::default().failing_below_attempt(2);
    let receiver = fixture.receiver(&probe).retry_schedule([Duration::from_millis(150)]);
    let server = serve(receiver).await;
    let body = delivery(1015);
    assert_eq!(post(&client(), server.address, &body).await.status, 500);
    probe.handled(1015, 1).await;
    assert_eq!(probe.runs(), vec![(1015, 1), (1015, 2)]);
    until_state(&fixture.store, &body, State::Done).await;
    let reply = post(&client(), server.address, &body).await;
    assert_eq!((reply.status, reply.text.as_str()), (200, "duplicate: handled before"));
}

/// A handler that always fails: the delivery runs once and once per delay of the schedule, then
/// is dead, its body kept, and the dead-letter hook is told once. A resend from StepPay still
/// runs it (and it stays dead, the hook not told again); an operator's retry after the handler
/// is fixed makes it done.
async fn a_delivery_that_always_fails_dies_once_and_keeps_its_body(backend: Backend) {
    let fixture = Fixture::of(backend).await;
    let probe = Probe::default().failing_below_attempt(u32::MAX);
    let letters: Arc<Mutex<Vec<DeadLetter>>> = Arc::default();
    let told = Arc::clone(&letters);
    let receiver = fixture
        .receiver(&probe)
        .retry_schedule([Duration::from_millis(50), Duration::from_millis(50)])
        .on_dead(move |dead| told.lock().expect("lock").push(dead.clone()));
    let server = serve(receiver.clone()).await;
    let body = delivery(1016);
    assert_eq!(post(&client(), server.address, &body).await.status, 500);
    until_state(&fixture.store, &body, State::Dead).await;
    assert_eq!(probe.runs(), vec![(1016, 1), (1016, 2), (1016, 3)]);
    let dead = fixture.store.get(&key_of(&body)).await.expect("get").expect("kept");
    let history: Vec<_> = dead
        .attempts
        .iter()
        .map(|a| (a.attempt, a.outcome, a.started_by, a.note.clone()))
        .collect();
    assert_eq!(
        history,
        vec![
            (1, AttemptOutcome::Failed, StartedBy::Request, None),
            (2, AttemptOutcome::Failed, StartedBy::Worker, None),
            (3, AttemptOutcome::Failed, StartedBy::Worker, None),
        ],
        "each run in the history, and no handler error text (it may quote the payload)"
    );
    assert_eq!(dead.body.as_deref(), Some(body.as_slice()), "a dead delivery keeps its body");
    assert_eq!(dead.summary.due_at, None, "nothing is due: it waits for an operator");
    {
        let letters = letters.lock().expect("lock");
        assert_eq!(letters.len(), 1, "{letters:?}");
        assert_eq!(letters[0].key, key_of(&body));
        assert_eq!(letters[0].event_type.as_deref(), Some("payment.completed"));
        assert_eq!((letters[0].attempts, letters[0].last_outcome), (3, AttemptOutcome::Failed));
    }
    // Nothing more happens on its own.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(probe.runs().len(), 3);
    // StepPay sends it again: it runs, fails, and is dead again; the hook is not told twice.
    assert_eq!(post(&client(), server.address, &body).await.status, 500);
    assert_eq!(probe.runs().len(), 4);
    assert_eq!(state_of(&fixture.store, &body).await, Some(State::Dead));
    assert_eq!(letters.lock().expect("lock").len(), 1);
    // The handler is fixed; an operator retries what is dead.
    probe.recover();
    let dead_ones = Filter::new().state(State::Dead);
    assert_eq!(fixture.store.count(&dead_ones).await.expect("count"), 1);
    assert_eq!(receiver.retry(&dead_ones).await.expect("retry"), 1);
    probe.handled(1016, 1).await;
    until_state(&fixture.store, &body, State::Done).await;
    assert_eq!(letters.lock().expect("lock").len(), 1);
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

/// An instance dies while its handler runs, and StepPay never sends the delivery again. Until
/// the lease expires, a resend would be refused with `503`; after, the worker of another
/// instance runs it, once, as attempt 2. With SQLite and PostgreSQL the instance is a child
/// process killed with SIGKILL; the memory store cannot outlive its process, so there the dead
/// instance's claim is made directly on the store.
async fn a_crashed_run_is_taken_over_by_the_worker(backend: Backend) {
    let fixture = Fixture::of(backend).await;
    let body = delivery(1006);
    let lease = Duration::from_secs(2);
    match fixture.child_arguments() {
        Some(mut arguments) => {
            arguments.extend(["--handler", "hang", "--lease-ms", "2000"].map(String::from));
            let mut child =
                ChildReceiver::start(env!("CARGO_BIN_EXE_child-receiver"), &arguments).await;
            let request = {
                let (client, body, address) = (client(), body.clone(), child.address);
                tokio::spawn(async move { post(&client, address, &body).await })
            };
            child.wait_for("handling 1006 1").await;
            child.kill().await;
            assert!(request.await.is_err(), "the request died with its server");
        }
        None => {
            let key = key_of(&body);
            let arrival = Arrival::new(&key, Some("payment.completed"), &body);
            let claim = fixture.store.claim(&arrival, lease).await;
            assert!(matches!(claim, Ok(Claim::Acquired(_))), "{claim:?}");
        }
    }
    let probe = Probe::default();
    let server = serve(fixture.receiver(&probe).lease(lease)).await;
    let refused = post(&client(), server.address, &body).await;
    assert_eq!(refused.status, 503, "{refused:?}");
    assert!(refused.retry_after.is_some_and(|s| (1..=2).contains(&s)), "{refused:?}");
    // No resend: the worker takes the run over once the lease has expired.
    probe.handled(1006, 1).await;
    assert_eq!(probe.runs(), vec![(1006, 2)]);
    until_state(&fixture.store, &body, State::Done).await;
    let record = fixture.store.get(&key_of(&body)).await.expect("get").expect("kept");
    assert_eq!(record.summary.attempts, 2);
    let reply = post(&client(), server.address, &body).await;
    assert_eq!((reply.status, reply.text.as_str()), (200, "duplicate: handled before"));
}

/// A handler that runs longer than its lease keeps it, because the receiver renews it: a retry
/// meanwhile waits (`503`) instead of running the handler a second time, and so does the worker.
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
/// records older than the retention and nothing else: never one in progress, failed, dead or
/// quarantined, whose bodies all stay; and it disturbs no claim.
async fn cleanup_runs_concurrently_with_claims(backend: Backend) {
    let retention = Duration::from_millis(500);
    let fixture = Fixture::with_retention(backend, retention).await;
    let store = &fixture.store;
    let lease = Duration::from_secs(60);
    for i in 0..20 {
        let old = claim(store, &format!("cleanup:old:{i}"), lease).await;
        store.complete(&old, &run(&old, AttemptOutcome::Handled)).await.expect("complete");
    }
    // One in progress, one quarantined, one failed, one dead: cleanup keeps all four, and their
    // bodies, however old.
    let busy = claim(store, "cleanup:busy", lease).await;
    let kept = claim(store, "cleanup:kept", lease).await;
    store.quarantine(&kept, "test", &run(&kept, AttemptOutcome::Unreadable)).await.expect("kept");
    let failed = claim(store, "cleanup:failed", lease).await;
    let hour = Some(Duration::from_secs(3600));
    assert_eq!(
        store.fail(&failed, &run(&failed, AttemptOutcome::Failed), hour).await.expect("fail"),
        Failed::WillRetry
    );
    let dead = claim(store, "cleanup:dead", lease).await;
    let died = store.fail(&dead, &run(&dead, AttemptOutcome::Panicked), None).await.expect("fail");
    assert_eq!(died, Failed::Dead { first: true });
    tokio::time::sleep(retention + Duration::from_millis(200)).await;
    let cleaner = {
        let store = Arc::clone(store);
        tokio::spawn(async move {
            let mut deleted = 0;
            for _ in 0..30 {
                deleted += store.cleanup().await.expect("cleanup").deleted;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            deleted
        })
    };
    futures_join_all((0..40).map(|i| {
        let store = Arc::clone(store);
        async move {
            let lease = claim(&store, &format!("cleanup:new:{i}"), lease).await;
            store.complete(&lease, &run(&lease, AttemptOutcome::Handled)).await.expect("complete");
        }
    }))
    .await;
    let deleted = cleaner.await.expect("cleaner");
    assert!(deleted >= 20, "the 20 old done records are deleted: {deleted}");
    for i in 0..20 {
        // Forgotten: a new delivery of it would be claimed afresh.
        let claimed = claim_result(store, &format!("cleanup:old:{i}"), lease).await;
        assert!(matches!(&claimed, Ok(Claim::Acquired(l)) if l.attempt == 1), "{claimed:?}");
    }
    for i in 0..40 {
        // Done, or (if the machine was slow enough for it to age past the retention) forgotten.
        let claimed = claim_result(store, &format!("cleanup:new:{i}"), lease).await;
        assert!(
            matches!(&claimed, Ok(Claim::Done) | Ok(Claim::Acquired(Lease { attempt: 1, .. }))),
            "{claimed:?}"
        );
    }
    for (key, state) in [
        ("cleanup:busy", State::Processing),
        ("cleanup:kept", State::Quarantined),
        ("cleanup:failed", State::Failed),
        ("cleanup:dead", State::Dead),
    ] {
        let record = store.get(&DeliveryKey::new(key)).await.expect("get").expect("kept");
        assert_eq!(record.summary.state, state, "{key}");
        assert_eq!(record.body.as_deref(), Some(body_of(key).as_slice()), "{key} keeps its body");
    }
    let done = run(&busy, AttemptOutcome::Handled);
    store.complete(&busy, &done).await.expect("the busy run still holds its lease");
}

/// A verified delivery the catalogue cannot read is kept, answered `200`, and not handled; a
/// retry of it is answered `200` too. Once a receiver can read it, a replay handles it once.
async fn unreadable_deliveries_are_quarantined_and_replayed(backend: Backend) {
    let fixture = Fixture::of(backend).await;
    let probe = Probe::default();
    let old = fixture.receiver(&probe);
    let server = serve(old.clone()).await;
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
    let quarantined = Filter::new().state(State::Quarantined);
    let kept = fixture.store.list(&quarantined, &Page::first(10)).await.expect("list");
    assert_eq!(kept.len(), 3);
    assert!(
        kept.iter().all(|k| k.reason.as_deref().is_some_and(|r| !r.contains("17900 KRW"))),
        "a reason, and no payload value in it: {kept:?}"
    );
    // No worker of the old version may take them: it shuts down first.
    old.shutdown(Duration::from_secs(1)).await;
    drop(server);
    // The same catalogue still cannot read them: they stay, with their reasons.
    let same = fixture.receiver(&probe);
    assert_eq!(same.replay(&quarantined).await.expect("replay"), 3);
    let report = same.work_once().await.expect("work");
    assert_eq!((report.claimed, report.handled, report.unreadable), (3, 0, 3), "{report:?}");
    // A receiver that reads v2 (the "fix"): the v2 delivery is handled, once, as attempt 3.
    let fixed = fixture.receiver(&probe).versions(["v1", "v2"]);
    assert_eq!(fixed.replay(&quarantined).await.expect("replay"), 3);
    let report = fixed.work_once().await.expect("work");
    assert_eq!((report.handled, report.unreadable), (1, 2), "{report:?}");
    assert_eq!(probe.runs(), vec![(1008, 3)]);
    assert_eq!(
        fixed.replay(&quarantined.clone().key(key_of(&next_version))).await.expect("replay"),
        0
    );
    let server = serve(fixed).await;
    let reply = post(&client, server.address, &next_version).await;
    assert_eq!((reply.status, reply.text.as_str()), (200, "duplicate: handled before"));
    assert_eq!(probe.successes(1008), 1);
    assert_eq!(fixture.store.count(&quarantined).await.expect("count"), 2);
}

/// A replayed delivery whose handler fails is failed like any other: the worker retries it on
/// the schedule, body and all, and it is handled. (The run that quarantined it was its first
/// attempt; the replay is its second, so a schedule of two delays leaves it one more.)
async fn a_failed_replay_is_retried_on_the_schedule(backend: Backend) {
    let fixture = Fixture::of(backend).await;
    let body = next_version_delivery(1009);
    {
        // The version that cannot read it, and its worker, are gone before the replay.
        let old = fixture.receiver(&Probe::default());
        let server = serve(old.clone()).await;
        assert_eq!(post(&client(), server.address, &body).await.status, 200);
        old.shutdown(Duration::from_secs(1)).await;
    }
    let probe = Probe::scripted([Act::Fail]);
    let fixed = fixture
        .receiver(&probe)
        .versions(["v1", "v2"])
        .retry_schedule([Duration::from_millis(100), Duration::from_millis(100)]);
    assert_eq!(fixed.replay(&Filter::new().state(State::Quarantined)).await.expect("replay"), 1);
    let report = fixed.work_once().await.expect("work");
    assert_eq!((report.handled, report.failed), (0, 1), "{report:?}");
    assert_eq!(state_of(&fixture.store, &body).await, Some(State::Failed));
    fixed.start_worker();
    probe.handled(1009, 1).await;
    assert_eq!(probe.runs(), vec![(1009, 2), (1009, 3)]);
    until_state(&fixture.store, &body, State::Done).await;
}

/// A hook that says `Retry` gets `500`, and the delivery is failed, its body kept for the
/// worker's retries; one that says `Handled` gets `200` and the key is done.
async fn the_unreadable_hook_decides(backend: Backend) {
    let fixture = Fixture::of(backend).await;
    let client = client();
    let retry = Probe::default().on_unreadable(UnreadableAction::Retry);
    let server = serve(fixture.receiver(&retry)).await;
    let body = unreadable_delivery(1010);
    assert_eq!(post(&client, server.address, &body).await.status, 500);
    assert_eq!(post(&client, server.address, &body).await.status, 500);
    assert_eq!(retry.unreadable().len(), 2);
    let failed = fixture.store.get(&key_of(&body)).await.expect("get").expect("kept");
    assert_eq!(failed.summary.state, State::Failed);
    assert_eq!(failed.summary.last_outcome, Some(AttemptOutcome::Unreadable));
    assert_eq!(failed.body.as_deref(), Some(body.as_slice()));
    drop(server);
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

/// A run whose lease expired and was taken over cannot record its outcome, nor give its lease
/// back, and the attempt numbers fence the two runs apart.
async fn a_lost_lease_cannot_record(backend: Backend) {
    let fixture = Fixture::of(backend).await;
    let store = &fixture.store;
    let first = claim(store, "lease:lost", Duration::from_secs(1)).await;
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let second = claim(store, "lease:lost", Duration::from_secs(60)).await;
    assert_eq!((first.attempt, second.attempt), (1, 2));
    let lost = run(&first, AttemptOutcome::Handled);
    for result in [
        store.renew(&first).await,
        store.complete(&first, &lost).await,
        store.fail(&first, &lost, None).await.map(|_| ()),
        store.quarantine(&first, "x", &lost).await,
        store.release(&first).await,
    ] {
        assert!(matches!(result, Err(StoreError::LeaseLost { attempt: 1, .. })), "{result:?}");
    }
    // The lost run enters the history as such, without touching the delivery.
    let mut lost = lost;
    lost.outcome = AttemptOutcome::LeaseLost;
    store.record_attempt(&first.key, &lost).await.expect("history");
    store.renew(&second).await.expect("the newer run holds the lease");
    let handled = run(&second, AttemptOutcome::Handled).note(Some("the ledger was slow".into()));
    store.complete(&second, &handled).await.expect("and records its outcome");
    assert_eq!(
        claim_result(store, "lease:lost", Duration::from_secs(1)).await.expect("claim"),
        Claim::Done
    );
    let record = store.get(&second.key).await.expect("get").expect("kept");
    assert_eq!(record.summary.last_outcome, Some(AttemptOutcome::Handled));
    let history: Vec<_> =
        record.attempts.iter().map(|a| (a.attempt, a.outcome, a.note.clone())).collect();
    assert_eq!(
        history,
        vec![
            (1, AttemptOutcome::LeaseLost, None),
            (2, AttemptOutcome::Handled, Some("the ledger was slow".to_owned())),
        ]
    );
    assert_eq!(record.attempts[1].duration, Duration::from_millis(1234), "kept to the millisecond");
}

/// Accept-first: the delivery is answered `200` before the handler runs, and handled after; a
/// resend meanwhile waits (`503`), and once it is handled a resend is a duplicate.
async fn accept_first_answers_before_the_handler_runs(backend: Backend) {
    let fixture = Fixture::of(backend).await;
    let probe = Probe::scripted([Act::Block]);
    let server = serve(fixture.receiver(&probe).accept_first()).await;
    let body = delivery(1017);
    let reply = post(&client(), server.address, &body).await;
    assert_eq!((reply.status, reply.text.as_str()), (200, "accepted: kept, to be handled"));
    probe.started(1).await;
    assert_eq!(probe.successes(1017), 0, "answered while the handler still runs");
    let record = fixture.store.get(&key_of(&body)).await.expect("get").expect("kept");
    assert_eq!(record.summary.state, State::Processing);
    assert_eq!(record.body.as_deref(), Some(body.as_slice()), "kept before the answer");
    assert_eq!(post(&client(), server.address, &body).await.status, 503);
    probe.open_gate(1);
    probe.handled(1017, 1).await;
    until_state(&fixture.store, &body, State::Done).await;
    let reply = post(&client(), server.address, &body).await;
    assert_eq!((reply.status, reply.text.as_str()), (200, "duplicate: handled before"));
    assert_eq!(probe.runs(), vec![(1017, 1)]);
}

/// Accept-first: a run that fails after the `200` is retried by the worker, StepPay never asked.
async fn accept_first_failures_are_retried_by_the_worker(backend: Backend) {
    let fixture = Fixture::of(backend).await;
    let probe = Probe::default().failing_below_attempt(2);
    let receiver =
        fixture.receiver(&probe).accept_first().retry_schedule([Duration::from_millis(100)]);
    let server = serve(receiver).await;
    let body = delivery(1018);
    assert_eq!(post(&client(), server.address, &body).await.status, 200);
    probe.handled(1018, 1).await;
    assert_eq!(probe.runs(), vec![(1018, 1), (1018, 2)]);
}

/// StepPay sends a delivery again while the worker is retrying it: the resend waits (`503`),
/// and the delivery is handled once.
async fn a_resend_during_a_local_retry_runs_nothing_twice(backend: Backend) {
    let fixture = Fixture::of(backend).await;
    let probe = Probe::scripted([Act::Fail, Act::Block]);
    let receiver = fixture.receiver(&probe).retry_schedule([Duration::from_millis(50)]);
    let server = serve(receiver).await;
    let body = delivery(1019);
    assert_eq!(post(&client(), server.address, &body).await.status, 500);
    probe.started(2).await; // the worker's retry, blocked
    let resend = post(&client(), server.address, &body).await;
    assert_eq!(resend.status, 503, "{resend:?}");
    probe.open_gate(1);
    probe.handled(1019, 1).await;
    let resend = post_until_settled(&client(), server.address, &body, 50).await;
    assert_eq!((resend.status, resend.text.as_str()), (200, "duplicate: handled before"));
    assert_eq!(probe.runs(), vec![(1019, 1), (1019, 2)]);
    assert_eq!(probe.successes(1019), 1);
}

/// Two receivers (two instances) on one store get 100 deliveries, each sent once to one of
/// them, with a handler that fails every first run: the workers retry them, and each is handled
/// exactly once.
async fn two_instances_retry_100_deliveries_exactly_once(backend: Backend) {
    let fixture = Fixture::of(backend).await;
    let probe = Probe::default().failing_below_attempt(2);
    let schedule = [Duration::from_millis(100)];
    let first = serve(fixture.receiver(&probe).retry_schedule(schedule)).await;
    let other = steppay_webhooks::receive::Receiver::new(
        steppay_webhooks_reliability::verifier(),
        probe.clone(),
    )
    .store(fixture.reopen().await)
    .poll_every(steppay_webhooks_reliability::POLL)
    .retry_schedule(schedule);
    let second = serve(other).await;
    let client = client();
    let ids: Vec<i64> = (6001..6101).collect();
    let replies = futures_join_all(ids.iter().map(|&id| {
        let client = client.clone();
        let address = if id % 2 == 0 { first.address } else { second.address };
        async move { post(&client, address, &delivery(id)).await.status }
    }))
    .await;
    assert!(replies.iter().all(|status| *status == 500), "every first run fails: {replies:?}");
    for &id in &ids {
        probe.handled(id, 1).await;
    }
    // Give any second run time to show itself.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let successes = probe.all_successes();
    assert_eq!(successes, ids.iter().map(|&id| (id, 1)).collect(), "each exactly once");
    assert_eq!(probe.runs().len(), 200, "two runs each: the failure and the retry");
}

/// What an operator sees and does: counts per state, lists by filter a page at a time, one
/// delivery in detail, and retry, replay and discard by filter, each after a count.
async fn operators_list_retry_and_discard_by_filter(backend: Backend) {
    let fixture = Fixture::of(backend).await;
    let probe = Probe::scripted([Act::Fail, Act::Fail]);
    let receiver = fixture.receiver(&probe).retry_schedule([Duration::from_secs(3600)]);
    let server = serve(receiver.clone()).await;
    let client = client();
    assert_eq!(post(&client, server.address, &delivery(7001)).await.status, 500); // failed
    assert_eq!(post(&client, server.address, &delivery(7002)).await.status, 500); // failed
    assert_eq!(post(&client, server.address, &delivery(7003)).await.status, 200); // done
    assert_eq!(post(&client, server.address, &delivery(7004)).await.status, 200); // done
    assert_eq!(post(&client, server.address, &unreadable_delivery(7005)).await.status, 200);
    let counts = fixture.store.counts().await.expect("counts");
    assert_eq!(
        (counts.get(State::Failed), counts.get(State::Done), counts.get(State::Quarantined)),
        (2, 2, 1),
        "{counts:?}"
    );
    assert_eq!(counts.oldest_due, None, "nothing is due for an hour");
    // Newest first, two at a time, by keyset.
    let everything = Filter::new();
    let first_page = fixture.store.list(&everything, &Page::first(2)).await.expect("list");
    let cursor = first_page.last().expect("a page").cursor();
    let second_page = fixture.store.list(&everything, &Page::after(2, cursor)).await.expect("list");
    let cursor = second_page.last().expect("a page").cursor();
    let third_page = fixture.store.list(&everything, &Page::after(2, cursor)).await.expect("list");
    let listed: Vec<DeliveryKey> =
        [first_page, second_page, third_page].concat().into_iter().map(|s| s.key).collect();
    assert_eq!(listed.len(), 5, "every delivery once: {listed:?}");
    let mut sorted = listed.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 5);
    // Filters.
    let failed = Filter::new().state(State::Failed).event_type("payment.completed");
    assert_eq!(fixture.store.count(&failed).await.expect("count"), 2);
    assert_eq!(
        fixture.store.count(&Filter::new().event_type("order.created")).await.expect("count"),
        0
    );
    assert_eq!(fixture.store.count(&Filter::new().min_attempts(2)).await.expect("count"), 0);
    // The bodies kept: the failed and the quarantined ones; a done one's went when it was done.
    assert_eq!(fixture.store.count(&Filter::new().has_body(true)).await.expect("count"), 3);
    assert_eq!(fixture.store.count(&Filter::new().has_body(false)).await.expect("count"), 2);
    let done_with_body = Filter::new().state(State::Done).has_body(true);
    assert_eq!(fixture.store.count(&done_with_body).await.expect("count"), 0);
    // A key cut short, as `deliveries list` prints it, finds its delivery; the text is a plain
    // prefix, not a pattern.
    let whole = key_of(&delivery(7002));
    let cut = Filter::new().key_prefix(whole.as_str().get(..10).expect("a hex key"));
    let found = fixture.store.list(&cut, &Page::first(10)).await.expect("list");
    assert_eq!(found.iter().map(|s| &s.key).collect::<Vec<_>>(), [&whole]);
    assert_eq!(fixture.store.count(&Filter::new().key_prefix("")).await.expect("count"), 5);
    assert_eq!(fixture.store.count(&Filter::new().key_prefix("%")).await.expect("count"), 0);
    let future = std::time::SystemTime::now() + Duration::from_secs(60);
    assert_eq!(fixture.store.count(&Filter::new().received_since(future)).await.expect("count"), 0);
    assert_eq!(
        fixture.store.count(&Filter::new().received_before(future)).await.expect("count"),
        5
    );
    // The subject the receiver read from each delivery at claim time finds it: "did the webhook
    // for payment 7002 arrive?" An unreadable delivery has none.
    let about_7002 = Filter::new().subject("payment:7002");
    let listed = fixture.store.list(&about_7002, &Page::first(10)).await.expect("list");
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].key, key_of(&delivery(7002)));
    assert_eq!(listed[0].subject.as_deref(), Some("payment:7002"));
    let unreadable = fixture.store.get(&key_of(&unreadable_delivery(7005))).await.expect("get");
    assert_eq!(unreadable.expect("kept").summary.subject, None);
    // One in detail.
    let detail = fixture.store.get(&key_of(&delivery(7001))).await.expect("get").expect("kept");
    assert_eq!(
        (detail.summary.state, detail.summary.attempts, detail.summary.last_outcome),
        (State::Failed, 1, Some(AttemptOutcome::Failed))
    );
    assert!(fixture.store.get(&DeliveryKey::new("no-such-key")).await.expect("get").is_none());
    // Discard one failed delivery, with a reason: a resend of it is not run.
    let one = Filter::new().key(key_of(&delivery(7001)));
    assert_eq!(receiver.discard(&one, "refunded by hand").await.expect("discard"), 1);
    let discarded = fixture.store.get(&key_of(&delivery(7001))).await.expect("get").expect("kept");
    assert_eq!(
        (discarded.summary.state, discarded.summary.reason.as_deref(), discarded.body),
        (State::Discarded, Some("refunded by hand"), None)
    );
    let reply = post(&client, server.address, &delivery(7001)).await;
    assert_eq!((reply.status, reply.text.as_str()), (200, "discarded by an operator"));
    // Retry what failed: the worker runs it at once rather than in an hour.
    let failed = Filter::new().state(State::Failed);
    assert_eq!(fixture.store.count(&failed).await.expect("count"), 1);
    assert_eq!(receiver.retry(&failed).await.expect("retry"), 1);
    probe.handled(7002, 1).await;
    // A done delivery has no body to replay (the store keeps none by default).
    assert_eq!(receiver.replay(&Filter::new().state(State::Done)).await.expect("replay"), 0);
    assert_eq!(probe.runs().iter().filter(|(id, _)| *id == 7001).count(), 1);
}

/// With done bodies kept for a while, a done delivery can be replayed (after a handler's bug is
/// fixed) and runs again; cleanup drops those bodies once their time is up.
async fn done_bodies_are_kept_when_asked_and_replayed(backend: Backend) {
    let fixture = Fixture::keeping_done_bodies(backend, Duration::from_millis(700)).await;
    let probe = Probe::default();
    let receiver = fixture.receiver(&probe);
    let server = serve(receiver.clone()).await;
    let body = delivery(1020);
    assert_eq!(post(&client(), server.address, &body).await.text, "handled");
    let done = fixture.store.get(&key_of(&body)).await.expect("get").expect("kept");
    assert_eq!((done.summary.state, done.body.as_deref()), (State::Done, Some(body.as_slice())));
    assert_eq!(receiver.replay(&Filter::new().key(key_of(&body))).await.expect("replay"), 1);
    probe.handled(1020, 2).await;
    assert_eq!(probe.runs(), vec![(1020, 1), (1020, 2)]);
    until_state(&fixture.store, &body, State::Done).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let maintained = receiver.maintain().await.expect("maintain");
    assert_eq!(maintained.bodies_dropped, 1, "{maintained:?}");
    let done = fixture.store.get(&key_of(&body)).await.expect("get").expect("kept");
    assert_eq!((done.summary.state, done.body), (State::Done, None));
    assert_eq!(receiver.replay(&Filter::new().key(key_of(&body))).await.expect("replay"), 0);
}

/// A graceful shutdown lets a quick run finish; a run still going when the grace is over is
/// stopped and gives its lease back, so that another instance's worker takes it at once, not
/// when the (30 s) lease would have run out. Meanwhile the receiver takes no new delivery.
async fn a_graceful_shutdown_finishes_or_gives_back_its_runs(backend: Backend) {
    let fixture = Fixture::of(backend).await;
    // The first run blocks; the second takes a little while, less than the grace.
    let probe = Probe::scripted([Act::Block, Act::Sleep(Duration::from_millis(200))]);
    let receiver = fixture.receiver(&probe);
    let server = serve(receiver.clone()).await;
    let slow = {
        let (client, address) = (client(), server.address);
        tokio::spawn(async move { post(&client, address, &delivery(1021)).await })
    };
    probe.started(1).await;
    let quick = {
        let (client, address) = (client(), server.address);
        tokio::spawn(async move { post(&client, address, &delivery(1022)).await })
    };
    probe.started(2).await;
    let report = receiver.shutdown(Duration::from_millis(600)).await;
    assert_eq!((report.in_flight, report.released), (2, 1), "{report:?}");
    assert_eq!(quick.await.expect("quick").text, "handled", "the quick run finished");
    let slow = slow.await.expect("slow");
    assert_eq!((slow.status, slow.text.as_str()), (503, "receiver shutting down; retry later"));
    let refused = post(&client(), server.address, &delivery(1023)).await;
    assert_eq!(refused.status, 503, "no new delivery after a shutdown: {refused:?}");
    // Another instance takes the stopped run at once: its lease was given back.
    let other = Probe::default();
    let started = std::time::Instant::now();
    let _server = serve(fixture.receiver(&other)).await;
    other.handled(1021, 1).await;
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    assert_eq!(other.runs(), vec![(1021, 2)]);
    assert_eq!(probe.successes(1021), 0, "the stopped run never finished");
}

/// What the history and the operator's questions record beyond the state: the note a handler
/// marked safe to show, the subject a delivery is about, and the deliveries of each hour.
async fn history_subjects_and_hours_are_recorded(backend: Backend) {
    let fixture = Fixture::of(backend).await;
    let probe = Probe::scripted([Act::FailNoted("the ledger database timed out")]);
    let server = serve(fixture.receiver(&probe)).await;
    let body = delivery(1024);
    assert_eq!(post(&client(), server.address, &body).await.status, 500);
    let record = fixture.store.get(&key_of(&body)).await.expect("get").expect("kept");
    let run = &record.attempts[0];
    assert_eq!((run.attempt, run.outcome), (1, AttemptOutcome::Failed));
    assert_eq!(run.note.as_deref(), Some("the ledger database timed out"));
    assert!(run.duration < Duration::from_secs(5), "{run:?}");
    // A subject recorded at claim time finds its deliveries, newest first.
    let store = &fixture.store;
    for (key, subject) in [("s:1", "payment:42"), ("s:2", "payment:43"), ("s:3", "payment:42")] {
        let key = DeliveryKey::new(key);
        let body = body_of(key.as_str());
        let arrival = Arrival::new(&key, Some("payment.completed"), &body).subject(Some(subject));
        let claimed = store.claim(&arrival, Duration::from_secs(60)).await;
        assert!(matches!(claimed, Ok(Claim::Acquired(_))), "{claimed:?}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let about_42 = Filter::new().subject("payment:42");
    let listed = store.list(&about_42, &Page::first(10)).await.expect("list");
    let keys: Vec<&str> = listed.iter().map(|s| s.key.as_str()).collect();
    assert_eq!(keys, ["s:3", "s:1"]);
    assert!(listed.iter().all(|s| s.subject.as_deref() == Some("payment:42")));
    assert_eq!(store.count(&about_42.state(State::Processing)).await.expect("count"), 2);
    // This hour holds them all: one failed, three processing.
    let hour_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
    let hours = store.per_hour(hour_ago).await.expect("per hour");
    let total: u64 = hours.iter().map(|h| h.count).sum();
    assert_eq!(total, 4, "{hours:?}");
    let count_of = |state| hours.iter().filter(|h| h.state == state).map(|h| h.count).sum::<u64>();
    assert_eq!((count_of(State::Failed), count_of(State::Processing)), (1, 3), "{hours:?}");
    assert!(hours.iter().all(|h| {
        let secs = h.hour.duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_secs();
        secs % 3600 == 0
    }));
    let future = std::time::SystemTime::now() + Duration::from_secs(3600);
    assert!(store.per_hour(future).await.expect("per hour").is_empty());
}

/// Claims `key` (with a body of its own) and expects to get it.
async fn claim(store: &Arc<dyn DeliveryStore>, key: &str, lease: Duration) -> Lease {
    match claim_result(store, key, lease).await {
        Ok(Claim::Acquired(lease)) => lease,
        other => panic!("claim of {key}: {other:?}"),
    }
}

async fn claim_result(
    store: &Arc<dyn DeliveryStore>,
    key: &str,
    lease: Duration,
) -> Result<Claim, StoreError> {
    let body = body_of(key);
    let key = DeliveryKey::new(key);
    store.claim(&Arrival::new(&key, None, &body), lease).await
}

/// The history's record of a run under `lease` that ended in `outcome` (it took 1.234 s).
fn run(lease: &Lease, outcome: AttemptOutcome) -> AttemptRecord {
    let started = std::time::SystemTime::now();
    AttemptRecord::new(
        lease.attempt,
        started,
        Duration::from_millis(1234),
        outcome,
        StartedBy::Worker,
    )
}

/// The body a store-level test keeps under `key`.
fn body_of(key: &str) -> Vec<u8> {
    format!("{{\"key\":\"{key}\"}}").into_bytes()
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
    a_failed_delivery_is_handled_on_resend,
    a_failed_delivery_is_retried_without_a_resend,
    a_delivery_that_always_fails_dies_once_and_keeps_its_body,
    a_panicking_handler_gets_500_and_its_retry_is_handled,
    a_disconnect_mid_handler_still_leaves_the_delivery_done,
    a_crashed_run_is_taken_over_by_the_worker,
    cleanup_runs_concurrently_with_claims,
    unreadable_deliveries_are_quarantined_and_replayed,
    a_failed_replay_is_retried_on_the_schedule,
    the_unreadable_hook_decides,
    a_lost_lease_cannot_record,
    a_slow_handler_keeps_its_lease,
    a_restamped_retry_is_a_duplicate,
    the_tolerance_follows_the_store,
    accept_first_answers_before_the_handler_runs,
    accept_first_failures_are_retried_by_the_worker,
    a_resend_during_a_local_retry_runs_nothing_twice,
    two_instances_retry_100_deliveries_exactly_once,
    operators_list_retry_and_discard_by_filter,
    done_bodies_are_kept_when_asked_and_replayed,
    a_graceful_shutdown_finishes_or_gives_back_its_runs,
    history_subjects_and_hours_are_recorded,
);
