//! The apply journal: one JSON line per [`Event`] (plan accepted, operation started, job
//! submitted with its items, job finished, each item's result, item resolved by re-reading,
//! convergence checked, run finished), flushed line by line so that an interrupted run can
//! be understood and resumed ([`Interrupted`]). It holds match keys, roster locations and
//! Zendesk's answers, never credentials.
//!
//! The journal is also the client's [`Observer`]: the executor names the changes of each bulk
//! operation it is about to run, by a number of its own ([`Journal::begin`]); the client
//! reports each job it submits with that number and the range of items it carries, which the
//! journal maps back to those changes (several operations may run side by side).
//!
//! Its file is created at the first event, so that a run that applies nothing leaves none,
//! and created exclusively: two runs never share a journal. It is the owner's alone (mode
//! 0600 on unix, its new directories 0700): it holds match keys and emails. By default it is
//! `.zroster/journal/<UTC time>-<random>.jsonl`. A journal that cannot be created is an
//! error before anything is applied; one that fails later is remembered
//! ([`Journal::take_failure`]) and stops the run: it finishes what it sent and starts
//! nothing more.

mod event;
mod interrupted;

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

pub(crate) use event::{Event, Item, JobItem};
pub use interrupted::{Interrupted, OpenJob};

use super::convergence::Reads;
use super::{ApplyReport, ChangeResult, Divergence, Status};
use crate::plan::{Change, MatchKey, Plan};
use crate::zendesk::{ClientEvent, Observer};

/// Where journals go when `--journal` does not say.
pub const DEFAULT_DIRECTORY: &str = ".zroster/journal";

/// How often a new default name is tried when one exists already.
const NAME_ATTEMPTS: usize = 8;

/// Where journal lines go.
pub struct Journal {
    inner: Mutex<Inner>,
}

struct Inner {
    /// Opened at the first event.
    out: Option<Box<dyn Write + Send>>,
    /// Where to open it, and the file once open.
    place: Place,
    /// The changes of each bulk operation begun, by its number, in submission order:
    /// (change index, key).
    operations: HashMap<u64, Vec<(usize, MatchKey)>>,
    /// The first failure to write after the journal was opened.
    failure: Option<JournalError>,
}

/// Where a journal is written.
enum Place {
    /// This file, which must not exist yet.
    File(PathBuf),
    /// A new file in this directory, named by the time and a random part.
    Directory(PathBuf),
    /// The file opened.
    Opened(PathBuf),
    /// A writer given by the caller (tests).
    Writer,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal").finish_non_exhaustive()
    }
}

impl Journal {
    fn with(out: Option<Box<dyn Write + Send>>, place: Place) -> Self {
        Self {
            inner: Mutex::new(Inner {
                out,
                place,
                operations: HashMap::new(),
                failure: None,
            }),
        }
    }

    /// A journal written to `path`, which is created (with its directory) at the first event
    /// and must not exist.
    #[must_use]
    pub fn create(path: &Path) -> Self {
        Self::with(None, Place::File(path.to_path_buf()))
    }

    /// A journal written to a new file in `directory`, `<UTC time>-<random>.jsonl`, created
    /// at the first event.
    #[must_use]
    pub fn in_directory(directory: &Path) -> Self {
        Self::with(None, Place::Directory(directory.to_path_buf()))
    }

    /// A journal written to `path` when given, else to a new file in
    /// [`DEFAULT_DIRECTORY`].
    #[must_use]
    pub fn at_or_default(path: Option<&Path>) -> Self {
        path.map_or_else(
            || Self::in_directory(Path::new(DEFAULT_DIRECTORY)),
            Self::create,
        )
    }

    /// A journal written to `out` (tests).
    #[must_use]
    pub fn to_writer(out: Box<dyn Write + Send>) -> Self {
        Self::with(Some(out), Place::Writer)
    }

    /// The file written, once the first event opened it.
    #[must_use]
    pub fn path(&self) -> Option<PathBuf> {
        match &self.lock().place {
            Place::Opened(path) => Some(path.clone()),
            Place::File(_) | Place::Directory(_) | Place::Writer => None,
        }
    }

    /// The first failure to write the journal after it was opened, if any: the journal
    /// misses events from then on.
    pub fn take_failure(&self) -> Option<JournalError> {
        self.lock().failure.take()
    }

