//! The probe's journal: one JSON line for each object it is about to create, has created
//! and has removed, written (0600) and flushed as it goes, so that `zroster probe
//! --cleanup JOURNAL` can remove what a run left, even one ended by SIGKILL.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::ProbeError;

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entry {
    /// The run began: the account and the prefix of every name it creates.
    Started {
        /// The account's base URL.
        account: String,
        /// `zroster-probe-<random>`.
        prefix: String,
    },
    /// A user is about to be created with this external id (a run stopped before the
    /// answer leaves a user only its external id finds).
    Creating {
        /// The external id the user is created with.
        external_id: String,
    },
    /// A user was created.
    Created {
        /// Its id.
        id: u64,
    },
    /// A user was removed (deleted, then deleted for good).
    Removed {
        /// Its id.
        id: u64,
    },
}

/// A journal being written.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: File,
}

impl Journal {
    /// Creates the journal at `path` (which must not exist), private to its owner, and
    /// writes its first line.
    pub fn create(path: &Path, account: &str, prefix: &str) -> Result<Self, ProbeError> {
        let file = crate::private_file::create_new(path).map_err(|source| ProbeError::Journal {
            path: path.display().to_string(),
            source,
        })?;
        let mut journal = Self {
            path: path.to_owned(),
            file,
        };
        journal.write(&Entry::Started {
            account: account.to_owned(),
            prefix: prefix.to_owned(),
        })?;
        Ok(journal)
    }

    /// Opens an existing journal to append to (`--cleanup`); it keeps its mode.
    pub fn append(path: &Path) -> Result<Self, ProbeError> {
        let file = std::fs::OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|source| ProbeError::Journal {
                path: path.display().to_string(),
                source,
            })?;
        Ok(Self {
            path: path.to_owned(),
            file,
        })
    }

    /// Appends `entry` and flushes it to the file before the request it announces is sent.
    pub fn write(&mut self, entry: &Entry) -> Result<(), ProbeError> {
        let mut line = serde_json::to_string(entry).unwrap_or_default();
        line.push('\n');
        self.file
            .write_all(line.as_bytes())
            .and_then(|()| self.file.flush())
            .map_err(|source| ProbeError::Journal {
                path: self.path.display().to_string(),
                source,
            })
    }

    /// The journal's path.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// What a journal says: the account, the prefix, and the users it may have left.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Left {
    /// The account the run probed.
    pub account: String,
    /// The run's prefix.
    pub prefix: String,
    /// Ids of users created and not yet removed.
    pub ids: Vec<u64>,
    /// External ids of every user the run announced (created or not).
    pub external_ids: Vec<String>,
}

/// Reads a journal; a last line cut short (the run was killed while writing it) is skipped.
pub fn read(path: &Path) -> Result<Left, ProbeError> {
    let text = std::fs::read_to_string(path).map_err(|source| ProbeError::Journal {
        path: path.display().to_string(),
        source,
    })?;
    let mut left = Left::default();
    let mut started = false;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let Ok(entry) = serde_json::from_str::<Entry>(line) else {
            continue;
        };
        match entry {
            Entry::Started { account, prefix } => {
                started = true;
                left.account = account;
                left.prefix = prefix;
            }
            Entry::Creating { external_id } => left.external_ids.push(external_id),
            Entry::Created { id } => {
                if !left.ids.contains(&id) {
                    left.ids.push(id);
                }
            }
            Entry::Removed { id } => left.ids.retain(|i| *i != id),
        }
    }
    if !started {
        return Err(ProbeError::NotAJournal {
            path: path.display().to_string(),
        });
    }
    Ok(left)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_journal_lists_what_was_created_and_not_removed_and_skips_a_cut_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let mut journal = Journal::create(&path, "http://127.0.0.1:1", "zroster-probe-1").unwrap();
        for entry in [
            Entry::Creating {
                external_id: "zroster-probe-1-a".into(),
            },
            Entry::Created { id: 7 },
            Entry::Created { id: 8 },
            Entry::Removed { id: 7 },
        ] {
            journal.write(&entry).unwrap();
        }
        drop(journal);
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str("{\"created\":{\"i");
        std::fs::write(&path, text).unwrap();
        let left = read(&path).unwrap();
        assert_eq!(left.ids, [8]);
        assert_eq!(left.external_ids, ["zroster-probe-1-a"]);
        assert_eq!(left.prefix, "zroster-probe-1");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
