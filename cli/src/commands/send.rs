//! `send`: a delivery signed exactly as StepPay signs one, POSTed to an endpoint: an event
//! type's example from the catalogue, or a body from a file or stdin, changed by `--set` and
//! `--unset` after each change is checked against the event's schema.
//!
//! Nothing is sent until every change has been checked and the result parses as the event.

use std::process::ExitCode;
use std::str::FromStr as _;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use steppay_webhooks::verify::{self, Label, sign_with_label};
use steppay_webhooks::{EventType, Webhook, testing};

use crate::error::{CliError, Code, closest};
use crate::json::{self, Missing, Path, Step};
use crate::output::{self, Output, bold, dim, pad, verdict};
use crate::request;
use crate::schema::{PayloadSchema, WalkError, describe, fits};
use crate::secret::{self, Secret};

#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  export STEPPAY_WEBHOOK_SECRET=…   # the secret your endpoint verifies with
  steppay-webhooks send payment.completed --to http://127.0.0.1:3000/webhooks/steppay
  steppay-webhooks send payment.completed --set data.paidAmount=1500 --to …
  steppay-webhooks send payment.completed --set 'data.status=\"FAILED\"' --to …
  steppay-webhooks send payment.completed --unset data.payer --to …
  steppay-webhooks send --body captured.json --to …
  cat body.json | steppay-webhooks send - --to …
  steppay-webhooks send --all --to …
  steppay-webhooks send payment.completed --dry-run --to …   # prints a curl command, sends nothing

An example's envelope `timestamp` is set to the signing time, as StepPay's is; a body you give
is sent byte for byte, changed only where --set or --unset says. Exit code 0: a 2xx answer;
1: another status; 2: a usage mistake (nothing was sent); 3: the endpoint could not be reached.")]
pub(crate) struct Args {
    /// The event type whose catalogue example to send (`steppay-webhooks events` lists them),
    /// or `-` to read the body from stdin
    #[arg(value_name = "EVENT_TYPE | -", required_unless_present_any = ["body", "all"], conflicts_with_all = ["body", "all"])]
    target: Option<String>,

    /// Send this file's bytes as the body
    #[arg(long, value_name = "FILE", conflicts_with = "all")]
    body: Option<String>,

    /// Send every event type's example, one after another, and print a table
    #[arg(long)]
    all: bool,

    /// The endpoint to POST to, e.g. http://127.0.0.1:3000/webhooks/steppay
    #[arg(long, value_name = "URL")]
    to: String,

    /// Change a value before signing: a path in the body and a JSON value, e.g.
    /// data.paidAmount=1500 or 'data.status="FAILED"'; checked against the event's schema
    #[arg(long = "set", value_name = "PATH=JSON", conflicts_with = "all")]
    sets: Vec<String>,

    /// Remove an optional field before signing, e.g. data.payer
    #[arg(long = "unset", value_name = "PATH", conflicts_with = "all")]
    unsets: Vec<String>,

    /// Sign at this time (Unix seconds) instead of now
    #[arg(long, value_name = "SECONDS")]
    timestamp: Option<i64>,

    /// The label of the signature in the header: `key` as StepPay's docs write it, or `v0` as a
    /// real delivery had it
    #[arg(long, value_enum, default_value_t = LabelArg::Key)]
    label: LabelArg,

    /// Print the request as a curl command and send nothing; the command computes the signature
    /// from $STEPPAY_WEBHOOK_SECRET with openssl, so neither the secret nor a signature is printed
    #[arg(long)]
    dry_run: bool,

