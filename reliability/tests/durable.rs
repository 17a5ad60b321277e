//! What only the durable stores promise: records survive a restart (SQLite and PostgreSQL), any
//! number of instances share one PostgreSQL database, and a PostgreSQL that goes away makes the
//! receiver fail closed.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use steppay_webhooks::receive::Receiver;
use steppay_webhooks::store::PostgresStore;
use steppay_webhooks_reliability::{
    Backend, Fixture, Probe, client, delivery, post, post_until_settled, postgres_url, serve,
    verifier,
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
