//! The executor: applies a plan's changes with a [`WriteClient`], in the order of
//! DESIGN.md §8, and never re-diffs. Custom roles, organizations and groups first (their new
//! ids go into a name → id map seeded from `plan.references`), then user creates
//! (`create_or_update_many`), updates (`update_many`, batch form), identity changes, then
//! membership adds (`create_many`) and removes (`destroy_many`), then suspensions and
//! downgrades, and deletes (`destroy_many`) last.
//!
//! Every item's outcome is mapped back to its change. A failed item carries Zendesk's `error`
//! and `details` and never stops the others. An item whose outcome is unknown (job expired,
//! answer lost) is resolved by re-reading the affected users, never by resubmitting.
//!
//! Membership removals need membership ids, which the plan does not hold: the executor
//! re-reads the memberships of each user that loses one (`users/{id}/group_memberships`,
//! `users/{id}/organization_memberships`), so the ids are current when they are deleted.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use futures_util::{StreamExt as _, stream};
use serde_json::{Map, Value};

use super::convergence;
use super::{ApplyReport, ChangeResult, Interrupted, Journal, Status};
use crate::plan::{
    Action, Change, CustomRoleField, FieldName, FieldValue, Kind, MatchKey, Named, NamedIds, Phase,
    Plan, UserField,
};
use crate::state::LiveUser;
use crate::zendesk::wire::{Fields, User};
use crate::zendesk::{BulkOutcome, ItemOutcome, WriteClient, ZendeskError};

/// The endpoint that polls job statuses, as [`crate::zendesk::RequestStats`] counts it.
const JOB_POLLS: &str = "GET /api/v2/job_statuses/show_many";

/// Applies plans through one client.
#[derive(Debug)]
pub struct Executor<'c> {
    client: &'c WriteClient,
    journal: Option<Arc<Journal>>,
    check_convergence: bool,
}

/// Ids of the custom roles, organizations and groups by lowercased name.
#[derive(Debug, Default)]
struct Names {
    custom_roles: HashMap<String, Option<u64>>,
    organizations: HashMap<String, Option<u64>>,
    groups: HashMap<String, Option<u64>>,
}

impl NamedIds for Names {
    fn id(&self, kind: Named, name: &str) -> Option<u64> {
        self.require(kind, name).ok()
    }

    /// A user's live reference shows as the id Zendesk holds.
    fn show(&self, _kind: Named, id: u64) -> FieldValue {
        FieldValue::Json(id.into())
    }
}

impl Names {
    fn map(&mut self, kind: Named) -> &mut HashMap<String, Option<u64>> {
        match kind {
            Named::CustomRole => &mut self.custom_roles,
            Named::Organization => &mut self.organizations,
            Named::Group => &mut self.groups,
        }
    }

    fn get(&self, kind: Named) -> &HashMap<String, Option<u64>> {
        match kind {
            Named::CustomRole => &self.custom_roles,
            Named::Organization => &self.organizations,
            Named::Group => &self.groups,
        }
    }

    /// The id of `name` of `kind`; an error when the plan was to create it and that failed.
    fn require(&self, kind: Named, name: &str) -> Result<u64, String> {
        match self.get(kind).get(&name.to_lowercase()) {
            Some(Some(id)) => Ok(*id),
            Some(None) => Err(format!("`{name}` was not created")),
            None => Err(format!("`{name}` is not among the plan's references")),
        }
    }
}

/// Why changes are being settled by re-reading, which decides what happens when the
/// planned values are not there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Settle {
    /// Their outcome is unknown: missing values mean the change failed.
    Unknown,
    /// Zendesk refused them: present values mean the end state holds anyway (a membership
    /// that exists already, a user deleted already); missing ones keep the refusal.
    Refused,
    /// An interrupted run may have made them (`--resume`): present values are adopted,
    /// missing ones are applied again.
    Resumed,
}

/// What a change applied by an interrupted run says in the report.
const ADOPTED: &str = "applied by the interrupted run";

