//! `dashboard`: the library's operator page over a store, on 127.0.0.1 only, behind a random
//! token made for this run and printed in the URL (as Jupyter does). The library's
//! `Dashboard::access_token` refuses every request without it; Ctrl-C stops the server.

use std::process::ExitCode;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;
use steppay_webhooks::dashboard::Dashboard;

use super::deliveries::block_on;
use super::deliveries::store::StoreArgs;
use crate::error::CliError;
use crate::output::{Output, dim};

#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  steppay-webhooks dashboard --store sqlite:deliveries.db
  STEPPAY_WEBHOOKS_STORE=postgres://app@db.internal/shop steppay-webhooks dashboard --port 8080

It listens on 127.0.0.1 only and prints a URL holding a token made for this run: anyone with the
URL can retry and discard deliveries, so share it as you would the store's password. To reach it
from another machine, forward the port over SSH. Ctrl-C stops it.")]
pub(crate) struct Args {
    #[command(flatten)]
    store: StoreArgs,

    /// The port on 127.0.0.1 (0: any free port; the URL printed says which)
    #[arg(long, default_value_t = 0)]
    port: u16,
}

pub(crate) fn run(args: Args, output: Output) -> Result<ExitCode, CliError> {
    let spec = args.store.spec()?;
    let token = token()?;
    block_on(async move {
        let store = spec.open().await?;
        let socket =
            tokio::net::TcpListener::bind(("127.0.0.1", args.port)).await.map_err(|e| {
                CliError::usage(format!("cannot listen on 127.0.0.1:{}: {e}", args.port))
                    .at("--port")
                    .help("choose another --port, or 0 for any free one")
            })?;
        let address = socket.local_addr().map_err(|e| CliError::usage(e.to_string()))?;
        let url = format!("http://{address}/?token={token}");
        output.text(&format!("dashboard of {} at", spec.shown()));
        output.text(&format!("    {url}"));
        output.text(&dim("anyone with this URL can retry and discard deliveries; Ctrl-C stops"));
        output.json(&json!({ "url": url, "store": spec.shown() }));
        output.flush();
        let app = Dashboard::new(store).access_token(token).router();
        axum::serve(socket, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|e| CliError::usage(format!("the dashboard stopped: {e}")))?;
        Ok(ExitCode::SUCCESS)
    })
}

/// 32 random bytes from the operating system, as 43 URL-safe characters.
fn token() -> Result<String, CliError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| {
        CliError::usage(format!("cannot make a random token: {e}"))
            .note("the operating system's random number source failed")
    })?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_url_safe_and_new_each_time() {
        let (a, b) = (token().expect("random"), token().expect("random"));
        assert_eq!(a.len(), 43);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'), "{a}");
        assert_ne!(a, b);
    }
}
