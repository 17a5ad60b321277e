//! `cargo xtask`: the maintainer's commands. Each is a module; this file only dispatches.
//!
//! - `gen` ([`generate`], as `gen` is a reserved word in Rust 2024): regenerate `generated/`
//!   from `schema/` (the only writer of `generated/`);
//! - `drift` ([`drift`]): compare `schema/` with StepPay's own pages;
//! - `diff` ([`diff`]): class the catalogue's changes since a git revision for the crate's users.
//!
//! The work is done by the `codegen` library, which does no I/O; xtask reads files and git, and
//! prints. Usage mistakes exit with 2.

mod diff;
mod drift;
mod generate;
mod git;
mod workspace;

use std::collections::BTreeMap;
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command> [options]

  gen [--check]
      Regenerate generated/ from schema/. --check: write nothing; fail if a generated file is
      stale, missing or orphaned.
  drift <events page> <schema page> [--json]
      Compare schema/ with StepPay's Webhook-Events and Webhook-Schema pages (Markdown, as
      StepPay publishes them). Exit 0: no unreviewed drift; 1: drift; 2: a page or the catalogue
      cannot be read.
  diff [--base <rev>] [--json] [--fail-on breaking|additive|documentation]
      Class every change of schema/ since <rev> (default: the merge base with main) for the
      crate's users, and suggest a semver bump. --fail-on: exit 1 if a change of that class or a
      more severe one is found.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        return usage_error("no command given");
    };
    match command.as_str() {
        "gen" => generate::run(rest),
        "drift" => drift::run(rest),
        "diff" => diff::run(rest),
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        other => usage_error(&format!("unknown command `{other}`")),
    }
}

/// Prints a usage mistake and the usage; exit code 2.
pub(crate) fn usage_error(message: &str) -> ExitCode {
    eprintln!("error: {message}\n\n{USAGE}");
    ExitCode::from(2)
}

/// A command's arguments: positional ones in order, and `--flag` / `--option value`.
#[derive(Debug, Default)]
pub(crate) struct Args {
    pub(crate) positional: Vec<String>,
    pub(crate) options: BTreeMap<&'static str, Option<String>>,
}

impl Args {
    /// Reads `args` for `command`, which takes the options `known` (name, and whether it takes
    /// a value) and at most `max_positional` positional arguments.
    pub(crate) fn parse(
        command: &str,
        args: &[String],
        known: &[(&'static str, bool)],
        max_positional: usize,
    ) -> Result<Self, String> {
        let mut parsed = Args::default();
        let mut rest = args.iter();
        while let Some(arg) = rest.next() {
            if let Some(name) = arg.strip_prefix("--") {
                let (name, inline) = match name.split_once('=') {
                    Some((name, value)) => (name, Some(value.to_owned())),
                    None => (name, None),
                };
                let Some(&(known_name, takes_value)) = known.iter().find(|(k, _)| *k == name)
                else {
                    let options: Vec<String> =
                        known.iter().map(|(k, _)| format!("--{k}")).collect();
                    let offered =
                        if options.is_empty() { "none".to_owned() } else { options.join(", ") };
                    return Err(format!(
                        "`{command}` has no option `--{name}` (its options: {offered})"
                    ));
                };
                let value = match (takes_value, inline) {
                    (true, Some(value)) => Some(value),
                    (true, None) => match rest.next() {
                        Some(value) if !value.starts_with("--") => Some(value.clone()),
                        _ => return Err(format!("`--{known_name}` needs a value")),
                    },
                    (false, Some(_)) => return Err(format!("`--{known_name}` takes no value")),
                    (false, None) => None,
                };
                if parsed.options.insert(known_name, value).is_some() {
                    return Err(format!("`--{known_name}` is given twice"));
                }
            } else if arg.starts_with('-') && arg.len() > 1 {
                return Err(format!("`{command}` has no option `{arg}`"));
            } else {
                parsed.positional.push(arg.clone());
            }
        }
        if parsed.positional.len() > max_positional {
            let extra = parsed.positional.get(max_positional).cloned().unwrap_or_default();
            return Err(format!("`{command}` takes no argument `{extra}`"));
        }
        Ok(parsed)
    }

    pub(crate) fn flag(&self, name: &str) -> bool {
        self.options.contains_key(name)
    }

    pub(crate) fn value(&self, name: &str) -> Option<&str> {
        self.options.get(name).and_then(Option::as_deref)
    }
}