/// One apply run's working state.
struct Run<'p> {
    plan: &'p Plan,
    results: Vec<ChangeResult>,
    names: Names,
    /// Users created by this run, by lowercased match key.
    created: HashMap<MatchKey, u64>,
    jobs: usize,
    fell_back: bool,
    journal: Option<Arc<Journal>>,
    /// The status last written to the journal for each change.
    journaled: Vec<Option<Status>>,
    /// Whether an interrupted run may have made some changes already.
    resuming: bool,
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

    /// Names the changes of the bulk operation about to be submitted, for the journal.
    fn begin(&self, run: &mut Run<'_>, operation: &str, items: &[usize]) {
        run.flush_journal();
        if let Some(journal) = &self.journal {
            journal.begin(operation, run.plan, items);
        }
    }

    /// Applies every applicable change of `plan`. Never fails as a whole: each change's
    /// outcome, failures included, is in the report.
    pub async fn execute(&self, plan: &Plan) -> ApplyReport {
        self.apply(plan, None).await
    }

    /// Continues `plan` where an interrupted run of it (`previous`, read from its journal)
    /// stopped: first the jobs it left open are waited for and read; changes it applied are
    /// adopted; changes whose outcome it never learned are settled by re-reading; everything
    /// else is applied as usual. The report covers the whole plan.
    pub async fn resume(&self, plan: &Plan, previous: &Interrupted) -> ApplyReport {
        self.apply(plan, Some(previous)).await
    }

    async fn apply(&self, plan: &Plan, previous: Option<&Interrupted>) -> ApplyReport {
        let before = self.client.stats();
        let clock = std::time::Instant::now();
        let started = chrono::Utc::now().timestamp();
        let mut names = Names::default();
        for (kind, map) in [
            (Named::CustomRole, &plan.references.custom_roles),
            (Named::Organization, &plan.references.organizations),
            (Named::Group, &plan.references.groups),
        ] {
            for (name, id) in map {
                names.map(kind).insert(name.to_lowercase(), *id);
            }
        }
        let mut run = Run {
            plan,
            results: plan.changes.iter().map(ChangeResult::pending).collect(),
            names,
            created: HashMap::new(),
            jobs: 0,
            fell_back: false,
            journal: self.journal.clone(),
            journaled: vec![None; plan.changes.len()],
            resuming: previous.is_some(),
        };
        if let Some(journal) = &self.journal {
            journal.plan_accepted(plan);
        }
        if let Some(previous) = previous {
            self.adopt(&mut run, previous).await;
        }
        for phase in Phase::ALL {
            self.phase(&mut run, phase).await;
        }
        run.flush_journal();
        let diverged = if self.check_convergence {
            self.converge(&mut run, started).await
        } else {
            Vec::new()
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
            elapsed_ms: u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX),
        };
        if let Some(journal) = &self.journal {
            journal.run_finished(&report);
        }
        report
    }

    /// Applies the changes of one phase.
    async fn phase(&self, run: &mut Run<'_>, phase: Phase) {
        match phase {
            Phase::CustomRoles => self.named_objects(run, Named::CustomRole).await,
            Phase::Organizations => self.named_objects(run, Named::Organization).await,
            Phase::Groups => self.named_objects(run, Named::Group).await,
            Phase::UserCreates => self.user_creates(run).await,
            Phase::UserUpdates => {
                let updates = run.select(|c| c.phase() == Some(phase) && c.kind == Kind::User);
                self.user_updates(run, &updates).await;
                self.identities(run).await;
            }
            Phase::Memberships => {
                for kind in [Kind::OrganizationMembership, Kind::GroupMembership] {
                    self.membership_adds(run, kind).await;
                    self.membership_removes(run, kind).await;
                }
            }
            Phase::SuspensionsAndDowngrades => {
                // One `update_many` for both: the same endpoint, the same bodies.
                let lowering = run.select(|c| c.phase() == Some(phase));
                self.user_updates(run, &lowering).await;
            }
            Phase::Deletes => self.user_deletes(run).await,
        }
    }

    /// Takes over what an interrupted run did (see [`Executor::resume`]).
    async fn adopt(&self, run: &mut Run<'_>, previous: &Interrupted) {
        let count = run.plan.changes.len();
        let applicable = |i: usize| i < count && run.plan.changes[i].blocked.is_none();
        let mut unknown = BTreeSet::new();
        for (&i, &(status, id)) in &previous.results {
            if !applicable(i) {
                continue;
            }
            match status {
                Status::Applied => {
                    run.applied(i, id);
                    run.results[i].details = Some(ADOPTED.to_owned());
                }
                Status::Unresolved => {
                    unknown.insert(i);
                }
                // Refused before: tried again, for a fresh answer.
                Status::Failed | Status::Blocked => {}
            }
        }
        // Started with no result written: perhaps made, perhaps not.
        unknown.extend(previous.unsettled().filter(|&i| applicable(i)));
        for job in &previous.open_jobs {
            for i in &job.changes {
                unknown.remove(i);
            }
        }
        if !previous.open_jobs.is_empty() {
            match previous.finish_open_jobs(self.client).await {
                Ok(outcomes) => {
                    for (job, items) in previous.open_jobs.iter().zip(outcomes) {
                        let (changes, items): (Vec<usize>, Vec<ItemOutcome>) = job
                            .changes
                            .iter()
                            .copied()
                            .zip(items)
                            .filter(|(i, _)| applicable(*i))
                            .unzip();
                        let outcome = BulkOutcome {
                            items,
                            jobs: 0,
                            fell_back_to_single_requests: false,
                        };
                        unknown.extend(run.record(&changes, Ok(outcome)));
                        for i in changes {
                            match run.results[i].status {
                                Status::Applied => {
                                    run.results[i].details = Some(ADOPTED.to_owned());
                                }
                                Status::Failed => run.retry(i),
                                _ => {}
                            }
                        }
                    }
                }
                Err(_) => unknown.extend(
                    previous
                        .open_jobs
                        .iter()
                        .flat_map(|job| job.changes.iter().copied())
                        .filter(|&i| applicable(i)),
                ),
            }
        }
        for (i, change) in run.plan.changes.iter().enumerate() {
            if run.results[i].status != Status::Applied {
                continue;
            }
            let id = run.results[i].id;
            if let Some(named) = change.kind.named() {
                run.names.map(named).insert(change.label.to_lowercase(), id);
            } else if let (Kind::User, Action::Create, Some(id)) = (change.kind, change.action, id)
            {
                run.created.insert(change.key.to_lowercase(), id);
            }
        }
        // Users are re-read before anything is sent again; the other writes are guarded
        // where they are made (duplicate memberships are refused and then confirmed,
        // removals re-read the memberships, named objects are looked up by name first).
        let (users, others): (Vec<usize>, Vec<usize>) = unknown
            .into_iter()
            .partition(|&i| matches!(run.plan.changes[i].kind, Kind::User | Kind::Identity));
        for i in others {
            run.retry(i);
        }
        self.resolve_users(run, &users, Settle::Resumed).await;
        for i in users {
            if run.results[i].status == Status::Applied {
                run.results[i].details = Some(format!("{ADOPTED}; confirmed by re-reading"));
                let change = &run.plan.changes[i];
                if let (Action::Create, Some(id)) = (change.action, run.results[i].id) {
                    run.created.insert(change.key.to_lowercase(), id);
                }
            }
        }
        run.flush_journal();
    }

    /// The id of the live custom role, organization or group named `name`, if any.
    async fn find_named(&self, kind: Named, name: &str) -> Option<u64> {
        let client = self.client;
        match kind {
            Named::CustomRole => client
                .custom_roles()
                .await
                .ok()?
                .into_iter()
                .find(|r| r.name.eq_ignore_ascii_case(name))
                .map(|r| r.id),
            Named::Organization => client
                .search_organizations_by_name(name)
                .await
                .ok()?
                .into_iter()
                .find(|o| o.name.eq_ignore_ascii_case(name))
                .map(|o| o.id),
            Named::Group => client
                .groups()
                .collect_all()
                .await
                .ok()?
                .into_iter()
                .find(|g| !g.deleted && g.name.eq_ignore_ascii_case(name))
                .map(|g| g.id),
        }
    }

    /// Re-reads the users this run wrote and returns every planned field that does not hold
    /// (see [`convergence`]).
    async fn converge(&self, run: &mut Run<'_>, started: i64) -> Vec<convergence::Divergence> {
        let written: Vec<(&Change, u64)> = run
            .plan
            .changes
            .iter()
            .zip(&run.results)
            .filter(|(c, r)| {
                matches!(c.kind, Kind::User | Kind::Identity) && r.status == Status::Applied
            })
            .filter_map(|(c, r)| Some((c, r.id.or(c.id)?)))
            .collect();
        if written.is_empty() {
            return Vec::new();
        }
        let (diverged, reads) =
            convergence::check(self.client, &written, &run.names, started).await;
        if let Some(journal) = &self.journal {
            journal.converged(written.len(), reads, &diverged);
        }
        diverged
    }

    /// Custom roles, organizations or groups: few, so one request each, in plan order.
    async fn named_objects(&self, run: &mut Run<'_>, kind: Named) {
        for i in run.select(|c| c.kind.named() == Some(kind)) {
            let operation = match kind {
                Named::CustomRole => "custom_roles",
                Named::Organization => "organizations",
                Named::Group => "groups",
            };
            self.begin(run, operation, &[i]);
            let change = &run.plan.changes[i];
            let body = object_body(change);
            let client = self.client;
            // The interrupted run may have created it: update that one rather than make a
            // second.
            let existing = if run.resuming && change.id.is_none() {
                self.find_named(kind, &change.label).await
            } else {
                None
            };
            let result = match (kind, change.id.or(existing)) {
                (Named::CustomRole, None) => client.create_custom_role(&body).await.map(|o| o.id),
                (Named::CustomRole, Some(id)) => {
                    client.update_custom_role(id, &body).await.map(|o| o.id)
                }
                (Named::Organization, None) => {
                    client.create_organization(&body).await.map(|o| o.id)
                }
                (Named::Organization, Some(id)) => {
                    client.update_organization(id, &body).await.map(|o| o.id)
                }
                (Named::Group, None) => client.create_group(&body).await.map(|o| o.id),
                (Named::Group, Some(id)) => client.update_group(id, &body).await.map(|o| o.id),
            };
            match result {
                Ok(id) => {
                    run.names
                        .map(kind)
                        .insert(change.label.to_lowercase(), Some(id));
                    run.applied(i, Some(id));
                }
                Err(error) => run.error(i, &error),
            }
            run.flush_journal();
        }
    }

    async fn user_creates(&self, run: &mut Run<'_>) {
        let mut items = Vec::new();
        let mut bodies = Vec::new();
        for i in run.select(|c| c.phase() == Some(Phase::UserCreates)) {
            match user_body(&run.plan.changes[i], &run.names) {
                Ok(body) => {
                    items.push(i);
                    bodies.push(body);
                }
                Err(reason) => run.fail(i, "UnresolvedReference", reason),
            }
        }
        self.begin(run, "users/create_or_update_many", &items);
        let outcome = self.client.create_or_update_many_users(&bodies).await;
        let unknown = run.record(&items, outcome);
        self.resolve_users(run, &unknown, Settle::Unknown).await;
        // Zendesk makes a new user's default organization and group memberships itself; the
        // planner leaves them out of the plan.
        for &i in &items {
            if let (Status::Applied, Some(id)) = (run.results[i].status, run.results[i].id) {
                run.created
                    .insert(run.plan.changes[i].key.to_lowercase(), id);
            }
        }
    }

    /// Updates, suspensions, unsuspensions and downgrades: `update_many`, batch form.
    async fn user_updates(&self, run: &mut Run<'_>, selected: &[usize]) {
        let mut items = Vec::new();
        let mut bodies = Vec::new();
        for &i in selected {
            let change = &run.plan.changes[i];
            let Some(id) = change.id else {
                run.fail(i, "MissingId", "an update names no live user".to_owned());
                continue;
            };
            match user_body(change, &run.names) {
                Ok(mut body) => {
                    body.insert("id".to_owned(), Value::from(id));
                    items.push(i);
                    bodies.push(body);
                }
                Err(reason) => run.fail(i, "UnresolvedReference", reason),
            }
        }
        self.begin(run, "users/update_many", &items);
        let outcome = self.client.update_many_users(&bodies).await;
        let unknown = run.record(&items, outcome);
        self.resolve_users(run, &unknown, Settle::Unknown).await;
    }

    /// Primary-email changes: reuse the address's identity when the user has it already
    /// (a re-run after a half-done change), otherwise create it; then make it primary.
    async fn identities(&self, run: &mut Run<'_>) {
        for i in run.select(|c| c.kind == Kind::Identity) {
            self.begin(run, "identities/make_primary", &[i]);
            let change = &run.plan.changes[i];
            let email = change
                .fields
                .iter()
                .find_map(|f| match (&f.field, &f.after) {
                    (FieldName::User(UserField::Email), FieldValue::Text(email)) => {
                        Some(email.as_str())
                    }
                    _ => None,
                });
            let (Some(user_id), Some(email)) = (change.id, email) else {
                run.fail(
                    i,
                    "MissingId",
                    "an identity change names no user or email".to_owned(),
                );
                continue;
            };
            match self.make_primary(user_id, email).await {
                Ok(()) => run.applied(i, Some(user_id)),
                Err(error) => run.error(i, &error),
            }
            run.flush_journal();
        }
    }

    async fn make_primary(&self, user_id: u64, email: &str) -> Result<(), ZendeskError> {
        let identities = self.client.identities(user_id).collect_all().await?;
        let existing = identities
            .iter()
            .find(|i| i.kind == "email" && i.value.eq_ignore_ascii_case(email));
        let identity_id = match existing {
            Some(identity) if identity.primary => return Ok(()),
            Some(identity) => identity.id,
            None => self.client.create_identity(user_id, email).await?.id,
        };
        self.client
            .make_identity_primary(user_id, identity_id)
            .await
            .map(drop)
    }

    async fn membership_adds(&self, run: &mut Run<'_>, kind: Kind) {
        let target_key = target_key(kind);
        let mut items = Vec::new();
        let mut bodies = Vec::new();
        for i in run.select(|c| c.kind == kind && c.action == Action::Add) {
            let change = &run.plan.changes[i];
            let user = change
                .id
                .or_else(|| run.created.get(&change.key.to_lowercase()).copied())
                .ok_or_else(|| format!("{} was not created", change.label));
            let target = match (change.target_id, &change.target) {
                (Some(id), _) => Ok(id),
                (None, Some(name)) => match kind.target() {
                    Some(named) => run.names.require(named, name),
                    None => Err("the change is not a membership".to_owned()),
                },
                (None, None) => Err("the membership names no target".to_owned()),
            };
            match (user, target) {
                (Ok(user), Ok(target)) => {
                    let mut body = Fields::new();
                    body.insert("user_id".to_owned(), Value::from(user));
                    body.insert(target_key.to_owned(), Value::from(target));
                    items.push(i);
                    bodies.push(body);
                }
                (Err(reason), _) | (_, Err(reason)) => {
                    run.fail(i, "UnresolvedReference", reason);
                }
            }
        }
        self.begin(run, &format!("{}/create_many", collection(kind)), &items);
        let outcome = if kind == Kind::GroupMembership {
            self.client.create_many_group_memberships(&bodies).await
        } else {
            self.client
                .create_many_organization_memberships(&bodies)
                .await
        };
        let unknown = run.record(&items, outcome);
        self.resolve_memberships(run, kind, &unknown, &bodies, &items, Settle::Unknown)
            .await;
        // A membership that exists already (made by an interrupted run, or by someone else
        // since the plan) is refused: re-reading confirms the end state holds.
        let refused: Vec<usize> = items
            .iter()
            .copied()
            .filter(|&i| run.results[i].status == Status::Failed)
            .collect();
        self.resolve_memberships(run, kind, &refused, &bodies, &items, Settle::Refused)
            .await;
    }

    async fn membership_removes(&self, run: &mut Run<'_>, kind: Kind) {
        let selected = run.select(|c| c.kind == kind && c.action == Action::Remove);
        let users: BTreeSet<u64> = selected
            .iter()
            .filter_map(|&i| run.plan.changes[i].id)
            .collect();
        let live = self.memberships_of(kind, &users).await;
        let mut items = Vec::new();
        let mut ids = Vec::new();
        for i in selected {
            let change = &run.plan.changes[i];
            let (Some(user), Some(target)) = (change.id, change.target_id) else {
                run.fail(
                    i,
                    "MissingId",
                    "a removal names no user or target".to_owned(),
                );
                continue;
            };
            match live.get(&user) {
                Some(Ok(memberships)) => match memberships.get(&target) {
                    Some(&membership) => {
                        items.push(i);
                        ids.push(membership);
                    }
                    // Already gone: the plan's end state holds.
                    None => run.applied(i, Some(user)),
                },
                Some(Err(reason)) => run.fail(i, "ReadFailed", reason.clone()),
                None => run.fail(i, "ReadFailed", "memberships not read".to_owned()),
            }
        }
        self.begin(run, &format!("{}/destroy_many", collection(kind)), &items);
        let outcome = if kind == Kind::GroupMembership {
            self.client.destroy_many_group_memberships(&ids).await
        } else {
            self.client
                .destroy_many_organization_memberships(&ids)
                .await
        };
        let unknown = run.record(&items, outcome);
        // A removal whose outcome is unknown: re-read the user's memberships.
        let users: BTreeSet<u64> = unknown
            .iter()
            .filter_map(|&i| run.plan.changes[i].id)
            .collect();
        let live = self.memberships_of(kind, &users).await;
        for i in unknown {
            let change = &run.plan.changes[i];
            let (user, target) = (change.id.unwrap_or_default(), change.target_id);
            match live.get(&user) {
                Some(Ok(memberships)) if !target.is_some_and(|t| memberships.contains_key(&t)) => {
                    run.applied(i, Some(user));
                }
                Some(Ok(_)) => run.fail(
                    i,
                    "NotApplied",
                    "the job's outcome was unknown and the membership is still there".to_owned(),
                ),
                _ => {}
            }
        }
    }

    /// Each user's memberships of `kind`: target id → membership id.
    async fn memberships_of(
        &self,
        kind: Kind,
        users: &BTreeSet<u64>,
    ) -> HashMap<u64, Result<HashMap<u64, u64>, String>> {
        let client = self.client;
        let reads = users.iter().map(|&user| async move {
            let read = if kind == Kind::GroupMembership {
                client
                    .user_group_memberships(user)
                    .collect_all()
                    .await
                    .map(|ms| ms.into_iter().map(|m| (m.group_id, m.id)).collect())
            } else {
                client
                    .user_organization_memberships(user)
                    .collect_all()
                    .await
                    .map(|ms| ms.into_iter().map(|m| (m.organization_id, m.id)).collect())
            };
            (user, read.map_err(|e| e.to_string()))
        });
        stream::iter(reads)
            .buffer_unordered(client.settings().concurrency.max(1))
            .collect()
            .await
    }

    /// Adds whose outcome is unknown: re-read the users' memberships.
    async fn resolve_memberships(
        &self,
        run: &mut Run<'_>,
        kind: Kind,
        unknown: &[usize],
        bodies: &[Fields],
        items: &[usize],
        why: Settle,
    ) {
        if unknown.is_empty() {
            return;
        }
        let target_key = target_key(kind);
        let wanted: HashMap<usize, (u64, u64)> = items
            .iter()
            .zip(bodies)
            .filter(|(i, _)| unknown.contains(i))
            .filter_map(|(&i, body)| {
                let id = |k: &str| body.get(k).and_then(Value::as_u64);
                Some((i, (id("user_id")?, id(target_key)?)))
            })
            .collect();
        let users: BTreeSet<u64> = wanted.values().map(|(u, _)| *u).collect();
        let live = self.memberships_of(kind, &users).await;
        for (i, (user, target)) in wanted {
            match (live.get(&user), why) {
                (Some(Ok(memberships)), _) if memberships.contains_key(&target) => {
                    let refusal = run.results[i].details.take();
                    run.applied(i, Some(user));
                    if let (Settle::Refused, Some(refusal)) = (why, refusal) {
                        run.results[i].details = Some(format!(
                            "already a member: re-reading confirms it (Zendesk answered: {refusal})"
                        ));
                    }
                }
                (Some(Ok(_)), Settle::Unknown) => run.fail(
                    i,
                    "NotApplied",
                    "the job's outcome was unknown and the membership is not there".to_owned(),
                ),
                _ => {}
            }
        }
    }

    async fn user_deletes(&self, run: &mut Run<'_>) {
        let mut items = Vec::new();
        let mut ids = Vec::new();
        for i in run.select(|c| c.phase() == Some(Phase::Deletes)) {
            match run.plan.changes[i].id {
                Some(id) => {
                    items.push(i);
                    ids.push(id);
                }
                None => run.fail(i, "MissingId", "a delete names no live user".to_owned()),
            }
        }
        self.begin(run, "users/destroy_many", &items);
        let outcome = self.client.destroy_many_users(&ids).await;
        let unknown = run.record(&items, outcome);
        self.resolve_users(run, &unknown, Settle::Unknown).await;
        // A user deleted already (by an interrupted run, by someone else) is refused with a
        // 404: the plan's end state holds.
        let refused: Vec<usize> = items
            .iter()
            .copied()
            .filter(|&i| run.results[i].status == Status::Failed)
            .collect();
        self.resolve_users(run, &refused, Settle::Refused).await;
    }

    /// User changes whose outcome is unknown: re-read the users (`show_many`) and see whether
    /// the planned values hold. Nothing is resubmitted.
    async fn resolve_users(&self, run: &mut Run<'_>, unknown: &[usize], why: Settle) {
        if unknown.is_empty() {
            return;
        }
        let mut ids = Vec::new();
        let mut external_ids = Vec::new();
        let mut emails = Vec::new();
        for &i in unknown {
            let change = &run.plan.changes[i];
            match (change.id, &change.key) {
                (Some(id), _) | (None, &MatchKey::Id(id)) => ids.push(id),
                (None, MatchKey::ExternalId(value)) => external_ids.push(value.clone()),
                (None, MatchKey::Email(value)) => emails.push(value.clone()),
                (None, MatchKey::Name(_)) => {}
            }
        }
        let mut users: Vec<User> = Vec::new();
        let mut read_error = None;
        match self.client.users_by_ids(&ids).await {
            Ok(found) => users.extend(found),
            Err(error) => read_error = Some(error.to_string()),
        }
        if !external_ids.is_empty() {
            match self.client.users_by_external_ids(&external_ids).await {
                Ok(found) => users.extend(found),
                Err(error) => read_error = Some(error.to_string()),
            }
        }
        for email in emails {
            match self
                .client
                .search_users(&format!("email:{email}"))
                .collect_all()
                .await
            {
                Ok(found) => users.extend(found),
                Err(error) => read_error = Some(error.to_string()),
            }
        }
        let users: Vec<LiveUser> = users.into_iter().map(LiveUser::from).collect();
        for &i in unknown {
            let change = &run.plan.changes[i];
            let found = users.iter().find(|u| match (change.id, &change.key) {
                (Some(id), _) | (None, &MatchKey::Id(id)) => u.id == id,
                (None, MatchKey::ExternalId(v)) => u
                    .external_id
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(v)),
                (None, MatchKey::Email(v)) => u
                    .email
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(v)),
                (None, MatchKey::Name(_)) => false,
            });
            let holds = convergence::diverging(change, found, &run.names, None).is_empty();
            if holds {
                let refusal = run.results[i].details.take();
                run.applied(i, found.map(|u| u.id));
                run.results[i].details = Some(match (why, refusal) {
                    (Settle::Refused, Some(refusal)) => {
                        format!("already so: re-reading confirms it (Zendesk answered: {refusal})")
                    }
                    _ => "outcome unknown; confirmed by re-reading".to_owned(),
                });
                continue;
            }
            match (why, &read_error) {
                (Settle::Refused, _) => {}
                (Settle::Resumed, _) => run.retry(i),
                (Settle::Unknown, Some(reason)) => {
                    run.results[i].details =
                        Some(format!("outcome unknown and re-reading failed: {reason}"));
                }
                (Settle::Unknown, None) => run.fail(
                    i,
                    "NotApplied",
                    "the job's outcome was unknown and re-reading shows the change did not take effect; a fresh plan will redo it".to_owned(),
                ),
            }
        }
    }
}

