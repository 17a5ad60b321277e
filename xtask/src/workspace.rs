//! The checkout xtask works on, and reading its catalogue from disk.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use codegen::{Input, SourceFile};

/// The repository root: the nearest folder at or above the current directory that has
/// `schema/events.yaml` (so a command run in any checkout or worktree works on that checkout),
/// else the one this binary was built from (xtask lives in `<root>/xtask`).
pub(crate) fn root() -> PathBuf {
    let from_cwd = std::env::current_dir().ok().and_then(|cwd| {
        cwd.ancestors().find(|dir| dir.join("schema/events.yaml").is_file()).map(Path::to_path_buf)
    });
    from_cwd.unwrap_or_else(built_from)
}

/// The checkout this binary was built from.
pub(crate) fn built_from() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Reading or writing a file failed; the path is relative to the repository root when it is
/// inside it.
#[derive(Debug)]
pub(crate) struct IoError {
    pub(crate) path: PathBuf,
    pub(crate) source: io::Error,
}

impl fmt::Display for IoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}: {}", self.path.display(), self.source)
    }
}

/// Wraps an `io::Error` about `path` (shown relative to `root` when inside it).
pub(crate) fn io_error<'a>(
    root: &'a Path,
    path: &'a Path,
) -> impl FnOnce(io::Error) -> IoError + 'a {
    move |source| IoError { path: path.strip_prefix(root).unwrap_or(path).to_path_buf(), source }
}

/// Reads the catalogue under `root/schema/` as the generator takes it. A missing
/// `schema/types/` reads as no types files, which the generator reports with a hint.
pub(crate) fn read_input(root: &Path) -> Result<Input, IoError> {
    let read = |relative: String| -> Result<SourceFile, IoError> {
        let path = root.join(&relative);
        let text = fs::read_to_string(&path).map_err(io_error(root, &path))?;
        Ok(SourceFile::new(relative, text))
    };
    let events = read("schema/events.yaml".to_owned())?;
    let types = files_under(root, "schema/types")?
        .into_iter()
        .filter(|path| !path["schema/types/".len()..].contains('/'))
        .filter(|path| path.ends_with(".yaml") || path.ends_with(".yml"))
        .map(read)
        .collect::<Result<_, _>>()?;
    let examples = files_under(root, "schema/examples")?
        .into_iter()
        .filter(|path| path.ends_with(".json"))
        .map(read)
        .collect::<Result<_, _>>()?;
    Ok(Input { events, types, examples })
}

/// Every file below `root/dir`, as paths relative to `root` with `/` separators, sorted; none
/// when `dir` does not exist.
pub(crate) fn files_under(root: &Path, dir: &str) -> Result<Vec<String>, IoError> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(relative) = pending.pop() {
        let path = root.join(&relative);
        let entries = match fs::read_dir(&path) {
            Ok(entries) => entries,
            Err(error) if error.kind() == io::ErrorKind::NotFound => continue,
            Err(source) => return Err(io_error(root, &path)(source)),
        };
        for entry in entries {
            let entry = entry.map_err(io_error(root, &path))?;
            let child = format!("{relative}/{}", entry.file_name().to_string_lossy());
            if entry.file_type().map_err(io_error(root, &path))?.is_dir() {
                pending.push(child);
            } else {
                found.push(child);
            }
        }
    }
    found.sort();
    Ok(found)
}
