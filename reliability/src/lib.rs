//! The harness of the receiver's behaviour suite: real servers on loopback, real HTTP clients,
//! signed deliveries, a handler that records what reached it, and the three stores (in memory,
//! an SQLite file, a PostgreSQL schema of its own).
//!
//! PostgreSQL comes from the environment: `STEPPAY_TEST_POSTGRES` holds a connection string
//! (`.ci/run` sets `host=127.0.0.1 user=postgres dbname=test`). Without it the PostgreSQL tests
//! say so on the terminal and pass; with it, a database that cannot be reached fails them.

use std::collections::{BTreeMap, VecDeque};
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use steppay_webhooks::receive::Receiver;
use steppay_webhooks::store::{DeliveryStore, MemoryStore, PostgresStore, SqliteStore};
use steppay_webhooks::types::Payment;
use steppay_webhooks::verify::{Verifier, sign};
use steppay_webhooks::{Delivery, Handler, HandlerError, Unreadable, UnreadableAction};
use tokio::sync::{Notify, Semaphore};

/// The webhook secret every test signs with.
pub const SECRET: &str = "whsec_reliability_7f3a";
/// Where the receivers are mounted.
pub const PATH: &str = "/webhooks/steppay";
/// The environment variable with the PostgreSQL connection string.
pub const POSTGRES_ENV: &str = "STEPPAY_TEST_POSTGRES";

/// The current Unix time in seconds.
pub fn now() -> i64 {
    let elapsed = SystemTime::now().duration_since(UNIX_EPOCH).expect("after 1970");
    i64::try_from(elapsed.as_secs()).expect("fits")
}

/// The catalogue's `payment.completed` example.
fn example() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../schema/examples/payment.completed.json");
    std::fs::read_to_string(path).expect("the payment.completed example")
}

/// A `payment.completed` delivery of the payment `id`: deliveries of different ids are different
/// deliveries (different keys), the same id the same one.
pub fn delivery(id: i64) -> Vec<u8> {
    example().replacen("\"paymentId\": 4418273", &format!("\"paymentId\": {id}"), 1).into_bytes()
}

/// A delivery of the payment `id` whose `paidAmount` is text: it verifies, but the catalogue
/// cannot read it.
pub fn unreadable_delivery(id: i64) -> Vec<u8> {
    String::from_utf8(delivery(id))
        .expect("UTF-8")
        .replacen("\"paidAmount\": 17900", "\"paidAmount\": \"17900 KRW\"", 1)
        .into_bytes()
}

/// A delivery of the payment `id` in an API version the crate does not read.
pub fn next_version_delivery(id: i64) -> Vec<u8> {
    String::from_utf8(delivery(id))
        .expect("UTF-8")
        .replacen("\"version\": \"v1\"", "\"version\": \"v2\"", 1)
        .into_bytes()
}

/// What the probe does on one run of its handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    /// Succeed.
    Succeed,
    /// Return an error.
    Fail,
    /// Panic.
    Panic,
    /// Wait until [`Probe::open_gate`], then succeed.
    Block,
    /// Take this long, then succeed.
    Sleep(Duration),
    /// Return an error that is an [`OperatorNote`](steppay_webhooks::OperatorNote) saying this.
    FailNoted(&'static str),
}

/// How long the worker of the suite's receivers waits between polls: short, so that retries
/// the tests schedule in milliseconds run promptly.
pub const POLL: Duration = Duration::from_millis(50);

/// The handler under test: it records every run (payment id, attempt) and every success, and
/// acts as scripted: by default it succeeds, after its delay.
#[derive(Clone)]
#[allow(missing_debug_implementations)] // A test double; its state is read through methods.
pub struct Probe {
    inner: Arc<ProbeState>,
}

struct ProbeState {
    runs: Mutex<Vec<(i64, u32)>>,
    successes: Mutex<BTreeMap<i64, u32>>,
    unreadable: Mutex<Vec<(Option<String>, String, u32)>>,
    script: Mutex<VecDeque<Act>>,
    delay: Mutex<Duration>,
    /// Every run whose attempt is below this fails (after the script).
    fail_below: Mutex<u32>,
    unreadable_action: Mutex<Option<UnreadableAction>>,
    started: Notify,
    gate: Semaphore,
}

