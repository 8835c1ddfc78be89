//! [`Run`]: one apply run's bookkeeping. Every change's result, the ids learned along the
//! way (named objects created, users created), the jobs counted, and what of it the journal
//! has been told.

use std::collections::HashMap;
use std::sync::Arc;

use super::names::Names;
use super::{ChangeResult, ItemError, Journal, Status};
use crate::plan::{Action, Change, Kind, MatchKey, Plan};
use crate::zendesk::{BulkOutcome, ItemOutcome, Stop, ZendeskError};

/// One apply run's working state.
pub(super) struct Run<'p> {
    /// The plan being applied.
    pub(super) plan: &'p Plan,
    /// One result per change, in plan order.
    pub(super) results: Vec<ChangeResult>,
    /// Ids of the named objects, by name.
    pub(super) names: Names,
    /// Users created by this run, by lowercased match key.
    pub(super) created: HashMap<MatchKey, u64>,
    /// Bulk jobs submitted.
    pub(super) jobs: usize,
    /// Whether the account refused bulk endpoints and single requests were used instead.
    pub(super) fell_back: bool,
    journal: Option<Arc<Journal>>,
    /// The client's stop, raised when the journal fails: the operation it could not
    /// journal is not sent.
    stop: Stop,
    /// The status last written to the journal for each change.
    journaled: Vec<Option<Status>>,
    /// The number of the last operation begun ([`Run::begin`]).
    operations: u64,
}

impl<'p> Run<'p> {
    /// A run of `plan` with nothing applied yet.
    pub(super) fn new(plan: &'p Plan, journal: Option<Arc<Journal>>, stop: Stop) -> Self {
        Self {
            plan,
            results: plan.changes.iter().map(ChangeResult::pending).collect(),
            names: Names::from_references(&plan.references),
            created: HashMap::new(),
            jobs: 0,
            fell_back: false,
            journal,
            stop,
            journaled: vec![None; plan.changes.len()],
            operations: 0,
        }
    }
}

impl Run<'_> {
    /// Names the changes of the operation about to be submitted, for the journal, and
    /// returns its number: the client it is sent with is tagged with it
    /// ([`WriteClient::for_operation`](crate::zendesk::WriteClient::for_operation)), so that
    /// the journal maps its jobs back to these changes while other operations run beside
    /// it. When the journal can no longer be written, raises the stop: the operation is not
    /// sent (bulk operations check the stop before each job; single writers after this call).
    pub(super) fn begin(&mut self, operation: &str, items: &[usize]) -> u64 {
        self.flush_journal();
        self.operations += 1;
        if let Some(journal) = &self.journal {
            journal.begin(self.operations, operation, self.plan, items);
            if journal.has_failed() {
                self.stop.raise();
            }
        }
        self.operations
    }

    /// Writes to the journal every result that is settled and not written yet, and every
    /// unresolved one settled since by re-reading.
    pub(super) fn flush_journal(&mut self) {
        let Some(journal) = &self.journal else {
            return;
        };
        for (i, result) in self.results.iter().enumerate() {
            let pending = result.status == Status::Unresolved && result.error.is_none();
            // Blocked and not-started changes were never attempted: a resumed run makes
            // them as if this run had never seen them.
            if pending
                || matches!(result.status, Status::Blocked | Status::NotStarted)
                || self.journaled[i] == Some(result.status)
            {
                continue;
            }
            let resolved = self.journaled[i] == Some(Status::Unresolved);
            journal.item(resolved, i, &self.plan.changes[i], result);
            self.journaled[i] = Some(result.status);
        }
    }

    /// Indices of the changes still to make that `pick` selects, in plan order.
    pub(super) fn select(&self, pick: impl Fn(&Change) -> bool) -> Vec<usize> {
        self.plan
            .changes
            .iter()
            .enumerate()
            .filter(|&(i, c)| c.blocked.is_none() && self.is_pending(i) && pick(c))
            .map(|(i, _)| i)
            .collect()
    }

    /// Whether change `i` is still to be made.
    fn is_pending(&self, i: usize) -> bool {
        let result = &self.results[i];
        result.status == Status::Unresolved && result.error.is_none()
    }

    /// Marks every change still to make as not started: the run stopped before it.
    pub(super) fn not_started(&mut self) {
        for i in 0..self.results.len() {
            if self.plan.changes[i].blocked.is_none() && self.is_pending(i) {
                self.results[i].status = Status::NotStarted;
            }
        }
    }

    /// Puts change `i` back among the changes to make.
    pub(super) fn retry(&mut self, i: usize) {
        let result = &mut self.results[i];
        result.status = Status::Unresolved;
        result.error = None;
        result.details = None;
    }

    /// Change `i` was made (`id`: the object's id, when learned).
    pub(super) fn applied(&mut self, i: usize, id: Option<u64>) {
        let result = &mut self.results[i];
        result.status = Status::Applied;
        result.id = id.or(result.id);
        result.error = None;
        result.details = None;
    }

    /// Change `i` was not made, or its outcome is unknown.
    pub(super) fn fail(&mut self, i: usize, error: ItemError) {
        let (status, code, details) = error.into_parts();
        let result = &mut self.results[i];
        result.status = status;
        result.error = Some(code);
        result.details = Some(details);
    }

    /// A single request for change `i` failed: refused (failed) or lost (unresolved).
    pub(super) fn error(&mut self, i: usize, error: &ZendeskError) {
        self.fail(i, ItemError::from_request(error));
    }

    /// Remembers the user created by change `i`, for its memberships.
    pub(super) fn note_created(&mut self, i: usize) {
        let change = &self.plan.changes[i];
        if let (Kind::User, Action::Create, Status::Applied, Some(id)) = (
            change.kind,
            change.action,
            self.results[i].status,
            self.results[i].id,
        ) {
            self.created.insert(change.key.to_lowercase(), id);
        }
    }

    /// Maps a bulk outcome's items onto the changes `items` (same order); returns the
    /// changes whose outcome is unknown.
    pub(super) fn record(
        &mut self,
        items: &[usize],
        outcome: Result<BulkOutcome, ZendeskError>,
    ) -> Vec<usize> {
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(error) => {
                // Lost answers (a poll that gave up, say) are settled by re-reading.
                for &i in items {
                    self.error(i, &error);
                }
                self.flush_journal();
                return items
                    .iter()
                    .copied()
                    .filter(|&i| self.results[i].status == Status::Unresolved)
                    .collect();
            }
        };
        self.jobs += outcome.jobs;
        self.fell_back |= outcome.fell_back_to_single_requests;
        let mut unknown = Vec::new();
        for (&i, item) in items.iter().zip(outcome.items) {
            match item {
                ItemOutcome::Created { id }
                | ItemOutcome::Updated { id }
                | ItemOutcome::Deleted { id }
                | ItemOutcome::Done { id } => {
                    // Membership ids are not what the report names: keep the user's.
                    let kind = self.plan.changes[i].kind;
                    let id = if kind == Kind::User { id } else { None };
                    self.applied(i, id);
                }
                ItemOutcome::Failed { error, details, .. } => self.fail(
                    i,
                    ItemError::Refused {
                        code: error,
                        details,
                    },
                ),
                ItemOutcome::Unknown { reason } => {
                    self.fail(i, ItemError::OutcomeUnknown(reason));
                    unknown.push(i);
                }
                // Stopped before it was sent: still to make.
                ItemOutcome::NotSubmitted => {}
            }
        }
        // Results go to the journal as soon as they are known, before any re-read.
        self.flush_journal();
        unknown
    }
}

