//! `deliveries` against the built binary and a real store: an SQLite file in a temporary
//! directory, and PostgreSQL when `STEPPAY_TEST_POSTGRES` is set (a table of its own per test,
//! so that runs do not collide). The store is seeded with StepPay's example deliveries through
//! the store's own transitions (claim, then fail or complete), as a receiver records them, and
//! the tests ask the on-call engineer's four questions: did the webhook for payment 4418273
//! arrive, what happened to it, which deliveries failed in the last hour and why, and retry
//! them.

use std::io::Write as _;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use assert_cmd::Command;
use serde_json::Value;
use steppay_webhooks::key::{DeliveryKey, KeyStrategy};
use steppay_webhooks::store::{
    Arrival, AttemptOutcome, AttemptRecord, Claim, DeliveryStore, PostgresStore, SqliteStore,
    StartedBy, State,
};
use steppay_webhooks::{EventType, Webhook, testing};

/// A personal value of the payment.completed example (the payer's email): never printed
/// without `--reveal`.
const EMAIL: &str = "minji.kim@example.com";
const NAME: &str = "김민지";

fn cli() -> Command {
    let mut command = Command::cargo_bin("steppay-webhooks").expect("the binary is built");
    command
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("STEPPAY_WEBHOOKS_STORE")
        .timeout(Duration::from_secs(60));
    command
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("rt")
}

/// Where the deliveries are, for the binary and for the test.
struct Fixture {
    rt: tokio::runtime::Runtime,
    store: Arc<dyn DeliveryStore>,
    /// `--store` and, for PostgreSQL, `--table`.
    args: Vec<String>,
    _dir: Option<tempfile::TempDir>,
    /// Drops a PostgreSQL test's tables when it ends.
    cleanup: Option<Cleanup>,
}

type Cleanup = Box<dyn FnOnce(&tokio::runtime::Runtime)>;

impl Drop for Fixture {
    fn drop(&mut self) {
        if let Some(cleanup) = self.cleanup.take() {
            cleanup(&self.rt);
        }
    }
}

