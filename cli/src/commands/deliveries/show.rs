//! `deliveries show KEY`: what happened to one delivery: its state and why, each run (when it
//! started, how long it took, how it ended, what started it), when it runs next, and its body
//! with personal data redacted by the library's `redact` module (`--reveal` shows it, and says
//! so on stderr).

use std::process::ExitCode;

use serde::Serialize;
use serde_json::value::RawValue;
use steppay_webhooks::EventType;
use steppay_webhooks::json_tree::JsonTree as Tree;
use steppay_webhooks::key::DeliveryKey;
use steppay_webhooks::redact::{self, RedactedBody};
use steppay_webhooks::store::{DeliveryRecord, DeliveryStore, Filter, Page, State};

use super::store::{StoreArgs, StoreSpec};
use super::table::{precise_time, relative, render, time};
use super::{SummaryJson, now};
use crate::error::{CliError, Code};
use crate::output::{Output, bold, dim, warn};

#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  steppay-webhooks deliveries show 3f9a1c0b2e4d…   # as `list` prints it: the start of the key
  steppay-webhooks --json deliveries show KEY
  steppay-webhooks deliveries show --reveal KEY     # personal data too; says so on stderr")]
pub(crate) struct Args {
    #[command(flatten)]
    store: StoreArgs,

    /// The delivery's key, or its start as `list` prints it (`3f9a1c0b2e4d…`), when no other key
    /// starts the same
    key: String,

    /// Show the body's personal data (names, emails, phone numbers, addresses, accounts)
    /// instead of `<redacted>`
    #[arg(long)]
    reveal: bool,
}

/// `show --json`: the delivery as `list` prints it, its runs, and its body.
#[derive(Serialize)]
struct ShowJson {
    #[serde(flatten)]
    summary: SummaryJson,
    runs: Vec<RunJson>,
    /// The body as received, personal values redacted unless `revealed`; `null` when the store
    /// no longer keeps it, or it cannot be shown redacted.
    body: Option<Box<RawValue>>,
    /// How many values of the body were redacted.
    redacted: usize,
    revealed: bool,
}

#[derive(Serialize)]
struct RunJson {
    attempt: u32,
    started_at: String,
    duration_ms: u128,
    outcome: &'static str,
    started_by: &'static str,
    /// The handler's note, which it marked safe to show.
    note: Option<String>,
}

pub(crate) async fn run(args: Args, output: Output) -> Result<ExitCode, CliError> {
    let spec = args.store.spec()?;
    let key = args.key.trim();
    if key.is_empty() {
        return Err(CliError::usage("the key is empty").at("KEY"));
    }
    let store = spec.open().await?;
    let whole = store
        .get(&DeliveryKey::new(key))
        .await
        .map_err(|e| spec.failed("reading the delivery", &e))?;
    let record = match whole {
        Some(record) => record,
        None => by_start(&*store, &spec, key).await?,
    };
    if args.reveal {
        warn("--reveal: the body below is shown with its personal data, unredacted");
    }
    let body = Body::of(&record, args.reveal);

    if output.is_json() {
        let (body_json, redacted) = match &body {
            Body::Shown { tree, redacted } => {
                (RawValue::from_string(tree.compact()).ok(), *redacted)
            }
            _ => (None, 0),
        };
        output.json(&ShowJson {
            summary: SummaryJson::of(&record.summary),
            runs: record
                .attempts
                .iter()
                .map(|run| RunJson {
                    attempt: run.attempt,
                    started_at: super::filter::rfc3339(run.started_at),
                    duration_ms: run.duration.as_millis(),
                    outcome: run.outcome.as_str(),
                    started_by: run.started_by.as_str(),
                    note: run.note.clone(),
                })
                .collect(),
            body: body_json,
            redacted,
            revealed: args.reveal,
        });
        return Ok(ExitCode::SUCCESS);
    }
    output.text(&human(&record, &body));
    Ok(ExitCode::SUCCESS)
}

/// The most keys an ambiguous start lists.
const AMBIGUOUS_SHOWN: usize = 5;

/// The one delivery whose key starts with `key`, as `list` prints keys cut short (`3f9a1c0b2e4d…`);
/// an error that lists the candidates when there are several.
async fn by_start(
    store: &dyn DeliveryStore,
    spec: &StoreSpec,
    key: &str,
) -> Result<DeliveryRecord, CliError> {
    let start = key.trim_end_matches('…');
    let not_found = || {
        CliError::new(Code::Failed, format!("no delivery with key `{key}`"))
            .at(spec.shown())
            .help("`deliveries list` shows the keys the store holds")
    };
    if start.is_empty() {
        return Err(not_found());
    }
    let filter = Filter::new().key_prefix(start);
    let page = Page::first(AMBIGUOUS_SHOWN + 1);
    let found =
        store.list(&filter, &page).await.map_err(|e| spec.failed("finding the delivery", &e))?;
    match found.as_slice() {
        [] => Err(not_found()),
        [one] => store
            .get(&one.key)
            .await
            .map_err(|e| spec.failed("reading the delivery", &e))?
            .ok_or_else(not_found),
        several => {
            let count = if several.len() > AMBIGUOUS_SHOWN {
                format!("more than {AMBIGUOUS_SHOWN}")
            } else {
                several.len().to_string()
            };
            let error = CliError::new(Code::Failed, format!("{count} keys start with `{start}`"))
                .at(spec.shown());
            let error = several.iter().take(AMBIGUOUS_SHOWN).fold(error, |error, summary| {
                let event = summary.event_type.as_deref().unwrap_or("?");
                error.note(format!("{} ({event}, {})", summary.key, summary.state.as_str()))
            });
            Err(error.help("give more of the key"))
        }
    }
}

