//! A [`ChangeReport`] as Markdown for a pull request, as one line for `cargo xtask gen`, and as
//! JSON for tools.

use std::fmt::Write;

use super::{Bump, ChangeReport, Class};

/// The verdict line: `Suggested bump: minor (0 breaking · 3 additive · 5 documentation)`.
pub fn verdict(report: &ChangeReport) -> String {
    format!("Suggested bump: {} ({})", report.bump().name(), counts(report))
}

/// The report as Markdown to paste into a pull request or post from CI: the verdict line, a
/// table of every change, and what the bump means for the crate at `version` (its current
/// `major.minor.patch`, when known).
pub fn markdown(report: &ChangeReport, version: Option<&str>) -> String {
    let mut out = String::new();
    // `fmt::Write` for `String` cannot fail.
    let _ = write_markdown(report, version, &mut out);
    out
}

fn write_markdown(
    report: &ChangeReport,
    version: Option<&str>,
    out: &mut String,
) -> std::fmt::Result {
    writeln!(out, "{}", verdict(report))?;
    writeln!(out)?;
    if report.changes.is_empty() {
        writeln!(out, "No change to the catalogue.")?;
    } else {
        writeln!(out, "| Class | Location | Before → after |")?;
        writeln!(out, "| --- | --- | --- |")?;
        for change in &report.changes {
            let mut cell = format!("{}: {} → {}", change.what, change.before, change.after);
            if let Some(note) = &change.note {
                write!(cell, " ({note})")?;
            }
            writeln!(
                out,
                "| {} | `{}` | {} |",
                change.class.name(),
                change.location,
                escape(&cell)
            )?;
        }
    }
    writeln!(out)?;
    write!(
        out,
        "Classes, for the crate's users: **breaking** may stop their code compiling, change a type \
         or change what a method gives for the same delivery (semver major; for a 0.x crate, \
         minor); **additive** adds API and breaks no code (minor; for 0.x, patch); \
         **documentation** changes no API (patch)."
    )?;
    if let Some((current, next)) = version.and_then(|v| Some((v, report.next_version(v)?))) {
        if report.bump() == Bump::None {
            write!(out, " steppay-webhooks {current} needs no release for this.")?;
        } else {
            write!(out, " For steppay-webhooks {current}, that is {next}.")?;
        }
    }
    writeln!(out)
}

/// One line for `cargo xtask gen`: the bump, the counts and the first changes.
pub fn summary(report: &ChangeReport) -> String {
    if report.changes.is_empty() {
        return "no change to the public surface".to_owned();
    }
    const SHOWN: usize = 3;
    let shown: Vec<String> =
        report.changes.iter().take(SHOWN).map(|c| format!("{} {}", c.what, c.location)).collect();
    let more = report.changes.len().saturating_sub(SHOWN);
    let more = if more > 0 { format!(", and {more} more") } else { String::new() };
    format!("{} ({}): {}{more}", report.bump().name(), counts(report), shown.join(", "))
}

/// The report as JSON: the bump, the counts and every change.
pub fn json(report: &ChangeReport) -> String {
    let value = serde_json::json!({
        "suggested_bump": report.bump(),
        "breaking": report.count(Class::Breaking),
        "additive": report.count(Class::Additive),
        "documentation": report.count(Class::Documentation),
        "changes": report.changes,
    });
    // Plain strings, numbers and lists: serializing cannot fail.
    serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
}

fn counts(report: &ChangeReport) -> String {
    format!(
        "{} breaking · {} additive · {} documentation",
        report.count(Class::Breaking),
        report.count(Class::Additive),
        report.count(Class::Documentation)
    )
}

/// Text safe inside a table cell.
fn escape(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}
