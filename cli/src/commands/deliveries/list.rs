//! `deliveries list`: a page of the deliveries a filter matches, newest first, with the cursor
//! that continues it. No body, so no personal data.

use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use steppay_webhooks::key::DeliveryKey;
use steppay_webhooks::store::{Cursor, Page};

use super::filter::FilterArgs;
use super::store::StoreArgs;
use super::table::{next_or_last, render, short_key, time};
use super::{SummaryJson, now};
use crate::error::CliError;
use crate::output::{Output, dim};

#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  steppay-webhooks deliveries list --store sqlite:deliveries.db --subject payment:4418273
  steppay-webhooks deliveries list --state failed,dead --since 1h
  steppay-webhooks deliveries list --event payment.completed --since 2026-12-02T00:00:00+09:00
  steppay-webhooks deliveries list --state failed --after CURSOR    # the next page
  steppay-webhooks --json deliveries list --state dead | jq -r '.deliveries[].key'")]
pub(crate) struct Args {
    #[command(flatten)]
    store: StoreArgs,

    #[command(flatten)]
    filter: FilterArgs,

    /// The most deliveries to print (at most 1000)
    #[arg(long, value_name = "N", default_value_t = 50,
          value_parser = clap::value_parser!(u16).range(1..=Page::MAX_LIMIT as i64))]
    limit: u16,

    /// Continue after the last delivery of a previous page (the cursor it printed)
    #[arg(long, value_name = "CURSOR")]
    after: Option<String>,

    /// Print whole keys, as `show` takes them
    #[arg(long)]
    wide: bool,
}

/// `list --json`: one object, the page and the cursor of the next one.
#[derive(Serialize)]
struct ListJson {
    deliveries: Vec<SummaryJson>,
    /// `--after` this for the next page; `null` when this page is the last.
    next: Option<String>,
}

pub(crate) async fn run(mut args: Args, output: Output) -> Result<ExitCode, CliError> {
    let spec = args.store.spec()?;
    let now = now();
    let filter = args.filter.filter(now)?;
    let limit = usize::from(args.limit);
    let page = match &args.after {
        Some(text) => Page::after(limit, decode_cursor(text)?),
        None => Page::first(limit),
    };
    let store = spec.open().await?;
    let deliveries =
        store.list(&filter, &page).await.map_err(|e| spec.failed("listing deliveries", &e))?;
    // A full page may have a next one; the cursor says where it starts.
    let next = (deliveries.len() == page.limit)
        .then(|| deliveries.last().map(|last| encode_cursor(&last.cursor())))
        .flatten();

    if output.is_json() {
        output
            .json(&ListJson { deliveries: deliveries.iter().map(SummaryJson::of).collect(), next });
        return Ok(ExitCode::SUCCESS);
    }
    if deliveries.is_empty() {
        let what =
            if args.after.is_some() { "no more deliveries match" } else { "no delivery matches" };
        output.text(&format!("{what} in {}", spec.shown()));
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<[String; 7]> = deliveries
        .iter()
        .map(|d| {
            [
                time(d.received_at),
                if args.wide { d.key.as_str().to_owned() } else { short_key(d.key.as_str()) },
                d.event_type.clone().unwrap_or_else(|| "?".to_owned()),
                d.subject.clone().unwrap_or_else(|| "-".to_owned()),
                d.state.as_str().to_owned(),
                d.attempts.to_string(),
                next_or_last(d, now),
            ]
        })
        .collect();
    let headings =
        ["RECEIVED (UTC)", "KEY", "EVENT", "SUBJECT", "STATE", "RUNS", "NEXT / LAST OUTCOME"];
    for line in render(headings, &rows) {
        output.text(&line);
    }
    let count = deliveries.len();
    let noun = if count == 1 { "delivery" } else { "deliveries" };
    output.text(&dim(&format!("{count} {noun} in {}", spec.shown())));
    if let [only] = deliveries.as_slice() {
        output.text(&format!("steppay-webhooks deliveries show {}", only.key));
    }
    if let Some(next) = next {
        args.filter.pin_times(&filter);
        let mut flags = args.store.as_flags(&spec);
        flags.extend(args.filter.as_flags());
        flags.push(format!("--limit {limit}"));
        flags.push(format!("--after {next}"));
        output.text(&format!("more: steppay-webhooks deliveries list {}", flags.join(" ")));
    }
    Ok(ExitCode::SUCCESS)
}

/// A cursor as one word a shell leaves alone: the time to the nanosecond and the key, base64.
fn encode_cursor(cursor: &Cursor) -> String {
    let since = cursor.received_at.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    let text = format!("{}.{:09}:{}", since.as_secs(), since.subsec_nanos(), cursor.key);
    URL_SAFE_NO_PAD.encode(text)
}

fn decode_cursor(text: &str) -> Result<Cursor, CliError> {
    let bad = || {
        CliError::usage("`--after` is not a cursor `list` printed")
            .at(format!("--after {}", text.chars().take(80).collect::<String>()))
            .help("copy the cursor from the `more:` line (or `next` with --json) of the previous page")
    };
    let bytes = URL_SAFE_NO_PAD.decode(text.trim()).map_err(|_| bad())?;
    let decoded = String::from_utf8(bytes).map_err(|_| bad())?;
    let (time, key) = decoded.split_once(':').ok_or_else(bad)?;
    let (secs, nanos) = time.split_once('.').ok_or_else(bad)?;
    let secs: u64 = secs.parse().map_err(|_| bad())?;
    let nanos: u32 = nanos.parse().map_err(|_| bad())?;
    if nanos >= 1_000_000_000 || key.is_empty() {
        return Err(bad());
    }
    let received_at =
        SystemTime::UNIX_EPOCH.checked_add(Duration::new(secs, nanos)).ok_or_else(bad)?;
    Ok(Cursor { received_at, key: DeliveryKey::new(key) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_others_are_refused() {
        let cursor = Cursor {
            received_at: SystemTime::UNIX_EPOCH + Duration::new(1_764_712_800, 123_456_000),
            key: DeliveryKey::new("ab:cd"),
        };
        let text = encode_cursor(&cursor);
        assert!(text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'), "{text}");
        assert_eq!(decode_cursor(&text).ok(), Some(cursor));
        assert!(decode_cursor("not a cursor").is_err());
        assert!(decode_cursor(&URL_SAFE_NO_PAD.encode("1.5:k")).is_ok());
        assert!(decode_cursor(&URL_SAFE_NO_PAD.encode("1.5")).is_err());
        assert!(decode_cursor(&URL_SAFE_NO_PAD.encode("1.9999999999:k")).is_err());
    }
}
