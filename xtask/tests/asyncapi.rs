//! `generated/asyncapi/asyncapi.yaml` through the tools other languages use on it: the official
//! AsyncAPI parser, Modelina and the TypeScript compiler, run by `tools/asyncapi/check.mjs`.
//!
//! It needs Node.js and the packages pinned in `tools/asyncapi/package-lock.json`. Without them
//! the test says on the terminal that the check did not run, and passes; `.ci/run` installs them
//! and also runs the check as a step of its own.

use std::io::Write;
use std::path::Path;
use std::process::Command;

#[test]
fn the_asyncapi_document_passes_the_official_parser_and_modelina() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the repository root");
    let tools = root.join("tools/asyncapi");
    let node = Command::new("node").arg("--version").output();
    let missing = match node {
        Err(_) => Some("`node` is not on the PATH"),
        Ok(_) if !tools.join("node_modules/@asyncapi/parser").is_dir() => {
            Some("tools/asyncapi/node_modules is not installed")
        }
        Ok(_) => None,
    };
    if let Some(why) = missing {
        // Straight to the terminal: the test harness shows nothing a passing test prints with
        // `eprintln!`.
        let _ = writeln!(
            std::io::stderr(),
            "\nnote: the AsyncAPI check (official parser, Modelina, tsc) did NOT run: {why}. \
             To run it, with Node.js 20 and npm:\n      \
             npm ci --prefix tools/asyncapi --ignore-scripts && node tools/asyncapi/check.mjs\n"
        );
        return;
    }
    let output =
        Command::new("node").arg(tools.join("check.mjs")).arg(root).output().expect("run node");
    assert!(
        output.status.success(),
        "tools/asyncapi/check.mjs failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
