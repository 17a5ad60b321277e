//! `cargo xtask gen [--check]`: the one place that reads `schema/` and writes `generated/`.
//!
//! The generator itself (`codegen`) does no I/O; this command feeds it the YAML files and the
//! example deliveries, and applies its output: files are written to a temporary name and renamed
//! into place, unchanged files are left alone, and files the generator no longer produces are
//! deleted from the folders it owns. The crate's per-domain features are spliced into the
//! generated block of `generated/Cargo.toml`, the one file outside those folders it writes.
//! It ends with one line on what changed in the crate's public surface since `HEAD`.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io;
use std::path::Path;
use std::process::ExitCode;

use codegen::changes::{self, render};
use codegen::{MANIFEST, OWNED_DIRS, REGENERATE, SpliceError};

use crate::workspace::{self, IoError, files_under, read_input};
use crate::{Args, git, usage_error};

pub(crate) fn run(args: &[String]) -> ExitCode {
    let args = match Args::parse("gen", args, &[("check", false)], 0) {
        Ok(args) => args,
        Err(message) => return usage_error(&message),
    };
    let root = workspace::root();
    let result = if args.flag("check") { check_fresh(&root) } else { generate(&root) };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}

/// Why `gen` or `gen --check` failed.
#[derive(Debug)]
enum Error {
    /// The catalogue has mistakes; nothing was written.
    Catalogue(codegen::Diagnostics),
    /// Reading or writing a file failed.
    Io(IoError),
    /// The manifest has no place for the generated features; nothing was written.
    Manifest { path: String, source: SpliceError },
    /// `--check` found generated files that differ from what the catalogue produces.
    Stale(Vec<Change>),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Catalogue(diagnostics) => {
                write!(f, "{diagnostics}\nnothing under generated/ was changed")
            }
            Error::Io(error) => write!(f, "{error}"),
            Error::Manifest { path, source } => {
                write!(f, "error: {path}: {source}\nnothing under generated/ was changed")
            }
            Error::Stale(changes) => {
                writeln!(f, "error: the generated files do not match schema/:")?;
                for change in changes {
                    writeln!(f, "  {change}")?;
                }
                write!(f, "run `{REGENERATE}` and commit the result")
            }
        }
    }
}

impl From<IoError> for Error {
    fn from(error: IoError) -> Self {
        Error::Io(error)
    }
}

fn io_error<'a>(root: &'a Path, path: &'a Path) -> impl FnOnce(io::Error) -> Error + 'a {
    let wrap = workspace::io_error(root, path);
    move |source| Error::Io(wrap(source))
}

/// One difference between the generated files on disk and the generator's output.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Change {
    Missing(String),
    Stale(String),
    Orphaned(String),
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::Missing(path) => write!(f, "missing:  {path}"),
            Change::Stale(path) => write!(f, "stale:    {path}"),
            Change::Orphaned(path) => write!(f, "orphaned: {path} (no longer generated)"),
        }
    }
}

/// Every file the generator decides, by path relative to `root`: its own files and the manifest
/// with the generated features spliced in. Nothing is written.
fn run_generator(root: &Path) -> Result<BTreeMap<String, String>, Error> {
    let output = codegen::generate(&read_input(root)?).map_err(Error::Catalogue)?;
    let mut files = output.files;
    let path = root.join(MANIFEST);
    let manifest = fs::read_to_string(&path).map_err(io_error(root, &path))?;
    let manifest = codegen::splice_features(&manifest, &output.features)
        .map_err(|source| Error::Manifest { path: MANIFEST.to_owned(), source })?;
    files.insert(MANIFEST.to_owned(), manifest);
    Ok(files)
}

/// Compares the generator's files with the files on disk.
fn changes(root: &Path, files: &BTreeMap<String, String>) -> Result<Vec<Change>, Error> {
    let mut changes = Vec::new();
    for (relative, contents) in files {
        let path = root.join(relative);
        match fs::read(&path) {
            Ok(existing) if existing == contents.as_bytes() => {}
            Ok(_) => changes.push(Change::Stale(relative.clone())),
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                changes.push(Change::Missing(relative.clone()));
            }
            Err(source) => return Err(io_error(root, &path)(source)),
        }
    }
    for dir in OWNED_DIRS {
        for relative in files_under(root, dir)? {
            if !files.contains_key(&relative) {
                changes.push(Change::Orphaned(relative));
            }
        }
    }
    Ok(changes)
}