    /// How long to wait for the endpoint's answer, in seconds
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    timeout: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LabelArg {
    Key,
    V0,
}

impl From<LabelArg> for Label {
    fn from(label: LabelArg) -> Self {
        match label {
            LabelArg::Key => Label::Key,
            LabelArg::V0 => Label::V0,
        }
    }
}

/// A body ready to sign.
struct Prepared {
    /// The event type, as the body says, for display.
    event: String,
    body: Vec<u8>,
}

pub(crate) fn run(args: Args, output: Output) -> Result<ExitCode, CliError> {
    let timestamp = args.timestamp.unwrap_or_else(testing::now);
    // clap requires an event type, --body or --all, and lets none of them come with another.
    let deliveries = match args.target.as_deref() {
        Some(target) if target != "-" => vec![prepare(&args, Source::Example(target), timestamp)?],
        Some(dash) => vec![prepare(&args, Source::File(dash), timestamp)?],
        None => match args.body.as_deref() {
            Some(path) => vec![prepare(&args, Source::File(path), timestamp)?],
            None => testing::examples().map(|example| example_body(&example, timestamp)).collect(),
        },
    };
    let label = Label::from(args.label);
    if args.dry_run {
        for delivery in &deliveries {
            let line = curl_line(&args.to, delivery, timestamp, label)?;
            output.text(&line);
            output.json(&json!({ "event": delivery.event, "curl": line }));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let sender = Sender {
        agent: agent(Duration::from_secs(args.timeout)),
        url: &args.to,
        secret: secret::read()?,
        timestamp,
        label,
    };
    match deliveries.as_slice() {
        [delivery] if !args.all => sender.one(delivery, output),
        all => sender.all(all, output),
    }
}

/// What `send` was given to send: an event type's example, or a file (`-`: stdin).
#[derive(Debug, Clone, Copy)]
enum Source<'a> {
    Example(&'a str),
    File(&'a str),
}

/// The example's body with its envelope `timestamp` set to the signing time, as StepPay's is.
fn example_body(example: &testing::Example, timestamp: i64) -> Prepared {
    let text = String::from_utf8_lossy(example.body).into_owned();
    let path = Path(vec![Step::Key("timestamp".to_owned())]);
    let text = match json::find(&text, &path) {
        Ok(span) => json::splice(&text, span, &timestamp.to_string()),
        Err(_) => text,
    };
    Prepared { event: example.event_type.to_string(), body: text.into_bytes() }
}

/// The body to send: the example, the file or stdin, with the changes applied and checked.
fn prepare(args: &Args, source: Source<'_>, timestamp: i64) -> Result<Prepared, CliError> {
    let (name, bytes, known) = match source {
        Source::Example(target) => {
            let event_type = event_type(target)?;
            let prepared = example_body(&testing::example(event_type), timestamp);
            (format!("the example of {event_type}"), prepared.body, Some(event_type))
        }
        Source::File(path) => {
            let (name, bytes) = request::read_bytes(path)?;
            (name, bytes, None)
        }
    };
    let event = peek_event(&bytes);
    if args.sets.is_empty() && args.unsets.is_empty() {
        return Ok(Prepared {
            event: event.unwrap_or_else(|| "(no event)".to_owned()),
            body: bytes,
        });
    }
    let Ok(mut text) = String::from_utf8(bytes) else {
        return Err(CliError::usage(format!(
            "{name} is not UTF-8 text, so --set and --unset cannot change it"
        )));
    };
    let event_type = match known {
        Some(event_type) => event_type,
        None => match event.as_deref().map(EventType::from_str) {
            Some(Ok(event_type)) => event_type,
            _ => {
                let said = event
                    .as_deref()
                    .map_or("no `event`".to_owned(), |e| format!("the event `{e}`"));
                return Err(CliError::usage(format!("cannot check --set and --unset: {name} has {said}, which this version's catalogue does not know"))
                    .help("send it unchanged, or edit the file"));
            }
        },
    };
    let schema = PayloadSchema::of(event_type);
    for set in &args.sets {
        text = apply_set(&text, &schema, event_type, set)?;
    }
    for unset in &args.unsets {
        text = apply_unset(&text, &schema, event_type, unset)?;
    }
    if let Err(error) = Webhook::from_slice(text.as_bytes()) {
        return Err(CliError::usage(format!("after --set and --unset, the body is not a `{event_type}` delivery this version can read"))
            .note(format!("at `{}`: {error}", error.path()))
            .help("change the value at that path; nothing was sent"));
    }
    Ok(Prepared { event: event_type.to_string(), body: text.into_bytes() })
}

/// The `event` of a body, if it has one.
fn peek_event(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Peek {
        event: Option<String>,
    }
    serde_json::from_slice::<Peek>(body).ok()?.event
}

fn event_type(name: &str) -> Result<EventType, CliError> {
    EventType::from_str(name).map_err(|_| {
        let mut error = CliError::usage(format!("unknown event type `{name}`"))
            .note("`steppay-webhooks events` lists the event types this version knows");
        if let Some(close) = closest(name, EventType::ALL.iter().map(|t| t.as_str())) {
            error = error.help(format!("did you mean `{close}`?"));
        }
        error
    })
}

/// What a path names: the shape of its value, whether its object requires it, and which struct
/// it belongs to.
fn lookup<'a>(
    schema: &'a PayloadSchema,
    event_type: EventType,
    path: &Path,
    argument: &str,
) -> Result<crate::schema::Walked<'a>, CliError> {
    let Some(Step::Key(first)) = path.0.first() else {
        return Err(CliError::usage(format!("`{path}` does not start with a field")).at(argument));
    };
    match first.as_str() {
        "data" => {
            let rest = path.0.get(1..).unwrap_or_default();
            schema
                .walk(rest)
                .map_err(|error| walk_error(&error, schema, event_type, path, argument))
        }
        "isTest" | "version" if path.0.len() == 1 => Ok(schema_envelope(schema, first)),
        "isTest" | "version" => Err(CliError::usage(format!(
            "`{first}` is a {} of the envelope, with no fields under it",
            if first == "isTest" { "boolean" } else { "string" }
        ))
        .at(argument)),
        "timestamp" => Err(CliError::usage("the envelope `timestamp` is the signing time")
            .at(argument)
            .help("use --timestamp <unix seconds>")),
        "event" => Err(CliError::usage(
            "`event` picks the schema of `data`, so it is not changed by --set",
        )
        .at(argument)
        .help("send another event type's example, or a body of your own with --body")),
        other => {
            let mut error = CliError::usage(format!("`{other}` is not a field of the delivery body"))
                .at(argument)
                .note("a delivery has `timestamp`, `version`, `event`, `data` and `isTest`; the payload's fields are under `data.`");
            let suggestion =
                closest(other, ["data", "isTest", "version"]).map(str::to_owned).or_else(|| {
                    schema
                        .walk(&[Step::Key(other.to_owned())])
                        .ok()
                        .map(|_| format!("data.{other}"))
                });
            if let Some(suggestion) = suggestion {
                error = error.help(format!("did you mean `{suggestion}`?"));
            }
            Err(error)
        }
    }
}

/// The envelope's `isTest` (a boolean that may be absent) and `version` (a string).
fn schema_envelope<'a>(schema: &'a PayloadSchema, field: &str) -> crate::schema::Walked<'a> {
    static IS_TEST: std::sync::LazyLock<Value> =
        std::sync::LazyLock::new(|| json!({ "type": ["boolean", "null"] }));
    static VERSION: std::sync::LazyLock<Value> =
        std::sync::LazyLock::new(|| json!({ "type": "string" }));
    let (node, required) = if field == "isTest" { (&*IS_TEST, false) } else { (&*VERSION, true) };
    crate::schema::Walked { shape: schema.shape(node), required, owner: Some("the envelope") }
}