impl Run<'_> {
    /// Writes to the journal every result that is settled and not written yet, and every
    /// unresolved one settled since by re-reading.
    fn flush_journal(&mut self) {
        let Some(journal) = &self.journal else {
            return;
        };
        for (i, result) in self.results.iter().enumerate() {
            let pending = result.status == Status::Unresolved && result.error.is_none();
            if pending
                || result.status == Status::Blocked
                || self.journaled[i] == Some(result.status)
            {
                continue;
            }
            let event = if self.journaled[i] == Some(Status::Unresolved) {
                "item_resolved"
            } else {
                "item_result"
            };
            journal.result(event, i, &self.plan.changes[i], result);
            self.journaled[i] = Some(result.status);
        }
    }

    /// Indices of the changes still to make that `pick` selects, in plan order.
    fn select(&self, pick: impl Fn(&Change) -> bool) -> Vec<usize> {
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

    /// Puts change `i` back among the changes to make.
    fn retry(&mut self, i: usize) {
        let result = &mut self.results[i];
        result.status = Status::Unresolved;
        result.error = None;
        result.details = None;
    }

    fn applied(&mut self, i: usize, id: Option<u64>) {
        let result = &mut self.results[i];
        result.status = Status::Applied;
        result.id = id.or(result.id);
        result.error = None;
        result.details = None;
    }

    fn fail(&mut self, i: usize, error: &str, details: String) {
        let result = &mut self.results[i];
        result.status = Status::Failed;
        result.error = Some(error.to_owned());
        result.details = Some(details);
    }

    /// A single request failed: refused (failed) or lost (unresolved).
    fn error(&mut self, i: usize, error: &ZendeskError) {
        match error {
            ZendeskError::OutcomeUnknown { .. } | ZendeskError::RetriesExhausted { .. } => {
                let result = &mut self.results[i];
                result.status = Status::Unresolved;
                result.error = Some("OutcomeUnknown".to_owned());
                result.details = Some(error.to_string());
            }
            ZendeskError::Invalid { error: code, .. } => {
                self.fail(i, code, error.to_string());
            }
            other => self.fail(i, "Error", other.to_string()),
        }
    }

    /// Maps a bulk outcome's items onto the changes `items` (same order); returns the
    /// changes whose outcome is unknown.
    fn record(
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
                ItemOutcome::Failed { error, details, .. } => self.fail(i, &error, details),
                ItemOutcome::Unknown { reason } => {
                    let result = &mut self.results[i];
                    result.status = Status::Unresolved;
                    result.error = Some("OutcomeUnknown".to_owned());
                    result.details = Some(reason);
                    unknown.push(i);
                }
            }
        }
        // Results go to the journal as soon as they are known, before any re-read.
        self.flush_journal();
        unknown
    }
}

