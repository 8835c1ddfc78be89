//! Shared helpers of the integration tests.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root (where Cargo.toml is).
pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A command running one of the crate's binaries from the repository root, with colours
/// off, so that relative paths in its output are stable.
pub(crate) fn bin(name: &str) -> Command {
    let mut command = Command::new(insta_cmd::get_cargo_bin(name));
    command.current_dir(root()).env("NO_COLOR", "1");
    command
}

/// Every `*.yaml` / `*.yml` file below `dir`, sorted.
pub(crate) fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml")
            ) {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Every roster file of `examples/` (the CI workflow examples under `examples/github` are not
/// rosters).
pub(crate) fn roster_examples() -> Vec<PathBuf> {
    yaml_files(&root().join("examples"))
        .into_iter()
        .filter(|path| !path.starts_with(root().join("examples/github")))
        .collect()
}
