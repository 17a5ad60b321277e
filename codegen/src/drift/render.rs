//! A [`DriftReport`] for people, and as JSON for tools.

use std::fmt::Write;

use super::{DriftReport, Finding};

/// The report as `cargo xtask drift` prints it: what was compared, every finding with the YAML
/// that adopts it, and the accepted deviations.
pub fn text(report: &DriftReport) -> String {
    let mut out = String::new();
    // `fmt::Write` for `String` cannot fail.
    let _ = write_text(report, &mut out);
    out
}

/// The report as JSON, for tools (`cargo xtask drift --json`).
pub fn json(report: &DriftReport) -> String {
    // Plain strings, numbers and lists: serializing cannot fail.
    serde_json::to_string_pretty(report).unwrap_or_default() + "\n"
}

fn write_text(report: &DriftReport, out: &mut String) -> std::fmt::Result {
    writeln!(
        out,
        "StepPay's pages against schema/: {} events ({}), {} field tables ({})",
        report.page_events, report.events_page, report.page_tables, report.schema_page
    )?;
    writeln!(out)?;
    if report.findings.is_empty() {
        writeln!(out, "no unreviewed drift")?;
    } else {
        let count = report.findings.len();
        writeln!(out, "{count} unreviewed difference{}:", plural(count))?;
        for (index, finding) in report.findings.iter().enumerate() {
            writeln!(out)?;
            write_finding(index + 1, finding, out)?;
        }
    }
    if !report.accepted.is_empty() {
        writeln!(out)?;
        let count = report.accepted.len();
        writeln!(
            out,
            "{count} accepted deviation{} (the page still says exactly what each records):",
            plural(count)
        )?;
        for accepted in &report.accepted {
            writeln!(
                out,
                "  - {} ({} · {}): the page says `{}`",
                accepted.subject,
                accepted.names.ko,
                accepted.names.en,
                accepted.page.join("`, `")
            )?;
            writeln!(out, "      why: {}", accepted.reason)?;
            writeln!(out, "      evidence: {}", accepted.evidence)?;
        }
    }
    Ok(())
}

fn write_finding(number: usize, finding: &Finding, out: &mut String) -> std::fmt::Result {
    writeln!(
        out,
        "{number}. {}: `{}` ({} · {})",
        finding.kind.describe(),
        finding.subject,
        finding.names.ko,
        finding.names.en
    )?;
    if finding.page_at.is_empty() {
        writeln!(out, "   page:      {}", finding.page)?;
    } else {
        writeln!(out, "   page:      {} ({})", finding.page, finding.page_at)?;
    }
    writeln!(out, "   catalogue: {}", finding.catalogue)?;
    writeln!(out, "   in {}:", finding.place)?;
    for line in finding.snippet.lines() {
        writeln!(out, "       {line}")?;
    }
    Ok(())
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}
