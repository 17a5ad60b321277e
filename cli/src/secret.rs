//! The webhook's secret (StepPay's 검증 KEY): from `STEPPAY_WEBHOOK_SECRET`, or asked for on the
//! terminal without echo. Never from an argument (it would land in the shell's history and the
//! process list), and never printed.

use std::fmt;
use std::io::IsTerminal as _;

use crate::error::CliError;

/// The environment variable that holds the secret.
pub(crate) const VARIABLE: &str = "STEPPAY_WEBHOOK_SECRET";

/// The secret; `Debug` does not show it and there is no `Display`.
pub(crate) struct Secret(String);

impl Secret {
    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Reads the secret: the environment variable, else a prompt when stdin is a terminal.
pub(crate) fn read() -> Result<Secret, CliError> {
    match std::env::var(VARIABLE) {
        Ok(value) if !value.is_empty() => return Ok(Secret(value)),
        Ok(_) => {
            return Err(CliError::usage(format!("{VARIABLE} is set but empty"))
                .help(format!("set {VARIABLE} to the webhook's 검증 KEY")));
        }
        Err(_) => {}
    }
    let missing = || {
        CliError::usage("no webhook secret")
            .note("the secret is StepPay's 검증 KEY: portal → 설정 → 결제 설정 → 웹훅 설정 → the webhook's page")
            .help(format!(
                "set {VARIABLE} (e.g. `read -rs {VARIABLE} && export {VARIABLE}`), or run in a terminal to be asked for it"
            ))
    };
    if !std::io::stdin().is_terminal() {
        return Err(missing());
    }
    match rpassword::prompt_password(format!("검증 KEY ({VARIABLE} is not set): ")) {
        Ok(value) if !value.is_empty() => Ok(Secret(value)),
        _ => Err(missing()),
    }
}
