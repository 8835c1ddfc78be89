//! Finding and reading roster files: a path is a file or a directory (every `*.yaml` /
//! `*.yml` below it, in sorted order). Guards against hostile input live here: a size limit
//! per file, binary and non-UTF-8 content, empty files, empty directories.

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
                if let Err(error) = walk(path, &mut files) {
                    diagnostics.push(Diagnostic::error(
                        &display,
                        Pos::default(),
                        "unreadable-path",
                        format!("cannot read directory `{display}`: {}", io_reason(&error)),
                    ));
                } else if files.len() == before {
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

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = fs::read_dir(dir)?
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for entry in entries {
        let name = entry.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') {
            continue; // editor swap files, .git
        }
        if entry.is_dir() {
            walk(&entry, files)?;
        } else if matches!(
            entry.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        ) {
            files.push(entry);
        }
    }
    Ok(())
}

/// Reads one file, refusing one that is too large, binary, or not UTF-8.
pub(crate) fn read(path: &Path) -> Result<SourceFile, Diagnostic> {
    let display = path.display().to_string();
    let fail = |code, message: String| Diagnostic::error(&display, Pos::default(), code, message);
    let file = fs::File::open(path).map_err(|e| {
        fail(
            "unreadable-path",
            format!("cannot read `{display}`: {}", io_reason(&e)),
        )
    })?;
    let mut bytes = Vec::new();
    // Read one byte past the limit: enough to know the file is too large without reading it all.
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| {
            fail(
                "unreadable-path",
                format!("cannot read `{display}`: {}", io_reason(&e)),
            )
        })?;
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

fn io_reason(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => error.to_string().to_lowercase(),
    }
}
