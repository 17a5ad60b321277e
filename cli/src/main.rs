//! `steppay-webhooks`: try and test StepPay webhooks without StepPay.
//!
//! This file only parses the command line and turns the result into an exit code; each
//! subcommand is a module of [`commands`], and the `steppay-webhooks` library does the work
//! (examples, signing, verifying, parsing).

mod commands;
mod diagnose;
mod error;
mod json;
mod output;
mod request;
mod schema;
mod secret;

use std::process::ExitCode;

use clap::Parser;

use crate::commands::Command;
use crate::output::Output;

/// Try and test StepPay (스텝페이) webhooks without StepPay: send signed example deliveries to your
/// endpoint, explain why a captured delivery does not verify, read one, or receive them.
// No `Debug` here nor on the commands' arguments: they may hold a captured signature
// (`verify --header`) or personal data (`send --set`).
#[derive(Parser)]
#[command(name = "steppay-webhooks", version, max_term_width = 100, after_help = commands::AFTER_HELP)]
struct Cli {
    /// Print one JSON object per line on stdout, for scripts (diagnostics stay on stderr)
    #[arg(long, global = true)]
    json: bool,

    #[command(subcommand)]
    command: Command,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let output = Output::new(cli.json);
    match commands::run(cli.command, &output) {
        Ok(code) => code,
        Err(error) => {
            error.report();
            error.exit_code()
        }
    }
}
