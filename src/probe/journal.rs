//! The probe's journal: one JSON line for each object (user, organization, group) it is
//! about to create, has created and has removed, written (0600) and flushed as it goes, so
//! that `zroster probe --cleanup JOURNAL` can remove what a run left, even one ended by
//! SIGKILL (or by SIGINT during the cleanup itself).

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::ProbeError;

/// What kind of object a journal line is about.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A user (the lines of a journal that name no kind).
    #[default]
    User,
    /// An organization.
    Organization,
    /// A group.
    Group,
}

impl Kind {
    // `skip_serializing_if` passes a reference.
    #[allow(clippy::trivially_copy_pass_by_ref)]
    fn is_user(&self) -> bool {
        *self == Kind::User
    }
}

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
    /// An organization or a group is about to be created with this name (a run stopped
    /// before the answer leaves one only its name finds).
    CreatingNamed {
        /// Organization or group.
        kind: Kind,
        /// Its name, under the prefix.
        name: String,
    },
    /// An object was created.
    Created {
        /// Its id.
        id: u64,
        /// Its kind (a user when absent).
        #[serde(default, skip_serializing_if = "Kind::is_user")]
        kind: Kind,
    },
    /// A bulk job was queued: until it ends it may still create the users it was given.
    Job {
        /// The job's id.
        id: String,
    },
    /// A bulk job ended (completed, failed or killed, or no longer readable).
    JobEnded {
        /// The job's id.
        id: String,
    },
    /// An object was removed (a user deleted, then deleted for good).
    Removed {
        /// Its id.
        id: u64,
        /// Its kind (a user when absent).
        #[serde(default, skip_serializing_if = "Kind::is_user")]
        kind: Kind,
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

/// What a journal says: the account, the prefix, and the objects it may have left.
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
    /// Ids of organizations created and not yet removed.
    pub organizations: Vec<u64>,
    /// Ids of groups created and not yet removed.
    pub groups: Vec<u64>,
    /// Every organization and group the run announced (created or not), by name.
    pub named: Vec<(Kind, String)>,
    /// Bulk jobs queued and not seen to end.
    pub jobs: Vec<String>,
    /// Organizations and groups whose creation was answered (removed or not), by kind.
    answered: Vec<Kind>,
}

impl Left {
    /// The ids left of `kind`.
    #[must_use]
    pub fn ids_of(&self, kind: Kind) -> &[u64] {
        match kind {
            Kind::User => &self.ids,
            Kind::Organization => &self.organizations,
            Kind::Group => &self.groups,
        }
    }

    fn ids_mut(&mut self, kind: Kind) -> &mut Vec<u64> {
        match kind {
            Kind::User => &mut self.ids,
            Kind::Organization => &mut self.organizations,
            Kind::Group => &mut self.groups,
        }
    }

    /// Names of the organizations or groups announced whose creation was never answered
    /// (so only their name finds them), or none when every one was answered.
    #[must_use]
    pub fn unanswered(&self, kind: Kind) -> Vec<&str> {
        let announced: Vec<&str> = self
            .named
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, n)| n.as_str())
            .collect();
        let answered = self.answered.iter().filter(|k| **k == kind).count();
        if answered >= announced.len() {
            Vec::new()
        } else {
            announced
        }
    }
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
            Entry::CreatingNamed { kind, name } => left.named.push((kind, name)),
            Entry::Created { id, kind } => {
                if !kind.is_user() {
                    left.answered.push(kind);
                }
                let ids = left.ids_mut(kind);
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            Entry::Job { id } => left.jobs.push(id),
            Entry::JobEnded { id } => left.jobs.retain(|j| *j != id),
            Entry::Removed { id, kind } => left.ids_mut(kind).retain(|i| *i != id),
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
            Entry::Created {
                id: 7,
                kind: Kind::User,
            },
            Entry::Created {
                id: 8,
                kind: Kind::User,
            },
            Entry::Removed {
                id: 7,
                kind: Kind::User,
            },
            Entry::CreatingNamed {
                kind: Kind::Organization,
                name: "zroster-probe-1-org-a".into(),
            },
            Entry::Created {
                id: 9,
                kind: Kind::Organization,
            },
            Entry::CreatingNamed {
                kind: Kind::Group,
                name: "zroster-probe-1-group".into(),
            },
            Entry::Job { id: "j1".into() },
            Entry::Job { id: "j2".into() },
            Entry::JobEnded { id: "j1".into() },
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
        assert_eq!(left.organizations, [9]);
        assert!(left.unanswered(Kind::Organization).is_empty());
        assert_eq!(left.unanswered(Kind::Group), ["zroster-probe-1-group"]);
        assert_eq!(left.jobs, ["j2"], "a job seen to end is not open");
        assert!(
            std::fs::read_to_string(&path)
                .unwrap()
                .contains(r#"{"created":{"id":8}}"#),
            "a user's line names no kind, as before"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