fn walk_error(
    error: &WalkError,
    schema: &PayloadSchema,
    event_type: EventType,
    path: &Path,
    argument: &str,
) -> CliError {
    match error {
        WalkError::UnknownField { depth, field, owner, known } => {
            let at = path.prefix(depth + 2);
            let mut error =
                CliError::usage(format!("`{path}` is not a field: {owner} has no `{field}`"))
                    .at(argument)
                    .note(format!("{owner}'s fields: {}", known.join(", ")));
            if let Some(close) = closest(field, known.iter().map(String::as_str)) {
                let mut fixed = path.clone();
                if let Some(step) = fixed.0.get_mut(depth + 1) {
                    *step = Step::Key(close.to_owned());
                }
                error = error.help(format!("did you mean `{fixed}`?"));
            } else {
                error = error.help(format!("`{at}` is not in the schema of {event_type}'s data ({}); `steppay-webhooks events` and the reference tables list the fields", schema.name()));
            }
            error
        }
        WalkError::NotAList { depth, is } => {
            CliError::usage(format!("`{}` is {is}, not a list", path.prefix(depth + 1)))
                .at(argument)
        }
        WalkError::NotAnObject { depth, is } => {
            CliError::usage(format!("`{}` is {is}, not an object", path.prefix(depth + 1)))
                .at(argument)
        }
    }
}