/// The body as `show` prints it.
enum Body {
    /// Kept, and shown: redacted by the library's rule unless `--reveal`.
    Shown { tree: Tree, redacted: usize },
    /// Kept, but not shown: why.
    Hidden(String),
    /// Not kept any more (done, or discarded).
    Gone,
}

impl Body {
    fn of(record: &DeliveryRecord, reveal: bool) -> Self {
        let Some(bytes) = &record.body else {
            return Self::Gone;
        };
        if reveal {
            // As received: members in their order, numbers as written.
            return match std::str::from_utf8(bytes).ok().and_then(|text| Tree::parse(text).ok()) {
                Some(tree) => Self::Shown { tree, redacted: 0 },
                None => Self::Hidden(format!("{} bytes kept, but not JSON text", bytes.len())),
            };
        }
        match redact::body(bytes) {
            RedactedBody::Shown(shown) => {
                Self::Shown { tree: shown.tree().clone(), redacted: shown.count() }
            }
            RedactedBody::Withheld(withheld) => Self::Hidden(format!(
                "{} bytes kept, but {} (--reveal shows them)",
                withheld.len(),
                withheld.reason()
            )),
            _ => Self::Hidden("this version cannot show it redacted".to_owned()),
        }
    }
}

fn human(record: &DeliveryRecord, body: &Body) -> String {
    let now = now();
    let summary = &record.summary;
    let mut text = String::new();
    let mut line = |label: &str, value: String| {
        text.push_str(&format!("{} {value}\n", bold(&format!("{label:<9}"))));
    };
    line("key", summary.key.to_string());
    let state = match (summary.state, summary.due_at) {
        (State::Pending | State::Failed, Some(due)) => {
            format!("{} · next run due {} ({})", summary.state, time(due), relative(due, now))
        }
        (State::Processing, Some(until)) => format!(
            "{} · a run holds it until {} ({})",
            summary.state,
            time(until),
            relative(until, now)
        ),
        (State::Dead, _) => format!("{} · no more runs unless retried", summary.state),
        (state, _) => match summary.last_outcome {
            Some(last) => format!("{state} · last run {last}"),
            None => state.to_string(),
        },
    };
    line("state", state);
    let event = match summary.event_type.as_deref() {
        Some(name) => match name.parse::<EventType>() {
            Ok(t) => format!("{t} · {} · {}", t.name_ko(), t.name_en()),
            Err(_) => format!("{name} (not in this version's catalogue)"),
        },
        None => "unknown (the body's `event` could not be read)".to_owned(),
    };
    line("event", event);
    line("subject", summary.subject.clone().unwrap_or_else(|| "-".to_owned()));
    line(
        "received",
        format!("{} UTC ({})", time(summary.received_at), relative(summary.received_at, now)),
    );
    line(
        "updated",
        format!("{} UTC ({})", time(summary.updated_at), relative(summary.updated_at, now)),
    );
    if let Some(reason) = &summary.reason {
        line("reason", reason.clone());
    }
    let recorded = record.attempts.len();
    let runs = if summary.attempts as usize > recorded {
        format!(
            "{} ({} without a recorded end: abandoned, or running)",
            summary.attempts,
            summary.attempts as usize - recorded
        )
    } else {
        summary.attempts.to_string()
    };
    line("runs", runs);
    if !record.attempts.is_empty() {
        let rows: Vec<[String; 6]> = record
            .attempts
            .iter()
            .map(|run| {
                [
                    format!("#{}", run.attempt),
                    precise_time(run.started_at),
                    format!("{} ms", run.duration.as_millis()),
                    run.outcome.as_str().to_owned(),
                    run.started_by.as_str().to_owned(),
                    run.note.clone().unwrap_or_default(),
                ]
            })
            .collect();
        for row in render(["RUN", "STARTED", "TOOK", "OUTCOME", "STARTED BY", "NOTE"], &rows) {
            text.push_str(&format!("  {row}\n"));
        }
    }
    match body {
        Body::Shown { tree, redacted } => {
            let note = if *redacted > 0 {
                dim(&format!("{redacted} personal values redacted (--reveal shows them)"))
            } else {
                String::new()
            };
            text.push_str(&format!("{} {note}\n", bold(&format!("{:<9}", "body"))));
            text.push_str(&tree.pretty());
        }
        Body::Hidden(why) => {
            text.push_str(&format!(
                "{} {}",
                bold(&format!("{:<9}", "body")),
                dim(&format!("not shown: {why}"))
            ));
        }
        Body::Gone => {
            text.push_str(&format!(
                "{} {}",
                bold(&format!("{:<9}", "body")),
                dim("no longer kept (done or discarded)")
            ));
        }
    }
    text
}