impl Fixture {
    fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("deliveries.db");
        let rt = runtime();
        let store = rt.block_on(SqliteStore::open(&path)).expect("open");
        Self {
            rt,
            store: Arc::new(store),
            args: vec!["--store".into(), format!("sqlite:{}", path.display())],
            _dir: Some(dir),
            cleanup: None,
        }
    }

    /// A PostgreSQL store in a table of its own, or `None` (said on stderr) without
    /// `STEPPAY_TEST_POSTGRES`.
    fn postgres(test: &str) -> Option<Self> {
        let Ok(config) = std::env::var("STEPPAY_TEST_POSTGRES") else {
            // Straight to the terminal: the harness hides what a passing test prints with
            // `eprintln!`.
            let _ = writeln!(
                std::io::stderr(),
                "note: STEPPAY_TEST_POSTGRES is not set, so `{test}` did NOT run against PostgreSQL"
            );
            return None;
        };
        let nanos =
            SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).expect("now").as_nanos();
        let table = format!("cli_{test}_{}_{nanos}", std::process::id());
        let rt = runtime();
        let store =
            rt.block_on(PostgresStore::connect_with_table(&config, &table)).expect("connect");
        let pool = store.pool().clone();
        let drop_tables = format!("DROP TABLE IF EXISTS \"{table}\", \"{table}_attempts\"");
        let cleanup: Cleanup = Box::new(move |rt| {
            rt.block_on(async {
                if let Ok(client) = pool.get().await {
                    let _ = client.batch_execute(&drop_tables).await;
                }
            });
        });
        // The binary takes a URL; the test's libpq-style string is turned into one.
        let url = libpq_to_url(&config);
        Some(Self {
            rt,
            store: Arc::new(store),
            args: vec!["--store".into(), url, "--table".into(), table],
            _dir: None,
            cleanup: Some(cleanup),
        })
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        let mut command = cli();
        command.args(args).args(&self.args);
        command.output().expect("runs")
    }

    /// Records one example delivery of `event_type` as a receiver would: claimed (with the
    /// subject the receiver reads), then run once and ended as `end` says.
    fn seed(&self, event_type: EventType, end: End) -> DeliveryKey {
        let body = testing::example(event_type).body;
        let webhook = Webhook::from_slice(body).expect("the example parses");
        self.seed_as(KeyStrategy::default().key(body, Some(&webhook)), event_type, end)
    }

    /// As `seed`, under a key of the test's choosing.
    fn seed_as(&self, key: DeliveryKey, event_type: EventType, end: End) -> DeliveryKey {
        let body = testing::example(event_type).body.to_vec();
        let webhook = Webhook::from_slice(&body).expect("the example parses");
        let subject = webhook.subject().map(|s| s.to_string());
        self.rt.block_on(async {
            let arrival = Arrival::new(&key, Some(event_type.as_str()), &body)
                .subject(subject.as_deref())
                .durable(true);
            let Claim::Acquired(lease) =
                self.store.claim(&arrival, Duration::from_secs(30)).await.expect("claim")
            else {
                panic!("a new delivery is acquired");
            };
            let outcome = match end {
                End::Done => AttemptOutcome::Handled,
                End::Failed | End::Dead => AttemptOutcome::Failed,
            };
            let run = AttemptRecord::new(
                lease.attempt,
                SystemTime::now(),
                Duration::from_millis(12),
                outcome,
                StartedBy::Request,
            )
            .note((end == End::Failed).then(|| "the ledger answered 503".to_owned()));
            match end {
                End::Done => self.store.complete(&lease, &run).await.expect("complete"),
                End::Failed => {
                    let _ = self
                        .store
                        .fail(&lease, &run, Some(Duration::from_secs(3600)))
                        .await
                        .expect("fail");
                }
                End::Dead => {
                    let _ = self.store.fail(&lease, &run, None).await.expect("fail");
                }
            }
        });
        key
    }

    fn state(&self, key: &DeliveryKey) -> (State, Option<SystemTime>, Option<String>) {
        let record = self.rt.block_on(self.store.get(key)).expect("get").expect("kept");
        (record.summary.state, record.summary.due_at, record.summary.reason)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Done,
    Failed,
    Dead,
}

/// `host=127.0.0.1 user=postgres dbname=test` → `postgres://postgres@127.0.0.1/test`; a URL
/// stays as it is.
fn libpq_to_url(config: &str) -> String {
    if config.contains("://") {
        return config.to_owned();
    }
    let mut host = "127.0.0.1".to_owned();
    let (mut user, mut password, mut dbname, mut port) = (None, None, None, None);
    for pair in config.split_whitespace() {
        match pair.split_once('=') {
            Some(("host", v)) => host = v.to_owned(),
            Some(("user", v)) => user = Some(v.to_owned()),
            Some(("password", v)) => password = Some(v.to_owned()),
            Some(("dbname", v)) => dbname = Some(v.to_owned()),
            Some(("port", v)) => port = Some(v.to_owned()),
            _ => {}
        }
    }
    let userinfo = match (user, password) {
        (Some(user), Some(password)) => format!("{user}:{password}@"),
        (Some(user), None) => format!("{user}@"),
        _ => String::new(),
    };
    let port = port.map(|p| format!(":{p}")).unwrap_or_default();
    format!("postgres://{userinfo}{host}{port}/{}", dbname.unwrap_or_default())
}

fn json(output: &std::process::Output) -> Value {
    serde_json::from_str(text(&output.stdout).trim()).expect("one JSON object")
}

