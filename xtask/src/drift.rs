//! `cargo xtask drift <events page> <schema page> [--json]`: the catalogue against StepPay's own
//! Webhook-Events and Webhook-Schema pages.
//!
//! Reads the two pages and the catalogue, and prints `codegen`'s drift report. Exit 0: no
//! unreviewed drift; 1: drift (every finding comes with the YAML that adopts it); 2: a page or
//! the catalogue cannot be read.

use std::fs;
use std::process::ExitCode;

use codegen::drift::{self, render};
use codegen::pages::{EventsPage, SchemaPage};

use crate::workspace::{self, read_input};
use crate::{Args, usage_error};

pub(crate) fn run(args: &[String]) -> ExitCode {
    let args = match Args::parse("drift", args, &[("json", false)], 2) {
        Ok(args) => args,
        Err(message) => return usage_error(&message),
    };
    let [events_path, schema_path] = args.positional.as_slice() else {
        return usage_error(
            "`drift` takes two pages: the Webhook-Events page, then the Webhook-Schema page",
        );
    };
    match report(events_path, schema_path) {
        Ok(report) => {
            if args.flag("json") {
                print!("{}", render::json(&report));
            } else {
                print!("{}", render::text(&report));
            }
            if report.is_clean() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
        }
        Err(message) => {
            eprintln!("{message}");
            ExitCode::from(2)
        }
    }
}

/// Everything that can stop the comparison, already rendered: an unreadable page or catalogue.
fn report(events_path: &str, schema_path: &str) -> Result<drift::DriftReport, String> {
    let read = |path: &str| {
        fs::read_to_string(path).map_err(|e| format!("error: cannot read the page {path}: {e}"))
    };
    let events = EventsPage::parse(events_path, &read(events_path)?).map_err(|e| e.to_string())?;
    let schemas = SchemaPage::parse(schema_path, &read(schema_path)?).map_err(|e| e.to_string())?;
    let root = workspace::root();
    let input = read_input(&root).map_err(|e| e.to_string())?;
    let catalogue = codegen::load(&input).map_err(|diagnostics| {
        format!("{diagnostics}\nfix the catalogue first (`cargo xtask gen` shows the same)")
    })?;
    Ok(drift::drift(&catalogue, &events, &schemas))
}
