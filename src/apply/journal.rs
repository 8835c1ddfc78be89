//! The apply journal: one JSON line per event (plan accepted, job submitted with its items,
//! job finished, each item's result, item resolved by re-reading, run finished), flushed line
//! by line so that an interrupted run can be understood. It holds match keys, roster
//! locations and Zendesk's answers, never credentials.
//!
//! The journal is also the client's [`Observer`]: the executor names the changes of the bulk
//! operation it is about to run ([`Journal::begin`]); the client reports each job it submits
//! with the range of items it carries, which the journal maps back to those changes.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use serde_json::{Value, json};

use crate::plan::{Change, MatchKey, Plan};
use crate::zendesk::{ClientEvent, ItemOutcome, Observer, ReadClient, ZendeskError};

use super::{ApplyReport, ChangeResult, Status};

/// Where journal lines go.
pub struct Journal {
    inner: Mutex<Inner>,
}

struct Inner {
    /// Opened at the first event, so that a run that applies nothing leaves no file.
    out: Option<Box<dyn Write + Send>>,
    /// Where to open it.
    path: Option<std::path::PathBuf>,
    /// The changes of the running bulk operation, in submission order: (change index, key).
    current: Vec<(usize, MatchKey)>,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal").finish_non_exhaustive()
    }
}

impl Journal {
    /// A journal written to `path`; the file (and its directory) is created at the first
    /// event.
    #[must_use]
    pub fn create(path: &Path) -> Self {
        Self {
            inner: Mutex::new(Inner {
                out: None,
                path: Some(path.to_path_buf()),
                current: Vec::new(),
            }),
        }
    }

