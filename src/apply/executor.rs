//! The executor: applies a plan's changes with a [`WriteClient`] in DESIGN.md §8's order
//! ([`Phase`]), and never re-diffs. Each kind of change has its applier
//! ([`super::applier`]). Named objects first (looked up before they are created, and their
//! ids, new or adopted, go into the run's names, seeded from `plan.references`), then users
//! and their memberships, and suspensions, downgrades and deletes last.
//!
//! The order binds each user, not the run: what does not depend on each other goes side by
//! side, its jobs in flight together up to the client's job slots ([`WriteClient`] polls
//! them together). Three lanes run at once once the named objects exist:
//!
//! - the creates (`create_or_update_many`, or single requests on an account without bulk
//!   imports), then the membership adds of the users they created: a membership needs its
//!   user's id, which the create's result gives;
//! - the updates (`update_many`) and primary-email changes, then the membership adds of
//!   those users: a user promoted to agent must be one before it joins a group;
//! - the membership adds of the users the run changes nothing else of.
//!
//! A lane sends only the adds that fill whole jobs (organization and group memberships
//! side by side); the rest of the adds, then the removals, follow once the lanes are done:
//! so the lanes cost no job more than one set of jobs for all, and a user's adds go before
//! its removals (a new agent leaves the default group only once it is in the roster's
//! groups). Suspensions, downgrades and deletes come last: a demotion never goes before the
//! promotion that keeps `min_admins`, whatever stops the run in between.
//!
//! A run is stopped by raising its client's [`crate::zendesk::Stop`] (an interrupt), or by
//! a journal that can no longer be written: it then starts no new write, waits for and reads
//! what it sent, marks the rest not started and skips the convergence check.
//!
//! Every item's outcome is mapped back to its change. A failed item carries Zendesk's `error`
//! and `details` and never stops the others. An item whose outcome is unknown (job expired,
//! answer lost) is settled by re-reading ([`super::settle`]), never by resubmitting. After
//! the last phase, the written users and the changed memberships are re-read and every
//! field and membership that did not converge is reported ([`super::convergence`]).

use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::Arc;

use futures_util::future::{join, join3};

use super::applier::{
    Applier, GROUP_MEMBERSHIPS, MembershipAdds, MembershipRemoves, MembershipTable, NamedObjects,
    ORGANIZATION_MEMBERSHIPS, PrimaryEmails, UserCreates, UserDeletes, UserUpdates,
};
use super::convergence;
use super::resume;
use super::run::Run;
use super::{ApplyReport, Interrupted, Journal, JournalError, Status};
use crate::plan::{Action, Change, Kind, Named, Phase, Plan};
use crate::zendesk::WriteClient;
use crate::zendesk::limits::BULK_LIMIT;

/// The endpoint that polls job statuses, as [`crate::zendesk::RequestStats`] counts it.
const JOB_POLLS: &str = "GET /api/v2/job_statuses/show_many";

/// Applies plans through one client.
#[derive(Debug)]
pub struct Executor<'c> {
    client: &'c WriteClient,
    journal: Option<Arc<Journal>>,
    check_convergence: bool,
}

impl<'c> Executor<'c> {
    /// An executor writing through `client`.
    #[must_use]
    pub fn new(client: &'c WriteClient) -> Self {
        Self {
            client,
            journal: None,
            check_convergence: true,
        }
    }

    /// Skips the convergence re-read after applying (benchmarks of the writes alone).
    #[must_use]
    pub fn without_convergence_check(mut self) -> Self {
        self.check_convergence = false;
        self
    }

    /// Also writes every event to `journal` (which should be the client's observer too, to
    /// see each job).
    #[must_use]
    pub fn with_journal(mut self, journal: Arc<Journal>) -> Self {
        self.journal = Some(journal);
        self
    }

    /// Applies every applicable change of `plan`. Fails as a whole only when the journal
    /// cannot be written, before anything is applied; otherwise each change's outcome,
    /// failures included, is in the report.
    pub async fn execute(&self, plan: &Plan) -> Result<ApplyReport, JournalError> {
        self.apply(plan, None).await
    }

    /// Continues `plan` where an interrupted run of it (`previous`, read from its journal)
    /// stopped: first the jobs it left open are waited for and read; changes it applied are
    /// adopted; changes whose outcome it never learned are settled by re-reading; everything
    /// else is applied as usual. The report covers the whole plan.
    pub async fn resume(
        &self,
        plan: &Plan,
        previous: &Interrupted,
    ) -> Result<ApplyReport, JournalError> {
        self.apply(plan, Some(previous)).await
    }

