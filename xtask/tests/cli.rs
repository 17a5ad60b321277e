//! The built `xtask` binary, run the way a maintainer runs it: `diff` and `gen` in a temporary git
//! repository holding a copy of the catalogue, `drift` on the kept copies of StepPay's pages, and
//! the usage errors.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The checkout these tests were built from.
fn source_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("a parent").to_path_buf()
}

fn xtask(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run xtask")
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args([
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run git");
    assert!(status.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&status.stderr));
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("mkdir");
    for entry in fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// A git repository on branch `main` with one commit: a copy of `schema/` and of the crate's
/// manifest.
fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    let root = dir.path();
    copy_tree(&source_root().join("schema"), &root.join("schema"));
    fs::create_dir_all(root.join("generated")).expect("mkdir");
    fs::copy(source_root().join("generated/Cargo.toml"), root.join("generated/Cargo.toml"))
        .expect("copy");
    git(root, &["init", "--quiet", "--initial-branch=main"]);
    git(root, &["add", "."]);
    git(root, &["commit", "--quiet", "-m", "catalogue"]);
    dir
}

/// Adds the event `payment.example_only`, with its example delivery.
fn add_event(root: &Path) {
    let events = root.join("schema/events.yaml");
    let mut text = fs::read_to_string(&events).expect("read");
    text.push_str("  - type: payment.example_only\n    name: { ko: 결제 환불, en: Payment refunded }\n    schema: Payment\n");
    fs::write(&events, text).expect("write");
    let example =
        fs::read_to_string(root.join("schema/examples/payment.completed.json")).expect("read");
    let example = example.replace("\"payment.completed\"", "\"payment.example_only\"");
    fs::write(root.join("schema/examples/payment.example_only.json"), example).expect("write");
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn diff_against_head_suggests_minor_for_an_added_event() {
    let repo = repository();
    let root = repo.path();
    add_event(root);
    let output = xtask(root, &["diff", "--base", "HEAD"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.starts_with("Suggested bump: minor (0 breaking · 1 additive · 1 documentation)\n"),
        "{text}"
    );
    assert!(text.contains("| additive | `payment.example_only` | event added"), "{text}");
    assert!(
        text.contains(
            "| documentation | `schema/examples/payment.example_only.json` | example added"
        ),
        "{text}"
    );
    // An additive change to a 0.x crate is a patch release.
    let (major, minor, patch) = crate_version(root);
    assert_eq!(major, 0, "these expectations are for a 0.x crate");
    let next = format!("For steppay-webhooks 0.{minor}.{patch}, that is 0.{minor}.{}.", patch + 1);
    assert!(text.contains(&next), "{next} in {text}");

    // A CI gate on additive changes fails; one on breaking changes passes.
    assert_eq!(
        xtask(root, &["diff", "--base", "HEAD", "--fail-on", "additive"]).status.code(),
        Some(1)
    );
    assert_eq!(
        xtask(root, &["diff", "--base", "HEAD", "--fail-on", "breaking"]).status.code(),
        Some(0)
    );
    let json = stdout(&xtask(root, &["diff", "--base=HEAD", "--json"]));
    let json: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(json["suggested_bump"], "minor");
    assert_eq!(json["additive"], 1);
}

#[test]
fn diff_defaults_to_the_merge_base_with_main_and_gates_breaking_changes() {
    let repo = repository();
    let root = repo.path();
    git(root, &["checkout", "--quiet", "-b", "catalogue-change"]);
    let events = root.join("schema/events.yaml");
    let text = fs::read_to_string(&events).expect("read");
    let removed = "  - type: cover.paused\n    name: { ko: 커버 만기, en: Cover expired }\n    schema: Cover\n";
    assert!(text.contains(removed));
    fs::write(&events, text.replace(removed, "")).expect("write");
    fs::remove_file(root.join("schema/examples/cover.paused.json")).expect("remove");
    git(root, &["commit", "--quiet", "-am", "drop cover.paused"]);
    let output = xtask(root, &["diff", "--fail-on", "breaking"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.starts_with("Suggested bump: major (1 breaking · 0 additive · 1 documentation)"),
        "{text}"
    );
    assert!(text.contains("| breaking | `cover.paused` | event removed"), "{text}");
    // A breaking change to a 0.x crate is a minor release.
    let (major, minor, patch) = crate_version(root);
    assert_eq!(major, 0, "these expectations are for a 0.x crate");
    let next = format!("For steppay-webhooks 0.{minor}.{patch}, that is 0.{}.0.", minor + 1);
    assert!(text.contains(&next), "{next} in {text}");
    assert!(stderr(&output).contains("--fail-on breaking"));
}

#[test]
fn gen_ends_with_what_changed_in_the_public_surface_since_head() {
    let repo = repository();
    let root = repo.path();
    let first = xtask(root, &["gen"]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(
        stdout(&first).ends_with("public surface since HEAD: no change to the public surface\n"),
        "{}",
        stdout(&first)
    );
    add_event(root);
    let output = xtask(root, &["gen"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let last = stdout(&output).lines().last().unwrap_or_default().to_owned();
    assert_eq!(
        last,
        "public surface since HEAD: minor (0 breaking · 1 additive · 0 documentation): event added payment.example_only"
    );
}

#[test]
fn drift_on_the_kept_pages_exits_0_and_on_a_page_of_another_shape_exits_2() {
    let data = source_root().join("codegen/tests/data/steppay-docs");
    let events = data.join("08-1-1_Webhook-Events.md");
    let schemas = data.join("08-1-2_Webhook-Schema.md");
    let (events, schemas) = (events.to_str().expect("UTF-8"), schemas.to_str().expect("UTF-8"));
    let root = source_root();
    let output = xtask(&root, &["drift", events, schemas]);
    assert_eq!(output.status.code(), Some(0), "{}{}", stdout(&output), stderr(&output));
    assert!(stdout(&output).contains("\nno unreviewed drift\n"));
    assert!(stdout(&output).contains("accepted deviations"));

    // The pages the other way round: a page this reader cannot take.
    let output = xtask(&root, &["drift", schemas, events]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("this looks like the Webhook-Schema page"),
        "{}",
        stderr(&output)
    );

    // Drift: a page with one more event.
    let dir = tempfile::tempdir().expect("temporary directory");
    let doctored = dir.path().join("events.md");
    let text = fs::read_to_string(events).expect("read");
    let row = "| 결제 대기 | payment.standby   |";
    fs::write(&doctored, text.replace(row, "| 결제 환불 | payment.refunded | [Payment](#payment) |\n| 결제 대기 | payment.standby   |")).expect("write");
    let output = xtask(&root, &["drift", doctored.to_str().expect("UTF-8"), schemas, "--json"]);
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    assert_eq!(json["findings"][0]["kind"], "event-missing");
    assert_eq!(json["findings"][0]["subject"], "payment.refunded");

    let output = xtask(&root, &["drift", "no/such/page.md", schemas]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("cannot read the page no/such/page.md"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn wrong_flags_are_usage_errors() {
    let root = source_root();
    for (args, message) in [
        (
            &["drift", "--jsn", "a.md", "b.md"][..],
            "`drift` has no option `--jsn` (its options: --json)",
        ),
        (&["drift", "a.md"][..], "`drift` takes two pages"),
        (
            &["diff", "--fail-on", "minor"][..],
            "`--fail-on` takes breaking, additive or documentation, not `minor`",
        ),
        (&["diff", "--base"][..], "`--base` needs a value"),
        (&["gen", "--chek"][..], "`gen` has no option `--chek`"),
        (&["generate"][..], "unknown command `generate`"),
        (&[][..], "no command given"),
    ] {
        let output = xtask(&root, args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let text = stderr(&output);
        assert!(text.contains(message), "{args:?}: {text}");
        assert!(text.contains("usage: cargo xtask <command>"), "{args:?}: {text}");
    }
}

/// The version of `steppay-webhooks` in the repository at `root`, as (major, minor, patch).
fn crate_version(root: &Path) -> (u64, u64, u64) {
    let manifest = fs::read_to_string(root.join("generated/Cargo.toml")).expect("manifest");
    let line = manifest
        .lines()
        .find_map(|line| line.strip_prefix("version = \""))
        .expect("the package's version line");
    let parts: Vec<u64> =
        line.trim_end_matches('"').split('.').map(|part| part.parse().expect("a number")).collect();
    (parts[0], parts[1], parts[2])
}