    /// A journal written to `out` (tests).
    #[must_use]
    pub fn to_writer(out: Box<dyn Write + Send>) -> Self {
        Self {
            inner: Mutex::new(Inner {
                out: Some(out),
                path: None,
                current: Vec::new(),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Writes one event line; a journal that cannot be written does not stop the apply.
    fn write(inner: &mut Inner, event: &str, mut fields: Value) {
        if let Value::Object(map) = &mut fields {
            map.insert("event".to_owned(), json!(event));
            map.insert(
                "at".to_owned(),
                json!(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
            );
        }
        if inner.out.is_none()
            && let Some(path) = &inner.path
        {
            let open = || -> std::io::Result<std::fs::File> {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)?;
                }
                std::fs::File::create(path)
            };
            if let Ok(file) = open() {
                inner.out = Some(Box::new(file));
            }
        }
        let Some(out) = inner.out.as_mut() else {
            return;
        };
        let _ = serde_json::to_writer(&mut *out, &fields);
        let _ = out.write_all(b"\n");
        let _ = out.flush();
    }

    pub(crate) fn plan_accepted(&self, plan: &Plan) {
        let fields = json!({
            "account": plan.account,
            "roster_digest": plan.roster_digest,
            "plan_digest": plan.digest(),
            "changes": plan.applicable().count(),
        });
        Self::write(&mut self.lock(), "plan_accepted", fields);
    }

    /// Names the changes of the bulk operation about to run, in submission order.
    pub(crate) fn begin(&self, operation: &str, plan: &Plan, items: &[usize]) {
        let mut inner = self.lock();
        inner.current = items
            .iter()
            .map(|&i| (i, plan.changes[i].key.clone()))
            .collect();
        if !items.is_empty() {
            Self::write(
                &mut inner,
                "operation_started",
                json!({ "operation": operation, "items": items.len(), "changes": items }),
            );
        }
    }

    /// One item's result (`item_result`), or its settling by re-reading (`item_resolved`).
    pub(crate) fn result(
        &self,
        event: &str,
        change_index: usize,
        change: &Change,
        result: &ChangeResult,
    ) {
        let fields = json!({
            "change": change_index,
            "key": change.key,
            "source": change.source,
            "status": result.status,
            "id": result.id,
            "error": result.error,
            "details": result.details,
        });
        Self::write(&mut self.lock(), event, fields);
    }

    /// The convergence check: how many users were re-read and what did not hold.
    pub(crate) fn converged(
        &self,
        users: usize,
        reads: super::convergence::Reads,
        diverged: &[super::Divergence],
    ) {
        let fields = json!({
            "users": users,
            "incremental_pages": reads.incremental_pages,
            "show_many_requests": reads.show_many_requests,
            "diverged": diverged,
        });
        Self::write(&mut self.lock(), "convergence_checked", fields);
    }

    pub(crate) fn run_finished(&self, report: &ApplyReport) {
        let fields = json!({
            "applied": report.count(Status::Applied),
            "failed": report.count(Status::Failed),
            "unresolved": report.count(Status::Unresolved),
            "blocked": report.count(Status::Blocked),
            "jobs": report.jobs,
            "requests": report.requests,
        });
        Self::write(&mut self.lock(), "run_finished", fields);
    }
}

impl Observer for Journal {
    fn on_event(&self, event: &ClientEvent<'_>) {
        match event {
            ClientEvent::JobSubmitted { id, items } => {
                let mut inner = self.lock();
                let carried: Vec<Value> = inner
                    .current
                    .get(items.clone())
                    .unwrap_or_default()
                    .iter()
                    .map(|(change, key)| json!({ "change": change, "key": key }))
                    .collect();
                Self::write(
                    &mut inner,
                    "job_submitted",
                    json!({ "job_id": id, "items": carried }),
                );
            }
            ClientEvent::JobFinished { id, status } => {
                Self::write(
                    &mut self.lock(),
                    "job_finished",
                    json!({ "job_id": id, "status": status }),
                );
            }
            _ => {}
        }
    }
}

/// What the journal of an earlier run says: which changes it settled and which jobs it left
/// open. Read by `--resume`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Interrupted {
    /// The account the run wrote to.
    pub account: String,
    /// The digest of the plan it applied ([`Plan::digest`]).
    pub plan_digest: Option<String>,
    /// Whether the run got to its end.
    pub finished: bool,
    /// The last status written for each change (by index in that plan), with the id.
    pub results: BTreeMap<usize, (Status, Option<u64>)>,
    /// Jobs submitted that never reported back, in submission order.
    pub open_jobs: Vec<OpenJob>,
    /// Every change an operation was started for: with no result, it may or may not have
    /// been made.
    pub attempted: BTreeSet<usize>,
}

/// A job of an interrupted run whose results were not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenJob {
    /// Zendesk's job id.
    pub id: String,
    /// The changes it carries (indices in the plan), in item order.
    pub changes: Vec<usize>,
    /// Their match keys, in the same order.
    pub keys: Vec<String>,
}

/// A journal that cannot be resumed from.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
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

impl Interrupted {
    /// Reads the journal at `path`. A last line cut short (the process was killed while
    /// writing it) is ignored; any other line that is not JSON is an error.
    pub fn read(path: &Path) -> Result<Self, JournalError> {
        let name = || path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| JournalError::Read {
            path: name(),
            source,
        })?;
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        let mut journal = Self::default();
        let mut seen_plan = false;
        let mut open: Vec<OpenJob> = Vec::new();
        for (n, line) in lines.iter().enumerate() {
            let event: Value = match serde_json::from_str(line) {
                Ok(event) => event,
                Err(_) if n + 1 == lines.len() && !text.ends_with('\n') => break,
                Err(source) => {
                    return Err(JournalError::Line {
                        path: name(),
                        line: n + 1,
                        source,
                    });
                }
            };
            match event["event"].as_str().unwrap_or_default() {
                "plan_accepted" => {
                    seen_plan = true;
                    event["account"]
                        .as_str()
                        .unwrap_or_default()
                        .clone_into(&mut journal.account);
                    journal.plan_digest = event["plan_digest"].as_str().map(str::to_owned);
                }
                "operation_started" => {
                    let changes = event["changes"].as_array().map_or(&[][..], Vec::as_slice);
                    journal.attempted.extend(
                        changes
                            .iter()
                            .filter_map(Value::as_u64)
                            .filter_map(|i| usize::try_from(i).ok()),
                    );
                }
                "job_submitted" => {
                    let items = event["items"].as_array().map_or(&[][..], Vec::as_slice);
                    open.push(OpenJob {
                        id: event["job_id"].as_str().unwrap_or_default().to_owned(),
                        changes: items
                            .iter()
                            .filter_map(|i| i["change"].as_u64())
                            .filter_map(|i| usize::try_from(i).ok())
                            .collect(),
                        keys: items
                            .iter()
                            .map(|i| i["key"].as_str().unwrap_or_default().to_owned())
                            .collect(),
                    });
                }
                "job_finished" => {
                    let id = event["job_id"].as_str().unwrap_or_default();
                    open.retain(|job| job.id != id);
                }
                "item_result" | "item_resolved" => {
                    let status = serde_json::from_value::<Status>(event["status"].clone());
                    let change = event["change"]
                        .as_u64()
                        .and_then(|c| usize::try_from(c).ok());
                    if let (Ok(status), Some(change)) = (status, change) {
                        journal
                            .results
                            .insert(change, (status, event["id"].as_u64()));
                    }
                }
                "run_finished" => journal.finished = true,
                _ => {}
            }
        }
        if !seen_plan {
            return Err(JournalError::NoPlan { path: name() });
        }
        // A job whose every item has a result finished even if its `job_finished` line was
        // lost.
        open.retain(|job| job.changes.iter().any(|c| !journal.results.contains_key(c)));
        journal.open_jobs = open;
        Ok(journal)
    }

