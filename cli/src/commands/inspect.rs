//! `inspect`: what a delivery says: its event type and names, when it was sent (UTC and KST), and
//! its payload with personal data redacted; or where it does not parse. `listen` prints each
//! delivery it receives the same way.
//!
//! For people the payload is shown as the crate's types read it (what a handler gets); with
//! `--json`, `data` is the delivery's own text, its members in StepPay's order and its numbers as
//! written (`1500.50` stays `1500.50`), never a `serde_json::Value`, which sorts keys and rewrites
//! numbers. Either way the personal values are redacted, and in the raw text so is any member
//! the catalogue does not list, since whether it is personal is not known.

use std::process::ExitCode;

use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use steppay_webhooks::json_tree::JsonTree as Tree;
use steppay_webhooks::{EventType, ParseError, ParseErrorKind, Webhook, redact};

use crate::error::{CliError, Code};
use crate::output::{Output, bold, dim};
use crate::request;

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  steppay-webhooks inspect body.json
  steppay-webhooks inspect captured-request.http      # a whole captured HTTP request works too
  pbpaste | steppay-webhooks inspect -
  steppay-webhooks inspect --show-personal body.json
  steppay-webhooks --json inspect body.json           # `data` as StepPay wrote it

The text shows the payload as this version's types read it (what a handler gets). With --json,
`data` is the delivery's own text, members in their order and numbers as written; personal
values are redacted either way, and in --json so is any member the catalogue does not list.")]
pub(crate) struct Args {
    /// The delivery body, or a whole captured HTTP request; `-` reads stdin
    #[arg(value_name = "FILE | -")]
    input: String,

    /// Show personal data (names, emails, phone numbers, addresses, accounts) instead of
    /// `<redacted>`
    #[arg(long)]
    show_personal: bool,
}

pub(crate) fn run(args: Args, output: Output) -> Result<ExitCode, CliError> {
    let input = request::read(&args.input)?;
    match Report::of(&input.body, args.show_personal) {
        Ok(report) => {
            output.text(&report.human);
            output.json(&report.json);
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            output.json(&json!({ "parsed": false, "error": parse_error_json(&error) }));
            Err(parse_error(&input.name, input.was_request, &error))
        }
    }
}

/// A delivery, rendered for people and for `--json`.
pub(crate) struct Report {
    pub(crate) human: String,
    pub(crate) json: ReportJson,
}

/// `inspect --json`'s object, its members in this order.
#[derive(Serialize)]
pub(crate) struct ReportJson {
    parsed: bool,
    event: String,
    known: bool,
    name: Option<Names>,
    schema: Option<&'static str>,
    timestamp: i64,
    sent_utc: Option<String>,
    sent_kst: Option<String>,
    version: String,
    is_test: Option<bool>,
    /// How many values of `data` are redacted.
    redacted: usize,
    /// The delivery's `data` as written, redacted; `null` when it is not shown.
    data: Option<Box<RawValue>>,
}

#[derive(Serialize)]
struct Names {
    ko: &'static str,
    en: &'static str,
}

impl Report {
    pub(crate) fn of(body: &[u8], show_personal: bool) -> Result<Self, ParseError> {
        let webhook = Webhook::from_slice(body)?;
        let sent_utc = webhook.sent_at();
        let kst = FixedOffset::east_opt(9 * 3600);
        let sent_kst = sent_utc.zip(kst).map(|(utc, kst)| utc.with_timezone(&kst));
        let format = |time: Option<String>| time.unwrap_or_else(|| "out of range".to_owned());
        let utc_text = format(sent_utc.map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string()));
        let kst_text = format(sent_kst.map(|t| t.format("%Y-%m-%d %H:%M:%S KST").to_string()));