fn collection(kind: Kind) -> &'static str {
    if kind == Kind::GroupMembership {
        "group_memberships"
    } else {
        "organization_memberships"
    }
}

fn target_key(kind: Kind) -> &'static str {
    if kind == Kind::GroupMembership {
        "group_id"
    } else {
        "organization_id"
    }
}

/// A user's JSON for Zendesk from a change's fields: reference names become ids, custom
/// user fields go into `user_fields`.
fn user_body(change: &Change, names: &Names) -> Result<Fields, String> {
    let mut body = Fields::new();
    for field in &change.fields {
        let value = field.after.to_json();
        let reference = |kind| match &field.after {
            FieldValue::Text(name) => names.require(kind, name).map(Value::from),
            _ => Ok(Value::Null),
        };
        let FieldName::User(user_field) = &field.field else {
            return Err(format!("`{}` is not a user field", field.field));
        };
        match user_field {
            UserField::CustomRole => {
                body.insert("custom_role_id".to_owned(), reference(Named::CustomRole)?);
            }
            UserField::Organization => {
                body.insert(
                    "organization_id".to_owned(),
                    reference(Named::Organization)?,
                );
            }
            UserField::DefaultGroup => {
                body.insert("default_group_id".to_owned(), reference(Named::Group)?);
            }
            UserField::Custom(key) => nested(&mut body, "user_fields", key, value),
            UserField::Name
            | UserField::Email
            | UserField::ExternalId
            | UserField::Role
            | UserField::Tags
            | UserField::Alias
            | UserField::Details
            | UserField::Notes
            | UserField::Signature
            | UserField::Phone
            | UserField::Locale
            | UserField::TimeZone
            | UserField::TicketRestriction
            | UserField::Moderator
            | UserField::OnlyPrivateComments
            | UserField::Verified
            | UserField::Suspended => {
                body.insert(user_field.to_string(), value);
            }
        }
    }
    if change.action == Action::Create {
        // The match keys go in even when the roster gives no other field.
        match &change.key {
            MatchKey::Email(email) => {
                body.entry("email".to_owned())
                    .or_insert_with(|| Value::from(email.as_str()));
            }
            MatchKey::ExternalId(id) => {
                body.entry("external_id".to_owned())
                    .or_insert_with(|| Value::from(id.as_str()));
            }
            MatchKey::Name(_) | MatchKey::Id(_) => {}
        }
    }
    Ok(body)
}