/// `cargo xtask gen`: all or nothing. The catalogue is checked and every file produced in memory
/// before anything on disk changes.
fn generate(root: &Path) -> Result<(), Error> {
    let files = run_generator(root)?;
    let changes = changes(root, &files)?;
    for change in &changes {
        match change {
            Change::Missing(relative) | Change::Stale(relative) => {
                let contents = files.get(relative).map_or(&[][..], |c| c.as_bytes());
                write_atomically(root, &root.join(relative), contents)?;
            }
            Change::Orphaned(relative) => {
                let path = root.join(relative);
                fs::remove_file(&path).map_err(io_error(root, &path))?;
            }
        }
    }
    if changes.is_empty() {
        println!("generated/ is up to date ({} files)", files.len());
    } else {
        for change in &changes {
            println!("{change}");
        }
        println!("{} of {} generated files changed", changes.len(), files.len());
    }
    println!("{}", surface_summary(root));
    Ok(())
}

/// One line on what the catalogue changes in the crate's public surface since `HEAD`.
///
/// The generated files committed at `HEAD` are the ones `HEAD`'s catalogue produces (the
/// freshness test and `gen --check` in CI hold that), so comparing `HEAD`'s catalogue with the
/// working tree's tells what the generated files a commit now would change mean for users,
/// however many times `gen` ran in between. Outside a git checkout there is nothing to compare
/// with, and the line says so; it never fails `gen`.
fn surface_summary(root: &Path) -> String {
    let compared = || -> Result<String, String> {
        let head = git::resolve(root, "HEAD").map_err(|_| "no git HEAD here".to_owned())?;
        let before = git::catalogue_at(root, &head).map_err(|e| e.to_string())?;
        let before =
            codegen::load(&before).map_err(|_| "the catalogue at HEAD does not load".to_owned())?;
        let after = read_input(root).map_err(|e| e.to_string())?;
        let after_catalogue = codegen::load(&after).map_err(|e| e.to_string())?;
        let report = changes::compare(&before, &after_catalogue);
        Ok(render::summary(&report))
    };
    match compared() {
        Ok(summary) => format!("public surface since HEAD: {summary}"),
        Err(why) => format!("public surface: not compared ({why})"),
    }
}

/// Writes to a temporary file beside `path`, then renames it over `path`, so a reader never sees
/// a half-written file.
fn write_atomically(root: &Path, path: &Path, contents: &[u8]) -> Result<(), Error> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(io_error(root, parent))?;
    }
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temporary = path.with_file_name(format!(".{file_name}.xtask-tmp"));
    // On failure the temporary file goes too; a leftover would be an orphan for the next run.
    fs::write(&temporary, contents).map_err(|source| {
        let _ = fs::remove_file(&temporary);
        io_error(root, &temporary)(source)
    })?;
    fs::rename(&temporary, path).map_err(|source| {
        let _ = fs::remove_file(&temporary);
        io_error(root, path)(source)
    })
}

