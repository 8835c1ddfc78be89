//! [`Interrupted`]: what the journal of an earlier run says, read by `--resume`: which
//! changes it settled, which it may have made, and which jobs it left open.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::JournalError;
use super::event::Event;
use crate::apply::Status;
use crate::plan::MatchKey;
use crate::zendesk::{ItemOutcome, ReadClient, WriteClient, ZendeskError};

/// What the journal of an earlier run says: which changes it settled and which jobs it left
/// open. Read by `--resume`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Interrupted {
    /// The account the run wrote to.
    pub account: String,
    /// The name of the plan it applied ([`Plan::journal_name`](crate::plan::Plan::journal_name)).
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
    /// Bulk endpoints the account refused (bulk imports off).
    pub bulk_refused: BTreeSet<String>,
}

/// A job of an interrupted run whose results were not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenJob {
    /// Zendesk's job id.
    pub id: String,
    /// The changes it carries (indices in the plan), in item order.
    pub changes: Vec<usize>,
    /// Their match keys, in the same order.
    pub keys: Vec<MatchKey>,
}

impl Interrupted {
    /// Tells `client` what the interrupted run learned of the account (the bulk endpoints it
    /// refuses), so a run that continues it does not learn it again at a request's cost.
    pub fn teach(&self, client: &WriteClient) {
        for endpoint in &self.bulk_refused {
            client.remember_bulk_refused(endpoint);
        }
    }

    /// Reads the journal at `path`. A last line cut short (the process was killed while
    /// writing it) is ignored; any other line that is not a journal event is an error.
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
            let event: Event = match serde_json::from_str(line) {
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
            match event {
                Event::PlanAccepted {
                    account,
                    plan_digest,
                    ..
                } => {
                    seen_plan = true;
                    journal.account = account;
                    journal.plan_digest = plan_digest;
                }
                Event::OperationStarted { changes, .. } => journal.attempted.extend(changes),
                Event::JobSubmitted { job_id, items } => open.push(OpenJob {
                    id: job_id,
                    changes: items.iter().map(|item| item.change).collect(),
                    keys: items.into_iter().map(|item| item.key).collect(),
                }),
                Event::JobFinished { job_id, .. } => open.retain(|job| job.id != job_id),
                Event::ItemResult(item) | Event::ItemResolved(item) => {
                    journal.results.insert(item.change, (item.status, item.id));
                }
                Event::RunFinished { .. } => journal.finished = true,
                Event::BulkRefused { endpoint } => {
                    journal.bulk_refused.insert(endpoint);
                }
                Event::ConvergenceChecked { .. } | Event::Other => {}
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
    fn events_of_a_later_version_are_ignored() {
        let text = format!(
            "{STARTED}{{\"event\":\"coffee_break\",\"minutes\":5}}\n{{\"event\":\"convergence_checked\",\"users\":2,\"diverged\":[{{\"field\":\"name\"}}]}}\n"
        );
        assert_eq!(read(&text).unwrap(), read(STARTED).unwrap());
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