impl Default for Probe {
    fn default() -> Self {
        let state = ProbeState {
            runs: Mutex::default(),
            successes: Mutex::default(),
            unreadable: Mutex::default(),
            script: Mutex::default(),
            delay: Mutex::default(),
            fail_below: Mutex::new(0),
            unreadable_action: Mutex::default(),
            started: Notify::new(),
            gate: Semaphore::new(0),
        };
        Self { inner: Arc::new(state) }
    }
}

impl Probe {
    /// A probe that acts as `script` says on its first runs, then succeeds.
    pub fn scripted(script: impl IntoIterator<Item = Act>) -> Self {
        let probe = Self::default();
        probe.inner.script.lock().expect("lock").extend(script);
        probe
    }

    /// Sleeps this long in every run before acting.
    pub fn with_delay(self, delay: Duration) -> Self {
        *self.inner.delay.lock().expect("lock") = delay;
        self
    }

    /// Fails every run whose attempt is below `attempt` (once the script is done): 2 fails each
    /// delivery's first run, `u32::MAX` fails them all.
    pub fn failing_below_attempt(self, attempt: u32) -> Self {
        *self.inner.fail_below.lock().expect("lock") = attempt;
        self
    }

    /// Succeeds from now on (no more failures below an attempt).
    pub fn recover(&self) {
        *self.inner.fail_below.lock().expect("lock") = 0;
    }