/// `cargo xtask gen --check`: writes nothing.
fn check_fresh(root: &Path) -> Result<(), Error> {
    let files = run_generator(root)?;
    let changes = changes(root, &files)?;
    if changes.is_empty() {
        println!("generated/ is up to date ({} files)", files.len());
        Ok(())
    } else {
        Err(Error::Stale(changes))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::time::{Duration, SystemTime};

    use super::*;

    /// A scratch repository holding a copy of the real `schema/` and of the crate's manifest,
    /// and nothing generated yet.
    fn scratch() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temporary directory");
        let root = workspace::built_from();
        let copied = files_under(&root, "schema").expect("list schema/");
        for relative in copied.into_iter().chain([MANIFEST.to_owned()]) {
            let to = dir.path().join(&relative);
            fs::create_dir_all(to.parent().expect("a parent")).expect("mkdir");
            fs::copy(root.join(&relative), to).expect("copy");
        }
        dir
    }

    /// Every file the generator writes: those under the generated folders, and the manifest.
    fn written(root: &Path) -> Vec<String> {
        let generated = OWNED_DIRS.iter().flat_map(|dir| files_under(root, dir).expect("list"));
        generated.chain([MANIFEST.to_owned()]).collect()
    }

    /// Every file the generator writes, with its bytes.
    fn snapshot(root: &Path) -> BTreeMap<String, Vec<u8>> {
        written(root)
            .into_iter()
            .map(|path| {
                let bytes = fs::read(root.join(&path)).expect("read");
                (path, bytes)
            })
            .collect()
    }

    fn stale(root: &Path) -> Vec<Change> {
        match check_fresh(root) {
            Err(Error::Stale(changes)) => changes,
            other => panic!("expected stale files, got {other:?}"),
        }
    }

    #[test]
    fn check_names_every_missing_stale_and_orphaned_file_and_gen_repairs_them() {
        let dir = scratch();
        let root = dir.path();
        assert!(stale(root).iter().all(|c| matches!(c, Change::Missing(_))));
        generate(root).expect("generate");
        check_fresh(root).expect("fresh after gen");

        let edited = "generated/src/generated/payment.rs";
        let mut text = fs::read_to_string(root.join(edited)).expect("read");
        text.push_str("// a hand edit\n");
        fs::write(root.join(edited), text).expect("edit");
        fs::remove_file(root.join("generated/docs/webhooks.md")).expect("remove");
        fs::write(root.join("generated/schema/Refund.schema.json"), "{}").expect("orphan");
        assert_eq!(
            stale(root),
            vec![
                Change::Missing("generated/docs/webhooks.md".into()),
                Change::Stale(edited.into()),
                Change::Orphaned("generated/schema/Refund.schema.json".into()),
            ]
        );
        let message = Error::Stale(stale(root)).to_string();
        assert!(message.contains("run `cargo xtask gen`"), "{message}");

        generate(root).expect("generate");
        check_fresh(root).expect("fresh again");
        assert!(!root.join("generated/schema/Refund.schema.json").exists());
    }

    #[test]
    fn unchanged_files_are_not_rewritten() {
        let dir = scratch();
        let root = dir.path();
        generate(root).expect("generate");
        let past = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        let path = root.join("generated/src/generated/order.rs");
        fs::File::options()
            .write(true)
            .open(&path)
            .expect("open")
            .set_modified(past)
            .expect("set mtime");
        generate(root).expect("generate again");
        assert_eq!(fs::metadata(&path).expect("metadata").modified().expect("mtime"), past);
    }

    /// Every generated file with its modification time, to tell a rewrite from no write.
    fn mtimes(root: &Path) -> BTreeMap<String, SystemTime> {
        written(root)
            .into_iter()
            .map(|path| {
                let modified = fs::metadata(root.join(&path)).and_then(|m| m.modified());
                (path, modified.expect("mtime"))
            })
            .collect()
    }

    #[test]
    fn a_broken_catalogue_changes_nothing() {
        // (file, text appended to it, what the diagnostics must say)
        let breakages: [(&str, &str, &[&str]); 3] = [
            (
                "schema/events.yaml",
                "  - type: payment.example_only\n    name: { ko: 결제 환불, en: Refunded }\n    schema: Paymnet\n",
                &["unknown schema `Paymnet`", "did you mean `Payment`?"],
            ),
            ("schema/types/payment.yaml", "  - name: [\n", &["invalid YAML"]),
            (
                "schema/examples/payment.completed.json",
                "\n{}",
                &["schema/examples/payment.completed.json", "trailing characters"],
            ),
        ];
        for (path, appended, expected) in breakages {
            let dir = scratch();
            let root = dir.path();
            generate(root).expect("generate");
            // Every file a second in the past, so that a rewrite would show in its mtime.
            let past = SystemTime::now() - Duration::from_secs(10);
            for file in snapshot(root).keys() {
                let handle = fs::File::options().write(true).open(root.join(file)).expect("open");
                handle.set_modified(past).expect("set mtime");
            }
            let (before, times) = (snapshot(root), mtimes(root));
            let mut text = fs::read_to_string(root.join(path)).expect("read");
            text.push_str(appended);
            fs::write(root.join(path), text).expect("write");
            match generate(root) {
                Err(Error::Catalogue(diagnostics)) => {
                    let rendered = Error::Catalogue(diagnostics).to_string();
                    for part in expected.iter().chain(&["nothing under generated/ was changed"]) {
                        assert!(rendered.contains(part), "{path}: {rendered}");
                    }
                }
                other => panic!("{path}: expected catalogue errors, got {other:?}"),
            }
            assert_eq!(snapshot(root), before, "{path}: generated/ changed");
            assert_eq!(mtimes(root), times, "{path}: a generated file was rewritten");
        }
    }

    #[test]
    fn a_new_event_needs_one_entry_and_gen() {
        let dir = scratch();
        let root = dir.path();
        let events = root.join("schema/events.yaml");
        let mut text = fs::read_to_string(&events).expect("read");
        text.push_str("  - type: payment.example_only\n    name: { ko: 결제 환불, en: Payment refunded }\n    schema: Payment\n");
        fs::write(&events, text).expect("write");
        // Its example delivery: the one in the catalogue, for the new event type.
        let example = fs::read_to_string(root.join("schema/examples/payment.completed.json"))
            .expect("read")
            .replace("\"payment.completed\"", "\"payment.example_only\"");
        fs::write(root.join("schema/examples/payment.example_only.json"), &example).expect("write");
        generate(root).expect("generate");
        let read = |p: &str| fs::read_to_string(root.join(p)).expect("read");
        assert_eq!(read("generated/deliveries/payment.example_only.json"), example);
        assert!(
            read("generated/src/generated/examples.rs")
                .contains("include_str!(\"../../deliveries/payment.example_only.json\")")
        );
        // Removed from the catalogue, it is removed from the crate.
        fs::remove_file(root.join("schema/examples/payment.example_only.json")).expect("remove");
        generate(root).expect("generate");
        assert!(!root.join("generated/deliveries/payment.example_only.json").exists());
        assert!(
            read("generated/src/generated/event.rs").contains("PaymentExampleOnly(Box<Payment>)")
        );
        assert!(read("generated/src/generated/handler.rs").contains("fn payment_example_only("));
        assert!(read("generated/docs/webhooks.md").contains(
            "| 결제 환불 | Payment refunded | `payment.example_only` | [Payment](#payment) |"
        ));
        let asyncapi = read("generated/asyncapi/asyncapi.yaml");
        for part in [
            "      payment.example_only:\n        $ref: \"#/components/messages/payment.example_only\"\n",
            "  payment_example_only:\n    action: receive\n",
            "      - $ref: \"#/channels/webhook/messages/payment.example_only\"\n",
            "    payment.example_only:\n      name: payment.example_only\n      title: 결제 환불 · Payment refunded\n",
            "            const: payment.example_only\n",
        ] {
            assert!(asyncapi.contains(part), "the AsyncAPI document lacks {part:?}");
        }
    }

    #[test]
    fn a_new_domain_becomes_a_feature_on_by_default() {
        let dir = scratch();
        let root = dir.path();
        let events = root.join("schema/events.yaml");
        let text = fs::read_to_string(&events).expect("read");
        let text = text.replacen(
            "events:\n",
            "  - id: refund\n    name: { ko: 환불, en: Refund }\n\nevents:\n",
            1,
        ) + "  - type: refund.completed\n    name: { ko: 환불 완료, en: Refund completed }\n    schema: Payment\n";
        fs::write(&events, text).expect("write");
        let read = |p: &str| fs::read_to_string(root.join(p)).expect("read");
        // Everything after the generated block is the crate's own: the receiver, the adapters.
        let hand_written = |manifest: &str| {
            let end = manifest.find("# end of @generated features\n").expect("the end line");
            manifest[end..].to_owned()
        };
        let before = hand_written(&read(MANIFEST));
        generate(root).expect("generate");
        let manifest = read(MANIFEST);
        assert!(manifest.contains("\"cover\", \"refund\"]\n"), "{manifest}");
        assert!(
            manifest.contains("# 환불 — Refund: refund.completed\nrefund = []\n"),
            "{manifest}"
        );
        assert!(before.contains("\naxum = ["), "the scratch copy has the hand-written features");
        assert_eq!(hand_written(&manifest), before, "hand-written features are kept");
        let event = read("generated/src/generated/event.rs");
        assert!(
            event.contains("#[cfg(feature = \"refund\")]\n    RefundCompleted(Box<Payment>),"),
            "{event}"
        );
        // Payment is now needed by two domains.
        assert!(
            read("generated/src/generated/mod.rs")
                .contains("#[cfg(any(feature = \"payment\", feature = \"refund\"))]\nmod payment;")
        );
    }

    #[test]
    fn a_hand_edited_feature_is_stale_and_gen_restores_it() {
        let dir = scratch();
        let root = dir.path();
        generate(root).expect("generate");
        let path = root.join(MANIFEST);
        let text = fs::read_to_string(&path).expect("read");
        fs::write(&path, text.replacen("\norder = []\n", "\norder = [\"axum\"]\n", 1))
            .expect("edit");
        assert_eq!(stale(root), vec![Change::Stale(MANIFEST.into())]);
        generate(root).expect("generate");
        assert_eq!(fs::read_to_string(&path).expect("read"), text);
    }

    #[test]
    fn a_manifest_without_the_generated_block_changes_nothing() {
        let dir = scratch();
        let root = dir.path();
        generate(root).expect("generate");
        let path = root.join(MANIFEST);
        let text = fs::read_to_string(&path).expect("read");
        let text: String = text
            .split_inclusive('\n')
            .filter(|line| !line.starts_with("# end of @generated"))
            .collect();
        fs::write(&path, text).expect("edit");
        let before = snapshot(root);
        match generate(root) {
            Err(error @ Error::Manifest { .. }) => {
                let message = error.to_string();
                assert!(message.contains("generated/Cargo.toml"), "{message}");
                assert!(message.contains("has no end"), "{message}");
            }
            other => panic!("expected a manifest error, got {other:?}"),
        }
        assert_eq!(snapshot(root), before);
    }

    /// `cargo test --workspace` fails when someone edits schema/ without regenerating, or edits
    /// a generated file by hand.
    #[test]
    fn generated_files_are_fresh() {
        if let Err(error) = check_fresh(&workspace::built_from()) {
            panic!("{error}");
        }
    }
}
