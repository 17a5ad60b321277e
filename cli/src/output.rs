//! Where output goes: text for people on stdout (in colour only on a terminal, never with
//! `NO_COLOR`), or with `--json` one JSON object per line on stdout. Diagnostics go to stderr.

use std::io::Write as _;

use anstyle::{AnsiColor, Style};
use serde::Serialize;

/// How the command prints.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Output {
    json: bool,
}

impl Output {
    pub(crate) fn new(json: bool) -> Self {
        Self { json }
    }

    pub(crate) fn is_json(self) -> bool {
        self.json
    }

    /// Text for people; nothing in `--json` mode.
    pub(crate) fn text(self, text: &str) {
        if !self.json {
            let mut out = anstream::stdout();
            let _ = writeln!(out, "{text}");
        }
    }

    /// One JSON object on a line of its own; nothing without `--json`. A struct keeps its
    /// members in their declared order (a `serde_json::Value` sorts them).
    pub(crate) fn json(self, value: &impl Serialize) {
        // Strings, numbers, lists and objects with string keys: serializing cannot fail.
        if let (true, Ok(line)) = (self.json, serde_json::to_string(value)) {
            let mut out = anstream::stdout();
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        }
    }

    /// Flushes stdout, so that a reader at the other end of a pipe sees each line at once.
    pub(crate) fn flush(self) {
        let _ = anstream::stdout().flush();
    }
}

/// A warning on stderr: something worked, but not quite as asked.
pub(crate) fn warn(message: &str) {
    let yellow = Style::new().bold().fg_color(Some(AnsiColor::Yellow.into()));
    anstream::eprintln!("{yellow}warning{yellow:#}: {message}");
}

pub(crate) fn bold(text: &str) -> String {
    let style = Style::new().bold();
    format!("{style}{text}{style:#}")
}

pub(crate) fn dim(text: &str) -> String {
    let style = Style::new().dimmed();
    format!("{style}{text}{style:#}")
}

/// Green when `good`, red otherwise.
pub(crate) fn verdict(text: &str, good: bool) -> String {
    let colour = if good { AnsiColor::Green } else { AnsiColor::Red };
    let style = Style::new().bold().fg_color(Some(colour.into()));
    format!("{style}{text}{style:#}")
}

/// How many columns `text` takes on a terminal: Hangul and other wide characters take two.
pub(crate) fn width(text: &str) -> usize {
    text.chars()
        .map(|c| {
            let wide = matches!(c as u32, 0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFF00..=0xFF60);
            if wide { 2 } else { 1 }
        })
        .sum()
}

/// `text` padded with spaces to `columns` terminal columns.
pub(crate) fn pad(text: &str, columns: usize) -> String {
    let mut padded = text.to_owned();
    padded.push_str(&" ".repeat(columns.saturating_sub(width(text))));
    padded
}
