//! The catalogue as it was at a git revision, read with `git ls-tree` and `git cat-file`.

use std::fmt;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use codegen::{Input, SourceFile};

/// Why the catalogue at a revision could not be read.
#[derive(Debug)]
pub(crate) enum GitError {
    /// git could not be run, or a command failed.
    Command { command: String, detail: String },
    /// The revision names no commit.
    UnknownRevision(String),
    /// The merge base with `main` could not be found.
    NoMergeBase(String),
    /// The revision has no `schema/events.yaml`.
    NoCatalogue(String),
}

impl fmt::Display for GitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GitError::Command { command, detail } => {
                write!(f, "error: `{command}` failed: {detail}")
            }
            GitError::UnknownRevision(rev) => {
                write!(
                    f,
                    "error: `{rev}` is not a commit of this repository\n  = help: give a branch, tag or commit, e.g. `--base HEAD~1`"
                )
            }
            GitError::NoMergeBase(detail) => write!(
                f,
                "error: cannot find where this branch left `main`: {detail}\n  = help: give the revision to compare with, e.g. `--base HEAD~1`"
            ),
            GitError::NoCatalogue(rev) => write!(
                f,
                "error: `{rev}` has no schema/events.yaml, so no catalogue to compare with\n  = help: give a revision that has the catalogue"
            ),
        }
    }
}

fn git(root: &Path, args: &[&str], input: Option<&[u8]>) -> Result<Vec<u8>, GitError> {
    let command = format!("git {}", args.join(" "));
    let failed = |detail: String| GitError::Command { command: command.clone(), detail };
    let mut child = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| failed(e.to_string()))?;
    if let (Some(input), Some(mut stdin)) = (input, child.stdin.take()) {
        stdin.write_all(input).map_err(|e| failed(e.to_string()))?;
    }
    let output = child.wait_with_output().map_err(|e| failed(e.to_string()))?;
    if output.status.success() {
        Ok(output.stdout)
    } else {
        Err(failed(String::from_utf8_lossy(&output.stderr).trim().to_owned()))
    }
}

/// The commit `rev` names, checked.
pub(crate) fn resolve(root: &Path, rev: &str) -> Result<String, GitError> {
    let spec = format!("{rev}^{{commit}}");
    match git(root, &["rev-parse", "--verify", "--quiet", &spec], None) {
        Ok(out) => Ok(String::from_utf8_lossy(&out).trim().to_owned()),
        Err(GitError::Command { .. }) => Err(GitError::UnknownRevision(rev.to_owned())),
        Err(other) => Err(other),
    }
}

/// Where the current branch left `main`.
pub(crate) fn merge_base_with_main(root: &Path) -> Result<String, GitError> {
    match git(root, &["merge-base", "HEAD", "main"], None) {
        Ok(out) => Ok(String::from_utf8_lossy(&out).trim().to_owned()),
        Err(GitError::Command { detail, .. }) => Err(GitError::NoMergeBase(detail)),
        Err(other) => Err(other),
    }
}

/// The catalogue's files (`schema/events.yaml`, `schema/types/*.yaml`, `schema/examples/**.json`)
/// as they were at `commit`, named as on disk. Two git processes, whatever the size.
pub(crate) fn catalogue_at(root: &Path, commit: &str) -> Result<Input, GitError> {
    let listing = git(root, &["ls-tree", "-r", "-z", commit, "--", "schema"], None)?;
    let mut wanted: Vec<(String, String)> = Vec::new();
    for entry in listing.split(|&b| b == 0).filter(|e| !e.is_empty()) {
        let entry = String::from_utf8_lossy(entry);
        let Some((meta, path)) = entry.split_once('\t') else { continue };
        let mut meta = meta.split(' ');
        let (Some(_mode), Some("blob"), Some(oid)) = (meta.next(), meta.next(), meta.next()) else {
            continue;
        };
        let in_types = path.strip_prefix("schema/types/").is_some_and(|name| {
            !name.contains('/') && (name.ends_with(".yaml") || name.ends_with(".yml"))
        });
        let in_examples = path.starts_with("schema/examples/") && path.ends_with(".json");
        if path == "schema/events.yaml" || in_types || in_examples {
            wanted.push((path.to_owned(), oid.to_owned()));
        }
    }
    let request: String = wanted.iter().map(|(_, oid)| format!("{oid}\n")).collect();
    let contents = git(root, &["cat-file", "--batch"], Some(request.as_bytes()))?;
    let texts = split_batch(&contents).ok_or_else(|| GitError::Command {
        command: "git cat-file --batch".to_owned(),
        detail: "unexpected output".to_owned(),
    })?;
    let mut events = None;
    let mut types = Vec::new();
    let mut examples = Vec::new();
    for ((path, _), text) in wanted.into_iter().zip(texts) {
        let file = SourceFile::new(path.clone(), text);
        if path == "schema/events.yaml" {
            events = Some(file);
        } else if path.starts_with("schema/types/") {
            types.push(file);
        } else {
            examples.push(file);
        }
    }
    let events = events.ok_or_else(|| GitError::NoCatalogue(commit.to_owned()))?;
    Ok(Input { events, types, examples })
}

/// `git cat-file --batch` output: `<oid> blob <size>\n<contents>\n` per object.
fn split_batch(mut bytes: &[u8]) -> Option<Vec<String>> {
    let mut texts = Vec::new();
    while !bytes.is_empty() {
        let newline = bytes.iter().position(|&b| b == b'\n')?;
        let header = std::str::from_utf8(bytes.get(..newline)?).ok()?;
        let size: usize = header.rsplit(' ').next()?.parse().ok()?;
        let start = newline + 1;
        let body = bytes.get(start..start + size)?;
        texts.push(String::from_utf8_lossy(body).into_owned());
        bytes = bytes.get(start + size + 1..)?;
    }
    Some(texts)
}