fn apply_set(
    text: &str,
    schema: &PayloadSchema,
    event_type: EventType,
    set: &str,
) -> Result<String, CliError> {
    let argument = format!("--set {set}");
    let Some((path_text, value_text)) = set.split_once('=') else {
        return Err(CliError::usage(format!("`--set {set}` has no `=`"))
            .help("write PATH=JSON, e.g. --set data.paidAmount=1500"));
    };
    let path = Path::parse(path_text)
        .map_err(|why| CliError::usage(format!("not a path: {why}")).at(&argument))?;
    let walked = lookup(schema, event_type, &path, &argument)?;
    let expected = describe(schema, walked.shape);
    let value: Value = serde_json::from_str(value_text).map_err(|_| {
        let mut error = CliError::usage(format!("the value of `--set {path}` is not JSON"))
            .at(&argument)
            .note(format!("`{path}` takes {expected}"));
        if !value_text.trim().is_empty() && !value_text.trim_start().starts_with(['"', '{', '[']) {
            error =
                error.help(format!("a string needs JSON quotes: --set '{path}=\"{value_text}\"'"));
        }
        error
    })?;
    let (fits, note) = fits(walked.shape, &value);
    if !fits {
        return Err(CliError::usage(format!("`{path}` takes {expected}, not {}", kind(&value)))
            .at(&argument)
            .help("nothing was sent; give a value of that type"));
    }
    if let Some(note) = note {
        output::warn(&format!(
            "{note}; sending it anyway, as StepPay may add values (--set {path})"
        ));
    }
    match json::find(text, &path) {
        Ok(span) => Ok(json::splice(text, span, value_text.trim())),
        Err(Missing::Key { object }) => {
            let Some(Step::Key(key)) = path.0.last() else { return Ok(text.to_owned()) };
            Ok(json::insert_member(text, object, key, value_text.trim()))
        }
        Err(Missing::Before(prefix, why)) => {
            Err(CliError::usage(format!("cannot set `{path}`: `{prefix}` {why} in this body"))
                .at(&argument)
                .help(format!("set `{prefix}` whole, e.g. --set '{prefix}={{…}}'")))
        }
    }
}

fn apply_unset(
    text: &str,
    schema: &PayloadSchema,
    event_type: EventType,
    unset: &str,
) -> Result<String, CliError> {
    let argument = format!("--unset {unset}");
    let path = Path::parse(unset)
        .map_err(|why| CliError::usage(format!("not a path: {why}")).at(&argument))?;
    let Some(Step::Key(key)) = path.0.last() else {
        return Err(CliError::usage(format!(
            "--unset removes a field, and `{path}` is a list item"
        ))
        .at(&argument)
        .help("--set the whole list instead"));
    };
    let walked = lookup(schema, event_type, &path, &argument)?;
    if walked.required {
        return Err(CliError::usage(format!(
            "`{path}` cannot be unset: {} requires it",
            walked.owner.unwrap_or("its object")
        ))
        .at(&argument)
        .help(format!("--set it to another value instead ({})", describe(schema, walked.shape))));
    }
    let parent = path.prefix(path.0.len() - 1);
    match (json::find(text, &path), json::find(text, &parent)) {
        (Ok(_), Ok(object)) => Ok(json::remove_member(text, object, key)),
        _ => {
            output::warn(&format!("`{path}` is not in this body: nothing to unset"));
            Ok(text.to_owned())
        }
    }
}

/// "a string", "a number", … for a JSON value.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a number with a fraction",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// The endpoint's answer.
struct Answer {
    status: u16,
    reason: Option<&'static str>,
    latency: Duration,
    body: Vec<u8>,
}

impl Answer {
    fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    fn status_line(&self) -> String {
        match self.reason {
            Some(reason) => format!("{} {reason}", self.status),
            None => self.status.to_string(),
        }
    }

    /// The body as text, at most `limit` bytes of it.
    fn text(&self, limit: usize) -> String {
        match std::str::from_utf8(&self.body) {
            Ok(text) if text.len() <= limit => text.trim_end().to_owned(),
            Ok(text) => {
                let cut = (0..=limit).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
                format!(
                    "{}… ({} more bytes)",
                    text.get(..cut).unwrap_or_default(),
                    text.len() - cut
                )
            }
            Err(_) => format!("<{} bytes, not text>", self.body.len()),
        }
    }