/// The four questions, and what a mistake looks like, on one store.
fn four_questions(fixture: &Fixture) {
    let failed = fixture.seed(EventType::PaymentCompleted, End::Failed);
    let dead = fixture.seed(EventType::PaymentFailed, End::Dead);
    let done = fixture.seed(EventType::OrderCreated, End::Done);

    // 1. Did the webhook for payment 4418273 arrive?
    let output = fixture.run(&["deliveries", "list", "--subject", "payment:4418273"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let listed = text(&output.stdout);
    assert!(listed.contains("payment:4418273") && listed.contains("payment.completed"), "{listed}");
    assert!(listed.contains("failed") && listed.contains("1 delivery"), "{listed}");
    // One match: the line to read it in full, with its whole key.
    assert!(listed.contains(&format!("deliveries show {failed}")), "{listed}");
    assert!(!listed.contains("payment.failed") && !listed.contains(EMAIL), "{listed}");
    let output = fixture.run(&["--json", "deliveries", "list", "--subject", "payment:4418273"]);
    let page = json(&output);
    let deliveries = page["deliveries"].as_array().expect("a list");
    assert_eq!(deliveries.len(), 1, "{page}");
    assert_eq!(deliveries[0]["key"], failed.as_str());
    assert_eq!(deliveries[0]["state"], "failed");
    assert_eq!(deliveries[0]["subject"], "payment:4418273");
    assert_eq!(deliveries[0]["attempts"], 1);
    assert_eq!(deliveries[0]["last_outcome"], "failed");
    assert!(deliveries[0]["due_at"].is_string(), "{page}");
    assert_eq!(page["next"], Value::Null);

    // 2. What happened to it? Its state, its run, when it runs next, its body redacted.
    let output = fixture.run(&["deliveries", "show", failed.as_str()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let shown = text(&output.stdout);
    for expected in [
        "failed · next run due",
        "payment.completed · 결제 성공",
        "payment:4418273",
        "#1",
        "12 ms",
        "request",
        "the ledger answered 503",
        "\"paymentId\": 4418273",
        "<redacted>",
        "personal values redacted",
    ] {
        assert!(shown.contains(expected), "`{expected}` missing:\n{shown}");
    }
    assert!(!shown.contains(EMAIL) && !shown.contains(NAME), "{shown}");
    assert!(!text(&output.stderr).contains("--reveal"), "no notice without --reveal");
    let output = fixture.run(&["--json", "deliveries", "show", failed.as_str()]);
    let record = json(&output);
    assert_eq!(record["state"], "failed");
    assert_eq!(record["runs"][0]["outcome"], "failed");
    assert_eq!(record["runs"][0]["started_by"], "request");
    assert_eq!(record["runs"][0]["duration_ms"], 12);
    assert_eq!(record["body"]["data"]["paymentId"], 4418273);
    assert_eq!(record["body"]["data"]["payer"]["email"], "<redacted>");
    assert_eq!(record["revealed"], false);
    assert!(record["redacted"].as_u64().is_some_and(|n| n >= 3), "{record}");
    assert!(!text(&output.stdout).contains(EMAIL));
    // --reveal shows it, and says so on stderr.
    let output = fixture.run(&["deliveries", "show", "--reveal", failed.as_str()]);
    assert!(output.status.success());
    assert!(text(&output.stdout).contains(EMAIL));
    assert!(text(&output.stderr).contains("--reveal"), "{}", text(&output.stderr));
    // The key as `list` cuts it short finds the delivery; a start several keys share lists them.
    let short = format!("{}…", &failed.as_str()[..12]);
    let output = fixture.run(&["--json", "deliveries", "show", &short]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(json(&output)["key"], failed.as_str());
    let output = fixture.run(&["deliveries", "show", ""]);
    assert_eq!(output.status.code(), Some(2));
    // A key the store does not hold is an error that names it.
    let output = fixture.run(&["deliveries", "show", "0123456789abcdef"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("no delivery with key `0123456789abcdef`"));
    // A done delivery's body is not kept.
    let output = fixture.run(&["deliveries", "show", done.as_str()]);
    assert!(text(&output.stdout).contains("no longer kept"), "{}", text(&output.stdout));

    // 3. Which deliveries failed in the last hour, and why?
    let output =
        fixture.run(&["--json", "deliveries", "list", "--state", "failed,dead", "--since", "1h"]);
    let page = json(&output);
    let mut keys: Vec<&str> = page["deliveries"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|d| d["key"].as_str())
        .collect();
    keys.sort_unstable();
    let mut expected = vec![failed.as_str(), dead.as_str()];
    expected.sort_unstable();
    assert_eq!(keys, expected);
    let output =
        fixture.run(&["--json", "deliveries", "list", "--state", "failed", "--since", "1h"]);
    assert_eq!(json(&output)["deliveries"].as_array().map(Vec::len), Some(1));
    let in_the_future = ["--json", "deliveries", "list", "--state", "failed", "--until", "2h"];
    assert_eq!(json(&fixture.run(&in_the_future))["deliveries"].as_array().map(Vec::len), Some(0));
    // A page at a time: the cursor printed continues the list.
    let output = fixture.run(&["deliveries", "list", "--limit", "2"]);
    let listed = text(&output.stdout);
    let more = listed.lines().find(|l| l.starts_with("more: ")).expect("a next page");
    let cursor = more.rsplit(' ').next().expect("the cursor");
    let output = fixture.run(&["--json", "deliveries", "list", "--limit", "2", "--after", cursor]);
    let rest = json(&output);
    assert_eq!(rest["deliveries"].as_array().map(Vec::len), Some(1), "{rest}");
    assert_eq!(rest["next"], Value::Null);

    // 4. Retry them: refused without --yes off a terminal, then done, and the delivery is due.
    let output = fixture.run(&["deliveries", "retry", "--state", "failed"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("will not retry 1 delivery"), "{}", text(&output.stderr));
    assert_eq!(fixture.state(&failed).0, State::Failed, "nothing changed");
    let before = fixture.state(&failed).1.expect("due in an hour");
    let output = fixture.run(&["deliveries", "retry", "--state", "failed", "--yes"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stdout).contains("retried 1 delivery of 1 matched"),
        "{}",
        text(&output.stdout)
    );
    let (state, due, _) = fixture.state(&failed);
    assert_eq!(state, State::Pending);
    assert!(due.expect("due") < before, "due at once, not in an hour");
    assert_eq!(fixture.state(&dead).0, State::Dead, "the filter said failed only");
    let output = fixture.run(&["--json", "deliveries", "retry", "--state", "dead", "--yes"]);
    assert_eq!(json(&output), serde_json::json!({"action": "retry", "matched": 1, "changed": 1}));

    // Replay counts only what it can run: the done delivery's body went when it was handled (the
    // stores' default), so nothing matches, rather than one that would then not change.
    let output = fixture.run(&["--json", "deliveries", "replay", "--state", "done", "--yes"]);
    assert_eq!(json(&output), serde_json::json!({"action": "replay", "matched": 0, "changed": 0}));
    assert_eq!(fixture.state(&done).0, State::Done);

    // Discard needs a reason, and records it.
    let output = fixture.run(&["deliveries", "discard", "--key", dead.as_str(), "--yes"]);
    assert_eq!(output.status.code(), Some(2));
    let output = fixture.run(&[
        "deliveries",
        "discard",
        "--key",
        dead.as_str(),
        "--reason",
        "refunded by hand",
        "--yes",
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let (state, _, reason) = fixture.state(&dead);
    assert_eq!((state, reason.as_deref()), (State::Discarded, Some("refunded by hand")));
    // Retry does not apply to done deliveries; a bulk action without a filter is refused.
    let output = fixture.run(&["deliveries", "retry", "--state", "done", "--yes"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("does not apply to done"), "{}", text(&output.stderr));
    let output = fixture.run(&["deliveries", "retry", "--yes"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("needs a filter"));
    // A start that several keys share lists them, and asks for more of the key.
    let twins = ["order-created:twin-1", "order-created:twin-2"]
        .map(|key| fixture.seed_as(DeliveryKey::new(key), EventType::OrderCreated, End::Done));
    let output = fixture.run(&["deliveries", "show", "order-created:twin"]);
    assert_eq!(output.status.code(), Some(1));
    let said = text(&output.stderr);
    assert!(said.contains("2 keys start with `order-created:twin`"), "{said}");
    assert!(said.contains(&format!("{} (order.created, done)", twins[1])), "{said}");
    assert!(said.contains(twins[0].as_str()) && said.contains("give more of the key"), "{said}");
}

#[test]
fn the_four_questions_on_sqlite() {
    four_questions(&Fixture::sqlite());
}

#[test]
fn the_four_questions_on_postgres() {
    if let Some(fixture) = Fixture::postgres("four") {
        four_questions(&fixture);
    }
}

#[test]
fn mistakes_read_like_cargo_and_never_show_a_password() {
    let output =
        cli().args(["deliveries", "list", "--store", "sqlte:x.db"]).output().expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("`sqlte:` is not a kind of store")
            && stderr.contains("did you mean `sqlite:`?"),
        "{stderr}"
    );

    let output = cli().args(["deliveries", "list", "--store", "sqlite:"]).output().expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("needs the database file's path"));

    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("nope.db");
    let output = cli()
        .args(["deliveries", "list", "--store", &format!("sqlite:{}", missing.display())])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("no SQLite store at"));
    assert!(!missing.exists(), "a typo does not create an empty store");

    // Nothing listens on port 1: the error names the store, without its password.
    let output = cli()
        .args(["deliveries", "list", "--store", "postgres://app:hunter2@127.0.0.1:1/app"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(3));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("cannot open the delivery store postgres://app:***@127.0.0.1:1/app"),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"), "{stderr}");
    // Nor from the environment.
    let output = cli()
        .env("STEPPAY_WEBHOOKS_STORE", "postgres://app:hunter2@127.0.0.1:1/app")
        .args(["deliveries", "list", "--state", "failed"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(3));
    assert!(!text(&output.stderr).contains("hunter2"));

    let fixture = Fixture::sqlite();
    let output = fixture.run(&["deliveries", "list", "--state", "faild"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("`faild` is not a delivery state")
            && stderr.contains("did you mean `failed`?"),
        "{stderr}"
    );
    let output = fixture.run(&["deliveries", "list", "--event", "payment.complete"]);
    assert!(text(&output.stderr).contains("did you mean `payment.completed`?"));
    let output = fixture.run(&["deliveries", "list", "--since", "yesterday"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("`yesterday` is neither a time nor a duration"));
    let output = fixture.run(&["deliveries", "list", "--subject", "4418273"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("`4418273` is not a subject"));
    let output = fixture.run(&["deliveries", "list", "--after", "nonsense"]);
    assert_eq!(output.status.code(), Some(2));
    let output = fixture.run(&["deliveries", "list", "--limit", "5000"]);
    assert_eq!(output.status.code(), Some(2));
}

/// On a terminal a bulk action asks first, and does nothing unless told yes. The terminal is a
/// pseudo-terminal from util-linux's `script`; without it, the test says so and passes.
#[test]
fn a_bulk_action_on_a_terminal_asks_first() {
    if std::process::Command::new("script").arg("--version").output().is_err() {
        let _ = writeln!(
            std::io::stderr(),
            "note: `script` (util-linux) is not installed, so the terminal confirmation was NOT tested"
        );
        return;
    }
    let fixture = Fixture::sqlite();
    let failed = fixture.seed(EventType::PaymentCompleted, End::Failed);
    let binary = env!("CARGO_BIN_EXE_steppay-webhooks");
    let on_terminal = |answer: &str| {
        let command =
            format!("{binary} deliveries retry --state failed {}", fixture.args.join(" "));
        let mut child = std::process::Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("script runs");
        child.stdin.take().expect("stdin").write_all(answer.as_bytes()).expect("answer");
        let output = child.wait_with_output().expect("ends");
        (output.status.code(), text(&output.stdout))
    };
    let (code, seen) = on_terminal("n\n");
    assert!(seen.contains("retry 1 delivery (failed)") && seen.contains("[y/N]"), "{seen}");
    assert!(seen.contains("not confirmed: nothing was changed"), "{seen}");
    assert_eq!(code, Some(1), "{seen}");
    assert_eq!(fixture.state(&failed).0, State::Failed);
    let (code, seen) = on_terminal("y\n");
    assert_eq!(code, Some(0), "{seen}");
    assert!(seen.contains("retried 1 delivery of 1 matched"), "{seen}");
    assert_eq!(fixture.state(&failed).0, State::Pending);
}