/// A custom role's, organization's or group's JSON for Zendesk from a change's fields:
/// permissions go into `configuration`.
fn object_body(change: &Change) -> Fields {
    let mut body = Fields::new();
    for field in &change.fields {
        let value = field.after.to_json();
        match &field.field {
            FieldName::CustomRole(CustomRoleField::Configuration(key)) => {
                nested(&mut body, "configuration", key, value);
            }
            other @ (FieldName::CustomRole(
                CustomRoleField::Name | CustomRoleField::Description,
            )
            | FieldName::Organization(_)
            | FieldName::Group(_)
            | FieldName::User(_)) => {
                body.insert(other.to_string(), value);
            }
        }
    }
    body
}

/// Sets key `inner` of the object `outer` of `body`.
fn nested(body: &mut Fields, outer: &str, inner: &str, value: Value) {
    let entry = body
        .entry(outer.to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(map) = entry {
        map.insert(inner.to_owned(), value);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::plan::tests::{source, user_field_change};

    fn change(fields: &[(&str, Value)]) -> Change {
        Change {
            kind: Kind::User,
            action: Action::Create,
            key: MatchKey::ExternalId("emp-9".to_owned()),
            label: "Nine".to_owned(),
            id: None,
            target: None,
            target_id: None,
            fields: fields
                .iter()
                .map(|(f, v)| user_field_change(f, Value::Null, v.clone()))
                .collect(),
            source: Some(source("roster.yaml", 3, 5)),
            blocked: None,
            escalation: None,
        }
    }

    #[test]
    fn user_body_maps_reference_names_to_ids_and_nests_user_fields() {
        let mut names = Names::default();
        names.groups.insert("support".to_owned(), Some(20));
        names.organizations.insert("acme".to_owned(), Some(30));
        let body = user_body(
            &change(&[
                ("name", json!("Nine")),
                ("default_group", json!("Support")),
                ("organization", json!("Acme")),
                ("custom_role", Value::Null),
                ("user_fields.code", json!("x1")),
                ("user_fields.level", json!(3)),
            ]),
            &names,
        )
        .unwrap();
        assert_eq!(
            Value::Object(body),
            json!({
                "name": "Nine", "default_group_id": 20, "organization_id": 30,
                "custom_role_id": null, "user_fields": {"code": "x1", "level": 3},
                "external_id": "emp-9"
            })
        );
    }

    #[test]
    fn user_body_refuses_a_reference_whose_creation_failed() {
        let mut names = Names::default();
        names.groups.insert("new".to_owned(), None);
        let error = user_body(&change(&[("default_group", json!("New"))]), &names);
        assert_eq!(error, Err("`New` was not created".to_owned()));
    }

    fn fields_hold(change: &Change, user: &User, names: &mut Names) -> bool {
        let user = LiveUser::from(user.clone());
        convergence::diverging(change, Some(&user), names, None).is_empty()
    }

    #[test]
    fn fields_hold_compares_tags_as_sets_and_nested_fields() {
        let user: User = serde_json::from_value(json!({
            "id": 5, "name": "Nine", "external_id": "emp-9", "tags": ["b", "a"],
            "user_fields": {"code": "x1"}
        }))
        .unwrap();
        let mut names = Names::default();
        let holds = change(&[
            ("tags", json!(["a", "b"])),
            ("user_fields.code", json!("x1")),
        ]);
        assert!(fields_hold(&holds, &user, &mut names));
        let differs = change(&[("name", json!("Ten"))]);
        assert!(!fields_hold(&differs, &user, &mut names));
        let zoned: User = serde_json::from_value(json!({
            "id": 5, "external_id": "EMP-9", "time_zone": "Berlin",
            "iana_time_zone": "Europe/Berlin", "locale": "en-US",
            "alias": null, "organization_id": 30
        }))
        .unwrap();
        names.organizations.insert("acme".to_owned(), Some(30));
        let normalised = change(&[
            ("time_zone", json!("Europe/Berlin")),
            ("locale", json!("en_US")),
            ("alias", json!("")),
            ("organization", json!("Acme")),
        ]);
        assert!(fields_hold(&normalised, &zoned, &mut names));
        let other_org = change(&[("organization", Value::Null)]);
        assert!(!fields_hold(&other_org, &zoned, &mut names));
    }

    #[test]
    fn bulk_item_outcomes_map_back_to_their_changes() {
        let plan = Plan {
            format_version: 1,
            account: "http://127.0.0.1:1".to_owned(),
            roster_digest: String::new(),
            authenticated_user: None,
            changes: vec![change(&[]), change(&[]), change(&[])],
            drift: Vec::new(),
            refusals: Vec::new(),
            errors: Vec::new(),
            touched: Vec::new(),
            references: crate::plan::References::default(),
            summary: crate::plan::Summary::default(),
            notes: Vec::new(),
        };
        let mut run = Run {
            plan: &plan,
            results: plan.changes.iter().map(ChangeResult::pending).collect(),
            names: Names::default(),
            created: HashMap::new(),
            jobs: 0,
            fell_back: false,
            journal: None,
            journaled: vec![None; 3],
            resuming: false,
        };
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