    /// Whether a write failed after the journal was opened (the run then stops).
    #[must_use]
    pub fn has_failed(&self) -> bool {
        self.lock().failure.is_some()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The run starts: opens the journal and writes the plan's identity. An error here means
    /// nothing may be applied.
    pub(crate) fn plan_accepted(&self, plan: &Plan) -> Result<(), JournalError> {
        let event = Event::PlanAccepted {
            account: plan.account.clone(),
            roster_digest: plan.roster_digest.clone(),
            plan_digest: Some(plan.journal_name()),
            changes: plan.applicable().count(),
        };
        self.lock().write(&event)
    }

    /// Names the changes of operation `number` (`operation`: what it does), about to run,
    /// in submission order.
    pub(crate) fn begin(&self, number: u64, operation: &str, plan: &Plan, items: &[usize]) {
        let mut inner = self.lock();
        let changes = items
            .iter()
            .map(|&i| (i, plan.changes[i].key.clone()))
            .collect();
        inner.operations.insert(number, changes);
        if !items.is_empty() {
            inner.record(&Event::OperationStarted {
                operation: operation.to_owned(),
                items: items.len(),
                changes: items.to_vec(),
            });
        }
    }

    /// One item's result, or (`resolved`) its settling by re-reading.
    pub(crate) fn item(
        &self,
        resolved: bool,
        index: usize,
        change: &Change,
        result: &ChangeResult,
    ) {
        let item = Item {
            change: index,
            key: Some(change.key.clone()),
            source: change.source.clone(),
            status: result.status,
            id: result.id,
            error: result.error.clone(),
            details: result.details.clone(),
        };
        let event = if resolved {
            Event::ItemResolved(item)
        } else {
            Event::ItemResult(item)
        };
        self.lock().record(&event);
    }

    /// The convergence check: how many users were re-read, how memberships were read back
    /// and what did not hold.
    pub(crate) fn converged(&self, users: usize, reads: Reads, diverged: &[Divergence]) {
        self.lock().record(&Event::ConvergenceChecked {
            users,
            user_reads: reads.users,
            incremental_pages: reads.incremental_pages,
            show_many_requests: reads.show_many_requests,
            membership_reads: reads.memberships,
            diverged: diverged.to_vec(),
        });
    }

    pub(crate) fn run_finished(&self, report: &ApplyReport) {
        self.lock().record(&Event::RunFinished {
            applied: report.count(Status::Applied),
            failed: report.count(Status::Failed),
            unresolved: report.count(Status::Unresolved),
            blocked: report.count(Status::Blocked),
            not_started: report.count(Status::NotStarted),
            stopped: report.stopped.clone(),
            jobs: report.jobs,
            requests: report.requests,
        });
    }
}

impl Inner {
    /// Writes an event during the run; a failure is remembered, not returned.
    fn record(&mut self, event: &Event) {
        if let Err(error) = self.write(event)
            && self.failure.is_none()
        {
            self.failure = Some(error);
        }
    }

    /// Writes one event line, opening the journal first if need be.
    fn write(&mut self, event: &Event) -> Result<(), JournalError> {
        let mut line = serde_json::to_value(event).unwrap_or_default();
        if let serde_json::Value::Object(map) = &mut line {
            map.insert(
                "at".to_owned(),
                chrono::Utc::now()
                    .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
                    .into(),
            );
        }
        if self.out.is_none() {
            let (path, file) = self.open()?;
            self.out = Some(Box::new(file));
            self.place = Place::Opened(path);
        }
        let path = match &self.place {
            Place::Opened(path) | Place::File(path) | Place::Directory(path) => {
                path.display().to_string()
            }
            Place::Writer => "<writer>".to_owned(),
        };
        let Some(out) = self.out.as_mut() else {
            return Ok(());
        };
        let mut text = serde_json::to_vec(&line).unwrap_or_default();
        text.push(b'\n');
        out.write_all(&text)
            .and_then(|()| out.flush())
            .map_err(|source| JournalError::Write { path, source })
    }

