//! `listen`: a receiver on 127.0.0.1 to point a StepPay test webhook at (through a tunnel of your
//! choice), or `send` at. Each `POST`, whatever its path, is verified and printed as `inspect`
//! prints it, and answered `200`; one that does not verify is answered `401`, with the reason
//! printed as `verify` tells it.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use serde::Serialize;
use serde_json::json;
use steppay_webhooks::{testing, verify};

use super::inspect::{Report, parse_error};
use crate::diagnose::{Diagnosis, diagnose};
use crate::error::CliError;
use crate::output::{Output, bold, verdict};
use crate::secret::{self, Secret};

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  export STEPPAY_WEBHOOK_SECRET=…      # the webhook's 검증 KEY
  steppay-webhooks listen --port 3000
  steppay-webhooks listen --port 0 --json    # any free port; one JSON object per delivery

It listens on 127.0.0.1 only: to receive StepPay's test deliveries, run a tunnel of your choice
to this port and register its URL as the webhook in StepPay's portal. Ctrl-C stops it.")]
pub(crate) struct Args {
    /// The port on 127.0.0.1 (0: any free port; the first line printed says which)
    #[arg(long, default_value_t = 3000)]
    port: u16,

    /// How far the signed timestamp may be from now, in seconds
    #[arg(long, value_name = "SECONDS", default_value_t = verify::DEFAULT_TOLERANCE.as_secs())]
    tolerance: u64,

    /// Show personal data instead of `<redacted>`
    #[arg(long)]
    show_personal: bool,
}

struct Listener {
    secret: Secret,
    tolerance: Duration,
    show_personal: bool,
    output: Output,
}

/// A verified delivery's `--json` line: `delivery` is `inspect --json`'s object, whose `data`
/// keeps the delivery's own text.
#[derive(Serialize)]
struct Received<'a, D: Serialize> {
    path: &'a str,
    verified: bool,
    delivery: D,
}

pub(crate) fn run(args: Args, output: Output) -> Result<ExitCode, CliError> {
    let secret = secret::read()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::usage(format!("cannot start the receiver: {e}")))?;
    let listener = Listener {
        secret,
        tolerance: Duration::from_secs(args.tolerance),
        show_personal: args.show_personal,
        output,
    };
    runtime.block_on(serve(args.port, listener))
}

async fn serve(port: u16, listener: Listener) -> Result<ExitCode, CliError> {
    let socket = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.map_err(|e| {
        CliError::usage(format!("cannot listen on 127.0.0.1:{port}: {e}"))
            .help("choose another --port, or 0 for any free one")
    })?;
    let address = socket.local_addr().map_err(|e| CliError::usage(e.to_string()))?;
    let output = listener.output;
    output.text(&format!("listening on http://{address}/ (any path); Ctrl-C stops"));
    output.json(&json!({ "listening": format!("http://{address}/") }));
    output.flush();
    let app = axum::Router::new().fallback(receive).with_state(Arc::new(listener));
    axum::serve(socket, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| CliError::usage(format!("the receiver stopped: {e}")))?;
    Ok(ExitCode::SUCCESS)
}

async fn receive(
    State(listener): State<Arc<Listener>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    if method != Method::POST {
        return (StatusCode::METHOD_NOT_ALLOWED, "StepPay delivers with POST\n".to_owned());
    }
    let output = listener.output;
    let diagnosis = match headers.get(verify::HEADER).map(|v| v.to_str()) {
        Some(Err(_)) => Diagnosis::MalformedHeader("it is not visible ASCII".to_owned()),
        header => diagnose(
            listener.secret.as_bytes(),
            header.and_then(Result::ok),
            &body,
            testing::now(),
            listener.tolerance,
        ),
    };
    let path = uri.path().to_owned();
    output.text(&bold(&format!("── POST {path} ({} bytes)", body.len())));
    if !diagnosis.verified() {
        output.text(&format!("{} {}", verdict("✗", false), diagnosis.message()));
        for note in diagnosis.notes() {
            output.text(&format!("  note: {note}"));
        }
        if let Some(help) = diagnosis.help() {
            output.text(&format!("  help: {help}"));
        }
        output.json(&json!({
            "path": path,
            "verified": false,
            "diagnosis": diagnosis.code(),
            "message": diagnosis.message(),
        }));
        output.flush();
        return (StatusCode::UNAUTHORIZED, format!("{}\n", diagnosis.message()));
    }
    output.text(&format!("{} {}", verdict("✓", true), diagnosis.message()));
    match Report::of(&body, listener.show_personal) {
        Ok(report) => {
            output.text(&report.human);
            output.json(&Received { path: &path, verified: true, delivery: &report.json });
        }
        Err(error) => {
            output.text(&parse_error("the body", false, &error).to_string());
            let delivery = json!({ "parsed": false, "error": error.to_string() });
            output.json(&Received { path: &path, verified: true, delivery });
        }
    }
    output.flush();
    (StatusCode::OK, "received\n".to_owned())
}
