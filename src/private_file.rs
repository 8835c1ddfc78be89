//! Files that hold personal data (names, emails, Zendesk's answers about people): saved
//! plans (`--out`), apply journals, apply reports (`--report`), exports (`export --out`)
//! and the emulator's saved state (`fake --save`).
//! On unix they are created readable and writable by their owner alone (mode 0600), a file
//! written over is narrowed to that mode before anything is written to it, and the
//! directories made for them (the journal's) are 0700. Elsewhere the platform's defaults
//! apply. What is guaranteed ends there: a copy made later (a CI artifact, a pull-request
//! comment) carries whatever its own store allows.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

/// Owner read and write.
#[cfg(unix)]
const FILE_MODE: u32 = 0o600;
/// Owner read, write and search.
#[cfg(unix)]
const DIRECTORY_MODE: u32 = 0o700;

/// Creates `path` or empties it, readable by its owner alone. A path that is not a regular
/// file (`/dev/stdout`) is written as it is.
pub(crate) fn create(path: &Path) -> io::Result<File> {
    // Narrowed before it is emptied and written: nothing new is ever readable to others.
    let file = options()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)?;
    if file.metadata()?.is_file() {
        narrow(&file)?;
        file.set_len(0)?;
    }
    Ok(file)
}

/// Creates `path`, which must not exist, readable by its owner alone.
pub(crate) fn create_new(path: &Path) -> io::Result<File> {
    let file = options().write(true).create_new(true).open(path)?;
    narrow(&file)?;
    Ok(file)
}

/// Creates `dir` and its missing parents, the new ones searchable by their owner alone.
pub(crate) fn create_dir_all(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, DIRECTORY_MODE);
    builder.create(dir)
}

/// Writes `bytes` to `path` (created or emptied), readable by its owner alone.
pub(crate) fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    io::Write::write_all(&mut create(path)?, bytes)
}

fn options() -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, FILE_MODE);
    options
}

/// Narrows an existing file to the owner (a new one has the mode already, less the umask).
/// Not for devices and pipes (`/dev/stdout`), whose modes are not the file's to change.
fn narrow(file: &File) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let metadata = file.metadata()?;
        if metadata.is_file() && metadata.permissions().mode() & 0o077 != 0 {
            file.set_permissions(std::fs::Permissions::from_mode(FILE_MODE))?;
        }
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    fn mode(path: &std::path::Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn files_are_the_owners_alone_new_or_written_over_and_so_are_new_directories() {
        let dir = tempfile::tempdir().unwrap();
        let new = dir.path().join("new.json");
        super::write(&new, b"{}").unwrap();
        assert_eq!(mode(&new), 0o600);
        let old = dir.path().join("old.json");
        std::fs::write(&old, "secret of before").unwrap();
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).unwrap();
        super::write(&old, b"{}").unwrap();
        assert_eq!(mode(&old), 0o600);
        assert_eq!(std::fs::read_to_string(&old).unwrap(), "{}");
        let journal = dir.path().join("a/b");
        super::create_dir_all(&journal).unwrap();
        assert_eq!(mode(&journal), 0o700);
        assert_eq!(mode(&dir.path().join("a")), 0o700);
        let exclusive = journal.join("run.jsonl");
        super::create_new(&exclusive).unwrap();
        assert_eq!(mode(&exclusive), 0o600);
        assert!(super::create_new(&exclusive).is_err());
    }
}
