//! Errors as cargo and rustc write them: what went wrong, where, and what to do.
//!
//! ```text
//! error: unknown field `paidAmont` in `data` (Payment)
//!   --> --set data.paidAmont=1500
//!   = note: Payment's fields: paymentId, idKey, orderId, …
//!   = help: did you mean `data.paidAmount`?
//! ```
//!
//! No error carries a secret, a signature or a payload value.

use std::fmt;
use std::process::ExitCode;

use anstyle::{AnsiColor, Style};

/// Why the command failed, as its exit code (documented in `--help`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Code {
    /// What was checked failed: a non-2xx answer, a delivery that does not verify, a body that
    /// does not parse, a key the store does not hold, a bulk action not confirmed.
    Failed = 1,
    /// A usage mistake: a flag, a path, an event type, a file, a missing secret.
    Usage = 2,
    /// The endpoint, or the delivery store, could not be reached.
    Connection = 3,
}

impl From<Code> for ExitCode {
    fn from(code: Code) -> Self {
        ExitCode::from(code as u8)
    }
}

/// A failure to report on stderr.
#[derive(Debug)]
pub(crate) struct CliError {
    code: Code,
    message: String,
    location: Option<String>,
    notes: Vec<String>,
    help: Option<String>,
}

impl CliError {
    pub(crate) fn new(code: Code, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), location: None, notes: Vec::new(), help: None }
    }

    /// A usage mistake (exit code 2).
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self::new(Code::Usage, message)
    }

    /// Where: a file and position, or the argument at fault.
    pub(crate) fn at(mut self, location: impl Into<String>) -> Self {
        self.location = Some(location.into());
        self
    }

    pub(crate) fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// What to do about it.
    pub(crate) fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub(crate) fn exit_code(&self) -> ExitCode {
        self.code.into()
    }

    /// Writes the error to stderr, in colour on a terminal.
    pub(crate) fn report(&self) {
        anstream::eprint!("{self}");
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let red = Style::new().bold().fg_color(Some(AnsiColor::Red.into()));
        let blue = Style::new().bold().fg_color(Some(AnsiColor::Blue.into()));
        let bold = Style::new().bold();
        writeln!(f, "{red}error{red:#}{bold}: {}{bold:#}", self.message)?;
        if let Some(location) = &self.location {
            writeln!(f, "  {blue}-->{blue:#} {location}")?;
        }
        for note in &self.notes {
            writeln!(f, "  {blue}={blue:#} {bold}note{bold:#}: {note}")?;
        }
        if let Some(help) = &self.help {
            writeln!(f, "  {blue}={blue:#} {bold}help{bold:#}: {help}")?;
        }
        Ok(())
    }
}

/// The candidate closest to `wrong` by edit distance, ignoring case, if it is close enough to
/// be a typo; of two as close, the first in alphabetical order.
pub(crate) fn closest<'a>(
    wrong: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (wrong.chars().count() / 3).max(2);
    let wrong = wrong.to_lowercase();
    candidates
        .into_iter()
        .map(|candidate| (strsim::levenshtein(&wrong, &candidate.to_lowercase()), candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min()
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_names_are_suggested_and_far_ones_are_not() {
        assert_eq!(closest("paidAmont", ["paymentId", "paidAmount"]), Some("paidAmount"));
        assert_eq!(closest("payment.complete", ["payment.completed"]), Some("payment.completed"));
        assert_eq!(closest("xyz", ["paidAmount"]), None);
        // Case is ignored; of two as close, the first alphabetically, whatever the order given.
        assert_eq!(closest("PAIDAMOUNT", ["paidAmount"]), Some("paidAmount"));
        assert_eq!(closest("data.b", ["data.c", "data.a"]), Some("data.a"));
    }

    #[test]
    fn an_error_reads_like_cargo() {
        let error = CliError::usage("unknown field `x`").at("--set data.x=1").note("n").help("h");
        let text = error.to_string();
        let plain: String = anstream::adapter::strip_str(&text).to_string();
        assert_eq!(
            plain,
            "error: unknown field `x`\n  --> --set data.x=1\n  = note: n\n  = help: h\n"
        );
    }
}
