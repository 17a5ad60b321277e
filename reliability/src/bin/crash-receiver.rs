//! A receiver that the crash test starts as a child process and kills while its handler runs.
//!
//! ```text
//! crash-receiver sqlite <file> | postgres <connection string> <table>
//! ```
//!
//! It prints `listening <address>` once it serves, then `handling <payment id>` when a
//! `payment.completed` reaches its handler, which then never returns: the test kills the process
//! there, with the delivery claimed and not finished.

use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use steppay_webhooks::receive::Receiver;
use steppay_webhooks::store::{DynDeliveryStore, PostgresStore, SqliteStore};
use steppay_webhooks::types::Payment;
use steppay_webhooks::{Delivery, Handler, HandlerError};
use steppay_webhooks_reliability::{PATH, verifier};

/// The lease the test expects the child's claim to have.
const LEASE: Duration = Duration::from_secs(2);

struct Hang;

impl Handler for Hang {
    async fn payment_completed(
        &self,
        _: &Delivery<'_>,
        payment: &Payment,
    ) -> Result<(), HandlerError> {
        println!("handling {}", payment.payment_id);
        let _ = std::io::stdout().flush();
        std::future::pending().await
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let store: Arc<dyn DynDeliveryStore> = match args.iter().map(String::as_str).collect::<Vec<_>>()
        [..]
    {
        ["sqlite", path] => Arc::new(SqliteStore::open(path).await.expect("open SQLite")),
        ["postgres", url, table] => {
            Arc::new(PostgresStore::connect_with_table(url, table).await.expect("connect"))
        }
        _ => {
            eprintln!("usage: crash-receiver sqlite <file> | postgres <connection string> <table>");
            return ExitCode::from(2);
        }
    };
    let receiver = Receiver::new(verifier(), Hang).store(store).lease(LEASE);
    let app = axum::Router::new().route(PATH, receiver.into_method_router());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    println!("listening {}", listener.local_addr().expect("address"));
    let _ = std::io::stdout().flush();
    axum::serve(listener, app).await.expect("serve");
    ExitCode::SUCCESS
}