#[cfg(test)]
mod tests {
    use super::Run;
    use crate::apply::Status;
    use crate::apply::body::tests::change;
    use crate::plan::Plan;
    use crate::zendesk::{BulkOutcome, ItemOutcome, Stop};

    /// A writer that takes `lines` lines and then fails, like a disk filling up.
    struct Filling {
        lines: usize,
    }

    impl std::io::Write for Filling {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.lines == 0 {
                return Err(std::io::Error::other("No space left on device"));
            }
            self.lines -= buf.split(|&b| b == b'\n').count() - 1;
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_journal_that_fails_during_the_run_stops_it_before_the_operation_it_missed() {
        let plan = crate::plan::tests::plan_with(
            "users:\n  - { name: New, email: new@acme.com }\n",
            &crate::plan::tests::state_from(&serde_json::json!({})),
        );
        let journal = std::sync::Arc::new(crate::apply::Journal::to_writer(Box::new(Filling {
            lines: 1,
        })));
        journal.plan_accepted(&plan).unwrap();
        let stop = Stop::default();
        let mut run = Run::new(&plan, Some(journal.clone()), stop.clone());
        assert!(!stop.is_raised());
        run.begin("users/create_or_update_many", &[0]);
        assert!(stop.is_raised());
        assert!(journal.take_failure().is_some());
        run.not_started();
        assert_eq!(run.results[0].status, Status::NotStarted);
    }

    #[test]
    fn bulk_item_outcomes_map_back_to_their_changes() {
        let plan = Plan {
            format_version: crate::plan::FORMAT_VERSION,
            account: "http://127.0.0.1:1".to_owned(),
            subdomain: None,
            made_at: "2026-11-01T12:00:00Z".to_owned(),
            valid_until: None,
            expiring: Vec::new(),
            roster_digest: String::new(),
            authenticated_user: None,
            changes: vec![change(&[]), change(&[]), change(&[])],
            drift: Vec::new(),
            refusals: Vec::new(),
            errors: Vec::new(),
            touched: Vec::new(),
            references: crate::plan::References::default(),
            account_memberships: crate::plan::AccountMemberships::default(),
            summary: crate::plan::Summary::default(),
            notes: Vec::new(),
            safety: crate::plan::SafetySettings::default(),
            drift_explanation: None,
            plan_digest: String::new(),
        };
        let mut run = Run::new(&plan, None, Stop::default());
        let unknown = run.record(
            &[0, 1, 2],
            Ok(BulkOutcome {
                items: vec![
                    ItemOutcome::Created { id: Some(7) },
                    ItemOutcome::Failed {
                        id: None,
                        error: "UserCreateFailed".to_owned(),
                        details: "Email is invalid".to_owned(),
                    },
                    ItemOutcome::Unknown {
                        reason: "job expired".to_owned(),
                    },
                ],
                jobs: 1,
                fell_back_to_single_requests: false,
            }),
        );
        assert_eq!(unknown, vec![2]);
        assert_eq!(run.results[0].status, Status::Applied);
        assert_eq!(run.results[0].id, Some(7));
        assert_eq!(run.results[1].status, Status::Failed);
        assert_eq!(run.results[1].details.as_deref(), Some("Email is invalid"));
        assert_eq!(
            run.results[1]
                .source
                .as_ref()
                .map(ToString::to_string)
                .as_deref(),
            Some("roster.yaml:3:5")
        );
        assert_eq!(run.results[2].status, Status::Unresolved);
        assert_eq!(run.jobs, 1);
    }
}