    /// Waits until the payment `id` has succeeded `count` times (at most 20 s).
    pub async fn handled(&self, id: i64, count: u32) {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while self.successes(id) < count {
            assert!(
                std::time::Instant::now() < deadline,
                "payment {id} was not handled {count} times: runs {:?}",
                self.runs()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until `count` runs have started, however long the worker takes (at most 20 s).
    pub async fn runs_at_least(&self, count: usize) {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while self.runs().len() < count {
            assert!(std::time::Instant::now() < deadline, "{count} runs: {:?}", self.runs());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Answers the unreadable hook with `action` (the default hook's answer otherwise).
    pub fn on_unreadable(self, action: UnreadableAction) -> Self {
        *self.inner.unreadable_action.lock().expect("lock") = Some(action);
        self
    }

    /// Every run so far: (payment id, attempt), in order of start.
    pub fn runs(&self) -> Vec<(i64, u32)> {
        self.inner.runs.lock().expect("lock").clone()
    }

    /// How many runs of the payment `id` succeeded.
    pub fn successes(&self, id: i64) -> u32 {
        self.inner.successes.lock().expect("lock").get(&id).copied().unwrap_or(0)
    }

    /// Every success so far, by payment id.
    pub fn all_successes(&self) -> BTreeMap<i64, u32> {
        self.inner.successes.lock().expect("lock").clone()
    }

    /// Every call of the unreadable hook: (event type, JSON path of the error, attempt).
    pub fn unreadable(&self) -> Vec<(Option<String>, String, u32)> {
        self.inner.unreadable.lock().expect("lock").clone()
    }

    /// Lets every blocked run, and the next `runs`, through.
    pub fn open_gate(&self, runs: usize) {
        self.inner.gate.add_permits(runs);
    }

    /// Waits until `count` runs have started.
    pub async fn started(&self, count: usize) {
        loop {
            let notified = self.inner.started.notified();
            if self.runs().len() >= count {
                return;
            }
            tokio::time::timeout(Duration::from_secs(10), notified)
                .await
                .unwrap_or_else(|_| panic!("{count} runs never started: {:?}", self.runs()));
        }
    }
}

impl Handler for Probe {
    async fn payment_completed(
        &self,
        delivery: &Delivery<'_>,
        payment: &Payment,
    ) -> Result<(), HandlerError> {
        let id = payment.payment_id;
        // The act is taken before the run is recorded as started: a test that waits for a run
        // to start knows which act it got, even when threads are preempted between the two.
        let fail_below = *self.inner.fail_below.lock().expect("lock");
        let otherwise = if delivery.attempt < fail_below { Act::Fail } else { Act::Succeed };
        let act = self.inner.script.lock().expect("lock").pop_front().unwrap_or(otherwise);
        self.inner.runs.lock().expect("lock").push((id, delivery.attempt));
        self.inner.started.notify_waiters();
        let delay = *self.inner.delay.lock().expect("lock");
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        match act {
            Act::Succeed => {}
            Act::Fail => return Err("scripted failure".into()),
            Act::Panic => panic!("scripted panic"),
            Act::Block => self.inner.gate.acquire().await.expect("gate open").forget(),
            Act::Sleep(time) => tokio::time::sleep(time).await,
            Act::FailNoted(note) => return Err(steppay_webhooks::OperatorNote::new(note).into()),
        }
        *self.inner.successes.lock().expect("lock").entry(id).or_default() += 1;
        Ok(())
    }

    async fn unreadable(&self, delivery: &Unreadable<'_>) -> UnreadableAction {
        let entry = (
            delivery.event_type().map(str::to_owned),
            delivery.error.path().to_owned(),
            delivery.attempt,
        );
        self.inner.unreadable.lock().expect("lock").push(entry);
        let action = *self.inner.unreadable_action.lock().expect("lock");
        action.unwrap_or(UnreadableAction::Quarantine)
    }
}

/// A verifier for [`SECRET`].
pub fn verifier() -> Verifier {
    Verifier::new([SECRET]).expect("secret")
}

/// A server on an ephemeral loopback port, shut down when dropped.
#[derive(Debug)]
pub struct Server {
    /// Where it listens.
    pub address: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves `receiver` at [`PATH`].
pub async fn serve(receiver: Receiver<Probe>) -> Server {
    let app = axum::Router::new().route(PATH, receiver.into_method_router());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let task = tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    Server { address, task }
}

/// A client for loopback servers.
pub fn client() -> reqwest::Client {
    // Loopback only: never route through a proxy from the environment.
    reqwest::Client::builder().no_proxy().build().expect("client")
}

/// What a server answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The status.
    pub status: u16,
    /// `Retry-After`, in seconds.
    pub retry_after: Option<u64>,
    /// The body.
    pub text: String,
}

/// Posts `body`, signed now, to the receiver at `address`.
pub async fn post(client: &reqwest::Client, address: SocketAddr, body: &[u8]) -> Reply {
    let response = client
        .post(format!("http://{address}{PATH}"))
        .header("content-type", "application/json")
        .header("steppay-signature", sign(SECRET, now(), body))
        .body(body.to_vec())
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|value| value.to_str().expect("ASCII").parse().expect("seconds"));
    Reply { status, retry_after, text: response.text().await.expect("body") }
}

/// Posts `body` until it is answered with something other than `503`, waiting as `Retry-After`
/// says (at most `tries` times).
pub async fn post_until_settled(
    client: &reqwest::Client,
    address: SocketAddr,
    body: &[u8],
    tries: usize,
) -> Reply {
    let mut reply = post(client, address, body).await;
    for _ in 1..tries {
        if reply.status != 503 {
            break;
        }
        let wait = reply.retry_after.expect("a 503 says when to retry");
        tokio::time::sleep(Duration::from_millis(100).max(Duration::from_secs(wait) / 4)).await;
        reply = post(client, address, body).await;
    }
    reply
}

/// Which store a [`Fixture`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// [`MemoryStore`].
    Memory,
    /// [`SqliteStore`].
    Sqlite,
    /// [`PostgresStore`].
    Postgres,
}

/// A fresh store of one backend, with what it takes to open it again: the SQLite file, or the
/// PostgreSQL connection string and table.
#[allow(missing_debug_implementations)] // It holds a store behind `dyn`.
pub struct Fixture {
    /// The backend.
    pub backend: Backend,
    /// The store.
    pub store: Arc<dyn DeliveryStore>,
    sqlite: Option<(tempfile::TempDir, PathBuf)>,
    postgres: Option<(String, String)>,
}

impl Fixture {
    /// A fresh store of `backend` with the default retention. PostgreSQL needs
    /// [`POSTGRES_ENV`]: call this only when [`postgres_url`] is `Some`.
    pub async fn of(backend: Backend) -> Self {
        Self::with_retention(backend, steppay_webhooks::store::DEFAULT_RETENTION).await
    }

    /// A fresh store of `backend` that keeps done records for `retention`: in memory, in a new
    /// SQLite file of a temporary folder, or in a PostgreSQL schema of its own.
    pub async fn with_retention(backend: Backend, retention: Duration) -> Self {
        Self::with(backend, retention, Duration::ZERO).await
    }

    /// A fresh store of `backend` that keeps the bodies of done deliveries for `keep`.
    pub async fn keeping_done_bodies(backend: Backend, keep: Duration) -> Self {
        Self::with(backend, steppay_webhooks::store::DEFAULT_RETENTION, keep).await
    }

    async fn with(backend: Backend, retention: Duration, keep: Duration) -> Self {
        match backend {
            Backend::Memory => Self {
                backend,
                store: Arc::new(MemoryStore::new().retention(retention).keep_done_bodies(keep)),
                sqlite: None,
                postgres: None,
            },
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary folder");
                let path = dir.path().join("deliveries.sqlite3");
                let store = SqliteStore::open(&path)
                    .await
                    .expect("open SQLite")
                    .retention(retention)
                    .keep_done_bodies(keep);
                Self { backend, store: Arc::new(store), sqlite: Some((dir, path)), postgres: None }
            }
            Backend::Postgres => {
                let url =
                    postgres_url().expect("PostgreSQL tests run only with STEPPAY_TEST_POSTGRES");
                let table = format!("{}.deliveries", fresh_schema(&url).await);
                let store =
                    postgres_store(&url, &table).await.retention(retention).keep_done_bodies(keep);
                Self { backend, store: Arc::new(store), sqlite: None, postgres: Some((url, table)) }
            }
        }
    }

    /// Another store over the same records, as another instance, or the same one after a
    /// restart, would open it. The memory store has no other: it is the same one.
    pub async fn reopen(&self) -> Arc<dyn DeliveryStore> {
        match (self.backend, &self.sqlite, &self.postgres) {
            (Backend::Sqlite, Some((_, path)), _) => {
                Arc::new(SqliteStore::open(path).await.expect("reopen SQLite"))
            }
            (Backend::Postgres, _, Some((url, table))) => {
                Arc::new(postgres_store(url, table).await)
            }
            _ => Arc::clone(&self.store),
        }
    }

    /// The arguments that make `crash-receiver` open this store.
    pub fn child_arguments(&self) -> Option<Vec<String>> {
        match (self.backend, &self.sqlite, &self.postgres) {
            (Backend::Sqlite, Some((_, path)), _) => {
                Some(vec!["sqlite".into(), path.display().to_string()])
            }
            (Backend::Postgres, _, Some((url, table))) => {
                Some(vec!["postgres".into(), url.clone(), table.clone()])
            }
            _ => None,
        }
    }

    /// A receiver over this store, with `probe` as its handler and a worker that polls every
    /// [`POLL`].
    pub fn receiver(&self, probe: &Probe) -> Receiver<Probe> {
        Receiver::new(verifier(), probe.clone()).store(Arc::clone(&self.store)).poll_every(POLL)
    }
}

/// A `child-receiver` process: a receiver over a store of its own opening, that the test reads
/// line by line and may kill.
#[derive(Debug)]
pub struct ChildReceiver {
    process: tokio::process::Child,
    /// Where it listens.
    pub address: SocketAddr,
    lines: tokio::sync::mpsc::UnboundedReceiver<String>,
}

impl ChildReceiver {
    /// Starts `child-receiver` (the binary at `program`: a test's
    /// `env!("CARGO_BIN_EXE_child-receiver")`) with `arguments` (a store's, then options) and
    /// waits until it listens.
    pub async fn start(program: &str, arguments: &[String]) -> Self {
        use tokio::io::AsyncBufReadExt as _;
        let mut process = tokio::process::Command::new(program)
            .args(arguments)
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start child-receiver");
        let stdout = process.stdout.take().expect("piped");
        let (sender, mut lines) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut reader = tokio::io::BufReader::new(stdout).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                if sender.send(line).is_err() {
                    return;
                }
            }
        });
        let first = tokio::time::timeout(Duration::from_secs(30), lines.recv())
            .await
            .expect("the child starts within 30 s")
            .expect("the child says where it listens");
        let address = first
            .strip_prefix("listening ")
            .unwrap_or_else(|| panic!("the child said {first:?}"))
            .parse()
            .expect("an address");
        Self { process, address, lines }
    }

