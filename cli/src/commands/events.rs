//! `events`: the event types of the catalogue, from the generated `EventType`, so that an event
//! added to the catalogue is listed here with no edit.

use std::process::ExitCode;

use serde_json::json;
use steppay_webhooks::EventType;

use crate::error::CliError;
use crate::output::{Output, bold, pad, width};

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  steppay-webhooks events\n  steppay-webhooks events --json")]
pub(crate) struct Args {}

pub(crate) fn run(_: &Args, output: Output) -> Result<ExitCode, CliError> {
    if output.is_json() {
        for event_type in EventType::ALL {
            output.json(&json!({
                "type": event_type.as_str(),
                "name": { "ko": event_type.name_ko(), "en": event_type.name_en() },
                "schema": event_type.schema(),
            }));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let headings = ["EVENT TYPE", "이름", "NAME", "SCHEMA"];
    let rows: Vec<[&str; 4]> =
        EventType::ALL.iter().map(|t| [t.as_str(), t.name_ko(), t.name_en(), t.schema()]).collect();
    let columns: Vec<usize> = (0..4)
        .map(|i| {
            let cells = rows.iter().map(|row| row.get(i).map_or(0, |c| width(c)));
            cells.chain([headings.get(i).map_or(0, |h| width(h))]).max().unwrap_or(0)
        })
        .collect();
    let line = |cells: [&str; 4]| {
        let padded: Vec<String> =
            cells.iter().zip(&columns).map(|(cell, &columns)| pad(cell, columns)).collect();
        padded.join("  ").trim_end().to_owned()
    };
    output.text(&bold(&line(headings)));
    for row in rows {
        output.text(&line(row));
    }
    Ok(ExitCode::SUCCESS)
}
