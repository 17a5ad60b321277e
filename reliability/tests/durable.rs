//! What only the durable stores promise: records survive a restart and a SIGKILL (SQLite and
//! PostgreSQL), any number of instances and processes share one store, a PostgreSQL that goes
//! away makes the receiver fail closed, and a table the previous release made is upgraded with
//! every record.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use steppay_webhooks::key::DeliveryKey;
use steppay_webhooks::receive::Receiver;
use steppay_webhooks::store::{
    Arrival, AttemptOutcome, AttemptRecord, Claim, DeliveryStore, Filter, PostgresStore,
    SqliteStore, StartedBy, State,
};
use steppay_webhooks_reliability::{
    Backend, ChildReceiver, Fixture, Probe, client, delivery, post, post_until_settled,
    postgres_url, serve, verifier,
};

/// A delivery handled before a restart is a duplicate after it: the done record is in the
/// file or the database, not in the process.
async fn done_records_survive_a_restart(backend: Backend) {
    let fixture = Fixture::of(backend).await;
    let client = client();
    let body = delivery(2001);
    let before = Probe::default();
    {
        let server = serve(fixture.receiver(&before)).await;
        assert_eq!(post(&client, server.address, &body).await.text, "handled");
    }
    // A new store over the same file or table, as a restarted process opens it.
    let store = fixture.reopen().await;
    let after = Probe::default();
    let server = serve(Receiver::new(verifier(), after.clone()).store(store)).await;
    let reply = post(&client, server.address, &body).await;
    assert_eq!((reply.status, reply.text.as_str()), (200, "duplicate: handled before"));
    assert_eq!((before.runs().len(), after.runs().len()), (1, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_done_records_survive_a_restart() {
    done_records_survive_a_restart(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_done_records_survive_a_restart() {
    if postgres_url().is_some() {
        done_records_survive_a_restart(Backend::Postgres).await;
    }
}

/// Two receiver servers on one PostgreSQL database get a burst of the same deliveries, spread
/// over both: each delivery's handler runs once in all.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_two_servers_share_one_database() {
    if postgres_url().is_none() {
        return;
    }
    let fixture = Fixture::of(Backend::Postgres).await;
    let probe = Probe::default().with_delay(Duration::from_millis(200));
    let first = serve(fixture.receiver(&probe)).await;
    let second =
        serve(Receiver::new(verifier(), probe.clone()).store(fixture.reopen().await)).await;
    let client = client();
    let mut requests = Vec::new();
    for copy in 0..20 {
        for id in 3001..3006 {
            let address = if copy % 2 == 0 { first.address } else { second.address };
            let client = client.clone();
            requests.push(tokio::spawn(async move {
                post_until_settled(&client, address, &delivery(id), 100).await
            }));
        }
    }
    for request in requests {
        let reply = request.await.expect("request");
        assert_eq!(reply.status, 200, "{reply:?}");
    }
    let successes = probe.all_successes();
    assert_eq!(successes, (3001..3006).map(|id| (id, 1)).collect(), "{:?}", probe.runs());
    assert_eq!(probe.runs().len(), 5, "{:?}", probe.runs());
}

/// PostgreSQL becomes unreachable (the connection to it is cut): the receiver answers `503`
/// with `Retry-After` and does not call the handler; once it is back, the delivery is handled.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_unreachable_fails_closed() {
    let Some(url) = postgres_url() else { return };
    // Create the table through the real server, then reach it only through a proxy.
    let fixture = Fixture::of(Backend::Postgres).await;
    let table = fixture_table(&fixture);
    let (host, port) = postgres_address(&url);
    let proxy = Proxy::start(format!("{host}:{port}")).await;
    let proxied =
        format!("{} host=127.0.0.1 port={}", strip_host_and_port(&url), proxy.address.port());
    let store = PostgresStore::connect_with_table(&proxied, &table)
        .await
        .expect("through the proxy")
        .timeout(Duration::from_secs(2));
    let probe = Probe::default();
    let server = serve(Receiver::new(verifier(), probe.clone()).store(store)).await;
    let client = client();
    assert_eq!(post(&client, server.address, &delivery(4001)).await.status, 200);

    proxy.cut();
    let body = delivery(4002);
    let reply = post(&client, server.address, &body).await;
    assert_eq!(reply.status, 503, "{reply:?}");
    assert!(reply.retry_after.is_some(), "{reply:?}");
    assert_eq!(reply.text, "delivery store unavailable; retry later");
    assert_eq!(probe.runs(), vec![(4001, 1)], "the handler was not called");

    proxy.restore();
    let reply = post_until_settled(&client, server.address, &body, 20).await;
    assert_eq!((reply.status, reply.text.as_str()), (200, "handled"));
    assert_eq!(probe.runs(), vec![(4001, 1), (4002, 1)]);
}

/// A receiver whose PostgreSQL does not exist at all cannot even start: connecting is an error,
/// not a receiver that accepts deliveries it cannot record.
#[tokio::test]
async fn a_store_that_cannot_connect_is_an_error() {
    let started = std::time::Instant::now();
    let error =
        PostgresStore::connect("host=127.0.0.1 port=1 user=nobody dbname=none connect_timeout=2")
            .await
            .expect_err("nothing listens on port 1");
    assert!(error.to_string().starts_with("the delivery store is unavailable"), "{error}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

fn fixture_table(fixture: &Fixture) -> String {
    match fixture.child_arguments().as_deref() {
        Some([_, _, table]) => table.clone(),
        other => panic!("a PostgreSQL fixture names its table: {other:?}"),
    }
}

/// The host and port of a libpq-style connection string (defaults 127.0.0.1 and 5432).
fn postgres_address(url: &str) -> (String, u16) {
    let config: tokio_postgres::Config = url.parse().expect("connection string");
    let host = match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(host)) => host.clone(),
        _ => "127.0.0.1".to_owned(),
    };
    (host, config.get_ports().first().copied().unwrap_or(5432))
}

/// The connection string without its `host=` and `port=` entries.
fn strip_host_and_port(url: &str) -> String {
    assert!(!url.contains("://"), "use the key=value form of the connection string in tests");
    url.split_whitespace()
        .filter(|part| !part.starts_with("host=") && !part.starts_with("port="))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A TCP proxy on loopback that can cut every connection through it, and refuse new ones, as a
/// database that went away would.
struct Proxy {
    address: SocketAddr,
    open: Arc<AtomicBool>,
    cut: Arc<tokio::sync::watch::Sender<u64>>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    async fn start(target: String) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let open = Arc::new(AtomicBool::new(true));
        let (cut, _) = tokio::sync::watch::channel(0u64);
        let cut = Arc::new(cut);
        let task = {
            let (open, cut) = (Arc::clone(&open), Arc::clone(&cut));
            tokio::spawn(async move {
                loop {
                    let Ok((mut inbound, _)) = listener.accept().await else { return };
                    if !open.load(Ordering::SeqCst) {
                        continue; // dropped: refused
                    }
                    let target = target.clone();
                    let mut cuts = cut.subscribe();
                    tokio::spawn(async move {
                        let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await else {
                            return;
                        };
                        tokio::select! {
                            _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                            _ = cuts.changed() => {}
                        }
                    });
                }
            })
        };
        Self { address, open, cut, task }
    }

    fn cut(&self) {
        self.open.store(false, Ordering::SeqCst);
        self.cut.send_modify(|generation| *generation += 1);
    }

    fn restore(&self) {
        self.open.store(true, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Two receiver processes on one store (an SQLite file, or a PostgreSQL table) get 100
/// deliveries, each sent once to one of them and never again, with a handler that fails every
/// delivery's first run: their workers retry them, and each is handled exactly once in all.
async fn two_processes_retry_100_deliveries_exactly_once(backend: Backend) {
    let fixture = Fixture::of(backend).await;
    let mut arguments = fixture.child_arguments().expect("a durable store");
    arguments.extend(["--handler", "fail-first", "--schedule-ms", "100"].map(String::from));
    let mut children = [
        ChildReceiver::start(env!("CARGO_BIN_EXE_child-receiver"), &arguments).await,
        ChildReceiver::start(env!("CARGO_BIN_EXE_child-receiver"), &arguments).await,
    ];
    let client = client();
    let ids: Vec<i64> = (8001..8101).collect();
    let requests: Vec<_> = ids
        .iter()
        .map(|&id| {
            let (client, address) = (client.clone(), children[(id % 2) as usize].address);
            tokio::spawn(async move { post(&client, address, &delivery(id)).await.status })
        })
        .collect();
    for request in requests {
        assert_eq!(request.await.expect("request"), 500, "every first run fails");
    }
    let mut handled: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while handled.len() < ids.len() {
        assert!(std::time::Instant::now() < deadline, "handled only {}", handled.len());
        for (which, child) in children.iter_mut().enumerate() {
            for line in child.drain() {
                if let Some(run) = line.strip_prefix("handled ") {
                    let (id, attempt) = run.split_once(' ').expect("id and attempt");
                    let id: i64 = id.parse().expect("id");
                    handled
                        .entry(id)
                        .or_default()
                        .push(format!("child {which}, attempt {attempt}"));
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Give any second run time to show itself.
    tokio::time::sleep(Duration::from_millis(700)).await;
    for (which, child) in children.iter_mut().enumerate() {
        for line in child.drain() {
            if let Some(run) = line.strip_prefix("handled ") {
                let id: i64 = run.split(' ').next().expect("id").parse().expect("id");
                handled.entry(id).or_default().push(format!("child {which}, late"));
            }
        }
    }
    let twice: Vec<_> = handled.iter().filter(|(_, runs)| runs.len() != 1).collect();
    assert!(twice.is_empty(), "handled other than once: {twice:?}");
    assert_eq!(handled.keys().copied().collect::<Vec<_>>(), ids);
    let counts = fixture.store.counts().await.expect("counts");
    assert_eq!(counts.get(State::Done), 100, "{counts:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_two_processes_retry_100_deliveries_exactly_once() {
    two_processes_retry_100_deliveries_exactly_once(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_two_processes_retry_100_deliveries_exactly_once() {
    if postgres_url().is_some() {
        two_processes_retry_100_deliveries_exactly_once(Backend::Postgres).await;
    }
}

/// Accept-first: the receiver answers `200`, starts the handler, and is killed with SIGKILL.
/// StepPay never sends the delivery again. The next process to start on the store handles it,
/// once, when the dead one's lease has expired.
async fn accept_first_survives_a_sigkill_after_answering(backend: Backend) {
    let fixture = Fixture::of(backend).await;
    let store = fixture.child_arguments().expect("a durable store");
    let with = |extra: &[&str]| {
        let mut arguments = store.clone();
        arguments.extend(extra.iter().map(|s| (*s).to_owned()));
        arguments
    };
    let program = env!("CARGO_BIN_EXE_child-receiver");
    let mut first = ChildReceiver::start(
        program,
        &with(&["--accept-first", "--handler", "hang", "--lease-ms", "1000"]),
    )
    .await;
    let body = delivery(8201);
    let reply = post(&client(), first.address, &body).await;
    assert_eq!((reply.status, reply.text.as_str()), (200, "accepted: kept, to be handled"));
    first.wait_for("handling 8201 1").await;
    first.kill().await;
    let mut second =
        ChildReceiver::start(program, &with(&["--handler", "succeed", "--lease-ms", "1000"])).await;
    let skipped = second.wait_for("handled 8201 2").await;
    assert_eq!(skipped, vec!["handling 8201 2".to_owned()]);
    // The line comes from inside the handler: its outcome may still be on its way to the store.
    let reply = post_until_settled(&client(), second.address, &body, 20).await;
    assert_eq!((reply.status, reply.text.as_str()), (200, "duplicate: handled before"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(second.drain().is_empty(), "handled once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_accept_first_survives_a_sigkill_after_answering() {
    accept_first_survives_a_sigkill_after_answering(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_accept_first_survives_a_sigkill_after_answering() {
    if postgres_url().is_some() {
        accept_first_survives_a_sigkill_after_answering(Backend::Postgres).await;
    }
}

/// The rows a table of schema version 1 (the previous release's) holds in the upgrade tests:
/// a done delivery, a failed one (version 1 kept no body for it), a quarantined one with its
/// body, and a claim whose instance died.
const V1_ROWS: [(&str, &str, i64, Option<&[u8]>); 4] = [
    ("v1:done", "done", 1, None),
    ("v1:failed", "failed", 2, None),
    ("v1:quarantined", "quarantined", 1, Some(b"{\"kept\":true}")),
    ("v1:abandoned", "processing", 1, None),
];

/// What an upgraded table must show: every record kept with its state and attempts, the kept
/// body still there; a resend of the failed delivery is run (with its body, filled in now); the
/// worker leaves the bodyless records alone; and new deliveries are kept as version 2 keeps them.
async fn check_upgraded(store: &Arc<dyn DeliveryStore>) {
    for (key, state, attempts, body) in V1_ROWS {
        let record = store.get(&DeliveryKey::new(key)).await.expect("get").expect("kept");
        assert_eq!(record.summary.state.as_str(), state, "{key}");
        assert_eq!(record.summary.attempts, u32::try_from(attempts).expect("small"), "{key}");
        assert_eq!(record.body.as_deref(), body, "{key}");
    }
    assert!(store.claim_due(10, Duration::from_secs(30), 10).await.expect("due").is_empty());
    let key = DeliveryKey::new("v1:failed");
    let resend = b"{\"resent\":true}";
    let claim = store.claim(&Arrival::new(&key, None, resend), Duration::from_secs(30)).await;
    let Ok(Claim::Acquired(lease)) = claim else { panic!("the resend is run: {claim:?}") };
    assert_eq!(lease.attempt, 3);
    let record = store.get(&key).await.expect("get").expect("kept");
    assert_eq!(record.body.as_deref(), Some(&resend[..]), "the resend brought the body");
    let run = AttemptRecord::new(
        lease.attempt,
        std::time::SystemTime::now(),
        Duration::from_millis(5),
        AttemptOutcome::Handled,
        StartedBy::Request,
    );
    store.complete(&lease, &run).await.expect("complete");
    let history = store.get(&key).await.expect("get").expect("kept").attempts;
    assert_eq!(history.iter().map(|a| a.attempt).collect::<Vec<_>>(), [3], "version 1 kept none");
    let fresh = DeliveryKey::new("v2:new");
    let claim = store.claim(&Arrival::new(&fresh, None, b"{}"), Duration::from_secs(30)).await;
    assert!(matches!(claim, Ok(Claim::Acquired(_))), "{claim:?}");
    let counts = store.counts().await.expect("counts");
    assert_eq!((counts.get(State::Done), counts.get(State::Quarantined)), (2, 1), "{counts:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_version_1_sqlite_file_is_upgraded_with_every_record() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("v1.sqlite3");
    {
        let connection = rusqlite::Connection::open(&path).expect("open");
        connection
            .execute_batch(include_str!("data/v1/sqlite-schema.sql"))
            .expect("the version 1 schema");
        for (key, state, attempts, body) in V1_ROWS {
            connection
                .execute(
                    "INSERT INTO steppay_deliveries \
                     (key, state, attempts, lease_until_ms, event_type, created_ms, updated_ms, body) \
                     VALUES (?1, ?2, ?3, 1000, 'payment.completed', 1000, 1000, ?4)",
                    rusqlite::params![key, state, attempts, body],
                )
                .expect("a version 1 row");
        }
    }
    let store: Arc<dyn DeliveryStore> = Arc::new(SqliteStore::open(&path).await.expect("upgrade"));
    check_upgraded(&store).await;
    // Opening it again finds version 2, and changes nothing.
    drop(store);
    let store: Arc<dyn DeliveryStore> = Arc::new(SqliteStore::open(&path).await.expect("reopen"));
    assert_eq!(store.count(&Filter::new()).await.expect("count"), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_version_1_postgres_table_is_upgraded_with_every_record() {
    let Some(url) = postgres_url() else { return };
    let fixture = Fixture::of(Backend::Postgres).await;
    let table = fixture_table(&fixture);
    let (schema, name) = table.split_once('.').expect("schema.table");
    let quoted = format!("\"{schema}\".\"v1_{name}\"");
    let (client, connection) =
        tokio_postgres::connect(&url, tokio_postgres::NoTls).await.expect("connect");
    tokio::spawn(connection);
    let v1 = include_str!("data/v1/postgres-schema.sql")
        .replace("{table}", &quoted)
        .replace("{index}", &format!("\"v1_{name}_state_updated\""));
    client.batch_execute(&v1).await.expect("the version 1 schema");
    for (key, state, attempts, body) in V1_ROWS {
        let attempts = i32::try_from(attempts).expect("small");
        client
            .execute(
                &format!(
                    "INSERT INTO {quoted} (key, state, attempts, lease_until, event_type, body) \
                     VALUES ($1, $2, $3, now() - interval '1 hour', 'payment.completed', $4)"
                ),
                &[&key, &state, &attempts, &body],
            )
            .await
            .expect("a version 1 row");
    }
    let v1_table = format!("{schema}.v1_{name}");
    let store: Arc<dyn DeliveryStore> =
        Arc::new(PostgresStore::connect_with_table(&url, &v1_table).await.expect("upgrade"));
    check_upgraded(&store).await;
    drop(store);
    let store: Arc<dyn DeliveryStore> =
        Arc::new(PostgresStore::connect_with_table(&url, &v1_table).await.expect("reopen"));
    assert_eq!(store.count(&Filter::new()).await.expect("count"), 5);
}
