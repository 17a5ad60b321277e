//! `deliveries`: what an operator asks the store a receiver keeps, at 3 a.m.: did the webhook
//! for payment 4418273 arrive (`list --subject`), what happened to it (`show`), which
//! deliveries failed in the last hour and why (`list --state failed --since 1h`), and run them
//! again (`retry`), replay them (`replay`) or give them up (`discard`).
//!
//! Each subcommand is a module; `store` opens `--store`, `filter` reads the filters all five
//! share, `table` lays out what people read. The library's `DeliveryStore` does the work.

mod bulk;
mod filter;
mod list;
mod show;
pub(crate) mod store;
mod table;

use std::future::Future;
use std::process::ExitCode;
use std::time::SystemTime;

use clap::Subcommand;
use serde::Serialize;
use steppay_webhooks::store::DeliverySummary;

use crate::error::CliError;
use crate::output::Output;

#[derive(clap::Args)]
#[command(after_help = "\
The four questions, against the store your receiver keeps:
  export STEPPAY_WEBHOOKS_STORE=sqlite:deliveries.db     # or postgres://app@db.internal/app
  steppay-webhooks deliveries list --subject payment:4418273     # did it arrive?
  steppay-webhooks deliveries show KEY                           # what happened to it?
  steppay-webhooks deliveries list --state failed,dead --since 1h   # what failed, and why?
  steppay-webhooks deliveries retry --state failed --since 1h    # run them again")]
pub(crate) struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Subcommand)]
enum Action {
    /// The deliveries a filter matches, newest first, a page at a time (no personal data)
    List(list::Args),
    /// One delivery: its state, each run, when it runs next, and its body (personal data
    /// redacted)
    Show(show::Args),
    /// Run again the failed, dead and quarantined deliveries a filter matches
    Retry(bulk::Args),
    /// As retry, and run done deliveries again too, when the store still keeps their body
    Replay(bulk::Args),
    /// Give up the pending, failed, dead and quarantined deliveries a filter matches, with a
    /// reason (recorded); their bodies are dropped
    Discard(bulk::DiscardArgs),
}

pub(crate) fn run(args: Args, output: Output) -> Result<ExitCode, CliError> {
    match args.action {
        Action::List(args) => block_on(list::run(args, output)),
        Action::Show(args) => block_on(show::run(args, output)),
        Action::Retry(args) => block_on(bulk::run(bulk::Kind::Retry, args, None, output)),
        Action::Replay(args) => block_on(bulk::run(bulk::Kind::Replay, args, None, output)),
        Action::Discard(args) => {
            let (args, reason) = args.split()?;
            block_on(bulk::run(bulk::Kind::Discard, args, Some(reason), output))
        }
    }
}

/// Runs `future` on a runtime of this thread: the stores are async, the CLI is not.
pub(crate) fn block_on<T>(
    future: impl Future<Output = Result<T, CliError>>,
) -> Result<T, CliError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::usage(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(future)
}

/// A delivery as `--json` prints it in a list and in `show`; these names are stable.
#[derive(Serialize)]
pub(crate) struct SummaryJson {
    key: String,
    state: &'static str,
    event_type: Option<String>,
    subject: Option<String>,
    attempts: u32,
    received_at: String,
    updated_at: String,
    /// Pending or failed: when it is due; processing: when its lease ends.
    due_at: Option<String>,
    last_outcome: Option<&'static str>,
    /// Quarantined: the parse error; discarded: the operator's reason.
    reason: Option<String>,
    has_body: bool,
}

impl SummaryJson {
    pub(crate) fn of(summary: &DeliverySummary) -> Self {
        Self {
            key: summary.key.as_str().to_owned(),
            state: summary.state.as_str(),
            event_type: summary.event_type.clone(),
            subject: summary.subject.clone(),
            attempts: summary.attempts,
            received_at: filter::rfc3339(summary.received_at),
            updated_at: filter::rfc3339(summary.updated_at),
            due_at: summary.due_at.map(filter::rfc3339),
            last_outcome: summary.last_outcome.map(|o| o.as_str()),
            reason: summary.reason.clone(),
            has_body: summary.has_body,
        }
    }
}

fn now() -> SystemTime {
    SystemTime::now()
}
