//! Finding and reading roster files: a path is a file or a directory (every `*.yaml` /
//! `*.yml` below it, in sorted order). Guards against hostile input live here: a size limit
//! per file, binary and non-UTF-8 content, empty files, empty directories.
//!
//! Only regular files (or symbolic links to them) are read. A named pipe, socket or device
//! is an error naming its path, whether it is named directly or found below a directory: it
//! is never opened (opening a pipe waits for a writer, so `validate` would hang), and it is
//! not skipped either, since a roster missing one of its files would plan to prune the users
//! that file holds. Likewise a directory below a roster directory that cannot be read is an
//! error naming that directory, and the rest of the tree is still read.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::diagnostic::Diagnostic;
use super::node::Pos;

/// Largest roster file read, in bytes. Larger files are refused before they are parsed;
/// split a large roster over a directory of files instead.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// One roster file, read into memory.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as the user named it, or as found below a directory they named.
    pub path: PathBuf,
    /// The path as printed in diagnostics.
    pub display: String,
    /// The file's text.
    pub text: String,
}

/// Every roster file below `paths`, in the order given (directories in sorted order), or
/// the diagnostics that explain why a path cannot be read. A file named twice (directly and
/// through a directory) is read once.
pub(crate) fn discover(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<Diagnostic>) {
    let mut files = Vec::new();
    let mut diagnostics = Vec::new();
    for path in paths {
        let display = path.display().to_string();
        match fs::metadata(path) {
            Err(error) => diagnostics.push(Diagnostic::error(
                &display,
                Pos::default(),
                "unreadable-path",
                format!("cannot read `{display}`: {}", io_reason(&error)),
            )),
            Ok(meta) if meta.is_dir() => {
                let before = files.len();
                let errors = diagnostics.len();
                walk(path, &mut files, &mut diagnostics);
                if files.len() == before && diagnostics.len() == errors {
                    diagnostics.push(
                        Diagnostic::error(
                            &display,
                            Pos::default(),
                            "no-roster-files",
                            format!("directory `{display}` holds no roster files"),
                        )
                        .hint("roster files end in `.yaml` or `.yml`"),
                    );
                }
            }
            Ok(_) => files.push(path.clone()),
        }
    }
    let mut seen = std::collections::HashSet::new();
    files.retain(|f| seen.insert(fs::canonicalize(f).unwrap_or_else(|_| f.clone())));
    (files, diagnostics)
}

/// Adds the roster files below `dir` to `files`; a directory that cannot be listed, or an
/// entry whose type cannot be read, is reported under its own path and the walk goes on.
fn walk(dir: &Path, files: &mut Vec<PathBuf>, diagnostics: &mut Vec<Diagnostic>) {
    let unreadable = |path: &Path, what: &str, error: &std::io::Error| {
        let display = path.display().to_string();
        Diagnostic::error(
            &display,
            Pos::default(),
            "unreadable-path",
            format!("cannot read {what}`{display}`: {}", io_reason(error)),
        )
    };
    let listed = fs::read_dir(dir).and_then(|entries| {
        entries
            .map(|entry| entry.map(|e| e.path()))
            .collect::<Result<Vec<_>, _>>()
    });
    let mut entries = match listed {
        Ok(entries) => entries,
        Err(error) => {
            diagnostics.push(unreadable(dir, "directory ", &error));
            return;
        }
    };
    entries.sort();
    for entry in entries {
        let name = entry.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') {
            continue; // editor swap files, .git
        }
        let is_roster_name = matches!(
            entry.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        );
        // The type of what a symbolic link points at, so that a link to a directory is walked.
        match fs::metadata(&entry) {
            Ok(meta) if meta.is_dir() => walk(&entry, files, diagnostics),
            // Not only regular files: `read` refuses a pipe or device under its own name.
            Ok(_) if is_roster_name => files.push(entry),
            // A dangling link that is not named like a roster file is not part of the roster;
            // anything else that cannot be looked at (a link loop, no permission) might be.
            Err(error) if is_roster_name || error.kind() != std::io::ErrorKind::NotFound => {
                diagnostics.push(unreadable(&entry, "", &error));
            }
            Ok(_) | Err(_) => {}
        }
    }
}

