//! `cargo xtask diff [--base <rev>] [--json] [--fail-on <class>]`: what the catalogue's changes
//! since a git revision mean for the generated crate's users.
//!
//! Reads the catalogue at `<rev>` from git (default: where this branch left `main`) and the
//! working tree's from disk, lowers both through `codegen`, and prints `codegen`'s change
//! report: a verdict line, then a Markdown table to paste into a pull request. Exit 0, or 1 when
//! `--fail-on` finds a change of that class or a more severe one; 2 when an input cannot be read.

use std::fs;
use std::path::Path;
use std::process::ExitCode;

use codegen::changes::{self, Class, render};
use codegen::{Diagnostics, MANIFEST};

use crate::workspace::{self, read_input};
use crate::{Args, git, usage_error};

pub(crate) fn run(args: &[String]) -> ExitCode {
    let known = [("base", true), ("json", false), ("fail-on", true)];
    let args = match Args::parse("diff", args, &known, 0) {
        Ok(args) => args,
        Err(message) => return usage_error(&message),
    };
    let fail_on = match args.value("fail-on").map(|v| (v, Class::parse(v))) {
        None => None,
        Some((_, Some(class))) => Some(class),
        Some((other, None)) => {
            return usage_error(&format!(
                "`--fail-on` takes breaking, additive or documentation, not `{other}`"
            ));
        }
    };
    let root = workspace::root();
    let report = match compare(&root, args.value("base")) {
        Ok(report) => report,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    if args.flag("json") {
        print!("{}", render::json(&report));
    } else {
        print!("{}", render::markdown(&report, crate_version(&root).as_deref()));
    }
    match (fail_on, report.worst()) {
        (Some(threshold), Some(worst)) if worst >= threshold => {
            eprintln!(
                "error: {} change{} of class {} or more severe (--fail-on {})",
                report.changes.iter().filter(|c| c.class >= threshold).count(),
                if report.changes.iter().filter(|c| c.class >= threshold).count() == 1 {
                    ""
                } else {
                    "s"
                },
                threshold.name(),
                threshold.name()
            );
            ExitCode::FAILURE
        }
        _ => ExitCode::SUCCESS,
    }
}

fn compare(root: &Path, base: Option<&str>) -> Result<changes::ChangeReport, String> {
    let (rev, commit) = match base {
        Some(rev) => (rev.to_owned(), git::resolve(root, rev).map_err(|e| e.to_string())?),
        None => {
            let commit = git::merge_base_with_main(root).map_err(|e| e.to_string())?;
            ("the merge base with main".to_owned(), commit)
        }
    };
    let before = git::catalogue_at(root, &commit).map_err(|e| e.to_string())?;
    let before_catalogue =
        codegen::load(&before).map_err(|d| not_loaded(&format!("at {rev}"), &d))?;
    let after = read_input(root).map_err(|e| e.to_string())?;
    let after_catalogue =
        codegen::load(&after).map_err(|d| not_loaded("in the working tree", &d))?;
    Ok(changes::compare(&before_catalogue, &after_catalogue)
        .with_examples(&before.examples, &after.examples))
}

fn not_loaded(which: &str, diagnostics: &Diagnostics) -> String {
    format!(
        "{diagnostics}\nerror: the catalogue {which} does not load, so there is nothing to compare"
    )
}

/// The crate's current version, from `version = "…"` in its manifest.
fn crate_version(root: &Path) -> Option<String> {
    let manifest = fs::read_to_string(root.join(MANIFEST)).ok()?;
    let line = manifest.lines().find(|l| l.trim_start().starts_with("version"))?;
    let (_, value) = line.split_once('=')?;
    Some(value.trim().trim_matches('"').to_owned())
}