    fn json(&self, event: &str, url: &str) -> Value {
        json!({
            "event": event,
            "url": url,
            "status": self.status,
            "ok": self.ok(),
            "latency_ms": self.latency.as_secs_f64() * 1000.0,
            "response": String::from_utf8_lossy(&self.body),
        })
    }
}

fn agent(timeout: Duration) -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        // A 4xx or 5xx is an answer to show, with its body, not an error.
        .http_status_as_error(false)
        .build();
    ureq::Agent::new_with_config(config)
}

fn connection_error(url: &str, error: &ureq::Error) -> CliError {
    match error {
        ureq::Error::BadUri(_) | ureq::Error::Http(_) => {
            CliError::usage(format!("`{url}` is not a URL to send to: {error}"))
                .help("give a URL such as http://127.0.0.1:3000/webhooks/steppay")
        }
        _ => CliError::new(Code::Connection, format!("could not reach {url}: {error}")).help(
            "is the receiver running? `steppay-webhooks listen --port 3000` starts one to try with",
        ),
    }
}

/// Where and how `send` posts: one agent, one endpoint, one secret, one signing time and label.
struct Sender<'a> {
    agent: ureq::Agent,
    url: &'a str,
    secret: Secret,
    timestamp: i64,
    label: Label,
}

impl Sender<'_> {
    /// Sends one delivery and prints the answer.
    fn one(&self, delivery: &Prepared, output: Output) -> Result<ExitCode, CliError> {
        let answer = self.post(delivery)?;
        output.json(&answer.json(&delivery.event, self.url));
        output.text(&format!(
            "{} → {} {}",
            bold(&delivery.event),
            self.url,
            dim(&format!(
                "({} bytes, signed at {}, {}=)",
                delivery.body.len(),
                self.timestamp,
                self.label.as_str()
            ))
        ));
        output.text(&format!(
            "{} in {}",
            verdict(&answer.status_line(), answer.ok()),
            milliseconds(answer.latency)
        ));
        if !answer.body.is_empty() {
            output.text(&answer.text(4096));
        }
        Ok(if answer.ok() { ExitCode::SUCCESS } else { Code::Failed.into() })
    }

    /// Signs one delivery and posts it.
    fn post(&self, delivery: &Prepared) -> Result<Answer, CliError> {
        let header =
            sign_with_label(self.secret.as_bytes(), self.timestamp, &delivery.body, self.label);
        let started = Instant::now();
        let response = self
            .agent
            .post(self.url)
            .header("content-type", "application/json")
            .header(verify::HEADER, &header)
            .send(&delivery.body[..]);
        let mut response = response.map_err(|error| connection_error(self.url, &error))?;
        let body =
            response.body_mut().with_config().limit(1024 * 1024).read_to_vec().unwrap_or_default();
        let latency = started.elapsed();
        let status = response.status();
        Ok(Answer { status: status.as_u16(), reason: status.canonical_reason(), latency, body })
    }

    /// Sends each delivery in turn and prints a table of the answers.
    fn all(&self, deliveries: &[Prepared], output: Output) -> Result<ExitCode, CliError> {
        let url = self.url;
        let width = deliveries.iter().map(|d| d.event.len()).max().unwrap_or(10).max(10);
        output.text(&format!("sending {} deliveries to {url}", deliveries.len()));
        output.text(&bold(&format!("{}  STATUS  TIME      ANSWER", pad("EVENT TYPE", width))));
        let started = Instant::now();
        let mut failed = 0;
        for delivery in deliveries {
            let answer = self.post(delivery)?;
            failed += usize::from(!answer.ok());
            output.json(&answer.json(&delivery.event, url));
            let first_line = answer.text(60);
            let first_line = first_line.lines().next().unwrap_or_default();
            output.text(&format!(
                "{}  {}  {}  {first_line}",
                pad(&delivery.event, width),
                verdict(&format!("{:<6}", answer.status), answer.ok()),
                pad(&milliseconds(answer.latency), 8)
            ));
        }
        output.text(&format!(
            "{} deliveries in {}: {} answered 2xx, {failed} did not",
            deliveries.len(),
            milliseconds(started.elapsed()),
            deliveries.len() - failed
        ));
        output.flush();
        Ok(if failed == 0 { ExitCode::SUCCESS } else { Code::Failed.into() })
    }
}