/// Reads one file, refusing one that is too large, binary, or not UTF-8.
pub(crate) fn read(path: &Path) -> Result<SourceFile, Diagnostic> {
    let display = path.display().to_string();
    let fail = |code, message: String| Diagnostic::error(&display, Pos::default(), code, message);
    let unreadable = |e: &std::io::Error| {
        fail(
            "unreadable-path",
            format!("cannot read `{display}`: {}", io_reason(e)),
        )
    };
    // Looked at before opening: opening a named pipe would wait for a writer.
    let kind = fs::metadata(path).map_err(|e| unreadable(&e))?.file_type();
    if !kind.is_file() {
        return Err(fail(
            "not-a-file",
            format!("`{display}` is {}, not a regular file", file_kind(kind)),
        )
        .hint("a roster is read from regular files only"));
    }
    let file = fs::File::open(path).map_err(|e| unreadable(&e))?;
    let mut bytes = Vec::new();
    // Read one byte past the limit: enough to know the file is too large without reading it all.
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| unreadable(&e))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(fail(
            "file-too-large",
            format!(
                "the file is larger than {} MiB",
                MAX_FILE_BYTES / (1024 * 1024)
            ),
        )
        .hint("split the roster into several files in a directory"));
    }
    if bytes.contains(&0) {
        return Err(fail("binary-file", "the file is binary, not YAML".into()));
    }
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            let valid = &error.as_bytes()[..error.utf8_error().valid_up_to()];
            let line = valid.split(|b| *b == b'\n').count();
            let column = valid.iter().rev().take_while(|b| **b != b'\n').count() + 1;
            return Err(Diagnostic::error(
                &display,
                Pos {
                    line: u32::try_from(line).unwrap_or(u32::MAX),
                    column: u32::try_from(column).unwrap_or(u32::MAX),
                },
                "invalid-utf8",
                "the file is not valid UTF-8".into(),
            )
            .hint("save the file as UTF-8"));
        }
    };
    Ok(SourceFile {
        path: path.to_path_buf(),
        display,
        text,
    })
}

/// What a path that is not a regular file is, as a message names it.
fn file_kind(kind: fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if kind.is_fifo() {
            return "a named pipe";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_block_device() || kind.is_char_device() {
            return "a device";
        }
    }
    if kind.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}

fn io_reason(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => error.to_string().to_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};
    use std::sync::mpsc;
    use std::time::Duration;

    use super::super::{Loaded, load};

    /// Loads `paths` on another thread, failing instead of hanging when loading blocks.
    fn load_within_seconds(paths: Vec<PathBuf>) -> Loaded {
        let (done, result) = mpsc::channel();
        std::thread::spawn(move || done.send(Box::new(load(&paths))).is_ok());
        *result
            .recv_timeout(Duration::from_secs(20))
            .expect("loading the roster hung")
    }

    fn mkfifo(path: &Path) {
        let status = std::process::Command::new("mkfifo")
            .arg(path)
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn errors(loaded: &Loaded) -> Vec<(String, &'static str, String)> {
        loaded
            .diagnostics
            .iter()
            .map(|d| (d.file.clone(), d.code, d.message.clone()))
            .collect()
    }

    #[test]
    fn a_named_pipe_is_an_error_naming_it_whether_named_or_found_below_a_directory() {
        let dir = tempfile::tempdir().unwrap();
        let roster = dir.path().join("roster");
        std::fs::create_dir(&roster).unwrap();
        std::fs::write(roster.join("a.yaml"), "users:\n  - email: a@acme.com\n").unwrap();
        let pipe = roster.join("b.yaml");
        mkfifo(&pipe);
        let pipe_name = pipe.display().to_string();
        let expected = vec![(
            pipe_name.clone(),
            "not-a-file",
            format!("`{pipe_name}` is a named pipe, not a regular file"),
        )];
        let loaded = load_within_seconds(vec![roster.clone()]);
        assert_eq!(errors(&loaded), expected);
        assert_eq!(loaded.roster.users.len(), 1);
        let loaded = load_within_seconds(vec![pipe.clone()]);
        assert_eq!(errors(&loaded), expected);
    }

    #[test]
    fn an_unreadable_entry_below_a_directory_is_reported_under_its_own_path() {
        let dir = tempfile::tempdir().unwrap();
        let roster = dir.path().join("roster");
        std::fs::create_dir(&roster).unwrap();
        std::fs::write(roster.join("a.yaml"), "users:\n  - email: a@acme.com\n").unwrap();
        // A link loop cannot be looked at, even by root (who reads any directory).
        let looped = roster.join("team");
        std::os::unix::fs::symlink(&looped, &looped).unwrap();
        // A dangling link not named like a roster file is not part of the roster.
        std::os::unix::fs::symlink(roster.join("gone"), roster.join("old")).unwrap();
        let loaded = load_within_seconds(vec![roster.clone()]);
        let found = errors(&loaded);
        let looped_name = looped.display().to_string();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, looped_name);
        assert_eq!(found[0].1, "unreadable-path");
        assert!(
            found[0]
                .2
                .starts_with(&format!("cannot read `{looped_name}`: too many levels")),
            "{found:?}"
        );
        assert_eq!(loaded.roster.users.len(), 1);
    }
}