    /// The next line the child prints (within 20 s).
    pub async fn next_line(&mut self) -> String {
        tokio::time::timeout(Duration::from_secs(20), self.lines.recv())
            .await
            .expect("the child prints within 20 s")
            .expect("the child is still running")
    }

    /// Waits for the line `expected`, skipping others; returns those skipped.
    pub async fn wait_for(&mut self, expected: &str) -> Vec<String> {
        let mut skipped = Vec::new();
        loop {
            let line = self.next_line().await;
            if line == expected {
                return skipped;
            }
            skipped.push(line);
        }
    }

    /// Every line printed so far and not yet read.
    pub fn drain(&mut self) -> Vec<String> {
        std::iter::from_fn(|| self.lines.try_recv().ok()).collect()
    }

    /// Kills the process (SIGKILL) and waits for it to end.
    pub async fn kill(&mut self) {
        self.process.kill().await.expect("kill the child");
    }
}

/// A store in `table` of the test database.
async fn postgres_store(url: &str, table: &str) -> PostgresStore {
    PostgresStore::connect_with_table(url, table)
        .await
        .unwrap_or_else(|e| panic!("{POSTGRES_ENV} is set but PostgreSQL is not usable: {e}"))
}

/// The PostgreSQL connection string, or `None` after telling the terminal that the PostgreSQL
/// tests did not run.
pub fn postgres_url() -> Option<String> {
    match std::env::var(POSTGRES_ENV) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            static NOTE: Once = Once::new();
            NOTE.call_once(|| {
                // Straight to the terminal: the test harness shows nothing a passing test
                // prints with `eprintln!`.
                let _ = writeln!(
                    std::io::stderr(),
                    "\nnote: the PostgreSQL suite of steppay-webhooks-reliability did NOT run: \
                     {POSTGRES_ENV} is not set. To run it against a server:\n      \
                     {POSTGRES_ENV}='host=127.0.0.1 user=postgres dbname=test' cargo test -p \
                     steppay-webhooks-reliability\n"
                );
            });
            None
        }
    }
}

/// Creates a schema no other test uses, and drops the schemas of earlier runs that are over an
/// hour old (a failed test leaves its schema behind).
async fn fresh_schema(url: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("{POSTGRES_ENV} is set but PostgreSQL cannot be reached: {e}"));
    tokio::spawn(connection);
    let seconds = now();
    let old: Vec<String> = client
        .query("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'steppay_t\\_%'", &[])
        .await
        .expect("list schemas")
        .iter()
        .map(|row| row.get::<_, String>(0))
        .filter(|name| {
            let started = name.split('_').nth(2).and_then(|s| s.parse::<i64>().ok());
            started.is_some_and(|started| seconds - started > 3600)
        })
        .collect();
    for name in old {
        let _ = client.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE")).await;
    }
    let name = format!(
        "steppay_t_{seconds}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    client.batch_execute(&format!("CREATE SCHEMA \"{name}\"")).await.expect("create schema");
    name
}
