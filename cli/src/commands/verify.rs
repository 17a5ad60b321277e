//! `verify`: whether a captured delivery verifies and, when it does not, why: a missing or
//! malformed header, a timestamp too far from now, a body changed after signing (a trailing
//! newline, CRLF line endings, re-formatted JSON), a secret used base64-decoded, or a secret that
//! is not the one that signed. It never prints the secret or the expected signature.

use std::process::ExitCode;
use std::time::Duration;

use serde_json::json;
use steppay_webhooks::{testing, verify};

use crate::diagnose::diagnose;
use crate::error::{CliError, Code};
use crate::output::{Output, verdict};
use crate::request;
use crate::secret;

#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  steppay-webhooks verify --header 'timestamp=1741065731,key=…' body.json
  steppay-webhooks verify captured-request.http        # the header is read from the request
  steppay-webhooks verify --now 1741065731 captured-request.http
  pbpaste | steppay-webhooks verify --header \"$SIG\" -

The secret comes from STEPPAY_WEBHOOK_SECRET (or a prompt). Exit code 0: it verifies; 1: it
does not (the reason is printed); 2: a usage mistake.")]
pub(crate) struct Args {
    /// The body as received, or a whole captured HTTP request (its Steppay-Signature header is
    /// used); `-` reads stdin
    #[arg(value_name = "FILE | -")]
    input: String,

    /// The Steppay-Signature header's value, as received
    #[arg(long, value_name = "VALUE")]
    header: Option<String>,

    /// Check as of this time (Unix seconds) instead of now, e.g. a captured delivery's own time
    #[arg(long, value_name = "SECONDS")]
    now: Option<i64>,

    /// How far the signed timestamp may be from now, in seconds
    #[arg(long, value_name = "SECONDS", default_value_t = verify::DEFAULT_TOLERANCE.as_secs())]
    tolerance: u64,
}

pub(crate) fn run(args: Args, output: Output) -> Result<ExitCode, CliError> {
    let input = request::read(&args.input)?;
    let header = args.header.clone().or_else(|| input.header.clone());
    if args.header.is_none() && !input.was_request {
        return Err(CliError::usage("no Steppay-Signature header to check")
            .at(&input.name)
            .note("the input is a body, not a captured HTTP request with headers")
            .help("give the header with --header '<value as received>'"));
    }
    let secret = secret::read()?;
    let now = args.now.unwrap_or_else(testing::now);
    let diagnosis = diagnose(
        secret.as_bytes(),
        header.as_deref(),
        &input.body,
        now,
        Duration::from_secs(args.tolerance),
    );
    let mut notes = diagnosis.notes();
    if let Some(length) = input.length_mismatch {
        notes.push(format!(
            "the request's Content-Length is {length}, but the body after the headers is {} bytes",
            input.body.len()
        ));
    }
    output.json(&json!({
        "verified": diagnosis.verified(),
        "diagnosis": diagnosis.code(),
        "message": diagnosis.message(),
        "notes": notes,
        "help": diagnosis.help(),
    }));
    if diagnosis.verified() {
        output.text(&format!("{} {}", verdict("✓", true), diagnosis.message()));
        return Ok(ExitCode::SUCCESS);
    }
    output.text(&format!("{} does not verify", verdict("✗", false)));
    let mut error = CliError::new(Code::Failed, diagnosis.message()).at(&input.name);
    for note in notes {
        error = error.note(note);
    }
    if let Some(help) = diagnosis.help() {
        error = error.help(help);
    }
    Err(error)
}
