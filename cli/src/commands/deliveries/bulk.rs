//! `deliveries retry | replay | discard`: one action over every delivery a filter matches.
//! It counts them first and says how many; on a terminal it asks before acting, `--yes` skips
//! the question, and without a terminal it refuses to act unless `--yes` is given.

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::process::ExitCode;

use serde::Serialize;
use steppay_webhooks::store::{Filter, State};

use super::filter::FilterArgs;
use super::now;
use super::store::StoreArgs;
use crate::error::{CliError, Code};
use crate::output::Output;

#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  steppay-webhooks deliveries retry --state failed --since 1h
  steppay-webhooks deliveries retry --subject payment:4418273 --yes
  steppay-webhooks deliveries replay --event payment.completed --since 2026-12-02T00:00:00Z --yes

It says how many deliveries it will touch and asks first on a terminal; in a script, --yes.
The receiver's worker runs them: they are pending and due at once.")]
pub(crate) struct Args {
    #[command(flatten)]
    store: StoreArgs,

    #[command(flatten)]
    filter: FilterArgs,

    /// Act without asking (needed when stdin is not a terminal)
    #[arg(long, short = 'y')]
    yes: bool,
}

#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  steppay-webhooks deliveries discard --state dead --event customer.deleted --reason 'customer erased by hand (OPS-812)'
  steppay-webhooks deliveries discard --key KEY --reason 'duplicate of order 901245' --yes

A discarded delivery is never run again (a resend from StepPay is answered 200 and not run);
its body is dropped and the reason kept with its record.")]
pub(crate) struct DiscardArgs {
    #[command(flatten)]
    args: Args,

    /// Why: kept with each record, shown by `show` (no personal data in it, please)
    #[arg(long, value_name = "TEXT", required = true)]
    reason: String,
}

impl DiscardArgs {
    pub(crate) fn split(self) -> Result<(Args, String), CliError> {
        let reason = self.reason.trim().to_owned();
        if reason.is_empty() {
            return Err(CliError::usage("the reason is empty")
                .at("--reason")
                .help("say why these deliveries are given up; it is kept with each record"));
        }
        if reason.chars().count() > 500 {
            return Err(CliError::usage("the reason is longer than 500 characters").at("--reason"));
        }
        Ok((self.args, reason))
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    Retry,
    Replay,
    Discard,
}

impl Kind {
    fn verb(self) -> &'static str {
        match self {
            Self::Retry => "retry",
            Self::Replay => "replay",
            Self::Discard => "discard",
        }
    }

    fn done(self) -> &'static str {
        match self {
            Self::Retry => "retried",
            Self::Replay => "replayed",
            Self::Discard => "discarded",
        }
    }

    /// The states the store's transition takes deliveries from (store::lifecycle).
    fn takes(self) -> &'static [State] {
        match self {
            Self::Retry => &[State::Failed, State::Dead, State::Quarantined],
            // Replay takes done deliveries too, but only those whose body is kept (`counted`).
            Self::Replay => &[State::Failed, State::Dead, State::Quarantined, State::Done],
            Self::Discard => &[State::Pending, State::Failed, State::Dead, State::Quarantined],
        }
    }
}

/// `--json`: what was matched and what changed.
#[derive(Serialize)]
struct BulkJson {
    action: &'static str,
    matched: u64,
    changed: u64,
}