        // The payload as the crate's types read it: written back from the typed value, in the
        // catalogue's field order, so that what shows is what a handler gets.
        let typed = serde_json::to_string(&webhook).ok().and_then(|text| Tree::parse(&text).ok());
        let mut data = typed.as_ref().and_then(|tree| tree.get("data")).cloned();
        // The payload as StepPay wrote it, for --json. A body that parsed is UTF-8 JSON.
        let raw = std::str::from_utf8(body).ok().and_then(|text| Tree::parse(text).ok());
        let mut raw_data = raw.as_ref().and_then(|tree| tree.get("data")).cloned();
        let event_type = webhook.event_type();
        let shown = |data: Option<&mut Tree>| match (event_type, data) {
            (_, None) => (0, false),
            // The library's redaction, the one rule `deliveries show` and the dashboard follow
            // too, over the same order-keeping tree.
            (Some(event_type), Some(data)) if !show_personal => {
                match redact::data(event_type, &data.compact()) {
                    Ok(redacted) => {
                        *data = redacted.tree().clone();
                        (redacted.count(), false)
                    }
                    Err(_) => (0, true),
                }
            }
            (Some(_), Some(_)) => (0, false),
            // An event the catalogue does not know: which fields are personal is not known.
            (None, Some(_)) => (0, !show_personal),
        };
        let (redacted, hidden) = shown(data.as_mut());
        let (raw_redacted, raw_hidden) = shown(raw_data.as_mut());

        let mut human = String::new();
        let mut line = |label: &str, value: String| {
            human.push_str(&format!("{} {value}\n", bold(&format!("{label:<8}"))));
        };
        match event_type {
            Some(t) => line("event", format!("{t} · {} · {}", t.name_ko(), t.name_en())),
            None => line(
                "event",
                format!("{} (not in this version's catalogue)", webhook.event.as_str()),
            ),
        }
        if let Some(t) = event_type {
            line("schema", t.schema().to_owned());
        }
        line(
            "sent",
            format!(
                "{utc_text} · {kst_text} {}",
                dim(&format!("(timestamp {})", webhook.timestamp))
            ),
        );
        line("version", webhook.version.clone());
        line("isTest", webhook.is_test.map_or_else(|| "absent".to_owned(), |t| t.to_string()));
        let data_text = match (&data, hidden) {
            (_, true) => {
                line(
                    "data",
                    dim(
                        "not shown: this version cannot tell which fields are personal (--show-personal shows it)",
                    ),
                );
                None
            }
            (Some(data), false) => {
                let note = if redacted > 0 {
                    dim(&format!(
                        "{redacted} personal values redacted (--show-personal shows them)"
                    ))
                } else {
                    String::new()
                };
                line("data", note);
                Some(data.pretty())
            }
            (None, false) => None,
        };
        if let Some(text) = &data_text {
            human.push_str(text);
            human.push('\n');
        }
        let json = ReportJson {
            parsed: true,
            event: webhook.event.as_str().to_owned(),
            known: event_type.is_some(),
            name: event_type.map(|t| Names { ko: t.name_ko(), en: t.name_en() }),
            schema: event_type.map(EventType::schema),
            timestamp: webhook.timestamp,
            sent_utc: sent_utc.map(|t| t.to_rfc3339()),
            sent_kst: sent_kst.map(|t: DateTime<FixedOffset>| t.to_rfc3339()),
            version: webhook.version.clone(),
            is_test: webhook.is_test,
            redacted: raw_redacted,
            // The tree's compact text is the JSON it was read from, whitespace aside.
            data: raw_data
                .filter(|_| !hidden && !raw_hidden)
                .and_then(|data| RawValue::from_string(data.compact()).ok()),
        };
        Ok(Self { human: human.trim_end().to_owned(), json })
    }
}

/// A body that does not parse, told like a compiler error.
pub(crate) fn parse_error(name: &str, in_request: bool, error: &ParseError) -> CliError {
    let location = if in_request {
        format!("{name}: the body's line {}, column {}", error.line(), error.column())
    } else {
        format!("{name}:{}:{}", error.line(), error.column())
    };
    let what = match error.event_type() {
        Some(event) => format!("`{name}` is not a `{event}` delivery this version can read"),
        None => format!("`{name}` is not a StepPay delivery this version can read"),
    };
    let help = match error.kind() {
        ParseErrorKind::Syntax => "give the body exactly as StepPay sent it (JSON)",
        ParseErrorKind::Envelope => {
            "a delivery has `timestamp`, `version`, `event` and `data` (and often `isTest`)"
        }
        _ => {
            "if StepPay really sends this, the catalogue is behind StepPay: please report it with the event type and the path"
        }
    };
    CliError::new(Code::Failed, what).at(location).note(error.to_string()).help(help)
}

fn parse_error_json(error: &ParseError) -> Value {
    json!({
        "event": error.event_type(),
        "path": error.path(),
        "line": error.line(),
        "column": error.column(),
        "message": error.to_string(),
    })
}