    /// Creates the journal's file (and its directory), exclusively.
    fn open(&self) -> Result<(PathBuf, std::fs::File), JournalError> {
        let write_error = |path: &Path, source| JournalError::Write {
            path: path.display().to_string(),
            source,
        };
        let make_dir = |dir: &Path| {
            if dir.as_os_str().is_empty() {
                return Ok(());
            }
            crate::private_file::create_dir_all(dir).map_err(|source| write_error(dir, source))
        };
        let create = |path: &Path| crate::private_file::create_new(path);
        match &self.place {
            Place::File(path) | Place::Opened(path) => {
                make_dir(path.parent().unwrap_or(Path::new("")))?;
                match create(path) {
                    Ok(file) => Ok((path.clone(), file)),
                    Err(source) if source.kind() == std::io::ErrorKind::AlreadyExists => {
                        Err(JournalError::Exists {
                            path: path.display().to_string(),
                        })
                    }
                    Err(source) => Err(write_error(path, source)),
                }
            }
            Place::Directory(dir) => {
                make_dir(dir)?;
                let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
                let mut attempt = 1;
                loop {
                    let path = dir.join(format!("{stamp}-{:08x}.jsonl", rand::random::<u32>()));
                    match create(&path) {
                        Ok(file) => return Ok((path, file)),
                        // Another run took the name this very second: draw again.
                        Err(source)
                            if source.kind() == std::io::ErrorKind::AlreadyExists
                                && attempt < NAME_ATTEMPTS =>
                        {
                            attempt += 1;
                        }
                        Err(source) => return Err(write_error(&path, source)),
                    }
                }
            }
            Place::Writer => Err(write_error(
                Path::new("<writer>"),
                std::io::Error::other("the writer is gone"),
            )),
        }
    }
}

impl Observer for Journal {
    fn on_event(&self, event: &ClientEvent<'_>) {
        match event {
            ClientEvent::JobSubmitted {
                id,
                operation,
                items,
            } => {
                let mut inner = self.lock();
                let carried: Vec<JobItem> = inner
                    .operations
                    .get(operation)
                    .and_then(|changes| changes.get(items.clone()))
                    .unwrap_or_default()
                    .iter()
                    .map(|(change, key)| JobItem {
                        change: *change,
                        key: key.clone(),
                    })
                    .collect();
                inner.record(&Event::JobSubmitted {
                    job_id: (*id).to_owned(),
                    items: carried,
                });
            }
            ClientEvent::JobFinished { id, status } => {
                self.lock().record(&Event::JobFinished {
                    job_id: (*id).to_owned(),
                    status: (*status).to_owned(),
                });
            }
            ClientEvent::Fallback { endpoint, .. } => {
                self.lock().record(&Event::BulkRefused {
                    endpoint: (*endpoint).to_owned(),
                });
            }
            _ => {}
        }
    }
}

/// A journal that cannot be written, or cannot be resumed from.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// The journal cannot be created or written.
    #[error("cannot write the journal `{path}`")]
    Write {
        /// The journal.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The journal named with `--journal` exists already: it is another run's.
    #[error(
        "the journal `{path}` exists already (a journal is always a new file, so that two runs never share one); name a new file with `--journal`, or move the old one away"
    )]
    Exists {
        /// The journal.
        path: String,
    },
    /// The file cannot be read.
    #[error("cannot read the journal `{path}`")]
    Read {
        /// The journal.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A line (not the last) is not JSON.
    #[error("`{path}` line {line} is not a journal event")]
    Line {
        /// The journal.
        path: String,
        /// The line, from 1.
        line: usize,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// No run started in it.
    #[error("`{path}` is not an apply journal: it has no `plan_accepted` event")]
    NoPlan {
        /// The file.
        path: String,
    },
}

#[cfg(test)]
mod tests {
    use super::{Journal, JournalError};
    use crate::plan::tests::{plan_with, state_from};

    fn plan() -> crate::plan::Plan {
        plan_with(
            "users:\n  - { name: New, email: new@acme.com }\n",
            &state_from(&serde_json::json!({})),
        )
    }

    #[test]
    fn two_runs_in_the_same_second_write_two_journals() {
        let dir = tempfile::tempdir().unwrap();
        let (first, second) = (
            Journal::in_directory(dir.path()),
            Journal::in_directory(dir.path()),
        );
        first.plan_accepted(&plan()).unwrap();
        second.plan_accepted(&plan()).unwrap();
        let (first, second) = (first.path().unwrap(), second.path().unwrap());
        assert_ne!(first, second);
        for path in [&first, &second] {
            // `20261101T100000Z-0123abcd.jsonl`
            let name = path.file_name().unwrap().to_string_lossy();
            assert!(path.extension().is_some_and(|e| e == "jsonl"), "{name}");
            assert_eq!(name.len(), 31, "{name}");
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn an_existing_journal_is_never_written_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.jsonl");
        std::fs::write(&path, "earlier run\n").unwrap();
        let error = Journal::create(&path).plan_accepted(&plan()).unwrap_err();
        assert!(matches!(error, JournalError::Exists { .. }), "{error}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "earlier run\n");
    }

    #[test]
    fn a_journal_that_cannot_be_created_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("not-a-directory");
        std::fs::write(&file, "").unwrap();
        let journal = Journal::create(&file.join("run.jsonl"));
        let error = journal.plan_accepted(&plan()).unwrap_err();
        assert!(matches!(error, JournalError::Write { .. }), "{error}");
        assert!(journal.path().is_none());
    }
}
