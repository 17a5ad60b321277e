//! One module per subcommand, each with its arguments (clap derive) and its `run`.

pub(crate) mod dashboard;
pub(crate) mod deliveries;
pub(crate) mod events;
pub(crate) mod inspect;
pub(crate) mod listen;
pub(crate) mod send;
pub(crate) mod verify;

use std::process::ExitCode;

use clap::Subcommand;

use crate::error::CliError;
use crate::output::Output;

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Sign an example delivery (or a body of yours) as StepPay does, and POST it
    Send(send::Args),
    /// Say whether a captured delivery verifies and, if not, why
    Verify(verify::Args),
    /// Read a delivery: its event, when it was sent, its payload (personal data redacted)
    Inspect(inspect::Args),
    /// Receive deliveries on 127.0.0.1: verify each, print it, answer 200
    Listen(listen::Args),
    /// List the event types this version knows, with their names and payload schemas
    Events(events::Args),
    /// Find, read, retry, replay and discard the deliveries a receiver's store keeps
    Deliveries(deliveries::Args),
    /// Serve the operator's page over a store on 127.0.0.1, behind a one-time token
    Dashboard(dashboard::Args),
}

pub(crate) fn run(command: Command, output: &Output) -> Result<ExitCode, CliError> {
    match command {
        Command::Send(args) => send::run(args, *output),
        Command::Verify(args) => verify::run(args, *output),
        Command::Inspect(args) => inspect::run(args, *output),
        Command::Listen(args) => listen::run(args, *output),
        Command::Events(args) => events::run(&args, *output),
        Command::Deliveries(args) => deliveries::run(args, *output),
        Command::Dashboard(args) => dashboard::run(args, *output),
    }
}

pub(crate) const AFTER_HELP: &str = "\
Examples:
  steppay-webhooks events
  export STEPPAY_WEBHOOK_SECRET=…            # the webhook's 검증 KEY; never an argument
  steppay-webhooks send payment.completed --to http://127.0.0.1:3000/webhooks/steppay
  steppay-webhooks send payment.completed --set data.paidAmount=1500 --to http://127.0.0.1:3000/webhooks/steppay
  steppay-webhooks send --all --to http://127.0.0.1:3000/webhooks/steppay
  steppay-webhooks verify --header 'timestamp=1741065731,key=…' body.json
  steppay-webhooks inspect body.json
  steppay-webhooks listen --port 3000
  steppay-webhooks deliveries list --store sqlite:deliveries.db --subject payment:4418273
  steppay-webhooks deliveries retry --store sqlite:deliveries.db --state failed --since 1h
  steppay-webhooks dashboard --store sqlite:deliveries.db

The secret is read from STEPPAY_WEBHOOK_SECRET, or asked for on the terminal; it is never
printed, nor is a signature.

Exit codes: 0 success; 1 the endpoint answered other than 2xx, the delivery does not verify,
the body does not parse, no delivery has the key, or a bulk action was not confirmed; 2 a
usage mistake (a flag, a path, an event type, a file, no secret, a store, a filter); 3 the
endpoint or the delivery store could not be reached.";