    /// Changes the interrupted run may have made but whose result it never wrote (those of
    /// open jobs included).
    pub fn unsettled(&self) -> impl Iterator<Item = usize> + '_ {
        self.attempted
            .iter()
            .copied()
            .filter(|i| !self.results.contains_key(i))
    }

    /// Waits for the jobs the run left open and returns their item outcomes, job by job (see
    /// [`ReadClient::await_jobs`]).
    pub async fn finish_open_jobs(
        &self,
        client: &ReadClient,
    ) -> Result<Vec<Vec<ItemOutcome>>, ZendeskError> {
        let jobs: Vec<(String, usize)> = self
            .open_jobs
            .iter()
            .map(|job| (job.id.clone(), job.changes.len()))
            .collect();
        client.await_jobs(&jobs).await
    }

    /// The changes the interrupted run applied.
    pub fn applied(&self) -> impl Iterator<Item = (usize, Option<u64>)> + '_ {
        self.results
            .iter()
            .filter(|(_, (status, _))| *status == Status::Applied)
            .map(|(&change, &(_, id))| (change, id))
    }
}

#[cfg(test)]
mod tests {
    use super::{Interrupted, JournalError, Status};

    fn read(text: &str) -> Result<Interrupted, JournalError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        std::fs::write(&path, text).unwrap();
        Interrupted::read(&path)
    }

    const STARTED: &str = r#"{"event":"plan_accepted","account":"https://acme.zendesk.com","plan_digest":"abc","changes":5}
{"event":"operation_started","operation":"users/create_or_update_many","items":3,"changes":[0,1,2]}
{"event":"job_submitted","job_id":"j1","items":[{"change":0,"key":"external_id:a"},{"change":1,"key":"external_id:b"}]}
{"event":"job_submitted","job_id":"j2","items":[{"change":2,"key":"external_id:c"}]}
{"event":"job_finished","job_id":"j1","status":"completed"}
{"event":"item_result","change":0,"status":"applied","id":70}
{"event":"item_result","change":1,"status":"failed","id":null}
"#;

    #[test]
    fn a_killed_run_leaves_open_jobs_and_unsettled_changes() {
        let journal = read(STARTED).unwrap();
        assert_eq!(journal.account, "https://acme.zendesk.com");
        assert_eq!(journal.plan_digest.as_deref(), Some("abc"));
        assert!(!journal.finished);
        assert_eq!(journal.applied().collect::<Vec<_>>(), vec![(0, Some(70))]);
        assert_eq!(journal.results[&1], (Status::Failed, None));
        assert_eq!(journal.open_jobs.len(), 1);
        assert_eq!(journal.open_jobs[0].id, "j2");
        assert_eq!(journal.open_jobs[0].changes, vec![2]);
        assert_eq!(journal.unsettled().collect::<Vec<_>>(), vec![2]);
    }

    #[test]
    fn a_last_line_cut_short_is_ignored_and_any_other_bad_line_is_an_error() {
        let cut = format!("{STARTED}{{\"event\":\"item_res");
        assert_eq!(read(&cut).unwrap(), read(STARTED).unwrap());
        let bad = STARTED.replacen("{\"event\":\"job_finished\"", "garbage", 1);
        assert!(matches!(
            read(&bad),
            Err(JournalError::Line { line: 5, .. })
        ));
        assert!(matches!(
            read("{\"event\":\"run_finished\"}\n"),
            Err(JournalError::NoPlan { .. })
        ));
    }

    #[test]
    fn a_job_whose_items_all_have_results_is_not_open() {
        // Killed after the results were written, before `job_finished`.
        let text = format!(
            "{STARTED}{{\"event\":\"item_result\",\"change\":2,\"status\":\"applied\",\"id\":72}}\n"
        );
        let journal = read(&text).unwrap();
        assert!(journal.open_jobs.is_empty());
        assert_eq!(journal.unsettled().count(), 0);
    }
}
