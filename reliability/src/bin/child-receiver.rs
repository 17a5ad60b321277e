//! A receiver the multi-process tests start as a child process, and kill.
//!
//! ```text
//! child-receiver sqlite <file> | postgres <connection string> <table>
//!     [--handler hang|fail-first|succeed] [--accept-first] [--lease-ms N] [--schedule-ms N,N,…]
//! ```
//!
//! It prints `listening <address>` once it serves, then one line per run of its handler:
//! `handling <payment id> <attempt>` when a `payment.completed` reaches it, and `handled …` or
//! `failing …` when the run ends. With `--handler hang` the run never ends: the test kills the
//! process there, with the delivery claimed and not finished. Its worker polls every 50 ms.

use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use steppay_webhooks::receive::Receiver;
use steppay_webhooks::store::{DeliveryStore, PostgresStore, SqliteStore};
use steppay_webhooks::types::Payment;
use steppay_webhooks::{Delivery, Handler, HandlerError};
use steppay_webhooks_reliability::{PATH, POLL, verifier};

/// What the handler does.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Behaviour {
    /// Never returns.
    Hang,
    /// Fails each delivery's first run, then succeeds.
    FailFirst,
    /// Succeeds.
    Succeed,
}

struct Child(Behaviour);

/// One line on stdout, at once (the test reads them as they come).
fn say(line: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{line}");
    let _ = stdout.flush();
}

impl Handler for Child {
    async fn payment_completed(
        &self,
        delivery: &Delivery<'_>,
        payment: &Payment,
    ) -> Result<(), HandlerError> {
        let (id, attempt) = (payment.payment_id, delivery.attempt);
        say(&format!("handling {id} {attempt}"));
        match self.0 {
            Behaviour::Hang => std::future::pending().await,
            Behaviour::FailFirst if attempt == 1 => {
                say(&format!("failing {id} {attempt}"));
                Err("the first run of each delivery fails".into())
            }
            Behaviour::FailFirst | Behaviour::Succeed => {
                say(&format!("handled {id} {attempt}"));
                Ok(())
            }
        }
    }
}

/// The arguments, or what is wrong with them.
struct Arguments {
    store: Vec<String>,
    behaviour: Behaviour,
    accept_first: bool,
    lease: Duration,
    schedule: Vec<Duration>,
}

fn parse(args: Vec<String>) -> Result<Arguments, String> {
    let mut parsed = Arguments {
        store: Vec::new(),
        behaviour: Behaviour::Hang,
        accept_first: false,
        lease: Duration::from_secs(2),
        schedule: vec![Duration::from_millis(100)],
    };
    let mut args = args.into_iter();
    let millis = |value: Option<String>| -> Result<Duration, String> {
        let value = value.ok_or("a number of milliseconds is missing")?;
        value
            .parse()
            .map(Duration::from_millis)
            .map_err(|_| format!("`{value}` is not milliseconds"))
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--handler" => {
                parsed.behaviour = match args.next().as_deref() {
                    Some("hang") => Behaviour::Hang,
                    Some("fail-first") => Behaviour::FailFirst,
                    Some("succeed") => Behaviour::Succeed,
                    other => return Err(format!("unknown handler {other:?}")),
                }
            }
            "--accept-first" => parsed.accept_first = true,
            "--lease-ms" => parsed.lease = millis(args.next())?,
            "--schedule-ms" => {
                let list = args.next().ok_or("--schedule-ms takes a list")?;
                parsed.schedule = list
                    .split(',')
                    .map(|n| millis(Some(n.to_owned())))
                    .collect::<Result<_, _>>()?;
            }
            _ => parsed.store.push(arg),
        }
    }
    Ok(parsed)
}

#[tokio::main]
async fn main() -> ExitCode {
    let arguments = match parse(std::env::args().skip(1).collect()) {
        Ok(arguments) => arguments,
        Err(error) => {
            eprintln!("child-receiver: {error}");
            return ExitCode::from(2);
        }
    };
    let store: Arc<dyn DeliveryStore> =
        match arguments.store.iter().map(String::as_str).collect::<Vec<_>>()[..] {
            ["sqlite", path] => Arc::new(SqliteStore::open(path).await.expect("open SQLite")),
            ["postgres", url, table] => {
                Arc::new(PostgresStore::connect_with_table(url, table).await.expect("connect"))
            }
            _ => {
                eprintln!(
                    "usage: child-receiver sqlite <file> | postgres <connection string> <table> \
                     [--handler hang|fail-first|succeed] [--accept-first] [--lease-ms N] \
                     [--schedule-ms N,N,…]"
                );
                return ExitCode::from(2);
            }
        };
    let mut receiver = Receiver::new(verifier(), Child(arguments.behaviour))
        .store(store)
        .lease(arguments.lease)
        .retry_schedule(arguments.schedule)
        .poll_every(POLL);
    if arguments.accept_first {
        receiver = receiver.accept_first();
    }
    let app = axum::Router::new().route(PATH, receiver.into_method_router());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    say(&format!("listening {}", listener.local_addr().expect("address")));
    axum::serve(listener, app).await.expect("serve");
    ExitCode::SUCCESS
}