    async fn apply(
        &self,
        plan: &Plan,
        previous: Option<&Interrupted>,
    ) -> Result<ApplyReport, JournalError> {
        // The journal is opened and written first: a run is never left without one.
        if let Some(journal) = &self.journal {
            journal.plan_accepted(plan)?;
        }
        let before = self.client.stats();
        let clock = std::time::Instant::now();
        let started = chrono::Utc::now().timestamp();
        let mut run = Run::new(plan, self.journal.clone(), self.client.stop().clone());
        if let Some(previous) = previous {
            previous.teach(self.client);
            resume::adopt(self.client, &mut run, previous).await;
        }
        for named in [Named::CustomRole, Named::Organization, Named::Group] {
            if self.stopped().is_some() {
                break;
            }
            let applier = NamedObjects(named);
            let items = run.select(|change| applier.takes(change));
            applier.apply(self.client, &mut run, items).await;
        }
        let run = RefCell::new(run);
        self.users_and_memberships(&run).await;
        let all = |_: &Change| true;
        self.with(&run, &UserUpdates(Phase::SuspensionsAndDowngrades), all)
            .await;
        self.with(&run, &UserDeletes, all).await;
        let mut run = run.into_inner();
        let stopped = self.stopped();
        if stopped.is_some() {
            run.not_started();
        }
        run.flush_journal();
        let (diverged, read_back) = if self.check_convergence && stopped.is_none() {
            self.converge(&run, started).await
        } else {
            (Vec::new(), None)
        };
        let stats = self.client.stats().since(&before);
        let job_polls = stats.count(JOB_POLLS);
        let report = ApplyReport {
            account: plan.account.clone(),
            results: run.results,
            jobs: run.jobs,
            requests: stats.requests - job_polls,
            job_polls,
            fell_back_to_single_requests: run.fell_back,
            diverged,
            read_back,
            elapsed_ms: u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX),
            stopped,
        };
        if let Some(journal) = &self.journal {
            journal.run_finished(&report);
        }
        Ok(report)
    }

    /// Users and their memberships, in three lanes side by side (see the module's
    /// documentation); then the rest of the memberships, as the last step of a user's
    /// changes.
    async fn users_and_memberships(&self, run: &RefCell<Run<'_>>) {
        let lanes = Lanes::from_run(&run.borrow());
        let creates = async {
            self.with(run, &UserCreates, |_| true).await;
            self.early_adds(run, |c| lanes.lane(c) == Lane::Created)
                .await;
        };
        let updates = async {
            self.with(run, &UserUpdates(Phase::UserUpdates), |_| true)
                .await;
            self.with(run, &PrimaryEmails, |_| true).await;
            self.early_adds(run, |c| lanes.lane(c) == Lane::Updated)
                .await;
        };
        let untouched = self.early_adds(run, |c| lanes.lane(c) == Lane::Untouched);
        join3(creates, updates, untouched).await;
        let table = |table: &'static MembershipTable| async move {
            self.with(run, &MembershipAdds(table), |_| true).await;
            self.with(run, &MembershipRemoves(table), |_| true).await;
        };
        join(table(&ORGANIZATION_MEMBERSHIPS), table(&GROUP_MEMBERSHIPS)).await;
    }

    /// The membership adds `pick` selects that fill whole jobs, organization and group
    /// memberships side by side; the rest wait for the last step, so that splitting the adds
    /// into lanes costs no job more than sending them together: the lanes' whole jobs and
    /// one set of jobs for all their remainders are as few as one set for all. Removals
    /// all wait for it: a user's adds go before its removals (an agent keeps a group).
    async fn early_adds(&self, run: &RefCell<Run<'_>>, pick: impl Fn(&Change) -> bool + Copy) {
        let adds = |table: &'static MembershipTable| async move {
            let applier = MembershipAdds(table);
            if self.stopped().is_some() {
                return;
            }
            let mut items = run
                .borrow()
                .select(|change| applier.takes(change) && pick(change));
            items.truncate(items.len() / BULK_LIMIT * BULK_LIMIT);
            if !items.is_empty() {
                applier.apply(self.client, run, items).await;
            }
        };
        join(adds(&ORGANIZATION_MEMBERSHIPS), adds(&GROUP_MEMBERSHIPS)).await;
    }

    /// Why the run must start no new write, if it must: the client's stop was raised (an
    /// interrupt), or the journal failed after it was opened (a run is never left without
    /// one), which raises it.
    fn stopped(&self) -> Option<String> {
        if self.journal.as_ref().is_some_and(|j| j.has_failed()) {
            self.client.stop().raise();
            return Some("the journal could no longer be written".to_owned());
        }
        self.client
            .stop()
            .is_raised()
            .then(|| super::INTERRUPTED.to_owned())
    }

    /// Makes, with `applier`, the changes still to make that it takes and `pick` selects;
    /// none once the run is stopped.
    async fn with(
        &self,
        run: &RefCell<Run<'_>>,
        applier: &impl Applier,
        pick: impl Fn(&Change) -> bool,
    ) {
        if self.stopped().is_some() {
            return;
        }
        let items = run
            .borrow()
            .select(|change| applier.takes(change) && pick(change));
        if !items.is_empty() {
            applier.apply(self.client, run, items).await;
        }
    }

    /// Re-reads the users this run wrote and the memberships it changed, and returns every
    /// planned field and membership that does not hold (see [`convergence`]).
    async fn converge(
        &self,
        run: &Run<'_>,
        started: i64,
    ) -> (Vec<convergence::Divergence>, Option<convergence::UserReads>) {
        let applied = || {
            run.plan
                .changes
                .iter()
                .zip(&run.results)
                .filter(|(_, r)| r.status == Status::Applied)
        };
        let users: Vec<(&Change, u64)> = applied()
            .filter(|(c, _)| matches!(c.kind, Kind::User | Kind::Identity))
            .filter_map(|(c, r)| Some((c, r.id.or(c.id)?)))
            .collect();
        // A membership is identified as the applier made it: the user (found by key when this
        // run created it) and the target (by name when this run created it). A user's change
        // brings the memberships it implies (a new agent's default group).
        let mut memberships: Vec<convergence::Applied<'_>> = applied()
            .filter_map(|(change, _)| {
                let target_kind = change.kind.target()?;
                let user = change
                    .id
                    .or_else(|| run.created.get(&change.key.to_lowercase()).copied())?;
                let target = change.target_id.or_else(|| {
                    let name = change.target.as_deref()?;
                    run.names.require(target_kind, name).ok()
                })?;
                Some(convergence::Applied::change(change, user, target))
            })
            .collect();
        for (change, result) in applied().filter(|(c, _)| c.kind == Kind::User) {
            let Some(user) = result.id.or(change.id) else {
                continue;
            };
            memberships.extend(change.implies.iter().map(|implied| convergence::Applied {
                change,
                kind: implied.kind,
                action: Action::Add,
                target_name: Some(&implied.target),
                user,
                target: implied.target_id,
            }));
        }
        let written = convergence::Written { users, memberships };
        if written.is_empty() {
            return (Vec::new(), None);
        }
        let (diverged, reads) = convergence::check(
            self.client,
            &written,
            &run.plan.account_memberships,
            &run.names,
            started,
        )
        .await;
        let read_back = reads.users;
        if let Some(journal) = &self.journal {
            journal.converged(written.users.len(), reads, &diverged);
        }
        (diverged, read_back)
    }
}

/// Which lane a membership change goes in: after its user's create, after its user's update
/// or primary-email change, or at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lane {
    Created,
    Updated,
    Untouched,
}

/// The users the creates and updates lanes change.
struct Lanes {
    /// Users updated (or unsuspended, or given a new primary email) by this run, by id.
    updated: HashSet<u64>,
}

impl Lanes {
    fn from_run(run: &Run<'_>) -> Self {
        let updated = run
            .select(|change| {
                change.phase() == Some(Phase::UserUpdates)
                    && matches!(change.kind, Kind::User | Kind::Identity)
            })
            .into_iter()
            .filter_map(|i| run.plan.changes[i].id)
            .collect();
        Self { updated }
    }

    /// The lane of a membership change: a user without an id is one this run creates (its
    /// id comes from the create's result).
    fn lane(&self, change: &Change) -> Lane {
        match change.id {
            None => Lane::Created,
            Some(id) if self.updated.contains(&id) => Lane::Updated,
            Some(_) => Lane::Untouched,
        }
    }
}