pub(crate) async fn run(
    kind: Kind,
    args: Args,
    reason: Option<String>,
    output: Output,
) -> Result<ExitCode, CliError> {
    let spec = args.store.spec()?;
    let asked = args.filter.filter(now())?;
    if args.filter.is_empty() {
        return Err(CliError::usage(format!("`{}` needs a filter", kind.verb()))
            .help("say which deliveries: --state, --event, --since, --until, --min-attempts, --subject or --key (`--state failed` for every failed one)"));
    }
    let filter = restrict(kind, asked)?;
    let store = spec.open().await?;
    let mut matched = 0;
    for part in counted(kind, &filter) {
        matched += store.count(&part).await.map_err(|e| spec.failed("counting", &e))?;
    }
    let states: Vec<&str> = filter.states.iter().map(|s| s.as_str()).collect();
    if matched == 0 {
        output.text(&format!(
            "no {} delivery matches in {}; nothing to {}",
            states.join(", "),
            spec.shown(),
            kind.verb()
        ));
        output.json(&BulkJson { action: kind.verb(), matched, changed: 0 });
        return Ok(ExitCode::SUCCESS);
    }
    let noun = if matched == 1 { "delivery" } else { "deliveries" };
    let question =
        format!("{} {matched} {noun} ({}) in {}", kind.verb(), states.join(", "), spec.shown());
    if !args.yes {
        confirm(&question)?;
    }
    let changed = match kind {
        Kind::Retry => store.retry(&filter).await,
        Kind::Replay => store.replay(&filter).await,
        Kind::Discard => store.discard(&filter, reason.as_deref().unwrap_or_default()).await,
    }
    .map_err(|e| spec.failed(kind.verb(), &e))?;
    let noun = if changed == 1 { "delivery" } else { "deliveries" };
    let after = match kind {
        Kind::Retry | Kind::Replay => "; the receiver's worker runs them now",
        Kind::Discard => "; they will not be run again",
    };
    output.text(&format!("{} {changed} {noun} of {matched} matched{after}", kind.done()));
    output.json(&BulkJson { action: kind.verb(), matched, changed });
    Ok(ExitCode::SUCCESS)
}

/// The filter narrowed to the states the action takes, so that the count is what it touches.
/// The filters whose counts add up to what `kind` would change of `filter` (already
/// [restricted](restrict)): for a replay, the done deliveries only with their body kept.
fn counted(kind: Kind, filter: &Filter) -> Vec<Filter> {
    if !matches!(kind, Kind::Replay) || !filter.states.contains(&State::Done) {
        return vec![filter.clone()];
    }
    let mut done = filter.clone().has_body(true);
    done.states = vec![State::Done];
    let mut unresolved = filter.clone();
    unresolved.states.retain(|state| *state != State::Done);
    [unresolved, done].into_iter().filter(|part| !part.states.is_empty()).collect()
}

fn restrict(kind: Kind, mut filter: Filter) -> Result<Filter, CliError> {
    let from = kind.takes();
    if filter.states.is_empty() {
        filter.states = from.to_vec();
        return Ok(filter);
    }
    let (kept, left): (Vec<State>, Vec<State>) =
        filter.states.iter().partition(|state| from.contains(state));
    if kept.is_empty() {
        let names: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
        let given: Vec<&str> = left.iter().map(|s| s.as_str()).collect();
        return Err(CliError::usage(format!(
            "`{}` does not apply to {} deliveries",
            kind.verb(),
            given.join(" or ")
        ))
        .at(format!("--state {}", given.join(",")))
        .note(format!("it applies to {}", names.join(", "))));
    }
    if !left.is_empty() {
        let given: Vec<&str> = left.iter().map(|s| s.as_str()).collect();
        crate::output::warn(&format!(
            "`{}` leaves {} deliveries as they are",
            kind.verb(),
            given.join(" and ")
        ));
    }
    filter.states = kept;
    Ok(filter)
}

/// Asks on the terminal; refuses when there is none to ask on.
fn confirm(question: &str) -> Result<(), CliError> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(CliError::usage(format!("will not {question} without --yes"))
            .note("stdin is not a terminal, so there is no one to ask")
            .help(
                "check the deliveries with `deliveries list` and the same filter, then add --yes",
            ));
    }
    let mut stderr = std::io::stderr();
    let _ = write!(stderr, "{question}? [y/N] ");
    let _ = stderr.flush();
    let mut answer = String::new();
    stdin
        .lock()
        .read_line(&mut answer)
        .map_err(|e| CliError::usage(format!("cannot read the answer: {e}")))?;
    if matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
        Ok(())
    } else {
        Err(CliError::new(Code::Failed, "not confirmed: nothing was changed"))
    }
}