fn milliseconds(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

/// A shell command that sends this delivery: the body in a shell variable, and the signature
/// computed when the command runs, from `$STEPPAY_WEBHOOK_SECRET`, with openssl. Neither the
/// secret nor a signature is in it.
fn curl_line(
    url: &str,
    delivery: &Prepared,
    timestamp: i64,
    label: Label,
) -> Result<String, CliError> {
    let Ok(body) = std::str::from_utf8(&delivery.body) else {
        return Err(CliError::usage("--dry-run needs a body that is UTF-8 text"));
    };
    if body.contains('\0') {
        return Err(CliError::usage(
            "--dry-run cannot print a body with a NUL byte: a shell variable cannot hold it",
        ));
    }
    let variable = secret::VARIABLE;
    Ok(format!(
        "body={}; curl -sS -i -X POST {} -H 'Content-Type: application/json' -H \"Steppay-Signature: timestamp={timestamp},{}=$(printf '%s.%s' {timestamp} \"$body\" | openssl dgst -sha256 -hmac \"${variable}\" -binary | base64)\" --data-binary \"$body\"",
        shell_quote(body),
        shell_quote(url),
        label.as_str(),
    ))
}

/// `text` in single quotes for a POSIX shell.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_example_keeps_every_other_byte() {
        let prepared = example_body(&testing::example(EventType::PaymentCompleted), 1_900_000_000);
        let original = testing::example(EventType::PaymentCompleted).body;
        let text = String::from_utf8(prepared.body).expect("UTF-8");
        let schema = PayloadSchema::of(EventType::PaymentCompleted);
        let changed =
            apply_set(&text, &schema, EventType::PaymentCompleted, "data.paidAmount=1500.50")
                .expect("applies");
        assert!(changed.contains("\"paidAmount\": 1500.50,"), "{changed}");
        assert!(changed.contains("\"timestamp\": 1900000000,"));
        assert_eq!(
            changed.len(),
            original.len() + 2,
            "a ten-digit timestamp, and two characters more in the amount"
        );
        let removed = apply_unset(&changed, &schema, EventType::PaymentCompleted, "data.payer")
            .expect("applies");
        assert!(
            !removed.contains("payer") && Webhook::from_slice(removed.as_bytes()).is_ok(),
            "{removed}"
        );
    }

    #[test]
    fn bad_changes_name_the_path_and_the_type() {
        let text =
            String::from_utf8(example_body(&testing::example(EventType::PaymentCompleted), 1).body)
                .expect("UTF-8");
        let schema = PayloadSchema::of(EventType::PaymentCompleted);
        let error = |set: &str| {
            apply_set(&text, &schema, EventType::PaymentCompleted, set)
                .expect_err("refused")
                .to_string()
        };
        let unknown = error("data.paidAmont=1");
        assert!(
            unknown.contains("Payment has no `paidAmont`")
                && unknown.contains("did you mean `data.paidAmount`?"),
            "{unknown}"
        );
        let wrong = error("data.paidAmount=\"1500\"");
        assert!(
            wrong.contains("`data.paidAmount` takes a number, or null, not a string"),
            "{wrong}"
        );
        let bare = error("data.status=FAILED");
        assert!(bare.contains("--set 'data.status=\"FAILED\"'"), "{bare}");
        let required = apply_unset(&text, &schema, EventType::PaymentCompleted, "data.paymentId")
            .expect_err("refused")
            .to_string();
        assert!(required.contains("cannot be unset: Payment requires it"), "{required}");
    }

    #[test]
    fn the_dry_run_line_names_the_variable_and_quotes_the_body() {
        let delivery = Prepared { event: "x".into(), body: b"{\"a\":\"it's\"}".to_vec() };
        let line = curl_line("http://127.0.0.1:1/h", &delivery, 5, Label::V0).expect("a line");
        assert!(line.starts_with("body='{\"a\":\"it'\\''s\"}'; curl"), "{line}");
        assert!(line.contains("timestamp=5,v0=$(printf '%s.%s' 5 \"$body\" | openssl dgst -sha256 -hmac \"$STEPPAY_WEBHOOK_SECRET\" -binary | base64)"), "{line}");
    }
}
